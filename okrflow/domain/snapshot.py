"""A cycle as of one instant: everything facts, rules and the weekly sheet read.

The store builds a snapshot from rows (``okrflow.store.snapshot.load_snapshot``); the
synthetic generator and tests build one directly. It is plain data plus lazily built
indexes, with no I/O, so every function over it is pure and fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from itertools import groupby
from operator import attrgetter
from typing import TypeVar

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

G = TypeVar("G")


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
        """Build from flat iterables in any order; check-ins after ``as_of`` are left out.

        Check-ins with the same ``at`` (and pulses of the same week) keep the order they came in.
        """
        by_kr = _grouped((ci for ci in check_ins if ci.at <= as_of), attrgetter("kr_id"))
        by_at = attrgetter("at")
        for items in by_kr.values():
            items.sort(key=by_at)
        by_team = _grouped(pulses, attrgetter("team_id"))
        by_week = attrgetter("week")
        for pulse_list in by_team.values():
            pulse_list.sort(key=by_week)
        return cls(
            org=org,
            cycle=cycle,
            as_of=as_of,
            people={p.id: p for p in people},
            teams={t.id: t for t in teams},
            objectives={o.id: o for o in objectives},
            key_results={k.id: k for k in key_results},
            tasks={t.id: t for t in tasks},
            check_ins=by_kr,
            pulses=by_team,
            events=list(events),
            streaks=dict(streaks or {}),
        )

    # ------------------------------------------------------------ indexes

    @cached_property
    def krs_by_objective(self) -> dict[str, list[KeyResult]]:
        return _grouped(self.key_results.values(), attrgetter("objective_id"))

    @cached_property
    def _accepted_tasks(self) -> list[Task]:
        """The accepted tasks: proposals and declined tasks are not part of the plan."""
        return [t for t in self.tasks.values() if t.plan_state is PlanState.ACCEPTED]

    @cached_property
    def tasks_by_kr(self) -> dict[str, list[Task]]:
        """Accepted tasks per KR."""
        return _grouped(self._accepted_tasks, attrgetter("kr_id"))

    @cached_property
    def tasks_by_owner(self) -> dict[str, list[Task]]:
        """Accepted tasks per owner."""
        return _grouped(self._accepted_tasks, attrgetter("owner_id"))

    @cached_property
    def objectives_by_team(self) -> dict[str, list[Objective]]:
        return _grouped(self.objectives.values(), attrgetter("team_id"))

    @cached_property
    def objectives_by_owner(self) -> dict[str, list[Objective]]:
        return _grouped(self.objectives.values(), attrgetter("owner_id"))

    @cached_property
    def krs_by_owner(self) -> dict[str, list[KeyResult]]:
        return _grouped(self.key_results.values(), attrgetter("owner_id"))

    @cached_property
    def people_by_team(self) -> dict[str, list[Person]]:
        return _grouped(self.people.values(), attrgetter("team_id"))

    def latest_check_in(self, kr_id: str) -> CheckIn | None:
        items = self.check_ins.get(kr_id)
        return items[-1] if items else None

    def team_of_kr(self, kr_id: str) -> str | None:
        kr = self.key_results[kr_id]
        return self.objectives[kr.objective_id].team_id


def _grouped(items: Iterable[G], key: Callable[[G], str | None]) -> dict[str, list[G]]:
    """``items`` by ``key``, each group in the order the items came; an item whose key is None is left out.

    Consecutive items with the same key are taken as one run, so items that come already grouped
    (check-ins ordered by KR, as the store reads them) cost one step per group, not per item.
    """
    out: dict[str, list[G]] = {}
    for k, run in groupby(items, key):
        if k is None:
            continue
        group = out.get(k)
        if group is None:
            out[k] = list(run)
        else:
            group.extend(run)
    return out
