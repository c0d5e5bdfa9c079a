"""Engines, sessions and the unit of work.

SQLite (the embedded default) gets WAL, foreign keys, a busy timeout and real transactions:
pysqlite's own transaction handling is switched off so that SQLAlchemy emits ``BEGIN`` itself,
which makes savepoints and transactional DDL (Alembic) work. Write transactions start with
``BEGIN IMMEDIATE`` so two writers wait for each other (up to the busy timeout) instead of one
failing with "database is locked" when it upgrades a read lock; a read-only session factory
(``make_session_factory(engine, read_only=True)``) uses a deferred ``BEGIN`` so long reads (a
weekly-review snapshot) do not hold the write lock. PostgreSQL uses psycopg 3.

Stores flush and never commit: ``unit_of_work`` commits once, at the boundary (a request, an
activity), and rolls back on any error.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # not on Windows: SQLite's own lock alone keeps processes apart
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session, sessionmaker

from okrflow.runtime.settings import normalise_database_url
from okrflow.store.types import json_dumps, json_loads

SQLITE_BUSY_TIMEOUT_MS = 15_000
_BEGIN_OPTION = "okrflow_sqlite_begin"
_WRITER = "okrflow_sqlite_writer"  # set on a connection while it holds the process's writer lock


@dataclass(frozen=True)
class DatabaseSpec:
    """What ``make_engine`` was given: enough to open the same database in another process."""

    url: str
    schema: str | None = None

    def engine(self) -> Engine:
        return make_engine(self.url, schema=self.schema)


_SPECS: weakref.WeakKeyDictionary[Engine, DatabaseSpec] = weakref.WeakKeyDictionary()


def database_spec(engine: Engine) -> DatabaseSpec | None:
    """How another process opens ``engine``'s database; None: it cannot (an in-memory SQLite
    database, or an engine not made by ``make_engine``)."""
    return _SPECS.get(engine)


def make_engine(url: str, *, schema: str | None = None, echo: bool = False, **kwargs: Any) -> Engine:
    """Create an engine for a SQLite file (its parent directory is created) or PostgreSQL.

    Args:
        url: a SQLAlchemy URL; ``postgresql://`` and ``postgres://`` use psycopg 3.
        schema: PostgreSQL only: the schema every unqualified name resolves to (``search_path``).
        echo: log every statement.
        **kwargs: passed to ``create_engine`` (pool sizes, ...).
    """
    sa_url = make_url(normalise_database_url(url))
    backend = sa_url.get_backend_name()
    if backend == "sqlite":
        if schema is not None:
            raise ValueError("schema= is for PostgreSQL; a SQLite database has a single schema")
        database = sa_url.database or ""
        in_memory = database in ("", ":memory:") or "mode=memory" in str(sa_url)
        path = None if in_memory or database.startswith("file:") else str(Path(database).expanduser())
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            sa_url, echo=echo, json_serializer=json_dumps, json_deserializer=json_loads, **kwargs
        )
        _configure_sqlite(engine, path)
        if not in_memory:
            _SPECS[engine] = DatabaseSpec(sa_url.render_as_string(hide_password=False))
        return engine
    if backend == "postgresql":
        connect_args = dict(kwargs.pop("connect_args", {}))
        # Sessions in UTC: timestamps come back in UTC (the UTCDateTime fast path) and date math is stable.
        options = [connect_args.get("options", ""), "-c timezone=UTC"]
        if schema is not None:
            if not schema.replace("_", "").isalnum():
                raise ValueError(f"schema name {schema!r}: use letters, digits and underscores only")
            options.append(f"-c search_path={schema}")
        connect_args["options"] = " ".join(o for o in options if o)
        kwargs.setdefault("pool_pre_ping", True)
        engine = create_engine(
            sa_url,
            echo=echo,
            json_serializer=json_dumps,
            json_deserializer=json_loads,
            connect_args=connect_args,
            **kwargs,
        )
        event.listen(engine, "connect", _prefer_lz4)
        _SPECS[engine] = DatabaseSpec(sa_url.render_as_string(hide_password=False), schema)
        return engine
    raise ValueError(f"database URL {sa_url.render_as_string()!r}: okrflow supports sqlite and postgresql")


# Large JSON values (a review stores 1,700 weekly sheets of ~18 kB) are compressed when stored:
# lz4 does that several times faster than the default pglz (a third less time to store a
# review's sheets) and reads back faster too. Only a server built without lz4 keeps pglz; the
# values read back the same either way.
_PREFER_LZ4 = (
    "SELECT set_config('default_toast_compression', 'lz4', false) FROM pg_settings"
    " WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
)


def _prefer_lz4(dbapi_connection: Any, _record: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute(_PREFER_LZ4)
    dbapi_connection.commit()  # a session setting made in a transaction that rolls back is undone


def _configure_sqlite(engine: Engine, path: str | None) -> None:
    # Writers queue on a gate before ``BEGIN IMMEDIATE``: the next one starts as soon as the last
    # one ends, where SQLite's busy handler would have it sleep and poll (up to 100 ms at a time;
    # seen: a weekly review's two processes losing 300 ms each that way). SQLite's own lock still
    # decides who writes: the gate only orders the writers that wait.
    gate = _WriterGate(path)
    gate_timeout = SQLITE_BUSY_TIMEOUT_MS / 1000

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy (see the module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "IMMEDIATE")
        # Past the timeout (a writer of this thread holds the gate, say) SQLite's lock decides alone.
        if mode == "IMMEDIATE" and gate.acquire(timeout=gate_timeout):
            conn.info[_WRITER] = True
        try:
            conn.exec_driver_sql(f"BEGIN {mode}")
        except BaseException:
            _on_end(conn)
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(conn: Connection) -> None:
        if conn.info.pop(_WRITER, False):
            gate.release()


class _WriterGate:
    """The writers of one SQLite database file: those of this process queue on a lock, and the
    holder of that lock queues with other processes' on an advisory lock of a file beside the
    database (``flock``, released by the system if a process dies). In memory, or where there is
    no ``flock``, only the first."""

    def __init__(self, database: str | None) -> None:
        self._threads = threading.Lock()
        self._file: int | None = None
        if database is not None and fcntl is not None:
            self._file = os.open(f"{database}-okrflow-writer", os.O_RDWR | os.O_CREAT, 0o600)
            weakref.finalize(self, os.close, self._file)

    def acquire(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            return False
        if self._file is None or fcntl is None:
            return True
        while True:
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self._threads.release()
                    return False
                time.sleep(0.0005)

    def release(self) -> None:
        if self._file is not None and fcntl is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        self._threads.release()


def make_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """A session factory; ``read_only`` sessions do not take SQLite's write lock when they begin."""
    bind = engine.execution_options(**{_BEGIN_OPTION: "DEFERRED"}) if read_only else engine
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
