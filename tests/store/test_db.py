from __future__ import annotations

import multiprocessing
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from okrflow.domain.errors import NotFound
from okrflow.domain.model import AuditEntry, Org, SubjectType
from okrflow.store import AuditStore, OrgStore, make_engine, make_session_factory, unit_of_work
from okrflow.store.migrate import upgrade
from okrflow.store.tables import orgs


def test_sqlite_engine_creates_its_directory_and_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'nested' / 'okrflow.db'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert (tmp_path / "data" / "nested" / "okrflow.db").exists()
    finally:
        engine.dispose()


def test_unsupported_database_url_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="okrflow supports sqlite and postgresql"):
        make_engine("mysql://root@localhost/okrflow")


def test_unit_of_work_commits_on_success_and_rolls_back_on_error(db_engine: Engine) -> None:
    factory = make_session_factory(db_engine)
    kept, dropped = f"uow-{uuid.uuid4().hex[:8]}", f"uow-{uuid.uuid4().hex[:8]}"
    with unit_of_work(factory) as session:
        OrgStore(session).add(Org(id=kept, name="Kept"))
    with pytest.raises(RuntimeError), unit_of_work(factory) as session:
        OrgStore(session).add(Org(id=dropped, name="Dropped"))
        raise RuntimeError("boom")
    with unit_of_work(factory) as session:
        assert OrgStore(session).get(kept).name == "Kept"
        with pytest.raises(NotFound):
            OrgStore(session).get(dropped)


def test_read_only_session_does_not_block_a_writer(db_engine: Engine) -> None:
    reader = make_session_factory(db_engine, read_only=True)()
    try:
        reader.execute(select(orgs.c.id)).all()  # a read transaction is open
        with unit_of_work(make_session_factory(db_engine)) as writer:
            OrgStore(writer).add(Org(id=f"ro-{uuid.uuid4().hex[:8]}", name="Written meanwhile"))
    finally:
        reader.close()


def test_naive_datetimes_are_refused_and_aware_ones_read_back_in_utc(db_session: Session) -> None:
    OrgStore(db_session).add(Org(id="o", name="O"))
    entry = AuditEntry(
        id="e",
        org_id="o",
        at=datetime(2026, 1, 5, 9, 0),
        actor_id="x",
        subject_type=SubjectType.ORG,
        subject_id="o",
        action="create",
    )
    with (
        pytest.raises(StatementError, match="naive datetime 2026-01-05T09:00:00 given"),
        db_session.begin_nested(),
    ):
        AuditStore(db_session).add(entry)
    assert db_session.execute(text("SELECT count(*) FROM audit_log WHERE org_id = 'o'")).scalar() == 0


def _write_orgs(url: str, prefix: str, count: int) -> int:
    """In a process of its own: ``count`` write transactions, each holding the write lock a while."""
    engine = make_engine(url)
    try:
        for i in range(count):
            with unit_of_work(make_session_factory(engine)) as session:
                OrgStore(session).add(Org(id=f"{prefix}-{i}", name=f"组织 {i}"))
                time.sleep(0.005)
        return count
    finally:
        engine.dispose()


def test_writers_in_several_processes_queue_and_all_commit(tmp_path: Path) -> None:
    """Review processes write the same SQLite file: they wait for each other's transactions (a lock
    file beside the database orders them) and none fails with "database is locked"."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        with ProcessPoolExecutor(3, mp_context=multiprocessing.get_context("spawn")) as pool:
            done = list(pool.map(_write_orgs, [url] * 3, ["a", "b", "c"], [20] * 3))
        assert done == [20, 20, 20]
        with unit_of_work(make_session_factory(engine)) as session:
            assert session.scalar(select(func.count()).select_from(orgs)) == 60
        assert (tmp_path / "shared.db-okrflow-writer").exists()
    finally:
        engine.dispose()
