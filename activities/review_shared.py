"""What the batches of one weekly review share, built once per shard: the snapshot, facts and verdicts.

Every batch of teams needs facts that reach across teams (a person's load comes from tasks
anywhere in the cycle, the cycle's facts from every key result), so a batch that loaded and
evaluated only its own teams repeated most of the work of its neighbours. Instead the teams
are split into a few shards (one per worker process, ``activities.review_pool``; one shard
of all teams when the worker reviews in its own process). The first batch of a shard loads
what the shard's facts read (``load_snapshot(team_ids=...)``), computes its subjects' facts,
evaluates the rule set once and leaves the result in a small per-process cache; the shard's
other batches wait for it and take their slice. The cycle's own facts add up over the shards
(``rules.cycle_tally``): the org-level batch asks every shard for its tally.

The cache is only an optimisation: a batch on another worker, or after a restart, builds its
own. Everything a batch writes still depends only on its own subjects (and is written once,
see ``activities.review``), and facts describe the cycle "before this review": a shard is
loaded once, before the review's first writes on this worker.
"""

from __future__ import annotations

import gc
import threading
import zlib
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from okrflow.domain.calendar import week_count
from okrflow.domain.model import Person, Phase, Role, SubjectType
from okrflow.domain.snapshot import CycleSnapshot
from rules.context import ReviewContext
from rules.cycle_tally import CycleTally, cycle_tally
from rules.engine import CompiledRuleSet, EvaluationResult, evaluate_facts
from rules.facts import facts_in
from rules.model import Scope

SUBJECT_OF_SCOPE = {
    Scope.KEY_RESULT: SubjectType.KEY_RESULT,
    Scope.OBJECTIVE: SubjectType.OBJECTIVE,
    Scope.TASK: SubjectType.TASK,
    Scope.PERSON: SubjectType.PERSON,
    Scope.TEAM: SubjectType.TEAM,
    Scope.CYCLE: SubjectType.CYCLE,
}
_SCOPE_OF_SUBJECT = {v: k for k, v in SUBJECT_OF_SCOPE.items()}


@dataclass(frozen=True)
class ReviewKey:
    """One review's shared work: everything that changes what the batches compute."""

    org_id: str
    cycle_id: str
    week: int
    as_of: datetime
    phase: Phase
    rule_set_version: int | None

    def review_week(self) -> tuple[str, str, int]:
        """(org, cycle, week): what a published review is dropped by."""
        return (self.org_id, self.cycle_id, self.week)


@dataclass(frozen=True)
class Shard:
    """The teams one worker process reviews: those whose id hashes to ``index`` of ``count``
    shards (what belongs to no team goes with shard 0); every team when ``count`` is 1."""

    index: int = 0
    count: int = 1

    def owns(self, team_id: str | None) -> bool:
        return self.count == 1 or shard_of(team_id, self.count) == self.index

    def teams(self, team_ids: Iterable[str]) -> list[str | None] | None:
        """The shard's teams among ``team_ids`` (and None: the subjects of no team); None: all."""
        if self.count == 1:
            return None
        mine: list[str | None] = [t for t in team_ids if self.owns(t)]
        return [*mine, None] if self.owns(None) else mine


def shard_of(team_id: str | None, count: int) -> int:
    """The shard of ``count`` a team belongs to (stable across processes and restarts)."""
    return 0 if team_id is None or count <= 1 else zlib.crc32(team_id.encode()) % count


@dataclass(frozen=True)
class Directory:
    """Who is who, for resolving escalation targets without scanning every person per rung."""

    people: Mapping[str, Person]
    by_role: Mapping[str, list[str]]  # role value -> active people, sorted by id
    by_handle: Mapping[str, list[str]]  # id or handle -> people

    @classmethod
    def of(cls, people: Mapping[str, Person]) -> Directory:
        by_role: dict[str, list[str]] = defaultdict(list)
        by_handle: dict[str, list[str]] = defaultdict(list)
        for p in people.values():
            if p.active:
                by_role[p.role.value].append(p.id)
            by_handle[p.id].append(p.id)
            if p.handle != p.id:
                by_handle[p.handle].append(p.id)
        return cls(
            people=people,
            by_role={r: sorted(ids) for r, ids in by_role.items()},
            by_handle=dict(by_handle),
        )

    def role(self, role: str | Role) -> list[str]:
        return list(self.by_role.get(role.value if isinstance(role, Role) else role, ()))


@dataclass
class SharedReview:
    """A shard's snapshot, its verdicts, who owns what per team, and its part of the cycle's facts."""

    key: ReviewKey
    shard: Shard
    snapshot: CycleSnapshot
    compiled: CompiledRuleSet
    scopes: frozenset[Scope]
    result: EvaluationResult  # about the shard's teams' subjects
    tally: CycleTally | None  # None: no rule reads the cycle's facts this week
    team_subjects: dict[str, dict[Scope, set[str]]]
    flag_teams: list[str]  # the team owning each flag's subject
    error_teams: list[str]  # the same for each evaluation error
    directory: Directory

    def subjects(self, team_ids: Collection[str]) -> dict[Scope, set[str] | None]:
        """The subjects a batch of teams owns: the teams, their objectives, key results, tasks, members."""
        out: dict[Scope, set[str] | None] = {
            s: set() for s in (Scope.TEAM, Scope.OBJECTIVE, Scope.KEY_RESULT, Scope.TASK, Scope.PERSON)
        }
        for team_id in team_ids:
            for scope, ids in self.team_subjects.get(team_id, {}).items():
                out[scope] |= ids  # type: ignore[operator]
        return out

    def verdicts(self, team_ids: Collection[str]) -> EvaluationResult:
        """The verdicts about a batch's subjects, in the result's order."""
        wanted = set(team_ids)
        return replace(
            self.result,
            flags=[h for h, t in zip(self.result.flags, self.flag_teams, strict=True) if t in wanted],
            errors=[e for e, t in zip(self.result.errors, self.error_teams, strict=True) if t in wanted],
        )

    def cycle_verdicts(self, tally: CycleTally) -> EvaluationResult:
        """The verdicts about the cycle, from the tally of every shard."""
        key, snapshot = self.key, self.snapshot
        only = self.compiled.facts_read_by_scope(week=key.week, phase=key.phase)
        ctx = ReviewContext(snapshot, week=key.week, now=key.as_of, only=only)
        return evaluate_facts(
            self.compiled,
            {Scope.CYCLE: {snapshot.cycle.id: tally.facts(ctx)}},
            week=key.week,
            phase=key.phase,
            now=key.as_of,
            weeks_in_cycle=week_count(snapshot.cycle),
        )


def build_shared(
    key: ReviewKey, snapshot: CycleSnapshot, compiled: CompiledRuleSet, shard: Shard = Shard()
) -> SharedReview:
    """Facts of every subject the shard's teams own, evaluated once, and the shard's tally of the
    cycle (pure: the snapshot is already loaded)."""
    scopes = frozenset(compiled.scopes(week=key.week, phase=key.phase))
    team_subjects, owner = _team_subjects(snapshot, shard)
    ctx = ReviewContext(
        snapshot,
        week=key.week,
        now=key.as_of,
        only=compiled.facts_read_by_scope(week=key.week, phase=key.phase),
    )
    table = facts_in(ctx, scopes=scopes - {Scope.CYCLE}, subjects={s: ids.keys() for s, ids in owner.items()})
    tally = cycle_tally(ctx, shard.teams(snapshot.teams)) if Scope.CYCLE in scopes else None
    result = evaluate_facts(
        compiled,
        table.rows,
        week=key.week,
        phase=key.phase,
        now=key.as_of,
        weeks_in_cycle=table.weeks_in_cycle,
    )

    def team_of(subject_type: SubjectType, subject_id: str) -> str:
        return owner[_SCOPE_OF_SUBJECT[subject_type]][subject_id]

    return SharedReview(
        key=key,
        shard=shard,
        snapshot=snapshot,
        compiled=compiled,
        scopes=scopes,
        result=result,
        tally=tally,
        team_subjects=team_subjects,
        flag_teams=[team_of(h.subject_type, h.subject_id) for h in result.flags],
        error_teams=[team_of(e.subject_type, e.subject_id) for e in result.errors],
        directory=Directory.of(snapshot.people),
    )


def _team_subjects(
    snapshot: CycleSnapshot, shard: Shard
) -> tuple[dict[str, dict[Scope, set[str]]], dict[Scope, dict[str, str]]]:
    """Per team of the shard: the team, its objectives, their key results and tasks, and its members;
    and the other way round, per scope, the team owning each of those subjects (one pass over each kind)."""
    teams = {t for t in snapshot.teams if shard.owns(t)}
    out: dict[str, dict[Scope, set[str]]] = {
        t: {
            Scope.TEAM: {t},
            Scope.OBJECTIVE: set(),
            Scope.KEY_RESULT: set(),
            Scope.TASK: set(),
            Scope.PERSON: set(),
        }
        for t in teams
    }
    team_of_objective = {
        o.id: o.team_id for o in snapshot.objectives.values() if o.team_id is not None and o.team_id in teams
    }
    team_of_kr = {
        kr.id: team
        for kr in snapshot.key_results.values()
        if (team := team_of_objective.get(kr.objective_id)) is not None
    }
    team_of_task = {
        t.id: team for t in snapshot.tasks.values() if (team := team_of_kr.get(t.kr_id)) is not None
    }
    team_of_person = {
        p.id: p.team_id for p in snapshot.people.values() if p.team_id is not None and p.team_id in teams
    }
    owner: dict[Scope, dict[str, str]] = {
        Scope.TEAM: {t: t for t in teams},
        Scope.OBJECTIVE: team_of_objective,
        Scope.KEY_RESULT: team_of_kr,
        Scope.TASK: team_of_task,
        Scope.PERSON: team_of_person,
    }
    for scope in (Scope.OBJECTIVE, Scope.KEY_RESULT, Scope.TASK, Scope.PERSON):
        for sid, team in owner[scope].items():
            out[team][scope].add(sid)
    return out, owner


class ReviewCache:
    """The last few reviews' shared work in this process, per shard; one builder per shard, the
    others wait.

    Holds at most ``capacity`` of them (a shard's snapshot each); the oldest goes first.
    """

    def __init__(self, capacity: int = 2) -> None:
        self.capacity = capacity
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[ReviewKey, Shard], SharedReview] = OrderedDict()
        self._building: dict[tuple[ReviewKey, Shard], threading.Lock] = {}
        self._retired: list[SharedReview] = []

    def get(self, key: tuple[ReviewKey, Shard], build: Callable[[], SharedReview]) -> SharedReview:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
            building = self._building.setdefault(key, threading.Lock())
        with building:
            with self._lock:
                found = self._entries.get(key)
                if found is not None:
                    return found
            shared = build()
            # A whole-cycle snapshot is a few million objects that live until the review is
            # published. Left to the cyclic collector, every full collection would walk them
            # all again (seen: more time than the batches' own work). They form no cycles and
            # are freed by reference counting, so keep them out of its way while cached.
            gc.freeze()
            with self._lock:
                self._entries[key] = shared
                while len(self._entries) > self.capacity:
                    self._entries.popitem(last=False)
                self._building.pop(key, None)
            return shared

    def peek(self, org_id: str, cycle_id: str, week: int, as_of: datetime) -> SharedReview | None:
        """A cached review of this cycle, week and instant, whatever its rule set, if there is one."""
        with self._lock:
            for (key, _), shared in reversed(self._entries.items()):
                if (key.org_id, key.cycle_id, key.week, key.as_of) == (org_id, cycle_id, week, as_of):
                    return shared
        return None

    def drop(self, org_id: str, cycle_id: str, week: int, *, later: bool = False) -> None:
        """Forget a review once it is published; ``later``: keep its memory until
        ``release_retired`` (freeing a shard's objects takes a while: better when idle)."""
        wanted = (org_id, cycle_id, week)
        with self._lock:
            dropped = [self._entries.pop(k) for k in list(self._entries) if k[0].review_week() == wanted]
            if later:
                # At most ``capacity`` wait to be freed: reviews back to back free them as they go.
                self._retired += dropped
                dropped, self._retired = self._retired[: -self.capacity], self._retired[-self.capacity :]
        del dropped
        self._unfreeze_if_empty()

    def release_retired(self) -> bool:
        """Free the reviews dropped ``later``; whether there were any."""
        with self._lock:
            retired, self._retired = self._retired, []
        if not retired:
            return False
        del retired
        self._unfreeze_if_empty()
        return True

    def _unfreeze_if_empty(self) -> None:
        with self._lock:
            if not self._entries and not self._retired:
                # Whatever else was frozen with the snapshots goes back to the collector.
                gc.unfreeze()
