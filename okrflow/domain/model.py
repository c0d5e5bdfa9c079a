"""The okrflow domain model: typed, validated records, no I/O.

These models are what the store reads and writes, what the API accepts and returns
(wrapped in its own schemas), and what pure functions (progress, scoring, facts,
calendar, task graph) compute over. Identifiers are opaque strings chosen by the
store (or by the synthetic generator, deterministically).

This module gathers them under one name, the path every caller imports from; each lives
with its kind: ``enums`` (vocabularies), ``base`` (the ``Model`` base, field types and
``validation_problems``/``parse_model``), ``org`` (org, people, teams, cycles), ``plan``
(objectives, key results, tasks, check-ins, pulses, events, comments) and ``governance``
(audit, change requests, flags, escalations, consultations, notifications, rule sets).
"""

from __future__ import annotations

from okrflow.domain.base import (
    Confidence,
    Ident,
    LocalText,
    Model,
    NonEmptyText,
    TimeZoneName,
    parse_model,
    validation_problems,
)
from okrflow.domain.enums import (
    ChangeRequestStatus,
    ConsultationStatus,
    Direction,
    EscalationStatus,
    HealthLevel,
    KRKind,
    Language,
    ObjectiveKind,
    ObjectiveStatus,
    Phase,
    PlanState,
    Role,
    RuleMode,
    Severity,
    SubjectType,
    TaskStatus,
)
from okrflow.domain.governance import (
    AuditEntry,
    ChangeRequest,
    Consultation,
    Escalation,
    Flag,
    Notification,
    RuleSetVersion,
)
from okrflow.domain.org import (
    Cadence,
    Cycle,
    Org,
    Person,
    Team,
)
from okrflow.domain.plan import (
    CalendarEvent,
    CheckIn,
    Comment,
    HealthPulse,
    KeyResult,
    Objective,
    Task,
)

__all__ = [
    "AuditEntry",
    "Cadence",
    "CalendarEvent",
    "ChangeRequest",
    "ChangeRequestStatus",
    "CheckIn",
    "Comment",
    "Confidence",
    "Consultation",
    "ConsultationStatus",
    "Cycle",
    "Direction",
    "Escalation",
    "EscalationStatus",
    "Flag",
    "HealthLevel",
    "HealthPulse",
    "Ident",
    "KRKind",
    "KeyResult",
    "Language",
    "LocalText",
    "Model",
    "NonEmptyText",
    "Notification",
    "Objective",
    "ObjectiveKind",
    "ObjectiveStatus",
    "Org",
    "Person",
    "Phase",
    "PlanState",
    "Role",
    "RuleMode",
    "RuleSetVersion",
    "Severity",
    "SubjectType",
    "Task",
    "TaskStatus",
    "Team",
    "TimeZoneName",
    "parse_model",
    "validation_problems",
]
