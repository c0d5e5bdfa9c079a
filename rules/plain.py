"""Conditions simple enough to decide in plain Python, without a call into CEL.

Most conditions compare facts with numbers, joined all by ``&&`` or all by ``||``:
``tasks_total >= 3 && task_done_share >= 0.6``. ``plain_condition`` recognises exactly that
shape (a fact or input on the left, a decimal number on the right, the number's type the
fact's declared type) in a condition CEL has already type-checked, and ``PlainCondition.decide``
gives the value CEL would give. CEL stays the language of record: any other condition, and any
subject for which a comparison cannot be decided here (an absent fact, a value not of its
declared Python type), is left to CEL, so errors read the same whichever path a rule takes.

CEL's ``&&`` and ``||`` are commutative over errors (``error && false`` is false): a
comparison that cannot be decided makes the condition undecided only if no other comparison
decides it.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rules.catalog import INPUTS, FactSpec, FactType

__all__ = ["PlainCondition", "plain_condition"]

_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_COMPARISON = re.compile(
    r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|!=|<|>)\s*"
    r"(?:(?P<double>-?(?:\d+\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+))|(?P<int>-?(?:0|[1-9]\d*)))\s*"
)
_PYTHON_TYPES = {FactType.INT: int, FactType.DOUBLE: float}
_INPUT_NAMES = frozenset(f.name for f in INPUTS)
_ABSENT = object()


@dataclass(frozen=True, slots=True)
class _Comparison:
    name: str
    compare: Callable[[Any, Any], bool]
    number: int | float
    kind: type  # the fact's Python type: int or float
    from_inputs: bool  # the review's inputs (``week``), not a subject's facts


@dataclass(frozen=True, slots=True)
class PlainCondition:
    """Comparisons joined all by ``&&`` (``all_of``) or all by ``||``."""

    comparisons: tuple[_Comparison, ...]
    all_of: bool

    def decide(self, facts: Mapping[str, Any], inputs: Mapping[str, Any]) -> bool | None:
        """The condition's value for one subject, or None when CEL must decide it."""
        all_of = self.all_of
        undecided = False
        for c in self.comparisons:
            value = (inputs if c.from_inputs else facts).get(c.name, _ABSENT)
            if type(value) is not c.kind:
                undecided = True
            elif c.compare(value, c.number) is not all_of:
                return not all_of  # a false comparison decides an all-of, a true one an any-of
        return None if undecided else all_of


def plain_condition(expression: str, specs: Mapping[str, FactSpec]) -> PlainCondition | None:
    """The condition as a ``PlainCondition``, or None when it is not of that shape.

    Args:
        expression: A condition that compiled in CEL against ``specs``.
        specs: The facts (and inputs) of the condition's scope, by name.
    """
    if "&&" in expression and "||" in expression:
        return None
    all_of = "||" not in expression
    comparisons = []
    for part in expression.split("&&" if all_of else "||"):
        m = _COMPARISON.fullmatch(part)
        spec = specs.get(m.group(1)) if m else None
        if m is None or spec is None:
            return None
        number: int | float = int(m["int"]) if m["int"] is not None else float(m["double"])
        kind = _PYTHON_TYPES.get(spec.type)
        if kind is None or type(number) is not kind:  # mixed int/double comparisons stay in CEL
            return None
        comparisons.append(
            _Comparison(spec.name, _OPERATORS[m.group(2)], number, kind, spec.name in _INPUT_NAMES)
        )
    return PlainCondition(tuple(comparisons), all_of)
