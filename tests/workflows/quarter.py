"""A generated quarter in a real SQLite store, run by the real workflows and activities."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment

from okrflow.runtime.settings import Settings
from okrflow.runtime.worker import build_worker
from okrflow.store import make_session_factory, unit_of_work
from okrflow.store.tables import notifications
from okrflow.synthetic import SyntheticOrg
from workflows.cycle import CycleWorkflow
from workflows.messages import CycleInput, CycleResult

# The time-skipping server's clock starts at the real "now": cycles in tests lie in the future.
FUTURE_START = date(2027, 1, 4)


@dataclass
class Quarter:
    org: SyntheticOrg
    engine: Engine
    sessions: sessionmaker[Session]
    result: CycleResult | None = None

    @property
    def org_id(self) -> str:
        return self.org.org.id

    @property
    def cycle_id(self) -> str:
        return self.org.cycle.id

    def notifications(self, kind: str, **payload: Any) -> list[dict[str, Any]]:
        """The notifications of ``kind`` in the outbox, as rows; with ``payload``, those whose payload
        has these values."""
        with unit_of_work(self.sessions) as session:
            rows = session.execute(select(notifications).where(notifications.c.kind == kind)).mappings()
            return [dict(r) for r in rows if all(r["payload"][k] == v for k, v in payload.items())]


def load_quarter(org: SyntheticOrg, engine: Engine) -> Quarter:
    sessions = make_session_factory(engine)
    with unit_of_work(sessions) as session:
        org.write(session)
    return Quarter(org=org, engine=engine, sessions=sessions)


def settings(tmp: Path) -> Settings:
    return Settings(data_dir=tmp, temporal_task_queue=f"okrflow-test-{uuid.uuid4()}")


async def run_cycle(
    env: WorkflowEnvironment,
    quarter: Quarter,
    tmp: Path,
    *,
    events_per_run: int = 60,
    extra_activities: Sequence[Any] = (),
) -> CycleResult:
    s = settings(tmp)
    worker = build_worker(s, env.client, session_factory=quarter.sessions, extra_activities=extra_activities)
    async with worker:
        result = await env.client.execute_workflow(
            CycleWorkflow.run,
            CycleInput(org_id=quarter.org_id, cycle_id=quarter.cycle_id, events_per_run=events_per_run),
            id=f"cycle-{uuid.uuid4()}",
            task_queue=s.temporal_task_queue,
        )
    quarter.result = result
    return result
