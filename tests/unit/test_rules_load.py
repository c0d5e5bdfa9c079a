"""Loading rule files: the schema, and errors that name the file, the rule id, the field and the column."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from okrflow.domain.errors import InvalidRules
from okrflow.domain.model import Phase, Role, RuleMode, Severity
from rules.catalog import Scope
from rules.load import check_file, default_source, load_rule_set, schema


def rule(**overrides: Any) -> dict[str, Any]:
    base = {
        "id": "kr-stalled",
        "description": {"en": "Stalled.", "zh": "停滞。"},
        "scope": "key_result",
        "when": "progress < 0.1 && week >= 4",
        "severity": "risk",
    }
    return {**base, **overrides}


def source(*rules: dict[str, Any]) -> str:
    return yaml.safe_dump({"rules": list(rules)}, allow_unicode=True, sort_keys=False)


def problems(text: str, name: str = "mine.yaml") -> list[str]:
    with pytest.raises(InvalidRules) as info:
        load_rule_set(text, source=name)
    assert str(info.value).startswith(f"{name}: ")
    return [str(p) for p in info.value.problems]


def test_the_schema_is_valid_json_schema_2020_12() -> None:
    Draft202012Validator.check_schema(schema())


def test_the_schema_enums_match_the_engine() -> None:
    props = schema()["$defs"]["rule"]["properties"]
    assert props["scope"]["enum"] == [s.value for s in Scope]
    assert props["severity"]["enum"] == [s.value for s in Severity]
    assert props["mode"]["enum"] == [m.value for m in RuleMode]
    assert props["applies_in"]["properties"]["phases"]["items"]["enum"] == [p.value for p in Phase]
    assert schema()["$defs"]["rung"]["properties"]["role"]["enum"] == [r.value for r in Role]


def test_the_default_rule_set_loads_and_is_bilingual() -> None:
    compiled = load_rule_set(default_source(), source="default.yaml")
    assert len(compiled.rules) >= 11
    for cr in compiled.rules:
        assert cr.rule.description.en != cr.rule.description.zh


def test_a_misspelt_fact_names_the_file_rule_field_and_column() -> None:
    text = source(rule(when="weeks_flagged > 2 && progres < 0.1"))
    assert problems(text, "default.yaml") == [
        "rule kr-stalled, when, column 22: undeclared reference to 'progres'"
    ]


def test_the_error_location_is_a_path_the_api_can_return() -> None:
    with pytest.raises(InvalidRules) as info:
        load_rule_set(source(rule(when="progres < 0.1")), source="default.yaml")
    [problem] = info.value.problems
    assert problem.location == ("rules", "kr-stalled", "when")
    assert problem.as_dict() == {
        "loc": ["rules", "kr-stalled", "when"],
        "msg": "undeclared reference to 'progres'",
        "rule": "kr-stalled",
        "field": "when",
        "line": 1,
        "column": 1,
    }


def test_comparing_a_double_fact_with_an_int_is_a_type_error_with_a_hint() -> None:
    [message] = problems(source(rule(when="progress < 1")))
    assert message.startswith("rule kr-stalled, when, column 10: found no matching overload for '_<_'")
    assert "write 1.0" in message


def test_a_syntax_error_on_a_later_line_gives_line_and_column() -> None:
    [message] = problems(source(rule(when="progress < 0.1 &&\n  week >")))
    assert message.startswith("rule kr-stalled, when, line 2, column 9: Syntax error")


def test_a_condition_that_is_not_true_or_false_is_refused() -> None:
    assert problems(source(rule(when="progress + 0.5"))) == [
        "rule kr-stalled, when: the condition must be true or false, but it gives a double"
    ]


def test_a_fact_of_another_scope_is_undeclared() -> None:
    [message] = problems(source(rule(scope="team", when="health_red_weeks > 1 || confidence < 3")))
    assert message == "rule kr-stalled, when, column 25: undeclared reference to 'confidence'"


def test_schema_errors_name_the_rule_id_and_the_field() -> None:
    text = source(rule(id="first"), rule(id="second", severity="hgih", whne="x"))
    assert problems(text) == [
        "rule second: unknown field 'whne' (expected one of: applies_in, description, escalation, "
        "id, message, mode, scope, severity, when)",
        "rule second, severity: 'hgih' is not one of: info, warning, risk, critical",
    ]


def test_a_missing_field_is_named_and_a_rule_without_an_id_is_named_by_its_position() -> None:
    no_id = rule()
    del no_id["id"]
    assert problems(source(rule(id="ok", scope=None) | {"scope": "team"}, no_id)) == [
        "rule #2, id: is required"
    ]
    no_severity = rule()
    del no_severity["severity"]
    assert problems(source(no_severity)) == ["rule kr-stalled, severity: is required"]


def test_every_problem_is_reported_at_once() -> None:
    text = source(
        rule(id="a", when="progres < 0.1"),
        rule(id="b", mode="loud"),
        rule(id="c", message={"en": "{gapp} behind", "zh": "落后 {gap:.0%}"}),
    )
    assert problems(text) == [
        "rule b, mode: 'loud' is not one of: active, monitor",
    ]  # schema problems first: conditions are compiled once the document is well-formed
    text = source(
        rule(id="a", when="progres < 0.1"), rule(id="c", message={"en": "{gapp}", "zh": "{gap:.0%}"})
    )
    assert problems(text) == [
        "rule a, when, column 1: undeclared reference to 'progres'",
        "rule c, message, en: {gapp} is not a fact of scope key_result",
    ]


def test_a_message_format_that_does_not_fit_the_fact_type_is_refused() -> None:
    [message] = problems(source(rule(message={"en": "{name:.0%}", "zh": "{name}"})))
    assert message.startswith("rule kr-stalled, message, en: ")


def test_duplicate_rule_ids_are_refused() -> None:
    assert problems(source(rule(), rule())) == ["rule kr-stalled, id: is used by rule #1 too"]


def test_a_rung_names_exactly_one_target() -> None:
    text = source(
        rule(
            escalation=[{"to": "owner", "after_weeks": 1}, {"to": "owner", "role": "admin", "after_weeks": 2}]
        )
    )
    assert problems(text) == [
        "rule kr-stalled, escalation #2: a rung names exactly one of to, person or role"
    ]
    text = source(rule(escalation=[{"to": "boss", "after_weeks": 1}]))
    assert problems(text) == [
        "rule kr-stalled, escalation #1, to: 'boss' is not one of: owner, manager, ambassador, consultation"
    ]


def test_rungs_out_of_firing_order_are_refused() -> None:
    text = source(rule(escalation=[{"to": "manager", "after_weeks": 3}, {"to": "owner", "after_weeks": 1}]))
    assert problems(text) == [
        "rule kr-stalled, escalation: rungs must be in the order they fire (after_weeks + grace_weeks)"
    ]


def test_a_week_range_must_run_forward() -> None:
    text = source(rule(applies_in={"weeks": [{"from": 3, "to": 1}]}))
    assert problems(text) == ["rule kr-stalled, applies_in, weeks #1, to: week 1 is before from: week 3"]


def test_a_yaml_syntax_error_gives_the_line() -> None:
    [message] = problems("rules:\n  - id: [unclosed\n")
    assert message.startswith("line 3, column 1: ")


def test_json_rule_files_load_too(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"rules": [rule()]}), encoding="utf-8")
    assert [cr.id for cr in check_file(path).rules] == ["kr-stalled"]


def test_check_file_names_the_file_in_its_errors(tmp_path: Path) -> None:
    path = tmp_path / "team-rules.yaml"
    path.write_text(source(rule(when="progres < 0.1")), encoding="utf-8")
    with pytest.raises(InvalidRules, match=r"^team-rules\.yaml: rule kr-stalled, when, column 1: undeclared"):
        check_file(path)
    with pytest.raises(InvalidRules, match=r"^missing\.yaml: cannot read the file"):
        check_file(tmp_path / "missing.yaml")
