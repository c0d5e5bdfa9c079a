"""The close-out report of a cycle: honest scores, roll-ups, and what happened on the way.

``close_out(snapshot, as_of=...)`` is pure. It scores every key result of the quarter with
``scoring.score_key_result`` (exactly: same check-ins, same day, the KR's accepted tasks),
every objective with ``scoring.score_objective``, grades both with ``scoring.grade`` (the
objective's kind decides the bands), and rolls them up per team, per person and for the
whole org. It also counts how often rules flagged each key result, how consultations ended,
which change requests were made and which mid-term revisions were applied, with reasons.

Which objectives are in the report: those of the snapshot's cycle that are not drafts or
returned drafts. A team's objectives are its own plus the personal objectives (no team) of
its members, as on the weekly sheet. A key result without an owner is its objective owner's.

Check-in compliance counts, for each key result, the review weeks that had at least one
check-in between the previous review and this one. A review counts once it is at least a
week into the cycle (a review on the first day has no week behind it) and not after ``as_of``.

The records live in ``cycle_report_model`` and the roll-ups in ``cycle_report_rollups``; render
with ``okrflow.reports.cycle_report_render.render_cycle_report``.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from okrflow.domain.calendar import local_date, local_instant, review_times, week_count
from okrflow.domain.errors import Problem, ValidationFailed
from okrflow.domain.model import (
    AuditEntry,
    ChangeRequest,
    CheckIn,
    Consultation,
    Flag,
    KRKind,
    Objective,
    RuleMode,
    Severity,
    SubjectType,
)
from okrflow.domain.scoring import grade, latest_value, score_key_result, score_objective
from okrflow.domain.snapshot import CycleSnapshot
from okrflow.reports.cycle_report_model import (
    ChangeItem,
    ConsultationItem,
    CycleReport,
    KRFlagCount,
    KRScore,
    ObjectiveScore,
    Retrospective,
    RevisionItem,
)
from okrflow.reports.cycle_report_rollups import (
    person_reports,
    rollup,
    rule_tallies,
    sum_task_counts,
    task_counts,
    team_reports,
)
from okrflow.reports.snapshot_lookups import (
    kr_owner_id,
    name_or_id,
    objective_team_id,
    quarter_objectives,
    subject_title,
)

# close_out's input and output; the other records are in cycle_report_model.
__all__ = ["CycleReport", "Retrospective", "close_out"]


def _review_windows(snapshot: CycleSnapshot, until: datetime) -> list[tuple[int, datetime, datetime]]:
    """(week, since exclusive, review inclusive) for the reviews compliance counts."""
    cycle = snapshot.cycle
    first_countable = local_instant(cycle, cycle.start) + timedelta(days=7)
    out = []
    previous: datetime | None = None
    for week, at in review_times(cycle):
        if first_countable <= at <= until:
            out.append((week, previous if previous is not None else at - timedelta(days=7), at))
        previous = at
    return out


def _weeks_with_check_in(items: Sequence[CheckIn], windows: Sequence[tuple[int, datetime, datetime]]) -> int:
    times = [c.at for c in items]
    hit = 0
    for _, since, until in windows:
        i = bisect.bisect_right(times, since)
        hit += i < len(times) and times[i] <= until
    return hit


def _flag_counts(flags: Sequence[Flag], cycle_id: str) -> dict[str, list[KRFlagCount]]:
    weeks: dict[tuple[str, str], set[int]] = defaultdict(set)
    worst: dict[tuple[str, str], Severity] = {}
    for f in flags:
        if (
            f.cycle_id != cycle_id
            or f.subject_type is not SubjectType.KEY_RESULT
            or f.mode is not RuleMode.ACTIVE
        ):
            continue
        key = (f.subject_id, f.rule_id)
        weeks[key].add(f.week)
        if key not in worst or f.severity.rank > worst[key].rank:
            worst[key] = f.severity
    out: dict[str, list[KRFlagCount]] = defaultdict(list)
    for (kr_id, rule_id), ws in sorted(weeks.items()):
        out[kr_id].append(KRFlagCount(rule_id=rule_id, severity=worst[(kr_id, rule_id)], weeks=len(ws)))
    return out


def _subject_objective(snapshot: CycleSnapshot, subject_type: SubjectType, subject_id: str) -> str | None:
    if subject_type is SubjectType.OBJECTIVE:
        return subject_id if subject_id in snapshot.objectives else None
    if subject_type is SubjectType.KEY_RESULT:
        kr = snapshot.key_results.get(subject_id)
        return kr.objective_id if kr is not None else None
    if subject_type is SubjectType.TASK:
        task = snapshot.tasks.get(subject_id)
        kr = snapshot.key_results.get(task.kr_id) if task is not None else None
        return kr.objective_id if kr is not None else None
    return None


def _check_retrospectives(
    retrospectives: Mapping[str, Retrospective], objectives: Mapping[str, Objective]
) -> None:
    problems = []
    for key, retro in sorted(retrospectives.items()):
        if retro.objective_id != key:
            problems.append(
                Problem(
                    ("retrospectives", key), f"is filed under {key!r} but is about {retro.objective_id!r}"
                )
            )
        elif key not in objectives:
            problems.append(Problem(("retrospectives", key), "no such objective in this cycle's report"))
    if problems:
        raise ValidationFailed(problems)


def close_out(
    snapshot: CycleSnapshot,
    *,
    as_of: date | datetime,
    retrospectives: Mapping[str, Retrospective] | None = None,
    flags: Sequence[Flag] = (),
    consultations: Sequence[Consultation] = (),
    change_requests: Sequence[ChangeRequest] = (),
    revisions: Sequence[AuditEntry] = (),
) -> CycleReport:
    """Score the cycle and build its close-out report.

    Args:
        snapshot: The cycle, normally as of the end of close-out (after final check-ins).
        as_of: The scoring day, or an instant (its day in the cycle's time zone is scored).
            A date counts check-ins up to the end of that day.
        retrospectives: Retrospectives by objective id.
        flags: Every flag raised in the cycle; active flags about key results are counted.
        consultations: The cycle's consultations.
        change_requests: The cycle's change requests, in any status.
        revisions: Audit entries of the mid-term revisions (before, after, reason).

    Returns:
        The CycleReport, identical for identical inputs.

    Raises:
        ValidationFailed: If ``as_of`` is a naive datetime, or a retrospective is filed
            under another objective's id or names an objective not in the report.
    """
    cycle = snapshot.cycle
    if isinstance(as_of, datetime):
        if as_of.tzinfo is None or as_of.utcoffset() is None:
            raise ValidationFailed([Problem(("as_of",), f"{as_of.isoformat()} has no time zone")])
        day, until = local_date(cycle, as_of), as_of
    else:
        day, until = as_of, local_instant(cycle, as_of + timedelta(days=1)) - timedelta(microseconds=1)
    retrospectives = retrospectives or {}
    objectives = quarter_objectives(snapshot)
    _check_retrospectives(retrospectives, {o.id: o for o in objectives})

    windows = _review_windows(snapshot, until)
    flags_by_kr = _flag_counts(flags, cycle.id)
    consultation_items = _consultation_items(snapshot, consultations)
    consulted: dict[str, int] = defaultdict(int)
    for c in consultation_items:
        if c.subject_type is SubjectType.KEY_RESULT:
            consulted[c.subject_id] += 1

    kr_scores: list[KRScore] = []
    objective_scores: list[ObjectiveScore] = []
    for o in objectives:
        team_id = objective_team_id(snapshot, o)
        team = snapshot.teams.get(team_id) if team_id is not None else None
        krs = sorted(snapshot.krs_by_objective.get(o.id, ()), key=lambda k: k.id)
        scores: dict[str, float] = {}
        for kr in krs:
            every = snapshot.check_ins.get(kr.id, [])
            items = [c for c in every if c.at <= until]
            tasks = snapshot.tasks_by_kr.get(kr.id, [])
            score = score_key_result(kr, every, as_of=day, tasks=tasks)
            scores[kr.id] = score
            g = grade(score, o.kind)
            value = None
            if not (kr.kind is KRKind.MILESTONE and tasks):
                value = latest_value(kr, every, as_of=day)
                if value is None and not any(c.value is not None for c in every):
                    value = kr.current
            owner = kr_owner_id(snapshot, kr)
            kr_scores.append(
                KRScore(
                    kr_id=kr.id,
                    objective_id=o.id,
                    team_id=team_id,
                    title=kr.title,
                    owner_id=owner,
                    owner_name=name_or_id(snapshot, owner),
                    kind=kr.kind,
                    objective_kind=o.kind,
                    unit=kr.unit,
                    start=kr.start,
                    target=kr.target,
                    value=value,
                    weight=kr.weight,
                    score=score,
                    colour=g.colour,
                    label=g.label,
                    tasks=task_counts(tasks),
                    check_ins=len(items),
                    check_in_weeks=_weeks_with_check_in(items, windows),
                    check_in_weeks_expected=len(windows),
                    flags=flags_by_kr.get(kr.id, []),
                    consultations=consulted.get(kr.id, 0),
                )
            )
        score = score_objective(krs, scores)
        g = grade(score, o.kind)
        objective_scores.append(
            ObjectiveScore(
                objective_id=o.id,
                title=o.title,
                owner_id=o.owner_id,
                owner_name=name_or_id(snapshot, o.owner_id),
                team_id=team_id,
                team_name=team.name if team is not None else None,
                kind=o.kind,
                status=o.status,
                weight=o.weight,
                score=score,
                colour=g.colour,
                label=g.label,
                kr_ids=[k.id for k in krs],
                retrospective=retrospectives.get(o.id),
            )
        )

    krs_of: dict[str, list[KRScore]] = defaultdict(list)
    for k in kr_scores:
        krs_of[k.objective_id].append(k)

    teams = team_reports(snapshot, objective_scores, krs_of)
    people = person_reports(snapshot, objective_scores, kr_scores)
    org = rollup(objective_scores, kr_scores, sum_task_counts(k.tasks for k in kr_scores))
    return CycleReport(
        org_id=snapshot.org.id,
        org_name=snapshot.org.name,
        cycle_id=cycle.id,
        cycle_name=cycle.name,
        start=cycle.start,
        end=cycle.end,
        as_of=day,
        weeks=week_count(cycle),
        compliance_weeks=[w for w, _, _ in windows],
        objectives=objective_scores,
        key_results=kr_scores,
        teams=teams,
        people=people,
        org=org,
        rules=rule_tallies(kr_scores),
        consultations=consultation_items,
        change_requests=_change_items(snapshot, change_requests),
        revisions=_revision_items(snapshot, revisions),
    )


def _consultation_items(
    snapshot: CycleSnapshot, consultations: Sequence[Consultation]
) -> list[ConsultationItem]:
    return [
        ConsultationItem(
            consultation_id=c.id,
            subject_type=c.subject_type,
            subject_id=c.subject_id,
            objective_id=_subject_objective(snapshot, c.subject_type, c.subject_id),
            reason=c.reason,
            status=c.status,
            level=c.level,
        )
        for c in sorted(consultations, key=lambda c: (c.created_at, c.id))
        if c.cycle_id == snapshot.cycle.id
    ]


def _change_items(snapshot: CycleSnapshot, requests: Sequence[ChangeRequest]) -> list[ChangeItem]:
    cycle = snapshot.cycle
    out = []
    for cr in sorted(requests, key=lambda c: (c.created_at, c.id)):
        if cr.cycle_id != cycle.id:
            continue
        out.append(
            ChangeItem(
                change_request_id=cr.id,
                subject_type=cr.subject_type,
                subject_id=cr.subject_id,
                subject_title=subject_title(snapshot, cr.subject_type, cr.subject_id),
                objective_id=_subject_objective(snapshot, cr.subject_type, cr.subject_id),
                requested_by=cr.requested_by,
                requested_by_name=name_or_id(snapshot, cr.requested_by),
                reason=cr.reason,
                impact=cr.impact,
                changes=dict(sorted(cr.changes.items())),
                status=cr.status,
                created_on=local_date(cycle, cr.created_at),
                decided_by_name=name_or_id(snapshot, cr.decided_by) or None,
                decision_note=cr.decision_note,
            )
        )
    return out


def _revision_items(snapshot: CycleSnapshot, revisions: Sequence[AuditEntry]) -> list[RevisionItem]:
    return [
        RevisionItem(
            audit_id=a.id,
            subject_type=a.subject_type,
            subject_id=a.subject_id,
            subject_title=subject_title(snapshot, a.subject_type, a.subject_id),
            objective_id=_subject_objective(snapshot, a.subject_type, a.subject_id),
            at=a.at,
            actor_id=a.actor_id,
            actor_name=name_or_id(snapshot, a.actor_id),
            action=a.action,
            changes=dict(sorted(a.changes.items())),
            reason=a.reason,
        )
        for a in sorted(revisions, key=lambda a: (a.at, a.id))
    ]
