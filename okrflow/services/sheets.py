"""Weekly sheets as people read them: who may read which, and the stored sheet as the report model."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from okrflow import access
from okrflow.domain.errors import NotFound
from okrflow.domain.model import Person
from okrflow.reports.sheet_model import WeeklySheet as SheetContent
from okrflow.store import CycleStore, SheetStore, TeamStore, WeeklySheet


@dataclass(frozen=True)
class Attendance:
    """The team sheets a person attends (their team and those above it) and those they lead (and below)."""

    team_ids: frozenset[str]
    lead_of: frozenset[str]


def attendance(session: Session, actor: Person) -> Attendance:
    teams = {t.id: t for t in TeamStore(session).list(actor.org_id)}
    up: list[str] = []
    tid = actor.team_id
    while tid is not None and tid in teams and tid not in up:
        up.append(tid)
        tid = teams[tid].parent_id
    children: dict[str | None, list[str]] = {}
    for t in teams.values():
        children.setdefault(t.parent_id, []).append(t.id)
    led: set[str] = set()
    todo = [t.id for t in teams.values() if t.lead_id == actor.id]
    while todo:
        t = todo.pop()
        if t not in led:
            led.add(t)
            todo += children.get(t, [])
    return Attendance(frozenset(up), frozenset(led))


def get_sheet(
    session: Session, actor: Person, cycle_id: str, week: int, scope: str
) -> tuple[WeeklySheet, SheetContent]:
    """The stored sheet of (cycle, week, scope) if the actor may read it.

    Raises:
        NotFound: no such cycle in the actor's org, or no sheet stored for that week and scope.
        PermissionDenied: the actor does not attend that sheet.
    """
    cycle = CycleStore(session).get(actor.org_id, cycle_id)
    seen = attendance(session, actor)
    access.require_read_sheet(
        actor,
        scope,
        team_ids=seen.team_ids,
        lead_of=seen.lead_of,
        publish_to_all=cycle.cadence.publish_sheet_to_all,
    )
    record = SheetStore(session).get(actor.org_id, cycle.id, week, scope=scope)
    try:
        content = SheetContent.model_validate(record.content)
    except ValueError:
        raise NotFound("weekly sheet", f"{cycle_id} week {week} (stored in an older format)") from None
    return record, content


def list_sheets(session: Session, actor: Person, cycle_id: str) -> list[WeeklySheet]:
    """The cycle's stored sheets the actor may read, by week then scope."""
    cycle = CycleStore(session).get(actor.org_id, cycle_id)
    seen = attendance(session, actor)
    return [
        s
        for s in SheetStore(session).list_for_cycle(actor.org_id, cycle.id)
        if access.can_read_sheet(
            actor,
            s.scope,
            team_ids=seen.team_ids,
            lead_of=seen.lead_of,
            publish_to_all=cycle.cadence.publish_sheet_to_all,
        )
    ]
