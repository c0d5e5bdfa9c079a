"""Pytest fixtures for tests against the real store, on SQLite and on PostgreSQL.

Import them into a ``conftest.py`` (tests/store does; the API and workflow tiers can too)::

    from okrflow.store.testing import *  # noqa: F403

Every test that uses ``db_session`` (or ``session_factory``) runs twice: ``[sqlite]`` and
``[postgresql]``. PostgreSQL comes from ``OKRFLOW_TEST_POSTGRES_URL``: when it is set and the
server cannot be reached the tests fail; when it is not set the PostgreSQL variants are skipped.

Isolation: each test process migrates one SQLite file and one PostgreSQL schema
(``okrflow_test_<random>``, dropped at the end), and each test runs inside a transaction that
is rolled back afterwards. Sessions from ``session_factory`` commit into savepoints, so code under
test may call ``commit()`` (``unit_of_work``) and still leave nothing behind.

For tests that need real commits seen by other connections (a worker thread, a second process)
use ``migrated_engine(backend, directory=...)`` to get a fresh migrated database of their own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from okrflow.store.db import make_engine
from okrflow.store.migrate import scratch_database

__all__ = [
    "BACKENDS",
    "check_foreign_keys",
    "db_backend",
    "db_connection",
    "db_engine",
    "db_session",
    "migrated_engine",
    "postgres_url",
    "session_factory",
]

BACKENDS = ("sqlite", "postgresql")
POSTGRES_ENV = "OKRFLOW_TEST_POSTGRES_URL"


def postgres_url() -> str | None:
    """The PostgreSQL the tests use, or None when the PostgreSQL variants are to be skipped."""
    return os.environ.get(POSTGRES_ENV) or None


@contextmanager
def migrated_engine(backend: str, *, directory: Path) -> Iterator[Engine]:
    """A fresh, migrated database of its own: a SQLite file in ``directory`` or a new PostgreSQL schema.

    Fails the test (never skips) when ``OKRFLOW_TEST_POSTGRES_URL`` is set but unreachable; skips
    the PostgreSQL variant when it is not set.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; use one of {BACKENDS}")
    url = None
    if backend == "postgresql":
        url = postgres_url()
        if url is None:
            pytest.skip(
                f"PostgreSQL variant: set {POSTGRES_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1/test)"
            )
        probe = make_engine(url)
        try:
            with probe.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            pytest.fail(f"{POSTGRES_ENV} is set but PostgreSQL cannot be reached: {exc.orig}", pytrace=False)
        finally:
            probe.dispose()
    with scratch_database(backend, directory=directory, postgres_url=url, prefix="okrflow_test") as engine:
        yield engine


def check_foreign_keys(session: Session) -> None:
    """Check deferred foreign keys now (they are otherwise checked at commit, which tests never reach)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
        session.execute(text("SET CONSTRAINTS ALL DEFERRED"))
        return
    broken = session.execute(text("PRAGMA foreign_key_check")).all()
    if broken:
        raise AssertionError(f"foreign keys broken (table, rowid, parent, fk index): {broken[:10]}")


@pytest.fixture(scope="session", params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def db_engine(db_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One migrated database per test process and backend."""
    with migrated_engine(db_backend, directory=tmp_path_factory.mktemp("okrflow-db")) as engine:
        yield engine


@pytest.fixture
def db_connection(db_engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that is rolled back after the test."""
    connection = db_engine.connect()
    transaction = connection.begin()
    try:
        yield connection
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture
def session_factory(db_connection: Connection) -> sessionmaker[Session]:
    """Sessions joined to the test's transaction; their commits become savepoints."""
    return sessionmaker(
        bind=db_connection, join_transaction_mode="create_savepoint", expire_on_commit=False, autoflush=False
    )


@pytest.fixture
def db_session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    session = session_factory()
    try:
        yield session
    finally:
        session.close()
