"""`okrflow sheet`: the stored weekly sheet, or one built from the database, as Markdown on stdout."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from okrflow.cli import app
from okrflow.domain.model import Language
from okrflow.reports import build_weekly_sheet, render_markdown
from okrflow.store import SheetStore, make_engine, make_session_factory, unit_of_work
from okrflow.synthetic import SyntheticOrg, generate_org
from tests.unit.cli_databases import copy_env, migrated_database

runner = CliRunner()


@pytest.fixture(scope="module")
def org() -> SyntheticOrg:
    return generate_org(seed=3, people=12, org_id="cs")


@pytest.fixture(scope="module")
def template(org: SyntheticOrg, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_database(tmp_path_factory.mktemp("sheet") / "org.db", org.write)


@pytest.fixture
def env(template: Path, tmp_path: Path) -> dict[str, str]:
    return copy_env(template, tmp_path)


def test_without_a_stored_sheet_it_is_built_from_the_database_as_of_that_weeks_review(
    org: SyntheticOrg, env: dict[str, str]
) -> None:
    r = runner.invoke(app, ["sheet", "--cycle", org.cycle.name, "--week", "8"], env=env)
    assert r.exit_code == 0, r.output
    expected = build_weekly_sheet(org.snapshot(org.review_time(8)), week=8, team_id=None, flags=[])
    assert r.stdout.strip() == render_markdown(expected, lang=org.org.language).strip()
    assert "built from the database" in r.stderr


def test_a_stored_sheet_is_printed_as_the_review_stored_it(org: SyntheticOrg, env: dict[str, str]) -> None:
    team = org.teams[1]
    sheet = build_weekly_sheet(org.snapshot(org.review_time(7)), week=7, team_id=team.id, flags=[])
    stored = sheet.model_copy(update={"org_name": "As Stored Ltd"})
    engine = make_engine(env["OKRFLOW_DATABASE_URL"])
    with unit_of_work(make_session_factory(engine)) as session:
        SheetStore(session).put(org.org.id, org.cycle.id, 7, stored.model_dump(mode="json"), scope=team.id)
    engine.dispose()
    r = runner.invoke(
        app, ["sheet", "--cycle", org.cycle.id, "--week", "7", "--team", team.name, "--lang", "en"], env=env
    )
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == render_markdown(stored, lang=Language.EN).strip()
    assert r.stderr == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cycle", "2031-Q4", "--week", "2"], "no cycle '2031-Q4'"),
        (["--week", "14"], "week 14 is outside cycle"),
        (["--week", "3", "--team", "Nobody's team"], 'no team "Nobody\'s team"'),
    ],
)
def test_mistakes_are_one_line_on_stderr_and_a_non_zero_exit(
    org: SyntheticOrg, env: dict[str, str], args: list[str], message: str
) -> None:
    if "--cycle" not in args:
        args = ["--cycle", org.cycle.name, *args]
    r = runner.invoke(app, ["sheet", *args], env=env)
    assert r.exit_code == 1
    assert r.stdout == ""
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith("error: ") and message in line
