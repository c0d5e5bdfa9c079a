"""The labelled development set is what the issue asks for, and the heuristic critic meets its targets on it.

Full numbers (per code, the held-out set, timing): ``python bench/critique_eval.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from okrflow.critique import HeuristicCritic, detect_language
from okrflow.critique.evaluation import LabelledDraft, load_labelled, score_critiques
from okrflow.domain.model import Language

DATA = Path(__file__).resolve().parents[1] / "data" / "critique"
DEV = [*load_labelled(DATA / "dev_zh.yaml"), *load_labelled(DATA / "dev_en.yaml")]


def test_the_development_set_has_60_drafts_half_chinese_a_third_clean() -> None:
    chinese = sum(detect_language(item.draft.texts()) is Language.ZH for item in DEV)
    clean = sum(item.clean for item in DEV)
    assert len(DEV) >= 60
    assert chinese == len(DEV) / 2
    assert 0.25 <= clean / len(DEV) <= 0.4
    assert len({item.draft.id for item in DEV}) == len(DEV)


def test_every_code_is_labelled_in_both_languages() -> None:
    by_lang: dict[Language, set[str]] = {Language.ZH: set(), Language.EN: set()}
    for item in DEV:
        by_lang[detect_language(item.draft.texts())] |= {code for code, _ in item.expected}
    assert by_lang[Language.ZH] == by_lang[Language.EN]
    assert len(by_lang[Language.ZH]) == 12


def test_the_heuristic_critic_reaches_its_targets_on_the_development_set() -> None:
    critic = HeuristicCritic()
    report = score_critiques((item, critic.check(item.draft)) for item in DEV)
    assert report.micro[2] >= 0.85, report.misses
    assert report.false_alarm_rate <= 0.10, report.misses


def test_the_report_counts_what_was_found_missed_and_invented() -> None:
    report = score_critiques([])
    report.add(
        "a",
        frozenset({("KR_IS_TASK", "0"), ("NO_OWNER", "1")}),
        frozenset({("KR_IS_TASK", "0"), ("NO_OWNER", "2")}),
    )
    report.add("b", frozenset(), frozenset({("TOO_FEW_KRS", "objective")}))
    assert report.per_code("KR_IS_TASK") == (1.0, 1.0, 1.0, 1)
    assert report.per_code("NO_OWNER")[:3] == (0.0, 0.0, 0.0)
    assert report.micro == (1 / 3, 1 / 2, 0.4)
    assert report.false_alarm_rate == 1.0


BLIND = load_labelled(DATA / "blind.yaml")
BLIND2 = load_labelled(DATA / "blind2.yaml")


@pytest.mark.parametrize(("items", "at_least"), [(BLIND, 80), (BLIND2, 30)], ids=["blind", "blind2"])
def test_the_blind_sets_are_half_chinese_a_third_clean_and_label_krs_that_exist(
    items: list[LabelledDraft], at_least: int
) -> None:
    chinese = sum(detect_language(item.draft.texts()) is Language.ZH for item in items)
    assert len(items) >= at_least
    assert chinese == len(items) / 2
    assert 0.25 <= sum(item.clean for item in items) / len(items) <= 0.4
    assert len({item.draft.id for item in items}) == len(items)
    for item in items:
        for _, target in item.expected:
            assert target == "objective" or int(target) < len(item.draft.key_results), item.draft.id


def test_the_heuristic_critic_keeps_what_the_first_blind_set_taught_it() -> None:
    """blind.yaml revealed classes of phrasing the rules missed; they were fixed, so it guards against
    regressions. blind2.yaml is the honest estimate for unseen drafts and has no score target here."""
    critic = HeuristicCritic()
    report = score_critiques((item, critic.check(item.draft)) for item in BLIND)
    assert report.micro[2] >= 0.9, report.misses
    assert report.false_alarm_rate <= 0.10, report.misses
