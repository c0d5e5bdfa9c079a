"""Confidence trend: is a KR owner's confidence rising, flat or falling over recent weeks?"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum

__all__ = ["DEAD_BAND", "Trend", "confidence_trend", "slope"]

# Confidence is 0–10, one point per weekly check-in. A least-squares slope within
# ±0.25 points per check-in is noise: 7, 8, 7 (slope 0) and 7, 7, 7.3 (0.15) are flat,
# 6, 7, 7 (0.5) is up and 8, 7, 6 (-1) is down.
DEAD_BAND = 0.25


class Trend(StrEnum):
    UP = "up"
    FLAT = "flat"
    DOWN = "down"


def slope(values: Sequence[float]) -> float:
    """Least-squares slope of ``values`` against their positions 0, 1, 2, ...

    Returns:
        Change per step; 0.0 for fewer than two values.
    """
    n = len(values)
    if n < 2:
        return 0.0
    mean_x = (n - 1) / 2
    mean_y = math.fsum(values) / n
    num = math.fsum((i - mean_x) * (y - mean_y) for i, y in enumerate(values))
    den = math.fsum((i - mean_x) ** 2 for i in range(n))
    return num / den


def confidence_trend(values: Sequence[float], *, window: int = 3, dead_band: float = DEAD_BAND) -> Trend:
    """The trend of the last ``window`` confidence values (oldest first).

    The least-squares slope over those points is compared with a dead band: above
    ``dead_band`` is up, below ``-dead_band`` is down, anything within it is flat.

    Args:
        values: Confidence values in check-in order, oldest first.
        window: How many of the latest values to look at (at least 2).
        dead_band: Slopes within ±dead_band count as flat.

    Returns:
        The Trend; flat with fewer than two values.

    Raises:
        ValueError: If ``window`` is below 2.
    """
    if window < 2:
        raise ValueError(f"window must be at least 2 points, got {window}")
    s = slope(list(values)[-window:])
    if s > dead_band:
        return Trend.UP
    if s < -dead_band:
        return Trend.DOWN
    return Trend.FLAT
