"""`okrflow import` and `okrflow export` through typer's CliRunner, on a SQLite file with a generated org."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from typer.testing import CliRunner

from okrflow.cli import app
from okrflow.domain.model import Org, Person, Team
from okrflow.store import make_engine, make_session_factory, unit_of_work
from okrflow.store.bulk import bulk_load
from okrflow.store.migrate import upgrade
from okrflow.store.tables import audit_log, key_results, objectives, tasks
from okrflow.synthetic import SyntheticOrg, generate_org
from tests.unit.cli_databases import copy_env, migrated_database

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture(scope="module")
def org() -> SyntheticOrg:
    return generate_org(seed=3, people=12, org_id="ci")


@pytest.fixture(scope="module")
def templates(org: SyntheticOrg, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A database with the whole org, and one with only its people, teams and cycle."""
    directory = tmp_path_factory.mktemp("cli")
    return {
        "full": migrated_database(directory / "full.db", org.write),
        "bare": migrated_database(
            directory / "bare.db",
            lambda s: bulk_load(s, orgs=[org.org], people=org.people, teams=org.teams, cycles=[org.cycle]),
        ),
    }


def database(templates: dict[str, Path], name: str, tmp_path: Path) -> dict[str, str]:
    return copy_env(templates[name], tmp_path)


def counts(env: dict[str, str]) -> dict[str, int]:
    engine = make_engine(env["OKRFLOW_DATABASE_URL"])
    with engine.connect() as conn:
        found = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (objectives, key_results, tasks, audit_log)
        }
    engine.dispose()
    return found


def test_an_export_imports_back_unchanged_in_yaml_and_csv(templates: dict[str, Path], tmp_path: Path) -> None:
    env = database(templates, "full", tmp_path)
    for fmt in ("yaml", "csv"):
        out = tmp_path / f"plan.{fmt}"
        r = runner.invoke(app, ["export", "--output", str(out)], env=env)
        assert r.exit_code == 0, r.output
        before = counts(env)
        r = runner.invoke(app, ["import", str(out)], env=env)
        assert r.exit_code == 0, r.output
        assert "created nothing; updated nothing" in r.output
        assert counts(env) == before


def test_an_export_imported_into_an_empty_cycle_recreates_the_same_plan(
    templates: dict[str, Path], org: SyntheticOrg, tmp_path: Path
) -> None:
    full, bare = database(templates, "full", tmp_path), database(templates, "bare", tmp_path)
    for fmt in ("csv", "yaml"):
        exported = runner.invoke(app, ["export", "--format", fmt], env=full)
        assert exported.exit_code == 0, exported.output
        plan = tmp_path / f"plan.{fmt}"
        plan.write_text(exported.stdout, encoding="utf-8")
        r = runner.invoke(app, ["import", str(plan)], env=bare)
        assert r.exit_code == 0, r.output
        again = runner.invoke(app, ["export", "--format", fmt], env=bare)
        assert again.stdout == exported.stdout
    assert counts(bare)["key_results"] == len(org.key_results)
    assert counts(bare)["tasks"] == len(org.tasks)


def test_an_edited_export_updates_only_what_changed_with_an_audit_reason(
    templates: dict[str, Path], tmp_path: Path
) -> None:
    env = database(templates, "full", tmp_path)
    plan = tmp_path / "plan.yaml"
    runner.invoke(app, ["export", "--output", str(plan)], env=env)
    doc = yaml.safe_load(plan.read_text(encoding="utf-8"))
    kr = doc["objectives"][0]["key_results"][0]
    kr["title"] = "A sharper title"
    plan.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    r = runner.invoke(app, ["import", str(plan)], env=env)
    assert r.exit_code == 0, r.output
    assert "updated 1 key results" in r.output
    engine = make_engine(env["OKRFLOW_DATABASE_URL"])
    with engine.connect() as conn:
        title = conn.execute(select(key_results.c.title).where(key_results.c.id == kr["id"])).scalar_one()
        reason = conn.execute(
            select(audit_log.c.reason)
            .where(audit_log.c.subject_id == kr["id"])
            .order_by(audit_log.c.at.desc())
        ).first()
    engine.dispose()
    assert title == "A sharper title"
    assert reason is not None and reason[0] == "imported from plan.yaml"


def test_a_bad_file_lists_every_problem_by_row_and_field_and_writes_nothing(
    templates: dict[str, Path], org: SyntheticOrg, tmp_path: Path
) -> None:
    env = database(templates, "full", tmp_path)
    handle = org.people[0].handle
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "record,id,parent,cycle,title,owner,team,start,target,due,depends_on\n"
        f"objective,n-o1,,{org.cycle.name},New objective,{handle},no-such-team,,,,\n"
        f"key_result,n-k1,n-o1,{org.cycle.name},Good result,{handle},,0,10,,\n"
        f"key_result,n-k2,n-o1,{org.cycle.name},Backwards,{handle},,10,abc,,\n"
        f"task,n-t1,n-k1,{org.cycle.name},First,ghost,,,,,n-t2\n"
        f"task,n-t2,n-k1,{org.cycle.name},Second,{handle},,,,2026-02-30,n-t1\n"
        f"task,n-t3,n-k9,{org.cycle.name},Orphan,{handle},,,,,\n",
        encoding="utf-8",
    )
    before = counts(env)
    r = runner.invoke(app, ["import", str(plan)], env=env)
    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert "plan.csv: row 2, team: no team with id or name 'no-such-team' in this org" in lines[0]
    expected = [
        "row 4, target:",
        "row 5, owner: no person with handle or id 'ghost'",
        "row 6, due:",
        "row 7, parent: no key result 'n-k9'",
    ]
    for fragment in expected:
        assert any(fragment in line for line in lines), fragment
    assert lines[-1].endswith("problem(s); nothing was written")
    assert counts(env) == before


def test_a_dependency_loop_in_the_file_is_named(
    templates: dict[str, Path], org: SyntheticOrg, tmp_path: Path
) -> None:
    env = database(templates, "full", tmp_path)
    handle = org.people[0].handle
    plan = tmp_path / "loop.yaml"
    plan.write_text(
        f"""\
cycle: {org.cycle.name}
objectives:
  - id: l-o
    title: Loop
    owner: {handle}
    key_results:
      - {{id: l-k, title: KR, owner: {handle}, start: 0, target: 1}}
  - id: l-o2
    title: Other
    owner: {handle}
    key_results:
      - id: l-k2
        title: KR 2
        start: 0
        target: 1
        tasks:
          - {{id: l-a, title: Alpha, owner: {handle}, depends_on: [l-b]}}
          - {{id: l-b, title: Beta, owner: {handle}, depends_on: [l-a]}}
""",
        encoding="utf-8",
    )
    r = runner.invoke(app, ["import", str(plan)], env=env)
    assert r.exit_code == 1, r.output
    assert "depends_on: dependency cycle: Alpha → Beta → Alpha" in r.stderr


def test_the_documented_examples_import_and_agree_with_each_other(tmp_path: Path) -> None:
    path = tmp_path / "example.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    org = Org(id="ex", name="Example Co", timezone="Asia/Shanghai")
    team = Team(id="ex-growth", org_id="ex", name="Growth")
    people = [
        Person(id=f"ex-{h}", org_id="ex", name=h, handle=h, team_id=team.id)
        for h in ("ana.lopez", "bo.chen", "zhang.wei", "wang.lei")
    ]
    with unit_of_work(make_session_factory(engine)) as session:
        bulk_load(session, orgs=[org], teams=[team], people=people)
    engine.dispose()
    env = {"OKRFLOW_DATABASE_URL": f"sqlite:///{path}"}
    r = runner.invoke(app, ["import", str(EXAMPLE / "import.yaml")], env=env)
    assert r.exit_code == 0, r.output
    assert "created 2 objectives, 4 key results, 3 tasks" in r.output
    r = runner.invoke(app, ["import", str(EXAMPLE / "import.csv")], env=env)
    assert r.exit_code == 0, r.output
    assert "created nothing; updated nothing; 9 unchanged" in r.output
