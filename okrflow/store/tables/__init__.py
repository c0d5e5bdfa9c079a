"""The tables: one per domain record of ``okrflow.domain.model``, plus link, bookkeeping and roll-up tables.

Primary keys are opaque strings. Every org-owned table carries ``org_id`` (indexed, alone or as the
leading column of a composite index) so each query can be scoped to the caller's org. The circular
and self references of the org chart (team lead, person's team, manager, parent team) are
deferrable so a whole org chart can be inserted in any order within one transaction.

Every module here declares its tables on the one ``metadata`` of ``base``; importing this package
registers them all, which is what the migrations are compared with.
"""

from __future__ import annotations

from sqlalchemy import Table

from okrflow.domain.model import SubjectType
from okrflow.store.tables.base import metadata
from okrflow.store.tables.governance import (
    audit_log,
    change_requests,
    consultations,
    escalations,
    flags,
    intake_problems,
    rule_evaluation_errors,
    rule_set_versions,
)
from okrflow.store.tables.org import api_tokens, cycles, orgs, people, teams
from okrflow.store.tables.outputs import (
    activity_keys,
    critiques,
    cycle_reports,
    digest_items,
    notifications,
    retrospectives,
    weekly_sheets,
)
from okrflow.store.tables.plan import (
    calendar_events,
    check_ins,
    comments,
    health_pulses,
    key_results,
    objective_alignments,
    objectives,
    task_dependencies,
    tasks,
)
from okrflow.store.tables.rollups import rollup_groups, rollup_key_results

# The table holding each kind of subject that comments, flags, change requests and audit entries name.
SUBJECT_TABLES: dict[SubjectType, Table] = {
    SubjectType.ORG: orgs,
    SubjectType.PERSON: people,
    SubjectType.TEAM: teams,
    SubjectType.CYCLE: cycles,
    SubjectType.OBJECTIVE: objectives,
    SubjectType.KEY_RESULT: key_results,
    SubjectType.TASK: tasks,
    SubjectType.CHECK_IN: check_ins,
    SubjectType.CHANGE_REQUEST: change_requests,
    SubjectType.CONSULTATION: consultations,
    SubjectType.RULE_SET: rule_set_versions,
}

__all__ = [
    "SUBJECT_TABLES",
    "activity_keys",
    "api_tokens",
    "audit_log",
    "calendar_events",
    "change_requests",
    "check_ins",
    "comments",
    "consultations",
    "critiques",
    "cycle_reports",
    "cycles",
    "digest_items",
    "escalations",
    "flags",
    "health_pulses",
    "intake_problems",
    "key_results",
    "metadata",
    "notifications",
    "objective_alignments",
    "objectives",
    "orgs",
    "people",
    "retrospectives",
    "rollup_groups",
    "rollup_key_results",
    "rule_evaluation_errors",
    "rule_set_versions",
    "task_dependencies",
    "tasks",
    "teams",
    "weekly_sheets",
]
