"""Orgs, people, teams and cycles."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, ClassVar

from sqlalchemy import select

from okrflow.domain.errors import NotFound, Problem, ValidationFailed
from okrflow.domain.model import Cadence, Cycle, Org, Person, Phase, Team
from okrflow.store.base import M, RecordStore, Ref, RowMap, chunks, item_id
from okrflow.store.tables import cycles, orgs, people, teams


class OrgStore(RecordStore[Org]):
    rows = RowMap(Org, orgs)
    kind = "org"

    def get(self, org_id: str, ident: str | None = None) -> Org:
        """The org ``org_id`` (``ident``, if given, must be the same id)."""
        if ident is not None and ident != org_id:
            raise NotFound(self.kind, ident)
        row = self.session.execute(select(orgs).where(orgs.c.id == org_id)).mappings().first()
        if row is None:
            raise NotFound(self.kind, org_id)
        return self.rows.from_row(row)

    def update(self, org_id: str, ident: str, changes: Mapping[str, Any]) -> Org:
        self.get(org_id, ident)
        return super().update(org_id, ident, changes)

    def exists(self, org_id: str) -> bool:
        return self.session.scalar(select(orgs.c.id).where(orgs.c.id == org_id)) is not None


class _TreeStore(RecordStore[M]):
    """Records in a tree (teams under parent teams, people under managers): no loops allowed."""

    up: ClassVar[str]  # the field naming the parent

    def add(self, item: M) -> M:
        self._refuse_loop(getattr(item, "org_id"), item_id(item), getattr(item, self.up))  # noqa: B009
        return super().add(item)

    def update(self, org_id: str, ident: str, changes: Mapping[str, Any]) -> M:
        if changes.get(self.up) is not None:
            self._refuse_loop(org_id, ident, changes[self.up])
        return super().update(org_id, ident, changes)

    def _refuse_loop(self, org_id: str, ident: str, parent: str | None) -> None:
        table, up = self.table, self.table.c[self.up]
        seen = [ident]
        while parent is not None and parent not in seen:
            seen.append(parent)
            parent = self.session.scalar(select(up).where(table.c.id == parent, table.c.org_id == org_id))
        if parent is not None:
            path = " → ".join([*seen, parent])
            raise ValidationFailed([Problem((self.up,), f"would make a loop: {path}")])


class TeamStore(_TreeStore[Team]):
    rows = RowMap(Team, teams)
    kind = "team"
    up = "parent_id"
    refs: ClassVar[Mapping[str, Ref]] = {"parent_id": Ref(teams, "team"), "lead_id": Ref(people, "person")}

    def list(self, org_id: str) -> list[Team]:
        return self._select(teams.c.org_id == org_id, order_by=(teams.c.name, teams.c.id))

    def subtree_ids(self, org_id: str, team_id: str) -> list[str]:
        """``team_id`` and every team below it."""
        children: dict[str | None, list[str]] = {}
        for tid, parent in self.session.execute(
            select(teams.c.id, teams.c.parent_id).where(teams.c.org_id == org_id)
        ):
            children.setdefault(parent, []).append(tid)
        if not any(team_id in ids for ids in children.values()):
            raise NotFound(self.kind, team_id)
        out, todo = [], [team_id]
        while todo:
            tid = todo.pop()
            out.append(tid)
            todo += children.get(tid, [])
        return out


class PeopleStore(_TreeStore[Person]):
    rows = RowMap(Person, people)
    kind = "person"
    up = "manager_id"
    refs: ClassVar[Mapping[str, Ref]] = {"team_id": Ref(teams, "team"), "manager_id": Ref(people, "person")}

    def list(
        self,
        org_id: str,
        *,
        team_id: str | None = None,
        manager_id: str | None = None,
        active: bool | None = None,
    ) -> list[Person]:
        where = [people.c.org_id == org_id]
        if team_id is not None:
            where.append(people.c.team_id == team_id)
        if manager_id is not None:
            where.append(people.c.manager_id == manager_id)
        if active is not None:
            where.append(people.c.active == active)
        return self._select(*where, order_by=(people.c.name, people.c.id))

    def get_by_handle(self, org_id: str, handle: str) -> Person:
        found = self._select(people.c.org_id == org_id, people.c.handle == handle)
        if not found:
            raise NotFound(self.kind, f"@{handle}")
        return found[0]

    def by_handles(self, org_id: str, handles: Collection[str]) -> dict[str, Person]:
        """People of ``org_id`` with these handles (for @mentions), by handle; unknown handles are absent."""
        out: dict[str, Person] = {}
        for batch in chunks(sorted(set(handles)), 500):
            for p in self._select(people.c.org_id == org_id, people.c.handle.in_(batch)):
                out[p.handle] = p
        return out


class CycleStore(RecordStore[Cycle]):
    rows = RowMap(Cycle, cycles, nested={"cadence": Cadence})
    kind = "cycle"

    def list(self, org_id: str) -> list[Cycle]:
        return self._select(cycles.c.org_id == org_id, order_by=(cycles.c.start.desc(), cycles.c.id))

    def set_phase(self, org_id: str, ident: str, phase: Phase) -> Cycle:
        return self.update(org_id, ident, {"phase": phase})
