"""End-of-cycle scores (0.0–1.0 per KR and objective) and their colour grades.

Bands follow Google's OKR practice:

- committed objectives are promises and are expected to score 1.0: green from 0.95
  (delivered, allowing for rounding and measurement noise), yellow from 0.7 (partly
  delivered, the gap needs an explanation), red below 0.7 (a missed commitment);
- aspirational objectives are stretch goals and are expected to land around 0.7:
  green from 0.7, yellow from 0.4, red below 0.4. A full 1.0 on an aspirational
  objective is green, with a note to ask whether it was ambitious enough.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict

from okrflow.domain.model import CheckIn, HealthLevel, KeyResult, KRKind, LocalText, ObjectiveKind, Task
from okrflow.domain.progress import clamp, kr_progress, weighted_progress

__all__ = ["BANDS", "Grade", "grade", "latest_value", "score_key_result", "score_objective"]

# kind -> (green from, yellow from); below yellow is red
BANDS: dict[ObjectiveKind, tuple[float, float]] = {
    ObjectiveKind.COMMITTED: (0.95, 0.7),
    ObjectiveKind.ASPIRATIONAL: (0.7, 0.4),
}

_LABELS: dict[tuple[ObjectiveKind, HealthLevel], LocalText] = {
    (ObjectiveKind.COMMITTED, HealthLevel.GREEN): LocalText(en="Delivered", zh="已兑现"),
    (ObjectiveKind.COMMITTED, HealthLevel.YELLOW): LocalText(
        en="Partly delivered: explain the gap", zh="部分兑现：请说明差距"
    ),
    (ObjectiveKind.COMMITTED, HealthLevel.RED): LocalText(en="Commitment missed", zh="承诺未兑现"),
    (ObjectiveKind.ASPIRATIONAL, HealthLevel.GREEN): LocalText(en="Strong result", zh="成果出色"),
    (ObjectiveKind.ASPIRATIONAL, HealthLevel.YELLOW): LocalText(
        en="Progress made, short of the goal", zh="有进展，未达预期"
    ),
    (ObjectiveKind.ASPIRATIONAL, HealthLevel.RED): LocalText(en="Little progress", zh="进展不足"),
}
_FULL_STRETCH = LocalText(
    en="Fully achieved: was it ambitious enough?", zh="完全达成：目标是否足够有挑战性？"
)


class Grade(BaseModel):
    """A score's colour band for an objective kind, with label text in both languages."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    score: float
    kind: ObjectiveKind
    colour: HealthLevel
    label: LocalText


def _check_in_day(ci: CheckIn) -> date:
    # The day as the author saw it: the date in the check-in's own offset.
    return ci.at.date()


def latest_value(kr: KeyResult, check_ins: Sequence[CheckIn], *, as_of: date) -> float | None:
    """The value of this KR's latest check-in (by ``at``) made on or before day ``as_of``.

    Check-ins for other KRs and check-ins without a value (confidence only) are skipped.
    A check-in's day is its date in its own UTC offset.

    Returns:
        The value, or None when there is none.
    """
    best: CheckIn | None = None
    for ci in check_ins:
        if ci.kr_id != kr.id or ci.value is None or _check_in_day(ci) > as_of:
            continue
        if best is None or ci.at >= best.at:
            best = ci
    return None if best is None else best.value


def score_key_result(
    kr: KeyResult, check_ins: Sequence[CheckIn], *, as_of: date, tasks: Sequence[Task] = ()
) -> float:
    """Score a key result 0.0–1.0 as of the end of day ``as_of``.

    The value is the latest check-in value on or before ``as_of``; milestone KRs with
    tasks are scored from their tasks instead. A KR that has never had a check-in value is
    scored from ``kr.current`` (0.0 when unset); one whose check-ins all come after
    ``as_of`` scores 0.0, since ``kr.current`` would leak a later value.

    Args:
        kr: The key result.
        check_ins: Its check-ins (others are ignored), in any order.
        as_of: The scoring day.
        tasks: The KR's tasks, used for milestone KRs.

    Returns:
        Progress clamped to [0, 1] and rounded to two decimals.
    """
    if kr.kind is KRKind.MILESTONE and tasks:
        return round(clamp(kr_progress(kr, tasks=tasks)), 2)
    value = latest_value(kr, check_ins, as_of=as_of)
    if value is None:
        had_values = any(ci.kr_id == kr.id and ci.value is not None for ci in check_ins)
        if had_values or kr.current is None:
            return 0.0
        value = kr.current
    return round(clamp(kr_progress(kr, value=value)), 2)


def score_objective(krs: Sequence[KeyResult], scores: Mapping[str, float]) -> float:
    """An objective's score: its KRs' scores weighted by ``kr.weight`` (a missing score is 0.0).

    Returns:
        A score in [0, 1] rounded to two decimals.
    """
    return round(weighted_progress((kr.weight, scores.get(kr.id, 0.0)) for kr in krs), 2)


def grade(score: float, kind: ObjectiveKind) -> Grade:
    """The colour band of a score for a committed or aspirational objective (see the module doc).

    Args:
        score: A score; clamped to [0, 1].
        kind: Committed or aspirational.

    Returns:
        The Grade with its colour and bilingual label.
    """
    s = clamp(score)
    green, yellow = BANDS[kind]
    colour = HealthLevel.GREEN if s >= green else HealthLevel.YELLOW if s >= yellow else HealthLevel.RED
    label = _LABELS[(kind, colour)]
    if kind is ObjectiveKind.ASPIRATIONAL and s >= 1.0:
        label = _FULL_STRETCH
    return Grade(score=s, kind=kind, colour=colour, label=label)
