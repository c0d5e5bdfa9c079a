"""The weekly life of a synthetic quarter: check-ins, team health pulses and calendar events."""

from __future__ import annotations

import random
from datetime import date, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from okrflow.domain.calendar import cycle_calendar, week_span
from okrflow.domain.model import (
    CalendarEvent,
    CheckIn,
    HealthLevel,
    HealthPulse,
    Language,
    Person,
    TaskStatus,
)
from okrflow.synthetic.people import TeamNode
from okrflow.synthetic.phrases import BLOCKERS, EVENTS, NOTES, PULSE_NOTES, TEAM_EVENTS, TIGHT_UNITS
from okrflow.synthetic.plan import KRDraft
from okrflow.synthetic.scenario import Pattern
from okrflow.synthetic.timeline import Timeline
from okrflow.synthetic.work import TaskDraft

_G, _Y, _R = HealthLevel.GREEN, HealthLevel.YELLOW, HealthLevel.RED
_GOOD_NEWS = frozenset({"good", "ahead", "disconnect", "recovered"})
_PLAIN = [("On plan this week, now at {value}.", "本周按计划推进，目前为 {value}。")]


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _shown(value: float, unit: str) -> str:
    sep = "" if unit in TIGHT_UNITS or not unit else " "
    return f"{value:g}{sep}{unit}"


def _mood(kr: KRDraft, week: int, as_of_week: int, recovery: int | None) -> str:
    p = kr.pattern
    if p is Pattern.AHEAD:
        return "ahead"
    if p is Pattern.BEHIND:
        return "behind" if week >= as_of_week - 2 else "good"
    if p is Pattern.LOW_CONFIDENCE_GAP:
        return "worried" if kr.confidence[week - 1] <= 5 else "good"
    if p is Pattern.DISCONNECT:
        return "disconnect" if week >= 3 else "good"
    if p is Pattern.BLOCKED_CHAIN:
        return "blocked" if week >= as_of_week - 1 else "good"
    if p is Pattern.RECOVERING and recovery is not None:
        return "behind" if week < recovery else "recovered" if week == recovery else "good"
    return "good"


def check_ins(
    rng: random.Random,
    *,
    org_id: str,
    tl: Timeline,
    krs: list[KRDraft],
    tasks_by_kr: dict[str, list[TaskDraft]],
    people: dict[str, Person],
    weeks: int,
    recovery: int | None,
) -> list[CheckIn]:
    """Each KR owner's weekly check-ins for weeks 1..``weeks``, following the KR's trajectory."""
    out: list[CheckIn] = []
    a = tl.as_of_week
    for kr in krs:
        author = people[kr.owner_id]
        zh = author.language is Language.ZH
        tz = _zone(author.timezone)
        tasks = tasks_by_kr.get(kr.id, [])
        titles = [t.titles[1] if zh else t.titles[0] for t in tasks]
        done = [t.titles[1] if zh else t.titles[0] for t in tasks if t.status is TaskStatus.DONE]
        upcoming = [
            (t.titles[1] if zh else t.titles[0])
            for t in sorted(
                (t for t in tasks if t.is_open and t.due is not None), key=lambda t: t.due or tl.cycle.end
            )
        ][:3]
        for w in range(1, weeks + 1):
            if not kr.checked_in[w - 1]:
                continue
            value = kr.values[w - 1]
            mood = _mood(kr, w, a, recovery)
            choices = NOTES[mood] if titles else [n for n in NOTES[mood] if "{task}" not in n[0]] or _PLAIN
            en, zh_text = rng.choice(choices)
            text = zh_text if zh else en
            shown = _shown(value, kr.unit) if value is not None else f"{round(kr.progress[w - 1] * 100)}%"
            # Good news names finished work; bad news names any task of the plan.
            named = done if done and mood in _GOOD_NEWS else titles
            note = text.format(task=rng.choice(named) if named else "", value=shown)
            blockers: list[str] = []
            if mood in ("behind", "worried", "blocked"):
                b_en, b_zh = rng.choice(BLOCKERS)
                blockers.append(b_zh if zh else b_en)
            out.append(
                CheckIn(
                    id=f"{org_id}-c{len(out) + 1:07d}",
                    org_id=org_id,
                    kr_id=kr.id,
                    author_id=author.id,
                    at=tl.check_in_at(rng, w).astimezone(tz),
                    value=value,
                    confidence=kr.confidence[w - 1],
                    note=note,
                    blockers=blockers,
                    next_priorities=upcoming[: rng.randint(1, 3)] if upcoming else [],
                )
            )
    return out


def _level(rng: random.Random, *, allow_red: bool) -> HealthLevel:
    r = rng.random()
    if r < 0.03 and allow_red:
        return _R
    return _Y if r < 0.25 else _G


def pulses(
    rng: random.Random,
    *,
    org_id: str,
    cycle_id: str,
    tl: Timeline,
    teams: list[TeamNode],
    people: dict[str, Person],
    weeks: int,
    red_share: float,
) -> tuple[list[HealthPulse], frozenset[str]]:
    """Every team's weekly pulse for weeks 1..``weeks`` and the teams scripted red for the last two."""
    a = tl.as_of_week
    leaves = [t for t in teams if t.level == "leaf"]
    red: frozenset[str] = frozenset()
    if a >= 2 and weeks >= a and leaves:
        red = frozenset(t.id for t in rng.sample(leaves, max(1, round(red_share * len(leaves)))))
    out: list[HealthPulse] = []
    for node in teams:
        zh = people[node.lead_id].language is Language.ZH
        prev: list[HealthLevel] = [_G, _G, _G]
        for w in range(1, weeks + 1):
            quiet = a - 2 <= w <= a  # no stray red around the as-of week
            if node.id in red and a - 1 <= w <= a:
                levels = [_R, rng.choice((_Y, _G)), rng.choice((_Y, _G))]
            elif node.id in red and w > a:
                levels = [_Y, _G, _G]
            else:
                levels = [_level(rng, allow_red=not quiet and prev[i] is not _R) for i in range(3)]
            prev = levels
            en, zh_note = PULSE_NOTES[levels[0].value]
            out.append(
                HealthPulse(
                    id=f"{org_id}-h{len(out) + 1:06d}",
                    org_id=org_id,
                    cycle_id=cycle_id,
                    team_id=node.id,
                    week=w,
                    team_health=levels[0],
                    quality=levels[1],
                    customer_satisfaction=levels[2],
                    note=zh_note if zh else en,
                )
            )
    return out, red


def events(
    rng: random.Random, *, org_id: str, cycle_id: str, tl: Timeline, teams: list[TeamNode], org_lang: Language
) -> list[CalendarEvent]:
    """Company events (all-hands, mid-quarter review, a board meeting soon after as-of) and team events."""
    cycle = tl.cycle
    zh = org_lang is Language.ZH
    out: list[CalendarEvent] = []

    def add(title: str, on: date, team_id: str | None = None) -> None:
        out.append(
            CalendarEvent(
                id=f"{org_id}-e{len(out) + 1:05d}",
                org_id=org_id,
                cycle_id=cycle_id,
                team_id=team_id,
                title=title,
                on=on,
            )
        )

    board, all_hands, review = ((zh_t if zh else en) for en, zh_t in EVENTS)
    first = tl.workdays[0] if tl.workdays else cycle.start
    add(all_hands, first)
    midterm = week_span(cycle, cycle_calendar(cycle).midterm_week)[0]
    add(review, tl.workday_between(rng, midterm, midterm + timedelta(days=6)) or midterm)
    soon = tl.workday_between(rng, tl.as_of_date + timedelta(days=7), tl.as_of_date + timedelta(days=20))
    add(board, soon or cycle.end)
    for node in teams:
        if node.level == "dept" or (node.level == "leaf" and rng.random() < 0.2):
            en, zh_t = rng.choice(TEAM_EVENTS)
            title = (zh_t if zh else en).format(area=node.area[1] if zh else node.area[0])
            on = tl.workday_between(rng, cycle.start, cycle.end) or cycle.end
            add(title, on, node.id)
    return out
