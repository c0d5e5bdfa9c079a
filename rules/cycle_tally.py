"""The cycle's own facts, as parts that add up over the shards of a weekly review.

A review split into shards of teams (each loading only what its teams' facts read) cannot
compute the cycle's facts from any one snapshot: each shard tallies its own teams' subjects
(``cycle_tally``), and the tallies added up give the same facts as one tally of the whole cycle
(``CycleTally.facts``). ``rules.facts`` computes a single snapshot's cycle facts the same way.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace

from okrflow.domain.model import PlanState, TaskStatus
from okrflow.domain.progress import weighted_progress
from rules.catalog import Scope
from rules.context import APPROVED, DIGITS, Facts, ReviewContext, ratio

__all__ = ["CycleTally", "cycle_tally"]


@dataclass(frozen=True)
class CycleTally:
    """The cycle's facts as parts that add up over disjoint sets of teams.

    A weekly review split into shards of teams (each shard loading only what its teams' facts
    read) tallies each shard's teams; the tallies added up give the facts of the whole cycle,
    the same as one tally of the whole snapshot. The sets and the objectives' progress are kept
    only when a rule reads what needs them.
    """

    objectives: int = 0
    objectives_unapproved: int = 0
    krs: int = 0
    krs_not_recent: int = 0
    krs_flagged: int = 0
    tasks_blocked: int = 0
    active_people: frozenset[str] = frozenset()
    owners: frozenset[str] = frozenset()  # people owning an objective or a key result
    weighted: tuple[tuple[str, float, float], ...] = ()  # (objective id, weight, progress)

    def __add__(self, other: CycleTally) -> CycleTally:
        return CycleTally(
            objectives=self.objectives + other.objectives,
            objectives_unapproved=self.objectives_unapproved + other.objectives_unapproved,
            krs=self.krs + other.krs,
            krs_not_recent=self.krs_not_recent + other.krs_not_recent,
            krs_flagged=self.krs_flagged + other.krs_flagged,
            tasks_blocked=self.tasks_blocked + other.tasks_blocked,
            active_people=self.active_people | other.active_people,
            owners=self.owners | other.owners,
            weighted=self.weighted + other.weighted,
        )

    def facts(self, ctx: ReviewContext) -> Facts:
        """The cycle's facts (``ctx`` gives the cycle, the review's instant and what rules read)."""
        facts: Facts = {
            "name": ctx.s.cycle.name,
            "objectives": self.objectives,
            "krs": self.krs,
            "people": len(self.active_people),
            "objectives_unapproved": self.objectives_unapproved,
            "expected_progress": ctx.expected,
            "check_in_compliance": 1.0 - ratio(self.krs_not_recent, self.krs),
            "krs_flagged_share": ratio(self.krs_flagged, self.krs),
            "tasks_blocked": self.tasks_blocked,
        }
        if ctx.wants(Scope.CYCLE, "people_without_okrs"):
            facts["people_without_okrs"] = len(self.active_people - self.owners)
        if ctx.wants(Scope.CYCLE, "progress", "gap"):
            # In the objectives' order by id: the same sum however the shards split them.
            progress = round(weighted_progress((w, p) for _, w, p in sorted(self.weighted)), DIGITS)
            facts["progress"] = progress
            facts["gap"] = round(ctx.expected - progress, DIGITS)
        return facts


def cycle_tally(ctx: ReviewContext, teams: Collection[str | None] | None = None) -> CycleTally:
    """The tally of the subjects of ``teams`` (None in it: those without a team); default: all.

    An objective, its key results and their tasks belong to the objective's team; a person
    to their own.
    """
    s = ctx.s
    mine = None if teams is None else frozenset(teams)
    objectives = [o for o in s.objectives.values() if mine is None or o.team_id in mine]
    objective_ids = {o.id for o in objectives}
    krs = [kr for kr in s.key_results.values() if kr.objective_id in objective_ids]
    kr_ids = {kr.id for kr in krs}
    flagged, recent = ctx.weeks_flagged, ctx.recent_krs
    blocked = sum(
        1
        for t in s.tasks.values()
        if t.plan_state is PlanState.ACCEPTED and t.status is TaskStatus.BLOCKED and t.kr_id in kr_ids
    )
    active = frozenset(pid for pid, p in s.people.items() if p.active and (mine is None or p.team_id in mine))
    tally = CycleTally(
        objectives=len(objectives),
        objectives_unapproved=sum(1 for o in objectives if o.status not in APPROVED),
        krs=len(krs),
        krs_not_recent=sum(1 for k in kr_ids if k not in recent),
        krs_flagged=sum(1 for k in kr_ids if flagged.get(k, 0) > 0),
        tasks_blocked=blocked,
        active_people=active,
    )
    if ctx.wants(Scope.CYCLE, "people_without_okrs"):
        owners = {o.owner_id for o in objectives} | {kr.owner_id for kr in krs if kr.owner_id}
        tally = replace(tally, owners=frozenset(owners))
    if ctx.wants(Scope.CYCLE, "progress", "gap"):
        progress = ctx.objective_progress
        tally = replace(tally, weighted=tuple((o.id, o.weight, progress.get(o.id, 0.0)) for o in objectives))
    return tally
