"""Column types shared by every table: aware UTC datetimes, enums as short strings, portable JSON."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, Generic, TypeVar

import pydantic_core
from sqlalchemy import JSON, Boolean, ColumnElement, Date, DateTime, String, Text, cast, type_coerce
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import NullType, TypeDecorator, TypeEngine

E = TypeVar("E", bound=Enum)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC; always read back as an aware UTC datetime.

    PostgreSQL stores ``timestamptz``. SQLite has no time zones, so the value is stored as naive
    UTC text, which also keeps string comparison and ordering correct. Naive datetimes are refused
    on the way in: a time without a zone is ambiguous and would silently shift.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SQLiteUTCDateTime())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = _aware(value).astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is UTC:
            return value
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class DateOnly(TypeDecorator[date]):
    """A calendar date; the same as ``Date``, read faster on SQLite (snapshots read hundreds of thousands)."""

    impl = Date()
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SQLiteDate())
        return dialect.type_descriptor(Date())


# SQLite hands back text; SQLAlchemy parses it with a regular expression. Every value here was
# written by SQLAlchemy in ISO format, which the C-level ``fromisoformat`` reads several times faster.


def parse_sqlite_utc(value: str) -> datetime:
    """UTC text as SQLAlchemy writes it to SQLite, read as an aware datetime (appending the offset is
    4x faster than ``.replace(tzinfo=UTC)``, and yields the ``UTC`` singleton)."""
    return datetime.fromisoformat(value + "+00:00")


class _SQLiteUTCDateTime(sqlite.DATETIME):
    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        def process(value: str | None) -> datetime | None:
            return None if value is None else parse_sqlite_utc(value)

        return process


class _SQLiteDate(sqlite.DATE):
    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        def process(value: str | None) -> date | None:
            return None if value is None else date.fromisoformat(value)

        return process


class EnumText(TypeDecorator[E], Generic[E]):
    """A ``StrEnum`` stored as its short string value and read back as the enum member."""

    impl = String(32)
    cache_ok = True

    def __init__(self, enum: type[E]) -> None:
        super().__init__()
        self.enum = enum
        self.members: dict[str, E] = {str(m.value): m for m in enum}

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, self.enum):
            return str(value.value)
        return str(self.enum(value).value)  # a plain string must name a member

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        return None if value is None else self.members[value]


def json_type(*, none_as_null: bool = False) -> TypeEngine[Any]:
    """JSON everywhere, JSONB on PostgreSQL."""
    return JSON(none_as_null=none_as_null).with_variant(JSONB(none_as_null=none_as_null), "postgresql")


# ---------------------------------------------------------------- raw driver values, for bulk paths
#
# Bulk loads and snapshots skip SQLAlchemy's per-value processing (two or three Python calls per
# value) and convert with one function per column instead. These must agree with the types above:
# tests load in bulk and read back through the stores, and the other way round.


def json_dumps(value: Any) -> str:
    """JSON text; pydantic-core also serialises dates, datetimes, enums, sets and models."""
    return pydantic_core.to_json(value).decode()


def json_loads(value: str | bytes) -> Any:
    """Several times faster than ``json.loads`` on the small lists snapshots read by the hundred thousand.

    Most of those lists are empty (no blockers, no collaborators): ``"[]"`` needs no parser.
    """
    if value == "[]":
        return []
    return pydantic_core.from_json(value)


def _sqlite_utc_text(value: datetime) -> str:
    _aware(value)
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # SQLAlchemy's format (always with microseconds: text comparison stays correct), minus "+00:00"
    return value.isoformat(sep=" ", timespec="microseconds")[:-6]


def _aware(value: datetime) -> datetime:
    """``value``, refused when it is naive: a time without a zone is ambiguous and would silently shift."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} given; okrflow stores aware datetimes only")
    return value


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def bind_converter(kind: TypeEngine[Any], dialect: str) -> Callable[[Any], Any] | None:
    """What turns a model's value into the driver's for a column of this type (None: nothing to do)."""
    if isinstance(kind, EnumText):
        enum = kind.enum
        return lambda v: v.value if isinstance(v, enum) else enum(v).value
    if isinstance(kind, UTCDateTime):
        return _sqlite_utc_text if dialect == "sqlite" else _aware
    if isinstance(kind, DateOnly):
        return date.isoformat if dialect == "sqlite" else None
    if isinstance(kind, JSON):
        return json_dumps  # text; PostgreSQL takes it as jsonb where ``bind_mark`` casts it
    return None


def bind_mark(kind: TypeEngine[Any], dialect: str) -> str:
    """The driver's parameter mark for a column of this type, as ``bind_converter`` fills it.

    JSON goes to PostgreSQL as text cast to jsonb: psycopg's ``Jsonb`` wrapper would serialise
    the same text through one more Python call per value (a review writes 60,000).
    """
    if dialect == "sqlite":
        return "?"
    return "%s::jsonb" if isinstance(kind, JSON) else "%s"


def raw_column(column: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
    """The column as a bulk read selects it: the driver's value, left to ``result_converter``.

    PostgreSQL sends JSON as text: psycopg's own jsonb loader copies every value into ``bytes``
    and parses it in a Python call, even the empty lists most rows hold, while text comes back
    as ``str`` from its C loader and ``json_loads`` skips those lists (a snapshot reads 550,000
    JSON values). The values are the same: both parse the server's text form of the jsonb.
    """
    if dialect == "postgresql" and isinstance(column.type, JSON):
        column = cast(column, Text)
    return type_coerce(column, NullType())


def result_converter(kind: TypeEngine[Any], dialect: str) -> Callable[[Any], Any] | None:
    """What turns the driver's value, selected as ``raw_column`` selects it, into the model's for a
    column of this type (None: nothing to do)."""
    if isinstance(kind, EnumText):
        return kind.members.__getitem__
    if isinstance(kind, UTCDateTime):
        return parse_sqlite_utc if dialect == "sqlite" else _as_utc
    if isinstance(kind, JSON):
        return json_loads
    if dialect != "sqlite":
        return None  # psycopg already returns dates and booleans
    if isinstance(kind, DateOnly):
        return date.fromisoformat
    if isinstance(kind, Boolean):
        return bool
    return None
