"""The close-out report's roll-ups: scores, colours, compliance and counts over objectives and key results.

Objectives are weighted by their weight, key results by theirs. A team's roll-up is over its
objectives (its own and its members' personal ones); a person's over the objectives, key
results and tasks they own; the org's over everything in the report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from okrflow.domain.model import (
    ChangeRequestStatus,
    ConsultationStatus,
    HealthLevel,
    ObjectiveKind,
    PlanState,
    Severity,
    Task,
    TaskStatus,
)
from okrflow.domain.progress import weighted_progress
from okrflow.domain.snapshot import CycleSnapshot
from okrflow.reports.cycle_report_model import (
    ChangeItem,
    ColourCounts,
    ConsultationItem,
    KRScore,
    ObjectiveScore,
    PersonReport,
    Rollup,
    RuleTally,
    TaskCounts,
    TeamReport,
)
from okrflow.reports.snapshot_lookups import OPEN_TASK, handle_or_id, name_or_id

__all__ = [
    "change_counts",
    "consultation_counts",
    "person_reports",
    "rollup",
    "rule_tallies",
    "sum_task_counts",
    "task_counts",
    "team_reports",
]


def rule_tallies(krs: Iterable[KRScore]) -> list[RuleTally]:
    """How many key results each rule ever flagged, most first, then by severity and rule id."""
    count: dict[str, int] = defaultdict(int)
    worst: dict[str, Severity] = {}
    for kr in krs:
        for f in kr.flags:
            count[f.rule_id] += 1
            if f.rule_id not in worst or f.severity.rank > worst[f.rule_id].rank:
                worst[f.rule_id] = f.severity
    tallies = [RuleTally(rule_id=r, severity=worst[r], key_results=n) for r, n in count.items()]
    return sorted(tallies, key=lambda t: (-t.key_results, -t.severity.rank, t.rule_id))


def _mean(pairs: Iterable[tuple[float, float]]) -> float | None:
    items = list(pairs)
    return round(weighted_progress(items), 2) if items else None


def task_counts(tasks: Iterable[Task]) -> TaskCounts:
    """Accepted tasks (cut ones included) by how they ended."""
    total = done = cut = open_ = 0
    for t in tasks:
        if t.plan_state is not PlanState.ACCEPTED:
            continue
        total += 1
        done += t.status is TaskStatus.DONE
        cut += t.status is TaskStatus.CUT
        open_ += t.status in OPEN_TASK
    return TaskCounts(total=total, done=done, cut=cut, open=open_)


def _colours(colours: Iterable[HealthLevel]) -> ColourCounts:
    n = {c: 0 for c in HealthLevel}
    for c in colours:
        n[c] += 1
    return ColourCounts(green=n[HealthLevel.GREEN], yellow=n[HealthLevel.YELLOW], red=n[HealthLevel.RED])


def rollup(objectives: Sequence[ObjectiveScore], krs: Sequence[KRScore], tasks: TaskCounts) -> Rollup:
    """Roll scores up: objectives weighted by their weight, key results by theirs."""
    expected = sum(k.check_in_weeks_expected for k in krs)
    made = sum(k.check_in_weeks for k in krs)
    by_kind = {
        kind: _mean((o.weight, o.score) for o in objectives if o.kind is kind) for kind in ObjectiveKind
    }
    return Rollup(
        objectives=len(objectives),
        key_results=len(krs),
        score=_mean((o.weight, o.score) for o in objectives),
        committed_score=by_kind[ObjectiveKind.COMMITTED],
        aspirational_score=by_kind[ObjectiveKind.ASPIRATIONAL],
        kr_score=_mean((k.weight, k.score) for k in krs),
        objective_colours=_colours(o.colour for o in objectives),
        kr_colours=_colours(k.colour for k in krs),
        check_in_weeks=made,
        check_in_weeks_expected=expected,
        compliance=round(made / expected, 4) if expected else None,
        tasks=tasks,
        krs_flagged=sum(1 for k in krs if k.flags),
    )


def sum_task_counts(counts: Iterable[TaskCounts]) -> TaskCounts:
    """The sum of task counts (a team's or the org's over its key results)."""
    total = done = cut = open_ = 0
    for c in counts:
        total, done, cut, open_ = total + c.total, done + c.done, cut + c.cut, open_ + c.open
    return TaskCounts(total=total, done=done, cut=cut, open=open_)


def consultation_counts(items: Iterable[ConsultationItem]) -> dict[str, int]:
    """How consultations ended: opened, recovered, escalated, closed (by hand) and still open."""
    listed = list(items)
    n = {s: sum(1 for c in listed if c.status is s) for s in ConsultationStatus}
    return {
        "opened": len(listed),
        "recovered": n[ConsultationStatus.RECOVERED],
        "escalated": n[ConsultationStatus.ESCALATED],
        "closed": n[ConsultationStatus.CLOSED],
        "open": n[ConsultationStatus.OPEN] + n[ConsultationStatus.AGREED],
    }


def change_counts(items: Iterable[ChangeItem]) -> dict[str, int]:
    """How many change requests were made, and how many are in each status."""
    listed = list(items)
    return {
        "total": len(listed),
        **{s.value: sum(1 for c in listed if c.status is s) for s in ChangeRequestStatus},
    }


def team_reports(
    snapshot: CycleSnapshot, objectives: Sequence[ObjectiveScore], krs_of: Mapping[str, list[KRScore]]
) -> list[TeamReport]:
    """One report per team with objectives or members, by name; objectives of people without a team last."""
    by_team: dict[str | None, list[ObjectiveScore]] = defaultdict(list)
    for o in objectives:
        by_team[o.team_id].append(o)
    team_ids: list[str | None] = sorted(snapshot.teams, key=lambda t: (snapshot.teams[t].name, t))
    team_ids.extend(sorted(t for t in by_team if t is not None and t not in snapshot.teams))
    if None in by_team:
        team_ids.append(None)
    out = []
    for tid in team_ids:
        objs = by_team.get(tid, [])
        members = sorted(snapshot.people_by_team.get(tid, ()), key=lambda p: (p.name, p.id)) if tid else []
        if not objs and not members:
            continue
        krs = [k for o in objs for k in krs_of.get(o.objective_id, ())]
        team = snapshot.teams.get(tid) if tid is not None else None
        out.append(
            TeamReport(
                team_id=tid,
                team_name=team.name if team is not None else None,
                objective_ids=[o.objective_id for o in objs],
                member_ids=[p.id for p in members],
                rollup=rollup(objs, krs, sum_task_counts(k.tasks for k in krs)),
            )
        )
    return out


def person_reports(
    snapshot: CycleSnapshot, objectives: Sequence[ObjectiveScore], krs: Sequence[KRScore]
) -> list[PersonReport]:
    """One report per person who owns an objective, a key result or a task of the report."""
    in_report = {k.kr_id for k in krs}
    owned_objectives: dict[str, list[ObjectiveScore]] = defaultdict(list)
    for o in objectives:
        owned_objectives[o.owner_id].append(o)
    owned_krs: dict[str, list[KRScore]] = defaultdict(list)
    for k in krs:
        owned_krs[k.owner_id].append(k)
    owned_tasks: dict[str, list[Task]] = defaultdict(list)
    for t in snapshot.tasks.values():
        if t.kr_id in in_report:
            owned_tasks[t.owner_id].append(t)
    ids = set(owned_objectives) | set(owned_krs) | set(owned_tasks)
    out = []
    for pid in ids:
        person = snapshot.people.get(pid)
        team_id = person.team_id if person is not None else None
        team = snapshot.teams.get(team_id) if team_id is not None else None
        objs, mine = owned_objectives.get(pid, []), owned_krs.get(pid, [])
        out.append(
            PersonReport(
                person_id=pid,
                name=name_or_id(snapshot, pid),
                handle=handle_or_id(snapshot, pid),
                team_id=team_id,
                team_name=team.name if team is not None else None,
                language=person.language if person is not None else snapshot.org.language,
                objective_ids=[o.objective_id for o in objs],
                kr_ids=[k.kr_id for k in mine],
                rollup=rollup(objs, mine, task_counts(sorted(owned_tasks.get(pid, []), key=lambda t: t.id))),
            )
        )
    out.sort(key=lambda p: (p.team_name is None, p.team_name or "", p.name, p.person_id))
    return out
