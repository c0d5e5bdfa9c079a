"""Drafts: their shape, cycle names, and files (YAML, JSON, JSON lines) with errors that say where."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from okrflow.critique import Draft, cycle_bounds, load_drafts, parse_drafts
from okrflow.domain.errors import NotFound, ValidationFailed
from okrflow.domain.model import ObjectiveKind

ONE = {
    "cycle": "2026-Q1",
    "objective": {"title": "让商户当天就能开始收款"},
    "key_results": [{"title": "NPS 从 32 到 45"}],
}


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("Q2 2026", date(2026, 4, 1), date(2026, 6, 30)),
        ("2026年第三季度", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026年Q2", date(2026, 4, 1), date(2026, 6, 30)),
        ("2026-H2", date(2026, 7, 1), date(2026, 12, 31)),
        ("2026年上半年", date(2026, 1, 1), date(2026, 6, 30)),
        ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_cycle_names_give_their_first_and_last_day(name: str, start: date, end: date) -> None:
    assert cycle_bounds(name) == (start, end)


def test_an_unknown_cycle_name_has_no_dates_and_an_impossible_one_is_an_error() -> None:
    assert cycle_bounds("FY26 planning") is None
    with pytest.raises(ValueError, match="quarters 1 to 4"):
        cycle_bounds("2026-Q5")


def test_a_cycle_may_be_given_as_dates_inside_or_next_to_the_objective() -> None:
    nested = Draft.model_validate({**ONE, "cycle": {"start": "2026-04-01", "end": "2026-06-30"}})
    top = Draft.model_validate({**ONE, "cycle": None, "start": "2026-04-01", "end": "2026-06-30"})
    assert nested.cycle == top.cycle
    assert nested.cycle is not None and nested.cycle.end == date(2026, 6, 30)


def test_empty_fields_are_missing_and_numbers_may_be_written_as_text() -> None:
    d = Draft.model_validate(
        {
            "objective": {"title": "x", "owner": "  ", "kind": "挑战型"},
            "key_results": [
                {"title": "留存", "owner": "", "start": "三成", "target": "45%", "unit": "", "due": ""}
            ],
        }
    )
    kr = d.key_results[0]
    assert d.objective.owner is None and d.objective.kind is ObjectiveKind.ASPIRATIONAL
    assert (kr.owner, kr.start, kr.target, kr.unit, kr.due) == (None, 30, 45, "%", None)


def test_a_file_with_one_yaml_draft(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(
        "cycle: 2026-Q1\nobjective: {title: 让门诊患者少排队}\n"
        "key_results:\n  - title: 候诊时间从 52 分钟缩短到 30 分钟\n",
        encoding="utf-8",
    )
    [d] = load_drafts(path)
    assert (
        d.objective.title == "让门诊患者少排队" and d.cycle is not None and d.cycle.start == date(2026, 1, 1)
    )


def test_yaml_json_and_json_lines_hold_many_drafts_in_order(tmp_path: Path) -> None:
    drafts = [{**ONE, "objective": {"title": f"目标 {i}"}} for i in range(3)]
    (tmp_path / "a.yaml").write_text(json.dumps(drafts, ensure_ascii=False))  # JSON is YAML too
    (tmp_path / "b.json").write_text(json.dumps({"drafts": drafts}, ensure_ascii=False))
    (tmp_path / "c.jsonl").write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in drafts) + "\n\n")
    (tmp_path / "d.yml").write_text("\n---\n".join(json.dumps(d, ensure_ascii=False) for d in drafts))
    for name in ("a.yaml", "b.json", "c.jsonl", "d.yml"):
        assert [d.objective.title for d in load_drafts(tmp_path / name)] == ["目标 0", "目标 1", "目标 2"], (
            name
        )


def test_a_bad_draft_names_the_file_the_draft_and_the_field(tmp_path: Path) -> None:
    path = tmp_path / "drafts.yaml"
    path.write_text(
        "- objective: {title: ok}\n"
        "- objective: {title: ok}\n"
        "  key_results:\n"
        "    - {owner: a}\n"
        "    - {title: y, target: lots}\n"
    )
    with pytest.raises(ValidationFailed) as exc:
        load_drafts(path)
    assert exc.value.source == str(path)
    assert {p.where() for p in exc.value.problems} == {"1.key_results.0.title", "1.key_results.1.target"}
    assert "'lots' is not a number" in str(exc.value)


def test_a_bad_json_line_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "drafts.jsonl"
    path.write_text(json.dumps(ONE) + "\n" + '{"objective": {"title": ""}}\n' + "{not json\n")
    with pytest.raises(ValidationFailed) as exc:
        load_drafts(path)
    wheres = [p.where() for p in exc.value.problems]
    assert wheres[0] == "line 2.objective.title"
    assert wheres[1].startswith("line 3, column")


@pytest.mark.parametrize(
    ("text", "fmt", "message"),
    [
        ("objective: [unclosed\n", "yaml", "line 2, column 1: invalid YAML"),
        ('{"objective": ', "json", "line 1, column 15: invalid JSON"),
        ("", "yaml", "no drafts found"),
        ("[]", "json", "no drafts found"),
        ("- just text\n", "yaml", "0: expected a draft"),
        ('{"objective": {"title": "x"}, "colour": "red"}', "json", "colour: Extra inputs are not permitted"),
    ],
)
def test_unreadable_input_says_what_and_where(text: str, fmt: str, message: str) -> None:
    with pytest.raises(ValidationFailed, match=re.escape(message)):
        parse_drafts(text, source="in.txt", fmt=fmt)


def test_a_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match=r"nope\.yaml"):
        load_drafts(tmp_path / "nope.yaml")
