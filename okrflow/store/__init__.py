"""The store: SQLAlchemy tables, one store class per aggregate, Alembic migrations.

Stores take a ``Session``, return domain models, scope every read and write to an org, flush
and never commit (``unit_of_work`` commits at the boundary: a request, an activity).

    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)                                   # okrflow.store.migrate
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        kr = KeyResultStore(session).update(org_id, kr_id, {"target": 9}, expected_version=3,
                                            actor=person_id, reason="...")
"""

from okrflow.store.audit import AuditStore
from okrflow.store.base import Page, new_id
from okrflow.store.checkins import CheckInStore, CommentStore, EventStore, PulseStore
from okrflow.store.closeout import CycleReportStore, RetrospectiveStore, StoredReport
from okrflow.store.critiques import CritiqueStore, StoredCritique
from okrflow.store.db import make_engine, make_session_factory, unit_of_work
from okrflow.store.digests import DigestItem, DigestStore
from okrflow.store.governance import ChangeRequestStore, ConsultationStore, EscalationStore, FlagStore
from okrflow.store.notifications import NotificationStore
from okrflow.store.org import CycleStore, OrgStore, PeopleStore, TeamStore
from okrflow.store.plan import KeyResultStore, ObjectiveStore
from okrflow.store.problems import ProblemStore
from okrflow.store.records import ApiToken, RuleEvaluationError, WeeklySheet
from okrflow.store.rollups import RollupStore
from okrflow.store.rulesets import RuleSetStore
from okrflow.store.runs import ActivityKeyStore, SheetStore
from okrflow.store.tasks import TaskStore
from okrflow.store.tokens import TokenStore

__all__ = [
    "ActivityKeyStore",
    "ApiToken",
    "AuditStore",
    "ChangeRequestStore",
    "CheckInStore",
    "CommentStore",
    "ConsultationStore",
    "CritiqueStore",
    "CycleReportStore",
    "CycleStore",
    "DigestItem",
    "DigestStore",
    "EscalationStore",
    "EventStore",
    "FlagStore",
    "KeyResultStore",
    "NotificationStore",
    "ObjectiveStore",
    "OrgStore",
    "Page",
    "PeopleStore",
    "ProblemStore",
    "PulseStore",
    "RetrospectiveStore",
    "RollupStore",
    "RuleEvaluationError",
    "RuleSetStore",
    "SheetStore",
    "StoredCritique",
    "StoredReport",
    "TaskStore",
    "TeamStore",
    "TokenStore",
    "WeeklySheet",
    "make_engine",
    "make_session_factory",
    "new_id",
    "unit_of_work",
]
