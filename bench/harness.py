"""What the benchmark scripts share: timing a call, a percentile, and the raw driver calls their
baselines are measured with (no SQLAlchemy, no models: the rows as the driver returns them).

The scripts run as ``python bench/<name>.py``; each puts the repository root on ``sys.path`` first and
then imports this module as ``bench.harness``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from sqlalchemy import Engine

T = TypeVar("T")

Query = tuple[str, tuple[Any, ...]]  # SQL with the driver's parameter marks, and the parameters


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    """The seconds ``fn()`` took, and what it returned."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


async def timed_async(work: Awaitable[T]) -> tuple[float, T]:
    """The seconds awaiting ``work`` took, and what it returned."""
    start = time.perf_counter()
    result = await work
    return time.perf_counter() - start, result


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0 < q <= 1) of ``values`` by nearest rank: p95 is the value 95% of them are at
    or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def placeholder(dialect: str) -> str:
    """The driver's parameter mark: ``?`` for sqlite3, ``%s`` for psycopg."""
    return "?" if dialect == "sqlite" else "%s"


def driver_instant(dialect: str, at: datetime) -> Any:
    """An aware instant as the driver compares it with stored ones: naive UTC text on SQLite."""
    if dialect == "sqlite":
        return at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    return at


def fetch_count(engine: Engine, queries: Sequence[Query]) -> int:
    """Run every query on a raw driver connection, fetching every row; how many rows came back."""
    conn = engine.raw_connection()
    n = 0
    try:
        cur = conn.cursor()
        for sql, params in queries:
            cur.execute(sql, params)
            n += len(cur.fetchall())
        conn.rollback()
    finally:
        conn.close()
    return n
