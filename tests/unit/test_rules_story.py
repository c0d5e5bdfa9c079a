"""The default rules flag exactly the trouble a generated quarter was scripted to show."""

from __future__ import annotations

import pytest
import yaml

from okrflow.domain.calendar import phase_at
from okrflow.synthetic import Signal, small_org
from rules.engine import CompiledRuleSet, evaluate
from rules.load import default_source, load_rule_set


def every_rule_applies() -> CompiledRuleSet:
    """The default set without its week and phase windows: the ignition checks run in week 8 too."""
    doc = yaml.safe_load(default_source())
    for rule in doc["rules"]:
        rule.pop("applies_in", None)
    return load_rule_set(yaml.safe_dump(doc, allow_unicode=True), source="default.yaml")


@pytest.mark.parametrize("seed", [7, 11])
def test_default_rules_flag_the_scripted_key_results_people_and_teams(seed: int) -> None:
    org = small_org(seed=seed)
    result = evaluate(
        every_rule_applies(), org.snapshot(), week=org.as_of_week, phase=phase_at(org.cycle, org.as_of)
    )
    assert result.errors == []
    for signal in Signal:
        flagged = {f.subject_id for f in result.flags if f.rule_id == signal.value}
        if signal is Signal.OVER_CAPACITY:
            expected = set(org.story.over_capacity)
        elif signal is Signal.TEAM_HEALTH_RED:
            expected = set(org.story.red_pulse_teams)
        else:
            expected = set(org.story.with_signal(signal))
        assert expected, f"the story shows no {signal.value}"
        assert flagged == expected, signal.value


def test_the_published_windows_keep_the_ignition_check_out_of_week_eight() -> None:
    org = small_org(seed=7)
    compiled = load_rule_set(default_source(), source="default.yaml")
    result = evaluate(compiled, org.snapshot(), week=org.as_of_week, phase=phase_at(org.cycle, org.as_of))
    assert not [f for f in result.flags if f.rule_id.startswith("ignition-")]
    assert {f.subject_id for f in result.flags if f.rule_id == "kr-serious-delay"} == set(
        org.story.with_signal(Signal.SERIOUS_DELAY)
    )
