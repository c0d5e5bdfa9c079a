"""The story a synthetic organisation tells: scripted patterns per key result, and what they look like.

Every key result gets one scripted ``Pattern``. The data (check-ins, tasks, values) is built
so that, at the story's as-of instant (the weekly review of ``as_of_week``), each pattern shows
exactly the conditions below and no others, with wide margins around the thresholds of the
default rule set (``rules/default.yaml``). "Progress" is ``okrflow.domain.progress.kr_progress``
clamped to 0..1, "expected" is ``expected_progress(cycle, on=<as-of local date>)``, ``gap`` is
expected − progress, and a check-in counts when its ``at`` is on or before the as-of instant.

Healthy patterns (no risk signal at the as-of review):

- ``on_track``: |gap| ≤ 0.1 (metric KRs follow the expected curve ± 0.04; milestone KRs' task
  share is within half a task of it; binary KRs are already done from week 3 on; stay-within KRs
  sit inside their band). Latest confidence 7–9. A check-in every week (an earlier week may be
  skipped, never two in a row and never the last two), no overdue, blocked or undated task, a
  task done share at most 0.25 above progress, churn ≤ 0.2.
- ``ahead``: metric KR with progress ≥ expected + 0.15 (or at 1.0); confidence 8–10.
- ``recovering``: metric KR stuck at its start value until a recovery week, then back on the
  curve: the serious-delay condition (expected ≥ 0.25 and gap ≥ 0.3) held at ≥ 2 consecutive
  reviews before, and holds at none of the last one or two reviews up to as-of
  (``KRStory.weekly['kr-serious-delay']`` lists the weeks). Confidence 5 while stuck, 7–8 after.

Risk patterns (metric increase/decrease KRs; each shows its own signal, the rule id it should trip):

- ``behind`` → ``kr-serious-delay``: gap 0.36–0.45 with expected ≥ 0.36; confidence 5–6 (not low,
  so ``kr-low-confidence-gap`` stays quiet); tasks done in step with progress.
- ``low_confidence_gap`` → ``kr-low-confidence-gap``: gap 0.18–0.24 (below the serious delay),
  confidence 2–4 in the last two check-ins, falling from 7.
- ``stalled`` → ``kr-no-check-in``: no check-in in the last three weeks (≥ 21 days before as-of,
  and none later); it was ahead when last seen, so at as-of its gap is at most 0.12.
- ``disconnect`` → ``kr-disconnect`` and also ``kr-serious-delay``: ≥ 70% of its tasks (by
  estimate) done while the value has barely moved (progress ≤ 0.05); confidence 6–7.
- ``unplanned`` → ``ignition-no-plan``: no task at all (not even a proposal); otherwise on track.
- ``unowned_or_undated_tasks`` → ``ignition-unowned-or-undated``: one or two open tasks without
  a due date or estimate, and for about half of them also an open task owned by a person who
  left (``Person.active`` False); otherwise on track.
- ``overdue_milestone`` → ``kr-overdue-milestones``: one open milestone task 3–12 days past
  due, nothing depends on it; otherwise on track.
- ``blocked_chain`` → ``kr-blocked-chain``: an open task marked blocked that waits on an open
  (not overdue) task, with another open task waiting on it (chain length ≥ 2); confidence 6–7.
- ``high_churn`` → ``kr-scope-churn``: after the baseline, two baseline tasks cut and two tasks
  added: churn ≥ 0.5 of a baseline of 5–8 tasks; otherwise on track.

Outside the key results:

- over-capacity people (``Story.over_capacity``) → ``person-over-capacity``: members who own
  no key result got 2–3 big tasks a few days before as-of, due within three working days, with
  a trade-off note: their peak weekly load from the as-of week on is ≥ 1.5× capacity. Everyone
  else stays at or below 0.8× in every week.
- red-pulse teams (``Story.red_pulse_teams``) → ``team-health-red``: team health red in the pulses
  of weeks as_of − 1 and as_of. No other team has a red pulse in those weeks, nor two reds in a row.
- high-churn key results are ``Story.high_churn``; every other KR has churn ≤ 0.2.

A pattern that cannot show at the chosen week is not scripted (its quota goes to ``on_track``)
and is listed in ``Story.unavailable``: behind needs expected ≥ 0.36 at as-of (about week 7 of 13),
disconnect ≥ 0.35, low_confidence_gap ≥ 0.25, stalled week ≥ 4, recovering two serious-delay weeks
before the last review(s), overdue_milestone three days of cycle before as-of, high_churn the
baseline (after the decomposition weeks), red pulses week ≥ 2 with pulses up to the as-of week.
Check-ins and pulses after the as-of week (``check_in_weeks`` > ``as_of_week``) continue each
trajectory, but task statuses and ``KeyResult.current`` describe the as-of instant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from okrflow.domain.model import ObjectiveStatus


class Pattern(StrEnum):
    ON_TRACK = "on_track"
    AHEAD = "ahead"
    RECOVERING = "recovering"
    BEHIND = "behind"
    LOW_CONFIDENCE_GAP = "low_confidence_gap"
    STALLED = "stalled"
    DISCONNECT = "disconnect"
    UNPLANNED = "unplanned"
    UNOWNED_OR_UNDATED_TASKS = "unowned_or_undated_tasks"
    OVERDUE_MILESTONE = "overdue_milestone"
    BLOCKED_CHAIN = "blocked_chain"
    HIGH_CHURN = "high_churn"

    @property
    def healthy(self) -> bool:
        return self in HEALTHY


HEALTHY = frozenset({Pattern.ON_TRACK, Pattern.AHEAD, Pattern.RECOVERING})


class Signal(StrEnum):
    """A condition that holds in the data; each value is the id of the default rule it should trip."""

    NO_CHECK_IN = "kr-no-check-in"  # days_since_check_in >= 14
    LOW_CONFIDENCE_GAP = "kr-low-confidence-gap"  # confidence <= 4 and gap >= 0.15
    SERIOUS_DELAY = "kr-serious-delay"  # expected >= 0.25 and gap >= 0.3
    DISCONNECT = "kr-disconnect"  # >= 3 tasks, done share >= 0.6, done share - progress >= 0.4
    NO_PLAN = "ignition-no-plan"  # no accepted task that is not cut
    UNOWNED_OR_UNDATED = "ignition-unowned-or-undated"  # an open task undated or owned by an inactive person
    OVERDUE_MILESTONE = "kr-overdue-milestones"  # an open milestone task past due
    BLOCKED_CHAIN = "kr-blocked-chain"  # a blocked open task with an open task waiting on it
    SCOPE_CHURN = "kr-scope-churn"  # baseline >= 3 and (added + cut) / baseline > 0.3
    OVER_CAPACITY = "person-over-capacity"  # peak weekly load / capacity from the as-of week on > 1.0
    TEAM_HEALTH_RED = "team-health-red"  # team health red in the last two pulses


# The signal each risk pattern is built to show, and the others it may show as a consequence.
PRIMARY_SIGNAL: dict[Pattern, Signal] = {
    Pattern.BEHIND: Signal.SERIOUS_DELAY,
    Pattern.LOW_CONFIDENCE_GAP: Signal.LOW_CONFIDENCE_GAP,
    Pattern.STALLED: Signal.NO_CHECK_IN,
    Pattern.DISCONNECT: Signal.DISCONNECT,
    Pattern.UNPLANNED: Signal.NO_PLAN,
    Pattern.UNOWNED_OR_UNDATED_TASKS: Signal.UNOWNED_OR_UNDATED,
    Pattern.OVERDUE_MILESTONE: Signal.OVERDUE_MILESTONE,
    Pattern.BLOCKED_CHAIN: Signal.BLOCKED_CHAIN,
    Pattern.HIGH_CHURN: Signal.SCOPE_CHURN,
}
SECONDARY_SIGNALS: dict[Pattern, frozenset[Signal]] = {
    Pattern.DISCONNECT: frozenset({Signal.SERIOUS_DELAY}),
}


def expected_signals(pattern: Pattern) -> frozenset[Signal]:
    """The KR signals a pattern shows at the as-of review: its primary one plus documented consequences."""
    primary = PRIMARY_SIGNAL.get(pattern)
    base = frozenset() if primary is None else frozenset({primary})
    return base | SECONDARY_SIGNALS.get(pattern, frozenset())


DEFAULT_PATTERN_SHARES: dict[Pattern, float] = {
    Pattern.ON_TRACK: 0.56,
    Pattern.AHEAD: 0.08,
    Pattern.RECOVERING: 0.04,
    Pattern.BEHIND: 0.06,
    Pattern.LOW_CONFIDENCE_GAP: 0.04,
    Pattern.STALLED: 0.05,
    Pattern.DISCONNECT: 0.03,
    Pattern.UNPLANNED: 0.03,
    Pattern.UNOWNED_OR_UNDATED_TASKS: 0.03,
    Pattern.OVERDUE_MILESTONE: 0.03,
    Pattern.BLOCKED_CHAIN: 0.03,
    Pattern.HIGH_CHURN: 0.02,
}

Share = Annotated[float, Field(ge=0.0, le=1.0)]


class Scenario(BaseModel):
    """How much of each kind of trouble the generated quarter has. The defaults make most KRs healthy.

    Pattern shares are relative weights (normalised); every pattern with a share above zero
    gets at least one key result when the org has enough eligible ones and the as-of week
    allows it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    patterns: dict[Pattern, Share] = Field(default_factory=lambda: dict(DEFAULT_PATTERN_SHARES))
    over_capacity_share: Share = 0.03  # of the members who own tasks but no key result (at least one)
    red_pulse_team_share: Share = 0.08  # of the leaf teams (at least one)
    missing_check_in_share: Share = 0.05  # chance that an earlier weekly check-in is skipped
    personal_objective_share: Share = 0.6  # members with a personal objective
    part_time_share: Share = 0.12
    zh_share: Share = 0.5  # people who write Chinese
    aspirational_share: Share = 0.3
    krs_per_objective: tuple[int, int] = (2, 5)
    tasks_per_kr: tuple[int, int] = (3, 8)
    objective_status: ObjectiveStatus = ObjectiveStatus.APPROVED

    @field_validator("patterns")
    @classmethod
    def _some_pattern(cls, value: dict[Pattern, float]) -> dict[Pattern, float]:
        if sum(value.values()) <= 0:
            raise ValueError("at least one pattern needs a share above zero")
        return value

    @model_validator(mode="after")
    def _ranges(self) -> Scenario:
        lo, hi = self.krs_per_objective
        if not 1 <= lo <= hi <= 5:
            raise ValueError(
                f"krs_per_objective: {self.krs_per_objective} must satisfy 1 <= low <= high <= 5"
            )
        lo, hi = self.tasks_per_kr
        if not 1 <= lo <= hi <= 30:
            raise ValueError(f"tasks_per_kr: {self.tasks_per_kr} must satisfy 1 <= low <= high <= 30")
        return self


@dataclass(frozen=True)
class KRStory:
    """What one key result was scripted to do, and what the data shows at the as-of review.

    ``signals`` are computed from the generated data (not copied from the script) with the
    default rules' thresholds; ``weekly`` maps the check-in-driven signals (serious delay,
    low confidence with a gap, no check-in) to the review weeks at which they held, for ladder
    tests (milestone KRs use their as-of task statuses for every week).
    """

    kr_id: str
    pattern: Pattern
    signals: frozenset[Signal]
    progress: float
    expected: float
    confidence: int | None
    days_since_check_in: int
    missing_weeks: tuple[int, ...]  # weeks (up to the last check-in week) without a check-in
    weekly: dict[Signal, tuple[int, ...]] = field(default_factory=dict)


@dataclass
class Story:
    """The scripted story of a synthetic quarter, as of ``as_of`` (the review of ``as_of_week``)."""

    as_of: datetime
    as_of_week: int
    key_results: dict[str, KRStory]
    over_capacity: frozenset[str]  # person ids
    red_pulse_teams: frozenset[str]  # team ids
    leavers: frozenset[str]  # inactive people who still own an open task
    unavailable: frozenset[Pattern]  # patterns the as-of week could not show

    @property
    def high_churn(self) -> frozenset[str]:
        return self.krs(Pattern.HIGH_CHURN)

    def krs(self, *patterns: Pattern) -> frozenset[str]:
        """Ids of the key results scripted with any of ``patterns``."""
        wanted = set(patterns)
        return frozenset(k for k, s in self.key_results.items() if s.pattern in wanted)

    def with_signal(self, signal: Signal) -> frozenset[str]:
        """Ids of the key results whose data shows ``signal`` at the as-of review."""
        return frozenset(k for k, s in self.key_results.items() if signal in s.signals)

    def counts(self) -> dict[Pattern, int]:
        out = dict.fromkeys(Pattern, 0)
        for s in self.key_results.values():
            out[s.pattern] += 1
        return out
