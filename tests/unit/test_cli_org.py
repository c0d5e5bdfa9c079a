"""`okrflow db upgrade`, `org create` and `token create`: bootstrapping a scaled deployment."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from okrflow.cli import app
from okrflow.store import TokenStore, make_engine, make_session_factory, unit_of_work
from okrflow.store.tables import orgs

runner = CliRunner()


def test_an_organisation_is_created_with_an_admin_whose_token_works(tmp_path: Path) -> None:
    env = {"OKRFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'o.db'}"}
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    made = runner.invoke(
        app,
        [
            "org",
            "create",
            "acme",
            "--name",
            "Acme 中国",
            "--admin",
            "wanglei",
            "--admin-name",
            "王磊",
            "--timezone",
            "Asia/Shanghai",
            "--language",
            "zh",
        ],
        env=env,
    )
    assert made.exit_code == 0, made.output
    token = re.search(r"okf_\S+", made.output)
    assert token
    with unit_of_work(make_session_factory(make_engine(env["OKRFLOW_DATABASE_URL"]))) as session:
        found = TokenStore(session).authenticate(token.group())
    assert found is not None
    person, org = found
    assert (org.id, org.timezone, person.name, person.role.value) == (
        "acme",
        "Asia/Shanghai",
        "王磊",
        "admin",
    )

    second = runner.invoke(app, ["token", "create", "wanglei", "--name", "laptop"], env=env)
    assert second.exit_code == 0 and second.output.strip().startswith("okf_")


def okrflow(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The real command, as a user runs it: errors are one line on stderr and a non-zero exit."""
    return subprocess.run(
        [sys.executable, "-m", "okrflow.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
    )


def test_a_bad_time_zone_or_a_taken_id_is_one_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    env = {"OKRFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'o.db'}"}
    runner.invoke(app, ["db", "upgrade"], env=env)
    bad = okrflow("org", "create", "x", "--name", "X", "--timezone", "Mars/Base", env=env)
    assert bad.returncode == 1
    assert bad.stderr.strip().count("\n") == 0 and "timezone" in bad.stderr and "Mars/Base" in bad.stderr
    assert okrflow("org", "create", "x", "--name", "X", env=env).returncode == 0
    again = okrflow("org", "create", "x", "--name", "X again", env=env)
    assert again.returncode == 1 and "Traceback" not in again.stderr
    with unit_of_work(make_session_factory(make_engine(env["OKRFLOW_DATABASE_URL"]))) as session:
        assert session.scalar(select(func.count()).select_from(orgs)) == 1
