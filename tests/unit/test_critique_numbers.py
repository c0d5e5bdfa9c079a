"""Reading numbers, units and dates in Chinese and English OKR text."""

from __future__ import annotations

from datetime import date

import pytest

from okrflow.critique.numbers import QKind, cn_to_number, en_to_number, find_quantities, parse_quantity
from okrflow.critique.timerefs import find_time_refs


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("十二", 12),
        ("二十", 20),
        ("两万", 20000),
        ("八千", 8000),
        ("一千二百零五", 1205),
        ("三点五", 3.5),
        ("一亿", 1e8),
    ],
)
def test_chinese_numerals_have_their_value(text: str, value: float) -> None:
    assert cn_to_number(text) == pytest.approx(value)


def test_a_run_of_digits_that_is_not_a_numeral_has_no_value() -> None:
    assert cn_to_number("三四") is None


@pytest.mark.parametrize(
    ("text", "value"), [("twelve", 12), ("forty-five", 45), ("a hundred", 100), ("a dozen", 12)]
)
def test_english_number_words_have_their_value(text: str, value: float) -> None:
    assert en_to_number(text) == value


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("三成", 30, QKind.PERCENT),
        ("百分之二十", 20, QKind.PERCENT),
        ("千分之三", 0.3, QKind.PERCENT),
        ("1.5万", 15000, QKind.PLAIN),
        ("两倍", 2, QKind.MULTIPLE),
        ("翻一番", 2, QKind.MULTIPLE),
        ("翻两番", 4, QKind.MULTIPLE),
        ("降低一半", 50, QKind.PERCENT),
        ("十二分钟", 12, QKind.DURATION),
        ("二十分钟", 20, QKind.DURATION),
        ("3 个百分点", 3, QKind.POINTS),
        ("3pp", 3, QKind.POINTS),
        ("45%", 45, QKind.PERCENT),
        ("1200 万元", 12_000_000, QKind.MONEY),
        ("1.5 亿元", 150_000_000, QKind.MONEY),
        ("$4.5M", 4_500_000, QKind.MONEY),
        ("4.2k", 4200, QKind.PLAIN),
        ("8,000", 8000, QKind.PLAIN),
        ("300ms", 300, QKind.DURATION),
        ("by a third", 100 / 3, QKind.PERCENT),
        ("4 points", 4, QKind.POINTS),
        ("6 家", 6, QKind.COUNT),
        ("4.2 分", 4.2, QKind.SCORE),
        ("Top 20", 20, QKind.RANK),
    ],
)
def test_quantities_are_read_with_their_unit(text: str, value: float, kind: QKind) -> None:
    [q] = find_quantities(text)
    assert q.value == pytest.approx(value)
    assert q.kind is kind


@pytest.mark.parametrize(
    "text",
    [
        "通过 ISO 27001 外部审核",
        "Pass the SOC 2 audit",
        "支付接口 P99 延迟",
        "上线语义召回模型 v2",
        "Weekly 1:1 coverage",
        "before 6am",
        "十分重要",
        "打造一流的一站式平台",
        "6 月底前",
        "2026-03-31",
        "双十一",
        "5G 基站",
    ],
)
def test_standards_identifiers_ratios_times_idioms_and_dates_are_not_quantities(text: str) -> None:
    assert [q for q in find_quantities(text) if not q.weak] == []


def test_an_article_and_an_ordinal_are_weak_numbers() -> None:
    assert all(q.weak for q in find_quantities("组建一支团队，第一周上手"))
    assert all(q.weak for q in find_quantities("at least one book, from day one"))


def test_a_hyphenated_duration_qualifies_what_is_measured() -> None:
    [q, pct] = find_quantities("Increase 30-day retention by 10%")
    assert q.weak and not pct.weak


def test_offsets_point_into_the_original_text() -> None:
    text = "月结关账时间从 8 个工作日缩短到 5 个工作日"
    assert [text[q.start : q.end] for q in find_quantities(text)] == ["8 个工作日", "5 个工作日"]


@pytest.mark.parametrize(("field", "value"), [("45", 45), ("3%", 3), ("1.5万", 15000), ("三成", 30)])
def test_a_field_holding_one_quantity_parses(field: str, value: float) -> None:
    q = parse_quantity(field)
    assert q is not None and q.value == pytest.approx(value)


def test_a_field_holding_no_or_several_quantities_does_not_parse() -> None:
    assert parse_quantity("abc") is None
    assert parse_quantity("3% to 5%") is None


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("9 月 15 日前通过审核", date(2026, 9, 15), date(2026, 9, 15)),
        ("6 月底前上线", date(2026, 6, 30), date(2026, 6, 30)),
        ("by end of June", date(2026, 6, 30), date(2026, 6, 30)),
        ("by October 1", date(2026, 10, 1), date(2026, 10, 1)),
        ("Q3 前完成", date(2026, 7, 1), date(2026, 9, 30)),
        ("下半年上线", date(2026, 7, 1), date(2026, 12, 31)),
        ("2027-01-20 交付", date(2027, 1, 20), date(2027, 1, 20)),
    ],
)
def test_deadlines_in_text_resolve_against_the_cycle_year(text: str, first: date, last: date) -> None:
    [ref] = find_time_refs(text)
    assert ref.deadline
    assert ref.span_in(date(2026, 1, 1), date(2026, 3, 31)) == (first, last)


def test_a_month_without_a_year_picks_the_year_that_touches_the_cycle() -> None:
    [ref] = find_time_refs("1 月 15 日前")
    assert ref.span_in(date(2026, 10, 1), date(2027, 1, 31)) == (date(2027, 1, 15), date(2027, 1, 15))


@pytest.mark.parametrize(
    "text", ["the Q3 roadmap", "下半年规划", "from March to June", "before 6am", "3 个月内"]
)
def test_named_periods_reference_points_and_times_of_day_are_not_deadlines(text: str) -> None:
    assert not any(r.deadline for r in find_time_refs(text))
