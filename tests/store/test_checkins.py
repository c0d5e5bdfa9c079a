from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy.orm import Session

from okrflow.domain.errors import Conflict, ValidationFailed
from okrflow.domain.model import (
    CalendarEvent,
    CheckIn,
    Comment,
    HealthLevel,
    HealthPulse,
    SubjectType,
)
from okrflow.store import CheckInStore, CommentStore, EventStore, PulseStore

from .conftest import T0, World

BEIJING = timezone(timedelta(hours=8))


def _check_in(world: World, ident: str, at: datetime, **kw: Any) -> CheckIn:
    fields: dict[str, Any] = {
        "kr_id": world.kr.id,
        "author_id": world.bo.id,
        "value": 11.0,
        "confidence": 6,
        **kw,
    }
    return CheckIn(id=ident, org_id=world.org.id, at=at, **fields)


def test_check_in_round_trips_with_an_aware_utc_time(db_session: Session, world: World) -> None:
    store = CheckInStore(db_session)
    local = datetime(2026, 1, 12, 18, 0, tzinfo=BEIJING)
    store.add(
        _check_in(world, "c1", local, blockers=["waiting on legal"], next_priorities=["ship FAQ", "call"])
    )
    (stored,) = store.list_for_kr(world.org.id, world.kr.id)
    assert stored.at == local and stored.at.tzinfo == UTC and stored.at.hour == 10
    assert (stored.blockers, stored.next_priorities) == (["waiting on legal"], ["ship FAQ", "call"])


def test_check_ins_list_by_time_and_latest_per_kr(db_session: Session, world: World) -> None:
    store = CheckInStore(db_session)
    for i in range(3):
        store.add(_check_in(world, f"c{i}", T0 + timedelta(days=7 * i), value=12.0 - i))
    assert [c.id for c in store.list_for_kr(world.org.id, world.kr.id, until=T0 + timedelta(days=7))] == [
        "c0",
        "c1",
    ]
    assert store.latest_for_krs(world.org.id, [world.kr.id])[world.kr.id].value == 10.0
    since = T0 + timedelta(days=1)
    assert [c.id for c in store.list_for_cycle(world.org.id, world.cycle.id, since=since)] == ["c1", "c2"]


def test_retried_check_in_with_the_same_idempotency_key_counts_once(
    db_session: Session, world: World
) -> None:
    store = CheckInStore(db_session)
    first = store.add(_check_in(world, "c1", T0), idempotency_key="req-42")
    retry = store.add(_check_in(world, "c1-retry", T0 + timedelta(seconds=3)), idempotency_key="req-42")
    assert retry == first
    assert [c.id for c in store.list_for_kr(world.org.id, world.kr.id)] == ["c1"]
    with pytest.raises(Conflict, match="'req-42' was already used for a different check-in"):
        store.add(_check_in(world, "c2", T0, confidence=2), idempotency_key="req-42")
    store.add(_check_in(world, "c3", T0), idempotency_key="req-43")
    assert len(store.list_for_kr(world.org.id, world.kr.id)) == 2


def test_check_in_on_another_orgs_key_result_is_refused(
    db_session: Session, world: World, other: World
) -> None:
    with pytest.raises(ValidationFailed, match="kr_id: no key result 'b-kr1' in this org"):
        CheckInStore(db_session).add(_check_in(world, "c1", T0, kr_id=other.kr.id))


def test_pulses_events_and_comments_round_trip(db_session: Session, world: World) -> None:
    pulse = HealthPulse(
        id="p1",
        org_id=world.org.id,
        cycle_id=world.cycle.id,
        team_id=world.team.id,
        week=3,
        team_health=HealthLevel.GREEN,
        quality=HealthLevel.YELLOW,
        customer_satisfaction=HealthLevel.RED,
        note="support backlog",
    )
    PulseStore(db_session).add(pulse)
    assert PulseStore(db_session).list_for_cycle(world.org.id, world.cycle.id, team_ids=[world.team.id]) == [
        pulse
    ]
    with pytest.raises(Conflict):
        PulseStore(db_session).add(pulse.model_copy(update={"id": "p2"}))
    events = EventStore(db_session)
    launch = events.add(
        CalendarEvent(
            id="e1",
            org_id=world.org.id,
            cycle_id=world.cycle.id,
            team_id=world.team.id,
            title="Launch",
            on=date(2026, 2, 2),
        )
    )
    board = events.add(
        CalendarEvent(
            id="e2", org_id=world.org.id, cycle_id=world.cycle.id, title="Board", on=date(2026, 3, 2)
        )
    )
    assert events.list_for_cycle(world.org.id, world.cycle.id, team_ids=["elsewhere"]) == [board]
    assert events.list_for_cycle(world.org.id, world.cycle.id, end=date(2026, 2, 28)) == [launch]
    comment = Comment(
        id="m1",
        org_id=world.org.id,
        subject_type=SubjectType.KEY_RESULT,
        subject_id=world.kr.id,
        author_id=world.ana.id,
        body="@张伟 can you help?",
        mentions=[world.cai.id],
        created_at=T0,
    )
    CommentStore(db_session).add(comment)
    assert CommentStore(db_session).list_for_subject(world.org.id, SubjectType.KEY_RESULT, world.kr.id) == [
        comment
    ]


def test_comment_on_another_orgs_record_is_refused(db_session: Session, world: World, other: World) -> None:
    comment = Comment(
        id="m1",
        org_id=world.org.id,
        subject_type=SubjectType.TASK,
        subject_id="nope",
        author_id=world.ana.id,
        body="hi",
        created_at=T0,
    )
    with pytest.raises(ValidationFailed, match="subject_id: no task 'nope' in this org"):
        CommentStore(db_session).add(comment)
    with pytest.raises(ValidationFailed, match="no objective 'b-o1' in this org"):
        CommentStore(db_session).add(
            comment.model_copy(
                update={"subject_type": SubjectType.OBJECTIVE, "subject_id": other.objective.id}
            )
        )
