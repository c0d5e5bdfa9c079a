"""What belongs to a cycle, and the rule that an archived cycle is read-only.

Every write to something recorded about a cycle (its plan, check-ins, pulses, events, comments,
change requests, consultations, problems, retrospectives, reports) first refuses an archived
cycle with ``refuse_if_archived``. ``CycleRecordStore`` does that for plain records that carry
a ``cycle_id``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, ClassVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from okrflow.domain.errors import InvalidState
from okrflow.domain.model import Phase, SubjectType
from okrflow.store.base import M, RecordStore, check_subject
from okrflow.store.tables import check_ins, cycles, key_results, objectives, tasks


def key_results_of_cycle(cycle_id: str) -> Select[Any]:
    """A subquery of the ids of the cycle's key results."""
    return (
        select(key_results.c.id)
        .join(objectives, objectives.c.id == key_results.c.objective_id)
        .where(objectives.c.cycle_id == cycle_id)
    )


def cycles_of_key_results(session: Session, kr_ids: Collection[str]) -> set[str]:
    """The cycles these key results belong to."""
    stmt = (
        select(objectives.c.cycle_id)
        .join(key_results, key_results.c.objective_id == objectives.c.id)
        .where(key_results.c.id.in_(set(kr_ids)))
    )
    return set(session.scalars(stmt))


def cycle_of_key_result(session: Session, kr_id: str) -> str | None:
    return next(iter(cycles_of_key_results(session, [kr_id])), None)


def cycle_of_subject(session: Session, subject_type: SubjectType, subject_id: str) -> str | None:
    """The cycle an objective, key result, task, check-in or cycle belongs to (None for other subjects)."""
    if subject_type is SubjectType.CYCLE:
        return subject_id
    if subject_type is SubjectType.OBJECTIVE:
        return session.scalar(select(objectives.c.cycle_id).where(objectives.c.id == subject_id))
    if subject_type is SubjectType.KEY_RESULT:
        return cycle_of_key_result(session, subject_id)
    if subject_type is SubjectType.TASK:
        kr_id = session.scalar(select(tasks.c.kr_id).where(tasks.c.id == subject_id))
        return None if kr_id is None else cycle_of_key_result(session, kr_id)
    if subject_type is SubjectType.CHECK_IN:
        kr_id = session.scalar(select(check_ins.c.kr_id).where(check_ins.c.id == subject_id))
        return None if kr_id is None else cycle_of_key_result(session, kr_id)
    return None


def refuse_if_archived(session: Session, cycle_ids: Collection[str | None]) -> None:
    """``InvalidState`` when one of these cycles is archived (read-only); None stands for no cycle."""
    wanted = {c for c in cycle_ids if c is not None}
    if not wanted:
        return
    archived = session.scalars(
        select(cycles.c.name).where(cycles.c.id.in_(wanted), cycles.c.phase == Phase.ARCHIVED)
    ).all()
    if archived:
        raise InvalidState(
            f"cycle {archived[0]!r} is archived: it is read-only "
            "(its objectives, key results, tasks, check-ins and everything recorded about them)"
        )


class CycleRecordStore(RecordStore[M]):
    """A plain record with a ``cycle_id`` (possibly None): read-only once its cycle is archived.

    With ``about_subject``, the record also names a subject (``subject_type``, ``subject_id``)
    that must be in the record's org.
    """

    about_subject: ClassVar[bool] = False

    def add(self, item: M) -> M:
        values = item.model_dump(include={"org_id", "cycle_id", "subject_type", "subject_id"})
        if self.about_subject:
            check_subject(self.session, values["org_id"], values["subject_type"], values["subject_id"])
        refuse_if_archived(self.session, [values["cycle_id"]])
        return super().add(item)

    def update(self, org_id: str, ident: str, changes: Mapping[str, Any]) -> M:
        current = self.get(org_id, ident).model_dump(include={"cycle_id"})
        refuse_if_archived(self.session, [current["cycle_id"]])
        return super().update(org_id, ident, changes)

    def find(self, org_id: str, **equal: Any) -> list[M]:
        """The org's records whose columns equal every filter given (None: no filter), oldest first.

        Raises:
            ValueError: a filter names no column of the table.
        """
        c = self.table.c
        unknown = sorted(set(equal) - set(c.keys()))
        if unknown:
            raise ValueError(f"{self.table.name} has no column {unknown}")
        where = [c[name] == value for name, value in equal.items() if value is not None]
        return self._select(c.org_id == org_id, *where, order_by=(c.created_at, c.id))

    def list_for_subject(self, org_id: str, subject_type: SubjectType, subject_id: str) -> list[M]:
        """With ``about_subject``: the records about this subject, oldest first."""
        c = self.table.c
        return self._select(
            c.org_id == org_id,
            c.subject_type == subject_type,
            c.subject_id == subject_id,
            order_by=(c.created_at, c.id),
        )
