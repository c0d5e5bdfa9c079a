"""Rule-set versions, API tokens, weekly sheets and activity keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from okrflow.domain.errors import NotFound
from okrflow.domain.model import SubjectType
from okrflow.store import ActivityKeyStore, AuditStore, PeopleStore, RuleSetStore, SheetStore, TokenStore
from okrflow.store.tables import api_tokens

from .conftest import T0, World


def test_rule_sets_publish_new_versions_and_roll_back(db_session: Session, world: World) -> None:
    store = RuleSetStore(db_session)
    assert store.get_active(world.org.id) is None
    v1 = store.publish(world.org.id, "rules: [a]", published_by=world.ana.id, reason="first", at=T0)
    v2 = store.publish(
        world.org.id, "rules: [a, b]", published_by=world.ana.id, reason="add b", at=T0 + timedelta(days=1)
    )
    assert (v1.version, v2.version) == (1, 2)
    assert store.get_active(world.org.id) == v2
    rolled = store.rollback(
        world.org.id, 1, actor=world.ana.id, reason="b is too noisy", at=T0 + timedelta(days=2)
    )
    assert store.get_active(world.org.id) == rolled == v1
    assert [(v.version, v.active) for v in store.list(world.org.id)] == [(2, False), (1, True)]
    entries = AuditStore(db_session).list(world.org.id, subject_type=SubjectType.RULE_SET).items
    assert [(e.action, e.changes, e.reason) for e in entries] == [
        ("rollback", {"version": [2, 1]}, "b is too noisy"),
        ("publish", {"version": [1, 2]}, "add b"),
        ("publish", {"version": [None, 1]}, "first"),
    ]
    assert store.publish(world.org.id, "x", published_by=world.ana.id, reason="third").version == 3
    with pytest.raises(NotFound):
        store.get(world.org.id, 9)


def test_token_is_stored_hashed_and_authenticates_its_person(db_session: Session, world: World) -> None:
    store = TokenStore(db_session)
    token, plaintext = store.create(world.org.id, world.bo.id, "laptop", at=T0)
    stored = [str(v) for row in db_session.execute(select(api_tokens)) for v in row]
    assert not any(plaintext in v or plaintext[4:] in v for v in stored)
    person, org = store.authenticate(plaintext, at=T0) or (None, None)
    assert (person, org) == (world.bo, world.org)
    assert store.get(world.org.id, token.id).last_used_at == T0
    assert store.authenticate(plaintext + "x") is None
    store.revoke(world.org.id, token.id, at=T0 + timedelta(hours=1))
    assert store.authenticate(plaintext) is None
    assert store.list_for_person(world.org.id, world.bo.id)[0].revoked


def test_token_of_a_deactivated_person_or_another_org_is_refused(
    db_session: Session, world: World, other: World
) -> None:
    store = TokenStore(db_session)
    token, plaintext = store.create(world.org.id, world.cai.id, "ci")
    with pytest.raises(NotFound):
        store.revoke(other.org.id, token.id)
    PeopleStore(db_session).update(world.org.id, world.cai.id, {"active": False})
    assert store.authenticate(plaintext) is None


def test_weekly_sheet_is_replaced_when_the_review_is_rebuilt(db_session: Session, world: World) -> None:
    store = SheetStore(db_session)
    store.put(world.org.id, world.cycle.id, 3, {"krs": ["first try"]}, at=T0)
    rebuilt = store.put(world.org.id, world.cycle.id, 3, {"krs": ["rebuilt"]}, at=T0 + timedelta(minutes=5))
    store.put(world.org.id, world.cycle.id, 3, {"krs": ["platform only"]}, scope=world.team.id, at=T0)
    assert store.get(world.org.id, world.cycle.id, 3) == rebuilt
    assert rebuilt.content == {"krs": ["rebuilt"]} and rebuilt.created_at == T0 + timedelta(minutes=5)
    assert [(s.week, s.scope) for s in store.list_for_cycle(world.org.id, world.cycle.id)] == [
        (3, world.team.id),
        (3, "org"),
    ]
    with pytest.raises(NotFound, match="week 4"):
        store.get(world.org.id, world.cycle.id, 4)


def test_activity_runs_once_per_key_and_returns_the_first_result(db_session: Session, world: World) -> None:
    store = ActivityKeyStore(db_session)
    calls: list[int] = []

    def work() -> dict[str, object]:
        calls.append(1)
        return {"flags": 3, "at": T0}

    first = store.run_once("cycle-q1/week-3/flags", work)
    again = store.run_once("cycle-q1/week-3/flags", work)
    assert first == again == {"flags": 3, "at": "2026-01-05T09:00:00Z"}
    assert calls == [1]
    assert store.claim("cycle-q1/week-4/flags") is True
    assert store.claim("cycle-q1/week-4/flags") is False


def test_audit_log_cannot_be_changed_or_deleted_even_with_sql(db_session: Session, world: World) -> None:
    assert not {"update", "delete", "remove"} & set(dir(AuditStore))
    for statement in ("UPDATE audit_log SET reason = 'rewritten'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"), db_session.begin_nested():
            db_session.execute(text(statement))
    assert len(AuditStore(db_session).list(world.org.id).items) == 2


def test_audit_log_pages_by_cursor_and_filters_by_actor(db_session: Session, world: World) -> None:
    from okrflow.store import KeyResultStore

    krs = KeyResultStore(db_session)
    for i in range(4):
        krs.update(
            world.org.id,
            world.kr.id,
            {"current": 12.0 - i},
            expected_version=None,
            actor=world.bo.id if i % 2 else world.cai.id,
            at=T0 + timedelta(days=i + 1),
        )
    audit = AuditStore(db_session)
    first = audit.list(world.org.id, subject_id=world.kr.id, limit=3)
    second = audit.list(world.org.id, subject_id=world.kr.id, limit=3, cursor=first.next_cursor)
    assert [e.changes.get("current") for e in first.items + second.items] == [
        [10.0, 9.0],
        [11.0, 10.0],
        [12.0, 11.0],
        [None, 12.0],
        None,
    ]
    assert second.next_cursor is None
    assert [e.at for e in audit.list(world.org.id, actor_id=world.bo.id).items] == [
        T0 + timedelta(days=4),
        T0 + timedelta(days=2),
    ]
