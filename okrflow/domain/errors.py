"""The okrflow error tree.

Domain errors carry no HTTP status; ``api/errors.py`` maps them to problem+json.

    OKRFlowError
    ├── ValidationFailed        bad input: every problem with its location
    │   ├── DependencyCycle     tasks that depend on each other in a loop
    │   └── InvalidRules        a rule set that does not load (file, rule id, field, column)
    ├── NotFound                no such record (in the caller's org)
    ├── Conflict                the request clashes with the stored state
    │   └── StaleVersion        an update based on an old version of a record
    ├── InvalidState            not allowed now (locked objective, wrong phase, archived cycle)
    ├── Unauthenticated         no or unknown credentials
    ├── PermissionDenied        known caller, not allowed to do this
    └── Unavailable             a service okrflow needs (Temporal, the LLM) is not reachable
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


class OKRFlowError(Exception):
    """Base of every error okrflow raises on purpose."""

    title = "okrflow error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def detail(self) -> dict[str, Any]:
        """Extra machine-readable members for a problem+json body."""
        return {}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what is wrong."""

    location: tuple[str | int, ...]
    message: str
    extra: dict[str, Any] = field(default_factory=dict)

    def where(self) -> str:
        return ".".join(str(p) for p in self.location) or "(root)"

    def as_dict(self) -> dict[str, Any]:
        return {"loc": list(self.location), "msg": self.message, **self.extra}

    def __str__(self) -> str:
        return f"{self.where()}: {self.message}"


class ValidationFailed(OKRFlowError):
    title = "invalid input"

    def __init__(self, problems: Sequence[Problem], *, source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        prefix = f"{source}: " if source else ""
        lines = "; ".join(str(p) for p in self.problems)
        super().__init__(f"{prefix}{lines}")

    def detail(self) -> dict[str, Any]:
        return {"errors": [p.as_dict() for p in self.problems]}


class DependencyCycle(ValidationFailed):
    title = "task dependency cycle"

    def __init__(self, cycle: Sequence[str], *, names: dict[str, str] | None = None) -> None:
        self.cycle = list(cycle)
        shown = [(names or {}).get(t, t) for t in self.cycle]
        loop = " → ".join([*shown, shown[0]]) if shown else ""
        super().__init__([Problem(("depends_on",), f"dependency cycle: {loop}", {"cycle": self.cycle})])


class InvalidRules(ValidationFailed):
    title = "invalid rule set"


class NotFound(OKRFlowError):
    title = "not found"

    def __init__(self, kind: str, ident: str) -> None:
        self.kind = kind
        self.ident = ident
        super().__init__(f"{kind} {ident!r} not found")


class Conflict(OKRFlowError):
    title = "conflict"


class StaleVersion(Conflict):
    title = "stale version"

    def __init__(self, kind: str, ident: str, *, expected: int, current: int) -> None:
        self.kind = kind
        self.ident = ident
        self.expected = expected
        self.current = current
        super().__init__(
            f"{kind} {ident!r} was changed by someone else: you sent version {expected}, "
            f"the current version is {current}; reload and apply your change again"
        )

    def detail(self) -> dict[str, Any]:
        return {"current_version": self.current, "sent_version": self.expected}


class InvalidState(OKRFlowError):
    title = "not allowed in the current state"


class Unauthenticated(OKRFlowError):
    title = "unauthenticated"


class PermissionDenied(OKRFlowError):
    title = "forbidden"


class Unavailable(OKRFlowError):
    """A service okrflow depends on (Temporal, the LLM endpoint) cannot be reached right now."""

    title = "service unavailable"
