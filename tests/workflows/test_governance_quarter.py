"""A whole generated quarter (60 people) with scripted trouble, from drafting to archive, on the
time-skipping server with the real workflows and activities over a SQLite store; people act on the way:

- in the mid-term window an owner revises a key result (with a reason) and their manager approves it;
  another owner confirms their objective;
- after the window a key result changes only through an approved change request;
- after week 8's review the consultations (会商) the ladders convened are met: one for a key result
  that stays behind (its check fails: it escalates), one for a key result that recovered (it closes);
- an owner writes a retrospective.

The assertions are what users see: who was convened and chased, what escalated or closed, the published
logs, the close-out report against the story and the core's scoring, and a read-only cycle."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from okrflow.domain.calendar import cycle_calendar, local_date, review_time
from okrflow.domain.errors import InvalidState, ValidationFailed
from okrflow.domain.model import (
    CalendarEvent,
    ChangeRequestStatus,
    CheckIn,
    Comment,
    Consultation,
    ConsultationStatus,
    HealthLevel,
    HealthPulse,
    KeyResult,
    ObjectiveStatus,
    Phase,
    SubjectType,
)
from okrflow.domain.scoring import score_key_result
from okrflow.reports.ambassador_model import IntakeProblem
from okrflow.reports.cycle_report import Retrospective
from okrflow.runtime.worker import build_worker
from okrflow.services import change_control, closeout, drafting, midterm
from okrflow.store import (
    ChangeRequestStore,
    CheckInStore,
    CommentStore,
    ConsultationStore,
    CycleReportStore,
    CycleStore,
    EventStore,
    KeyResultStore,
    ObjectiveStore,
    ProblemStore,
    PulseStore,
    RetrospectiveStore,
    StoredReport,
    TaskStore,
    unit_of_work,
)
from okrflow.store.digests import DigestStore
from okrflow.store.snapshot import load_snapshot
from okrflow.store.testing import migrated_engine
from okrflow.synthetic import Pattern, Signal, small_org
from rules.load import load_default
from tests.workflows.clock import own_environment
from tests.workflows.quarter import FUTURE_START, Quarter, load_quarter, settings
from workflows.change_request import ChangeRequestWorkflow, change_workflow_id
from workflows.consultation import CHASE_EVERY, MAX_CHASES, ConsultationWorkflow, consultation_workflow_id
from workflows.cycle import CycleWorkflow
from workflows.governance_messages import ChangeRequestInput, DecideChangeInput, RecordMeetingInput
from workflows.messages import CycleInput

STORY_WEEK = 8


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """This module runs a quarter to its archive: it has a server of its own."""
    async with own_environment() as environment:
        yield environment


@dataclass
class Scripted:
    """What the people of the story did on the way, for the assertions to check."""

    revision: dict[str, Any] = field(default_factory=dict)
    confirmed: str = ""
    change: dict[str, Any] = field(default_factory=dict)
    refused_edit: str = ""
    escalating: Consultation | None = None
    recovering: Consultation | None = None
    retrospective: str = ""


@dataclass
class Run:
    quarter: Quarter
    scripted: Scripted

    @property
    def org_id(self) -> str:
        return self.quarter.org_id

    @property
    def cycle_id(self) -> str:
        return self.quarter.cycle_id

    def session(self) -> Any:
        return unit_of_work(self.quarter.sessions)


async def _advance_to(env: WorkflowEnvironment, at: datetime) -> None:
    await env.sleep(at - await env.get_current_time())


async def _until(check: Callable[[], Any], what: str) -> None:
    """Wait (in real time, the test clock standing still) until the worker has done what is due."""
    for _ in range(600):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the workflow never got to: {what}")


async def _reviewed(handle: WorkflowHandle[Any, Any], week: int) -> None:
    async def done() -> bool:
        return week in (await handle.query(CycleWorkflow.status)).reviews_done

    await _until(done, f"the review of week {week}")


async def _decide(env: WorkflowEnvironment, q: Quarter, queue: str, request_id: str, approver: str) -> None:
    handle = await env.client.start_workflow(
        ChangeRequestWorkflow.run,
        ChangeRequestInput(org_id=q.org_id, request_id=request_id),
        id=change_workflow_id(q.org_id, request_id),
        task_queue=queue,
    )
    await handle.execute_update(
        ChangeRequestWorkflow.decide, DecideChangeInput(decided_by=approver, approve=True)
    )
    with env.auto_time_skipping_disabled():
        await handle.result()


def _owned_by_objective_owner(q: Quarter, exclude: set[str]) -> list[KeyResult]:
    """Metric key results of approved objectives, owned by the objective's owner, who has a manager."""
    people = {p.id: p for p in q.org.people}
    objectives = {o.id: o for o in q.org.objectives if o.status is ObjectiveStatus.APPROVED}
    return [
        k
        for k in q.org.key_results
        if k.objective_id in objectives
        and k.owner_id == objectives[k.objective_id].owner_id
        and people[k.owner_id].manager_id
        and k.kind.value == "metric"
        and k.id not in exclude
        and objectives[k.objective_id].id not in exclude
    ]


@pytest.fixture(scope="module")
async def run(env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Run]:
    tmp = tmp_path_factory.mktemp("governance")
    org = small_org(seed=5, cycle_start=FUTURE_START, as_of_week=STORY_WEEK, check_in_weeks=13)
    story = org.story
    troubled = story.krs(*(p for p in Pattern if not p.healthy)) | story.krs(Pattern.RECOVERING)
    with migrated_engine("sqlite", directory=tmp) as engine:
        q = load_quarter(org, engine)
        scripted = Scripted()
        people = {p.id: p for p in org.people}
        cal = cycle_calendar(org.cycle)
        s = settings(tmp)
        queue = s.temporal_task_queue
        async with build_worker(s, env.client, session_factory=q.sessions):
            handle = await env.client.start_workflow(
                CycleWorkflow.run,
                CycleInput(org_id=q.org_id, cycle_id=q.cycle_id),
                id=f"cycle-{uuid.uuid4()}",
                task_queue=queue,
            )
            candidates = _owned_by_objective_owner(q, set(troubled))

            # ---- the mid-term window: a revision with a reason, approved; a confirmation
            week7 = review_time(org.cycle, 7)
            assert week7 is not None and cal.midterm_opens <= week7 < cal.midterm_closes
            await _advance_to(env, week7 + timedelta(hours=2))
            await _reviewed(handle, 7)
            kr = candidates[0]
            owner = people[kr.owner_id or ""]
            assert kr.target is not None
            revised = {"target": kr.target * 0.8 if kr.target > (kr.start or 0) else kr.target * 1.2}
            now = (await env.get_current_time()).astimezone(UTC)
            with unit_of_work(q.sessions) as session:
                assert CycleStore(session).get(q.org_id, q.cycle_id).phase is Phase.MIDTERM
                revision = change_control.request_change(
                    session,
                    owner,
                    {
                        "subject_type": "key_result",
                        "subject_id": kr.id,
                        "reason": "The market shrank by a fifth",
                        "changes": revised,
                    },
                    at=now,
                )
                other = next(o for o in org.objectives if o.id == candidates[1].objective_id)
                midterm.confirm_midterm(
                    session, people[other.owner_id], other.id, note="Still the right bet", at=now
                )
            await _decide(env, q, queue, revision.id, owner.manager_id or "")
            scripted.revision = {
                "id": revision.id,
                "kr": kr,
                "changes": revised,
                "approver": owner.manager_id,
            }
            scripted.confirmed = other.id

            # ---- after week 8's review: change control outside the window; the consultations meet
            week8 = review_time(org.cycle, STORY_WEEK)
            assert week8 is not None
            await _advance_to(env, week8 + timedelta(hours=1))
            await _reviewed(handle, STORY_WEEK)
            now = (await env.get_current_time()).astimezone(UTC)
            kr = next(
                k
                for k in candidates
                if k.objective_id not in (scripted.revision["kr"].objective_id, other.id)
            )
            owner = people[kr.owner_id or ""]
            change = {"title": f"{kr.title} (two regions)"}
            with unit_of_work(q.sessions) as session, pytest.raises(ValidationFailed, match="impact"):
                change_control.request_change(
                    session,
                    owner,
                    {"subject_type": "key_result", "subject_id": kr.id, "reason": "r", "changes": change},
                    at=now,
                )
            with unit_of_work(q.sessions) as session:
                request = change_control.request_change(
                    session,
                    owner,
                    {
                        "subject_type": "key_result",
                        "subject_id": kr.id,
                        "reason": "Regulation blocks the third region",
                        "impact": "The sales objective loses a region",
                        "changes": change,
                    },
                    at=now,
                )
            with unit_of_work(q.sessions) as session, pytest.raises(InvalidState) as refused:
                stored = KeyResultStore(session).get(q.org_id, kr.id)
                drafting.update_key_result(
                    session, owner, kr.id, change, expected_version=stored.version, at=now
                )
            scripted.refused_edit = refused.value.message
            await _decide(env, q, queue, request.id, owner.manager_id or "")
            scripted.change = {"id": request.id, "kr": kr, "changes": change, "approver": owner.manager_id}

            with unit_of_work(q.sessions) as session:
                convened = [
                    c
                    for c in ConsultationStore(session).list_for_cycle(q.org_id, q.cycle_id)
                    if c.opened_by.startswith("rule:") and c.status is ConsultationStatus.OPEN
                ]
            by_kr = {c.subject_id: c for c in convened}
            escalating = next(by_kr[k] for k in sorted(story.krs(Pattern.BEHIND)) if k in by_kr)
            recovering = next(by_kr[k] for k in sorted(story.krs(Pattern.RECOVERING)) if k in by_kr)
            monday = week8.date()
            for consultation, check_on, condition in (
                (escalating, monday + timedelta(weeks=2), "gap < 0.1"),
                (recovering, monday + timedelta(weeks=1), "gap < 0.15"),
            ):
                kr_owner = next(k.owner_id for k in org.key_results if k.id == consultation.subject_id)
                await env.client.get_workflow_handle_for(
                    ConsultationWorkflow.run, consultation_workflow_id(q.org_id, consultation.id)
                ).execute_update(
                    ConsultationWorkflow.record_meeting,
                    RecordMeetingInput(
                        recorded_by=kr_owner or "",
                        situation="Behind plan for three weeks running.",
                        causes="Under-staffed after a reorganisation.",
                        impact="The team's objective will miss.",
                        decisions=["Borrow two engineers for a month"],
                        check_on=check_on,
                        check_condition=condition,
                    ),
                )
            scripted.escalating, scripted.recovering = escalating, recovering

            retro_objective = next(o for o in org.objectives if o.id == scripted.change["kr"].objective_id)
            with unit_of_work(q.sessions) as session:
                closeout.write_retrospective(
                    session,
                    people[retro_objective.owner_id],
                    retro_objective.id,
                    {
                        "what_worked": "Weekly focus",
                        "what_did_not": "Late hiring",
                        "carry_over": "Region two",
                    },
                    at=now,
                )
            scripted.retrospective = retro_objective.id

            result = await handle.result()
            assert result.phase is Phase.ARCHIVED
        yield Run(q, scripted)


# ---------------------------------------------------------------- helpers for the assertions


def _report(run: Run) -> StoredReport:
    with run.session() as session:
        return CycleReportStore(session).get(run.org_id, run.cycle_id)


def _consultations(run: Run) -> list[Consultation]:
    with run.session() as session:
        return ConsultationStore(session).list_for_cycle(run.org_id, run.cycle_id)


# ---------------------------------------------------------------- consultations


async def test_key_results_that_stay_behind_are_convened_exactly_where_a_ladder_reached_consultation(
    run: Run,
) -> None:
    rules = {r.id: r.rule for r in load_default().rules}
    reached: set[str] = set()
    with run.session() as session:
        for week in range(1, 14):
            for item in DigestStore(session).list_for_review(run.org_id, run.cycle_id, week):
                if item.kind != "escalation":
                    continue
                _, rule_id, subject_id, rung = item.key.split(":")
                if rules[rule_id].escalation[int(rung)].to == "consultation":
                    reached.add(subject_id)
    by_rule = {c.subject_id for c in _consultations(run) if c.opened_by.startswith("rule:")}
    assert by_rule == reached
    story = run.quarter.org.story

    def three_in_a_row(kr: str) -> bool:
        weeks = story.key_results[kr].weekly.get(Signal.SERIOUS_DELAY, ())
        return any(w + 1 in weeks and w + 2 in weeks for w in weeks)

    stays_behind = {k for k in story.krs(Pattern.BEHIND) if three_in_a_row(k)}
    assert stays_behind and stays_behind <= by_rule


async def test_convened_participants_are_told_and_a_meeting_nobody_records_is_chased_then_closed(
    run: Run,
) -> None:
    scripted = run.scripted
    met = {scripted.escalating.id, scripted.recovering.id}  # type: ignore[union-attr]
    people = {p.id: p for p in run.quarter.org.people}
    ambassadors = {p.id for p in people.values() if p.role.value == "ambassador" and p.active}
    convened = {
        n["payload"]["consultation_id"]: set() for n in run.quarter.notifications("consultation_convened")
    }
    for n in run.quarter.notifications("consultation_convened"):
        convened[n["payload"]["consultation_id"]].add(n["recipient_id"])
    ends = cycle_calendar(run.quarter.org.cycle).ends
    chased: dict[str, set[str]] = defaultdict(set)
    for n in run.quarter.notifications("consultation_overdue"):
        chased[n["payload"]["consultation_id"]].add(n["dedupe_key"])
    for c in _consultations(run):
        if not c.opened_by.startswith("rule:"):
            continue
        kr = next(k for k in run.quarter.org.key_results if k.id == c.subject_id)
        assert kr.owner_id in c.participants and ambassadors <= set(c.participants)
        assert convened[c.id] == set(c.participants)
        if c.id not in met:
            assert chased[c.id], f"the meeting of {c.id} was never chased"
            assert c.status is ConsultationStatus.CLOSED
            assert (c.outcome_note or "").startswith("The cycle ended before the meeting was recorded")
            # Reminded at the deadline and every CHASE_EVERY after, three times at most, until the cycle ends.
            room = (ends - c.meet_by) // CHASE_EVERY + 1
            assert len(chased[c.id]) == min(MAX_CHASES, room)


async def test_the_follow_up_check_escalates_a_key_result_that_did_not_recover(run: Run) -> None:
    escalating = run.scripted.escalating
    assert escalating is not None
    consultations = {c.id: c for c in _consultations(run)}
    checked = consultations[escalating.id]
    assert checked.status is ConsultationStatus.ESCALATED
    assert checked.check_condition == "gap < 0.1" and checked.decisions == [
        "Borrow two engineers for a month"
    ]
    (successor,) = [c for c in consultations.values() if c.opened_by == f"consultation:{escalating.id}"]
    assert successor.level == 1 and successor.subject_id == escalating.subject_id
    added = set(successor.participants) - set(checked.participants)
    assert len(added) == 1
    told = {n["recipient_id"] for n in run.quarter.notifications("consultation_escalated")}
    assert added <= told
    # Nobody met at the higher level before the quarter ended: it closed then.
    assert successor.status is ConsultationStatus.CLOSED


async def test_the_follow_up_check_closes_a_consultation_whose_key_result_recovered(run: Run) -> None:
    recovering = run.scripted.recovering
    assert recovering is not None
    checked = next(c for c in _consultations(run) if c.id == recovering.id)
    assert checked.status is ConsultationStatus.RECOVERED
    assert (checked.outcome_note or "").startswith("Recovered on")
    told = {n["recipient_id"] for n in run.quarter.notifications("consultation_recovered")}
    assert set(checked.participants) <= told


# ---------------------------------------------------------------- change control and the mid-term review


async def test_a_locked_key_result_changed_outside_the_window_only_with_approval_and_everyone_was_told(
    run: Run,
) -> None:
    change = run.scripted.change
    assert "change request" in run.scripted.refused_edit
    with run.session() as session:
        request = ChangeRequestStore(session).get(run.org_id, change["id"])
        kr = KeyResultStore(session).get(run.org_id, change["kr"].id)
        log = midterm.revision_log(session, run.org_id, kr.objective_id)
    assert request.status is ChangeRequestStatus.APPLIED and not request.midterm
    assert kr.title == change["changes"]["title"]
    entry = next(e for e in log if e.change_request_id == change["id"])
    assert entry.changes == {"title": [change["kr"].title, change["changes"]["title"]]}
    assert (entry.reason, entry.approved_by) == ("Regulation blocks the third region", change["approver"])
    published = run.quarter.notifications("change_published", change_request_id=change["id"])
    active = {p.id for p in run.quarter.org.people if p.active}
    assert {n["recipient_id"] for n in published} == active


async def test_a_midterm_revision_is_in_the_published_revision_log_and_the_report_with_its_reason(
    run: Run,
) -> None:
    revision = run.scripted.revision
    kr = revision["kr"]
    logs = run.quarter.notifications("revision_log")
    assert {n["recipient_id"] for n in logs} == {p.id for p in run.quarter.org.people if p.active}
    (entry,) = logs[0]["payload"]["revisions"]
    assert entry["change_request_id"] == revision["id"]
    assert entry["reason"] == "The market shrank by a fifth"
    assert entry["changes"] == {"target": [kr.target, revision["changes"]["target"]]}
    assert entry["approved_by"] == revision["approver"]
    asked = {n["recipient_id"] for n in run.quarter.notifications("midterm_review")}
    approved_owners = {o.owner_id for o in run.quarter.org.objectives if o.status is ObjectiveStatus.APPROVED}
    assert asked == approved_owners & {p.id for p in run.quarter.org.people if p.active}
    report = _report(run).report
    (item,) = report.revisions
    assert (item.subject_id, item.reason, item.action) == (
        kr.id,
        "The market shrank by a fifth",
        "midterm_revision",
    )
    assert item.changes == {"target": [kr.target, revision["changes"]["target"]]}


# ---------------------------------------------------------------- close-out


async def test_close_out_scores_every_key_result_exactly_as_the_core_does(run: Run) -> None:
    stored = _report(run)
    assert stored.final
    report = stored.report
    with run.session() as session:
        snapshot = load_snapshot(session, run.cycle_id, as_of=datetime.now(UTC) + timedelta(days=3650))
    scored = 0
    for k in report.key_results:
        kr = snapshot.key_results[k.kr_id]
        expected = score_key_result(
            kr,
            snapshot.check_ins.get(kr.id, []),
            as_of=report.as_of,
            tasks=snapshot.tasks_by_kr.get(kr.id, []),
        )
        assert k.score == expected, k.kr_id
        scored += 1
    in_quarter = [o for o in snapshot.objectives.values() if o.status is not ObjectiveStatus.DRAFT]
    assert scored == sum(len(snapshot.krs_by_objective.get(o.id, [])) for o in in_quarter) > 100
    # Scored at the end of close-out, so final check-ins made after the last day count.
    cycle = run.quarter.org.cycle
    assert report.as_of == local_date(cycle, cycle_calendar(cycle).closeout_ends)


async def test_the_report_tells_the_story_behind_key_results_score_low_and_are_carried_over(run: Run) -> None:
    stored = _report(run)
    report = stored.report
    story = run.quarter.org.story
    scores = {k.kr_id: k for k in report.key_results}
    behind = story.krs(Pattern.BEHIND)
    healthy = story.krs(Pattern.ON_TRACK, Pattern.AHEAD)
    assert behind and all(scores[k].colour is not HealthLevel.GREEN for k in behind)
    assert max(scores[k].score for k in behind) < min(
        scores[k].score for k in healthy if scores[k].kind.value == "metric"
    )
    consulted = {c.subject_id for c in report.consultations}
    assert all(scores[k].consultations >= 1 for k in consulted if k in scores)
    carried = {kr.source_kr_id for p in stored.carry_over for kr in p.key_results}
    committed = {o.objective_id for o in report.objectives if o.kind.value == "committed"}
    assert {k for k in behind if scores[k].objective_id in committed} <= carried
    retro = next(o for o in report.objectives if o.objective_id == run.scripted.retrospective).retrospective
    assert retro is not None and retro.what_did_not == "Late hiring"
    told = {n["recipient_id"] for n in run.quarter.notifications("cycle_report")}
    assert told == {p.id for p in run.quarter.org.people if p.active}


async def test_every_write_to_the_archived_cycle_is_refused(run: Run) -> None:
    q = run.quarter
    org_id, cycle_id = run.org_id, run.cycle_id
    kr = q.org.key_results[0]
    task = q.org.tasks[0]
    objective = q.org.objectives[0]
    team = q.org.teams[0].id
    person = q.org.people[0].id
    at = datetime(2027, 6, 1, tzinfo=UTC)
    writes: dict[str, Callable[[Any], Any]] = {
        "objective": lambda s: ObjectiveStore(s).update(
            org_id, objective.id, {"title": "x"}, expected_version=None, actor=person
        ),
        "key result": lambda s: KeyResultStore(s).update(
            org_id, kr.id, {"title": "x"}, expected_version=None, actor=person
        ),
        "task": lambda s: TaskStore(s).update(
            org_id, task.id, {"title": "x"}, expected_version=None, actor=person
        ),
        "check-in": lambda s: CheckInStore(s).add(
            CheckIn(id="late", org_id=org_id, kr_id=kr.id, author_id=person, at=at, value=1, confidence=5)
        ),
        "comment": lambda s: CommentStore(s).add(
            Comment(
                id="late",
                org_id=org_id,
                subject_type=SubjectType.OBJECTIVE,
                subject_id=objective.id,
                author_id=person,
                body="too late",
                created_at=at,
            )
        ),
        "pulse": lambda s: PulseStore(s).add(
            HealthPulse(
                id="late",
                org_id=org_id,
                cycle_id=cycle_id,
                team_id=team,
                week=13,
                team_health=HealthLevel.GREEN,
                quality=HealthLevel.GREEN,
                customer_satisfaction=HealthLevel.GREEN,
            )
        ),
        "calendar event": lambda s: EventStore(s).add(
            CalendarEvent(id="late", org_id=org_id, cycle_id=cycle_id, title="x", on=date(2027, 6, 1))
        ),
        "consultation": lambda s: ConsultationStore(s).add(
            Consultation(
                id="late",
                org_id=org_id,
                cycle_id=cycle_id,
                subject_id=kr.id,
                reason="late",
                opened_by=person,
                participants=[person],
                meet_by=at,
                created_at=at,
            )
        ),
        "change request": lambda s: ChangeRequestStore(s).decide(
            org_id,
            next(iter(ChangeRequestStore(s).list_for_cycle(org_id, cycle_id))).id,
            status=ChangeRequestStatus.WITHDRAWN,
            decided_by=person,
        ),
        "retrospective": lambda s: RetrospectiveStore(s).put(
            org_id, cycle_id, Retrospective(objective_id=objective.id, author_id=person, what_worked="x")
        ),
        "problem": lambda s: ProblemStore(s).add(
            IntakeProblem(
                id="late",
                org_id=org_id,
                cycle_id=cycle_id,
                subject_type=SubjectType.KEY_RESULT,
                subject_id=kr.id,
                raised_by=person,
                text="late",
                created_at=at,
            )
        ),
    }
    for what, write in writes.items():
        with pytest.raises(InvalidState, match="is archived"), run.session() as session:
            write(session)
        assert what
    with run.session() as session:
        statuses = {o.status for o in ObjectiveStore(session).list_for_cycle(org_id, cycle_id)}
        assert CycleStore(session).get(org_id, cycle_id).phase is Phase.ARCHIVED
    assert ObjectiveStatus.APPROVED not in statuses and ObjectiveStatus.CLOSED in statuses


async def test_the_ambassadors_get_an_org_wide_digest_after_every_weekly_review(run: Run) -> None:
    ambassadors = {p.id for p in run.quarter.org.people if p.role.value == "ambassador" and p.active}
    digests = run.quarter.notifications("ambassador_digest")
    weeks: dict[str, set[int]] = defaultdict(set)
    for n in digests:
        weeks[n["recipient_id"]].add(n["payload"]["week"])
    assert ambassadors and weeks == {a: set(range(1, 14)) for a in ambassadors}
    story_week = next(n for n in digests if n["payload"]["week"] == STORY_WEEK)
    assert story_week["payload"]["consultations"] >= 1
