"""Import one cycle's objectives, key results and tasks from YAML or CSV (``okrflow import FILE``).

All or nothing: the whole file is read (``okrflow.import_format``) and checked against the org
first (people, teams, parents, dependencies, the task graph), and *every* problem is reported,
each with its place in the file (``line 12, objective #2 key result #1, target: ...`` or
``row 7, owner: ...``). Nothing is written unless there is none. Then every record is created,
or updated when its ``id`` names a record of the org, through the stores (versioned and
audited), in the caller's transaction.

``okrflow export`` writes the same format, so an export imports back unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from okrflow.domain.errors import DependencyCycle, Problem, ValidationFailed
from okrflow.domain.model import Cycle, KeyResult, Objective, Person, Task
from okrflow.domain.taskgraph import check_dag
from okrflow.import_format import (
    FIELDS,
    KEY_RESULT,
    LABEL,
    LIST_FIELDS,
    OBJECTIVE,
    TASK,
    ImportFile,
    Record,
    problem,
    read_import_file,
    with_article,
)
from okrflow.store import (
    CycleStore,
    KeyResultStore,
    ObjectiveStore,
    PeopleStore,
    TaskStore,
    TeamStore,
    new_id,
)
from okrflow.store.tables import key_results, objectives, tasks

__all__ = [
    "ImportPlan",
    "ImportResult",
    "Planned",
    "apply_import",
    "import_file",
    "plan_import",
]

_MODEL_FIELD = {"owner": "owner_id", "team": "team_id"}  # file field -> model field
_FILE_FIELD = {v: k for k, v in _MODEL_FIELD.items()}


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


class _Resolver:
    """Turns names in the file (handles, team names, ids) into the org's records, collecting problems."""

    def __init__(self, session: Session, org_id: str, records: Sequence[Record]) -> None:
        self.session = session
        self.org_id = org_id
        self.problems: list[Problem] = []
        refs: set[str] = set()
        for r in records:
            for name in ("owner", "collaborators"):
                value = r.given.get(name)
                refs.update([value] if isinstance(value, str) else [str(v) for v in value or ()])
        people = PeopleStore(session)
        self.people: dict[str, Person] = dict(people.by_handles(org_id, refs))
        self.people.update(people.get_many(org_id, refs))
        self.teams = TeamStore(session).list(org_id)

    def person(self, where: str, name: str, value: Any) -> str | None:
        if value is None:
            return None
        key = str(value).lstrip("@")
        found = self.people.get(key)
        if found is None:
            self.problems.append(problem(where, name, f"no person with handle or id {key!r} in this org"))
            return None
        if not found.active:
            self.problems.append(problem(where, name, f"{found.name} (@{found.handle}) is deactivated"))
        return found.id

    def team(self, where: str, value: Any) -> str | None:
        if value is None:
            return None
        key = str(value)
        by_id = [t for t in self.teams if t.id == key]
        by_name = [t for t in self.teams if t.name == key]
        found = by_id or by_name
        if len(found) == 1:
            return found[0].id
        if not found:
            self.problems.append(problem(where, "team", f"no team with id or name {key!r} in this org"))
        else:
            self.problems.append(
                problem(where, "team", f"{len(found)} teams are named {key!r}: use the team id")
            )
        return None


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
    resolver = _Resolver(session, org_id, data.records)
    problems = resolver.problems
    problems += data.problems
    the_cycle, new_cycle = _cycle(session, org_id, cycle if cycle is not None else data.cycle, problems)
    ids = {r.id for r in data.records}
    stored = _stored(session, org_id, ids)
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
        kind_of = stored.get(r.id)
        if kind_of is not None and kind_of[0] != r.kind:
            problems.append(
                problem(
                    r.where,
                    "id",
                    f"{r.id!r} is a {LABEL[kind_of[0]]}, not {with_article(LABEL[r.kind])}",
                )
            )

    by_kind = {k: [r for r in data.records if r.kind == k] for k in FIELDS}
    file_objectives = {r.id for r in by_kind[OBJECTIVE]}
    file_krs = {r.id for r in by_kind[KEY_RESULT]}
    cycle_id = the_cycle.id if the_cycle is not None else ""
    as_cycle = cycle_id or "(unresolved)"  # keeps records checkable while the cycle is reported
    existing_objectives = ObjectiveStore(session).get_many(
        org_id, [i for i, (k, _) in stored.items() if k == OBJECTIVE]
    )
    existing_krs = KeyResultStore(session).get_many(
        org_id, [i for i, (k, _) in stored.items() if k == KEY_RESULT]
    )
    existing_tasks = TaskStore(session).get_many(org_id, [i for i, (k, _) in stored.items() if k == TASK])
    cycle_objectives = (
        {o.id for o in ObjectiveStore(session).list_for_cycle(org_id, cycle_id)} if cycle_id else set()
    )
    cycle_krs = (
        {k.id: k for k in KeyResultStore(session).list_for_cycle(org_id, cycle_id)} if cycle_id else {}
    )
    cycle_tasks = {t.id: t for t in TaskStore(session).list_for_cycle(org_id, cycle_id)} if cycle_id else {}

    planned: dict[str, list[Planned]] = {OBJECTIVE: [], KEY_RESULT: [], TASK: []}
    for r in by_kind[OBJECTIVE]:
        old = existing_objectives.get(r.id)
        if old is not None and old.cycle_id != cycle_id and cycle_id:
            problems.append(
                problem(r.where, "id", f"objective {r.id!r} belongs to another cycle ({old.cycle_id})")
            )
        values = _values(r, resolver)
        for parent in values.get("aligned_to", []):
            if (
                parent not in file_objectives
                and parent not in cycle_objectives
                and not _stored_kind(stored, parent, OBJECTIVE)
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
        if parent is not None and parent not in file_objectives and parent not in cycle_objectives:
            problems.append(
                problem(r.where, "parent", f"no objective {parent!r} in this file or in the cycle")
            )
        item = _build(
            KeyResult, r, old, {**_values(r, resolver), "org_id": org_id, "objective_id": parent}, problems
        )
        if item is not None:
            planned[KEY_RESULT].append(Planned(r, item, old))
    for r in by_kind[TASK]:
        old = existing_tasks.get(r.id)
        parent = r.parent or (old.kr_id if old is not None else None)
        if parent is not None and parent not in file_krs and parent not in cycle_krs:
            problems.append(
                problem(r.where, "parent", f"no key result {parent!r} in this file or in the cycle")
            )
        values = _values(r, resolver)
        file_tasks = {x.id for x in by_kind[TASK]}
        for dep in values.get("depends_on", []):
            if dep not in file_tasks and dep not in cycle_tasks:
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


def _stored_kind(stored: Mapping[str, tuple[str, str]], ident: str, kind: str) -> bool:
    return stored.get(ident, ("", ""))[0] == kind


def _values(r: Record, resolver: _Resolver) -> dict[str, Any]:
    """The record's fields under the model's names, people and teams resolved to ids."""
    out: dict[str, Any] = {}
    for name, value in r.given.items():
        if name == "id":
            continue
        if name == "owner":
            out["owner_id"] = resolver.person(r.where, "owner", value)
        elif name == "collaborators":
            out["collaborators"] = [resolver.person(r.where, "collaborators", v) for v in value or ()]
        elif name == "team":
            out["team_id"] = resolver.team(r.where, value)
        elif name in LIST_FIELDS:
            out[name] = [str(v) for v in value or ()]
        else:
            out[name] = value
    return out


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
    clear = _clearable(r) & nullable
    data = {**base, **{k: v for k, v in values.items() if v is not None or k in clear}, "id": r.id}
    data = {k: v for k, v in data.items() if not (isinstance(v, list) and None in v)}
    if any(
        v is None for k, v in values.items() if k in ("owner_id", "team_id") and r.given.get(_FILE_FIELD[k])
    ):
        return None  # the name did not resolve; that problem is already reported
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            message = err["msg"].removeprefix("Value error, ")
            head, sep, rest = message.partition(": ")
            if not loc and sep and head.isidentifier():
                loc, message = [head], rest
            name = _FILE_FIELD.get(loc[0], loc[0]) if loc else None
            if name in ("org_id", "cycle_id", "objective_id", "kr_id"):
                name = "parent" if name in ("objective_id", "kr_id") else None
            problems.append(problem(r.where, name, message))
        return None


def _clearable(r: Record) -> set[str]:
    """Fields the file sets to nothing on purpose (YAML null, an empty CSV cell)."""
    return {_MODEL_FIELD.get(k, k) for k, v in r.given.items() if v is None}


def _cycle(session: Session, org_id: str, ref: Any, problems: list[Problem]) -> tuple[Cycle | None, bool]:
    cycles = CycleStore(session).list(org_id)
    if ref is None:
        problems.append(
            Problem(("cycle",), "name the cycle: `cycle:` in the file, a cycle column, or --cycle")
        )
        return None, False
    if isinstance(ref, str | int):
        key = str(ref)
        found = [c for c in cycles if c.id == key] or [c for c in cycles if c.name == key]
        if len(found) == 1:
            return found[0], False
        problems.append(
            Problem(
                ("cycle",),
                f"no cycle {key!r} in this org" if not found else f"{len(found)} cycles are named {key!r}",
            )
        )
        return None, False
    if not isinstance(ref, dict):
        problems.append(Problem(("cycle",), "expected a cycle name or id, or {name, start, end}"))
        return None, False
    key = str(ref.get("id") or ref.get("name") or "")
    found = [c for c in cycles if c.id == ref.get("id")] or [c for c in cycles if c.name == ref.get("name")]
    if found:
        c = found[0]
        for name in ("start", "end"):
            if ref.get(name) is not None and str(ref[name]) != getattr(c, name).isoformat():
                problems.append(
                    Problem(("cycle", name), f"cycle {key!r} has {name} {getattr(c, name)}, not {ref[name]}")
                )
        return c, False
    unknown = sorted(set(ref) - {"id", "name", "start", "end", "timezone"})
    if unknown:
        problems.append(Problem(("cycle",), f"unknown field {', '.join(map(repr, unknown))}"))
    try:
        new = Cycle.model_validate(
            {
                "id": str(ref.get("id") or new_id()),
                "org_id": org_id,
                "name": ref.get("name"),
                "start": ref.get("start"),
                "end": ref.get("end"),
                **({"timezone": ref["timezone"]} if ref.get("timezone") else {}),
            }
        )
    except ValidationError as exc:
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]] or ["cycle"]
            problems.append(Problem(("cycle", *loc), err["msg"].removeprefix("Value error, ")))
        return None, False
    return new, True


def _stored(session: Session, org_id: str, ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """id -> (kind, org) of stored objectives, key results and tasks of this org with these ids."""
    out: dict[str, tuple[str, str]] = {}
    wanted = sorted(set(ids))
    for kind, table in ((OBJECTIVE, objectives), (KEY_RESULT, key_results), (TASK, tasks)):
        for start in range(0, len(wanted), 500):
            batch = wanted[start : start + 500]
            stmt = select(table.c.id).where(table.c.org_id == org_id, table.c.id.in_(batch))
            for ident in session.scalars(stmt):
                out[ident] = (kind, org_id)
    return out


def _ids_elsewhere(session: Session, org_id: str, ids: Iterable[str]) -> set[str]:
    """Ids in the file that another org's objective, key result or task already has (ids are global)."""
    out: set[str] = set()
    wanted = sorted(set(ids))
    for table in (objectives, key_results, tasks):
        for start in range(0, len(wanted), 500):
            batch = wanted[start : start + 500]
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
    """Write a checked plan: create new records, update changed ones (audited), in dependency order."""
    from okrflow.services.rollups import rebuild  # the roll-ups follow the import

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


def import_file(
    session: Session,
    org_id: str,
    path: str | Path,
    *,
    cycle: str | None = None,
    actor: str = "system:import",
    on_step: Callable[[str], None] | None = None,
) -> ImportResult:
    """Read, check and write an import file in ``session`` (the caller commits)."""
    data = read_import_file(path)
    plan = plan_import(session, org_id, data, cycle=cycle)
    return apply_import(
        session, plan, actor=actor, reason=f"imported from {Path(path).name}", on_step=on_step
    )
