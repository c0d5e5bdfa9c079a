"""SQLite files for the CLI tests: one migrated template per module, copied for each test."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from okrflow.store import make_engine, make_session_factory, unit_of_work
from okrflow.store.migrate import upgrade


def migrated_database(path: Path, write: Callable[[Session], object]) -> Path:
    """A migrated SQLite file at ``path`` holding what ``write`` writes in one transaction."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with unit_of_work(make_session_factory(engine)) as session:
        write(session)
    engine.dispose()
    return path


def copy_env(template: Path, tmp_path: Path) -> dict[str, str]:
    """A copy of ``template`` in ``tmp_path``, as the environment that points the CLI at it."""
    path = tmp_path / template.name
    shutil.copy(template, path)
    return {"OKRFLOW_DATABASE_URL": f"sqlite:///{path}"}
