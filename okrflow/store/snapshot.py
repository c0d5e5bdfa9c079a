"""Load a cycle as of an instant (``CycleSnapshot``) with a handful of bulk column selects.

Rows were validated when they were written, so models are built with ``model_construct``
(no re-validation): ~400,000 check-ins load in seconds, not minutes.

With ``team_ids`` (one shard of a weekly review) the snapshot holds what the facts of those teams'
subjects read: the teams' objectives with their key results, tasks and check-ins; the objectives and
key results their members own elsewhere in the cycle (a person's facts count what they own anywhere);
every task owned by the members or by the owners of those key results and tasks (capacity and
load); and the prerequisites of the tasks loaded and the tasks waiting behind them, transitively
(blocked dependencies and chains). Facts of the teams' subjects then come out as from the whole
cycle; facts of anything else loaded do not, and the cycle's own are added up over the shards
(``rules.cycle_tally``).
Every team and every person of the org are always there (the sheets name teams, the ladders
address people by role).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime
from itertools import chain, groupby
from operator import itemgetter
from typing import Any, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, Table, and_, or_, select
from sqlalchemy.orm import Session

from okrflow.domain.calendar import local_date, week_of
from okrflow.domain.errors import NotFound
from okrflow.domain.model import (
    Cadence,
    Cycle,
    EscalationStatus,
    KeyResult,
    Objective,
    Org,
    Task,
)
from okrflow.domain.snapshot import CycleSnapshot
from okrflow.store.base import RowMap, chunks, gc_paused
from okrflow.store.checkins import CheckInStore, EventStore, PulseStore
from okrflow.store.cycle_scope import key_results_of_cycle
from okrflow.store.org import PeopleStore, TeamStore
from okrflow.store.plan import KeyResultStore, ObjectiveStore
from okrflow.store.tables import (
    calendar_events,
    check_ins,
    cycles,
    escalations,
    health_pulses,
    key_results,
    objective_alignments,
    objectives,
    orgs,
    people,
    task_dependencies,
    tasks,
    teams,
)
from okrflow.store.tasks import TaskStore
from okrflow.store.types import raw_column, result_converter

B = TypeVar("B", bound=BaseModel)
_IN_BATCH = 2_000
_FETCH = 10_000  # rows per fetchmany: far fewer driver round trips than row-by-row fetchone


def load_snapshot(
    session: Session,
    cycle_id: str,
    *,
    as_of: datetime,
    team_ids: Collection[str | None] | None = None,
    org_id: str | None = None,
) -> CycleSnapshot:
    """The cycle as of ``as_of``: check-ins made after it are left out.

    Args:
        cycle_id: the cycle to load.
        as_of: an aware instant, normally a review time.
        team_ids: only these teams' objectives (and what their facts read, see the module docstring);
            None among them: also those of no team.
        org_id: when given, a cycle of another org is ``NotFound``.

    Returns:
        A ``CycleSnapshot``; ``streaks`` holds the streak of every open escalation of the cycle.
    """
    if as_of.tzinfo is None:
        raise ValueError("as_of: must include a time zone offset")
    with gc_paused():
        return _load_snapshot(session, cycle_id, as_of=as_of, team_ids=team_ids, org_id=org_id)


def _load_snapshot(
    session: Session,
    cycle_id: str,
    *,
    as_of: datetime,
    team_ids: Collection[str | None] | None,
    org_id: str | None,
) -> CycleSnapshot:
    row = session.execute(select(cycles).where(cycles.c.id == cycle_id)).mappings().first()
    if row is None or (org_id is not None and row["org_id"] != org_id):
        raise NotFound("cycle", cycle_id)
    cycle = Cycle.model_construct(**{**dict(row), "cadence": Cadence.model_validate(row["cadence"])})
    org_row = session.execute(select(orgs).where(orgs.c.id == cycle.org_id)).mappings().one()
    org = Org.model_construct(**dict(org_row))
    if team_ids is None:
        objective_where: list[ColumnElement[bool]] = [objectives.c.cycle_id == cycle_id]
        objective_ids = select(objectives.c.id).where(*objective_where)
        kr_where = [key_results.c.objective_id.in_(objective_ids)]
        alignments = _links(session, objective_alignments, "objective_id", "parent_id", objective_ids)
        objective_list = _load(
            session, ObjectiveStore.rows, objective_where, links={"aligned_to": alignments}
        )
        kr_list = _load(session, KeyResultStore.rows, kr_where)
        kr_ids = select(key_results.c.id).where(*kr_where)
        task_list = _load_tasks(session, [tasks.c.kr_id.in_(kr_ids)])
    else:
        members = members_of(cycle.org_id, team_ids)
        objective_list, kr_list, kr_ids = _load_plan_of_teams(session, cycle_id, team_ids, members)
        task_list = _load_tasks(session, [tasks.c.kr_id.in_(kr_ids)])
        owners = {kr.owner_id for kr in kr_list if kr.owner_id} | {t.owner_id for t in task_list}
        task_list += _load_tasks_around(session, cycle_id, team_ids, members, owners, task_list, kr_ids)

    check_in_list = _load(
        session,
        CheckInStore.rows,
        [check_ins.c.kr_id.in_(kr_ids), check_ins.c.at <= as_of],
        order_by=(check_ins.c.kr_id, check_ins.c.at, check_ins.c.id),
    )
    # A pulse has a week, not an instant: the weeks up to the one ``as_of`` falls in.
    as_of_week = week_of(cycle, local_date(cycle, as_of))
    pulse_where = [health_pulses.c.cycle_id == cycle_id, health_pulses.c.week <= as_of_week]
    event_where = [calendar_events.c.cycle_id == cycle_id]
    if team_ids is not None:
        named = [t for t in team_ids if t is not None]
        pulse_where.append(health_pulses.c.team_id.in_(named))
        event_where.append(in_teams(calendar_events.c.team_id, [*named, None]))
    pulse_list = _load(session, PulseStore.rows, pulse_where, order_by=(health_pulses.c.week,))
    event_list = _load(
        session, EventStore.rows, event_where, order_by=(calendar_events.c.on, calendar_events.c.id)
    )

    team_list = _load(session, TeamStore.rows, [teams.c.org_id == cycle.org_id])
    people_list = _load(session, PeopleStore.rows, [people.c.org_id == cycle.org_id])

    streaks = {
        (rule_id, subject_id): streak
        for rule_id, subject_id, streak in session.execute(
            select(escalations.c.rule_id, escalations.c.subject_id, escalations.c.streak).where(
                escalations.c.cycle_id == cycle_id, escalations.c.status == EscalationStatus.OPEN
            )
        )
    }
    return CycleSnapshot.build(
        org=org,
        cycle=cycle,
        as_of=as_of,
        people=people_list,
        teams=team_list,
        objectives=objective_list,
        key_results=kr_list,
        tasks=task_list,
        check_ins=check_in_list,
        pulses=pulse_list,
        events=event_list,
        streaks=streaks,
    )


# ---------------------------------------------------------------- loading helpers


def _load(
    session: Session,
    rows_map: RowMap[B],
    where: Sequence[ColumnElement[bool]],
    *,
    order_by: Sequence[Any] = (),
    links: dict[str, dict[str, list[str]]] | None = None,
) -> list[B]:
    """Select the model's columns and build each model without validation (trusted rows).

    The columns are read raw (no SQLAlchemy result processing) and each row becomes a model in
    one generated function that converts only the columns whose type needs it.
    """
    table = rows_map.table
    names = rows_map.plain
    dialect = session.get_bind().dialect.name
    stmt = select(*(raw_column(table.c[n], dialect).label(n) for n in names)).where(*where)
    if order_by:
        stmt = stmt.order_by(*order_by)
    link_field, targets = next(iter(links.items())) if links else (None, {})
    make = _row_maker(rows_map, dialect, link_field)
    return [make(r, targets) for part in session.execute(stmt).partitions(_FETCH) for r in part]


@functools.cache
def _row_maker(rows_map: RowMap[Any], dialect: str, link_field: str | None) -> Callable[[Any, Any], Any]:
    """Generate ``make(row, links) -> model`` for this table's columns, as dataclasses and attrs do:
    the per-row work is then one call with no loop, and values that need no conversion are
    passed as they come. The source is built from our own column names only."""
    table, names = rows_map.table, rows_map.plain
    env: dict[str, Any] = {"model": rows_map.model, **_trusted_setters(rows_map.model)}
    items = []
    for i, name in enumerate(names):
        convert = result_converter(table.c[name].type, dialect)
        if convert is None:
            items.append(f"{name!r}: c{i}")
            continue
        env[f"f{i}"] = convert
        nullable = table.c[name].nullable
        items.append(
            f"{name!r}: (None if c{i} is None else f{i}(c{i}))" if nullable else f"{name!r}: f{i}(c{i})"
        )
    if link_field is not None:
        items.append(f"{link_field!r}: links.get(c{names.index('id')}) or []")
    unpack = ", ".join(f"c{i}" for i in range(len(names)))
    values = f"{{{', '.join(items)}}}"
    if "new" not in env:
        body = f"    return model.model_construct(**{values})\n"
    else:
        body = (
            "    item = new(model)\n"
            f"    set_dict(item, {values})\n"
            "    set_fields_set(item, every_field)\n"
            "    set_extra(item, None)\n"
            "    set_private(item, None)\n"
            "    return item\n"
        )
    exec(f"def make(row, links):\n    {unpack}, = row\n{body}", env)
    return cast(Callable[[Any, Any], Any], env["make"])


def _trusted_setters(model: type[BaseModel]) -> dict[str, Any]:
    """What builds a ``model`` from values for every field, already valid, as ``model_construct`` does
    (set the instance dict and the fields-set; no extra, no private attributes) but several times
    faster, which matters for 150,000 tasks and 400,000 check-ins. Empty when the model needs
    ``model_construct`` itself (a post-init hook or private attributes).

    The slots are set through their descriptors (half the cost of ``object.__setattr__``). Every
    instance shares one fields-set: it holds every field, and pydantic only ever adds the name of
    an assigned field to it (``model_copy`` copies it first), so sharing changes nothing, while
    a set of 10 to 18 names per row would cost 0.7 to 1.2 kB and a malloc each (300 MB per cycle).
    """
    if model.__pydantic_post_init__ is not None or model.__private_attributes__:
        return {}
    dict_owner = next(k for k in model.__mro__ if "__dict__" in vars(k))
    return {
        "new": model.__new__,
        "set_dict": vars(dict_owner)["__dict__"].__set__,
        "set_fields_set": vars(BaseModel)["__pydantic_fields_set__"].__set__,
        "set_extra": vars(BaseModel)["__pydantic_extra__"].__set__,
        "set_private": vars(BaseModel)["__pydantic_private__"].__set__,
        "every_field": set(model.model_fields),
    }


def _links(
    session: Session, table: Table, owner: str, target: str, owners: Select[Any] | Collection[str]
) -> dict[str, list[str]]:
    """owner id -> target ids in order, for the owners selected (a subquery or a list of ids).

    Rows come ordered by owner, so each owner's targets are one run: fetched in partitions (not
    row by row) and grouped whole.
    """
    own, tgt, pos = table.c[owner], table.c[target], table.c.position
    statements: Iterable[Select[Any]]
    if isinstance(owners, Select):
        # A join rather than IN (subquery) (the owners are distinct ids): SQLite then walks the
        # owners first and looks their links up by primary key (seen: a third faster).
        picked = owners.subquery()
        statements = [select(own, tgt).join(picked, own == picked.c[0]).order_by(own, pos)]
    else:
        statements = (
            select(own, tgt).where(own.in_(batch)).order_by(own, pos)
            for batch in chunks(sorted(owners), _IN_BATCH)
        )
    out: dict[str, list[str]] = {}
    first = itemgetter(0)
    for stmt in statements:
        rows = chain.from_iterable(session.execute(stmt).partitions(_FETCH))
        for o, run in groupby(rows, first):
            out[o] = [t for _, t in run]
    return out


def _load_tasks(session: Session, where: Sequence[ColumnElement[bool]]) -> list[Task]:
    depends = _links(session, task_dependencies, "task_id", "depends_on_id", select(tasks.c.id).where(*where))
    return _load(session, TaskStore.rows, where, links={"depends_on": depends})


def _load_plan_of_teams(
    session: Session, cycle_id: str, team_ids: Collection[str | None], members: Select[Any]
) -> tuple[list[Objective], list[KeyResult], Select[Any]]:
    """The teams' objectives and key results, plus what their members own elsewhere in the cycle
    (a person's facts count what they own anywhere) with the objectives those belong to; and a
    subquery of the key results' ids."""
    in_cycle = objectives.c.cycle_id == cycle_id
    of_teams = select(objectives.c.id).where(in_cycle, in_teams(objectives.c.team_id, team_ids))
    cycle_objectives = select(objectives.c.id).where(in_cycle)
    kr_where = [
        key_results.c.objective_id.in_(of_teams)
        | (key_results.c.owner_id.in_(members) & key_results.c.objective_id.in_(cycle_objectives))
    ]
    kr_list = _load(session, KeyResultStore.rows, kr_where)
    owned = in_teams(objectives.c.team_id, team_ids) | objectives.c.owner_id.in_(members)
    wanted = set(session.scalars(select(objectives.c.id).where(in_cycle, owned)))
    wanted |= {kr.objective_id for kr in kr_list}
    alignments = _links(session, objective_alignments, "objective_id", "parent_id", wanted)
    objective_list: list[Objective] = []
    for batch in chunks(sorted(wanted), _IN_BATCH):
        objective_list += _load(
            session, ObjectiveStore.rows, [objectives.c.id.in_(batch)], links={"aligned_to": alignments}
        )
    return objective_list, kr_list, select(key_results.c.id).where(*kr_where)


def _load_tasks_around(
    session: Session,
    cycle_id: str,
    team_ids: Collection[str | None],
    members: Select[Any],
    owners: Collection[str],
    loaded: Sequence[Task],
    kr_ids: Select[Any],
) -> list[Task]:
    """The cycle's other tasks that facts about the teams' subjects read: those owned by the teams'
    members and by the owners of their key results and tasks (capacity, load), and, from the
    tasks ``loaded``, their prerequisites (blocked dependencies) and the tasks waiting behind them
    (blocked chains), both transitively."""
    in_cycle = tasks.c.kr_id.in_(key_results_of_cycle(cycle_id))
    # The key results of the cycle's other teams: the tasks asked for below are on those (the
    # queries name few rows; the tasks already loaded come back only where a member owns a key
    # result of another team, and are skipped).
    other_krs = (
        select(key_results.c.id)
        .join(objectives, objectives.c.id == key_results.c.objective_id)
        .where(objectives.c.cycle_id == cycle_id, ~in_teams(objectives.c.team_id, team_ids))
    )
    found = {t.id: t for t in loaded}
    extra: list[Task] = []

    def fetch(ids: Collection[str]) -> None:
        for batch in chunks(sorted(set(ids) - found.keys()), _IN_BATCH):
            depends = _links(session, task_dependencies, "task_id", "depends_on_id", batch)
            for t in _load(session, TaskStore.rows, [tasks.c.id.in_(batch)], links={"depends_on": depends}):
                found[t.id] = t
                extra.append(t)

    ids = tasks.c.id
    owned = set(
        session.execute(select(ids).where(tasks.c.owner_id.in_(members), tasks.c.kr_id.in_(other_krs)))
        .scalars()
        .all()
    )
    others = set(owners) - set(session.execute(members).scalars().all())
    for batch in chunks(sorted(others), _IN_BATCH):
        owned.update(
            session.execute(select(ids).where(tasks.c.owner_id.in_(batch), in_cycle)).scalars().all()
        )
    fetch(owned)
    start = {t.id for t in loaded}
    seen, frontier = set(start), {d for t in loaded for d in t.depends_on}
    while frontier := frontier - seen:  # prerequisites
        fetch(frontier)
        seen |= frontier
        frontier = {d for i in frontier if i in found for d in found[i].depends_on}
    dep = task_dependencies.c
    core = select(tasks.c.id).where(tasks.c.kr_id.in_(kr_ids))
    waiting = (
        select(dep.task_id)
        .join(tasks, tasks.c.id == dep.task_id)
        .where(dep.depends_on_id.in_(core), tasks.c.kr_id.in_(other_krs))
    )
    seen = set(start)
    frontier = set(session.execute(waiting).scalars().all())
    while frontier := frontier - seen:  # dependents
        fetch(frontier)
        seen |= frontier
        frontier = _dependents(session, frontier)
    return extra


def in_teams(team_id: ColumnElement[Any], team_ids: Collection[str | None]) -> ColumnElement[bool]:
    """``team_id`` is one of ``team_ids``; None among them: or empty. Never NULL itself, so that
    its negation is "of another team" (or of none, when None is not among them)."""
    named = sorted(t for t in set(team_ids) if t is not None)
    return (
        or_(team_id.in_(named), team_id.is_(None))
        if None in team_ids
        else and_(team_id.is_not(None), team_id.in_(named))
    )


def members_of(org_id: str, team_ids: Collection[str | None]) -> Select[Any]:
    """The ids of the people of these teams (None among them: and of no team)."""
    return select(people.c.id).where(people.c.org_id == org_id, in_teams(people.c.team_id, team_ids))


def _dependents(session: Session, task_ids: Collection[str]) -> set[str]:
    """The tasks that depend on one of ``task_ids``."""
    dep = task_dependencies.c
    out: set[str] = set()
    for batch in chunks(sorted(task_ids), _IN_BATCH):
        out.update(session.execute(select(dep.task_id).where(dep.depends_on_id.in_(batch))).scalars().all())
    return out


__all__: Sequence[str] = ["in_teams", "load_snapshot", "members_of"]
