"""Drafts from files: YAML, JSON or JSON lines, one draft or many.

- YAML: one draft (a mapping), a list of drafts, ``{drafts: [...]}``, or several ``---`` documents.
- JSON: the same shapes as one value.
- JSON lines (``.jsonl``, ``.ndjson``): one draft per non-empty line.

Errors raise ``ValidationFailed`` whose source is the file and whose problems name the place: the line and
column of a syntax error, or the draft (its index, or its line in JSON lines) and the field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from okrflow.domain.errors import NotFound, Problem, ValidationFailed
from okrflow.domain.model import parse_model

from .draft import Draft

_YAML = {".yaml", ".yml"}
_JSON = {".json"}
_JSONL = {".jsonl", ".ndjson", ".jsonlines"}


def load_drafts(path: str | Path) -> list[Draft]:
    """Every draft in the file at ``path``, in order.

    Raises:
        NotFound: there is no such file.
        ValidationFailed: the file is not valid YAML/JSON, holds no draft, or a draft is malformed.
    """
    path = Path(path)
    if not path.is_file():
        raise NotFound("file", str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            [Problem((), f"not UTF-8 text (byte {exc.start})")], source=str(path)
        ) from None
    return parse_drafts(text, source=str(path), fmt=_format_of(path, text))


def parse_drafts(text: str, *, source: str = "<input>", fmt: str | None = None) -> list[Draft]:
    """Drafts from ``text`` in ``fmt`` ("yaml", "json" or "jsonl"; guessed when None)."""
    fmt = fmt or _guess(text)
    if fmt == "jsonl":
        return _parse_jsonl(text, source)
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationFailed(
                [Problem((f"line {exc.lineno}, column {exc.colno}",), f"invalid JSON: {exc.msg}")],
                source=source,
            ) from None
        return _drafts_from(data, source)
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where: tuple[str | int, ...] = (f"line {mark.line + 1}, column {mark.column + 1}",) if mark else ()
        problem = getattr(exc, "problem", None) or str(exc)
        raise ValidationFailed([Problem(where, f"invalid YAML: {problem}")], source=source) from None
    if len(docs) > 1:
        return _drafts_from([d for doc in docs for d in (doc if isinstance(doc, list) else [doc])], source)
    return _drafts_from(docs[0] if docs else None, source)


def _drafts_from(data: Any, source: str) -> list[Draft]:
    if isinstance(data, dict) and "drafts" in data and "objective" not in data:
        data = data["drafts"]
    if isinstance(data, dict):
        return [parse_model(Draft, data, source=source)]
    if not isinstance(data, list) or not data:
        raise ValidationFailed(
            [Problem((), "no drafts found: expected a draft (with an objective) or a list of drafts")],
            source=source,
        )
    drafts: list[Draft] = []
    problems: list[Problem] = []
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            problems.append(
                Problem((i,), f"expected a draft (a mapping with an objective), got {_kind(item)}")
            )
            continue
        try:
            drafts.append(parse_model(Draft, item))
        except ValidationFailed as exc:
            problems.extend(Problem((i, *p.location), p.message) for p in exc.problems)
    if problems:
        raise ValidationFailed(problems, source=source)
    return drafts


def _parse_jsonl(text: str, source: str) -> list[Draft]:
    drafts: list[Draft] = []
    problems: list[Problem] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"line {lineno}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem((f"{where}, column {exc.colno}",), f"invalid JSON: {exc.msg}"))
            continue
        if not isinstance(item, dict):
            problems.append(Problem((where,), f"expected a draft (a JSON object), got {_kind(item)}"))
            continue
        try:
            drafts.append(parse_model(Draft, item))
        except ValidationFailed as exc:
            problems.extend(Problem((where, *p.location), p.message) for p in exc.problems)
    if problems:
        raise ValidationFailed(problems, source=source)
    if not drafts:
        raise ValidationFailed([Problem((), "no drafts found: the file is empty")], source=source)
    return drafts


def _format_of(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix in _YAML:
        return "yaml"
    if suffix in _JSON:
        return "json"
    if suffix in _JSONL:
        return "jsonl"
    return _guess(text)


def _guess(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) > 1 and all(ln.lstrip().startswith("{") and ln.rstrip().endswith("}") for ln in lines):
        return "jsonl"
    if text.lstrip()[:1] in ("{", "["):
        return "json"
    return "yaml"


def _kind(value: Any) -> str:
    return {str: "text", int: "a number", float: "a number", bool: "true/false", list: "a list"}.get(
        type(value), type(value).__name__
    )
