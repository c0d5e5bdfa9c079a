"""Problems raised through the OKR ambassador's intake: anyone raises one about any OKR (or a person,
team or task); the ambassador triages it (assign, open a consultation, close with a note)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from okrflow.reports.ambassador_model import IntakeProblem, ProblemStatus
from okrflow.store.base import RecordStore, Ref, RowMap, check_subject
from okrflow.store.plan import refuse_if_archived
from okrflow.store.tables import SUBJECT_TABLES, consultations, cycles, intake_problems, people


class ProblemStore(RecordStore[IntakeProblem]):
    rows = RowMap(IntakeProblem, intake_problems)
    kind = "problem"
    refs: ClassVar[Mapping[str, Ref]] = {
        "cycle_id": Ref(cycles, "cycle"),
        "raised_by": Ref(people, "person"),
        "assignee_id": Ref(people, "person"),
        "consultation_id": Ref(consultations, "consultation"),
    }
    immutable = frozenset(
        {"id", "org_id", "cycle_id", "subject_type", "subject_id", "raised_by", "created_at"}
    )

    def add(self, item: IntakeProblem) -> IntakeProblem:
        """Record a raised problem.

        Raises:
            ValidationFailed: the subject or a referenced person is not in the org.
            InvalidState: the problem is about an archived cycle (read-only).
        """
        check_subject(
            self.session, item.org_id, item.subject_type, item.subject_id, SUBJECT_TABLES[item.subject_type]
        )
        if item.cycle_id is not None:
            refuse_if_archived(self.session, [item.cycle_id])
        return super().add(item)

    def update(self, org_id: str, ident: str, changes: Mapping[str, Any]) -> IntakeProblem:
        current = self.get(org_id, ident)
        if current.cycle_id is not None:
            refuse_if_archived(self.session, [current.cycle_id])
        return super().update(org_id, ident, changes)

    def list(
        self,
        org_id: str,
        *,
        status: ProblemStatus | None = None,
        cycle_id: str | None = None,
        raised_by: str | None = None,
        assignee_id: str | None = None,
    ) -> list[IntakeProblem]:
        """The org's problems, oldest first, filtered."""
        c = intake_problems.c
        where = [c.org_id == org_id]
        for column, value in (
            (c.status, status),
            (c.cycle_id, cycle_id),
            (c.raised_by, raised_by),
            (c.assignee_id, assignee_id),
        ):
            if value is not None:
                where.append(column == value)
        return self._select(*where, order_by=(c.created_at, c.id))
