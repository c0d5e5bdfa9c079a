"""Compile a rule set: every condition type-checked against its scope's facts, once per version.

Conditions are CEL (``cel-expr-python``, Google's C++ runtime). A typo or a type mismatch is an
``InvalidRules`` naming the file, the rule, the field and the column ("rule kr-stalled, when,
column 17: undeclared reference to 'progres'"). Message templates are checked against the
same facts.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from cel_expr_python import cel

from okrflow.domain.errors import InvalidRules, Problem
from okrflow.domain.model import Phase
from rules.catalog import FactSpec, FactType, Scope, facts_of
from rules.model import Rule, RuleSet
from rules.plain import PlainCondition, plain_condition

__all__ = [
    "CompiledRule",
    "CompiledRuleSet",
    "RuleProblem",
    "compile_rule_set",
    "fact_specs",
    "references",
    "rule_problem",
]

_CEL_TYPES = {
    FactType.BOOL: cel.Type.BOOL,
    FactType.INT: cel.Type.INT,
    FactType.DOUBLE: cel.Type.DOUBLE,
    FactType.STRING: cel.Type.STRING,
    FactType.TIMESTAMP: cel.Type.TIMESTAMP,
}
_SAMPLES: dict[FactType, Any] = {
    FactType.BOOL: True,
    FactType.INT: 1,
    FactType.DOUBLE: 0.5,
    FactType.STRING: "x",
    FactType.TIMESTAMP: datetime(2026, 1, 1, tzinfo=UTC),
}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRING_LITERAL = re.compile(
    r"""(?s)[rRbB]*('''.*?'''|\"\"\".*?\"\"\"|'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")"""
)
_CEL_ERROR = re.compile(r"ERROR: <input>:(\d+):(\d+): (.*?)(?: \(in container '[^']*'\))?\n")


# ---------------------------------------------------------------- problems


@dataclass(frozen=True)
class RuleProblem(Problem):
    """A Problem in a rule file that reads "rule kr-stalled, when, column 17: ..." when printed.

    ``location`` is the path into the document with the rule's id in place of its index:
    ``("rules", "kr-stalled", "when")``. ``extra`` carries ``rule``, ``field`` and, for CEL
    errors, ``line`` and ``column``.
    """

    def __str__(self) -> str:
        loc = self.location
        parts: list[str] = []
        rest = loc
        if len(loc) >= 2 and loc[0] == "rules":
            parts, rest = [f"rule {loc[1]}"], loc[2:]
        for p in rest:
            if isinstance(p, int) and parts:
                parts[-1] += f" #{p}"
            else:
                parts.append(str(p))
        line, column = self.extra.get("line"), self.extra.get("column")
        if column is not None:
            parts.append(f"line {line}, column {column}" if line and line > 1 else f"column {column}")
        return f"{', '.join(parts)}: {self.message}" if parts else self.message


def rule_problem(
    rule_ref: str | None, fields: Sequence[str | int], message: str, **extra: Any
) -> RuleProblem:
    """A problem located at a rule's field (or, without a rule, at a top-level field)."""
    if rule_ref is None:
        return RuleProblem(tuple(fields), message, dict(extra))
    return RuleProblem(("rules", rule_ref, *fields), message, {"rule": rule_ref, **extra})


def _cel_problems(rule_id: str, field_name: str, text: str) -> list[RuleProblem]:
    found = _CEL_ERROR.findall(text + "\n")
    if not found:
        return [rule_problem(rule_id, [field_name], text.strip(), field=field_name)]
    out = []
    for line, column, message in found:
        if re.search(r"applied to '\((int, double|double, int)\)'", message):
            message += " (write 1.0 for a double constant, or convert with double(x) or int(x))"
        out.append(
            rule_problem(rule_id, [field_name], message, field=field_name, line=int(line), column=int(column))
        )
    return out


# ---------------------------------------------------------------- compiled rules


@cache
def _env(scope: Scope) -> cel.Env:
    return cel.NewEnv(variables={f.name: _CEL_TYPES[f.type] for f in facts_of(scope)})


@cache
def fact_specs(scope: Scope) -> dict[str, FactSpec]:
    return {f.name: f for f in facts_of(scope)}


def references(expression: str, scope: Scope) -> tuple[str, ...]:
    """The facts of ``scope`` an expression reads (string literals and member names left out)."""
    code = _STRING_LITERAL.sub('""', expression)
    names = set()
    for m in _IDENT.finditer(code):
        before = code[: m.start()].rstrip()
        if before.endswith("."):  # a member or method (x.size()), not a variable
            continue
        names.add(m.group())
    return tuple(f.name for f in facts_of(scope) if f.name in names)


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    program: cel.Expression
    references: tuple[str, ...]  # the facts the condition reads
    rule_version: int
    template_references: tuple[str, ...] = ()  # the facts its message template reads
    plain: PlainCondition | None = None  # the condition decided in Python, when it is that simple

    @property
    def id(self) -> str:
        return self.rule.id


@dataclass
class CompiledRuleSet:
    """A rule set with every condition compiled; build it with ``compile_rule_set``."""

    rule_set: RuleSet
    rules: tuple[CompiledRule, ...]
    _batches: dict[tuple[str, ...], tuple[cel.Expression, tuple[str, ...]]] = field(
        default_factory=dict, repr=False
    )

    @property
    def version(self) -> int:
        return self.rule_set.version

    @property
    def org_id(self) -> str | None:
        return self.rule_set.org_id

    def applicable(self, *, week: int, phase: Phase | None) -> list[CompiledRule]:
        """The rules evaluated at a review in ``week`` during ``phase``, in set order."""
        return [r for r in self.rules if r.rule.applies_in.admits(week=week, phase=phase)]

    def scopes(self, *, week: int, phase: Phase | None) -> set[Scope]:
        return {r.rule.scope for r in self.applicable(week=week, phase=phase)}

    def facts_read(self, *, week: int, phase: Phase | None) -> set[str]:
        """Every fact a condition or message template of the applicable rules reads."""
        return {
            n
            for r in self.applicable(week=week, phase=phase)
            for n in (*r.references, *r.template_references)
        }

    def facts_read_by_scope(self, *, week: int, phase: Phase | None) -> dict[Scope, set[str]]:
        """``facts_read`` per scope: what the applicable rules of each scope read."""
        out: dict[Scope, set[str]] = {}
        for r in self.applicable(week=week, phase=phase):
            out.setdefault(r.rule.scope, set()).update(r.references, r.template_references)
        return out

    def batch_program(self, rules: Sequence[CompiledRule]) -> tuple[cel.Expression, tuple[str, ...]]:
        """One CEL list expression over ``rules`` (all of one scope) and the facts it reads."""
        key = tuple(r.id for r in rules)
        found = self._batches.get(key)
        if found is None:
            scope = rules[0].rule.scope
            program = _env(scope).compile("[" + ", ".join(f"({r.rule.when})" for r in rules) + "]")
            names = {n for r in rules for n in r.references}
            found = (program, tuple(f.name for f in facts_of(scope) if f.name in names))
            self._batches[key] = found
        return found


def compile_rule_set(rule_set: RuleSet) -> CompiledRuleSet:
    """Type-check and compile every condition and message template of a rule set.

    Args:
        rule_set: A rule set that passed the schema (``rules.load.parse_rule_set``).

    Returns:
        The compiled set; compile it once per rule-set version and reuse it.

    Raises:
        InvalidRules: naming the file, the rule id, the field and, for CEL, the column of
            every problem, e.g. "rule kr-stalled, when, column 17: undeclared reference to
            'progres'".
    """
    problems: list[Problem] = []
    compiled = []
    for rule in rule_set.rules:
        problems.extend(_template_problems(rule))
        try:
            program = _env(rule.scope).compile(rule.when)
        except RuntimeError as exc:
            problems.extend(_cel_problems(rule.id, "when", str(exc)))
            continue
        returns = program.return_type()
        if returns != cel.Type.BOOL and returns != cel.Type.DYN:
            problems.append(
                rule_problem(
                    rule.id,
                    ["when"],
                    f"the condition must be true or false, but it gives a {returns.name().lower()}",
                    field="when",
                )
            )
            continue
        compiled.append(
            CompiledRule(
                rule,
                program,
                references(rule.when, rule.scope),
                rule_set.version,
                _template_references(rule),
                plain_condition(rule.when, fact_specs(rule.scope)),
            )
        )
    if problems:
        raise InvalidRules(problems, source=rule_set.source)
    return CompiledRuleSet(rule_set, tuple(compiled))


def _template_references(rule: Rule) -> tuple[str, ...]:
    if rule.message is None:
        return ()
    names = {
        name
        for text in (rule.message.en, rule.message.zh)
        for _, name, _, _ in string.Formatter().parse(text)
        if name
    }
    return tuple(sorted(names))


def _template_problems(rule: Rule) -> list[Problem]:
    if rule.message is None:
        return []
    specs = fact_specs(rule.scope)
    samples = {name: _SAMPLES[spec.type] for name, spec in specs.items()}
    out: list[Problem] = []
    for lang in ("en", "zh"):
        text = getattr(rule.message, lang)
        try:
            for _, name, _, _ in string.Formatter().parse(text):
                if name is not None and name not in specs:
                    raise ValueError(f"{{{name}}} is not a fact of scope {rule.scope.value}")
            text.format(**samples)
        except (ValueError, KeyError, IndexError, AttributeError, TypeError) as exc:
            out.append(
                rule_problem(rule.id, ["message", lang], str(exc).strip("'\""), field=f"message.{lang}")
            )
    return out
