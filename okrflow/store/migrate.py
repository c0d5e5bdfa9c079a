"""Apply the Alembic migrations without an alembic.ini (``okrflow db upgrade``, ``okrflow serve``, tests)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from okrflow.store.db import make_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """The Alembic configuration, built in code so that no alembic.ini is needed at run time."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url_or_engine: str | Engine, revision: str = "head", *, schema: str | None = None) -> Engine:
    """Migrate the database to ``revision``.

    Args:
        url_or_engine: a database URL, or an engine (its connection is used and committed).
        revision: the target revision; "head" is the newest.
        schema: PostgreSQL only, with a URL: migrate into this schema, creating it if needed.

    Returns:
        The engine used (for a URL, a new engine whose pool is already closed; it reconnects on use).
    """
    engine = make_engine(url_or_engine, schema=schema) if isinstance(url_or_engine, str) else url_or_engine
    try:
        if schema is not None:
            create_schema(engine, schema)
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        if isinstance(url_or_engine, str):
            engine.dispose()
    return engine


def create_schema(engine: Engine, schema: str) -> None:
    """Create a PostgreSQL schema if it does not exist."""
    if engine.dialect.name != "postgresql":
        raise ValueError("schemas are a PostgreSQL feature")
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None before the first migration."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest revision this code ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


@contextmanager
def scratch_database(
    backend: str, *, directory: Path, postgres_url: str | None = None, prefix: str = "okrflow_scratch"
) -> Iterator[Engine]:
    """A fresh, migrated database of its own, removed afterwards (tests, benchmarks).

    Args:
        backend: "sqlite" (a new file in ``directory``) or "postgresql" (a new schema).
        directory: where the SQLite file goes.
        postgres_url: the PostgreSQL server, for "postgresql".
        prefix: the start of the file or schema name.

    Raises:
        sqlalchemy.exc.OperationalError: PostgreSQL cannot be reached.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{directory / f'{name}.db'}")
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()
        return
    if backend != "postgresql" or postgres_url is None:
        raise ValueError(f"backend {backend!r}: use sqlite, or postgresql with a postgres_url")
    admin = make_engine(postgres_url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        engine = make_engine(postgres_url, schema=name)
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    finally:
        admin.dispose()
