"""Many rows in one driver call: ``executemany`` with each value converted by one function per column.

SQLAlchemy's own executemany processes every parameter of every row through the statement's
compiled form; for the tens of thousands of rows a weekly review writes (flags, digest lines,
notifications) that bookkeeping costs several times the insert itself. Here the statement is
built once and the rows go to the driver as tuples, converted as the column types would
(``okrflow.store.types.bind_converter``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from okrflow.store.types import bind_converter, bind_mark

CHUNK = 5_000  # rows per driver call


def driver_insert(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    skip_conflicts_on: Sequence[str] | None = None,
    replace_on: tuple[Sequence[str], Sequence[str]] | None = None,
    chunk_size: int = CHUNK,
) -> int:
    """INSERT the rows (values in ``columns`` order) in ``session``'s transaction.

    Args:
        skip_conflicts_on: the columns of a unique key: a row whose key is already stored is
            skipped (``ON CONFLICT (...) DO NOTHING``) instead of failing the statement.
        replace_on: (the columns of a unique key, the columns to replace): a row whose key is
            already stored replaces those columns of the stored row (``ON CONFLICT ... DO UPDATE``).

    Returns:
        How many rows were inserted or replaced (skipped rows do not count).
    """
    conn = session.connection()
    dialect = conn.dialect
    quote = dialect.identifier_preparer.quote
    marks = ", ".join(bind_mark(table.c[c].type, dialect.name) for c in columns)
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(c) for c in columns)}) VALUES ({marks})"
    )
    if skip_conflicts_on is not None:
        sql += f" ON CONFLICT ({', '.join(quote(c) for c in skip_conflicts_on)}) DO NOTHING"
    elif replace_on is not None:
        key, replaced = replace_on
        assignments = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in replaced)
        sql += f" ON CONFLICT ({', '.join(quote(c) for c in key)}) DO UPDATE SET {assignments}"
    converters = [
        (i, f)
        for i, c in enumerate(columns)
        if (f := bind_converter(table.c[c].type, dialect.name)) is not None
    ]
    inserted = 0
    source = iter(rows)
    while batch := list(islice(source, chunk_size)):
        if converters:
            batch = [converted(row, converters) for row in batch]
        inserted += conn.exec_driver_sql(sql, batch).rowcount  # the driver sums executemany's counts
    return inserted


Converters = list[tuple[int, Callable[[Any], Any]]]


def column_converters(table: Table, columns: Sequence[str], dialect: str) -> Converters:
    """(position, converter) of each column whose model values the driver cannot take as they are."""
    found = ((i, bind_converter(table.c[c].type, dialect)) for i, c in enumerate(columns))
    return [(i, f) for i, f in found if f is not None]


def converted(row: Sequence[Any], converters: Converters) -> tuple[Any, ...]:
    """The row's values as the driver takes them (None stays None)."""
    values = list(row)
    for i, convert in converters:
        value = values[i]
        if value is not None:
            values[i] = convert(value)
    return tuple(values)


__all__: Sequence[str] = ["column_converters", "converted", "driver_insert"]
