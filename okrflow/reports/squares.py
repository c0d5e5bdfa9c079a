"""The weekly sheet's squares 2–4, the ignition check and the org-wide summary, from assessed KRs."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from okrflow.domain.model import (
    CalendarEvent,
    CheckIn,
    HealthLevel,
    HealthPulse,
    KeyResult,
    KRKind,
    Task,
    TaskStatus,
)
from okrflow.domain.snapshot import CycleSnapshot
from okrflow.domain.trend import Trend, confidence_trend
from okrflow.reports.assessment import (
    ATTENTION,
    Assessed,
    ReviewWindow,
    round4,
    status_counts,
)
from okrflow.reports.sheet_model import (
    HealthPoint,
    HealthSquare,
    HealthTrends,
    IgnitionItem,
    IgnitionRow,
    IgnitionSection,
    KRStatus,
    OrgSummary,
    PriorityItem,
    TeamLine,
    UpcomingItem,
    UpcomingKind,
)
from okrflow.reports.snapshot_lookups import OPEN_TASK, name_or_id, person_name

_KIND_ORDER = {k: i for i, k in enumerate(UpcomingKind)}
_KR_MILESTONE, _MILESTONE, _DEADLINE, _EVENT = (
    _KIND_ORDER[k]
    for k in (UpcomingKind.KR_MILESTONE, UpcomingKind.MILESTONE, UpcomingKind.DEADLINE, UpcomingKind.EVENT)
)
_DIMENSIONS = ("team_health", "quality", "customer_satisfaction")
_LEVELS = tuple(HealthLevel)
_STATUSES = tuple(KRStatus)


# ---------------------------------------------------------------- square 2: priorities


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold().rstrip(".。!！;；,，")


@dataclass(slots=True)
class _Priority:
    text: str  # as first written, whitespace collapsed
    order: int  # first mention
    best: int  # most urgent status rank among its KRs
    worst_flag: int  # most severe flag rank among its KRs
    mentions: list[tuple[Assessed, str]]  # (KR, author id), one per check-in naming it


def priorities(
    snapshot: CycleSnapshot, assessed: Sequence[Assessed], win: ReviewWindow, limit: int
) -> list[PriorityItem]:
    """This week's priorities from the check-ins' ``next_priorities``: the same text (ignoring
    case, spacing and final punctuation) counts once per check-in; ranked by the most urgent
    status among the KRs it serves, then the most severe flag, then how many check-ins name it,
    then who wrote it first; at most ``limit``."""
    written: list[tuple[CheckIn, Assessed]] = []
    for a in assessed:
        for ci in reversed(a.check_ins):
            if ci.at <= win.since:
                break
            if ci.next_priorities:
                written.append((ci, a))
    written.sort(key=lambda pair: (pair[0].at, pair[0].id))
    acc: dict[str, _Priority] = {}
    for ci, a in written:
        seen: set[str] = set()
        for text in ci.next_priorities:
            key = _normalise(text)
            if not key or key in seen:
                continue
            seen.add(key)
            item = acc.get(key)
            if item is None:
                acc[key] = _Priority(
                    " ".join(text.split()), len(acc), a.rank, a.worst_flag, [(a, ci.author_id)]
                )
                continue
            item.mentions.append((a, ci.author_id))
            item.best = min(item.best, a.rank)
            item.worst_flag = max(item.worst_flag, a.worst_flag)
    top = heapq.nsmallest(
        limit, acc.values(), key=lambda p: (p.best, -p.worst_flag, -len(p.mentions), p.order)
    )
    out = []
    for item in top:
        krs = {a.kr.id: a.kr.title for a, _ in item.mentions}
        people = {name_or_id(snapshot, author): None for _, author in item.mentions}
        out.append(
            PriorityItem.trusted(
                text=item.text,
                mentions=len(item.mentions),
                status=_STATUSES[item.best],
                kr_ids=list(krs),
                kr_titles=list(krs.values()),
                people=list(people),
            )
        )
    return out


# ---------------------------------------------------------------- square 3: the next four weeks


def upcoming_items(
    snapshot: CycleSnapshot,
    assessed: Sequence[Assessed],
    win: ReviewWindow,
    events: Iterable[CalendarEvent],
    org_wide: bool,
    horizon_days: int,
    limit: int | None,
) -> tuple[list[UpcomingItem], int]:
    """Open milestones and deadlines due before the horizon (overdue ones included), and
    ``events`` (those the sheet shows from the review date up to the horizon), by date. The
    org-wide sheet leaves out plain task deadlines."""
    today = win.review_date
    horizon = today + timedelta(days=horizon_days)  # exclusive
    # (date, kind order, title, id, kind, record, its KR): sorted first, turned into models only if kept
    found: list[tuple[date, int, str, str, UpcomingKind, Any, KeyResult | None]] = []
    tasks_by_kr = snapshot.tasks_by_kr
    for a in assessed:
        kr = a.kr
        if kr.kind is KRKind.MILESTONE and kr.due is not None and kr.due < horizon and a.progress < 1.0:
            found.append((kr.due, _KR_MILESTONE, kr.title, kr.id, UpcomingKind.KR_MILESTONE, kr, kr))
        for t in tasks_by_kr.get(kr.id, ()):
            if t.due is None or t.due >= horizon or t.status not in OPEN_TASK:
                continue
            if t.milestone:
                found.append((t.due, _MILESTONE, t.title, t.id, UpcomingKind.MILESTONE, t, kr))
            elif not org_wide:
                found.append((t.due, _DEADLINE, t.title, t.id, UpcomingKind.DEADLINE, t, kr))
    for ev in events:
        found.append((ev.on, _EVENT, ev.title, ev.id, UpcomingKind.EVENT, ev, None))
    found.sort(key=lambda f: f[:4])
    omitted = 0
    if limit is not None and len(found) > limit:
        found, omitted = found[:limit], len(found) - limit
    return [
        _upcoming_item(snapshot, today, on, kind, record, kr) for on, _, _, _, kind, record, kr in found
    ], omitted


def _upcoming_item(
    snapshot: CycleSnapshot,
    today: date,
    on: date,
    kind: UpcomingKind,
    record: KeyResult | Task | CalendarEvent,
    kr: KeyResult | None,
) -> UpcomingItem:
    owner_id = None if isinstance(record, CalendarEvent) else record.owner_id
    owner = snapshot.people.get(owner_id) if owner_id is not None else None
    return UpcomingItem.trusted(
        on=on,
        days=(on - today).days,
        kind=kind,
        title=record.title,
        subject_id=record.id,
        kr_id=kr.id if kr is not None else None,
        kr_title=kr.title if kr is not None else None,
        owner_name=owner.name if owner is not None else None,
        overdue=on < today and kind is not UpcomingKind.EVENT,
    )


# ---------------------------------------------------------------- square 4: health


def _point(p: HealthPulse) -> HealthPoint:
    return HealthPoint.trusted(
        week=p.week,
        team_health=p.team_health,
        quality=p.quality,
        customer_satisfaction=p.customer_satisfaction,
    )


def _pulses_until(snapshot: CycleSnapshot, team_id: str, week: int) -> list[HealthPulse]:
    return [p for p in snapshot.pulses.get(team_id, ()) if p.week <= week and p.cycle_id == snapshot.cycle.id]


def health_square(snapshot: CycleSnapshot, team_id: str, week: int, history: int) -> HealthSquare:
    pulses = _pulses_until(snapshot, team_id, week)
    if not pulses:
        return HealthSquare(team_id=team_id, latest=None)
    latest = pulses[-1]

    def trend(dim: str) -> Trend:
        return confidence_trend([getattr(p, dim).score for p in pulses[-3:]])

    return HealthSquare(
        team_id=team_id,
        latest=_point(latest),
        note=latest.note,
        stale=latest.week < week,
        trends=HealthTrends.model_validate({d: trend(d) for d in _DIMENSIONS}),
        history=[_point(p) for p in pulses[-history:]],
    )


# ---------------------------------------------------------------- ignition


def ignition_items(
    snapshot: CycleSnapshot, *, kr_ids: Iterable[str] | None = None, over_capacity: Collection[str] = ()
) -> list[IgnitionItem]:
    """The plan of each key result, counted the way the ignition rules' facts count it.

    ``task_count`` is accepted tasks that are not cut; unowned and undated count open tasks
    whose owner is not an active person, or that have no due date. Capacity is not
    recomputed here: pass the people the capacity check found over capacity.

    Args:
        snapshot: The cycle.
        kr_ids: The key results to look at (default: all of the snapshot's).
        over_capacity: Person ids over capacity.

    Returns:
        One item per key result, in the order of ``kr_ids`` (or of the snapshot).
    """
    ids = list(snapshot.key_results) if kr_ids is None else list(kr_ids)
    over = set(over_capacity)
    out = []
    for kr_id in ids:
        tasks = [t for t in snapshot.tasks_by_kr.get(kr_id, ()) if t.status is not TaskStatus.CUT]
        open_ = [t for t in tasks if t.status in OPEN_TASK]
        unowned = 0
        for t in open_:
            owner = snapshot.people.get(t.owner_id)
            unowned += owner is None or not owner.active
        out.append(
            IgnitionItem(
                kr_id=kr_id,
                task_count=len(tasks),
                unowned_tasks=unowned,
                undated_tasks=sum(1 for t in open_ if t.due is None),
                owners_over_capacity=sorted({t.owner_id for t in open_} & over),
            )
        )
    return out


def ignition_section(
    snapshot: CycleSnapshot,
    scope: dict[str, Assessed],
    items: Sequence[IgnitionItem],
    org_wide: bool,
    limit: int,
) -> IgnitionSection:
    mine = [i for i in items if i.kr_id in scope]
    over: set[str] = set()
    rows = []
    for i in mine:
        over.update(i.owners_over_capacity)
        if org_wide and i.ok:
            continue
        kr = scope[i.kr_id].kr
        rows.append(
            IgnitionRow(
                kr_id=i.kr_id,
                kr_title=kr.title,
                owner_name=person_name(snapshot, kr.owner_id),
                planned=i.planned,
                task_count=i.task_count,
                unowned_tasks=i.unowned_tasks,
                undated_tasks=i.undated_tasks,
                owners_over_capacity=[name_or_id(snapshot, p) for p in i.owners_over_capacity],
                ok=i.ok,
            )
        )
    rows.sort(
        key=lambda r: (
            r.ok,
            r.planned,
            -(r.unowned_tasks + r.undated_tasks + len(r.owners_over_capacity)),
            r.kr_title,
            r.kr_id,
        )
    )
    omitted = max(0, len(rows) - limit) if org_wide else 0
    return IgnitionSection(
        rows=rows[:limit] if org_wide else rows,
        unplanned=sum(1 for i in mine if not i.planned),
        with_unowned=sum(1 for i in mine if i.unowned_tasks),
        with_undated=sum(1 for i in mine if i.undated_tasks),
        owners_over_capacity=len(over),
        omitted=omitted,
    )


# ---------------------------------------------------------------- org summary


def org_summary(snapshot: CycleSnapshot, assessed: Sequence[Assessed], week: int, omitted: int) -> OrgSummary:
    """Counts per status for the org and for each team (teams needing most attention first),
    and how many teams' latest pulse is green, yellow or red in each dimension."""
    by_team: dict[str | None, list[Assessed]] = defaultdict(list)
    for a in assessed:
        by_team[a.team_id].append(a)
    health_counts = {d: {level: 0 for level in _LEVELS} for d in _DIMENSIONS}
    lines = []
    for team_id in sorted(set(snapshot.teams) | set(by_team), key=lambda t: (t is None, t or "")):
        items = by_team.get(team_id, [])
        team = snapshot.teams.get(team_id) if team_id is not None else None
        pulses = _pulses_until(snapshot, team_id, week) if team_id is not None else []
        point = _point(pulses[-1]) if pulses else None
        if point is not None:
            for d in _DIMENSIONS:
                health_counts[d][getattr(point, d)] += 1
        if not items and point is None:
            continue
        n = len(items)
        lines.append(
            TeamLine(
                team_id=team_id,
                team_name=team.name if team is not None else None,
                kr_total=n,
                by_status=status_counts(items),
                mean_progress=round4(sum(a.progress for a in items) / n) if n else 0.0,
                health=point,
            )
        )
    lines.sort(
        key=lambda line: (
            -sum(line.by_status[s] for s in ATTENTION),
            line.team_name is None,
            line.team_name or "",
            line.team_id or "",
        )
    )
    return OrgSummary(
        kr_total=len(assessed),
        by_status=status_counts(assessed),
        teams=lines,
        health_counts=health_counts,
        okrs_omitted=omitted,
    )
