"""Dashboards over HTTP: the real app and store (SQLite and PostgreSQL), a generated org."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from okrflow.domain.calendar import local_date
from okrflow.domain.model import Person, Role
from okrflow.domain.progress import expected_progress, kr_progress, objective_progress, team_progress
from okrflow.reports import build_weekly_sheet
from okrflow.runtime.settings import Settings
from okrflow.store import TokenStore
from okrflow.store.testing import *  # noqa: F403
from okrflow.synthetic import SyntheticOrg, generate_org

_CACHE: dict[str, SyntheticOrg] = {}


def synthetic(org_id: str) -> SyntheticOrg:
    if org_id not in _CACHE:
        _CACHE[org_id] = generate_org(seed=11, people=24, org_id=org_id)
    return _CACHE[org_id]


@dataclass
class World:
    org: SyntheticOrg
    tokens: dict[str, str]  # person id -> token
    other_admin: str  # a token of an admin of another org

    def person(self, pred: Any) -> Person:
        return next(p for p in self.org.people if p.active and pred(p))

    def auth(self, person: Person) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[person.id]}"}

    @property
    def as_of(self) -> str:
        return self.org.as_of.isoformat()


@pytest.fixture
def world(db_session: Session) -> World:
    org, other = synthetic("da"), synthetic("db")
    org.write(db_session)
    other.write(db_session)
    store = TokenStore(db_session)
    tokens = {p.id: store.create(org.org.id, p.id, "test")[1] for p in org.people if p.active}
    admin = next(p for p in other.people if p.role is Role.ADMIN)
    return World(org, tokens, store.create(other.org.id, admin.id, "test")[1])


@pytest.fixture
async def client(session_factory: sessionmaker[Session]) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(), session_factory=session_factory)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def get(
    client: httpx.AsyncClient, w: World, path: str, who: Person | None, **params: Any
) -> httpx.Response:
    headers = w.auth(who) if who is not None else {}
    return await client.get(
        f"/api/v1/dashboards/{path}", params={"as_of": w.as_of, **params}, headers=headers
    )


def team_krs(org: SyntheticOrg, team_id: str) -> set[str]:
    """The KRs of objectives whose team is ``team_id`` or below it (computed here independently)."""
    parents = {t.id: t.parent_id for t in org.teams}

    def under(tid: str | None) -> bool:
        while tid is not None:
            if tid == team_id:
                return True
            tid = parents[tid]
        return False

    objectives = {o.id for o in org.objectives if under(o.team_id)}
    return {k.id for k in org.key_results if k.objective_id in objectives}


async def test_org_dashboard_agrees_with_the_domain_roll_ups_and_the_weekly_sheet(
    client: httpx.AsyncClient, world: World
) -> None:
    org = world.org
    ambassador = world.person(lambda p: p.role is Role.AMBASSADOR)
    r = await get(client, world, "org", ambassador)
    assert r.status_code == 200, r.text
    d = r.json()
    snap = org.snapshot()
    progress = {
        kr.id: kr_progress(
            kr,
            value=next(
                (c.value for c in reversed(snap.check_ins.get(kr.id, [])) if c.value is not None), None
            ),
            tasks=snap.tasks_by_kr.get(kr.id, ()),
        )
        for kr in snap.key_results.values()
    }
    by_objective = {
        o.id: objective_progress(snap.krs_by_objective.get(o.id, []), progress)
        for o in snap.objectives.values()
    }
    assert d["progress"] == pytest.approx(
        team_progress(list(snap.objectives.values()), by_objective), abs=1e-4
    )
    expected = expected_progress(org.cycle, on=local_date(org.cycle, org.as_of))
    assert d["expected_progress"] == pytest.approx(expected, abs=1e-4)
    assert d["key_results"] == len(org.key_results) and d["objectives"] == len(org.objectives)
    assert sum(d["health"].values()) == d["key_results"]

    sheet = build_weekly_sheet(snap, week=org.as_of_week, team_id=None, flags=[])
    counts = {str(k): v for k, v in sheet.status_counts.items()}
    for status in ("done", "blocked", "low_confidence", "at_risk"):
        assert d["health"][status] == counts[status], status
    assert d["at_risk"] == d["health"]["at_risk"]
    listed = d["at_risk_list"]
    assert len(listed) == min(20, d["at_risk"])
    assert all(item["gap"] >= 0.2 - 1e-6 for item in listed)
    assert [i["progress"] for i in listed] == sorted(i["progress"] for i in listed)
    assert d["check_ins"]["week"] == org.as_of_week
    assert 0 < d["check_ins"]["checked_in"] <= d["key_results"]
    assert [p["week"] for p in d["confidence"]["weeks"]] == sorted(
        p["week"] for p in d["confidence"]["weeks"]
    )
    accepted = [t for t in org.tasks if t.plan_state.value == "accepted"]
    tasks = d["tasks"]
    assert sum(tasks[s] for s in ("todo", "doing", "blocked", "done", "cut")) == len(accepted)
    overdue = [
        t
        for t in accepted
        if t.milestone
        and t.due is not None
        and t.due < local_date(org.cycle, org.as_of)
        and t.status.value in ("todo", "doing", "blocked")
    ]
    assert d["overdue_milestones"] == len(overdue)
    assert {i["task_id"] for i in d["overdue_list"]} <= {t.id for t in overdue}
    shown = [i["due"] for i in d["overdue_list"]]  # the most overdue first
    assert shown == sorted(t.due.isoformat() for t in overdue)[: len(shown)] and len(shown) == min(
        20, len(overdue)
    )


async def test_team_and_person_dashboards_cover_the_subtree_and_what_the_person_owns(
    client: httpx.AsyncClient, world: World
) -> None:
    org = world.org
    admin = world.person(lambda p: p.role is Role.ADMIN)
    middle = next(
        t for t in org.teams if t.parent_id is not None and any(c.parent_id == t.id for c in org.teams)
    )
    r = await get(client, world, f"teams/{middle.id}", admin)
    assert r.status_code == 200, r.text
    assert r.json()["key_results"] == len(team_krs(org, middle.id))
    assert r.json()["name"] == middle.name

    owner = world.person(lambda p: any(k.owner_id == p.id for k in org.key_results))
    r = await get(client, world, "people/me", owner)
    assert r.status_code == 200, r.text
    assert r.json()["scope_id"] == owner.id
    assert r.json()["key_results"] == sum(1 for k in org.key_results if k.owner_id == owner.id)
    assert all(i["owner_id"] == owner.id for i in r.json()["at_risk_list"])


async def test_a_check_in_moves_the_dashboard_at_once(client: httpx.AsyncClient, world: World) -> None:
    org = world.org
    kr = next(
        k
        for k in org.key_results
        if k.owner_id in world.tokens and k.kind.value == "metric" and kr_progress(k) < 0.5
    )
    owner = world.person(lambda p: p.id == kr.owner_id)
    ambassador = world.person(lambda p: p.role is Role.AMBASSADOR)
    before = (await get(client, world, "org", ambassador)).json()
    mine = (await get(client, world, "people/me", owner)).json()
    r = await client.post(
        f"/api/v1/key-results/{kr.id}/check-ins",
        json={"value": kr.target, "confidence": 9, "note": "shipped", "blockers": [], "next_priorities": []},
        headers={**world.auth(owner), "Idempotency-Key": "dash-1"},
    )
    assert r.status_code == 201, r.text
    now = (org.as_of + timedelta(days=300)).isoformat()  # the check-in is stamped with the real clock
    after = (
        await client.get("/api/v1/dashboards/org", params={"as_of": now}, headers=world.auth(ambassador))
    ).json()
    mine_after = (
        await client.get("/api/v1/dashboards/people/me", params={"as_of": now}, headers=world.auth(owner))
    ).json()
    assert after["health"]["done"] == before["health"]["done"] + 1
    assert after["progress"] > before["progress"]
    assert mine_after["health"]["done"] == mine["health"]["done"] + 1
    assert mine_after["check_ins"]["checked_in"] >= 1


# Who reads what: (reader, dashboard, allowed). "lead-above" leads the parent of the member's team.
ACCESS = [
    ("member", "org", False),
    ("manager", "org", False),
    ("ambassador", "org", True),
    ("admin", "org", True),
    ("member", "own-team", True),
    ("member", "sibling-team", False),
    ("lead-above", "own-team", True),
    ("lead-above", "sibling-team", True),
    ("member", "self", True),
    ("member", "teammate", False),
    ("lead-above", "teammate", True),
    ("manager", "teammate", False),
    ("ambassador", "teammate", True),
]


async def test_who_may_read_which_dashboard(client: httpx.AsyncClient, world: World) -> None:
    org = world.org
    leaf = next(t for t in org.teams if not any(c.parent_id == t.id for c in org.teams) and t.parent_id)
    sibling = next(t for t in org.teams if t.parent_id == leaf.parent_id and t.id != leaf.id)
    members = [p for p in org.people if p.active and p.team_id == leaf.id and p.role is Role.MEMBER]
    me, mate = members[0], members[1]
    parent = next(t for t in org.teams if t.id == leaf.parent_id)
    readers = {
        "member": me,
        "manager": world.person(lambda p: p.role is Role.MANAGER and p.team_id == sibling.id),
        "ambassador": world.person(lambda p: p.role is Role.AMBASSADOR),
        "admin": world.person(lambda p: p.role is Role.ADMIN),
        "lead-above": world.person(lambda p: p.id == parent.lead_id),
    }
    paths = {
        "org": "org",
        "own-team": f"teams/{leaf.id}",
        "sibling-team": f"teams/{sibling.id}",
        "self": f"people/{me.id}",
        "teammate": f"people/{mate.id}",
    }
    for reader, path, allowed in ACCESS:
        r = await get(client, world, paths[path], readers[reader])
        assert r.status_code == (200 if allowed else 403), (reader, path, r.text)
        if not allowed:
            assert r.headers["content-type"].startswith("application/problem+json")
            assert "dashboard" in r.json()["detail"]


async def test_anonymous_callers_and_other_orgs_are_refused(client: httpx.AsyncClient, world: World) -> None:
    team = world.org.teams[0].id
    person = world.org.people[0].id
    for path in ("org", f"teams/{team}", f"people/{person}"):
        r = await get(client, world, path, None)
        assert r.status_code == 401, path
    other = {"Authorization": f"Bearer {world.other_admin}"}
    for path in (f"teams/{team}", f"people/{person}"):
        r = await client.get(f"/api/v1/dashboards/{path}", headers=other)
        assert r.status_code == 404, path
    r = await client.get("/api/v1/dashboards/org", params={"cycle_id": world.org.cycle.id}, headers=other)
    assert r.status_code == 404
    own = (await client.get("/api/v1/dashboards/org", params={"as_of": world.as_of}, headers=other)).json()
    assert own["scope_id"] != world.org.org.id


async def test_bad_parameters_are_refused_with_the_field_named(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.person(lambda p: p.role is Role.ADMIN)
    r = await client.get(
        "/api/v1/dashboards/org", params={"as_of": "2026-02-01T10:00:00"}, headers=world.auth(admin)
    )
    assert r.status_code == 422 and "as_of" in r.text
    r = await get(client, world, "org", admin, as_of="9999-12-31T23:00:00+00:00")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["as_of"]
    r = await get(client, world, "org", admin, cycle_id="no-such-cycle")
    assert r.status_code == 404 and "no-such-cycle" in r.json()["detail"]
