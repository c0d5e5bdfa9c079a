"""Import one cycle's objectives, key results and tasks from YAML or CSV (``okrflow import FILE``).

All or nothing: the whole file is read (``okrflow.import_format``) and checked against the org
first (people, teams and the cycle, resolved by ``okrflow.import_refs``; parents, dependencies,
the task graph), and *every* problem is reported, each with its place in the file
(``line 12, objective #2 key result #1, target: ...`` or ``row 7, owner: ...``). Nothing is
written unless there is none. Then every record is created, or updated when its ``id`` names a
record of the org, through the stores (versioned and audited), in the caller's transaction.

``okrflow export`` writes the same format, so an export imports back unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from okrflow.domain.errors import DependencyCycle, Problem, ValidationFailed
from okrflow.domain.model import Cycle, KeyResult, Objective, Task, validation_problems
from okrflow.domain.taskgraph import check_dag
from okrflow.import_format import (
    FIELDS,
    KEY_RESULT,
    LABEL,
    OBJECTIVE,
    TASK,
    ImportFile,
    Record,
    problem,
    with_article,
)
from okrflow.import_refs import FILE_FIELD, Resolver, clearable, resolve_cycle
from okrflow.services.rollups import rebuild
from okrflow.store import CycleStore, KeyResultStore, ObjectiveStore, TaskStore
from okrflow.store.base import chunks
from okrflow.store.tables import key_results, objectives, tasks

__all__ = ["ImportPlan", "ImportResult", "Planned", "apply_import", "plan_import"]


# ---------------------------------------------------------------- checking against the org


@dataclass
class Planned:
    record: Record
    item: Objective | KeyResult | Task
    existing: Objective | KeyResult | Task | None


@dataclass
class ImportPlan:
    org_id: str
    cycle: Cycle
    new_cycle: bool
    objectives: list[Planned]
    key_results: list[Planned]
    tasks: list[Planned]

    @property
    def steps(self) -> int:
        return len(self.objectives) + len(self.key_results) + len(self.tasks) + (1 if self.new_cycle else 0)


@dataclass(frozen=True)
class ImportResult:
    cycle_id: str
    created: dict[str, int]
    updated: dict[str, int]
    unchanged: int


def plan_import(session: Session, org_id: str, data: ImportFile, *, cycle: str | None = None) -> ImportPlan:
    """Check every record of ``data`` against the org and the cycle; nothing is written.

    Args:
        session: The store session.
        org_id: The org the records go into.
        data: The parsed file.
        cycle: A cycle id or name that overrides the file's.

    Raises:
        ValidationFailed: every problem found, each located in the file (``source`` is the file).
    """
    problems = list(data.problems)
    resolver = Resolver(session, org_id, data.records, problems)
    the_cycle, new_cycle = resolve_cycle(
        session, org_id, cycle if cycle is not None else data.cycle, problems
    )
    ids = {r.id for r in data.records}
    # The org's records the file's ids name, whatever their cycle; ids of other orgs are taken.
    existing_objectives = ObjectiveStore(session).get_many(org_id, ids)
    existing_krs = KeyResultStore(session).get_many(org_id, ids)
    existing_tasks = TaskStore(session).get_many(org_id, ids)
    stored_kind = {
        **dict.fromkeys(existing_objectives, OBJECTIVE),
        **dict.fromkeys(existing_krs, KEY_RESULT),
        **dict.fromkeys(existing_tasks, TASK),
    }
    elsewhere = _ids_elsewhere(session, org_id, ids)

    seen: dict[str, Record] = {}
    for r in data.records:
        if r.id in seen:
            problems.append(problem(r.where, "id", f"{r.id!r} is also used at {seen[r.id].where}"))
        seen.setdefault(r.id, r)
        if r.id in elsewhere:
            problems.append(
                problem(r.where, "id", f"{r.id!r} is already used by another organisation's record")
            )
        kind = stored_kind.get(r.id)
        if kind is not None and kind != r.kind:
            problems.append(
                problem(
                    r.where,
                    "id",
                    f"{r.id!r} is {with_article(LABEL[kind])}, not {with_article(LABEL[r.kind])}",
                )
            )

    by_kind = {k: [r for r in data.records if r.kind == k] for k in FIELDS}
    file_ids = {k: {r.id for r in records} for k, records in by_kind.items()}
    cycle_id = the_cycle.id if the_cycle is not None else ""
    as_cycle = cycle_id or "(unresolved)"  # keeps records checkable while the cycle is reported
    cycle_objectives = (
        {o.id for o in ObjectiveStore(session).list_for_cycle(org_id, cycle_id)} if cycle_id else set()
    )
    cycle_krs = (
        {k.id for k in KeyResultStore(session).list_for_cycle(org_id, cycle_id)} if cycle_id else set()
    )
    cycle_tasks = {t.id: t for t in TaskStore(session).list_for_cycle(org_id, cycle_id)} if cycle_id else {}

    planned: dict[str, list[Planned]] = {OBJECTIVE: [], KEY_RESULT: [], TASK: []}
    for r in by_kind[OBJECTIVE]:
        old = existing_objectives.get(r.id)
        if old is not None and old.cycle_id != cycle_id and cycle_id:
            problems.append(
                problem(r.where, "id", f"objective {r.id!r} belongs to another cycle ({old.cycle_id})")
            )
        values = resolver.values(r)
        for parent in values.get("aligned_to", []):
            if (
                parent not in file_ids[OBJECTIVE]
                and parent not in cycle_objectives
                and parent not in existing_objectives
            ):
                problems.append(
                    problem(r.where, "aligned_to", f"no objective {parent!r} in this file or this org")
                )
        item = _build(Objective, r, old, {**values, "org_id": org_id, "cycle_id": as_cycle}, problems)
        if item is not None:
            planned[OBJECTIVE].append(Planned(r, item, old))
    for r in by_kind[KEY_RESULT]:
        old = existing_krs.get(r.id)
        parent = r.parent or (old.objective_id if old is not None else None)
        if parent is not None and parent not in file_ids[OBJECTIVE] and parent not in cycle_objectives:
            problems.append(
                problem(r.where, "parent", f"no objective {parent!r} in this file or in the cycle")
            )
        values = resolver.values(r)
        item = _build(KeyResult, r, old, {**values, "org_id": org_id, "objective_id": parent}, problems)
        if item is not None:
            planned[KEY_RESULT].append(Planned(r, item, old))
    for r in by_kind[TASK]:
        old = existing_tasks.get(r.id)
        parent = r.parent or (old.kr_id if old is not None else None)
        if parent is not None and parent not in file_ids[KEY_RESULT] and parent not in cycle_krs:
            problems.append(
                problem(r.where, "parent", f"no key result {parent!r} in this file or in the cycle")
            )
        values = resolver.values(r)
        for dep in values.get("depends_on", []):
            if dep not in file_ids[TASK] and dep not in cycle_tasks:
                problems.append(
                    problem(r.where, "depends_on", f"no task {dep!r} in this file or in the cycle")
                )
        item = _build(Task, r, old, {**values, "org_id": org_id, "kr_id": parent}, problems)
        if item is not None:
            planned[TASK].append(Planned(r, item, old))

    problems += _graph_problems(planned, cycle_tasks)
    if problems:
        raise ValidationFailed(problems, source=data.source)
    assert the_cycle is not None
    return ImportPlan(
        org_id=org_id,
        cycle=the_cycle,
        new_cycle=new_cycle,
        objectives=_ordered(planned[OBJECTIVE], "aligned_to"),
        key_results=planned[KEY_RESULT],
        tasks=_ordered(planned[TASK], "depends_on"),
    )


def _build(
    model: type[Objective] | type[KeyResult] | type[Task],
    r: Record,
    old: BaseModel | None,
    values: dict[str, Any],
    problems: list[Problem],
) -> Any:
    """The record as stored after the import: the stored record (if any) with the file's fields set."""
    base = old.model_dump() if old is not None else {"version": 1}
    # Nothing (YAML null, an empty CSV cell) clears a field that may be empty; elsewhere it keeps the
    # stored value (or the default, for a new record).
    nullable = {n for n, f in model.model_fields.items() if f.default is None and not f.is_required()}
    clear = clearable(r) & nullable
    data = {**base, **{k: v for k, v in values.items() if v is not None or k in clear}, "id": r.id}
    data = {k: v for k, v in data.items() if not (isinstance(v, list) and None in v)}
    if any(v is None for k, v in values.items() if k in FILE_FIELD and r.given.get(FILE_FIELD[k])):
        return None  # the name did not resolve; that problem is already reported
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for p in validation_problems(exc):
            name = str(p.location[0]) if p.location else None
            name = FILE_FIELD.get(name, name) if name else None
            if name in ("org_id", "cycle_id", "objective_id", "kr_id"):
                name = "parent" if name in ("objective_id", "kr_id") else None
            problems.append(problem(r.where, name, p.message))
        return None


def _ids_elsewhere(session: Session, org_id: str, ids: Iterable[str]) -> set[str]:
    """Ids in the file that another org's objective, key result or task already has (ids are global)."""
    out: set[str] = set()
    for table in (objectives, key_results, tasks):
        for batch in chunks(sorted(set(ids)), 500):
            stmt = select(table.c.id).where(table.c.org_id != org_id, table.c.id.in_(batch))
            out.update(session.scalars(stmt))
    return out


def _graph_problems(planned: Mapping[str, list[Planned]], cycle_tasks: Mapping[str, Task]) -> list[Problem]:
    """Dependency loops among the cycle's tasks as they will be, and alignment loops among objectives."""
    problems: list[Problem] = []
    after = dict(cycle_tasks)
    for p in planned[TASK]:
        after[p.item.id] = p.item  # type: ignore[assignment]
    # A dependency on a task that is missing (or failed its own checks) is reported on its own.
    known = [
        t.model_copy(update={"depends_on": [d for d in t.depends_on if d in after]}) for t in after.values()
    ]
    try:
        check_dag(known)
    except DependencyCycle as exc:
        where = {p.item.id: p.record.where for p in planned[TASK]}
        first = next((where[t] for t in exc.cycle if t in where), "tasks")
        problems.append(problem(first, "depends_on", exc.problems[0].message))
    except ValidationFailed as exc:
        problems += [problem("tasks", None, p.message) for p in exc.problems]
    parents = {p.item.id: list(p.item.aligned_to) for p in planned[OBJECTIVE]}  # type: ignore[union-attr]
    where = {p.item.id: p.record.where for p in planned[OBJECTIVE]}
    reported: set[str] = set()
    for start in parents:
        path = [start]
        while True:
            nxt = next((x for x in parents[path[-1]] if x in parents), None)
            if nxt is None or nxt in reported:
                break
            if nxt in path:
                loop = path[path.index(nxt) :]
                if not reported & set(loop):
                    problems.append(
                        problem(where[nxt], "aligned_to", f"alignment loop: {' → '.join([*loop, nxt])}")
                    )
                reported.update(loop)
                break
            path.append(nxt)
    return problems


def _ordered(items: list[Planned], link: str) -> list[Planned]:
    """Items so that each comes after those it links to (parents, prerequisites) in the file."""
    by_id = {p.item.id: p for p in items}
    done: set[str] = set()
    out: list[Planned] = []
    for p in items:
        stack = [(p, iter(getattr(p.item, link)))]
        if p.item.id in done:
            continue
        done.add(p.item.id)
        while stack:
            node, deps = stack[-1]
            nxt = next((by_id[d] for d in deps if d in by_id and d not in done), None)
            if nxt is None:
                stack.pop()
                out.append(node)
            else:
                done.add(nxt.item.id)
                stack.append((nxt, iter(getattr(nxt.item, link))))
    return out


# ---------------------------------------------------------------- writing


def apply_import(
    session: Session,
    plan: ImportPlan,
    *,
    actor: str,
    reason: str,
    on_step: Callable[[str], None] | None = None,
) -> ImportResult:
    """Write a checked plan: create new records, update changed ones (audited), in dependency order;
    then rebuild the cycle's dashboard roll-ups."""
    step = on_step or (lambda _: None)
    created = {OBJECTIVE: 0, KEY_RESULT: 0, TASK: 0}
    updated = {OBJECTIVE: 0, KEY_RESULT: 0, TASK: 0}
    unchanged = 0
    if plan.new_cycle:
        CycleStore(session).add(plan.cycle)
        step(f"cycle {plan.cycle.name}")
    stores: dict[str, Any] = {
        OBJECTIVE: ObjectiveStore(session),
        KEY_RESULT: KeyResultStore(session),
        TASK: TaskStore(session),
    }
    for kind, items in ((OBJECTIVE, plan.objectives), (KEY_RESULT, plan.key_results), (TASK, plan.tasks)):
        store = stores[kind]
        for p in items:
            if p.existing is None:
                store.add(p.item, actor=actor, reason=reason)
                created[kind] += 1
            else:
                new = p.item.model_dump()
                old = p.existing.model_dump()
                changes = {
                    k: v for k, v in new.items() if k not in ("id", "org_id", "version") and old.get(k) != v
                }
                if changes:
                    store.update(
                        plan.org_id, p.item.id, changes, expected_version=None, actor=actor, reason=reason
                    )
                    updated[kind] += 1
                else:
                    unchanged += 1
            step(p.record.where)
    session.flush()
    rebuild(session, plan.org_id, plan.cycle.id)
    return ImportResult(plan.cycle.id, created, updated, unchanged)
