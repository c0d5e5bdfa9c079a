"""Fast inserts of many trusted domain records (the synthetic generator, imports, benchmarks).

Rows go straight to the driver in chunks, each value converted by one function per column (the
same conversions the column types make): ``executemany`` on SQLite, ``COPY`` on PostgreSQL.
Records are trusted: no per-record reference or archived-cycle checks, no versions bumped.
Foreign keys still hold; the org chart's are checked at commit, so people, teams and managers
can come in any order. Planner statistics are refreshed after a big load.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Table, text
from sqlalchemy.orm import Session

from okrflow.domain.model import (
    AuditEntry,
    CalendarEvent,
    CheckIn,
    Cycle,
    HealthPulse,
    KeyResult,
    Objective,
    Org,
    Person,
    SubjectType,
    Task,
    Team,
)
from okrflow.store.audit import ROWS as AUDIT_ROWS
from okrflow.store.base import RowMap, gc_paused, new_id, now_or
from okrflow.store.checkins import CheckInStore, EventStore, PulseStore
from okrflow.store.driver import column_converters, converted, driver_insert
from okrflow.store.org import CycleStore, OrgStore, PeopleStore, TeamStore
from okrflow.store.plan import KeyResultStore, ObjectiveStore, audit_changes
from okrflow.store.tables import objective_alignments, task_dependencies
from okrflow.store.tasks import TaskStore

CHUNK = 5_000
ANALYZE_AFTER = 10_000  # rows loaded


def bulk_load(
    session: Session,
    *,
    orgs: Iterable[Org] = (),
    people: Iterable[Person] = (),
    teams: Iterable[Team] = (),
    cycles: Iterable[Cycle] = (),
    objectives: Iterable[Objective] = (),
    key_results: Iterable[KeyResult] = (),
    tasks: Iterable[Task] = (),
    check_ins: Iterable[CheckIn] = (),
    pulses: Iterable[HealthPulse] = (),
    events: Iterable[CalendarEvent] = (),
    audit: bool = False,
    actor: str = "system:bulk_load",
    at: datetime | None = None,
    chunk_size: int = CHUNK,
) -> dict[str, int]:
    """Insert the records, parents before children, in ``session``'s transaction (flushed, not committed).

    Args:
        audit: also write a "create" audit entry (by ``actor`` at ``at``) for each objective, key
            result and task, as the stores' ``add`` would.

    Returns:
        How many rows went into each table.
    """
    with gc_paused():
        counts: dict[str, int] = {}
        objectives = list(objectives)
        key_results = list(key_results)
        tasks = list(tasks)

        def load(rows_map: RowMap[Any], items: Iterable[BaseModel], **constant: Any) -> None:
            fields = rows_map.fields
            get = attrgetter(*fields)
            rows = (get(item) + tuple(constant.values()) for item in items)
            counts[rows_map.table.name] = _insert(
                session, rows_map.table, [*fields, *constant], rows, chunk_size
            )

        def links(table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
            counts[table.name] = _insert(session, table, columns, rows, chunk_size)

        load(OrgStore.rows, orgs)
        load(TeamStore.rows, teams)
        load(PeopleStore.rows, people)
        load(CycleStore.rows, cycles)
        load(ObjectiveStore.rows, objectives)
        links(
            objective_alignments,
            ("objective_id", "parent_id", "org_id", "position"),
            ((o.id, p, o.org_id, i) for o in objectives for i, p in enumerate(dict.fromkeys(o.aligned_to))),
        )
        load(KeyResultStore.rows, key_results)
        load(TaskStore.rows, tasks)
        links(
            task_dependencies,
            ("task_id", "depends_on_id", "org_id", "position"),
            ((t.id, d, t.org_id, i) for t in tasks for i, d in enumerate(dict.fromkeys(t.depends_on))),
        )
        load(CheckInStore.rows, check_ins, idempotency_key=None)
        load(PulseStore.rows, pulses)
        load(EventStore.rows, events)
        if audit:
            when = now_or(at)
            created = (
                AuditEntry.model_construct(
                    id=new_id(),
                    org_id=item.org_id,
                    at=when,
                    actor_id=actor,
                    subject_type=subject,
                    subject_id=item.id,
                    action="create",
                    changes=audit_changes(None, item.model_dump(mode="json")),
                    reason=None,
                )
                for subject, items in (
                    (SubjectType.OBJECTIVE, objectives),
                    (SubjectType.KEY_RESULT, key_results),
                    (SubjectType.TASK, tasks),
                )
                for item in items
            )
            load(AUDIT_ROWS, created)
        if sum(counts.values()) >= ANALYZE_AFTER:
            _analyze(session, [name for name, n in counts.items() if n])
        return counts


def _analyze(session: Session, table_names: Sequence[str]) -> None:
    """Refresh the planner's statistics: right after a big load they describe empty tables, and
    PostgreSQL then picks plans that read a cycle several times slower (autovacuum fixes it later)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA analysis_limit = 1000"))  # sample, do not scan everything
    for name in table_names:
        session.execute(text(f"ANALYZE {name}"))


def _insert(
    session: Session, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]], chunk_size: int
) -> int:
    """Send rows straight to the driver (SQLite: executemany; PostgreSQL: COPY), converting only the
    columns whose type needs it."""
    conn = session.connection()
    dialect = conn.dialect
    if dialect.name != "postgresql":
        return driver_insert(session, table, columns, rows, chunk_size=chunk_size)
    # COPY is about twice as fast as psycopg's pipelined executemany for the same rows.
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    table_name = dialect.identifier_preparer.format_table(table)
    converters = column_converters(table, columns, dialect.name)
    raw = conn.connection.driver_connection
    assert raw is not None
    n = 0
    with raw.cursor() as cursor, cursor.copy(f"COPY {table_name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(converted(row, converters))
            n += 1
    return n


__all__: Sequence[str] = ["bulk_load"]
