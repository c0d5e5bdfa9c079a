from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from okrflow.domain.trend import Trend, confidence_trend, slope


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3], 1.0),
        ([3, 2, 1], -1.0),
        ([5, 5, 5], 0.0),
        ([0, 0, 3], 1.5),
        ([2, 4], 2.0),
        ([7], 0.0),
        ([], 0.0),
    ],
)
def test_slope_is_the_least_squares_change_per_check_in(values: list[float], expected: float) -> None:
    assert slope(values) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("values", "trend"),
    [
        ([6, 7, 7], Trend.UP),
        ([8, 7, 6], Trend.DOWN),
        ([7, 7, 7], Trend.FLAT),
        ([7, 8, 7], Trend.FLAT),  # a blip is not a trend
        ([7, 7, 7.3], Trend.FLAT),  # inside the dead band
        ([9, 9, 2, 3, 4], Trend.UP),  # only the last three count
        ([2, 2, 9, 8, 7], Trend.DOWN),
        ([7], Trend.FLAT),
        ([], Trend.FLAT),
    ],
)
def test_confidence_trend_reads_the_recent_slope_with_a_dead_band(values: list[float], trend: Trend) -> None:
    assert confidence_trend(values) is trend


def test_a_wider_window_sees_a_longer_decline() -> None:
    values = [9, 8, 7, 6, 7, 7]
    assert confidence_trend(values) is Trend.UP
    assert confidence_trend(values, window=6) is Trend.DOWN


def test_a_window_of_one_point_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        confidence_trend([1, 2, 3], window=1)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=10), min_size=2, max_size=8),
    st.integers(min_value=1, max_value=5),
)
def test_adding_the_same_amount_to_every_later_point_never_lowers_the_trend(
    values: list[int], bump: int
) -> None:
    order = [Trend.DOWN, Trend.FLAT, Trend.UP]
    raised = [v + bump * i for i, v in enumerate(values)]
    assert order.index(confidence_trend(raised)) >= order.index(confidence_trend(values))
