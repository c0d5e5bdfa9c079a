"""Tasks of a synthetic quarter: bottom-up plans shaped by each key result's pattern.

Per key result the plan is ordered by due date: the tasks done by as-of are due before it,
the open ones after it (the first open one in progress), so statuses agree with the week.
A task depends only on earlier tasks of the same key result, so the graph is a DAG and no
task is due before one it depends on. Then: churn after the baseline, the over-capacity
people's late extras, and a pass that keeps everyone else at or below 0.8× capacity.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from okrflow.domain.capacity import weekly_load
from okrflow.domain.model import Direction, KRKind, Language, Person, PlanState, Role, Task, TaskStatus
from okrflow.domain.progress import clamp, task_progress
from okrflow.synthetic.people import OrgShape
from okrflow.synthetic.phrases import TRADE_OFF
from okrflow.synthetic.plan import KRDraft
from okrflow.synthetic.scenario import Pattern, Scenario
from okrflow.synthetic.themes import LEADERSHIP_TASKS
from okrflow.synthetic.timeline import Timeline

_TASK_COUNT_WEIGHTS = (0.16, 0.24, 0.24, 0.16, 0.12, 0.08)  # for 3..8 tasks; other ranges are uniform
_LOAD_CAP = 0.8  # everyone but the scripted over-capacity people stays at or below this ratio
_OVERLOAD = 1.6  # the scripted over-capacity people reach at least this ratio


@dataclass
class TaskDraft:
    """A task while it is being generated; attribute names match ``Task`` for the capacity functions."""

    id: str
    kr: KRDraft
    titles: tuple[str, str]  # (en, zh)
    owner_id: str
    created_at: datetime
    due: date | None
    estimate_hours: float | None
    status: TaskStatus = TaskStatus.TODO
    milestone: bool = False
    collaborators: list[str] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    in_baseline: bool = False
    cut_at: datetime | None = None
    trade_off_note: str | None = None
    plan_state: PlanState = PlanState.ACCEPTED

    @property
    def is_open(self) -> bool:
        return self.status in (TaskStatus.TODO, TaskStatus.DOING, TaskStatus.BLOCKED)


class WorkBuilder:
    def __init__(
        self,
        rng: random.Random,
        *,
        org_id: str,
        shape: OrgShape,
        timeline: Timeline,
        scenario: Scenario,
        krs: list[KRDraft],
        owners: set[str],
    ) -> None:
        self.rng = rng
        self.org_id = org_id
        self.shape = shape
        self.tl = timeline
        self.sc = scenario
        self.krs = krs
        self.owners = owners  # people who own an objective or a key result
        self.tasks: list[TaskDraft] = []
        self.by_kr: dict[str, list[TaskDraft]] = {}
        self.leavers: set[str] = set()
        self.overloaded: set[str] = set()
        self._churned: set[str] = set()
        self._baseline_n: dict[str, int] = {}
        lo, hi = scenario.tasks_per_kr
        self._counts = list(range(lo, hi + 1))
        self._weights = list(_TASK_COUNT_WEIGHTS) if (lo, hi) == (3, 8) else [1.0] * len(self._counts)

    # ------------------------------------------------------------ helpers

    def _new(
        self, kr: KRDraft, owner: str, *, created_at: datetime, due: date | None, est: float | None
    ) -> TaskDraft:
        node = kr.node
        pool = node.dept.tasks if node.dept is not None else LEADERSHIP_TASKS
        en, zh = self.rng.choice(pool)
        area_en, area_zh = node.area
        t = TaskDraft(
            id=f"{self.org_id}-x{len(self.tasks) + 1:07d}",
            kr=kr,
            titles=(en.format(area=area_en), zh.format(area=area_zh)),
            owner_id=owner,
            created_at=created_at,
            due=due,
            estimate_hours=est,
        )
        self.tasks.append(t)
        self.by_kr.setdefault(kr.id, []).append(t)
        return t

    def _planned_at(self, due: date | None) -> datetime:
        """A creation instant during decomposition: before the baseline, before as-of and by the due day."""
        tl = self.tl
        lo = tl.at_local(tl.cycle.start, 9.0)
        hi = min(tl.baseline_at, tl.as_of) - timedelta(hours=1)
        if due is not None:
            hi = min(hi, tl.at_local(due, 18.0))
        if hi <= lo:
            return min(lo, tl.as_of - timedelta(hours=1))
        return lo + (hi - lo) * self.rng.random()

    def _after_baseline(self) -> datetime:
        tl = self.tl
        lo = tl.baseline_at + timedelta(hours=1)
        return lo + (tl.as_of - timedelta(hours=1) - lo) * self.rng.random()

    def _estimate(self, base: float) -> float:
        return max(1.0, round(base * self.rng.uniform(0.6, 1.6) * 2) / 2)

    def _collaborators(self, pool: list[str], owner: str) -> list[str]:
        r = self.rng.random()
        k = 2 if r < 0.08 else 1 if r < 0.33 else 0
        others = [p for p in pool if p != owner]
        return self.rng.sample(others, min(k, len(others)))

    # ------------------------------------------------------------ per key result

    def _done_target(self, kr: KRDraft) -> float:
        """The share of the plan that is done at as-of, in step with the KR's progress."""
        a = self.tl.as_of_week
        if kr.pattern is Pattern.DISCONNECT:
            return 0.75
        if kr.kind is KRKind.BINARY:
            return 1.0 if kr.done_week is not None and kr.done_week <= a else self.tl.expected_now
        if kr.kind is KRKind.METRIC and kr.direction is Direction.STAY_WITHIN:
            return self.tl.expected_now
        last = max((w for w in range(1, a + 1) if kr.checked_in[w - 1]), default=None)
        return clamp(kr.progress[last - 1]) if last is not None else 0.0

    def choose_leavers(self) -> None:
        """People who left but still own an open task (half of the unowned_or_undated_tasks KRs)."""
        for kr in self.krs:
            if kr.pattern is not Pattern.UNOWNED_OR_UNDATED_TASKS or self.rng.random() < 0.5:
                continue
            candidates = [
                p
                for p in kr.node.members
                if p not in self.owners and p not in self.leavers and self.shape.by_id[p].role is Role.MEMBER
            ]
            if candidates:
                self.leavers.add(self.rng.choice(candidates))

    def plan(self, kr: KRDraft) -> None:
        rng, tl = self.rng, self.tl
        pattern = kr.pattern
        if pattern is Pattern.UNPLANNED:
            return
        n = rng.choices(self._counts, self._weights)[0]
        if pattern in (
            Pattern.DISCONNECT,
            Pattern.BLOCKED_CHAIN,
            Pattern.HIGH_CHURN,
            Pattern.OVERDUE_MILESTONE,
        ):
            n = max(n, 5)
        if kr.kind is KRKind.MILESTONE:
            n = max(n, 6)
        pool = [p for p in kr.pool if p not in self.leavers] or [kr.owner_id]
        share = self._done_target(kr)
        k = math.ceil(share * n) if pattern is Pattern.DISCONNECT else round(share * n)
        if pattern is Pattern.BLOCKED_CHAIN:
            k = min(k, n - 3)
        past_last = tl.as_of_date - timedelta(days=1)
        done_days = tl.workdays_between(rng, tl.cycle.start, past_last, k)
        if len(done_days) < k:  # no working day before as-of: nothing can be done yet
            k = 0
        future_last = kr.due if kr.kind is KRKind.MILESTONE and kr.due is not None else tl.cycle.end
        open_days = tl.workdays_between(rng, tl.as_of_date + timedelta(days=1), future_last, n - k)
        if len(open_days) < n - k:
            open_days = [max(tl.as_of_date, min(future_last, tl.cycle.end))] * (n - k)
        if kr.kind is KRKind.MILESTONE and kr.due is not None and open_days:
            open_days[-1] = kr.due
        base = rng.uniform(4.0, 14.0)
        regular: list[TaskDraft] = []
        for i, due in enumerate(done_days + open_days):
            owner = kr.owner_id if rng.random() < 0.35 or kr.owner_id not in pool else rng.choice(pool)
            t = self._new(kr, owner, created_at=self._planned_at(due), due=due, est=self._estimate(base))
            t.collaborators = self._collaborators(pool, owner)
            t.in_baseline = tl.baseline_fixed
            t.status = TaskStatus.DONE if i < k else TaskStatus.DOING if i == k else TaskStatus.TODO
            t.milestone = i == n - 1 or rng.random() < 0.12
            if t.milestone:
                t.estimate_hours = round((t.estimate_hours or 0.0) * 1.3 * 2) / 2
            earlier = regular[:i]
            if earlier and rng.random() < 0.6:
                picks = rng.sample(earlier, min(len(earlier), 2 if rng.random() < 0.25 else 1))
                t.depends_on = sorted(p.id for p in picks)
            regular.append(t)
        opened = regular[k:]
        if pattern is Pattern.BLOCKED_CHAIN:
            first, blocked, waiting = opened[0], opened[1], opened[2]
            blocked.status = TaskStatus.BLOCKED
            blocked.depends_on = sorted({*blocked.depends_on, first.id})
            waiting.depends_on = sorted({*waiting.depends_on, blocked.id})
        if pattern is Pattern.OVERDUE_MILESTONE:
            due = (
                tl.workday_between(
                    rng,
                    max(tl.cycle.start, tl.as_of_date - timedelta(days=12)),
                    tl.as_of_date - timedelta(days=3),
                )
                or tl.cycle.start
            )
            t = self._new(
                kr, kr.owner_id, created_at=self._planned_at(due), due=due, est=self._estimate(base)
            )
            t.milestone, t.status, t.in_baseline = True, TaskStatus.DOING, tl.baseline_fixed
        if pattern is Pattern.UNOWNED_OR_UNDATED_TASKS:
            for _ in range(rng.choice((1, 2))):
                t = self._new(kr, rng.choice(pool), created_at=self._planned_at(None), due=None, est=None)
                t.in_baseline = tl.baseline_fixed
            leaver = next((p for p in kr.node.members if p in self.leavers), None)
            if leaver is not None and open_days:
                t = self._new(
                    kr,
                    leaver,
                    created_at=self._planned_at(open_days[0]),
                    due=open_days[-1],
                    est=self._estimate(base),
                )
                t.in_baseline = tl.baseline_fixed
        self._baseline_n[kr.id] = len(self.by_kr[kr.id]) if tl.baseline_fixed else 0
        if tl.baseline_fixed:
            if pattern is Pattern.HIGH_CHURN:
                self._churn(kr, pool, cut=2, events=math.ceil(self._baseline_n[kr.id] / 2))
            elif (
                pattern in (Pattern.ON_TRACK, Pattern.AHEAD)
                and kr.risky_metric
                and n >= 5
                and rng.random() < 0.12
            ):
                self._churn(kr, pool, cut=int(rng.random() < 0.5), events=1)

    def _churn(self, kr: KRDraft, pool: list[str], *, cut: int, events: int) -> None:
        """Cut up to ``cut`` open baseline tasks, then add tasks until ``events`` changes were made."""
        rng, tl = self.rng, self.tl
        tasks = self.by_kr[kr.id]
        todo = [
            t for t in tasks if t.status is TaskStatus.TODO and t.due is not None and t.due > tl.as_of_date
        ]
        victims = rng.sample(todo, min(cut, len(todo)))
        gone = {v.id for v in victims}
        for v in victims:
            v.status, v.cut_at = TaskStatus.CUT, self._after_baseline()
        for t in tasks:
            if gone.intersection(t.depends_on):
                t.depends_on = [d for d in t.depends_on if d not in gone]
        for _ in range(events - len(victims)):
            due = tl.workday_between(rng, tl.as_of_date + timedelta(days=1), tl.cycle.end) or tl.cycle.end
            t = self._new(
                kr, rng.choice(pool), created_at=self._after_baseline(), due=due, est=self._estimate(8.0)
            )
            t.collaborators = self._collaborators(pool, t.owner_id)
        self._churned.add(kr.id)

    # ------------------------------------------------------------ capacity

    def _loads(self, people: dict[str, Person]) -> dict[str, float]:
        """Peak load ratio per person from the as-of week on."""
        loads = weekly_load(cast(Any, self.tasks), people, self.tl.cycle)
        a = self.tl.as_of_week
        return {pid: max((w.ratio for w in weeks[a - 1 :]), default=0.0) for pid, weeks in loads.items()}

    def overload(self) -> None:
        """Pile late work on a few members who own tasks but no key result (the over-capacity story)."""
        rng, tl = self.rng, self.tl
        by_node: dict[str, list[KRDraft]] = {}
        for kr in self.krs:
            # A host gains one task after the baseline: churn 1/5 at most, like any healthy plan.
            if kr.pattern is not Pattern.ON_TRACK or not kr.risky_metric or kr.id in self._churned:
                continue
            if kr.id in self.by_kr and (not tl.baseline_fixed or self._baseline_n[kr.id] >= 5):
                by_node.setdefault(kr.node.id, []).append(kr)
        owning = {t.owner_id for t in self.tasks}
        candidates = [
            p.id
            for p in self.shape.people
            if p.role is Role.MEMBER
            and p.id in owning
            and p.id not in self.owners
            and p.id not in self.leavers
            and by_node.get(p.team_id or "")
        ]
        if not candidates:
            return
        days = [d for d in tl.workdays if d > tl.as_of_date][:2]
        if not days:
            return
        quota = max(1, round(self.sc.over_capacity_share * len(candidates)))
        rng.shuffle(candidates)
        created = tl.at_local(tl.as_of_date, 8.0)
        if created >= tl.as_of:
            created = tl.as_of - timedelta(hours=1)
        for pid in candidates[:quota]:
            person = self.shape.by_id[pid]
            hosts = by_node[person.team_id or ""]
            if not hosts:  # a teammate took them all
                continue
            hosts = rng.sample(hosts, min(len(hosts), rng.choice((2, 3))))
            est = round(person.weekly_capacity_hours * 2.4 / len(hosts) * 2) / 2
            note = TRADE_OFF[1] if person.language is Language.ZH else TRADE_OFF[0]
            for kr in hosts:
                t = self._new(kr, pid, created_at=created, due=rng.choice(days), est=est)
                t.trade_off_note = note
                self._churned.add(kr.id)
                by_node[person.team_id or ""] = [h for h in by_node[person.team_id or ""] if h.id != kr.id]
            self.overloaded.add(pid)
        people = {p.id: p for p in self.shape.people}
        for _ in range(4):  # make sure the scripted overload shows, whatever the week boundaries
            loads = self._loads(people)
            short = [pid for pid in self.overloaded if loads.get(pid, 0.0) < _OVERLOAD]
            if not short:
                break
            for pid in short:
                for t in self.tasks:
                    if t.owner_id == pid and t.trade_off_note is not None and t.estimate_hours is not None:
                        t.estimate_hours = round(t.estimate_hours * 1.5 * 2) / 2

    def cap_loads(self) -> None:
        """Scale down the open work of anyone above 0.8× capacity in any week (scripted overload aside)."""
        people = {p.id: p for p in self.shape.people if p.active}
        loads = weekly_load(cast(Any, self.tasks), people, self.tl.cycle)
        factors: dict[str, float] = {}
        for pid, weeks in loads.items():
            if pid in self.overloaded or pid in self.leavers or pid not in people:
                continue
            peak = max((w.ratio for w in weeks), default=0.0)
            if peak > _LOAD_CAP:
                factors[pid] = _LOAD_CAP / peak * 0.97
        for t in self.tasks:
            f = factors.get(t.owner_id)
            if f is not None and t.is_open and t.estimate_hours is not None:
                t.estimate_hours = max(0.5, math.floor(t.estimate_hours * f * 2) / 2)

    def fix_done_shares(self) -> None:
        """Keep each plan's done share in step with its KR: equalise estimates where weighting skews it."""
        for kr in self.krs:
            tasks = self.by_kr.get(kr.id)
            if not tasks:
                continue
            target = self._done_target(kr)
            share = task_progress(cast(Any, tasks))
            if kr.pattern is Pattern.DISCONNECT:
                bad = share < 0.7
            elif kr.kind is KRKind.MILESTONE:
                bad = abs(share - target) > 0.1
            else:
                bad = share - target > 0.25
            if bad:
                low = min(t.estimate_hours for t in tasks if t.estimate_hours is not None)
                for t in tasks:
                    if t.estimate_hours is not None and t.trade_off_note is None:
                        t.estimate_hours = low

    # ------------------------------------------------------------ all

    def build(self) -> None:
        self.choose_leavers()
        for kr in self.krs:
            self.plan(kr)
        self.overload()
        self.cap_loads()
        self.fix_done_shares()

    def records(self, people: dict[str, Person]) -> list[Task]:
        out = []
        for t in self.tasks:
            lang = people[t.owner_id].language
            out.append(
                Task(
                    id=t.id,
                    org_id=self.org_id,
                    kr_id=t.kr.id,
                    title=t.titles[1] if lang is Language.ZH else t.titles[0],
                    owner_id=t.owner_id,
                    collaborators=t.collaborators,
                    due=t.due,
                    milestone=t.milestone,
                    depends_on=t.depends_on,
                    estimate_hours=t.estimate_hours,
                    status=t.status,
                    plan_state=t.plan_state,
                    in_baseline=t.in_baseline,
                    proposed_by=t.owner_id,
                    created_at=t.created_at,
                    cut_at=t.cut_at,
                    trade_off_note=t.trade_off_note,
                )
            )
        return out
