"""``generate_org``: a deterministic, realistic organisation in the middle of an OKR quarter.

Same seed (and arguments), same organisation, down to every id: all randomness comes from one
``random.Random(seed)`` and ids are the org id plus counters. See ``okrflow.synthetic.scenario``
for the story each key result is scripted to tell.
"""

from __future__ import annotations

import gc
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from okrflow.domain.calendar import local_date, phase_at, review_time, week_of
from okrflow.domain.model import (
    Cadence,
    CalendarEvent,
    CheckIn,
    Cycle,
    Direction,
    HealthPulse,
    KeyResult,
    KRKind,
    Language,
    Objective,
    Org,
    Person,
    Task,
    Team,
)
from okrflow.domain.snapshot import CycleSnapshot
from okrflow.synthetic import activity
from okrflow.synthetic.people import MIN_PEOPLE, PeopleBuilder
from okrflow.synthetic.plan import KRDraft, PlanBuilder
from okrflow.synthetic.scenario import Scenario, Story
from okrflow.synthetic.story import kr_stories
from okrflow.synthetic.themes import ORG_NAMES
from okrflow.synthetic.timeline import Timeline, holidays_for
from okrflow.synthetic.work import WorkBuilder

_HOMES = (("Asia/Shanghai", Language.ZH), ("Europe/Berlin", Language.EN))


@dataclass
class SyntheticOrg:
    """A generated organisation and one cycle of its OKRs, with the story the data tells.

    The lists are ready for ``okrflow.store.bulk.bulk_load`` (``write``) or for a snapshot
    (``snapshot``). ``story.as_of`` is the review instant the story is told for.
    """

    seed: int
    scenario: Scenario
    org: Org
    cycle: Cycle
    people: list[Person]
    teams: list[Team]
    objectives: list[Objective]
    key_results: list[KeyResult]
    tasks: list[Task]
    check_ins: list[CheckIn]
    pulses: list[HealthPulse]
    events: list[CalendarEvent]
    story: Story

    @property
    def as_of(self) -> datetime:
        return self.story.as_of

    @property
    def as_of_week(self) -> int:
        return self.story.as_of_week

    def review_time(self, week: int) -> datetime:
        """The weekly review instant of ``week`` (UTC), as the cycle calendar has it."""
        at = review_time(self.cycle, week)
        if at is None:
            raise ValueError(f"week {week} of cycle {self.cycle.name!r} has no weekly review")
        return at

    def snapshot(
        self, as_of: datetime | None = None, *, streaks: dict[tuple[str, str], int] | None = None
    ) -> CycleSnapshot:
        """The cycle as of ``as_of`` (default: the story's as-of review).

        Check-ins after ``as_of`` and pulses of later weeks are left out; tasks and
        ``KeyResult.current`` are as of the story's as-of instant.
        """
        at = self.as_of if as_of is None else as_of
        week = week_of(self.cycle, local_date(self.cycle, at))
        with _gc_paused():
            return CycleSnapshot.build(
                org=self.org,
                cycle=self.cycle,
                as_of=at,
                people=self.people,
                teams=self.teams,
                objectives=self.objectives,
                key_results=self.key_results,
                tasks=self.tasks,
                check_ins=self.check_ins,
                pulses=[p for p in self.pulses if p.week <= week],
                events=self.events,
                streaks=streaks,
            )

    def write(self, session: Any, **options: Any) -> dict[str, int]:
        """Insert every record through ``okrflow.store.bulk.bulk_load`` in ``session`` (not committed).

        Args:
            session: A SQLAlchemy session of a migrated store.
            options: Passed on to ``bulk_load`` (e.g. ``audit=True``).

        Returns:
            Rows written per table.
        """
        from okrflow.store.bulk import bulk_load  # the generator itself needs no database

        return bulk_load(
            session,
            orgs=[self.org],
            people=self.people,
            teams=self.teams,
            cycles=[self.cycle],
            objectives=self.objectives,
            key_results=self.key_results,
            tasks=self.tasks,
            check_ins=self.check_ins,
            pulses=self.pulses,
            events=self.events,
            **options,
        )

    def counts(self) -> dict[str, int]:
        return {
            "people": len(self.people),
            "teams": len(self.teams),
            "objectives": len(self.objectives),
            "key_results": len(self.key_results),
            "tasks": len(self.tasks),
            "check_ins": len(self.check_ins),
            "pulses": len(self.pulses),
            "events": len(self.events),
        }


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while hundreds of thousands of records are built.

    It would rescan the growing heap again and again (half the run time at 10,000 people);
    nothing built here forms reference cycles, so nothing is lost by waiting.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _cycle_name(start: date, weeks: int) -> str:
    if weeks == 13 and start.day == 1 and start.month in (1, 4, 7, 10):
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.isoformat()} ({weeks} weeks)"


def _current(kr: KRDraft, upto: int) -> float | None:
    last = max((w for w in range(1, upto + 1) if kr.checked_in[w - 1]), default=None)
    if last is not None:
        return kr.values[last - 1]
    if kr.kind is KRKind.BINARY:
        return 0.0
    if kr.kind is KRKind.METRIC and kr.direction is not Direction.STAY_WITHIN:
        return kr.start
    return None


def generate_org(
    *,
    seed: int,
    people: int,
    cycle_start: date = date(2026, 1, 1),
    weeks: int = 13,
    as_of_week: int | None = None,
    check_in_weeks: int | None = None,
    org_id: str | None = None,
    timezone: str | None = None,
    scenario: Scenario | None = None,
) -> SyntheticOrg:
    """Generate an organisation of ``people`` people in the middle of a ``weeks``-week cycle.

    Args:
        seed: Everything random derives from it; the same arguments give an identical org.
        people: Head count (at least 10), leavers included.
        cycle_start: The cycle's first day; it ends ``7 * weeks - 1`` days later.
        weeks: Length of the cycle in weeks (1..60).
        as_of_week: The review the story is told for (default: about 60% through, week 8 of 13).
        check_in_weeks: Weeks of check-ins and pulses to write, 0..weeks (default ``as_of_week``).
            Later weeks continue each trajectory; earlier cut-offs leave the story's check-in
            signals unmet.
        org_id: Prefix of every id (default ``org-<seed>``), at most 40 characters.
        timezone: The org's home, "Asia/Shanghai" (Chinese org) or "Europe/Berlin"; default from the seed.
        scenario: Shares of each pattern and other knobs (default ``Scenario()``).

    Returns:
        The SyntheticOrg, its story as of the review of ``as_of_week``.

    Raises:
        ValueError: If an argument is out of range (the message names it).
    """
    with _gc_paused():
        return _generate(
            seed=seed,
            people=people,
            cycle_start=cycle_start,
            weeks=weeks,
            as_of_week=as_of_week,
            check_in_weeks=check_in_weeks,
            org_id=org_id,
            timezone=timezone,
            scenario=scenario or Scenario(),
        )


def _generate(
    *,
    seed: int,
    people: int,
    cycle_start: date,
    weeks: int,
    as_of_week: int | None,
    check_in_weeks: int | None,
    org_id: str | None,
    timezone: str | None,
    scenario: Scenario,
) -> SyntheticOrg:
    sc = scenario
    if people < MIN_PEOPLE:
        raise ValueError(f"people: {people} is too few; generate at least {MIN_PEOPLE}")
    if not 1 <= weeks <= 60:
        raise ValueError(f"weeks: {weeks} must be within 1..60")
    a = round(weeks * 0.6) if as_of_week is None else as_of_week
    a = max(1, a)
    if not 1 <= a <= weeks:
        raise ValueError(f"as_of_week: {a} must be within 1..{weeks}")
    upto = a if check_in_weeks is None else check_in_weeks
    if not 0 <= upto <= weeks:
        raise ValueError(f"check_in_weeks: {upto} must be within 0..{weeks}")
    oid = org_id or f"org-{seed}"
    if len(oid) > 40 or not re.fullmatch(r"[A-Za-z0-9_.:-]+", oid):
        raise ValueError(f"org_id: {oid!r} must be 1..40 characters of letters, digits, '_', '.', ':' or '-'")

    rng = random.Random(seed)
    home = next((h for h in _HOMES if h[0] == timezone), None) if timezone else rng.choice(_HOMES)
    if home is None:
        raise ValueError(f"timezone: {timezone!r} must be one of {', '.join(h[0] for h in _HOMES)}")
    tz, lang = home
    en_name, zh_name = rng.choice(ORG_NAMES)
    org = Org(id=oid, name=zh_name if lang is Language.ZH else en_name, timezone=tz, language=lang)
    end = cycle_start + timedelta(days=7 * weeks - 1)
    cycle = Cycle(
        id=f"{oid}-cy{cycle_start:%Y%m%d}",
        org_id=oid,
        name=_cycle_name(cycle_start, weeks),
        start=cycle_start,
        end=end,
        timezone=tz,
        cadence=Cadence(holidays=holidays_for(tz, cycle_start, end)),
    )
    tl = Timeline(cycle, a)
    cycle.phase = phase_at(cycle, tl.as_of)

    shape = PeopleBuilder(
        rng, org_id=oid, org_lang=lang, org_tz=tz, domain=f"{_slug(en_name)}.example", scenario=sc
    ).build(people)
    plan = PlanBuilder(rng, org_id=oid, cycle_id=cycle.id, shape=shape, timeline=tl, scenario=sc)
    plan.build()
    unavailable = plan.assign_patterns()
    plan.trajectories()
    owners = {o.owner_id for o in plan.objectives} | {k.owner_id for k in plan.krs}
    work = WorkBuilder(rng, org_id=oid, shape=shape, timeline=tl, scenario=sc, krs=plan.krs, owners=owners)
    work.build()

    persons = [p.model_copy(update={"active": False}) if p.id in work.leavers else p for p in shape.people]
    by_id = {p.id: p for p in persons}
    tasks = work.records(by_id)
    check_ins = activity.check_ins(
        rng,
        org_id=oid,
        tl=tl,
        krs=plan.krs,
        tasks_by_kr=work.by_kr,
        people=by_id,
        weeks=upto,
        recovery=plan.recovery_week(),
    )
    pulses, red = activity.pulses(
        rng,
        org_id=oid,
        cycle_id=cycle.id,
        tl=tl,
        teams=shape.teams,
        people=by_id,
        weeks=upto,
        red_share=sc.red_pulse_team_share,
    )
    events = activity.events(rng, org_id=oid, cycle_id=cycle.id, tl=tl, teams=shape.teams, org_lang=lang)
    key_results = [
        KeyResult(
            id=k.id,
            org_id=oid,
            objective_id=k.objective_id,
            title=k.title,
            owner_id=k.owner_id,
            kind=k.kind,
            direction=k.direction,
            start=k.start,
            target=k.target,
            current=_current(k, min(a, upto)),
            unit=k.unit,
            weight=k.weight,
            due=k.due,
        )
        for k in plan.krs
    ]
    stories = kr_stories(
        tl=tl,
        key_results=key_results,
        patterns={k.id: k.pattern for k in plan.krs},
        tasks=tasks,
        check_ins=check_ins,
        people=by_id,
        weeks=max(upto, 1),
    )
    leavers = frozenset(t.owner_id for t in tasks if t.owner_id in work.leavers)
    story = Story(
        as_of=tl.as_of,
        as_of_week=a,
        key_results=stories,
        over_capacity=frozenset(work.overloaded),
        red_pulse_teams=red,
        leavers=leavers,
        unavailable=unavailable,
    )
    return SyntheticOrg(
        seed=seed,
        scenario=sc,
        org=org,
        cycle=cycle,
        people=persons,
        teams=[n.team for n in shape.teams],
        objectives=plan.objectives,
        key_results=key_results,
        tasks=tasks,
        check_ins=check_ins,
        pulses=pulses,
        events=events,
        story=story,
    )


def small_org(
    *, seed: int = 7, people: int = 60, as_of_week: int | None = None, **kwargs: Any
) -> SyntheticOrg:
    """A 60-person org for tests: every pattern shows at the default as-of week (8 of 13)."""
    return generate_org(seed=seed, people=people, as_of_week=as_of_week, **kwargs)
