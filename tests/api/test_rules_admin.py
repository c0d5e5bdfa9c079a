"""Rule administration over HTTP: check, dry-run, publish, versions, roll back (admins only)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from okrflow.domain.model import Person, Role
from okrflow.runtime.settings import Settings
from okrflow.store import TokenStore
from okrflow.store.tables import audit_log, escalations, flags, notifications, rule_set_versions
from okrflow.store.testing import *  # noqa: F403
from okrflow.synthetic import SyntheticOrg, generate_org
from rules.load import default_source

YAML = {"Content-Type": "application/yaml"}
_CACHE: dict[str, SyntheticOrg] = {}

EVERY_KR = """
rules:
  - id: every-kr
    description: {en: Every key result, zh: 每个关键结果}
    scope: key_result
    when: progress >= 0.0
    severity: info
  - id: never
    description: {en: Nothing, zh: 无}
    scope: key_result
    when: progress > 2.0
    severity: warning
"""

BROKEN = """
rules:
  - id: kr-typo
    description: {en: A typo, zh: 拼写错误}
    scope: key_result
    when: progres < 0.5
    severity: risk
  - id: no-severity
    description: {en: Missing severity, zh: 缺少严重程度}
    scope: key_result
    when: progress < 0.5
  - id: bad-field
    description: {en: Unknown field, zh: 未知字段}
    scope: key_result
    when: progress < 0.5
    severity: risk
    colour: red
"""


def synthetic(org_id: str) -> SyntheticOrg:
    if org_id not in _CACHE:
        _CACHE[org_id] = generate_org(seed=3, people=12, org_id=org_id)
    return _CACHE[org_id]


@dataclass
class World:
    org: SyntheticOrg
    admin: dict[str, str]
    member: dict[str, str]
    ambassador: dict[str, str]
    other_admin: dict[str, str]


def _bearer(session: Session, person: Person) -> dict[str, str]:
    return {"Authorization": f"Bearer {TokenStore(session).create(person.org_id, person.id, 't')[1]}"}


@pytest.fixture
def world(db_session: Session) -> World:
    org, other = synthetic("ra"), synthetic("rb")
    org.write(db_session)
    other.write(db_session)

    def one(o: SyntheticOrg, role: Role) -> Person:
        return next(p for p in o.people if p.role is role and p.active)

    return World(
        org,
        _bearer(db_session, one(org, Role.ADMIN)),
        _bearer(db_session, one(org, Role.MEMBER)),
        _bearer(db_session, one(org, Role.AMBASSADOR)),
        _bearer(db_session, one(other, Role.ADMIN)),
    )


@pytest.fixture
async def client(session_factory: sessionmaker[Session]) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(), session_factory=session_factory)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


def counts(session: Session) -> dict[str, int]:
    tables = (flags, escalations, notifications, audit_log, rule_set_versions)
    return {t.name: session.execute(select(func.count()).select_from(t)).scalar_one() for t in tables}


async def test_check_lists_every_problem_with_rule_field_and_column(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.post(
        "/api/v1/rules/check",
        content=BROKEN,
        headers={**world.admin, **YAML},
        params={"filename": "team.yaml"},
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    by_rule = {e.get("rule"): e for e in body["errors"]}
    assert list(by_rule) == ["kr-typo", "no-severity", "bad-field"]  # in file order, none left out
    assert by_rule["kr-typo"]["field"] == "when" and "progres" in by_rule["kr-typo"]["msg"]
    assert "team.yaml" in body["detail"]
    assert by_rule["no-severity"]["loc"] == ["rules", "no-severity", "severity"]
    assert "colour" in by_rule["bad-field"]["msg"]


async def test_a_cel_error_names_the_rule_the_field_and_the_column(
    client: httpx.AsyncClient, world: World
) -> None:
    draft = BROKEN.split("  - id: no-severity")[0]
    r = await client.post("/api/v1/rules/check", content=draft, headers={**world.admin, **YAML})
    assert r.status_code == 422, r.text
    (error,) = r.json()["errors"]
    assert error["rule"] == "kr-typo" and error["field"] == "when" and error["column"] == 1
    assert "progres" in error["msg"]


async def test_check_accepts_yaml_and_the_same_rules_as_json(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post("/api/v1/rules/check", content=default_source(), headers={**world.admin, **YAML})
    assert r.status_code == 200, r.text
    assert r.json()["rules"] >= 10 and "key_result" in r.json()["scopes"]
    as_json = json.dumps(yaml.safe_load(default_source()), ensure_ascii=False)
    r = await client.post(
        "/api/v1/rules/check", content=as_json, headers={**world.admin, "Content-Type": "application/json"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["source"] == "rules.json"


async def test_dry_run_shows_whom_each_rule_would_flag_and_writes_nothing(
    client: httpx.AsyncClient, world: World, db_session: Session
) -> None:
    before = counts(db_session)
    r = await client.post(
        "/api/v1/rules/dry-run",
        content=EVERY_KR,
        headers={**world.admin, **YAML},
        params={"as_of": world.org.as_of.isoformat(), "limit": 5},
    )
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["cycle_id"] == world.org.cycle.id and report["week"] == world.org.as_of_week
    rules = {x["rule_id"]: x for x in report["rules"]}
    assert rules["every-kr"]["flagged_count"] == len(world.org.key_results)
    assert len(rules["every-kr"]["flagged"]) == 5
    hit = rules["every-kr"]["flagged"][0]
    assert hit["subject_type"] == "key_result" and "progress" in hit["facts"]
    assert rules["never"]["flagged_count"] == 0
    assert report["total_flags"] == len(world.org.key_results)
    assert counts(db_session) == before


async def test_publish_list_and_roll_back_versions_with_an_audit_trail(
    client: httpx.AsyncClient, world: World, db_session: Session
) -> None:
    r = await client.get("/api/v1/rules/active", headers=world.admin)
    assert r.status_code == 200 and r.json()["version"] == 0  # the built-in default until a publish
    r = await client.post(
        "/api/v1/rules/versions",
        content=EVERY_KR,
        headers={**world.admin, **YAML},
        params={"reason": "trial"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 1 and r.json()["active"] and r.json()["source"] == EVERY_KR
    r = await client.post(
        "/api/v1/rules/versions",
        content=default_source(),
        headers={**world.admin, **YAML},
        params={"reason": "v2"},
    )
    assert r.json()["version"] == 2
    listed = (await client.get("/api/v1/rules/versions", headers=world.admin)).json()
    assert [(v["version"], v["active"]) for v in listed] == [(2, True), (1, False)]

    r = await client.post(
        "/api/v1/rules/versions/1/activate", json={"reason": "v2 flags too much"}, headers=world.admin
    )
    assert r.status_code == 200 and r.json()["active"]
    active = (await client.get("/api/v1/rules/active", headers=world.admin)).json()
    assert active["version"] == 1 and active["source"] == EVERY_KR
    actions = db_session.execute(
        select(audit_log.c.action, audit_log.c.reason).where(audit_log.c.subject_type == "rule_set")
    ).all()
    assert sorted(actions) == [("publish", "trial"), ("publish", "v2"), ("rollback", "v2 flags too much")]

    r = await client.post("/api/v1/rules/versions/9/activate", json={"reason": "x"}, headers=world.admin)
    assert r.status_code == 404


async def test_a_broken_rule_set_is_never_published(
    client: httpx.AsyncClient, world: World, db_session: Session
) -> None:
    before = counts(db_session)
    r = await client.post(
        "/api/v1/rules/versions", content=BROKEN, headers={**world.admin, **YAML}, params={"reason": "oops"}
    )
    assert r.status_code == 422 and len(r.json()["errors"]) >= 3
    r = await client.post(
        "/api/v1/rules/versions",
        content=b"\xff\xfe rules",
        headers={**world.admin, **YAML},
        params={"reason": "binary"},
    )
    assert r.status_code == 422 and "UTF-8" in r.json()["detail"]
    assert counts(db_session) == before


async def test_only_admins_of_the_org_administer_its_rules(client: httpx.AsyncClient, world: World) -> None:
    calls = [
        ("POST", "/api/v1/rules/check", {"content": EVERY_KR}),
        ("POST", "/api/v1/rules/dry-run", {"content": EVERY_KR}),
        ("POST", "/api/v1/rules/versions?reason=x", {"content": EVERY_KR}),
        ("GET", "/api/v1/rules/versions", {}),
        ("GET", "/api/v1/rules/active", {}),
        ("POST", "/api/v1/rules/versions/1/activate", {"json": {"reason": "x"}}),
    ]
    for method, url, kw in calls:
        for who, status in ((world.member, 403), (world.ambassador, 403), ({}, 401)):
            r = await client.request(method, url, headers={**who, **(YAML if "content" in kw else {})}, **kw)
            assert r.status_code == status, (method, url, r.text)
    await client.post(
        "/api/v1/rules/versions", content=EVERY_KR, headers={**world.admin, **YAML}, params={"reason": "mine"}
    )
    assert (await client.get("/api/v1/rules/versions", headers=world.other_admin)).json() == []
    assert (await client.get("/api/v1/rules/versions/1", headers=world.other_admin)).status_code == 404
