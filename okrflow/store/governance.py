"""Governance records: change requests, flags (and rule evaluation errors), escalations, consultations."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, bindparam, update
from sqlalchemy.orm import Session

from okrflow.domain.errors import InvalidState, Problem, ValidationFailed
from okrflow.domain.model import (
    ChangeRequest,
    ChangeRequestStatus,
    Consultation,
    ConsultationStatus,
    Escalation,
    EscalationStatus,
    Flag,
    LocalText,
    SubjectType,
)
from okrflow.store.base import (
    RecordStore,
    Ref,
    RowMap,
    among,
    check_refs,
    insert_ignoring_conflicts,
    insert_rows,
    now_or,
    rowcount,
)
from okrflow.store.cycle_scope import CycleRecordStore, refuse_if_archived
from okrflow.store.records import RuleEvaluationError
from okrflow.store.tables import (
    change_requests,
    consultations,
    cycles,
    escalations,
    flags,
    people,
    rule_evaluation_errors,
)

_FLAG_KEY = ("cycle_id", "week", "rule_id", "subject_type", "subject_id")
_DECISIONS = (ChangeRequestStatus.APPROVED, ChangeRequestStatus.REJECTED, ChangeRequestStatus.WITHDRAWN)


class ChangeRequestStore(CycleRecordStore[ChangeRequest]):
    """Requests to change an objective or key result outside the mid-term window."""

    rows = RowMap(ChangeRequest, change_requests)
    kind = "change request"
    about_subject = True
    refs: ClassVar[Mapping[str, Ref]] = {
        "cycle_id": Ref(cycles, "cycle"),
        "requested_by": Ref(people, "person"),
        "decided_by": Ref(people, "person"),
    }

    def list_for_cycle(
        self, org_id: str, cycle_id: str, *, status: ChangeRequestStatus | None = None
    ) -> list[ChangeRequest]:
        c = change_requests.c
        where = [c.org_id == org_id, c.cycle_id == cycle_id]
        if status is not None:
            where.append(c.status == status)
        return self._select(*where, order_by=(c.created_at, c.id))

    def decide(
        self,
        org_id: str,
        ident: str,
        *,
        status: ChangeRequestStatus,
        decided_by: str,
        note: str | None = None,
        at: datetime | None = None,
    ) -> ChangeRequest:
        """Approve, reject or withdraw a pending request; deciding twice is ``InvalidState``."""
        if status not in _DECISIONS:
            raise ValidationFailed(
                [Problem(("status",), f"a decision is one of {[s.value for s in _DECISIONS]}")]
            )
        values = {"status": status, "decided_by": decided_by, "decision_note": note, "decided_at": now_or(at)}
        return self._transition(org_id, ident, ChangeRequestStatus.PENDING, values)

    def mark_applied(self, org_id: str, ident: str) -> ChangeRequest:
        """Record that an approved request was applied (through the audited path)."""
        return self._transition(
            org_id, ident, ChangeRequestStatus.APPROVED, {"status": ChangeRequestStatus.APPLIED}
        )

    def _transition(
        self, org_id: str, ident: str, expected: ChangeRequestStatus, values: Mapping[str, Any]
    ) -> ChangeRequest:
        current = self.get(org_id, ident)
        refuse_if_archived(self.session, [current.cycle_id])
        merged = current.model_copy(update=dict(values))
        check_refs(self.session, org_id, values, self.refs)
        c = change_requests.c
        stmt = update(change_requests).where(c.id == ident, c.org_id == org_id, c.status == expected)
        if rowcount(self.session.execute(stmt.values(**values))) != 1:
            status = self.get(org_id, ident).status
            raise InvalidState(f"change request {ident!r} is {status.value}, not {expected.value}")
        return merged


class FlagStore:
    """Flags raised by weekly reviews, and the rules that could not be evaluated.

    Writing is idempotent: a flag (or error) is one per cycle, week, rule and subject, so a
    retried review adds nothing twice.
    """

    rows = RowMap(Flag, flags, nested={"message": LocalText})
    error_rows = RowMap(RuleEvaluationError, rule_evaluation_errors)

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_many(self, items: Sequence[Flag]) -> int:
        """Store flags, skipping any already stored for the same review; returns how many were new."""
        rows = [self.rows.to_row(f) for f in items]
        return insert_ignoring_conflicts(self.session, flags, rows, _FLAG_KEY)

    def list_for_cycle(
        self,
        org_id: str,
        cycle_id: str,
        *,
        week: int | None = None,
        rule_id: str | None = None,
        subject_type: SubjectType | None = None,
        subject_id: str | None = None,
    ) -> list[Flag]:
        c = flags.c
        where: list[ColumnElement[bool]] = [c.org_id == org_id, c.cycle_id == cycle_id]
        for column, value in ((c.week, week), (c.rule_id, rule_id), (c.subject_type, subject_type)):
            if value is not None:
                where.append(column == value)
        if subject_id is not None:
            where.append(c.subject_id == subject_id)
        stmt = flags.select().where(*where).order_by(c.week, c.subject_type, c.subject_id, c.rule_id)
        return [self.rows.from_row(r) for r in self.session.execute(stmt).mappings()]

    def add_errors(self, items: Sequence[RuleEvaluationError]) -> int:
        rows = [self.error_rows.to_row(e) for e in items]
        return insert_ignoring_conflicts(self.session, rule_evaluation_errors, rows, _FLAG_KEY)

    def list_errors(
        self, org_id: str, cycle_id: str, *, week: int | None = None
    ) -> list[RuleEvaluationError]:
        c = rule_evaluation_errors.c
        where = [c.org_id == org_id, c.cycle_id == cycle_id]
        if week is not None:
            where.append(c.week == week)
        stmt = rule_evaluation_errors.select().where(*where).order_by(c.week, c.rule_id, c.subject_id)
        return [self.error_rows.from_row(r) for r in self.session.execute(stmt).mappings()]


class EscalationStore(RecordStore[Escalation]):
    rows = RowMap(Escalation, escalations)
    kind = "escalation"
    refs: ClassVar[Mapping[str, Ref]] = {"cycle_id": Ref(cycles, "cycle")}

    def list_for_cycle(
        self, org_id: str, cycle_id: str, *, status: EscalationStatus | None = None
    ) -> list[Escalation]:
        c = escalations.c
        where = [c.org_id == org_id, c.cycle_id == cycle_id]
        if status is not None:
            where.append(c.status == status)
        return self._select(*where, order_by=(c.rule_id, c.subject_type, c.subject_id, c.id))

    def find_open(
        self, org_id: str, cycle_id: str, rule_id: str, subject_type: SubjectType, subject_id: str
    ) -> Escalation | None:
        """The open escalation of this rule for this subject, if any."""
        c = escalations.c
        found = self._select(
            c.org_id == org_id,
            c.cycle_id == cycle_id,
            c.rule_id == rule_id,
            c.subject_type == subject_type,
            c.subject_id == subject_id,
            c.status == EscalationStatus.OPEN,
        )
        return found[0] if found else None

    def list_open_for_subjects(
        self, org_id: str, cycle_id: str, subject_ids: Collection[str]
    ) -> list[Escalation]:
        """The open escalations of the cycle about any of ``subject_ids`` (a review batch's subjects)."""
        c = escalations.c
        found: list[Escalation] = []
        for wanted in among(self.session, c.subject_id, subject_ids):
            found += self._select(
                c.org_id == org_id, c.cycle_id == cycle_id, c.status == EscalationStatus.OPEN, wanted
            )
        return sorted(found, key=lambda e: (e.rule_id, e.subject_type.value, e.subject_id, e.id))

    def add_many(self, items: Sequence[Escalation]) -> int:
        """Insert escalations in one statement (a review's new ladders); a clash is ``Conflict``.

        The items are validated models (``Escalation(...)``); only their cycles are checked here.
        """
        if not items:
            return 0
        for org_id in {e.org_id for e in items}:
            cycle_ids = sorted({e.cycle_id for e in items if e.org_id == org_id})
            check_refs(
                self.session, org_id, {"cycle_ids": cycle_ids}, {"cycle_ids": Ref(cycles, "cycle", many=True)}
            )
        rows = [self.rows.to_row(e) for e in items]
        insert_rows(self.session, escalations, rows, clash="escalations clash with stored ones")
        return len(items)

    def update_many(self, org_id: str, changes: Mapping[str, Mapping[str, Any]]) -> int:
        """Apply trusted ladder changes (escalation id -> {field: value}), one statement per field set.

        Only ``streak``, ``rung``, ``status``, ``opened_week`` and ``updated_week`` change this way.

        Returns:
            How many changes were applied (an id of another org changes nothing).
        """
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for ident, values in changes.items():
            bad = sorted(set(values) - _LADDER_FIELDS)
            if bad:
                raise ValidationFailed([Problem((f,), "cannot be changed with update_many") for f in bad])
            params = {f"v_{k}": v for k, v in values.items()}
            groups.setdefault(tuple(sorted(values)), []).append({"v_id": ident, "v_org": org_id, **params})
        c = escalations.c
        done = 0
        for fields, params in groups.items():
            stmt = (
                update(escalations)
                .where(c.id == bindparam("v_id"), c.org_id == bindparam("v_org"))
                .values({f: bindparam(f"v_{f}") for f in fields})
            )
            self.session.execute(stmt, params)
            done += len(params)
        return done


_LADDER_FIELDS = frozenset({"streak", "rung", "status", "opened_week", "updated_week"})


class ConsultationStore(CycleRecordStore[Consultation]):
    """Consultations (会商)."""

    rows = RowMap(Consultation, consultations)
    kind = "consultation"
    about_subject = True
    refs: ClassVar[Mapping[str, Ref]] = {
        "cycle_id": Ref(cycles, "cycle"),
        "participants": Ref(people, "person", many=True),
    }

    def list_for_cycle(
        self, org_id: str, cycle_id: str, *, status: ConsultationStatus | None = None
    ) -> list[Consultation]:
        c = consultations.c
        where = [c.org_id == org_id, c.cycle_id == cycle_id]
        if status is not None:
            where.append(c.status == status)
        return self._select(*where, order_by=(c.created_at, c.id))

    def list_open(self, org_id: str) -> list[Consultation]:
        """Consultations still waiting for a meeting or a check."""
        c = consultations.c
        return self._select(
            c.org_id == org_id,
            c.status.in_([ConsultationStatus.OPEN, ConsultationStatus.AGREED]),
            order_by=(c.created_at, c.id),
        )
