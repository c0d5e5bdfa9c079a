"""Objectives and key results (and ``PlanStore``, which tasks share): versioned, audited, and
read-only once their cycle is archived.

Every add, update and delete writes an ``AuditEntry`` (who, when, field -> [old, new], why) in the
same transaction. ``update`` is an atomic compare-and-set on ``version``: a change based on an old
version is refused with ``StaleVersion`` (carrying the current version) and nothing is written.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from okrflow.domain.errors import Conflict, NotFound, StaleVersion
from okrflow.domain.model import KeyResult, Objective, SubjectType, Task, parse_model
from okrflow.store.audit import AuditStore
from okrflow.store.base import (
    Ref,
    RowMap,
    check_refs,
    chunks,
    get_row,
    insert_row,
    now_or,
    refuse_immutable,
    rowcount,
)
from okrflow.store.cycle_scope import refuse_if_archived
from okrflow.store.tables import cycles, key_results, objective_alignments, objectives, people, teams

_MAX_RETRIES = 3
V = TypeVar("V", Objective, KeyResult, Task)


@dataclass(frozen=True)
class Link:
    """A list field kept in a link table: ``field`` lists the ``owner`` row's ``target`` ids in order."""

    field: str
    table: Table
    owner: str
    target: str


def audit_changes(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    """field -> [old, new] for every field that differs (JSON values; None for a missing side)."""
    keys = list((new or old or {}).keys())
    out: dict[str, list[Any]] = {}
    for k in keys:
        if k in ("id", "org_id", "version"):
            continue
        before = None if old is None else old.get(k)
        after = None if new is None else new.get(k)
        if before != after:
            out[k] = [before, after]
    return out


class PlanStore(Generic[V]):
    """The shared versioned-and-audited behaviour; subclasses name their table, links and references."""

    rows: RowMap[V]
    kind: str
    subject: SubjectType
    refs: ClassVar[Mapping[str, Ref]] = {}
    link: ClassVar[Link | None] = None
    immutable: ClassVar[frozenset[str]] = frozenset({"id", "org_id", "version"})

    def __init__(self, session: Session) -> None:
        self.session = session
        self.audit = AuditStore(session)

    @property
    def table(self) -> Table:
        return self.rows.table

    # ------------------------------------------------------------ reads

    def get(self, org_id: str, ident: str) -> V:
        """The record, or ``NotFound`` (also when it belongs to another org)."""
        return self._build([get_row(self.session, self.table, org_id, ident, self.kind)])[0]

    def get_many(self, org_id: str, ids: Collection[str]) -> dict[str, V]:
        out: dict[str, V] = {}
        for batch in chunks(sorted(set(ids)), 500):
            for item in self._select(self.table.c.org_id == org_id, self.table.c.id.in_(batch)):
                out[item.id] = item
        return out

    def _select(self, *where: ColumnElement[bool], order_by: Sequence[Any] = ()) -> list[V]:
        stmt: Select[Any] = select(self.table).where(*where).order_by(*(order_by or (self.table.c.id,)))
        return self._build(list(self.session.execute(stmt).mappings()))

    def _build(self, rows: Sequence[Mapping[str, Any]]) -> list[V]:
        if self.link is None:
            return [self.rows.from_row(r) for r in rows]
        link = self.link
        owner, target = link.table.c[link.owner], link.table.c[link.target]
        targets: dict[str, list[str]] = {r["id"]: [] for r in rows}
        for batch in chunks(list(targets), 500):
            stmt = select(owner, target).where(owner.in_(batch)).order_by(owner, link.table.c.position)
            for o, t in self.session.execute(stmt):
                targets[o].append(t)
        return [self.rows.from_row(r, **{link.field: targets[r["id"]]}) for r in rows]

    # ------------------------------------------------------------ writes

    def add(self, item: V, *, actor: str, reason: str | None = None, at: datetime | None = None) -> V:
        """Insert ``item`` (at version 1) and audit its creation."""
        at = now_or(at)
        item = parse_model(self.rows.model, {**item.model_dump(), "version": 1})
        org_id: str = item.org_id
        check_refs(self.session, org_id, item.model_dump(), self.refs)
        self._refuse_if_archived(org_id, [item])
        self._check_write(item, None)
        insert_row(self.session, self.table, self.rows.to_row(item), self.kind, item.id)
        self._write_links(item)
        self._audit(item, "create", audit_changes(None, item.model_dump(mode="json")), actor, reason, at)
        return item

    def update(
        self,
        org_id: str,
        ident: str,
        changes: Mapping[str, Any],
        *,
        expected_version: int | None,
        actor: str,
        reason: str | None = None,
        action: str = "update",
        at: datetime | None = None,
    ) -> V:
        """Apply ``changes`` (field -> new value) if the record is still at ``expected_version``.

        With ``expected_version=None`` (automated changes) the change is re-applied on top of a
        concurrent one instead of being refused.

        Raises:
            NotFound: no such record in ``org_id``.
            ValidationFailed: the changed record is invalid (each problem names its field).
            StaleVersion: the record is no longer at ``expected_version``; nothing was written.
            InvalidState: the record's cycle is archived.
        """
        at = now_or(at)
        refuse_immutable(changes, self.immutable)
        for _ in range(_MAX_RETRIES):
            current = self.get(org_id, ident)
            version: int = current.version
            if expected_version is not None and version != expected_version:
                raise StaleVersion(self.kind, ident, expected=expected_version, current=version)
            merged = parse_model(self.rows.model, {**current.model_dump(), **changes})
            diff = audit_changes(current.model_dump(mode="json"), merged.model_dump(mode="json"))
            if not diff:
                return current
            check_refs(self.session, org_id, merged.model_dump(include=set(diff)), self.refs)
            self._refuse_if_archived(org_id, [current, merged])
            self._check_write(merged, current)
            values = {f: v for f, v in self.rows.to_row(merged).items() if f in diff}
            stmt = update(self.table).where(
                self.table.c.id == ident, self.table.c.org_id == org_id, self.table.c.version == version
            )
            if rowcount(self.session.execute(stmt.values(**values, version=self.table.c.version + 1))) == 1:
                break
            if expected_version is not None:
                raise StaleVersion(
                    self.kind, ident, expected=expected_version, current=self._version(org_id, ident)
                )
        else:
            raise Conflict(f"{self.kind} {ident!r} kept changing while this change was applied; try again")
        updated = merged.model_copy(update={"version": version + 1})
        if self.link is not None and self.link.field in diff:
            self._write_links(updated, replace=True)
        self._audit(updated, action, diff, actor, reason, at)
        return updated

    def delete(
        self,
        org_id: str,
        ident: str,
        *,
        expected_version: int | None,
        actor: str,
        reason: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """Delete the record (at ``expected_version``) and audit what it held."""
        at = now_or(at)
        current = self.get(org_id, ident)
        version: int = current.version
        if expected_version is not None and version != expected_version:
            raise StaleVersion(self.kind, ident, expected=expected_version, current=version)
        self._refuse_if_archived(org_id, [current])
        stmt = delete(self.table).where(
            self.table.c.id == ident, self.table.c.org_id == org_id, self.table.c.version == version
        )
        try:
            with self.session.begin_nested():
                deleted = rowcount(self.session.execute(stmt))
        except IntegrityError:
            raise Conflict(
                f"{self.kind} {ident!r} is still referenced by other records; remove those first"
            ) from None
        if deleted != 1:
            raise StaleVersion(self.kind, ident, expected=version, current=self._version(org_id, ident))
        self._audit(
            current, "delete", audit_changes(current.model_dump(mode="json"), None), actor, reason, at
        )

    # ------------------------------------------------------------ hooks and helpers

    def _check_write(self, new: V, old: V | None) -> None:
        """Subclass hook: checks that need the database (the task graph)."""

    def _cycle_ids(self, items: Sequence[V]) -> set[str]:
        raise NotImplementedError

    def _refuse_if_archived(self, org_id: str, items: Sequence[V]) -> None:
        refuse_if_archived(self.session, self._cycle_ids(items))

    def _version(self, org_id: str, ident: str) -> int:
        version = self.session.scalar(
            select(self.table.c.version).where(self.table.c.id == ident, self.table.c.org_id == org_id)
        )
        if version is None:
            raise NotFound(self.kind, ident)
        return int(version)

    def _write_links(self, item: V, *, replace: bool = False) -> None:
        link = self.link
        if link is None:
            return
        ident: str = item.id
        if replace:
            self.session.execute(delete(link.table).where(link.table.c[link.owner] == ident))
        targets: list[str] = list(dict.fromkeys(getattr(item, link.field)))
        if targets:
            org_id: str = item.org_id
            rows = [
                {link.owner: ident, link.target: t, "org_id": org_id, "position": i}
                for i, t in enumerate(targets)
            ]
            self.session.execute(insert(link.table), rows)

    def _audit(
        self,
        item: V,
        action: str,
        changes: dict[str, list[Any]],
        actor: str,
        reason: str | None,
        at: datetime,
    ) -> None:
        self.audit.record(
            item.org_id, self.subject, item.id, action, actor=actor, at=at, changes=changes, reason=reason
        )


class ObjectiveStore(PlanStore[Objective]):
    rows = RowMap(Objective, objectives, links=("aligned_to",))
    kind = "objective"
    subject = SubjectType.OBJECTIVE
    refs: ClassVar[Mapping[str, Ref]] = {
        "cycle_id": Ref(cycles, "cycle"),
        "owner_id": Ref(people, "person"),
        "team_id": Ref(teams, "team"),
        "aligned_to": Ref(objectives, "objective", many=True),
    }
    link = Link("aligned_to", objective_alignments, "objective_id", "parent_id")

    def list_for_cycle(
        self, org_id: str, cycle_id: str, *, team_id: str | None = None, owner_id: str | None = None
    ) -> list[Objective]:
        where = [objectives.c.org_id == org_id, objectives.c.cycle_id == cycle_id]
        if team_id is not None:
            where.append(objectives.c.team_id == team_id)
        if owner_id is not None:
            where.append(objectives.c.owner_id == owner_id)
        return self._select(*where)

    def list_aligned_to(self, org_id: str, parent_id: str) -> list[Objective]:
        """The objectives aligned to ``parent_id`` (its children in the alignment tree)."""
        children = select(objective_alignments.c.objective_id).where(
            objective_alignments.c.parent_id == parent_id
        )
        return self._select(objectives.c.org_id == org_id, objectives.c.id.in_(children))

    def _cycle_ids(self, items: Sequence[Objective]) -> set[str]:
        return {o.cycle_id for o in items}


class KeyResultStore(PlanStore[KeyResult]):
    rows = RowMap(KeyResult, key_results)
    kind = "key result"
    subject = SubjectType.KEY_RESULT
    refs: ClassVar[Mapping[str, Ref]] = {
        "objective_id": Ref(objectives, "objective"),
        "owner_id": Ref(people, "person"),
    }

    def list_for_objective(self, org_id: str, objective_id: str) -> list[KeyResult]:
        return self._select(key_results.c.org_id == org_id, key_results.c.objective_id == objective_id)

    def list_for_cycle(self, org_id: str, cycle_id: str, *, owner_id: str | None = None) -> list[KeyResult]:
        in_cycle = select(objectives.c.id).where(objectives.c.cycle_id == cycle_id)
        where = [key_results.c.org_id == org_id, key_results.c.objective_id.in_(in_cycle)]
        if owner_id is not None:
            where.append(key_results.c.owner_id == owner_id)
        return self._select(*where)

    def _cycle_ids(self, items: Sequence[KeyResult]) -> set[str]:
        ids = {kr.objective_id for kr in items}
        return set(self.session.scalars(select(objectives.c.cycle_id).where(objectives.c.id.in_(ids))))
