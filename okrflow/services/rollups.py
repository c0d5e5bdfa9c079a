"""Keep the dashboard roll-ups up to date (``okrflow.services.dashboards`` reads them).

- ``refresh_after_check_in(session, org_id, kr_id)``: call it in the same transaction after a
  check-in, a task change (status, owner, milestone, due date, plan state) or a key-result edit.
  It recomputes that one key result from its own check-ins and tasks and adds the difference to
  the aggregates on its chain (its objective, its teams up to the root, its owners, the org).
- ``refresh(session, org_id, kr_ids=..., objective_ids=...)``: the same for several key results,
  and for objectives whose weight, team or owner changed (or that were deleted).
- ``rebuild(session, org_id, cycle_id)``: recompute the whole cycle from scratch (after a bulk
  load, an import, or a change to the team tree); ``ensure_built`` does it the first time a
  cycle without roll-ups is read (``okrflow.services.dashboards``).

Nothing here commits: the caller's unit of work does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from okrflow.dashboards import (
    ORG,
    KRState,
    Vector,
    add_into,
    difference,
    key_result_state,
    objective_scope,
    objective_upward,
    team_chain,
)
from okrflow.domain.model import (
    CheckIn,
    KeyResult,
    Objective,
    Person,
    Task,
)
from okrflow.store.checkins import CheckInStore
from okrflow.store.org import CycleStore
from okrflow.store.plan import KeyResultStore, ObjectiveStore
from okrflow.store.rollups import RollupStore, unpack
from okrflow.store.snapshot import load_snapshot
from okrflow.store.tables import check_ins, people, tasks
from okrflow.store.tasks import TaskStore

__all__ = [
    "ensure_built",
    "rebuild",
    "refresh",
    "refresh_after_check_in",
    "refresh_objective",
]

_END_OF_TIME = datetime(9999, 12, 31, tzinfo=UTC)


def refresh_after_check_in(session: Session, org_id: str, kr_id: str) -> None:
    """Bring the roll-ups up to date after a check-in on (or any other change to) one key result."""
    refresh(session, org_id, kr_ids=[kr_id])


def refresh(
    session: Session, org_id: str, *, kr_ids: Collection[str] = (), objective_ids: Collection[str] = ()
) -> None:
    """Recompute these key results (and objectives) and update every aggregate they touch.

    A key result or objective that no longer exists is taken out of the aggregates. A cycle
    whose roll-ups were never built is left alone (the first dashboard read builds it whole).
    """
    store = RollupStore(session)
    kr_ids = set(kr_ids)
    # Lock first, read after: a concurrent check-in on the same KR waits here, then sees it all.
    placed = store.placement(org_id, kr_ids)
    built = {c for c in {cycle for cycle, _ in placed.values()} if store.has_cycle(org_id, c)}
    old_rows = store.claim_key_results(org_id, kr_ids, {k: v for k, v in placed.items() if v[0] in built})

    krs = KeyResultStore(session).get_many(org_id, kr_ids)
    wanted_objectives = (
        {kr.objective_id for kr in krs.values()}
        | set(objective_ids)
        | {row["objective_id"] for row in old_rows.values()}
    )
    objectives = ObjectiveStore(session).get_many(org_id, wanted_objectives)
    chains = _chains(session, org_id, objectives.values())
    cycles = {c: CycleStore(session).get(org_id, c) for c in {o.cycle_id for o in objectives.values()}}
    built = {c for c in cycles if c in built or store.has_cycle(org_id, c)}

    history = _check_ins(session, org_id, krs)
    plans = _tasks(session, org_id, krs)
    new_states: dict[str, KRState] = {}
    for kr in krs.values():
        objective = objectives[kr.objective_id]
        if objective.cycle_id not in built:
            continue
        new_states[kr.id] = key_result_state(
            kr,
            objective,
            cycle=cycles[objective.cycle_id],
            chain=chains[objective.id],
            check_ins=history.get(kr.id, ()),
            tasks=plans.get(kr.id, ()),
        )

    # Per (cycle, scope): what to add. Key results first.
    deltas: dict[tuple[str, str], Vector] = defaultdict(dict)
    touched_objectives: set[tuple[str, str]] = set()
    for kr_id in kr_ids:
        old = old_rows.get(kr_id)
        new = new_states.get(kr_id)
        old_contrib = _unpacked(old)
        new_contrib = new.contributions if new is not None else {}
        if old is not None:
            touched_objectives.add((old["cycle_id"], old["objective_id"]))
            for scope, vector in difference({}, old_contrib).items():
                add_into(deltas[(old["cycle_id"], scope)], vector)
        if new is not None:
            touched_objectives.add((new.cycle_id, new.objective_id))
            for scope, vector in new_contrib.items():
                add_into(deltas[(new.cycle_id, scope)], vector)
    for objective in objectives.values():
        if objective.id in set(objective_ids) and objective.cycle_id in built:
            touched_objectives.add((objective.cycle_id, objective.id))
    for ident in set(objective_ids) - objectives.keys():  # deleted: wherever it still has a row
        touched_objectives |= {(c, ident) for c in store.cycles_of_scope(org_id, objective_scope(ident))}

    # Objective rows: apply their KRs' deltas, then work out what each contributes upward now.
    objective_keys = {(c, objective_scope(o)) for c, o in touched_objectives}
    locked = store.lock_groups(org_id, objective_keys)
    upward_deltas: dict[tuple[str, str], Vector] = defaultdict(dict)
    objective_rows: dict[tuple[str, str], tuple[Vector, dict[str, Vector]]] = {}
    gone: set[tuple[str, str]] = set()
    for cycle_id, objective_id in touched_objectives:
        key = (cycle_id, objective_scope(objective_id))
        data, old_up = locked.get(key, ({}, {}))
        add_into(data, deltas.pop(key, {}))
        objective = objectives.get(objective_id)
        if objective is not None and objective.cycle_id != cycle_id:
            objective = None  # an objective never moves between cycles; be safe
        new_up = objective_upward(objective, data, chains.get(objective_id, ()))
        for scope, vector in difference(new_up, old_up).items():
            add_into(upward_deltas[(cycle_id, scope)], vector)
        if objective is None and not data:
            gone.add(key)
        else:
            objective_rows[key] = (data, new_up)
    for key, vector in upward_deltas.items():
        add_into(deltas[key], vector)

    others = {k for k, v in deltas.items() if v}
    locked_others = store.lock_groups(org_id, others)
    group_rows: dict[tuple[str, str], tuple[Vector, dict[str, Vector]]] = {}
    for key in others:
        data, up = locked_others.get(key, ({}, {}))
        group_rows[key] = (add_into(data, deltas[key]), up)
    store.write_groups({**objective_rows, **group_rows})
    store.delete_groups(gone)
    store.write_key_results(list(new_states.values()))
    store.delete_key_results(set(old_rows) - set(new_states))


def refresh_objective(session: Session, org_id: str, objective_id: str) -> None:
    """After an objective's weight, team or owner changed (or it was deleted): refresh it and its KRs."""
    kr_ids = [kr.id for kr in KeyResultStore(session).list_for_objective(org_id, objective_id)]
    refresh(session, org_id, kr_ids=kr_ids, objective_ids=[objective_id])


def _unpacked(row: Mapping[str, Any] | None) -> dict[str, Vector]:
    return unpack(row["contributions"]) if row is not None else {}


def rebuild(session: Session, org_id: str, cycle_id: str) -> int:
    """Recompute every roll-up of a cycle from its records; returns how many key results it holds."""
    snapshot = load_snapshot(session, cycle_id, as_of=_END_OF_TIME, org_id=org_id)
    chains = {
        o.id: team_chain(snapshot.teams, _team_of(o, snapshot.people)) for o in snapshot.objectives.values()
    }
    states: list[KRState] = []
    groups: dict[str, Vector] = defaultdict(dict)
    for kr in snapshot.key_results.values():
        objective = snapshot.objectives[kr.objective_id]
        state = key_result_state(
            kr,
            objective,
            cycle=snapshot.cycle,
            chain=chains[objective.id],
            check_ins=snapshot.check_ins.get(kr.id, ()),
            tasks=snapshot.tasks_by_kr.get(kr.id, ()),
        )
        states.append(state)
        for scope, vector in state.contributions.items():
            add_into(groups[scope], vector)
    upward: dict[str, dict[str, Vector]] = {}
    for objective in snapshot.objectives.values():
        scope = objective_scope(objective.id)
        up = objective_upward(objective, groups.get(scope, {}), chains[objective.id])
        upward[scope] = up
        groups.setdefault(scope, {})
        for target, vector in up.items():
            add_into(groups[target], vector)
    groups.setdefault(ORG, {})
    RollupStore(session).replace_cycle(org_id, cycle_id, states, groups, upward)
    return len(states)


def _team_of(objective: Objective, people_by_id: Mapping[str, Person]) -> str | None:
    if objective.team_id is not None:
        return objective.team_id
    owner = people_by_id.get(objective.owner_id)
    return owner.team_id if owner is not None else None


def _chains(session: Session, org_id: str, objectives: Iterable[Objective]) -> dict[str, tuple[str, ...]]:
    """Each objective's team chain: its team (else its owner's team) and every team above it."""
    objectives = list(objectives)
    owners_without_team = {o.owner_id for o in objectives if o.team_id is None}
    owner_team: dict[str, str | None] = {}
    if owners_without_team:
        rows = session.execute(
            select(people.c.id, people.c.team_id).where(
                people.c.org_id == org_id, people.c.id.in_(owners_without_team)
            )
        )
        owner_team = {pid: tid for pid, tid in rows}
    start = {o.id: o.team_id if o.team_id is not None else owner_team.get(o.owner_id) for o in objectives}
    tree = RollupStore(session).team_tree(org_id, {t for t in start.values() if t is not None})
    return {oid: team_chain(tree, tid) for oid, tid in start.items()}


def _check_ins(session: Session, org_id: str, krs: Mapping[str, KeyResult]) -> dict[str, list[CheckIn]]:
    out: dict[str, list[CheckIn]] = defaultdict(list)
    if not krs:
        return out
    stmt = (
        select(check_ins)
        .where(check_ins.c.org_id == org_id, check_ins.c.kr_id.in_(sorted(krs)))
        .order_by(check_ins.c.kr_id, check_ins.c.at, check_ins.c.id)
    )
    rows = CheckInStore.rows
    for row in session.execute(stmt).mappings():
        out[row["kr_id"]].append(rows.from_row(row))
    return out


def _tasks(session: Session, org_id: str, krs: Mapping[str, KeyResult]) -> dict[str, list[Task]]:
    out: dict[str, list[Task]] = defaultdict(list)
    if not krs:
        return out
    stmt = select(tasks).where(tasks.c.org_id == org_id, tasks.c.kr_id.in_(sorted(krs)))
    rows = TaskStore.rows
    for row in session.execute(stmt).mappings():
        out[row["kr_id"]].append(rows.from_row(row, depends_on=[]))
    return out


def ensure_built(session: Session, org_id: str, cycle_id: str) -> None:
    """Build the cycle's roll-ups if they were never built (e.g. after a bulk load)."""
    store = RollupStore(session)
    if store.has_cycle(org_id, cycle_id):
        return
    try:
        with session.begin_nested():
            rebuild(session, org_id, cycle_id)
    except IntegrityError:  # another request built them at the same moment: use theirs
        if not store.has_cycle(org_id, cycle_id):
            raise
