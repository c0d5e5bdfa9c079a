from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from okrflow.store.db import make_engine
from okrflow.store.migrate import current_revision, head_revision, upgrade
from okrflow.store.tables import metadata
from okrflow.store.testing import postgres_url


def test_migrated_schema_matches_the_table_models(db_engine: Engine) -> None:
    with db_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_database_is_at_the_newest_revision_after_upgrade(db_engine: Engine) -> None:
    assert current_revision(db_engine) == head_revision()
    assert set(inspect(db_engine).get_table_names()) >= set(metadata.tables)


def test_upgrade_migrates_into_a_named_postgresql_schema_and_sqlite_refuses_one(
    db_backend: str, tmp_path: Path
) -> None:
    if db_backend == "sqlite":
        with pytest.raises(ValueError, match="schema= is for PostgreSQL"):
            upgrade(f"sqlite:///{tmp_path / 'x.db'}", schema="elsewhere")
        return
    url = postgres_url()
    if url is None:
        pytest.skip("PostgreSQL variant: set OKRFLOW_TEST_POSTGRES_URL")
    schema = f"okrflow_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    try:
        engine = upgrade(url, schema=schema)
        assert current_revision(make_engine(url, schema=schema)) == head_revision()
        assert "key_results" in inspect(admin).get_table_names(schema=schema)
        engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
