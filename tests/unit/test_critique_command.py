"""``okrflow critique FILE``: a readable table per draft, or one JSON result per draft in order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from okrflow.critique.command import app

DRAFTS = """\
- id: admin
  cycle: 2026-Q1
  objective: {title: 做好行政工作, owner: 曹丽}
  key_results:
    - {title: 提升员工满意度, owner: 曹丽}
    - {title: 办公用品采购周期从 7 天缩短到 3 天, owner: ""}
- cycle: 2026-Q1
  objective: {title: Make renewals a non-event for our largest accounts, owner: Alicia}
  key_results:
    - {title: Gross revenue retention from 91% to 96%, owner: Alicia}
    - {title: Accounts with an executive sponsor from 40% to 90%, owner: Ben}
"""
NO_LLM = {"OKRFLOW_LLM_BASE_URL": ""}


@pytest.fixture
def drafts_file(tmp_path: Path) -> Path:
    path = tmp_path / "drafts.yaml"
    path.write_text(DRAFTS, encoding="utf-8")
    return path


def test_prints_a_table_per_draft_in_its_language(drafts_file: Path) -> None:
    result = CliRunner().invoke(app, ["critique", str(drafts_file)], env=NO_LLM)
    assert result.exit_code == 0, result.output
    assert "[1] admin · 做好行政工作" in result.output and "得分 60/100" in result.output
    for text in ("OBJECTIVE_VAGUE", "KR_NOT_MEASURABLE", "NO_OWNER", "目标太笼统", "KR 2"):
        assert text in result.output
    assert "[2] Make renewals a non-event" in result.output and "No findings." in result.output


def test_json_gives_one_result_per_draft_in_order(drafts_file: Path) -> None:
    result = CliRunner().invoke(app, ["critique", str(drafts_file), "--json"], env=NO_LLM)
    assert result.exit_code == 0
    results = json.loads(result.output)
    assert [(r["index"], r["id"], r["lang"]) for r in results] == [(0, "admin", "zh"), (1, None, "en")]
    assert [(f["code"], f["target"]) for f in results[0]["findings"]] == [
        ("OBJECTIVE_VAGUE", "objective"),
        ("KR_NOT_MEASURABLE", 0),
        ("NO_OWNER", 1),
    ]
    assert results[1]["findings"] == [] and results[1]["score"] == 100


def test_lang_forces_the_language_of_the_findings(drafts_file: Path) -> None:
    result = CliRunner().invoke(app, ["critique", str(drafts_file), "--json", "--lang", "en"], env=NO_LLM)
    first = json.loads(result.output)[0]
    assert first["lang"] == "en" and first["findings"][0]["message"].startswith("The objective")


def test_llm_without_an_endpoint_still_critiques_and_says_the_ai_part_is_missing(drafts_file: Path) -> None:
    result = CliRunner().invoke(app, ["critique", str(drafts_file), "--llm"], env=NO_LLM)
    assert result.exit_code == 0
    assert "AI 点评暂不可用（未配置大模型服务）" in result.output
    assert "The AI review is unavailable" in result.output


def test_a_bad_file_exits_2_naming_the_file_and_the_place(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("objective: {title: ok}\nkey_results:\n  - {owner: a}\n")
    result = CliRunner().invoke(app, ["critique", str(path)], env=NO_LLM)
    assert result.exit_code == 2
    assert f"{path}: key_results.0.title: Field required" in result.output
    missing = CliRunner().invoke(app, ["critique", str(tmp_path / "none.yaml")], env=NO_LLM)
    assert missing.exit_code == 2 and "none.yaml' not found" in missing.output
