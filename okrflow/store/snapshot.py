"""Load a cycle as of an instant (``CycleSnapshot``) with a handful of bulk column selects.

Rows were validated when they were written, so models are built with ``model_construct``
(no re-validation): ~400,000 check-ins load in seconds, not minutes.

With ``team_ids`` (the weekly review works team by team) the snapshot holds those teams'
objectives with their key results, tasks and check-ins, plus what facts about them need from
elsewhere: every task owned by a member of those teams (capacity), the tasks those tasks depend
on (blocked dependencies), and the people involved with their managers (escalation ladders).
All teams of the org are always there (the tree is small and the sheet names teams).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime
from itertools import chain, groupby
from operator import itemgetter
from typing import Any, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, Table, select
from sqlalchemy.orm import Session

from okrflow.domain.calendar import local_date, week_of
from okrflow.domain.errors import NotFound
from okrflow.domain.model import (
    Cadence,
    CheckIn,
    Cycle,
    EscalationStatus,
    KeyResult,
    Objective,
    Org,
    Person,
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
    team_ids: Collection[str] | None = None,
    org_id: str | None = None,
) -> CycleSnapshot:
    """The cycle as of ``as_of``: check-ins made after it are left out.

    Args:
        cycle_id: the cycle to load.
        as_of: an aware instant, normally a review time.
        team_ids: only these teams' objectives (and what they need, see the module docstring).
        org_id: when given, a cycle of another org is ``NotFound``.

    Returns:
        A ``CycleSnapshot``; ``streaks`` holds the streak of every open escalation of the cycle.
    """
    if as_of.tzinfo is None:
        raise ValueError("as_of: must include a time zone offset")
    with gc_paused():
        return _load_snapshot(session, cycle_id, as_of=as_of, team_ids=team_ids, org_id=org_id)


def _load_snapshot(
    session: Session, cycle_id: str, *, as_of: datetime, team_ids: Collection[str] | None, org_id: str | None
) -> CycleSnapshot:
    row = session.execute(select(cycles).where(cycles.c.id == cycle_id)).mappings().first()
    if row is None or (org_id is not None and row["org_id"] != org_id):
        raise NotFound("cycle", cycle_id)
    cycle = Cycle.model_construct(**{**dict(row), "cadence": Cadence.model_validate(row["cadence"])})
    org_row = session.execute(select(orgs).where(orgs.c.id == cycle.org_id)).mappings().one()
    org = Org.model_construct(**dict(org_row))
    teams_filter = None if team_ids is None else sorted(set(team_ids))

    objective_where: list[ColumnElement[bool]] = [objectives.c.cycle_id == cycle_id]
    if teams_filter is not None:
        objective_where.append(objectives.c.team_id.in_(teams_filter))
    objective_ids = select(objectives.c.id).where(*objective_where)
    kr_ids = select(key_results.c.id).where(key_results.c.objective_id.in_(objective_ids))

    alignments = _links(session, objective_alignments, "objective_id", "parent_id", objective_ids)
    objective_list = _load(session, ObjectiveStore.rows, objective_where, links={"aligned_to": alignments})
    kr_list = _load(session, KeyResultStore.rows, [key_results.c.objective_id.in_(objective_ids)])

    task_list = _load_tasks(session, [tasks.c.kr_id.in_(kr_ids)])
    if teams_filter is not None:
        task_list += _load_tasks_outside(session, cycle_id, teams_filter, task_list)

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
    if teams_filter is not None:
        pulse_where.append(health_pulses.c.team_id.in_(teams_filter))
        event_where.append(calendar_events.c.team_id.is_(None) | calendar_events.c.team_id.in_(teams_filter))
    pulse_list = _load(session, PulseStore.rows, pulse_where, order_by=(health_pulses.c.week,))
    event_list = _load(
        session, EventStore.rows, event_where, order_by=(calendar_events.c.on, calendar_events.c.id)
    )

    team_list = _load(session, TeamStore.rows, [teams.c.org_id == cycle.org_id])
    people_list = _load_people(
        session, cycle.org_id, teams_filter, objective_list, kr_list, task_list, check_in_list
    )

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
    session: Session, table: Table, owner: str, target: str, owners: Select[Any] | Sequence[str]
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


def _load_tasks_outside(
    session: Session, cycle_id: str, team_ids: Sequence[str], loaded: Sequence[Task]
) -> list[Task]:
    """The cycle's tasks owned by the teams' members (capacity), then every prerequisite of a
    loaded task, transitively (blocked dependency chains), that is not loaded yet."""
    members = select(people.c.id).where(people.c.team_id.in_(team_ids))
    owned = select(tasks.c.id).where(
        tasks.c.owner_id.in_(members), tasks.c.kr_id.in_(key_results_of_cycle(cycle_id))
    )
    have = {t.id for t in loaded}
    wanted = (set(session.scalars(owned)) | {d for t in loaded for d in t.depends_on}) - have
    extra: list[Task] = []
    while wanted:
        new: list[Task] = []
        for batch in chunks(sorted(wanted), _IN_BATCH):
            depends = _links(session, task_dependencies, "task_id", "depends_on_id", batch)
            new += _load(session, TaskStore.rows, [tasks.c.id.in_(batch)], links={"depends_on": depends})
        have |= wanted
        extra += new
        wanted = {d for t in new for d in t.depends_on} - have
    return extra


def _load_people(
    session: Session,
    org_id: str,
    team_ids: Sequence[str] | None,
    objective_list: Sequence[Objective],
    kr_list: Sequence[KeyResult],
    task_list: Sequence[Task],
    check_in_list: Sequence[CheckIn],
) -> list[Person]:
    if team_ids is None:
        return _load(session, PeopleStore.rows, [people.c.org_id == org_id])
    members = _load(session, PeopleStore.rows, [people.c.org_id == org_id, people.c.team_id.in_(team_ids)])
    found = {p.id: p for p in members}
    wanted: set[str] = set()
    for o in objective_list:
        wanted.add(o.owner_id)
    for kr in kr_list:
        if kr.owner_id:
            wanted.add(kr.owner_id)
    for t in task_list:
        wanted.add(t.owner_id)
        wanted.update(t.collaborators)
    for ci in check_in_list:
        wanted.add(ci.author_id)
    for _ in range(2):  # the people involved, then their managers
        wanted |= {p.manager_id for p in found.values() if p.manager_id}
        missing = sorted(wanted - found.keys())
        for batch in chunks(missing, _IN_BATCH):
            for p in _load(session, PeopleStore.rows, [people.c.org_id == org_id, people.c.id.in_(batch)]):
                found[p.id] = p
    return list(found.values())


__all__: Sequence[str] = ["load_snapshot"]
