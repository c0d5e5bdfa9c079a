"""The import file format (YAML or CSV), as `okrflow import` reads it and `okrflow export` writes it.

YAML nests key results under objectives and tasks under key results; CSV has one row per record,
``record`` saying which and ``parent`` naming the objective of a key result or the key result of a
task. Reading checks the form only (syntax, fields, ids); ``okrflow.importing`` checks the rest
against the org. Every problem names its place: ``line 12, objective #2 key result #1`` in
YAML, ``row 7`` in CSV. The format is documented in ``docs/cli.md``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from okrflow.domain.errors import NotFound, Problem, ValidationFailed
from okrflow.store.base import new_id

__all__ = [
    "CSV_COLUMNS",
    "FIELDS",
    "KEY_RESULT",
    "LABEL",
    "LIST_FIELDS",
    "OBJECTIVE",
    "TASK",
    "ImportFile",
    "Record",
    "parse_csv",
    "parse_yaml",
    "problem",
    "read_import_file",
    "with_article",
]

OBJECTIVE, KEY_RESULT, TASK = "objective", "key_result", "task"
FIELDS: dict[str, tuple[str, ...]] = {
    OBJECTIVE: ("id", "title", "description", "owner", "team", "kind", "status", "weight", "aligned_to"),
    KEY_RESULT: (
        "id",
        "title",
        "owner",
        "kind",
        "direction",
        "start",
        "target",
        "current",
        "floor",
        "unit",
        "weight",
        "due",
    ),
    TASK: (
        "id",
        "title",
        "owner",
        "collaborators",
        "due",
        "milestone",
        "depends_on",
        "estimate_hours",
        "status",
        "plan_state",
    ),
}
LIST_FIELDS = frozenset({"aligned_to", "depends_on", "collaborators"})
CSV_COLUMNS = (
    "record",
    "id",
    "parent",
    "cycle",
    "title",
    "description",
    "owner",
    "team",
    "kind",
    "status",
    "weight",
    "direction",
    "start",
    "target",
    "current",
    "floor",
    "unit",
    "due",
    "milestone",
    "estimate_hours",
    "plan_state",
    "depends_on",
    "collaborators",
    "aligned_to",
)
_CHILDREN = {OBJECTIVE: ("key_results", KEY_RESULT), KEY_RESULT: ("tasks", TASK)}
LABEL = {OBJECTIVE: "objective", KEY_RESULT: "key result", TASK: "task"}


@dataclass
class Record:
    """One objective, key result or task as the file gives it."""

    kind: str
    where: str  # "line 12, objective #2 key result #1" or "row 7"
    given: dict[str, Any]  # the fields the file sets (absent ones keep their stored value)
    parent: str | None = None  # the objective of a key result, the key result of a task
    id: str = ""


@dataclass
class ImportFile:
    source: str
    cycle: Any = None  # a cycle id or name, or {id, name, start, end, timezone}
    records: list[Record] = field(default_factory=list)
    # Problems of form found while reading; the import checks the rest too, then reports them all.
    problems: list[Problem] = field(default_factory=list)


def with_article(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def problem(where: str, name: str | None, message: str) -> Problem:
    return Problem((where, name) if name else (where,), message)


# ---------------------------------------------------------------- reading files


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of each mapping (``__line__``), for error messages."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def read_import_file(path: str | Path) -> ImportFile:
    """Read a YAML (``.yaml``/``.yml``) or CSV (``.csv``) import file.

    Raises:
        NotFound: no such file.
        ValidationFailed: every problem of form in the file (syntax, unknown fields, missing ids).
    """
    p = Path(path)
    if not p.is_file():
        raise NotFound("file", str(p))
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            [Problem(("file",), f"is not UTF-8 text (byte {exc.start})")], source=p.name
        ) from None
    if p.suffix.lower() == ".csv":
        return parse_csv(text, source=p.name)
    if p.suffix.lower() in (".yaml", ".yml"):
        return parse_yaml(text, source=p.name)
    raise ValidationFailed([Problem(("file",), "use a .yaml, .yml or .csv file")], source=p.name)


def parse_yaml(text: str, *, source: str = "<yaml>") -> ImportFile:
    try:
        doc = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "file"
        raise ValidationFailed(
            [Problem((where,), f"invalid YAML: {getattr(exc, 'problem', exc)}")], source=source
        ) from None
    if not isinstance(doc, dict):
        raise ValidationFailed(
            [Problem(("file",), "expected a mapping with `cycle` and `objectives`")], source=source
        )
    problems: list[Problem] = []
    extra = sorted(str(k) for k in doc if k not in ("cycle", "objectives", "__line__"))
    if extra:
        problems.append(
            Problem(("file",), f"unknown key {', '.join(map(repr, extra))} (expected cycle, objectives)")
        )
    cycle = doc.get("cycle")
    if isinstance(cycle, dict):
        cycle = {k: v for k, v in cycle.items() if k != "__line__"}
    out = ImportFile(source=source, cycle=cycle)
    items = doc.get("objectives")
    if not isinstance(items, list) or not items:
        problems.append(Problem(("objectives",), "expected a list of objectives"))
        items = []
    for i, item in enumerate(items, 1):
        _walk(item, OBJECTIVE, f"objective #{i}", None, out.records, problems)
    out.problems = problems
    return out


def _walk(
    item: Any, kind: str, label: str, parent: str | None, records: list[Record], problems: list[Problem]
) -> None:
    if not isinstance(item, dict):
        problems.append(problem(label, None, f"expected the fields of {with_article(LABEL[kind])}"))
        return
    line = item.get("__line__")
    where = f"line {line}, {label}" if line else label
    children_key = _CHILDREN.get(kind, (None, None))[0]
    allowed = set(FIELDS[kind]) | ({children_key} if children_key else set())
    unknown = sorted(str(k) for k in item if k not in allowed and k != "__line__")
    for key in unknown:
        problems.append(problem(where, key, f"unknown field (expected one of: {', '.join(sorted(allowed))})"))
    given = {k: v for k, v in item.items() if k in FIELDS[kind]}
    given = {k: _as_list(v) if k in LIST_FIELDS else v for k, v in given.items()}
    ident = given.get("id")
    if ident is not None and not isinstance(ident, str | int):
        problems.append(problem(where, "id", "must be text"))
        ident = None
    record = Record(kind, where, given, parent, str(ident) if ident is not None else new_id())
    records.append(record)
    if children_key:
        child_kind = _CHILDREN[kind][1]
        children = item.get(children_key) or []
        if not isinstance(children, list):
            problems.append(problem(where, children_key, "expected a list"))
            return
        for j, child in enumerate(children, 1):
            _walk(child, child_kind, f"{label} {LABEL[child_kind]} #{j}", record.id, records, problems)


def _as_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.replace(",", ";").split(";") if v.strip()]
    return value


def parse_csv(text: str, *, source: str = "<csv>") -> ImportFile:
    """One row per record; ``record`` says which (objective, key_result, task), ``parent`` names the
    objective of a key result and the key result of a task by id."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    problems: list[Problem] = []
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if unknown:
        problems.append(
            Problem(
                ("row 1",),
                f"unknown column {', '.join(map(repr, unknown))} (columns: {', '.join(CSV_COLUMNS)})",
            )
        )
    for needed in ("record", "title"):
        if needed not in header:
            problems.append(Problem(("row 1",), f"the column {needed!r} is required"))
    if "record" not in header:
        raise ValidationFailed(problems, source=source)
    out = ImportFile(source=source)
    cycles: set[str] = set()
    for row in reader:
        where = f"row {reader.line_num}"
        if row.get(None):  # type: ignore[call-overload]  # more cells than columns
            problems.append(problem(where, None, "has more cells than the header has columns"))
        cells = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if not any(cells.values()):
            continue
        kind = cells.get("record", "").lower().replace(" ", "_").replace("-", "_")
        kind = {"kr": KEY_RESULT, "keyresult": KEY_RESULT}.get(kind, kind)
        if kind not in FIELDS:
            problems.append(
                problem(where, "record", f"{cells.get('record')!r} is not objective, key_result or task")
            )
            continue
        if cells.get("cycle"):
            cycles.add(cells["cycle"])
        given: dict[str, Any] = {}
        for name in FIELDS[kind]:
            if name not in cells:
                continue
            raw = cells[name]
            if name in LIST_FIELDS:
                given[name] = _as_list(raw)
            else:
                given[name] = raw if raw != "" else None
        if kind != OBJECTIVE and not cells.get("parent"):
            what = "objective" if kind == KEY_RESULT else "key result"
            problems.append(problem(where, "parent", f"{with_article(LABEL[kind])} names its {what} by id"))
        if kind != TASK and not cells.get("id"):
            problems.append(
                problem(where, "id", f"{with_article(LABEL[kind])} needs an id in CSV (other rows name it)")
            )
        ident = cells.get("id") or new_id()
        out.records.append(Record(kind, where, given, cells.get("parent") or None, ident))
    if len(cycles) > 1:
        problems.append(Problem(("cycle",), f"rows name different cycles: {', '.join(sorted(cycles))}"))
    out.cycle = next(iter(cycles)) if cycles else None
    if not out.records:
        problems.append(Problem(("file",), "has no rows"))
    out.problems = problems
    return out
