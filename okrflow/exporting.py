"""Export one cycle's objectives, key results and tasks as YAML or CSV (``okrflow export``).

The output is the import format (``okrflow.importing``, ``docs/cli.md``): people by handle,
every record with its id, so an export imports back unchanged (into the same org: nothing
changes; into another org with the same people and teams: the same plan).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Mapping
from datetime import date
from enum import Enum
from typing import Any

import yaml
from sqlalchemy.orm import Session

from okrflow.domain.model import Cycle, KeyResult, Objective, Task
from okrflow.import_format import CSV_COLUMNS, FIELDS, KEY_RESULT, LIST_FIELDS, OBJECTIVE, TASK
from okrflow.store import CycleStore, KeyResultStore, ObjectiveStore, PeopleStore, TaskStore, TeamStore

__all__ = ["FORMATS", "export_cycle"]

FORMATS = ("yaml", "csv")


def export_cycle(
    session: Session, org_id: str, cycle_id: str, *, fmt: str = "yaml", team_id: str | None = None
) -> str:
    """The cycle's OKRs and tasks in ``fmt`` ("yaml" or "csv").

    Args:
        team_id: only the objectives of this team and the teams below it.

    Raises:
        NotFound: no such cycle (or team) in the org.
        ValueError: an unknown format.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: use one of {', '.join(FORMATS)}")
    cycle = CycleStore(session).get(org_id, cycle_id)
    objectives = ObjectiveStore(session).list_for_cycle(org_id, cycle.id)
    if team_id is not None:
        keep = set(TeamStore(session).subtree_ids(org_id, team_id))
        objectives = [o for o in objectives if o.team_id in keep]
    wanted = {o.id for o in objectives}
    krs = [k for k in KeyResultStore(session).list_for_cycle(org_id, cycle.id) if k.objective_id in wanted]
    kr_ids = {k.id for k in krs}
    tasks = [t for t in TaskStore(session).list_for_cycle(org_id, cycle.id) if t.kr_id in kr_ids]
    people = {p.id: p.handle for p in PeopleStore(session).list(org_id)}
    if fmt == "csv":
        return _csv(cycle, objectives, krs, tasks, people)
    return _yaml(cycle, objectives, krs, tasks, people)


def _fields(kind: str, item: Objective | KeyResult | Task, people: Mapping[str, str]) -> dict[str, Any]:
    """The record's import fields, in the import format's order (people as handles)."""
    out: dict[str, Any] = {}
    for name in FIELDS[kind]:
        if name == "owner":
            value = getattr(item, "owner_id")  # noqa: B009
            value = people.get(value, value) if value is not None else None
        elif name == "team":
            value = getattr(item, "team_id")  # noqa: B009
        elif name == "collaborators":
            value = [people.get(p, p) for p in getattr(item, "collaborators")]  # noqa: B009
        else:
            value = getattr(item, name)
        out[name] = value.value if isinstance(value, Enum) else value
    return out


def _yaml(
    cycle: Cycle,
    objectives: Collection[Objective],
    krs: Collection[KeyResult],
    tasks: Collection[Task],
    people: Mapping[str, str],
) -> str:
    tasks_by_kr: dict[str, list[Task]] = {}
    for t in tasks:
        tasks_by_kr.setdefault(t.kr_id, []).append(t)
    krs_by_objective: dict[str, list[KeyResult]] = {}
    for k in krs:
        krs_by_objective.setdefault(k.objective_id, []).append(k)

    def entry(
        kind: str, item: Any, children_key: str = "", children: list[Any] | None = None
    ) -> dict[str, Any]:
        # Leave out what is empty: absent fields keep their value (or default) on import.
        out = {k: v for k, v in _fields(kind, item, people).items() if v is not None and v != [] and v != ""}
        if children:
            out[children_key] = children
        return out

    doc = {
        "cycle": {
            "id": cycle.id,
            "name": cycle.name,
            "start": cycle.start,
            "end": cycle.end,
            "timezone": cycle.timezone,
        },
        "objectives": [
            entry(
                OBJECTIVE,
                o,
                "key_results",
                [
                    entry(KEY_RESULT, k, "tasks", [entry(TASK, t) for t in tasks_by_kr.get(k.id, [])])
                    for k in krs_by_objective.get(o.id, [])
                ],
            )
            for o in objectives
        ],
    }
    header = (
        f"# okrflow export of cycle {cycle.name} ({cycle.start} to {cycle.end}); `okrflow import` reads it\n"
    )
    return header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120)


def _csv(
    cycle: Cycle,
    objectives: Collection[Objective],
    krs: Collection[KeyResult],
    tasks: Collection[Task],
    people: Mapping[str, str],
) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    writer.writeheader()
    rows: list[tuple[str, str | None, Any]] = [(OBJECTIVE, None, o) for o in objectives]
    rows += [(KEY_RESULT, k.objective_id, k) for k in krs]
    rows += [(TASK, t.kr_id, t) for t in tasks]
    for kind, parent, item in rows:
        values = _fields(kind, item, people)
        row = {"record": kind, "parent": parent or "", "cycle": cycle.id}
        for name, value in values.items():
            row[name] = _cell(name, value)
        writer.writerow(row)
    return buffer.getvalue()


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in LIST_FIELDS:
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
