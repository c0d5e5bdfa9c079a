"""Resolve what an import file names to the org's records: people, teams and the cycle.

People are named by handle (``@`` optional) or id, teams by id or name, the cycle by id or
name, or given as ``{name, start, end, timezone}`` to create it. A name that does not resolve
adds a problem located in the file (``row 7, owner: ...``) and resolves to None, so one pass
reports every unknown name; ``okrflow.importing`` checks the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from okrflow.domain.errors import Problem
from okrflow.domain.model import Cycle, Person, validation_problems
from okrflow.import_format import LIST_FIELDS, Record, problem
from okrflow.store import CycleStore, PeopleStore, TeamStore, new_id

__all__ = ["FILE_FIELD", "Resolver", "clearable", "resolve_cycle"]

_MODEL_FIELD = {"owner": "owner_id", "team": "team_id"}  # file field -> model field
FILE_FIELD = {v: k for k, v in _MODEL_FIELD.items()}  # model field -> file field


class Resolver:
    """Turns the names in a file's records into the org's ids, adding a problem for each that is unknown."""

    def __init__(
        self, session: Session, org_id: str, records: Sequence[Record], problems: list[Problem]
    ) -> None:
        self.problems = problems
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
        found = [t for t in self.teams if t.id == key] or [t for t in self.teams if t.name == key]
        if len(found) == 1:
            return found[0].id
        if not found:
            self.problems.append(problem(where, "team", f"no team with id or name {key!r} in this org"))
        else:
            self.problems.append(
                problem(where, "team", f"{len(found)} teams are named {key!r}: use the team id")
            )
        return None

    def values(self, r: Record) -> dict[str, Any]:
        """The record's fields under the model's names, people and teams resolved to ids."""
        out: dict[str, Any] = {}
        for name, value in r.given.items():
            if name == "id":
                continue
            if name == "owner":
                out["owner_id"] = self.person(r.where, "owner", value)
            elif name == "collaborators":
                out["collaborators"] = [self.person(r.where, "collaborators", v) for v in value or ()]
            elif name == "team":
                out["team_id"] = self.team(r.where, value)
            elif name in LIST_FIELDS:
                out[name] = [str(v) for v in value or ()]
            else:
                out[name] = value
        return out


def clearable(r: Record) -> set[str]:
    """The model fields the file sets to nothing on purpose (YAML null, an empty CSV cell)."""
    return {_MODEL_FIELD.get(k, k) for k, v in r.given.items() if v is None}


def resolve_cycle(
    session: Session, org_id: str, ref: Any, problems: list[Problem]
) -> tuple[Cycle | None, bool]:
    """The cycle ``ref`` names, and whether it is a new one to create; (None, False) after a problem."""
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
        problems += validation_problems(exc, prefix=("cycle",))
        return None, False
    return new, True
