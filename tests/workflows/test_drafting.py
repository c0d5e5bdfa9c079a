"""Drafting through the cycle workflow: submit runs the critique, the manager approves or returns,
the wrong person is refused synchronously, and people without approved OKRs are reminded."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from okrflow.domain.calendar import cycle_calendar
from okrflow.domain.model import (
    Cycle,
    KeyResult,
    KRKind,
    Objective,
    ObjectiveKind,
    ObjectiveStatus,
    Org,
    Person,
    Role,
    Team,
)
from okrflow.runtime.worker import build_worker
from okrflow.store import (
    CommentStore,
    CycleStore,
    KeyResultStore,
    ObjectiveStore,
    OrgStore,
    PeopleStore,
    TeamStore,
    make_session_factory,
    unit_of_work,
)
from okrflow.store.critiques import CritiqueStore
from okrflow.store.tables import notifications
from okrflow.store.testing import migrated_engine
from tests.workflows.quarter import FUTURE_START, settings
from workflows.cycle import CycleWorkflow
from workflows.messages import CycleInput, DecideDraftInput, PauseInput, SubmitDraftInput

ORG = "acme"
CYCLE = "2027-q1"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    with migrated_engine("sqlite", directory=tmp_path) as engine:
        sessions = make_session_factory(engine)
        with unit_of_work(sessions) as s:
            OrgStore(s).add(Org(id=ORG, name="Acme", timezone="Asia/Shanghai"))
            TeamStore(s).add(Team(id="growth", org_id=ORG, name="增长组"))
            people = PeopleStore(s)
            people.add(Person(id="boss", org_id=ORG, name="Admin", handle="boss", role=Role.ADMIN))
            people.add(
                Person(
                    id="wang",
                    org_id=ORG,
                    name="王磊",
                    handle="wanglei",
                    team_id="growth",
                    role=Role.MANAGER,
                    manager_id="boss",
                    language="zh",
                )
            )
            people.add(
                Person(
                    id="li",
                    org_id=ORG,
                    name="李娜",
                    handle="lina",
                    team_id="growth",
                    manager_id="wang",
                    language="zh",
                )
            )
            people.add(
                Person(
                    id="zoe", org_id=ORG, name="Zoe Park", handle="zoe", team_id="growth", manager_id="wang"
                )
            )
            CycleStore(s).add(
                Cycle(
                    id=CYCLE,
                    org_id=ORG,
                    name="2027-Q1",
                    start=FUTURE_START,
                    end=FUTURE_START + timedelta(weeks=13, days=-1),
                    timezone="Asia/Shanghai",
                )
            )
            ObjectiveStore(s).add(
                Objective(
                    id="o1",
                    org_id=ORG,
                    cycle_id=CYCLE,
                    title="让新用户在第一周就爱上产品",
                    owner_id="li",
                    team_id="growth",
                    kind=ObjectiveKind.ASPIRATIONAL,
                ),
                actor="li",
            )
            krs = KeyResultStore(s)
            krs.add(
                KeyResult(
                    id="k1",
                    org_id=ORG,
                    objective_id="o1",
                    title="新用户7日留存率从 32% 提升到 45%",
                    owner_id="li",
                    start=32,
                    target=45,
                    unit="%",
                ),
                actor="li",
            )
            krs.add(
                KeyResult(
                    id="k2",
                    org_id=ORG,
                    objective_id="o1",
                    title="上线新手引导",
                    owner_id="li",
                    kind=KRKind.BINARY,
                ),
                actor="li",
            )
        yield engine


@asynccontextmanager
async def running_cycle(
    env: WorkflowEnvironment, sessions: sessionmaker[Session], tmp: Path
) -> AsyncIterator[WorkflowHandle[Any, Any]]:
    """A worker over the test org's store, and the cycle's workflow started on it."""
    s = settings(tmp)
    async with build_worker(s, env.client, session_factory=sessions):
        yield await env.client.start_workflow(
            CycleWorkflow.run,
            CycleInput(org_id=ORG, cycle_id=CYCLE),
            id=f"cycle-{uuid.uuid4()}",
            task_queue=s.temporal_task_queue,
        )


async def test_submit_critiques_the_draft_and_the_manager_approves_it(
    env: WorkflowEnvironment, engine: Engine, tmp_path: Path
) -> None:
    sessions = make_session_factory(engine)
    async with running_cycle(env, sessions, tmp_path) as handle:
        submitted = await handle.execute_update(
            CycleWorkflow.submit_draft, SubmitDraftInput(objective_id="o1", submitted_by="li")
        )
        assert submitted.approvers == ["wang"]
        # "上线新手引导" is an activity, not an outcome: the critique says so.
        with unit_of_work(sessions) as session:
            stored = CritiqueStore(session).get(ORG, "o1")
            objective = ObjectiveStore(session).get(ORG, "o1")
        assert objective.status is ObjectiveStatus.SUBMITTED
        assert any(f["code"] == "KR_IS_TASK" and f["target"] == 1 for f in stored.critique["findings"])
        assert stored.critique["lang"] == "zh"

        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(
                CycleWorkflow.decide_draft,
                DecideDraftInput(objective_id="o1", decided_by="zoe", approve=True),
            )
        assert "the approver is wang" in str(refused.value.cause)
        with pytest.raises(WorkflowUpdateFailedError) as no_comment:
            await handle.execute_update(
                CycleWorkflow.decide_draft,
                DecideDraftInput(objective_id="o1", decided_by="wang", approve=False),
            )
        assert "needs a comment" in str(no_comment.value.cause)

        await handle.execute_update(
            CycleWorkflow.decide_draft,
            DecideDraftInput(
                objective_id="o1", decided_by="wang", approve=False, comment="第二个KR改成结果指标"
            ),
        )
        with unit_of_work(sessions) as session:
            assert ObjectiveStore(session).get(ORG, "o1").status is ObjectiveStatus.RETURNED
            comments = CommentStore(session).list_for_subject(ORG, "objective", "o1")
        assert [c.body for c in comments] == ["第二个KR改成结果指标"]

        await handle.execute_update(
            CycleWorkflow.submit_draft, SubmitDraftInput(objective_id="o1", submitted_by="li")
        )
        status = await handle.query(CycleWorkflow.status)
        assert [p.objective_id for p in status.pending_approvals] == ["o1"]
        await handle.execute_update(
            CycleWorkflow.decide_draft, DecideDraftInput(objective_id="o1", decided_by="wang", approve=True)
        )
        with pytest.raises(WorkflowUpdateFailedError):  # decided already: not pending any more
            await handle.execute_update(
                CycleWorkflow.decide_draft,
                DecideDraftInput(objective_id="o1", decided_by="wang", approve=True),
            )
        status = await handle.query(CycleWorkflow.status)
        assert status.pending_approvals == []
        with unit_of_work(sessions) as session:
            objective = ObjectiveStore(session).get(ORG, "o1")
            kinds = {(r.recipient_id, r.kind) for r in session.execute(select(notifications)).all()}
        assert objective.status is ObjectiveStatus.APPROVED and objective.locked
        assert ("wang", "draft_submitted") in kinds and ("li", "draft_decided") in kinds
        await handle.terminate()


async def test_people_without_approved_okrs_are_reminded_before_the_cycle_starts(
    env: WorkflowEnvironment, engine: Engine, tmp_path: Path
) -> None:
    sessions = make_session_factory(engine)
    with unit_of_work(sessions) as session:
        cycle = CycleStore(session).get(ORG, CYCLE)
        # Wang has an approved objective already; Li's is a draft; Zoe and the admin have none.
        ObjectiveStore(session).add(
            Objective(
                id="o2",
                org_id=ORG,
                cycle_id=CYCLE,
                title="Make onboarding delightful",
                owner_id="wang",
                team_id="growth",
                status=ObjectiveStatus.APPROVED,
            ),
            actor="wang",
        )
    starts = cycle_calendar(cycle).starts
    async with running_cycle(env, sessions, tmp_path) as handle:
        paused = await handle.execute_update(CycleWorkflow.pause, PauseInput(by="boss"))
        assert paused.paused
        await handle.execute_update(CycleWorkflow.resume, PauseInput(by="boss"))
        await env.sleep(starts - await _now(env) + timedelta(hours=1))
        status = await handle.query(CycleWorkflow.status)
        await handle.terminate()
    with unit_of_work(sessions) as session:
        rows = session.execute(
            select(notifications.c.recipient_id, notifications.c.dedupe_key).where(
                notifications.c.kind == "draft_reminder"
            )
        ).all()
    by_key: dict[str, set[str]] = {}
    for recipient, key in rows:
        by_key.setdefault(key, set()).add(recipient)
    assert len(by_key) == 2, (by_key, status.skipped_events)  # three days and one day before the start
    assert all(who == {"boss", "li", "zoe"} for who in by_key.values())
    assert status.phase.value == "decomposition"


async def _now(env: WorkflowEnvironment) -> datetime:
    return await env.get_current_time()
