"""What the batches of one weekly review share, built once per worker: the snapshot, facts and verdicts.

Every batch of teams needs facts that reach across teams (a person's load comes from tasks
anywhere in the cycle, the cycle's facts from every key result), so a batch that loaded and
evaluated only its own teams repeated most of the work of its neighbours, and the org-level
batch loaded the whole cycle again. Now the first batch of a review on a worker loads the
cycle once, computes every subject's facts, evaluates the rule set once, and leaves the result
in a small per-worker cache; the review's other batches wait for it and take their slice.

The cache is only an optimisation: a batch on another worker, or after a restart, builds its
own. Everything a batch writes still depends only on its own subjects (and is written once,
see ``activities.review``), and facts describe the cycle "before this review": the snapshot is
loaded once, before the review's first writes on this worker.
"""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from okrflow.domain.model import Person, Phase, Role, SubjectType
from okrflow.domain.snapshot import CycleSnapshot
from rules.context import Facts
from rules.engine import CompiledRuleSet, EvaluationResult, evaluate_facts
from rules.facts import compute_facts
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
    """A review's snapshot of the whole cycle, its verdicts, and who owns what, per team."""

    key: ReviewKey
    snapshot: CycleSnapshot
    compiled: CompiledRuleSet
    scopes: frozenset[Scope]
    result: EvaluationResult
    team_subjects: dict[str, dict[Scope, set[str]]]
    flag_teams: list[str | None]  # the team owning each flag's subject (None: the cycle)
    error_teams: list[str | None]  # the same for each evaluation error
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

    def verdicts(self, team_ids: Collection[str] | None) -> EvaluationResult:
        """The verdicts about a batch's subjects, in the result's order; None: the cycle's own."""
        wanted: set[str | None] = {None} if team_ids is None else set(team_ids)
        return replace(
            self.result,
            flags=[h for h, t in zip(self.result.flags, self.flag_teams, strict=True) if t in wanted],
            errors=[e for e, t in zip(self.result.errors, self.error_teams, strict=True) if t in wanted],
        )


def build_shared(key: ReviewKey, snapshot: CycleSnapshot, compiled: CompiledRuleSet) -> SharedReview:
    """Facts of every subject some batch owns, evaluated once (pure: the snapshot is already loaded)."""
    scopes = frozenset(compiled.scopes(week=key.week, phase=key.phase))
    team_subjects, owner = _team_subjects(snapshot)
    table = compute_facts(
        snapshot,
        week=key.week,
        now=key.as_of,
        scopes=scopes,
        only=compiled.facts_read_by_scope(week=key.week, phase=key.phase),
    )
    rows = {scope: _owned(subject_rows, owner.get(scope)) for scope, subject_rows in table.rows.items()}
    result = evaluate_facts(
        compiled,
        rows,
        week=key.week,
        phase=key.phase,
        now=key.as_of,
        weeks_in_cycle=table.weeks_in_cycle,
    )

    def team_of(subject_type: SubjectType, subject_id: str) -> str | None:
        scope = _SCOPE_OF_SUBJECT[subject_type]
        return None if scope is Scope.CYCLE else owner[scope][subject_id]

    return SharedReview(
        key=key,
        snapshot=snapshot,
        compiled=compiled,
        scopes=scopes,
        result=result,
        team_subjects=team_subjects,
        flag_teams=[team_of(h.subject_type, h.subject_id) for h in result.flags],
        error_teams=[team_of(e.subject_type, e.subject_id) for e in result.errors],
        directory=Directory.of(snapshot.people),
    )


def _owned(rows: Mapping[str, Facts], owner: Mapping[str, str] | None) -> Mapping[str, Facts]:
    """The rows of the subjects some team owns (all of them for the cycle, whose owner map is None)."""
    if owner is None or rows.keys() <= owner.keys():
        return rows  # the usual case: every subject has a team, and the rows need no copy
    return {sid: facts for sid, facts in rows.items() if sid in owner}


def _team_subjects(
    snapshot: CycleSnapshot,
) -> tuple[dict[str, dict[Scope, set[str]]], dict[Scope, dict[str, str]]]:
    """Per team: the team, its objectives, their key results and tasks, and its members; and the
    other way round, per scope, the team owning each of those subjects (one pass over each kind)."""
    teams = snapshot.teams
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
    """The last few reviews' shared work on this worker; one builder per review, the others wait.

    Holds at most ``capacity`` reviews (a whole-cycle snapshot each); the oldest goes first.
    """

    def __init__(self, capacity: int = 2) -> None:
        self.capacity = capacity
        self._lock = threading.Lock()
        self._entries: OrderedDict[ReviewKey, SharedReview] = OrderedDict()
        self._building: dict[ReviewKey, threading.Lock] = {}

    def get(self, key: ReviewKey, build: Callable[[], SharedReview]) -> SharedReview:
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
            for key, shared in reversed(self._entries.items()):
                if (key.org_id, key.cycle_id, key.week, key.as_of) == (org_id, cycle_id, week, as_of):
                    return shared
        return None

    def drop(self, org_id: str, cycle_id: str, week: int) -> None:
        """Forget a review once it is published."""
        with self._lock:
            for key in [
                k for k in self._entries if (k.org_id, k.cycle_id, k.week) == (org_id, cycle_id, week)
            ]:
                del self._entries[key]
            if not self._entries:
                # Whatever else was frozen with the snapshots goes back to the collector.
                gc.unfreeze()
