"""Reading dashboards from the roll-ups: the org, a team with its subtree, or one person.

``read_dashboard(session, actor, scope, scope_id, cycle_id=..., as_of=...)`` checks who may read
it (``okrflow.dashboard_views.visible_scope``), reads one aggregate row, asks the per-KR rows for
the at-risk line and the lists, and builds the ``Dashboard``: a handful of indexed queries,
whatever the size of the org. ``current_cycle`` picks the cycle running on a day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from okrflow.dashboard_views import (
    AtRiskItem,
    Dashboard,
    OpenConsultation,
    OverdueMilestone,
    at_risk_line,
    dashboard,
    visible_scope,
)
from okrflow.dashboards import ORG, DashboardScope, person_scope, team_scope
from okrflow.domain.calendar import local_date, week_of
from okrflow.domain.errors import NotFound, PermissionDenied, Problem, ValidationFailed
from okrflow.domain.model import Consultation, Cycle, Person, Role, SubjectType
from okrflow.domain.progress import expected_progress
from okrflow.services.consultations import WAITING
from okrflow.services.rollups import ensure_built
from okrflow.store import ConsultationStore, CycleStore, OrgStore, PeopleStore
from okrflow.store.rollups import RollupStore, TeamRow

__all__ = ["LIST_LIMIT", "check_instant", "current_cycle", "read_dashboard"]

LIST_LIMIT = 20


def current_cycle(session: Session, org_id: str, *, on: datetime) -> Cycle:
    """The cycle running at ``on`` (in each cycle's time zone); else the latest that has started;
    else the first one to come.

    Raises:
        NotFound: the org has no cycle.
    """
    cycles = CycleStore(session).list(org_id)
    if not cycles:
        raise NotFound("cycle", "current")
    running = [c for c in cycles if c.start <= local_date(c, on) <= c.end]
    if running:
        return max(running, key=lambda c: (c.start, c.id))
    started = [c for c in cycles if c.start <= local_date(c, on)]
    if started:
        return max(started, key=lambda c: (c.start, c.id))
    return min(cycles, key=lambda c: (c.start, c.id))


def check_instant(at: datetime, name: str) -> datetime:
    """An instant a cycle's calendar can work with (year 1900 to 2999), or ``ValidationFailed``."""
    if not 1900 <= at.year <= 2999:
        raise ValidationFailed([Problem((name,), f"{at.isoformat()} is outside the years 1900 to 2999")])
    return at


def read_dashboard(
    session: Session,
    actor: Person,
    scope: DashboardScope,
    scope_id: str | None = None,
    *,
    cycle_id: str | None = None,
    as_of: datetime | None = None,
    limit: int = LIST_LIMIT,
) -> Dashboard:
    """The org, team or person dashboard as ``actor`` may see it.

    Args:
        actor: The reader (their org scopes everything).
        scope: org, team or person.
        scope_id: The team or person id (ignored for the org).
        cycle_id: The cycle; default the current one.
        as_of: The instant asked about; default now.
        limit: How many items each list shows.

    Raises:
        NotFound: no such cycle, team or person in the actor's org.
        PermissionDenied: the actor may not see this dashboard.
    """
    org_id = actor.org_id
    as_of = check_instant(as_of or datetime.now(UTC), "as_of")
    cycle = (
        CycleStore(session).get(org_id, cycle_id) if cycle_id else current_cycle(session, org_id, on=as_of)
    )
    store = RollupStore(session)
    team_ids: list[str] | None = None
    owner_id: str | None = None
    if scope is DashboardScope.ORG:
        _require(visible_scope(actor, scope), "the org dashboard is read by the OKR ambassador and admins")
        key, scope_id, name = ORG, org_id, OrgStore(session).get(org_id).name
    elif scope is DashboardScope.TEAM:
        tree = store.team_tree(org_id)
        if scope_id is None or scope_id not in tree:
            raise NotFound("team", scope_id or "")
        _require(
            visible_scope(actor, scope, team_id=scope_id, teams=tree),
            f"team {scope_id!r}'s dashboard is read by its members, the managers and leads above it, "
            "the OKR ambassador and admins",
        )
        key, name = team_scope(scope_id), tree[scope_id].name
        team_ids = _subtree(tree, scope_id)
    else:
        person = PeopleStore(session).get(org_id, scope_id or "")
        if person.id != actor.id and actor.role not in (Role.ADMIN, Role.AMBASSADOR):
            _require(
                visible_scope(
                    actor,
                    scope,
                    person=person,
                    teams=store.team_tree(org_id),
                    reports_chain=_managers(session, org_id, person),
                ),
                f"{person.name}'s dashboard is read by them, their managers and team leads, "
                "the OKR ambassador and admins",
            )
        key, scope_id, name, owner_id = person_scope(person.id), person.id, person.name, person.id
    aggregate = store.get_group(org_id, cycle.id, key)
    if aggregate is None and not store.has_cycle(org_id, cycle.id):
        ensure_built(session, org_id, cycle.id)
        aggregate = store.get_group(org_id, cycle.id, key)
    aggregate = aggregate or {}
    today = local_date(cycle, as_of)
    expected = expected_progress(cycle, on=today)
    line = at_risk_line(expected)
    week = week_of(cycle, today)
    stats = store.at_risk_stats(org_id, cycle.id, line=line, week=week, team_ids=team_ids, owner_id=owner_id)
    at_risk = [
        AtRiskItem(
            kr_id=r["kr_id"],
            title=r["title"],
            objective_id=r["objective_id"],
            owner_id=r["owner_id"],
            team_id=r["team_id"],
            progress=round(r["progress"], 4),
            expected=round(expected, 4),
            gap=round(expected - r["progress"], 4),
            confidence=r["confidence"],
            last_check_in=r["last_check_in_at"],
        )
        for r in store.at_risk_rows(
            org_id, cycle.id, line=line, limit=limit, team_ids=team_ids, owner_id=owner_id
        )
    ]
    overdue = [
        OverdueMilestone(
            task_id=r["id"],
            title=r["title"],
            kr_id=r["kr_id"],
            owner_id=r["owner_id"],
            due=r["due"],
            status=r["status"],
            days_overdue=(today - r["due"]).days,
        )
        for r in store.overdue_milestones(
            org_id, cycle.id, today=today, limit=limit, team_ids=team_ids, task_owner_id=owner_id
        )
    ]
    return dashboard(
        scope=scope,
        scope_id=scope_id,
        name=name,
        cycle=cycle,
        as_of=as_of,
        expected=expected,
        aggregate=aggregate,
        at_risk=stats,
        at_risk_list=at_risk,
        overdue_list=overdue,
        consultations=_consultations(session, org_id, cycle.id, team_ids, owner_id),
    )


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _subtree(tree: Mapping[str, TeamRow], team_id: str) -> list[str]:
    children: dict[str | None, list[str]] = defaultdict(list)
    for t in tree.values():
        children[t.parent_id].append(t.id)
    out, todo = [], [team_id]
    while todo:
        tid = todo.pop()
        if tid not in out:
            out.append(tid)
            todo += children.get(tid, [])
    return out


def _managers(session: Session, org_id: str, person: Person) -> list[str]:
    """The person's managers, nearest first (a loop in bad data stops the walk)."""
    people = PeopleStore(session)
    chain: list[str] = []
    manager_id = person.manager_id
    while manager_id is not None and manager_id not in chain and manager_id != person.id:
        chain.append(manager_id)
        try:
            manager_id = people.get(org_id, manager_id).manager_id
        except NotFound:
            break
    return chain


def _consultations(
    session: Session, org_id: str, cycle_id: str, team_ids: list[str] | None, person_id: str | None
) -> list[OpenConsultation]:
    found = [c for c in ConsultationStore(session).list_for_cycle(org_id, cycle_id) if c.status in WAITING]
    if team_ids is not None or person_id is not None:
        kr_ids = [c.subject_id for c in found if c.subject_type is SubjectType.KEY_RESULT]
        where = RollupStore(session).team_of_key_results(org_id, kr_ids)
        teams_set = set(team_ids or ())

        def in_scope(c: Consultation) -> bool:
            row = where.get(c.subject_id) if c.subject_type is SubjectType.KEY_RESULT else None
            if person_id is not None:
                return person_id in c.participants or (row is not None and row["owner_id"] == person_id)
            return row is not None and row["team_id"] in teams_set

        found = [c for c in found if in_scope(c)]
    found.sort(key=lambda c: (c.meet_by, c.id))
    return [
        OpenConsultation(
            id=c.id,
            subject_type=c.subject_type.value,
            subject_id=c.subject_id,
            reason=c.reason,
            status=c.status.value,
            meet_by=c.meet_by,
            level=c.level,
        )
        for c in found
    ]
