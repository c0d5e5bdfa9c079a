"""Load a rule set: YAML or JSON text → JSON Schema 2020-12 → typed model → compiled CEL.

Every problem becomes a ``RuleProblem`` inside one ``InvalidRules`` whose message names the
file, the rule (by id, or ``#n`` when it has none) and the field, e.g.
``default.yaml: rule kr-stalled, when, column 17: undeclared reference to 'progres'``.
``POST /rules`` returns the same problems as a list of ``{loc, msg, rule, field, ...}``.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError
from pydantic import ValidationError as PydanticError

from okrflow.domain.errors import InvalidRules, Problem
from rules.compiler import CompiledRuleSet, RuleProblem, compile_rule_set, rule_problem
from rules.model import RuleSet

__all__ = [
    "DEFAULT_RULES",
    "check_file",
    "compile_source",
    "default_source",
    "load_default",
    "load_rule_set",
    "parse_rule_set",
    "read_document",
    "schema",
]

DEFAULT_RULES = "default.yaml"


@cache
def schema() -> dict[str, Any]:
    """The rule-set JSON Schema (``rules/schema.json``)."""
    return json.loads(resources.files("rules").joinpath("schema.json").read_text(encoding="utf-8"))


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def read_document(text: str, *, source: str = "<rules>") -> Any:
    """Parse YAML (or JSON, which YAML reads too) into plain data.

    Raises:
        InvalidRules: with the line and column of a syntax error.
    """
    try:
        if source.endswith(".json"):
            return json.loads(text)
        return yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        problem = RuleProblem((), f"line {exc.lineno}, column {exc.colno}: {exc.msg}")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        what = getattr(exc, "problem", None) or str(exc)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = RuleProblem((), f"{where}{what}")
    raise InvalidRules([problem], source=source)


def _rule_ref(raw: Any, index: int) -> str:
    """The id a rule is reported by: its id when it has a usable one, else ``#n`` (1-based)."""
    rules = raw.get("rules") if isinstance(raw, dict) else None
    if isinstance(rules, list) and 0 <= index < len(rules):
        item = rules[index]
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"].strip():
            return item["id"]
    return f"#{index + 1}"


def _locate(raw: Any, path: list[str | int], message: str, **extra: Any) -> RuleProblem:
    if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
        fields = [str(p) if not isinstance(p, int) else p + 1 for p in path[2:]]
        return rule_problem(
            _rule_ref(raw, path[1]), fields, message, field=".".join(map(str, fields)), **extra
        )
    return rule_problem(None, [str(p) for p in path], message, **extra)


def _schema_message(err: ValidationError) -> tuple[list[str | int], str]:
    path = list(err.absolute_path)
    custom = err.schema.get("x-message") if isinstance(err.schema, dict) else None
    if custom and err.validator == "oneOf":
        return path, custom
    if err.validator == "required" and isinstance(err.validator_value, list):
        missing = [p for p in err.validator_value if isinstance(err.instance, dict) and p not in err.instance]
        if missing:
            return [*path, missing[0]], "is required"
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = set(err.schema.get("properties", {}))
        extra = sorted(k for k in err.instance if k not in allowed)
        known = ", ".join(sorted(allowed))
        return path, f"unknown field {', '.join(map(repr, extra))} (expected one of: {known})"
    if err.validator == "enum":
        options = ", ".join(map(str, err.validator_value))
        return path, f"{err.instance!r} is not one of: {options}"
    return path, err.message


def _sort_key(p: Problem) -> tuple[Any, ...]:
    return tuple((0, x, "") if isinstance(x, int) else (1, 0, str(x)) for x in p.location)


def parse_rule_set(
    raw: Any, *, source: str = "<rules>", org_id: str | None = None, version: int = 0
) -> RuleSet:
    """Check parsed data against the schema and build the ``RuleSet`` (conditions not compiled yet).

    Raises:
        InvalidRules: every schema or model problem, each naming the rule id and the field.
    """
    problems: list[Problem] = []
    for err in _validator().iter_errors(raw):
        path, message = _schema_message(err)
        problems.append(_locate(raw, path, message))
    if not problems:
        seen: dict[str, int] = {}
        for i, item in enumerate(raw["rules"]):
            if item["id"] in seen:
                problems.append(
                    rule_problem(
                        item["id"], ["id"], f"is used by rule #{seen[item['id']] + 1} too", field="id"
                    )
                )
            seen.setdefault(item["id"], i)
    if not problems:
        try:
            return RuleSet.model_validate({**raw, "source": source, "org_id": org_id, "version": version})
        except PydanticError as exc:
            for e in exc.errors():
                message = e["msg"].removeprefix("Value error, ")
                loc = list(e["loc"])
                head, sep, rest = message.partition(": ")
                if sep and head.isidentifier():
                    loc, message = [*loc, head], rest
                problems.append(_locate(raw, loc, message))
    raise InvalidRules(sorted(problems, key=_sort_key), source=source)


def load_rule_set(
    text: str, *, source: str = "<rules>", org_id: str | None = None, version: int = 0
) -> CompiledRuleSet:
    """Parse, check and compile a rule set from its YAML or JSON text.

    Args:
        text: The document as uploaded.
        source: The file name errors are reported against.
        org_id: The org the set belongs to (from the store).
        version: Its published version (from the store); 0 for a draft.

    Returns:
        The compiled set.

    Raises:
        InvalidRules: naming the file, the rule id, the field (and the column for CEL).
    """
    raw = read_document(text, source=source)
    return compile_rule_set(parse_rule_set(raw, source=source, org_id=org_id, version=version))


@lru_cache(maxsize=64)
def compile_source(
    text: str, *, source: str = "<rules>", org_id: str | None = None, version: int = 0
) -> CompiledRuleSet:
    """``load_rule_set``, cached: a weekly review compiles each published version once per process."""
    return load_rule_set(text, source=source, org_id=org_id, version=version)


def check_file(path: str | Path) -> CompiledRuleSet:
    """Load and compile a rule file (what ``okrflow rules check FILE`` runs).

    Raises:
        InvalidRules: naming the file, the rule id, the field and position of each problem.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidRules([RuleProblem((), f"cannot read the file: {exc}")], source=p.name) from None
    return load_rule_set(text, source=p.name)


def default_source() -> str:
    """The text of the default rule set every new org starts with."""
    return resources.files("rules").joinpath(DEFAULT_RULES).read_text(encoding="utf-8")


def load_default(*, org_id: str | None = None, version: int = 0) -> CompiledRuleSet:
    """The default rule set, compiled."""
    return compile_source(default_source(), source=DEFAULT_RULES, org_id=org_id, version=version)
