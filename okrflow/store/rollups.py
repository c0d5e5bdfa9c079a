"""The roll-up store: what dashboards read instead of scanning the org.

The tables and what their rows hold are described in ``okrflow.store.tables.rollups``. The
arithmetic is in ``okrflow.dashboards`` (pure) and the refresh protocol in
``okrflow.services.rollups``. Locking: ``lock_*`` take row locks (``FOR UPDATE``) on PostgreSQL
in a fixed order (key results, then objective rows, then every other scope, each sorted) so
concurrent check-ins never lose an update and never deadlock; SQLite serialises writers anyway.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, bindparam, case, delete, func, insert, select, update
from sqlalchemy.orm import Session

from okrflow.dashboard_views import AtRiskStats
from okrflow.dashboards import BaseStatus, KRState, Vector
from okrflow.domain.model import PlanState, TaskStatus
from okrflow.store.base import chunks, insert_ignoring_conflicts
from okrflow.store.tables import key_results, objectives, rollup_groups, rollup_key_results, tasks, teams

__all__ = ["RollupStore", "TeamRow", "pack", "rollup_groups", "rollup_key_results", "unpack"]

_OPEN = (TaskStatus.TODO, TaskStatus.DOING, TaskStatus.BLOCKED)


class TeamRow(NamedTuple):
    """A team as roll-ups and dashboard access need it (``okrflow.dashboards.TeamLike``)."""

    id: str
    parent_id: str | None
    lead_id: str | None
    name: str


_K = rollup_key_results.c
_G = rollup_groups.c


# ---------------------------------------------------------------- packing contributions


def pack(contributions: Mapping[str, Vector]) -> list[list[Any]]:
    """``{scope: vector}`` as ``[[scopes...], vector]`` pairs: a KR gives the same vector to its
    objective, every team on its chain and the org, so storing it once keeps the rows small."""
    groups: dict[str, tuple[list[str], Vector]] = {}
    for scope in sorted(contributions):
        vector = contributions[scope]
        key = repr(sorted(vector.items()))
        groups.setdefault(key, ([], vector))[0].append(scope)
    return [[scopes, vector] for scopes, vector in groups.values()]


def unpack(packed: Iterable[Sequence[Any]] | None) -> dict[str, Vector]:
    out: dict[str, Vector] = {}
    for scopes, vector in packed or ():
        for scope in scopes:
            out[scope] = vector
    return out


class RollupStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _for_update(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    # ------------------------------------------------------------ per key result

    def placement(self, org_id: str, kr_ids: Collection[str]) -> dict[str, tuple[str, str]]:
        """(cycle id, objective id) of each of these key results that exists in ``org_id``."""
        out: dict[str, tuple[str, str]] = {}
        for batch in chunks(sorted(set(kr_ids)), 500):
            stmt = (
                select(key_results.c.id, objectives.c.cycle_id, objectives.c.id)
                .join(objectives, objectives.c.id == key_results.c.objective_id)
                .where(key_results.c.org_id == org_id, key_results.c.id.in_(batch))
            )
            for kr_id, cycle_id, objective_id in self.session.execute(stmt):
                out[kr_id] = (cycle_id, objective_id)
        return out

    def claim_key_results(
        self, org_id: str, kr_ids: Collection[str], placed: Mapping[str, tuple[str, str]]
    ) -> dict[str, dict[str, Any]]:
        """Lock the rows of these KRs (until the transaction ends) and return them by KR id.

        ``placed`` gives (cycle id, objective id) of each KR that should have a row: a missing
        one is created empty first, so it too is locked (and a concurrent first check-in waits).
        """
        if self._for_update():
            self._insert_empty(org_id, {k: v for k, v in placed.items() if k in kr_ids})
            return self.lock_key_results(org_id, kr_ids)
        found = self.lock_key_results(org_id, kr_ids)  # SQLite: the write lock is already held
        missing = {k: v for k, v in placed.items() if k in kr_ids and k not in found}
        for kr_id, row in self._insert_empty(org_id, missing).items():
            found[kr_id] = row
        return found

    def _insert_empty(self, org_id: str, placed: Mapping[str, tuple[str, str]]) -> dict[str, dict[str, Any]]:
        rows = {
            kr_id: {
                "kr_id": kr_id,
                "org_id": org_id,
                "cycle_id": cycle_id,
                "objective_id": objective_id,
                "team_id": None,
                "owner_id": None,
                "base": BaseStatus.OPEN,
                "progress": 0.0,
                "raw": 0.0,
                "confidence": None,
                "last_check_in_at": None,
                "last_week": 0,
                "first_open_milestone": None,
                "contributions": [],
            }
            for kr_id, (cycle_id, objective_id) in sorted(placed.items())
        }
        for batch in chunks(list(rows.values()), 500):
            insert_ignoring_conflicts(self.session, rollup_key_results, batch, ("kr_id",))
        return rows

    def lock_key_results(self, org_id: str, kr_ids: Collection[str]) -> dict[str, dict[str, Any]]:
        """The stored rows of these KRs (locked until the transaction ends), by KR id."""
        out: dict[str, dict[str, Any]] = {}
        for batch in chunks(sorted(set(kr_ids)), 500):
            stmt = (
                select(rollup_key_results).where(_K.org_id == org_id, _K.kr_id.in_(batch)).order_by(_K.kr_id)
            )
            if self._for_update():
                stmt = stmt.with_for_update()
            for row in self.session.execute(stmt).mappings():
                out[row["kr_id"]] = dict(row)
        return out

    def write_key_results(self, states: Sequence[KRState]) -> None:
        if not states:
            return
        stmt = (
            update(rollup_key_results)
            .where(_K.kr_id == bindparam("b_kr_id"))
            .values(**{c.key: bindparam(f"b_{c.key}") for c in rollup_key_results.c if c.key != "kr_id"})
        )
        params = [{f"b_{k}": v for k, v in _full_row(s).items()} for s in states]
        self.session.execute(stmt, params)

    def delete_key_results(self, kr_ids: Collection[str]) -> None:
        if kr_ids:
            self.session.execute(delete(rollup_key_results).where(_K.kr_id.in_(set(kr_ids))))

    # ------------------------------------------------------------ groups

    def lock_groups(
        self, org_id: str, keys: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[Vector, dict[str, Vector]]]:
        """Lock and read the ``(cycle_id, scope)`` rows in key order, creating those that are missing.

        Returns:
            (data, upward) by key; upward is the objective's last upward contribution.
        """
        wanted = sorted(set(keys))
        # PostgreSQL: create every missing row first, so the rows are then locked in one sorted pass
        # (two check-ins never wait for each other in a cycle). SQLite has one writer at a time:
        # read first and create only what is missing, saving a statement per check-in.
        out = {} if self._for_update() else self._select_groups(org_id, wanted)
        missing = [k for k in wanted if k not in out]
        if missing:
            rows = [
                {"cycle_id": c, "scope": g, "org_id": org_id, "data": {}, "upward": []} for c, g in missing
            ]
            for batch in chunks(rows, 500):
                insert_ignoring_conflicts(self.session, rollup_groups, batch, ("cycle_id", "scope"))
            out.update(self._select_groups(org_id, missing))
        return out

    def _select_groups(
        self, org_id: str, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[Vector, dict[str, Vector]]]:
        out: dict[tuple[str, str], tuple[Vector, dict[str, Vector]]] = {}
        by_cycle: dict[str, list[str]] = {}
        for c, scope in keys:
            by_cycle.setdefault(c, []).append(scope)
        for cycle_id, scopes in sorted(by_cycle.items()):
            for batch in chunks(scopes, 500):
                stmt = (
                    select(_G.cycle_id, _G.scope, _G.data, _G.upward)
                    .where(_G.org_id == org_id, _G.cycle_id == cycle_id, _G.scope.in_(batch))
                    .order_by(_G.scope)
                )
                if self._for_update():
                    stmt = stmt.with_for_update()
                for c, scope, data, upward in self.session.execute(stmt):
                    out[(c, scope)] = (dict(data or {}), unpack(upward))
        return out

    def write_groups(self, rows: Mapping[tuple[str, str], tuple[Vector, dict[str, Vector]]]) -> None:
        if not rows:
            return
        stmt = (
            update(rollup_groups)
            .where(_G.cycle_id == bindparam("b_cycle"), _G.scope == bindparam("b_scope"))
            .values(data=bindparam("b_data"), upward=bindparam("b_upward"))
        )
        params = [
            {"b_cycle": c, "b_scope": s, "b_data": data, "b_upward": pack(upward)}
            for (c, s), (data, upward) in sorted(rows.items())
        ]
        self.session.execute(stmt, params)

    def delete_groups(self, keys: Collection[tuple[str, str]]) -> None:
        for cycle_id, scope in sorted(set(keys)):
            self.session.execute(delete(rollup_groups).where(_G.cycle_id == cycle_id, _G.scope == scope))

    def get_group(self, org_id: str, cycle_id: str, scope: str) -> Vector | None:
        data = self.session.scalar(
            select(_G.data).where(_G.org_id == org_id, _G.cycle_id == cycle_id, _G.scope == scope)
        )
        return None if data is None else dict(data)

    def cycles_of_scope(self, org_id: str, scope: str) -> list[str]:
        """The cycles in which ``scope`` has a row."""
        stmt = select(_G.cycle_id).where(_G.org_id == org_id, _G.scope == scope).order_by(_G.cycle_id)
        return list(self.session.scalars(stmt))

    def has_cycle(self, org_id: str, cycle_id: str) -> bool:
        """Whether the cycle's roll-ups were built (the org row exists)."""
        stmt = select(_G.scope).where(_G.org_id == org_id, _G.cycle_id == cycle_id, _G.scope == "org")
        return self.session.scalar(stmt) is not None

    def team_tree(self, org_id: str, start: Collection[str] | None = None) -> dict[str, TeamRow]:
        """The org's teams as light rows (id, parent, lead, name): all of them, or with ``start`` only
        those teams and every team above them (one recursive query)."""
        t = teams.c
        if start is None:
            stmt = select(t.id, t.parent_id, t.lead_id, t.name).where(t.org_id == org_id)
        else:
            if not start:
                return {}
            up = (
                select(t.id, t.parent_id, t.lead_id, t.name)
                .where(t.org_id == org_id, t.id.in_(sorted(set(start))))
                .cte("up", recursive=True)
            )
            parent = teams.alias("parent")
            up = up.union(
                select(parent.c.id, parent.c.parent_id, parent.c.lead_id, parent.c.name).join(
                    up, parent.c.id == up.c.parent_id
                )
            )
            stmt = select(up.c.id, up.c.parent_id, up.c.lead_id, up.c.name)
        return {r[0]: TeamRow(*r) for r in self.session.execute(stmt)}

    # ------------------------------------------------------------ rebuild

    def replace_cycle(
        self,
        org_id: str,
        cycle_id: str,
        states: Sequence[KRState],
        groups: Mapping[str, Vector],
        upward: Mapping[str, dict[str, Vector]],
    ) -> None:
        """Replace every roll-up row of the cycle (a rebuild)."""
        self.session.execute(delete(rollup_key_results).where(_K.org_id == org_id, _K.cycle_id == cycle_id))
        self.session.execute(delete(rollup_groups).where(_G.org_id == org_id, _G.cycle_id == cycle_id))
        for batch in chunks([_full_row(s) for s in states], 2_000):
            self.session.execute(insert(rollup_key_results), batch)
        scopes = set(groups) | set(upward) | {"org"}
        rows = [
            {
                "cycle_id": cycle_id,
                "scope": s,
                "org_id": org_id,
                "data": groups.get(s, {}),
                "upward": pack(upward.get(s, {})),
            }
            for s in sorted(scopes)
        ]
        for batch in chunks(rows, 2_000):
            self.session.execute(insert(rollup_groups), batch)

    # ------------------------------------------------------------ what dashboards query

    def _scope_filter(
        self, org_id: str, cycle_id: str, team_ids: Collection[str] | None, owner_id: str | None
    ) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [_K.org_id == org_id, _K.cycle_id == cycle_id]
        if team_ids is not None:
            where.append(_K.team_id.in_(sorted(set(team_ids))))
        if owner_id is not None:
            where.append(_K.owner_id == owner_id)
        return where

    def at_risk_stats(
        self,
        org_id: str,
        cycle_id: str,
        *,
        line: float,
        week: int,
        team_ids: Collection[str] | None = None,
        owner_id: str | None = None,
    ) -> AtRiskStats:
        """Open KRs at or below the at-risk progress ``line`` (an index range), and how many of them
        were checked in during ``week``."""
        where = self._scope_filter(org_id, cycle_id, team_ids, owner_id)
        stmt = select(
            func.count(), func.coalesce(func.sum(case((_K.last_week == week, 1), else_=0)), 0)
        ).where(*where, _K.base == BaseStatus.OPEN, _K.progress <= line)
        count, checked = self.session.execute(stmt).one()
        return AtRiskStats(count=int(count), checked_this_week=int(checked))

    def at_risk_rows(
        self,
        org_id: str,
        cycle_id: str,
        *,
        line: float,
        limit: int,
        team_ids: Collection[str] | None = None,
        owner_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """The furthest-behind open KRs at or below ``line``, with their titles."""
        where = self._scope_filter(org_id, cycle_id, team_ids, owner_id)
        stmt = (
            select(
                _K.kr_id,
                key_results.c.title,
                _K.objective_id,
                _K.owner_id,
                _K.team_id,
                _K.progress,
                _K.confidence,
                _K.last_check_in_at,
            )
            .join(key_results, key_results.c.id == _K.kr_id)
            .where(*where, _K.base == BaseStatus.OPEN, _K.progress <= line)
            .order_by(_K.progress, _K.kr_id)
            .limit(limit)
        )
        return [dict(r) for r in self.session.execute(stmt).mappings()]

    def overdue_milestones(
        self,
        org_id: str,
        cycle_id: str,
        *,
        today: date,
        limit: int,
        team_ids: Collection[str] | None = None,
        task_owner_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Open milestone tasks due before ``today``: of the scope's KRs, or owned by ``task_owner_id``."""
        t = tasks.c
        where: list[ColumnElement[bool]] = [
            t.org_id == org_id,
            t.milestone.is_(True),
            t.status.in_(_OPEN),
            t.due < today,
            t.plan_state == PlanState.ACCEPTED,
        ]
        if task_owner_id is not None:
            krs = select(_K.kr_id).where(_K.org_id == org_id, _K.cycle_id == cycle_id)
            where += [t.owner_id == task_owner_id, t.kr_id.in_(krs)]
        else:
            # The ``limit`` most overdue tasks lie in the ``limit`` KRs whose earliest open milestone is
            # earliest (each of those has a task due that day): look only there.
            late = (
                select(_K.kr_id)
                .where(*self._scope_filter(org_id, cycle_id, team_ids, None), _K.first_open_milestone < today)
                .order_by(_K.first_open_milestone, _K.kr_id)
                .limit(limit)
            )
            where.append(t.kr_id.in_(late))
        stmt = (
            select(t.id, t.title, t.kr_id, t.owner_id, t.due, t.status)
            .where(and_(*where))
            .order_by(t.due, t.id)
            .limit(limit)
        )
        return [dict(r) for r in self.session.execute(stmt).mappings()]

    def team_of_key_results(self, org_id: str, kr_ids: Collection[str]) -> dict[str, dict[str, Any]]:
        """team_id and owner_id of each KR, from the roll-up rows."""
        out: dict[str, dict[str, Any]] = {}
        for batch in chunks(sorted(set(kr_ids)), 500):
            stmt = select(_K.kr_id, _K.team_id, _K.owner_id, _K.objective_id).where(
                _K.org_id == org_id, _K.kr_id.in_(batch)
            )
            for row in self.session.execute(stmt).mappings():
                out[row["kr_id"]] = dict(row)
        return out


def _full_row(s: KRState) -> dict[str, Any]:
    """The stored row of a key result's state."""
    return {
        "kr_id": s.kr_id,
        "org_id": s.org_id,
        "cycle_id": s.cycle_id,
        "objective_id": s.objective_id,
        "team_id": s.team_id,
        "owner_id": s.owner_id,
        "base": s.base,
        "progress": s.progress,
        "raw": s.raw,
        "confidence": s.confidence,
        "last_check_in_at": s.last_check_in_at,
        "last_week": s.last_week,
        "first_open_milestone": s.first_open_milestone,
        "contributions": pack(s.contributions),
    }
