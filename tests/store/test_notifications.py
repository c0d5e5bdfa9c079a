from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from okrflow.domain.model import LocalText, Notification
from okrflow.store import NotificationStore

from .conftest import T0, World


def _note(world: World, ident: str, key: str, minutes: int = 0, recipient: str | None = None) -> Notification:
    return Notification(
        id=ident,
        org_id=world.org.id,
        recipient_id=recipient or world.bo.id,
        kind="reminder",
        dedupe_key=key,
        title=LocalText(en="Check in", zh="请更新进度"),
        body=LocalText(en="Your KR needs a check-in", zh="你的关键结果需要更新"),
        payload={"kr_id": world.kr.id},
        created_at=T0 + timedelta(minutes=minutes),
    )


def test_enqueue_is_idempotent_per_recipient_and_key(db_session: Session, world: World) -> None:
    store = NotificationStore(db_session)
    assert store.enqueue(_note(world, "n1", "cycle/q1/week/3/reminder")) is True
    assert store.enqueue(_note(world, "n1-retry", "cycle/q1/week/3/reminder")) is False
    assert store.enqueue(_note(world, "n2", "cycle/q1/week/3/reminder", recipient=world.cai.id)) is True
    assert (
        store.enqueue_many([_note(world, "n3", "k3"), _note(world, "n1-again", "cycle/q1/week/3/reminder")])
        == 1
    )
    pending = store.pending(world.org.id)
    assert [n.id for n in pending] == ["n1", "n2", "n3"]
    assert pending[0] == _note(world, "n1", "cycle/q1/week/3/reminder")


def test_pending_notifications_are_delivered_once_to_the_inbox(db_session: Session, world: World) -> None:
    store = NotificationStore(db_session)
    store.enqueue_many([_note(world, f"n{i}", f"k{i}", minutes=i) for i in range(3)])
    assert store.inbox(world.org.id, world.bo.id).items == []
    delivered = store.deliver_pending(world.org.id, at=T0 + timedelta(hours=1), limit=2)
    assert [n.id for n in delivered] == ["n0", "n1"]
    assert [n.id for n in store.deliver_pending(world.org.id, at=T0 + timedelta(hours=2))] == ["n2"]
    assert store.deliver_pending(world.org.id) == []
    inbox = store.inbox(world.org.id, world.bo.id)
    assert [n.id for n in inbox.items] == ["n2", "n1", "n0"]
    assert inbox.items[0].title.get("zh") == "请更新进度"
    assert inbox.items[2].delivered_at == T0 + timedelta(hours=1)


def test_inbox_pages_and_marks_read_only_the_recipients_own(db_session: Session, world: World) -> None:
    store = NotificationStore(db_session)
    store.enqueue_many([_note(world, f"n{i}", f"k{i}", minutes=i) for i in range(5)])
    store.enqueue(_note(world, "theirs", "k0", recipient=world.cai.id))
    store.deliver_pending(world.org.id, at=T0 + timedelta(hours=1))
    first = store.inbox(world.org.id, world.bo.id, limit=2)
    second = store.inbox(world.org.id, world.bo.id, limit=2, cursor=first.next_cursor)
    third = store.inbox(world.org.id, world.bo.id, limit=2, cursor=second.next_cursor)
    assert [[n.id for n in p.items] for p in (first, second, third)] == [["n4", "n3"], ["n2", "n1"], ["n0"]]
    assert third.next_cursor is None
    assert store.mark_read(world.org.id, world.bo.id, ["n4", "theirs"], at=T0 + timedelta(hours=2)) == 1
    assert store.unread_count(world.org.id, world.bo.id) == 4
    assert store.unread_count(world.org.id, world.cai.id) == 1
    assert [n.id for n in store.inbox(world.org.id, world.bo.id, unread_only=True).items] == [
        "n3",
        "n2",
        "n1",
        "n0",
    ]
    assert store.mark_read(world.org.id, world.bo.id) == 4
