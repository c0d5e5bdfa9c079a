"""What happens during a cycle: check-ins, team health pulses, calendar events and comments."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import delete, select

from okrflow.domain.errors import Conflict, Problem, ValidationFailed
from okrflow.domain.model import CalendarEvent, CheckIn, Comment, HealthPulse, SubjectType, parse_model
from okrflow.store.base import (
    RecordStore,
    Ref,
    RowMap,
    check_refs,
    check_subject,
    chunks,
    insert_ignoring_conflicts,
    insert_row,
)
from okrflow.store.cycle_scope import (
    CycleRecordStore,
    cycle_of_key_result,
    cycle_of_subject,
    key_results_of_cycle,
    refuse_if_archived,
)
from okrflow.store.tables import (
    calendar_events,
    check_ins,
    comments,
    cycles,
    health_pulses,
    key_results,
    people,
    teams,
)

MAX_IDEMPOTENCY_KEY = 200
# What a retried check-in must repeat for its idempotency key to return the first one.
_SAME_REQUEST = ("kr_id", "value", "confidence", "note", "blockers", "next_priorities")


class CheckInStore(RecordStore[CheckIn]):
    rows = RowMap(CheckIn, check_ins)
    kind = "check-in"
    refs: ClassVar[Mapping[str, Ref]] = {
        "kr_id": Ref(key_results, "key result"),
        "author_id": Ref(people, "person"),
    }

    def add(self, item: CheckIn, *, idempotency_key: str | None = None) -> CheckIn:
        """Record a check-in. With an ``idempotency_key``, a retry returns the first check-in instead.

        Raises:
            ValidationFailed: an unknown key result or author, or a malformed key.
            Conflict: the author already used the key for a different check-in.
            InvalidState: the key result's cycle is archived.
        """
        item = parse_model(CheckIn, item.model_dump())
        check_refs(self.session, item.org_id, item.model_dump(), self.refs)
        refuse_if_archived(self.session, [cycle_of_key_result(self.session, item.kr_id)])
        row = {**self.rows.to_row(item), "idempotency_key": idempotency_key}
        if idempotency_key is None:
            insert_row(self.session, check_ins, row, self.kind, item.id)
            return item
        if not 1 <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
            raise ValidationFailed(
                [Problem(("idempotency_key",), f"must be 1 to {MAX_IDEMPOTENCY_KEY} characters")]
            )
        if insert_ignoring_conflicts(self.session, check_ins, [row], ("author_id", "idempotency_key")):
            return item
        (first,) = self._select(
            check_ins.c.author_id == item.author_id, check_ins.c.idempotency_key == idempotency_key
        )
        if any(getattr(first, f) != getattr(item, f) for f in _SAME_REQUEST):
            raise Conflict(
                f"idempotency key {idempotency_key!r} was already used for a different check-in ({first.id})"
            )
        return first

    def list_for_kr(self, org_id: str, kr_id: str, *, until: datetime | None = None) -> list[CheckIn]:
        """The key result's check-ins, oldest first (those on or before ``until``, if given)."""
        where = [check_ins.c.org_id == org_id, check_ins.c.kr_id == kr_id]
        if until is not None:
            where.append(check_ins.c.at <= until)
        return self._select(*where, order_by=(check_ins.c.at, check_ins.c.id))

    def latest_for_krs(self, org_id: str, kr_ids: Collection[str]) -> dict[str, CheckIn]:
        """Each key result's latest check-in (key results without one are absent)."""
        out: dict[str, CheckIn] = {}
        for batch in chunks(sorted(set(kr_ids)), 500):
            for ci in self._select(
                check_ins.c.org_id == org_id,
                check_ins.c.kr_id.in_(batch),
                order_by=(check_ins.c.at, check_ins.c.id),
            ):
                out[ci.kr_id] = ci
        return out

    def checked_in_between(
        self, org_id: str, kr_ids: Collection[str], *, since: datetime, until: datetime
    ) -> set[str]:
        """The key results among ``kr_ids`` with a check-in at an instant in [since, until]."""
        found: set[str] = set()
        c = check_ins.c
        for batch in chunks(sorted(set(kr_ids)), 500):
            stmt = (
                select(c.kr_id)
                .distinct()
                .where(c.org_id == org_id, c.kr_id.in_(batch), c.at >= since, c.at <= until)
            )
            found.update(self.session.scalars(stmt))
        return found

    def list_for_cycle(
        self, org_id: str, cycle_id: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[CheckIn]:
        """Check-ins on the cycle's key results in [since, until], oldest first."""
        where = [check_ins.c.org_id == org_id, check_ins.c.kr_id.in_(key_results_of_cycle(cycle_id))]
        if since is not None:
            where.append(check_ins.c.at >= since)
        if until is not None:
            where.append(check_ins.c.at <= until)
        return self._select(*where, order_by=(check_ins.c.at, check_ins.c.id))


class PulseStore(CycleRecordStore[HealthPulse]):
    """Team health pulses: one per team and review week (a second one for the same week is a Conflict)."""

    rows = RowMap(HealthPulse, health_pulses)
    kind = "health pulse"
    refs: ClassVar[Mapping[str, Ref]] = {"cycle_id": Ref(cycles, "cycle"), "team_id": Ref(teams, "team")}

    def list_for_cycle(
        self, org_id: str, cycle_id: str, *, team_ids: Collection[str] | None = None
    ) -> list[HealthPulse]:
        where = [health_pulses.c.org_id == org_id, health_pulses.c.cycle_id == cycle_id]
        if team_ids is not None:
            where.append(health_pulses.c.team_id.in_(set(team_ids)))
        return self._select(*where, order_by=(health_pulses.c.team_id, health_pulses.c.week))


class EventStore(CycleRecordStore[CalendarEvent]):
    rows = RowMap(CalendarEvent, calendar_events)
    kind = "calendar event"
    refs: ClassVar[Mapping[str, Ref]] = {"cycle_id": Ref(cycles, "cycle"), "team_id": Ref(teams, "team")}

    def list_for_cycle(
        self,
        org_id: str,
        cycle_id: str,
        *,
        start: date | None = None,
        end: date | None = None,
        team_ids: Collection[str] | None = None,
    ) -> list[CalendarEvent]:
        """Events in [start, end]; with ``team_ids``, those teams' events and the org-wide ones."""
        ev = calendar_events.c
        where = [ev.org_id == org_id, ev.cycle_id == cycle_id]
        if start is not None:
            where.append(ev.on >= start)
        if end is not None:
            where.append(ev.on <= end)
        if team_ids is not None:
            where.append(ev.team_id.is_(None) | ev.team_id.in_(set(team_ids)))
        return self._select(*where, order_by=(ev.on, ev.id))

    def delete(self, org_id: str, ident: str) -> None:
        refuse_if_archived(self.session, [self.get(org_id, ident).cycle_id])
        self.session.execute(delete(calendar_events).where(calendar_events.c.id == ident))


class CommentStore(RecordStore[Comment]):
    rows = RowMap(Comment, comments)
    kind = "comment"
    refs: ClassVar[Mapping[str, Ref]] = {
        "author_id": Ref(people, "person"),
        "mentions": Ref(people, "person", many=True),
    }

    def add(self, item: Comment) -> Comment:
        check_subject(self.session, item.org_id, item.subject_type, item.subject_id)
        refuse_if_archived(self.session, [cycle_of_subject(self.session, item.subject_type, item.subject_id)])
        return super().add(item)

    def list_for_subject(self, org_id: str, subject_type: SubjectType, subject_id: str) -> list[Comment]:
        """The subject's comments, oldest first."""
        c = comments.c
        return self._select(
            c.org_id == org_id,
            c.subject_type == subject_type,
            c.subject_id == subject_id,
            order_by=(c.created_at, c.id),
        )
