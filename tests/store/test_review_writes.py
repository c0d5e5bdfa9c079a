"""The bulk writes a weekly review makes: ladders, sheets and the delivery of its digests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from okrflow.domain.errors import Conflict, ValidationFailed
from okrflow.domain.model import Escalation, EscalationStatus, LocalText, Notification, SubjectType
from okrflow.store import EscalationStore, NotificationStore, SheetStore

from .conftest import T0, World


def _ladder(world: World, ident: str, subject_type: SubjectType, subject_id: str) -> Escalation:
    return Escalation(
        id=ident,
        org_id=world.org.id,
        cycle_id=world.cycle.id,
        rule_id="kr-stalled",
        subject_type=subject_type,
        subject_id=subject_id,
        streak=1,
        opened_week=3,
        updated_week=3,
    )


def test_ladders_open_and_climb_in_bulk_and_are_found_by_their_subjects(
    db_session: Session, world: World
) -> None:
    store = EscalationStore(db_session)
    kr = _ladder(world, "x1", SubjectType.KEY_RESULT, world.kr.id)
    bo = _ladder(world, "x2", SubjectType.PERSON, world.bo.id)
    assert store.add_many([kr, bo]) == 2
    assert (
        store.update_many(
            world.org.id,
            {
                "x1": {"streak": 2, "rung": 0, "updated_week": 4},
                "x2": {"status": "resolved", "updated_week": 4},
            },
        )
        == 2
    )
    found = store.list_open_for_subjects(world.org.id, world.cycle.id, [world.kr.id, world.bo.id, "nobody"])
    assert [(e.id, e.streak, e.rung, e.updated_week) for e in found] == [("x1", 2, 0, 4)]
    assert store.get(world.org.id, "x2").status is EscalationStatus.RESOLVED
    assert store.list_open_for_subjects(world.org.id, world.cycle.id, [world.bo.id]) == []


def test_a_ladder_write_that_clashes_or_touches_other_fields_is_refused(
    db_session: Session, world: World, other: World
) -> None:
    store = EscalationStore(db_session)
    store.add_many([_ladder(world, "x1", SubjectType.KEY_RESULT, world.kr.id)])
    with pytest.raises(Conflict, match="escalations clash"):
        store.add_many([_ladder(world, "x1", SubjectType.KEY_RESULT, world.kr.id)])
    with pytest.raises(ValidationFailed, match="subject_id"):
        store.update_many(world.org.id, {"x1": {"subject_id": world.bo.id}})
    with pytest.raises(ValidationFailed, match="no cycle"):
        store.add_many(
            [
                _ladder(world, "x9", SubjectType.KEY_RESULT, world.kr.id).model_copy(
                    update={"org_id": other.org.id}
                )
            ]
        )
    store.update_many(other.org.id, {"x1": {"streak": 9}})  # another org cannot move this org's ladder
    assert store.get(world.org.id, "x1").streak == 1


def test_a_reviews_sheets_are_stored_at_once_and_replace_a_rebuilt_reviews(
    db_session: Session, world: World
) -> None:
    store = SheetStore(db_session)
    assert store.put_many(world.org.id, world.cycle.id, 3, {world.team.id: {"okrs": ["first"]}}, at=T0) == 1
    later = T0 + timedelta(minutes=5)
    store.put_many(
        world.org.id, world.cycle.id, 3, {world.team.id: {"okrs": ["rebuilt"]}, "org": {"okrs": []}}, at=later
    )
    sheet = store.get(world.org.id, world.cycle.id, 3, scope=world.team.id)
    assert (sheet.content, sheet.created_at) == ({"okrs": ["rebuilt"]}, later)
    assert [s.scope for s in store.list_for_cycle(world.org.id, world.cycle.id)] == sorted(
        [world.team.id, "org"]
    )
    with pytest.raises(ValidationFailed, match="week"):
        store.put_many(world.org.id, world.cycle.id, 61, {"org": {}}, at=T0)


def test_every_pending_notification_is_delivered_once(
    db_session: Session, world: World, other: World
) -> None:
    outbox = NotificationStore(db_session)

    def note(org: World, recipient: str, key: str) -> Notification:
        return Notification(
            id=f"n-{recipient}-{key}",
            org_id=org.org.id,
            recipient_id=recipient,
            kind="weekly_digest",
            dedupe_key=key,
            title=LocalText(en="Your weekly review", zh="周会摘要"),
            body=LocalText(en="", zh=""),
            created_at=T0,
        )

    outbox.enqueue_many(
        [note(world, world.bo.id, "w3"), note(world, world.ana.id, "w3"), note(other, other.bo.id, "w3")]
    )
    assert outbox.deliver_all_pending(world.org.id, at=T0) == 2
    assert outbox.deliver_all_pending(world.org.id, at=T0) == 0
    assert [n.dedupe_key for n in outbox.inbox(world.org.id, world.bo.id).items] == ["w3"]
    assert [n.recipient_id for n in outbox.pending(other.org.id)] == [other.bo.id]
