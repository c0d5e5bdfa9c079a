"""The routes that drive the cycle workflow, against the time-skipping Temporal server and a worker with
every real activity: start, pause, resume, status; submit, approve, return.

Each call by the right role is the matrix's own entry (``authz_matrix.MATRIX``), so the matrix's
workflow routes are shown to succeed here; refusals by the workflow (a second start, a wrong approver,
pausing twice) come back as clear 409/403 problems.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from okrflow.domain.model import ObjectiveStatus
from okrflow.runtime.settings import Settings
from okrflow.runtime.worker import build_worker
from okrflow.services.cycles import cycle_workflow_id
from okrflow.store import CycleStore, ObjectiveStore, make_session_factory, unit_of_work
from okrflow.store.testing import migrated_engine
from tests.api.authz_matrix import MATRIX
from tests.api.conftest import World, seed
from tests.api.test_authz import _call
from workflows.governance_messages import change_workflow_id, consultation_workflow_id

WORKFLOW_ROUTES = {key for key, entry in MATRIX.items() if entry.workflow}


@dataclass
class Live:
    client: httpx.AsyncClient
    world: World
    engine: Engine
    used: set[tuple[str, str]]

    async def matrix(self, method: str, path: str) -> httpx.Response:
        """Call a route as the matrix's allowed person, with the matrix's body."""
        self.used.add((method, path))
        return await _call(
            self.client, method, MATRIX[(method, path)], self.world, MATRIX[(method, path)].allowed
        )

    async def post(self, url: str, who: str, body: dict[str, str] | None = None) -> httpx.Response:
        return await self.client.post(url.format_map(self.world.ids), json=body, headers=self.world.auth(who))


@pytest.fixture(scope="module")
def used() -> Iterator[set[tuple[str, str]]]:
    seen: set[tuple[str, str]] = set()
    yield seen
    assert seen == WORKFLOW_ROUTES, (
        f"workflow routes never shown to succeed: {sorted(WORKFLOW_ROUTES - seen)}"
    )


@pytest.fixture
async def live(env: WorkflowEnvironment, tmp_path: Path, used: set[tuple[str, str]]) -> AsyncIterator[Live]:
    settings = Settings(data_dir=tmp_path, temporal_task_queue=f"okrflow-api-{uuid.uuid4()}")
    with migrated_engine("sqlite", directory=tmp_path) as engine:
        sessions = make_session_factory(engine)
        with unit_of_work(sessions) as session:
            world = seed(session, World())
            # The seeded cycle is in the past; move it ahead of the server's clock so it is drafting time.
            start = datetime.now(UTC).date() + timedelta(days=30)
            CycleStore(session).update("a", world["q1"], {"start": start, "end": start + timedelta(weeks=13)})
        # The app builds its sessions from the engine as `okrflow serve` does (read sessions, the write lock).
        app = create_app(settings, engine=engine, temporal_client=env.client)
        async with build_worker(settings, env.client, session_factory=sessions):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://okrflow.test") as client:
                yield Live(client, world, engine, used)
            # Workflow ids derive from the cycle: end this test's run so the next test can start its own.
            with contextlib.suppress(RPCError):
                await env.client.get_workflow_handle(cycle_workflow_id("a", world["q1"])).terminate(
                    "test over"
                )


def _objective(live: Live, key: str) -> ObjectiveStatus:
    with unit_of_work(make_session_factory(live.engine)) as session:
        return ObjectiveStore(session).get("a", live.world[key]).status


async def test_an_admin_starts_pauses_and_resumes_the_cycle_and_managers_read_its_status(live: Live) -> None:
    started = await live.matrix("POST", "/api/v1/cycles/{cycle_id}/start")
    assert started.status_code == 202, started.text
    assert started.json()["workflow_id"] == "okrflow:cycle:a:a-q1"

    again = await live.post("/api/v1/cycles/{q1}/start", "root")
    assert again.status_code == 409
    assert "already started" in again.json()["detail"]

    status = await live.matrix("GET", "/api/v1/cycles/{cycle_id}/status")
    assert status.status_code == 200, status.text
    assert (status.json()["cycle_id"], status.json()["paused"]) == (live.world["q1"], False)

    paused = await live.matrix("POST", "/api/v1/cycles/{cycle_id}/pause")
    assert paused.status_code == 200, paused.text
    assert paused.json()["paused"] is True
    twice = await live.post("/api/v1/cycles/{q1}/pause", "root", {"reason": "again"})
    assert twice.status_code == 409
    assert twice.headers["content-type"].startswith("application/problem+json")
    assert "already paused" in twice.json()["detail"]

    resumed = await live.matrix("POST", "/api/v1/cycles/{cycle_id}/resume")
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["paused"] is False

    # A new review day: the running workflow is told to reload its timetable, and keeps answering.
    cycle = await live.client.get(f"/api/v1/cycles/{live.world['q1']}", headers=live.world.auth("root"))
    cadence = {**cycle.json()["cadence"], "review_weekday": 3}
    moved = await live.client.patch(
        f"/api/v1/cycles/{live.world['q1']}",
        json={"cadence": cadence},
        headers={**live.world.auth("root"), "If-Match": cycle.headers["etag"]},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["cadence"]["review_weekday"] == 3
    after = await live.post("/api/v1/cycles/{q1}/pause", "root", {"reason": "still listening"})
    assert after.status_code == 200


async def test_a_draft_is_submitted_returned_with_a_comment_and_then_approved(live: Live) -> None:
    assert (await live.post("/api/v1/cycles/{q1}/start", "root")).status_code == 202

    submitted = await live.matrix("POST", "/api/v1/objectives/{objective_id}/submit")
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["approvers"] == [live.world["ana"]]
    assert submitted.json()["objective"]["status"] == "submitted"
    assert _objective(live, "o1") is ObjectiveStatus.SUBMITTED

    wrong = await live.post("/api/v1/objectives/{o1}/approve", "root")
    assert wrong.status_code == 403
    assert "Ana López" in wrong.json()["detail"]
    no_comment = await live.post("/api/v1/objectives/{o1}/return", "ana", {"comment": ""})
    assert no_comment.status_code == 422
    assert no_comment.json()["errors"][0]["loc"] == ["body", "comment"]

    returned = await live.matrix("POST", "/api/v1/objectives/{objective_id}/return")
    assert returned.status_code == 200, returned.text
    assert returned.json()["status"] == "returned"
    assert _objective(live, "o1") is ObjectiveStatus.RETURNED
    comments = await live.client.get(
        f"/api/v1/objectives/{live.world['o1']}/comments", headers=live.world.auth("bo")
    )
    assert [c["body"] for c in comments.json()["items"] if c["author_id"] == live.world["ana"]][
        -1
    ] == "measure it"

    assert (await live.post("/api/v1/objectives/{o1}/submit", "bo")).status_code == 200
    approved = await live.matrix("POST", "/api/v1/objectives/{objective_id}/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["objective"]["status"] == "approved"

    locked = await live.client.patch(
        f"/api/v1/objectives/{live.world['o1']}",
        json={"title": "Sneaky edit"},
        headers={**live.world.auth("bo"), "If-Match": f'"{approved.json()["objective"]["version"]}"'},
    )
    assert locked.status_code == 409
    assert "change request" in locked.json()["detail"]
    decided = await live.post("/api/v1/objectives/{o1}/approve", "ana")
    assert decided.status_code == 409


async def test_submitting_before_the_cycle_is_started_says_how_to_start_it(live: Live) -> None:
    refused = await live.post("/api/v1/objectives/{o1}/submit", "bo")
    assert refused.status_code == 409
    assert "POST /api/v1/cycles/a-q1/start" in refused.json()["detail"]
    assert _objective(live, "o1") is ObjectiveStatus.DRAFT


async def test_a_change_request_is_decided_and_a_consultation_met_and_closed_through_their_workflows(
    live: Live, env: WorkflowEnvironment
) -> None:
    started = [change_workflow_id("a", live.world["cr1"]), consultation_workflow_id("a", live.world["cons1"])]
    try:
        # The seeded request asks to retitle approved objective o2; bo (its owner) cannot approve it.
        refused = await live.post("/api/v1/change-requests/{cr1}/decide", "bo", {"approve": True})
        assert refused.status_code == 403 and "Ana López" in refused.json()["detail"]
        decided = await live.matrix("POST", "/api/v1/change-requests/{request_id}/decide")
        assert decided.status_code == 200, decided.text
        assert (decided.json()["status"], decided.json()["decided_by"]) == ("applied", live.world["ana"])
        with unit_of_work(make_session_factory(live.engine)) as session:
            assert ObjectiveStore(session).get("a", live.world["o2"]).title == "Acme: ship half the platform"
        again = await live.post("/api/v1/change-requests/{cr1}/decide", "ana", {"approve": True})
        assert again.status_code == 409 and "already decided" in again.json()["detail"]

        with unit_of_work(make_session_factory(live.engine)) as session:
            cycle = CycleStore(session).get("a", live.world["q1"])
        live.world.ids["check_on"] = (cycle.start + timedelta(weeks=3)).isoformat()
        wrong = await live.post(
            "/api/v1/consultations/{cons1}/meeting",
            "bo",
            {"situation": "late", "check_on": live.world["check_on"], "check_condition": "confidense >= 6"},
        )
        assert wrong.status_code == 422
        assert wrong.json()["errors"][0]["loc"] == ["check_condition"]
        assert "undeclared reference to 'confidense'" in wrong.json()["detail"]
        met = await live.matrix("POST", "/api/v1/consultations/{consultation_id}/meeting")
        assert met.status_code == 200, met.text
        assert met.json()["consultation"]["status"] == "agreed"
        assert met.json()["check_at"].startswith(live.world["check_on"])
        closed = await live.matrix("POST", "/api/v1/consultations/{consultation_id}/close")
        assert closed.status_code == 200, closed.text
        assert (closed.json()["status"], closed.json()["outcome_note"]) == ("closed", "handled in the weekly")
    finally:
        for ident in started:
            with contextlib.suppress(RPCError):
                await env.client.get_workflow_handle(ident).terminate("test over")
