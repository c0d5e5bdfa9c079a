"""Objectives and key results of a synthetic quarter, their scripted patterns and weekly trajectories.

Company objectives (the CEO's) → department objectives aligned to them → group and team
objectives aligned to their parent team's → personal objectives aligned to the person's team.
Each key result then gets a ``Pattern`` and a trajectory: progress and confidence for every
review week, and the weeks it is checked in (see ``okrflow.synthetic.scenario``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from okrflow.domain.model import Direction, KRKind, Language, Objective, ObjectiveKind
from okrflow.synthetic.people import OrgShape, TeamNode
from okrflow.synthetic.phrases import UNITS_ZH
from okrflow.synthetic.scenario import Pattern, Scenario
from okrflow.synthetic.themes import COMPANY_THEMES, KRTemplate, Theme
from okrflow.synthetic.timeline import Timeline

_KR_COUNT_WEIGHTS = {1: 0.05, 2: 0.2, 3: 0.4, 4: 0.27, 5: 0.13}


@dataclass
class KRDraft:
    """A key result while it is being generated; ``generator`` turns it into a ``KeyResult``."""

    id: str
    objective_id: str
    node: TeamNode
    pool: list[str]  # people who may own its tasks
    owner_id: str
    lang: Language
    title: str
    kind: KRKind
    direction: Direction
    start: float | None
    target: float | None
    unit: str
    decimals: int
    weight: float
    due: date | None
    pattern: Pattern = Pattern.ON_TRACK
    progress: list[float] = field(default_factory=list)  # per review week, 1-based via [w - 1]
    confidence: list[int] = field(default_factory=list)
    checked_in: list[bool] = field(default_factory=list)  # per week: is there a check-in
    values: list[float | None] = field(default_factory=list)  # per week: the value written
    done_week: int | None = None  # binary KRs: the week they were achieved

    @property
    def risky_metric(self) -> bool:
        return self.kind is KRKind.METRIC and self.direction is not Direction.STAY_WITHIN


def _fmt(v: float, decimals: int) -> str:
    return f"{v:.{decimals}f}"


def _due_text(d: date, lang: Language) -> str:
    return f"{d.month}月{d.day}日" if lang is Language.ZH else f"{d:%b} {d.day}"


class PlanBuilder:
    def __init__(
        self,
        rng: random.Random,
        *,
        org_id: str,
        cycle_id: str,
        shape: OrgShape,
        timeline: Timeline,
        scenario: Scenario,
    ) -> None:
        self.rng = rng
        self.org_id = org_id
        self.cycle_id = cycle_id
        self.shape = shape
        self.tl = timeline
        self.sc = scenario
        self.objectives: list[Objective] = []
        self.krs: list[KRDraft] = []
        self._obj_by_team: dict[str, list[str]] = {}
        lo, hi = scenario.krs_per_objective
        self._kr_counts = [k for k in range(lo, hi + 1)]
        self._kr_weights = [_KR_COUNT_WEIGHTS[k] for k in self._kr_counts]

    # ------------------------------------------------------------ objectives

    def build(self) -> None:
        shape, rng = self.shape, self.rng
        root = shape.root
        company = rng.sample(COMPANY_THEMES, 3 if len(shape.people) < 200 else 4)
        heads = [c.lead_id for c in root.children]
        for i, theme in enumerate(company):
            self._objective(
                theme,
                owner=shape.ceo_id,
                node=root,
                parents=[],
                area=root.area,
                kr_owners=[shape.ceo_id, *heads],
                first=i == 0,
            )
        for node in shape.teams:  # parents come before children in this list
            if node.level == "root":
                continue
            assert node.dept is not None and node.parent is not None
            parents = self._obj_by_team.get(node.parent.id, [])
            if node.level == "leaf":
                count = rng.choice((2, 3, 3, 3))
                kr_owners = [node.lead_id, *node.members[1:]]
                area = node.area
            else:
                count = 2 if node.level == "dept" else rng.choice((1, 2))
                kr_owners = [node.lead_id, *(c.lead_id for c in node.children)]
                area = self._leaf_area(node)
            themes = rng.sample(node.dept.themes, min(count, len(node.dept.themes)))
            for theme in themes:
                self._objective(
                    theme, owner=node.lead_id, node=node, parents=parents, area=area, kr_owners=kr_owners
                )
        for node in shape.teams:
            if node.level != "leaf" or node.id not in self._obj_by_team:
                continue
            assert node.dept is not None
            team_objectives = list(self._obj_by_team[node.id])
            for pid in node.members[1:]:
                if rng.random() < self.sc.personal_objective_share:
                    theme = rng.choice(node.dept.themes)
                    self._objective(
                        theme,
                        owner=pid,
                        node=node,
                        parents=team_objectives,
                        area=node.area,
                        kr_owners=[pid],
                        personal=True,
                    )

    def _leaf_area(self, node: TeamNode) -> tuple[str, str]:
        while node.children:
            node = node.children[self.rng.randrange(len(node.children))]
        return node.area

    def _objective(
        self,
        theme: Theme,
        *,
        owner: str,
        node: TeamNode,
        parents: list[str],
        area: tuple[str, str],
        kr_owners: list[str],
        first: bool = False,
        personal: bool = False,
    ) -> None:
        rng = self.rng
        person = self.shape.by_id[owner]
        lang = person.language
        oid = f"{self.org_id}-o{len(self.objectives) + 1:05d}"
        aspirational = not first and rng.random() < self.sc.aspirational_share
        title = (theme.zh if lang is Language.ZH else theme.en).format(
            area=area[1] if lang is Language.ZH else area[0]
        )
        obj = Objective(
            id=oid,
            org_id=self.org_id,
            cycle_id=self.cycle_id,
            title=title,
            owner_id=owner,
            team_id=node.id,
            aligned_to=[rng.choice(parents)] if parents else [],
            kind=ObjectiveKind.ASPIRATIONAL if aspirational else ObjectiveKind.COMMITTED,
            status=self.sc.objective_status,
            weight=rng.choice((1.0, 1.0, 1.0, 2.0)),
        )
        self.objectives.append(obj)
        if not personal:
            self._obj_by_team.setdefault(node.id, []).append(oid)
        count = min(rng.choices(self._kr_counts, self._kr_weights)[0], len(theme.krs))
        pool = (
            [owner, *(m for m in node.members if m != owner)] if personal else list(dict.fromkeys(kr_owners))
        )
        for template in rng.sample(theme.krs, count):
            kr_owner = owner if personal or rng.random() < 0.4 else rng.choice(kr_owners)
            self._key_result(template, objective_id=oid, node=node, owner=kr_owner, area=area, pool=pool)

    def _key_result(
        self,
        t: KRTemplate,
        *,
        objective_id: str,
        node: TeamNode,
        owner: str,
        area: tuple[str, str],
        pool: list[str],
    ) -> None:
        rng, cycle = self.rng, self.tl.cycle
        lang = self.shape.by_id[owner].language
        start: float | None = None
        target: float | None = None
        due: date | None = None
        scale = 10**t.decimals
        if t.kind is KRKind.METRIC and t.direction is Direction.STAY_WITHIN:
            target = round(rng.uniform(t.lo, t.hi), t.decimals)
        elif t.kind is KRKind.METRIC:
            start = round(rng.uniform(t.lo, t.hi), t.decimals)
            delta = max(round(rng.uniform(t.dlo, t.dhi), t.decimals), 1 / scale)
            if t.direction is Direction.INCREASE:
                target = round(start + delta, t.decimals)
            else:
                target = round(start - delta, t.decimals)
                if target <= 0:
                    target = round(start / 2, t.decimals)
        elif t.kind is KRKind.BINARY:
            start, target = 0.0, 1.0
            due = cycle.start + timedelta(days=rng.randrange(21, (cycle.end - cycle.start).days + 1))
        else:  # milestone: due late enough to leave open work after as-of
            earliest = max(self.tl.as_of_date + timedelta(days=7), cycle.start + timedelta(days=35))
            due = self.tl.workday_between(rng, earliest, cycle.end) or cycle.end
        # Values carry enough decimals that rounding moves progress by at most 1% (3.67 incidents a month).
        decimals = t.decimals
        if start is not None and target is not None and target != start:
            while decimals < 3 and 10**-decimals > 0.02 * abs(target - start):
                decimals += 1
        fmt_area = area[1] if lang is Language.ZH else area[0]
        text = t.zh if lang is Language.ZH else t.en
        title = text.format(
            area=fmt_area,
            start=_fmt(start, t.decimals) if start is not None else "",
            target=_fmt(target, t.decimals) if target is not None else "",
            due=_due_text(due, lang) if due is not None else "",
        )
        self.krs.append(
            KRDraft(
                id=f"{self.org_id}-k{len(self.krs) + 1:06d}",
                objective_id=objective_id,
                node=node,
                pool=pool,
                owner_id=owner,
                lang=lang,
                title=title,
                kind=t.kind,
                direction=t.direction,
                start=start,
                target=target,
                unit=UNITS_ZH.get(t.unit, t.unit) if lang is Language.ZH else t.unit,
                decimals=decimals,
                weight=rng.choice((1.0, 1.0, 1.0, 1.0, 0.5, 2.0)),
                due=due,
            )
        )

    # ------------------------------------------------------------ patterns

    def availability(self) -> dict[Pattern, bool]:
        tl = self.tl
        e = tl.expected_now
        w = tl.as_of_week
        return {
            Pattern.ON_TRACK: True,
            Pattern.AHEAD: True,
            Pattern.RECOVERING: self.recovery_week() is not None,
            Pattern.BEHIND: e >= 0.36,
            Pattern.LOW_CONFIDENCE_GAP: e >= 0.25 and w >= 3,
            Pattern.STALLED: w >= 4,
            Pattern.DISCONNECT: e >= 0.35,
            Pattern.UNPLANNED: True,
            Pattern.UNOWNED_OR_UNDATED_TASKS: True,
            Pattern.OVERDUE_MILESTONE: tl.as_of_date - timedelta(days=3) >= tl.cycle.start,
            Pattern.BLOCKED_CHAIN: True,
            Pattern.HIGH_CHURN: tl.baseline_fixed,
        }

    def recovery_week(self) -> int | None:
        """The week a recovering KR gets back on the curve: two serious-delay weeks must come first."""
        exp = self.tl.expected
        for r in (self.tl.as_of_week - 1, self.tl.as_of_week):
            bad = [w for w in range(1, r) if exp[w - 1] >= 0.34]
            if len(bad) >= 2 and r >= 2:
                return r
        return None

    def assign_patterns(self) -> frozenset[Pattern]:
        rng = self.rng
        shares = {p: s for p, s in self.sc.patterns.items() if s > 0}
        total = sum(shares.values())
        available = self.availability()
        unavailable = frozenset(p for p in shares if not available[p])
        n = len(self.krs)
        eligible = [k for k in self.krs if k.risky_metric]
        rng.shuffle(eligible)
        for pattern in Pattern:
            if pattern is Pattern.ON_TRACK or pattern not in shares or pattern in unavailable:
                continue
            quota = max(1, round(n * shares[pattern] / total))
            for _ in range(min(quota, len(eligible))):
                eligible.pop().pattern = pattern
        if Pattern.ON_TRACK not in shares:  # no on_track wanted: give the rest to the first other pattern
            fallback = next((p for p in shares if p not in unavailable and p is not Pattern.ON_TRACK), None)
            for kr in eligible:
                kr.pattern = fallback or Pattern.ON_TRACK
        return unavailable

    # ------------------------------------------------------------ trajectories

    def trajectories(self) -> None:
        recovery = self.recovery_week()
        for kr in self.krs:
            self._trajectory(kr, recovery)

    def _trajectory(self, kr: KRDraft, recovery: int | None) -> None:
        rng, tl = self.rng, self.tl
        weeks, a = tl.weeks, tl.as_of_week
        exp = tl.expected
        e_now = tl.expected_now
        pattern = kr.pattern
        prog: list[float]
        conf: list[int]
        if pattern is Pattern.AHEAD:
            lead = rng.uniform(0.17, 0.25)
            prog = [min(1.0, x + lead) for x in exp]
            conf = [rng.randint(8, 10) for _ in exp]
        elif pattern in (Pattern.BEHIND, Pattern.LOW_CONFIDENCE_GAP):
            lo, hi = (0.36, 0.45) if pattern is Pattern.BEHIND else (0.18, 0.24)
            gap = rng.uniform(lo, min(hi, e_now))
            ratio = max(0.0, 1.0 - gap / e_now)
            prog = [x * ratio for x in exp]
            if pattern is Pattern.BEHIND:
                conf = [7 if w < a - 2 else rng.randint(5, 6) for w in range(1, weeks + 1)]
            else:
                conf = [
                    7 if w < a - 2 else 5 if w == a - 2 else rng.randint(2, 4) for w in range(1, weeks + 1)
                ]
        elif pattern is Pattern.STALLED:
            # Ahead when last seen (week a - 3), so that the silence, not the gap, is what shows at as-of.
            lift = max(0.08, e_now - exp[max(a - 4, 0)] - 0.12)
            prog = [min(1.0, x + lift) for x in exp]
            conf = [rng.randint(7, 8) for _ in exp]
        elif pattern is Pattern.DISCONNECT:
            prog = [min(0.04, 0.005 * w) for w in range(1, weeks + 1)]
            conf = [rng.randint(6, 7) for _ in exp]
        elif pattern is Pattern.RECOVERING:
            assert recovery is not None
            prog = [0.0 if w < recovery else max(0.0, exp[w - 1] - 0.02) for w in range(1, weeks + 1)]
            conf = [5 if w < recovery else rng.randint(7, 8) for w in range(1, weeks + 1)]
        else:  # on_track and the plan-shaped patterns follow the curve
            prog = [min(1.0, max(0.0, x + rng.uniform(-0.04, 0.04))) for x in exp]
            low = 6 if pattern is Pattern.BLOCKED_CHAIN else 7
            conf = [rng.randint(low, 9 if pattern is Pattern.ON_TRACK else 8) for _ in exp]
        kr.progress, kr.confidence = prog, conf
        # Which weeks are checked in: stalled KRs fall silent three weeks before as-of; others may
        # skip an earlier week now and then, never two in a row and never one of the last two.
        checked = [True] * weeks
        if pattern is Pattern.STALLED:
            for w in range(a - 2, weeks + 1):
                checked[w - 1] = False
        share = self.sc.missing_check_in_share
        for w in range(1, weeks + 1):
            if a - 1 <= w <= a or not checked[w - 1] or (pattern is Pattern.STALLED and w == a - 3):
                continue
            if (w == 1 or checked[w - 2]) and rng.random() < share:
                checked[w - 1] = False
        kr.checked_in = checked
        kr.values = [self._value(kr, w) for w in range(1, weeks + 1)]

    def _value(self, kr: KRDraft, week: int) -> float | None:
        p = kr.progress[week - 1]
        if kr.kind is KRKind.MILESTONE:
            return None
        if kr.kind is KRKind.BINARY:
            if kr.done_week is None:
                a = self.tl.as_of_week
                lo, hi = (2, a - 1) if a >= 3 else (a + 1, self.tl.weeks)
                kr.done_week = self.rng.randint(lo, max(lo, hi))
                if kr.due is not None and kr.done_week <= a:
                    kr.due = max(kr.due, self.tl.reviews[kr.done_week - 1].date())
            return 1.0 if week >= kr.done_week else 0.0
        assert kr.target is not None
        if kr.direction is Direction.STAY_WITHIN:
            return round(kr.target * self.rng.uniform(0.6, 0.9), kr.decimals)
        assert kr.start is not None
        return round(kr.start + p * (kr.target - kr.start), kr.decimals)
