"""Problems raised through the OKR ambassador's intake: anyone raises one about any OKR (or a person,
team or task); the ambassador triages it (assign, open a consultation, close with a note)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from okrflow.reports.ambassador_model import IntakeProblem, ProblemStatus
from okrflow.store.base import Ref, RowMap
from okrflow.store.cycle_scope import CycleRecordStore
from okrflow.store.tables import consultations, cycles, intake_problems, people


class ProblemStore(CycleRecordStore[IntakeProblem]):
    """Problems raised about a subject of the org (``ValidationFailed`` otherwise); read-only, like
    everything about it, once the problem's cycle is archived (``InvalidState``)."""

    rows = RowMap(IntakeProblem, intake_problems)
    kind = "problem"
    about_subject = True
    refs: ClassVar[Mapping[str, Ref]] = {
        "cycle_id": Ref(cycles, "cycle"),
        "raised_by": Ref(people, "person"),
        "assignee_id": Ref(people, "person"),
        "consultation_id": Ref(consultations, "consultation"),
    }
    immutable = frozenset(
        {"id", "org_id", "cycle_id", "subject_type", "subject_id", "raised_by", "created_at"}
    )

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
