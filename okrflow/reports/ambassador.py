"""The OKR ambassador's weekly digest: what needs chasing across the whole organisation.

``ambassador_digest(snapshot, week=..., ...)`` is pure. As of the review instant
``snapshot.as_of`` it lists

1. missing check-ins by team: the owners of key results (a KR without an owner is its
   objective owner's) that had no check-in in the seven days up to the review, grouped by
   the owner's team (teams by name, people without a team last), owners by name;
2. open consultations (会商): waiting for the meeting or for the agreed check; meetings
   past their deadline first, most overdue first;
3. change requests waiting for a decision, oldest first, with their age in days;
4. the rules that fired most this week (flags of ``week``), with their worst severity;
5. open problems raised through the intake, oldest first.

``render_digest`` renders it as JSON, Markdown or HTML in English or Chinese. The records
(and ``IntakeProblem``, the intake's input) live in ``ambassador_model``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from okrflow.domain.calendar import local_date, week_count
from okrflow.domain.errors import Problem, ValidationFailed
from okrflow.domain.model import (
    ChangeRequest,
    ChangeRequestStatus,
    Consultation,
    ConsultationStatus,
    Flag,
    Language,
    RuleMode,
    Severity,
)
from okrflow.domain.snapshot import CycleSnapshot
from okrflow.reports.ambassador_model import (
    AmbassadorDigest,
    IntakeProblem,
    MissingKR,
    MissingOwner,
    MissingTeam,
    OpenConsultation,
    OpenProblem,
    ProblemStatus,
    RuleCount,
    WaitingChange,
)
from okrflow.reports.closeout_labels import LABELS
from okrflow.reports.snapshot_lookups import (
    handle_or_id,
    kr_owner_id,
    name_or_id,
    quarter_objectives,
    subject_title,
)
from okrflow.reports.templating import Format, checked_language, render_template

__all__ = ["ambassador_digest", "render_digest"]

_OPEN_CONSULTATION = (ConsultationStatus.OPEN, ConsultationStatus.AGREED)
_DAY = timedelta(days=1)


def _days(later: datetime, earlier: datetime) -> int:
    return max(0, (later - earlier) // _DAY)


def _missing(snapshot: CycleSnapshot, since: datetime, until: datetime) -> tuple[list[MissingTeam], int]:
    cycle = snapshot.cycle
    by_owner: dict[str, list[MissingKR]] = defaultdict(list)
    total = 0
    for objective in quarter_objectives(snapshot):
        for kr in snapshot.krs_by_objective.get(objective.id, ()):
            total += 1
            items = [c for c in snapshot.check_ins.get(kr.id, ()) if c.at <= until]
            if any(c.at > since for c in items):
                continue
            last = items[-1].at if items else None
            by_owner[kr_owner_id(snapshot, kr)].append(
                MissingKR(
                    kr_id=kr.id,
                    title=kr.title,
                    objective_title=objective.title,
                    last_check_in=local_date(cycle, last) if last is not None else None,
                    days_since=_days(until, last) if last is not None else None,
                )
            )
    by_team: dict[str | None, list[MissingOwner]] = defaultdict(list)
    for pid, krs in by_owner.items():
        person = snapshot.people.get(pid)
        team_id = person.team_id if person is not None else None
        by_team[team_id].append(
            MissingOwner(
                person_id=pid,
                name=name_or_id(snapshot, pid),
                handle=handle_or_id(snapshot, pid),
                key_results=sorted(krs, key=lambda k: (k.objective_title, k.title, k.kr_id)),
            )
        )

    def team_order(tid: str | None) -> tuple[bool, str, str]:
        team = snapshot.teams.get(tid) if tid is not None else None
        return (tid is None, team.name if team is not None else tid or "", tid or "")

    teams = []
    for tid in sorted(by_team, key=team_order):
        team = snapshot.teams.get(tid) if tid is not None else None
        owners = sorted(by_team[tid], key=lambda o: (o.name, o.person_id))
        teams.append(
            MissingTeam(team_id=tid, team_name=team.name if team is not None else None, owners=owners)
        )
    return teams, total


def _consultations(
    snapshot: CycleSnapshot, consultations: Sequence[Consultation], at: datetime
) -> list[OpenConsultation]:
    cycle = snapshot.cycle
    out = []
    for c in consultations:
        if c.cycle_id != cycle.id or c.status not in _OPEN_CONSULTATION:
            continue
        overdue = c.status is ConsultationStatus.OPEN and c.meet_by < at
        out.append(
            OpenConsultation(
                consultation_id=c.id,
                subject_type=c.subject_type,
                subject_id=c.subject_id,
                subject_title=subject_title(snapshot, c.subject_type, c.subject_id),
                reason=c.reason,
                status=c.status,
                level=c.level,
                meet_by=c.meet_by,
                meet_by_day=local_date(cycle, c.meet_by),
                overdue=overdue,
                days_overdue=_days(at, c.meet_by) if overdue else 0,
                check_on=c.check_on,
                participants=[name_or_id(snapshot, p) for p in c.participants],
            )
        )
    out.sort(key=lambda c: (not c.overdue, c.meet_by, c.consultation_id))
    return out


def _waiting(snapshot: CycleSnapshot, requests: Sequence[ChangeRequest], at: datetime) -> list[WaitingChange]:
    waiting = sorted(
        (
            r
            for r in requests
            if r.cycle_id == snapshot.cycle.id
            and r.status is ChangeRequestStatus.PENDING
            and r.created_at <= at
        ),
        key=lambda r: (r.created_at, r.id),
    )
    return [
        WaitingChange(
            change_request_id=r.id,
            subject_type=r.subject_type,
            subject_id=r.subject_id,
            subject_title=subject_title(snapshot, r.subject_type, r.subject_id),
            requested_by_name=name_or_id(snapshot, r.requested_by),
            reason=r.reason,
            impact=r.impact,
            approver_role=r.approver_role.value,
            created_at=r.created_at,
            age_days=_days(at, r.created_at),
        )
        for r in waiting
    ]


def _rules(flags: Sequence[Flag], cycle_id: str, week: int) -> list[RuleCount]:
    fired: dict[str, int] = defaultdict(int)
    subjects: dict[str, set[tuple[str, str]]] = defaultdict(set)
    worst: dict[str, Severity] = {}
    active: dict[str, bool] = defaultdict(bool)
    for f in flags:
        if f.cycle_id != cycle_id or f.week != week:
            continue
        fired[f.rule_id] += 1
        subjects[f.rule_id].add((f.subject_type.value, f.subject_id))
        if f.rule_id not in worst or f.severity.rank > worst[f.rule_id].rank:
            worst[f.rule_id] = f.severity
        active[f.rule_id] |= f.mode is RuleMode.ACTIVE
    counts = [
        RuleCount(
            rule_id=r,
            fired=n,
            subjects=len(subjects[r]),
            severity=worst[r],
            monitor_only=not active[r],
        )
        for r, n in fired.items()
    ]
    return sorted(counts, key=lambda c: (-c.fired, -c.severity.rank, c.rule_id))


def _problems(snapshot: CycleSnapshot, problems: Sequence[IntakeProblem], at: datetime) -> list[OpenProblem]:
    cycle_id = snapshot.cycle.id
    open_ = sorted(
        (
            p
            for p in problems
            if p.status is not ProblemStatus.CLOSED
            and p.cycle_id in (None, cycle_id)
            and p.org_id == snapshot.org.id
            and p.created_at <= at
        ),
        key=lambda p: (p.created_at, p.id),
    )
    return [
        OpenProblem(
            problem_id=p.id,
            subject_type=p.subject_type,
            subject_id=p.subject_id,
            subject_title=subject_title(snapshot, p.subject_type, p.subject_id),
            raised_by_name=name_or_id(snapshot, p.raised_by),
            text=p.text,
            status=p.status,
            assignee_name=name_or_id(snapshot, p.assignee_id) or None,
            age_days=_days(at, p.created_at),
        )
        for p in open_
    ]


def ambassador_digest(
    snapshot: CycleSnapshot,
    *,
    week: int,
    flags: Sequence[Flag],
    consultations: Sequence[Consultation],
    change_requests: Sequence[ChangeRequest],
    problems: Sequence[IntakeProblem] = (),
    top_rules: int = 10,
) -> AmbassadorDigest:
    """Build the ambassador's org-wide digest of ``week``, as of ``snapshot.as_of`` (the review instant).

    Args:
        snapshot: The cycle as of the week's review.
        week: The cycle week (1-based); rule counts are of this week's flags.
        flags: Flags raised in the cycle (other weeks and cycles are ignored).
        consultations: The cycle's consultations, in any status.
        change_requests: The cycle's change requests, in any status.
        problems: Problems raised through the intake, in any status.
        top_rules: How many rules to list; the rest are counted in ``rules_omitted``.

    Returns:
        The AmbassadorDigest, identical for identical inputs.

    Raises:
        ValidationFailed: If the cycle has no such week or ``top_rules`` is below 1.
    """
    cycle = snapshot.cycle
    weeks = week_count(cycle)
    problems_found = []
    if not 1 <= week <= weeks:
        problems_found.append(Problem(("week",), f"week {week} is outside cycle {cycle.name!r} (1..{weeks})"))
    if top_rules < 1:
        problems_found.append(Problem(("top_rules",), f"must be at least 1, not {top_rules}"))
    if problems_found:
        raise ValidationFailed(problems_found)
    until = snapshot.as_of
    since = until - timedelta(days=7)
    missing, total = _missing(snapshot, since, until)
    rules = _rules(flags, cycle.id, week)
    return AmbassadorDigest(
        org_name=snapshot.org.name,
        cycle_id=cycle.id,
        cycle_name=cycle.name,
        week=week,
        weeks=weeks,
        as_of=until,
        since=since,
        as_of_day=local_date(cycle, until),
        since_day=local_date(cycle, since),
        key_results=total,
        missing_owners=sum(len(t.owners) for t in missing),
        missing_krs=sum(len(o.key_results) for t in missing for o in t.owners),
        missing=missing,
        consultations=_consultations(snapshot, consultations, until),
        change_requests=_waiting(snapshot, change_requests, until),
        rules=rules[:top_rules],
        rules_omitted=max(0, len(rules) - top_rules),
        problems=_problems(snapshot, problems, until),
    )


def render_digest(digest: AmbassadorDigest, *, fmt: Format, lang: Language | str) -> str:
    """Render the digest as JSON, Markdown (CommonMark, GFM tables) or one self-contained HTML page.

    Raises:
        ValidationFailed: An unknown format or language.
    """
    language = checked_language(fmt, lang)
    if fmt == "json":
        return digest.model_dump_json(indent=2) + "\n"
    name = "ambassador_digest.md.j2" if fmt == "markdown" else "ambassador_digest.html.j2"
    return render_template(name, LABELS, language, d=digest)
