"""Build the weekly meeting sheet from a cycle snapshot: pure, deterministic and fast.

``build_weekly_sheet(snapshot, week=..., team_id=..., flags=...)`` assesses every key result
in scope (``okrflow.reports.assessment``), orders them for the meeting, and fills the four
squares (``okrflow.reports.squares``). The records are in ``okrflow.reports.sheet_model``.
A review building many teams' sheets prepares the week once (``okrflow.reports.sheet_week``)
and calls ``build_sheet`` for each team.

Only active flags of this week about key results are shown; monitor-mode flags (a rule on
trial) are not, so nobody learns about them from the sheet either.
"""

from __future__ import annotations

from collections.abc import Sequence

from okrflow.domain.errors import NotFound
from okrflow.domain.model import Flag
from okrflow.domain.snapshot import CycleSnapshot
from okrflow.reports.assessment import (
    ATTENTION,
    Assessed,
    assess,
    kr_row,
    meeting_order,
    scope_objectives,
    status_counts,
)
from okrflow.reports.sheet_model import (
    DEFAULT_THRESHOLDS,
    IgnitionItem,
    SheetScope,
    SheetThresholds,
    WeeklySheet,
)
from okrflow.reports.sheet_week import SheetWeek, prepare_week
from okrflow.reports.snapshot_lookups import objective_team_id
from okrflow.reports.squares import (
    health_square,
    ignition_items,
    ignition_section,
    org_summary,
    priorities,
    upcoming_items,
)

__all__ = ["build_sheet", "build_weekly_sheet"]

_ATTENTION_RANKS = frozenset(s.rank for s in ATTENTION)


def build_weekly_sheet(
    snapshot: CycleSnapshot,
    *,
    week: int,
    team_id: str | None,
    flags: Sequence[Flag],
    ignition: Sequence[IgnitionItem] | None = None,
    thresholds: SheetThresholds = DEFAULT_THRESHOLDS,
) -> WeeklySheet:
    """Build the weekly meeting sheet of one team, or of the whole org when ``team_id`` is None.

    To build the sheets of many teams of one week, prepare the week once
    (``okrflow.reports.sheet_week.prepare_week``) and call ``build_sheet`` for each team.

    Args:
        snapshot: The cycle as of (at least) the week's review.
        week: The cycle week, 1-based.
        team_id: The team meeting; None for the org-wide summary (counts per status, one
            line per team, and only the blocked, low-confidence and at-risk key results,
            at most ``thresholds.org_row_limit``; upcoming lists milestones and events only).
        flags: The review's flags; active flags of this week about key results are shown.
        ignition: The ignition check's items, shown in the decomposition weeks (weeks 1–2
            by default); None computes the task counts from the snapshot (no capacity).
        thresholds: Where low confidence, high confidence and "at risk" begin, and list caps.

    Returns:
        The WeeklySheet, identical for identical inputs.

    Raises:
        ValidationFailed: If the cycle has no such week.
        NotFound: If the team is not in the snapshot.
    """
    prepared = prepare_week(snapshot, week=week, flags=flags, thresholds=thresholds)
    return build_sheet(prepared, team_id, ignition=ignition)


def build_sheet(
    prepared: SheetWeek, team_id: str | None, *, ignition: Sequence[IgnitionItem] | None = None
) -> WeeklySheet:
    """Build the sheet of one team (None: the whole org) of a prepared week.

    The same sheet as ``build_weekly_sheet`` with the week's snapshot, flags and thresholds.

    Raises:
        NotFound: If the team is not in the snapshot.
    """
    snapshot, week, win, thresholds = prepared.snapshot, prepared.week, prepared.win, prepared.thresholds
    cycle = snapshot.cycle
    if team_id is not None and team_id not in snapshot.teams:
        raise NotFound("team", team_id)
    org_wide = team_id is None

    flags_by_kr = prepared.flags_by_kr
    assessed: list[Assessed] = []
    for objective in scope_objectives(snapshot, team_id):
        owner_team = team_id if not org_wide else objective_team_id(snapshot, objective)
        for kr in snapshot.krs_by_objective.get(objective.id, ()):
            assessed.append(
                assess(snapshot, kr, objective, owner_team, win, flags_by_kr.get(kr.id, ()), thresholds)
            )
    assessed.sort(key=meeting_order)

    omitted = 0
    if org_wide:
        listed = [a for a in assessed if a.rank in _ATTENTION_RANKS and not a.collapsed]
        omitted = max(0, len(listed) - thresholds.org_row_limit)
        listed = listed[: thresholds.org_row_limit]
    else:
        listed = assessed
    upcoming, upcoming_omitted = upcoming_items(
        snapshot,
        assessed,
        win,
        prepared.events_for(team_id),
        org_wide,
        thresholds.upcoming_days,
        thresholds.org_upcoming_limit if org_wide else None,
    )
    ignition_check = None
    if week <= cycle.cadence.decomposition_weeks:
        scope = {a.kr.id: a for a in assessed}
        items = ignition if ignition is not None else ignition_items(snapshot, kr_ids=list(scope))
        ignition_check = ignition_section(snapshot, scope, items, org_wide, thresholds.org_row_limit)
    team = snapshot.teams[team_id] if team_id is not None else None
    return WeeklySheet(
        scope=SheetScope.ORG if org_wide else SheetScope.TEAM,
        org_name=snapshot.org.name,
        cycle_id=cycle.id,
        cycle_name=cycle.name,
        week=week,
        weeks_in_cycle=prepared.weeks_in_cycle,
        week_first=prepared.first,
        week_last=prepared.last,
        review_date=win.review_date,
        team_id=team_id,
        team_name=team.name if team is not None else None,
        expected=round(win.expected, 4),
        status_counts=status_counts(assessed),
        okrs=[kr_row(snapshot, a, win, prepared.zone) for a in listed],
        priorities=priorities(snapshot, assessed, win, thresholds.max_priorities),
        upcoming=upcoming,
        upcoming_omitted=upcoming_omitted,
        health=None if team_id is None else health_square(snapshot, team_id, week, thresholds.health_history),
        ignition=ignition_check,
        summary=org_summary(snapshot, assessed, week, omitted) if org_wide else None,
    )
