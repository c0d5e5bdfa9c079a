"""API tests: the real app over the real store (SQLite and PostgreSQL), each test rolled back.

``world`` seeds two orgs. Org A ("Acme") has every role and a little of everything; org B
("Bolt") is the other org whose people must never see Acme's data. Every Acme title and name
carries "Acme", so a test can check that nothing of Acme leaks into an answer to org B.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from okrflow.domain.model import (
    ChangeRequest,
    CheckIn,
    Comment,
    Consultation,
    Cycle,
    Escalation,
    Flag,
    KeyResult,
    LocalText,
    Notification,
    Objective,
    ObjectiveStatus,
    Org,
    Person,
    PlanState,
    Role,
    Severity,
    SubjectType,
    Task,
    Team,
)
from okrflow.reports.ambassador_model import IntakeProblem
from okrflow.reports.weekly_sheet import build_weekly_sheet
from okrflow.runtime.embedded import find_binary
from okrflow.runtime.settings import Settings
from okrflow.store import (
    ChangeRequestStore,
    CheckInStore,
    CommentStore,
    ConsultationStore,
    CycleStore,
    EscalationStore,
    FlagStore,
    KeyResultStore,
    NotificationStore,
    ObjectiveStore,
    OrgStore,
    PeopleStore,
    ProblemStore,
    RuleSetStore,
    SheetStore,
    TaskStore,
    TeamStore,
    TokenStore,
)
from okrflow.store.snapshot import load_snapshot
from okrflow.store.testing import *  # noqa: F403
from rules.load import default_source

T0 = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)  # week 2 of the cycle
MARK = "Acme"  # in every org-A title and name


@dataclass
class World:
    """Ids and tokens of the seeded orgs; ``token[key]`` authenticates person ``key``."""

    ids: dict[str, str] = field(default_factory=dict)
    token: dict[str, str] = field(default_factory=dict)
    records: dict[str, Any] = field(default_factory=dict)

    def auth(self, who: str | None) -> dict[str, str]:
        return {} if who is None else {"Authorization": f"Bearer {self.token[who]}"}

    def __getitem__(self, key: str) -> str:
        return self.ids[key]


def _person(org: Org, key: str, name: str, **kw: Any) -> Person:
    return Person(id=f"{org.id}-{key}", org_id=org.id, name=name, handle=f"{key}", **kw)


def seed(session: Session, world: World) -> World:
    """Org A (Acme) with every role and a little of everything, org B (Bolt) with an admin and a member."""
    a = OrgStore(session).add(Org(id="a", name=f"{MARK} Corp", timezone="Asia/Shanghai"))
    teams = TeamStore(session)
    people = PeopleStore(session)
    platform = teams.add(Team(id="a-platform", org_id=a.id, name=f"{MARK} Platform"))
    infra = teams.add(Team(id="a-infra", org_id=a.id, name=f"{MARK} Infra", parent_id=platform.id))
    growth = teams.add(Team(id="a-growth", org_id=a.id, name=f"{MARK} Growth"))
    cast = {
        "root": _person(a, "root", f"Root {MARK}", role=Role.ADMIN),
        "amy": _person(a, "amy", f"Amy {MARK}", role=Role.AMBASSADOR),
        "ana": _person(a, "ana", f"Ana López {MARK}", role=Role.MANAGER, team_id=platform.id),
        "bo": _person(a, "bo", f"Bo {MARK}", team_id=platform.id, manager_id="a-ana"),
        "cai": Person(
            id="a-cai",
            org_id=a.id,
            name="张伟",
            handle="zhangwei",
            team_id=infra.id,
            manager_id="a-ana",
            language="zh",
        ),
        "dan": _person(a, "dan", f"Dan {MARK}", team_id=growth.id),
    }
    for key, p in cast.items():
        people.add(p)
        world.ids[key] = p.id
    teams.update(a.id, platform.id, {"lead_id": "a-ana"})
    cycle = CycleStore(session).add(
        Cycle(
            id="a-q1",
            org_id=a.id,
            name=f"{MARK} 2026-Q1",
            start=date(2026, 1, 5),
            end=date(2026, 3, 29),
            timezone="Asia/Shanghai",
        )
    )
    objectives, krs, tasks = ObjectiveStore(session), KeyResultStore(session), TaskStore(session)
    draft = objectives.add(
        Objective(
            id="a-o1",
            org_id=a.id,
            cycle_id=cycle.id,
            title=f"{MARK}: delight customers",
            owner_id="a-bo",
            team_id=platform.id,
        ),
        actor="a-bo",
        at=T0,
    )
    kr = krs.add(
        KeyResult(
            id="a-kr1",
            org_id=a.id,
            objective_id=draft.id,
            title=f"{MARK}: churn from 12% to 8%",
            owner_id="a-bo",
            start=12,
            target=8,
            direction="decrease",
            unit="%",
        ),
        actor="a-bo",
        at=T0,
    )
    approved = objectives.add(
        Objective(
            id="a-o2",
            org_id=a.id,
            cycle_id=cycle.id,
            title=f"{MARK}: ship the platform",
            owner_id="a-bo",
            team_id=platform.id,
        ),
        actor="a-bo",
        at=T0,
    )
    krs.add(
        KeyResult(
            id="a-kr2",
            org_id=a.id,
            objective_id=approved.id,
            title=f"{MARK}: 5 services migrated",
            owner_id="a-bo",
            start=0,
            target=5,
        ),
        actor="a-bo",
        at=T0,
    )
    objectives.update(
        a.id, approved.id, {"status": ObjectiveStatus.APPROVED}, expected_version=1, actor="a-ana", at=T0
    )
    tasks.add(
        Task(
            id="a-t1",
            org_id=a.id,
            kr_id=kr.id,
            title=f"{MARK}: exit survey",
            owner_id="a-cai",
            due=date(2026, 2, 2),
            estimate_hours=10,
            collaborators=["a-ana"],
        ),
        actor="a-bo",
        at=T0,
    )
    tasks.add(
        Task(
            id="a-t2",
            org_id=a.id,
            kr_id=kr.id,
            title=f"{MARK}: win-back emails",
            owner_id="a-cai",
            plan_state=PlanState.PROPOSED,
            proposed_by="a-cai",
        ),
        actor="a-cai",
        at=T0,
    )
    check_in = CheckInStore(session).add(
        _check_in(a.id, "a-ci1", kr.id, "a-bo", T0, value=11.5, confidence=6, note=f"{MARK} on track")
    )
    comment = CommentStore(session).add(_comment(a.id, "a-c1", draft.id, "a-ana", f"{MARK} looks good @bo"))
    ConsultationStore(session).add(
        Consultation(
            id="a-cons1",
            org_id=a.id,
            cycle_id=cycle.id,
            subject_id=kr.id,
            reason=f"{MARK} churn is not moving",
            opened_by="a-ana",
            participants=["a-bo", "a-ana"],
            meet_by=T0 + timedelta(days=3),
            created_at=T0,
        )
    )
    FlagStore(session).add_many(
        [
            Flag(
                id="a-f1",
                org_id=a.id,
                cycle_id=cycle.id,
                week=2,
                rule_id="kr_behind",
                rule_version=1,
                subject_type=SubjectType.KEY_RESULT,
                subject_id=kr.id,
                severity=Severity.RISK,
                message=LocalText(en=f"{MARK} KR behind", zh=f"{MARK} 落后"),
                created_at=T0,
            )
        ]
    )
    EscalationStore(session).add(
        Escalation(
            id="a-e1",
            org_id=a.id,
            cycle_id=cycle.id,
            rule_id="kr_behind",
            subject_type=SubjectType.KEY_RESULT,
            subject_id=kr.id,
            streak=2,
            rung=0,
            opened_week=1,
            updated_week=2,
        )
    )
    NotificationStore(session).enqueue(
        Notification(
            id="a-n1",
            org_id=a.id,
            recipient_id="a-bo",
            kind="reminder",
            dedupe_key="seed",
            title=LocalText(en=f"{MARK} check in", zh=f"{MARK} 请更新进展"),
            body=LocalText(en="please", zh="请"),
            created_at=T0,
            delivered_at=T0,
        )
    )
    ChangeRequestStore(session).add(
        ChangeRequest(
            id="a-cr1",
            org_id=a.id,
            cycle_id=cycle.id,
            subject_type=SubjectType.OBJECTIVE,
            subject_id=approved.id,
            requested_by="a-bo",
            reason=f"{MARK}: the scope grew",
            changes={"title": f"{MARK}: ship half the platform"},
            created_at=T0,
        )
    )
    ProblemStore(session).add(
        IntakeProblem(
            id="a-p1",
            org_id=a.id,
            cycle_id=cycle.id,
            subject_type=SubjectType.KEY_RESULT,
            subject_id=kr.id,
            raised_by="a-cai",
            text=f"{MARK}: the churn numbers are counted twice",
            created_at=T0,
        )
    )
    RuleSetStore(session).publish(
        a.id, default_source(), published_by="a-root", reason=f"{MARK} rules", at=T0
    )
    snapshot = load_snapshot(session, cycle.id, as_of=T0 + timedelta(days=7), org_id=a.id)
    flags = FlagStore(session).list_for_cycle(a.id, cycle.id)
    sheets = SheetStore(session)
    for scope, team_id in (("org", None), (platform.id, platform.id)):
        sheet = build_weekly_sheet(snapshot, week=2, team_id=team_id, flags=flags)
        sheets.put(a.id, cycle.id, 2, sheet.model_dump(mode="json"), scope=scope, at=T0)
    world.ids.update(
        org="a",
        platform=platform.id,
        infra=infra.id,
        growth=growth.id,
        q1=cycle.id,
        o1=draft.id,
        o2=approved.id,
        kr1=kr.id,
        kr2="a-kr2",
        t1="a-t1",
        t2="a-t2",
        ci1=check_in.id,
        c1=comment.id,
        cons1="a-cons1",
        cr1="a-cr1",
        n1="a-n1",
        p1="a-p1",
        check_on="2026-03-02",  # a consultation's check date inside the seeded cycle
    )

    b = OrgStore(session).add(Org(id="b", name="Bolt Inc"))
    for key, p in {
        "bea": Person(id="b-bea", org_id=b.id, name="Bea", handle="bea", role=Role.ADMIN),
        "ben": Person(id="b-ben", org_id=b.id, name="Ben", handle="ben"),
    }.items():
        people.add(p)
        world.ids[key] = p.id
    b_cycle = CycleStore(session).add(
        Cycle(id="b-q1", org_id=b.id, name="Bolt Q1", start=date(2026, 1, 5), end=date(2026, 3, 29))
    )
    objectives.add(
        Objective(id="b-o1", org_id=b.id, cycle_id=b_cycle.id, title="Bolt objective", owner_id="b-ben"),
        actor="b-ben",
        at=T0,
    )
    world.ids["b_q1"] = b_cycle.id

    tokens = TokenStore(session)
    for key in ("root", "amy", "ana", "bo", "cai", "dan", "bea", "ben"):
        org_id = "b" if key in ("bea", "ben") else "a"
        token, plaintext = tokens.create(org_id, world.ids[key], "tests", at=T0)
        world.token[key] = plaintext
        world.ids[f"token_{key}"] = token.id
    world.records["platform"] = teams.get(a.id, platform.id)
    world.records["bo"] = people.get(a.id, "a-bo")
    world.records["q1"] = CycleStore(session).get(a.id, cycle.id)
    session.flush()
    return world


def _check_in(org_id: str, ident: str, kr_id: str, author: str, at: datetime, **kw: Any) -> CheckIn:
    return CheckIn(id=ident, org_id=org_id, kr_id=kr_id, author_id=author, at=at, **kw)


def _comment(org_id: str, ident: str, objective_id: str, author: str, body: str) -> Comment:
    return Comment(
        id=ident,
        org_id=org_id,
        subject_type=SubjectType.OBJECTIVE,
        subject_id=objective_id,
        author_id=author,
        body=body,
        mentions=["a-bo"],
        created_at=T0,
    )


def _factory(connection: Connection) -> sessionmaker[Session]:
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False, autoflush=False
    )


@pytest.fixture(scope="module")
def seeded(db_engine: Engine) -> Iterator[tuple[Connection, World]]:
    """The world, seeded once per module and backend inside a transaction that is never committed."""
    connection = db_engine.connect()
    outer = connection.begin()
    try:
        with _factory(connection)() as session:
            world = seed(session, World())
            session.commit()
        yield connection, world
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture
def api_factory(seeded: tuple[Connection, World]) -> Iterator[sessionmaker[Session]]:
    """Sessions over the seeded world; whatever a test writes is rolled back after it."""
    connection, _ = seeded
    savepoint = connection.begin_nested()
    try:
        yield _factory(connection)
    finally:
        if savepoint.is_active:
            savepoint.rollback()


@pytest.fixture
def world(seeded: tuple[Connection, World]) -> World:
    return seeded[1]


@pytest.fixture(scope="session")
def shared_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """One app for the tier (building one takes a while); each test plugs in its sessions."""
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("okrflow")), session_factory=sessionmaker())


@pytest.fixture
def app(shared_app: FastAPI, api_factory: sessionmaker[Session]) -> Iterator[FastAPI]:
    state = shared_app.state
    state.session_factory = state.read_session_factory = api_factory
    state.temporal = None
    yield shared_app
    state.session_factory = state.read_session_factory = sessionmaker()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://okrflow.test") as http:
        yield http


@pytest.fixture(scope="session")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """One time-skipping Temporal test server for the tier (the binary is in the venv: no download)."""
    environment = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server"),
        data_converter=pydantic_data_converter,
    )
    try:
        yield environment
    finally:
        await environment.shutdown()


def fill(value: Any, world: World) -> Any:
    """``value`` with ``{key}`` in its strings replaced by the ids of seeded records."""
    if isinstance(value, str):
        return value.format_map(world.ids)
    if isinstance(value, dict):
        return {k: fill(v, world) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, world) for v in value]
    return value


@dataclass
class Api:
    """Calls as a seeded person; ``{key}`` in a URL names a seeded record."""

    client: httpx.AsyncClient
    world: World

    def url(self, template: str) -> str:
        return template.format_map(self.world.ids)

    async def call(
        self, method: str, who: str | None, url: str, *, headers: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        if "json" in kw:
            kw["json"] = fill(kw["json"], self.world)
        return await self.client.request(
            method, self.url(url), headers={**(headers or {}), **self.world.auth(who)}, **kw
        )

    async def get(self, who: str | None, url: str, **kw: Any) -> httpx.Response:
        return await self.call("GET", who, url, **kw)

    async def post(self, who: str | None, url: str, **kw: Any) -> httpx.Response:
        return await self.call("POST", who, url, **kw)

    async def patch(self, who: str | None, url: str, **kw: Any) -> httpx.Response:
        return await self.call("PATCH", who, url, **kw)

    async def delete(self, who: str | None, url: str, **kw: Any) -> httpx.Response:
        return await self.call("DELETE", who, url, **kw)

    async def inbox(self, who: str) -> list[dict[str, Any]]:
        response = await self.get(who, "/api/v1/inbox")
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items


@pytest.fixture
def api(client: httpx.AsyncClient, world: World) -> Api:
    return Api(client, world)


@pytest.fixture
def db(api_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session over the same data the app sees (this test's writes included)."""
    with api_factory() as session:
        yield session
