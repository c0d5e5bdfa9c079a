"""What every store shares: ids, row <-> model mapping, org-scoped reference checks, idempotent inserts,
cursor pages."""

from __future__ import annotations

import base64
import gc
import json
import secrets
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Select,
    Table,
    Text,
    any_,
    bindparam,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from okrflow.domain.errors import Conflict, NotFound, Problem, ValidationFailed
from okrflow.domain.model import SubjectType, parse_model
from okrflow.store.driver import driver_insert
from okrflow.store.tables import SUBJECT_TABLES

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def new_id() -> str:
    """A new opaque id: a millisecond timestamp then 64 random bits, so ids sort by creation time."""
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(8)}"


def now_or(at: datetime | None) -> datetime:
    """``at`` if given (workflows pass their own clock), else the wall clock, at the store boundary."""
    if at is None:
        return datetime.now(UTC)
    if at.tzinfo is None:
        raise ValueError("at: must include a time zone offset")
    return at


class RowMap(Generic[M]):
    """Maps a domain model to the columns of its table (same names) and back.

    ``nested`` fields are models stored as JSON; ``links`` fields are lists kept in link tables
    and filled in by the store.
    """

    def __init__(
        self,
        model: type[M],
        table: Table,
        *,
        nested: Mapping[str, type[BaseModel]] | None = None,
        links: Sequence[str] = (),
    ) -> None:
        self.model = model
        self.table = table
        self.nested = dict(nested or {})
        self.links = tuple(links)
        self.fields = tuple(c.key for c in table.columns if c.key in model.model_fields)
        self.plain = tuple(f for f in self.fields if f not in self.nested)
        missing = set(model.model_fields) - set(self.fields) - set(self.links)
        if missing:
            raise TypeError(f"{model.__name__}: no column for {sorted(missing)} in {table.name}")

    def to_row(self, item: M) -> dict[str, Any]:
        row = {f: getattr(item, f) for f in self.plain}
        for f in self.nested:
            value = getattr(item, f)
            row[f] = None if value is None else value.model_dump(mode="json")
        return row

    def from_row(self, row: Mapping[str, Any], **links: Any) -> M:
        """Build the model from a trusted row (written by the store, so already valid)."""
        values = {f: row[f] for f in self.plain}
        for f, nested_model in self.nested.items():
            raw = row[f]
            values[f] = None if raw is None else nested_model.model_validate(raw)
        values.update(links)
        return self.model.model_construct(**values)


@dataclass(frozen=True)
class Ref:
    """A field of a record that names another record, which must exist in the same org."""

    table: Table
    kind: str  # "person", "team", ... as users read it
    many: bool = False


def check_refs(session: Session, org_id: str, values: Mapping[str, Any], refs: Mapping[str, Ref]) -> None:
    """Refuse references to records that do not exist in ``org_id`` (the only way to another org's data)."""
    problems: list[Problem] = []
    for name, ref in refs.items():
        value = values.get(name)
        ids = list(value or ()) if ref.many else ([] if value is None else [value])
        if not ids:
            continue
        found = set(
            session.scalars(
                select(ref.table.c.id).where(ref.table.c.id.in_(set(ids)), ref.table.c.org_id == org_id)
            )
        )
        problems += [Problem((name,), f"no {ref.kind} {i!r} in this org") for i in ids if i not in found]
    if problems:
        raise ValidationFailed(problems)


def check_subject(session: Session, org_id: str, subject_type: SubjectType, subject_id: str) -> None:
    """Refuse a subject (what a comment, flag or change request is about) that is not in ``org_id``.

    An org is a subject of its own org.
    """
    table = SUBJECT_TABLES[subject_type]
    in_org = table.c.org_id == org_id if "org_id" in table.c else table.c.id == org_id
    if session.scalar(select(table.c.id).where(table.c.id == subject_id, in_org)) is None:
        raise ValidationFailed([Problem(("subject_id",), f"no {subject_type} {subject_id!r} in this org")])


def insert_ignoring_conflicts(
    session: Session, table: Table, rows: Sequence[Mapping[str, Any]], conflict: Sequence[str]
) -> int:
    """INSERT ... ON CONFLICT (conflict) DO NOTHING, straight to the driver; returns how many rows
    were inserted. Every row has the same columns."""
    if not rows:
        return 0
    columns = tuple(rows[0])
    return driver_insert(
        session, table, columns, [tuple(r[c] for c in columns) for r in rows], skip_conflicts_on=conflict
    )


def upsert(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    conflict: Sequence[str],
    *,
    replace: Sequence[str] | None = None,
) -> None:
    """INSERT ... ON CONFLICT (conflict) DO UPDATE, straight to the driver: a stored row takes the new
    values of ``replace`` (default: every column given that is not in ``conflict``). Every row has
    the same columns."""
    if not rows:
        return
    columns = tuple(rows[0])
    if replace is None:
        replace = [k for k in columns if k not in conflict]
    values = [tuple(r[c] for c in columns) for r in rows]
    driver_insert(session, table, columns, values, replace_on=(conflict, replace))


def get_row(session: Session, table: Table, org_id: str, ident: str, kind: str) -> Mapping[str, Any]:
    row = (
        session.execute(select(table).where(table.c.id == ident, table.c.org_id == org_id)).mappings().first()
    )
    if row is None:
        raise NotFound(kind, ident)
    return row


# ---------------------------------------------------------------- cursor pages


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, newest first; pass ``next_cursor`` back to get the next page."""

    items: list[T] = field(default_factory=list)
    next_cursor: str | None = None


def _encode_cursor(at: datetime, ident: str) -> str:
    raw = json.dumps([at.isoformat(), ident]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at_text, ident = json.loads(raw)
        at = datetime.fromisoformat(at_text)
        if at.tzinfo is None or not isinstance(ident, str):
            raise ValueError
    except (ValueError, TypeError) as exc:
        raise ValidationFailed([Problem(("cursor",), "is not a cursor this server returned")]) from exc
    return at, ident


def paginate(
    session: Session,
    stmt: Select[Any],
    *,
    at_column: ColumnElement[datetime],
    id_column: ColumnElement[str],
    limit: int,
    cursor: str | None,
    build: Callable[[Mapping[str, Any]], T],
    at_of: Callable[[T], datetime],
    id_of: Callable[[T], str],
) -> Page[T]:
    """Keyset pagination by (time, id) descending: stable under concurrent inserts, index-friendly."""
    if not 1 <= limit <= 1000:
        raise ValidationFailed([Problem(("limit",), "must be between 1 and 1000")])
    if cursor is not None:
        at, ident = _decode_cursor(cursor)
        stmt = stmt.where(or_(at_column < at, (at_column == at) & (id_column < ident)))
    rows = session.execute(stmt.order_by(at_column.desc(), id_column.desc()).limit(limit + 1)).mappings()
    items = [build(r) for r in rows]
    if len(items) <= limit:
        return Page(items, None)
    items = items[:limit]
    return Page(items, _encode_cursor(at_of(items[-1]), id_of(items[-1])))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects at once.

    Each full collection walks every live object; while a snapshot builds hundreds of thousands
    of models, the collector would run again and again over a growing heap (seen: 40x slower
    reads). Nothing built here forms reference cycles, so nothing is lost by waiting.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def among(session: Session, column: ColumnElement[Any], ids: Collection[str]) -> list[ColumnElement[bool]]:
    """Conditions that, one query each, select the rows whose ``column`` is in ``ids``.

    PostgreSQL: one ``= ANY(ARRAY[...])`` with the ids written into the statement. As a bound
    parameter, the statement would be the same text every time: psycopg prepares it after five
    runs, and PostgreSQL's generic plan for a prepared ``= ANY($1)`` compares every row with
    every id (seen: 120 ms instead of 1 ms for a review batch's open ladders), where a constant
    array is hashed. SQLite: ``IN`` lists of at most 2,000 ids (its parameter limit).
    """
    ordered = sorted(set(ids))
    if not ordered:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return [column == any_(bindparam(None, ordered, type_=ARRAY(Text), literal_execute=True))]
    return [column.in_(batch) for batch in chunks(ordered, 2_000)]


def chunks(items: Iterable[T], size: int) -> Iterable[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# ---------------------------------------------------------------- plain records


class RecordStore(Generic[M]):
    """get / add / update for a record without a version; subclasses set ``rows``, ``kind`` and ``refs``."""

    rows: RowMap[M]
    kind: str
    refs: ClassVar[Mapping[str, Ref]] = {}
    immutable: ClassVar[frozenset[str]] = frozenset({"id", "org_id"})

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def table(self) -> Table:
        return self.rows.table

    def get(self, org_id: str, ident: str) -> M:
        """The record, or ``NotFound`` (also when it belongs to another org)."""
        return self.rows.from_row(get_row(self.session, self.table, org_id, ident, self.kind))

    def get_many(self, org_id: str, ids: Collection[str]) -> dict[str, M]:
        """The records of ``org_id`` among ``ids``, by id (unknown ids are absent)."""
        out: dict[str, M] = {}
        for batch in chunks(sorted(set(ids)), 500):
            for item in self._select(self.table.c.org_id == org_id, self.table.c.id.in_(batch)):
                out[item_id(item)] = item
        return out

    def add(self, item: M) -> M:
        item = parse_model(self.rows.model, item.model_dump())
        org_id = getattr(item, "org_id", None) or getattr(item, "id")  # noqa: B009 (an Org is its own org)
        check_refs(self.session, org_id, item.model_dump(), self.refs)
        self._insert(item)
        return item

    def update(self, org_id: str, ident: str, changes: Mapping[str, Any]) -> M:
        """Apply ``changes`` (field -> new value), validated against the whole record."""
        refuse_immutable(changes, self.immutable)
        current = self.get(org_id, ident)
        merged = parse_model(self.rows.model, {**current.model_dump(), **changes})
        changed = {f: v for f, v in self.rows.to_row(merged).items() if f in changes}
        check_refs(self.session, org_id, merged.model_dump(include=set(changes)), self.refs)
        if changed:
            self.session.execute(
                update(self.table)
                .where(self.table.c.id == ident, self.table.c.org_id == org_id)
                .values(**changed)
            )
        return merged

    def _insert(self, item: M) -> None:
        insert_row(self.session, self.table, self.rows.to_row(item), self.kind, item_id(item))

    def _select(self, *where: ColumnElement[bool], order_by: Sequence[Any] = ()) -> list[M]:
        stmt = select(self.table).where(*where).order_by(*(order_by or (self.table.c.id,)))
        return [self.rows.from_row(r) for r in self.session.execute(stmt).mappings()]


def rowcount(result: Any) -> int:
    """How many rows an UPDATE or DELETE touched."""
    return int(cast(CursorResult[Any], result).rowcount)


def item_id(item: BaseModel) -> str:
    return str(getattr(item, "id", ""))


def refuse_immutable(changes: Mapping[str, Any], immutable: frozenset[str]) -> None:
    bad = sorted(immutable & set(changes))
    if bad:
        raise ValidationFailed([Problem((f,), "cannot be changed") for f in bad])


def insert_row(session: Session, table: Table, row: Mapping[str, Any], kind: str, ident: str) -> None:
    """Insert one row; a clash with a stored row becomes ``Conflict`` and leaves the transaction usable."""
    insert_rows(session, table, [row], clash=f"{kind} {ident!r} clashes with a stored record")


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]], *, clash: str) -> None:
    """Insert rows (all with the same columns) in one driver call; a clash with a stored row becomes
    ``Conflict`` ("<clash>: <why>") and leaves the transaction usable."""
    if not rows:
        return
    columns = tuple(rows[0])
    try:
        with session.begin_nested():
            driver_insert(session, table, columns, [tuple(r[c] for c in columns) for r in rows])
    except IntegrityError as exc:
        why = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        raise Conflict(f"{clash}: {why}") from None
