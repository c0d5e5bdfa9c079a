"""A cycle as of one instant: everything facts, rules and the weekly sheet read.

The store builds a snapshot from rows (``okrflow.store.snapshot.load_snapshot``); the
synthetic generator and tests build one directly. It is plain data plus lazily built
indexes, with no I/O, so every function over it is pure and fast.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from okrflow.domain.model import (
    CalendarEvent,
    CheckIn,
    Cycle,
    HealthPulse,
    KeyResult,
    Objective,
    Org,
    Person,
    PlanState,
    Task,
    Team,
)


@dataclass
class CycleSnapshot:
    """One cycle of one org as of ``as_of`` (an aware datetime, normally a review instant).

    ``check_ins`` holds each KR's check-ins made on or before ``as_of``, oldest first.
    ``pulses`` holds each team's health pulses, by week ascending.
    ``streaks`` maps (rule id, subject id) to the consecutive weeks that rule has held
    for that subject before this review (the "weeks at risk so far" fact).
    """

    org: Org
    cycle: Cycle
    as_of: datetime
    people: dict[str, Person] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    objectives: dict[str, Objective] = field(default_factory=dict)
    key_results: dict[str, KeyResult] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    check_ins: dict[str, list[CheckIn]] = field(default_factory=dict)
    pulses: dict[str, list[HealthPulse]] = field(default_factory=dict)
    events: list[CalendarEvent] = field(default_factory=list)
    streaks: dict[tuple[str, str], int] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        *,
        org: Org,
        cycle: Cycle,
        as_of: datetime,
        people: Iterable[Person] = (),
        teams: Iterable[Team] = (),
        objectives: Iterable[Objective] = (),
        key_results: Iterable[KeyResult] = (),
        tasks: Iterable[Task] = (),
        check_ins: Iterable[CheckIn] = (),
        pulses: Iterable[HealthPulse] = (),
        events: Iterable[CalendarEvent] = (),
        streaks: dict[tuple[str, str], int] | None = None,
    ) -> CycleSnapshot:
        """Build from flat iterables; check-ins after ``as_of`` are left out."""
        by_kr: dict[str, list[CheckIn]] = defaultdict(list)
        for ci in check_ins:
            if ci.at <= as_of:
                by_kr[ci.kr_id].append(ci)
        for items in by_kr.values():
            items.sort(key=lambda c: c.at)
        by_team: dict[str, list[HealthPulse]] = defaultdict(list)
        for p in pulses:
            by_team[p.team_id].append(p)
        for items in by_team.values():
            items.sort(key=lambda p: p.week)
        return cls(
            org=org,
            cycle=cycle,
            as_of=as_of,
            people={p.id: p for p in people},
            teams={t.id: t for t in teams},
            objectives={o.id: o for o in objectives},
            key_results={k.id: k for k in key_results},
            tasks={t.id: t for t in tasks},
            check_ins=dict(by_kr),
            pulses=dict(by_team),
            events=list(events),
            streaks=dict(streaks or {}),
        )

    # ------------------------------------------------------------ indexes

    @cached_property
    def krs_by_objective(self) -> dict[str, list[KeyResult]]:
        out: dict[str, list[KeyResult]] = defaultdict(list)
        for kr in self.key_results.values():
            out[kr.objective_id].append(kr)
        return dict(out)

    @cached_property
    def tasks_by_kr(self) -> dict[str, list[Task]]:
        """Accepted tasks per KR (proposals and declined tasks are not part of the plan)."""
        out: dict[str, list[Task]] = defaultdict(list)
        for t in self.tasks.values():
            if t.plan_state is PlanState.ACCEPTED:
                out[t.kr_id].append(t)
        return dict(out)

    @cached_property
    def tasks_by_owner(self) -> dict[str, list[Task]]:
        out: dict[str, list[Task]] = defaultdict(list)
        for t in self.tasks.values():
            if t.plan_state is PlanState.ACCEPTED:
                out[t.owner_id].append(t)
        return dict(out)

    @cached_property
    def objectives_by_team(self) -> dict[str, list[Objective]]:
        out: dict[str, list[Objective]] = defaultdict(list)
        for o in self.objectives.values():
            if o.team_id is not None:
                out[o.team_id].append(o)
        return dict(out)

    @cached_property
    def objectives_by_owner(self) -> dict[str, list[Objective]]:
        out: dict[str, list[Objective]] = defaultdict(list)
        for o in self.objectives.values():
            out[o.owner_id].append(o)
        return dict(out)

    @cached_property
    def krs_by_owner(self) -> dict[str, list[KeyResult]]:
        out: dict[str, list[KeyResult]] = defaultdict(list)
        for kr in self.key_results.values():
            if kr.owner_id is not None:
                out[kr.owner_id].append(kr)
        return dict(out)

    @cached_property
    def people_by_team(self) -> dict[str, list[Person]]:
        out: dict[str, list[Person]] = defaultdict(list)
        for p in self.people.values():
            if p.team_id is not None:
                out[p.team_id].append(p)
        return dict(out)

    def latest_check_in(self, kr_id: str) -> CheckIn | None:
        items = self.check_ins.get(kr_id)
        return items[-1] if items else None

    def team_of_kr(self, kr_id: str) -> str | None:
        kr = self.key_results[kr_id]
        return self.objectives[kr.objective_id].team_id
