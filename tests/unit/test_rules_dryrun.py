"""Dry-running a draft rule set: who it would flag and why, writing nothing; and the `rules` commands."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from okrflow.domain.errors import InvalidRules
from okrflow.domain.model import Language, Phase
from rules.command import build_app
from rules.dryrun import dry_run, dry_run_file
from rules.load import default_source
from tests.unit.rules_helpers import World, days_before, world

DRAFT = yaml.safe_dump(
    {
        "rules": [
            {
                "id": "behind",
                "description": {"en": "Behind.", "zh": "落后。"},
                "scope": "key_result",
                "when": "gap >= 0.3",
                "severity": "risk",
            },
            {
                "id": "kick-off",
                "description": {"en": "No plan.", "zh": "没有计划。"},
                "scope": "key_result",
                "when": "tasks_total == 0",
                "severity": "warning",
                "applies_in": {"weeks": [{"from": 1, "to": 2}]},
            },
        ]
    },
    allow_unicode=True,
)


def org() -> World:
    w = world()
    w.kr("slow", current=5.0)
    w.check_in("slow", days_before(6, 1))
    w.kr("fine", current=45.0)
    return w


def test_a_dry_run_lists_each_rules_subjects_with_the_facts_that_made_it_true() -> None:
    report = dry_run(DRAFT, org().snapshot(6), week=6, phase=Phase.EXECUTION)
    behind, kick_off = report.rules
    assert [(h.subject_id, h.facts) for h in behind.flagged] == [("slow", {"gap": 0.35})]
    assert behind.applied and not kick_off.applied and kick_off.flagged == []
    assert report.total_flags == 1 and report.total_errors == 0
    text = report.to_text(Language.EN)
    assert "behind (risk): 1 flagged" in text and "key_result slow: gap=0.35" in text
    assert "kick-off: does not apply this week" in text
    assert "第 6 周" in report.to_text(Language.ZH)


def test_a_dry_run_can_pretend_it_is_another_week() -> None:
    report = dry_run(DRAFT, org().snapshot(6), week=2, phase=Phase.DECOMPOSITION)
    assert {h.subject_id for h in report.rules[1].flagged} == {"slow", "fine"}


def test_a_dry_run_writes_nothing() -> None:
    snapshot = org().snapshot(6)
    before = copy.deepcopy(snapshot)
    dry_run(default_source(), snapshot, week=6)
    assert snapshot.streaks == before.streaks and snapshot.key_results == before.key_results
    assert snapshot.tasks == before.tasks and snapshot.check_ins == before.check_ins


def test_a_draft_that_does_not_load_is_refused_with_the_publish_errors() -> None:
    with pytest.raises(
        InvalidRules, match=r"^draft\.yaml: rule behind, when, column 1: undeclared reference"
    ):
        dry_run(DRAFT.replace("gap >= 0.3", "gapp >= 0.3"), org().snapshot(6), source="draft.yaml")


def test_rules_check_command_reports_ok_or_every_problem(tmp_path: Path) -> None:
    app = build_app(lambda cycle: org().snapshot(6))
    good = tmp_path / "good.yaml"
    good.write_text(DRAFT, encoding="utf-8")
    ok = CliRunner().invoke(app, ["check", str(good)])
    assert ok.exit_code == 0 and "good.yaml: 2 rules OK (key_result)" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(DRAFT.replace("gap >= 0.3", "gap >= 1"), encoding="utf-8")
    failed = CliRunner().invoke(app, ["check", str(bad)])
    assert failed.exit_code == 1
    assert "bad.yaml: rule behind, when, column 5: found no matching overload" in failed.output


def test_rules_dry_run_command_uses_the_loaded_snapshot(tmp_path: Path) -> None:
    asked: list[str | None] = []

    def load(cycle: str | None):
        asked.append(cycle)
        return org().snapshot(6)

    draft = tmp_path / "draft.yaml"
    draft.write_text(DRAFT, encoding="utf-8")
    app = build_app(load)
    res = CliRunner().invoke(app, ["dry-run", str(draft), "--cycle", "c1", "--week", "6", "--json"])
    assert res.exit_code == 0, res.output
    assert asked == ["c1"]
    body = json.loads(res.output)
    assert [h["subject_id"] for h in body["rules"][0]["flagged"]] == ["slow"]
    assert dry_run_file(draft, org().snapshot(6), week=6).total_flags == 1
