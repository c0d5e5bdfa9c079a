"""Dashboard views built from the roll-ups, and who may read which (pure).

``dashboard(...)`` turns one aggregate of ``okrflow.dashboards`` (the org, a team with its
subtree, a person) plus what the per-KR rows say about the at-risk line into a ``Dashboard``.
``visible_scope(...)`` is the read policy: members see their own dashboard and their team's;
managers and team leads also the teams below them and the people in those teams or reporting
to them; the OKR ambassador and admins everything, the org dashboard included.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from okrflow.dashboards import EPS, DashboardScope, TeamLike, ratio, team_chain
from okrflow.domain.calendar import local_date, week_count, week_of
from okrflow.domain.model import Cycle, Person, Role, TaskStatus
from okrflow.domain.progress import clamp
from okrflow.domain.trend import Trend, confidence_trend
from okrflow.reports.sheet_model import DEFAULT_THRESHOLDS, SheetThresholds

__all__ = [
    "AtRiskItem",
    "AtRiskStats",
    "Compliance",
    "ConfidencePoint",
    "ConfidenceTrend",
    "Dashboard",
    "HealthCounts",
    "OpenConsultation",
    "OverdueMilestone",
    "TaskCompletion",
    "at_risk_line",
    "dashboard",
    "visible_scope",
]

# ---------------------------------------------------------------- views


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class HealthCounts(_View):
    """Key results by health, in meeting order."""

    blocked: int = 0
    low_confidence: int = 0
    at_risk: int = 0
    no_check_in: int = 0
    on_track: int = 0
    done: int = 0


class Compliance(_View):
    """Check-ins this week: how many key results were checked in during the current cycle week."""

    week: int
    checked_in: int
    key_results: int
    share: float | None


class ConfidencePoint(_View):
    week: int
    average: float
    key_results: int  # key results checked in that week


class ConfidenceTrend(_View):
    """The average latest confidence of each week's check-ins, and its direction over the last three."""

    current: float | None  # average of every KR's latest confidence
    trend: Trend | None
    weeks: list[ConfidencePoint]


class TaskCompletion(_View):
    """Accepted tasks by status; ``share`` is done over all but cut ones."""

    todo: int = 0
    doing: int = 0
    blocked: int = 0
    done: int = 0
    cut: int = 0
    share: float | None = None


class AtRiskItem(_View):
    kr_id: str
    title: str
    objective_id: str
    owner_id: str | None
    team_id: str | None
    progress: float
    expected: float
    gap: float
    confidence: int | None
    last_check_in: datetime | None


class OverdueMilestone(_View):
    task_id: str
    title: str
    kr_id: str
    owner_id: str
    due: date
    status: TaskStatus
    days_overdue: int


class OpenConsultation(_View):
    id: str
    subject_type: str
    subject_id: str
    reason: str
    status: str
    meet_by: datetime
    level: int


class Dashboard(_View):
    """One dashboard: the org, a team with its whole subtree, or one person."""

    scope: DashboardScope
    scope_id: str
    name: str
    cycle_id: str
    cycle_name: str
    as_of: datetime
    week: int
    weeks_in_cycle: int
    progress: float  # org and team: objective-weighted; person: weighted over the KRs they own
    expected_progress: float
    gap: float
    objectives: int
    key_results: int
    health: HealthCounts
    at_risk: int
    at_risk_list: list[AtRiskItem]
    check_ins: Compliance
    confidence: ConfidenceTrend
    tasks: TaskCompletion
    overdue_milestones: int
    overdue_list: list[OverdueMilestone]
    open_consultations: int
    consultations: list[OpenConsultation]


@dataclass(frozen=True)
class AtRiskStats:
    """From the per-KR rows: open KRs at or past the at-risk line, and how many of them checked in
    this week."""

    count: int
    checked_this_week: int


def at_risk_line(expected: float, thresholds: SheetThresholds = DEFAULT_THRESHOLDS) -> float:
    """Open key results at or below this progress are at risk."""
    return expected - thresholds.at_risk_gap + EPS


def dashboard(
    *,
    scope: DashboardScope,
    scope_id: str,
    name: str,
    cycle: Cycle,
    as_of: datetime,
    expected: float,
    aggregate: Mapping[str, Any],
    at_risk: AtRiskStats,
    at_risk_list: Sequence[AtRiskItem] = (),
    overdue_list: Sequence[OverdueMilestone] = (),
    consultations: Sequence[OpenConsultation] = (),
) -> Dashboard:
    """Build a dashboard from one aggregate and what the per-KR rows said about the at-risk line.

    Args:
        scope: org, team or person.
        scope_id: The org, team or person id.
        name: What the dashboard is titled with.
        cycle: The cycle shown.
        as_of: The instant asked about (its local day decides the week and what is overdue).
        expected: Expected progress on that day.
        aggregate: The scope's summed contributions.
        at_risk: Counts from the per-KR rows.
        at_risk_list, overdue_list, consultations: The lists shown (already capped).
    """
    today = local_date(cycle, as_of)
    week = week_of(cycle, today)
    a = aggregate
    by_objective = ratio(a.get("owp", 0.0), a.get("ow", 0.0))
    by_kr = ratio(a.get("wp", 0.0), a.get("w", 0.0))
    if scope is DashboardScope.PERSON and by_kr is not None:
        by_objective = None  # a person is measured by the key results they own
    progress = by_objective if by_objective is not None else by_kr if by_kr is not None else 0.0
    progress = round(clamp(progress), 4)
    open_krs = int(a.get("open", 0))
    open_checked = int(a.get("open_last", {}).get(str(week), 0)) if week > 0 else 0
    on_track = max(0, open_checked - at_risk.checked_this_week)
    no_check_in = max(0, open_krs - at_risk.count - on_track)
    health = HealthCounts(
        blocked=int(a.get("blocked", 0)),
        low_confidence=int(a.get("low_confidence", 0)),
        at_risk=at_risk.count,
        no_check_in=no_check_in,
        on_track=on_track,
        done=int(a.get("done", 0)),
    )
    krs = int(a.get("krs", 0))
    checked = int(a.get("checked", {}).get(str(week), 0)) if week > 0 else 0
    points = [
        ConfidencePoint(week=int(w), average=round(s / n, 2), key_results=int(n))
        for w, (s, n) in sorted(a.get("conf_week", {}).items(), key=lambda kv: int(kv[0]))
        if n > 0 and int(w) <= max(week, 0)
    ]
    tasks = a.get("tasks", {})
    counts = {s.value: int(tasks.get(s.value, 0)) for s in TaskStatus}
    live = sum(counts.values()) - counts["cut"]
    overdue = sum(int(n) for d, n in a.get("ms_due", {}).items() if date.fromisoformat(d) < today)
    return Dashboard(
        scope=scope,
        scope_id=scope_id,
        name=name,
        cycle_id=cycle.id,
        cycle_name=cycle.name,
        as_of=as_of,
        week=week,
        weeks_in_cycle=week_count(cycle),
        progress=progress,
        expected_progress=round(expected, 4),
        gap=round(expected - progress, 4),
        objectives=int(a.get("objs", 0)),
        key_results=krs,
        health=health,
        at_risk=at_risk.count,
        at_risk_list=list(at_risk_list),
        check_ins=Compliance(
            week=week, checked_in=checked, key_results=krs, share=_round(ratio(checked, krs))
        ),
        confidence=ConfidenceTrend(
            current=_round(ratio(a.get("conf_sum", 0), a.get("conf_n", 0)), 2),
            trend=confidence_trend([p.average for p in points]) if len(points) >= 2 else None,
            weeks=points,
        ),
        tasks=TaskCompletion(**counts, share=_round(ratio(counts["done"], live))),
        overdue_milestones=overdue,
        overdue_list=list(overdue_list),
        open_consultations=len(consultations),
        consultations=list(consultations),
    )


def _round(x: float | None, digits: int = 4) -> float | None:
    return None if x is None or math.isnan(x) else round(x, digits)


# ---------------------------------------------------------------- who sees what


def visible_scope(
    actor: Person,
    scope: DashboardScope,
    *,
    team_id: str | None = None,
    person: Person | None = None,
    teams: Mapping[str, TeamLike] | None = None,
    reports_chain: Iterable[str] = (),
) -> bool:
    """Whether ``actor`` may read a dashboard (both are of the same org; the caller checked that).

    Members see their own dashboard and their team's; managers and team leads also see the teams
    below their team (or the teams they lead) and the people in them or reporting to them; the
    ambassador and admins see everything.

    Args:
        actor: The reader.
        scope: Which kind of dashboard.
        team_id: The team, for a team dashboard.
        person: The person, for a person dashboard.
        teams: The org's teams (for subtrees and leads).
        reports_chain: The person's managers, nearest first (for a person dashboard).
    """
    if actor.role in (Role.ADMIN, Role.AMBASSADOR):
        return True
    if scope is DashboardScope.ORG:
        return False
    teams = teams or {}
    if scope is DashboardScope.TEAM:
        if team_id is None:
            return False
        if team_id == actor.team_id:
            return True
        return bool(set(team_chain(teams, team_id)) & _overseen_roots(actor, teams))
    if person is None:
        return False
    if person.id == actor.id:
        return True
    if actor.role is not Role.MANAGER and not _leads(actor, teams):
        return False
    if actor.id in set(reports_chain):
        return True
    return person.team_id is not None and bool(
        set(team_chain(teams, person.team_id)) & _overseen_roots(actor, teams)
    )


def _leads(actor: Person, teams: Mapping[str, TeamLike]) -> bool:
    return any(t.lead_id == actor.id for t in teams.values())


def _overseen_roots(actor: Person, teams: Mapping[str, TeamLike]) -> set[str]:
    """The teams whose whole subtree ``actor`` oversees: the teams they lead, and (managers) their own."""
    roots = {t.id for t in teams.values() if t.lead_id == actor.id}
    if actor.role is Role.MANAGER and actor.team_id is not None:
        roots.add(actor.team_id)
    return roots
