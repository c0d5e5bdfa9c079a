"""The domain's closed vocabularies: roles, kinds, statuses, phases and severities, as ``StrEnum``s."""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    ZH = "zh"
    EN = "en"


class Role(StrEnum):
    ADMIN = "admin"
    AMBASSADOR = "ambassador"
    MANAGER = "manager"
    MEMBER = "member"


class ObjectiveKind(StrEnum):
    COMMITTED = "committed"
    ASPIRATIONAL = "aspirational"


class ObjectiveStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"  # approved objectives are locked: change requests only
    CLOSED = "closed"


class KRKind(StrEnum):
    METRIC = "metric"
    MILESTONE = "milestone"
    BINARY = "binary"


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    STAY_WITHIN = "stay_within"


class TaskStatus(StrEnum):
    TODO = "todo"
    DOING = "doing"
    BLOCKED = "blocked"
    DONE = "done"
    CUT = "cut"


class PlanState(StrEnum):
    """Where a task stands in bottom-up planning: proposed by its owner, then accepted or declined."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    RISK = "risk"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.RISK: 2, Severity.CRITICAL: 3}


class RuleMode(StrEnum):
    ACTIVE = "active"
    MONITOR = "monitor"  # flags are recorded, nobody is notified


class HealthLevel(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"

    @property
    def score(self) -> int:
        return {HealthLevel.GREEN: 2, HealthLevel.YELLOW: 1, HealthLevel.RED: 0}[self]


class Phase(StrEnum):
    PLANNED = "planned"
    DRAFTING = "drafting"
    DECOMPOSITION = "decomposition"
    EXECUTION = "execution"  # weekly reviews
    MIDTERM = "midterm"
    CLOSEOUT = "closeout"
    ARCHIVED = "archived"


class SubjectType(StrEnum):
    ORG = "org"
    PERSON = "person"
    TEAM = "team"
    CYCLE = "cycle"
    OBJECTIVE = "objective"
    KEY_RESULT = "key_result"
    TASK = "task"
    CHECK_IN = "check_in"
    CHANGE_REQUEST = "change_request"
    CONSULTATION = "consultation"
    RULE_SET = "rule_set"


class ChangeRequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    APPLIED = "applied"
    WITHDRAWN = "withdrawn"


class EscalationStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class ConsultationStatus(StrEnum):
    OPEN = "open"  # convened, waiting for the meeting
    AGREED = "agreed"  # met, decisions and a check recorded; waiting for the check date
    RECOVERED = "recovered"  # the check held: closed
    ESCALATED = "escalated"  # the check failed: handed one rung higher
    CLOSED = "closed"  # closed by hand with a note
