from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from okrflow.domain.errors import InvalidState, NotFound
from okrflow.domain.model import (
    ChangeRequest,
    ChangeRequestStatus,
    Consultation,
    ConsultationStatus,
    Escalation,
    Flag,
    LocalText,
    RuleMode,
    Severity,
    SubjectType,
)
from okrflow.store import (
    ChangeRequestStore,
    ConsultationStore,
    EscalationStore,
    FlagStore,
    RuleEvaluationError,
)

from .conftest import T0, World


def _flag(world: World, ident: str, subject_id: str, week: int = 3) -> Flag:
    return Flag(
        id=ident,
        org_id=world.org.id,
        cycle_id=world.cycle.id,
        week=week,
        rule_id="kr-stalled",
        rule_version=2,
        subject_type=SubjectType.KEY_RESULT,
        subject_id=subject_id,
        severity=Severity.RISK,
        mode=RuleMode.MONITOR,
        message=LocalText(en="No check-in for 14 days", zh="14 天未更新"),
        facts={"days_since_checkin": 15, "as_of": T0},
        created_at=T0,
    )


def test_change_request_is_decided_once(db_session: Session, world: World) -> None:
    store = ChangeRequestStore(db_session)
    request = ChangeRequest(
        id="cr1",
        org_id=world.org.id,
        cycle_id=world.cycle.id,
        subject_type=SubjectType.KEY_RESULT,
        subject_id=world.kr.id,
        requested_by=world.bo.id,
        reason="market shrank",
        impact="target 8% -> 9%",
        changes={"target": 9.0},
        created_at=T0,
    )
    assert store.add(request) == store.get(world.org.id, "cr1")
    approved = store.decide(
        world.org.id,
        "cr1",
        status=ChangeRequestStatus.APPROVED,
        decided_by=world.ana.id,
        note="fair",
        at=T0 + timedelta(hours=1),
    )
    assert store.get(world.org.id, "cr1") == approved
    assert (approved.status, approved.decided_by) == (ChangeRequestStatus.APPROVED, world.ana.id)
    with pytest.raises(InvalidState, match="change request 'cr1' is approved, not pending"):
        store.decide(world.org.id, "cr1", status=ChangeRequestStatus.REJECTED, decided_by=world.ana.id)
    assert store.mark_applied(world.org.id, "cr1").status is ChangeRequestStatus.APPLIED
    assert [
        r.id for r in store.list_for_cycle(world.org.id, world.cycle.id, status=ChangeRequestStatus.APPLIED)
    ] == ["cr1"]


def test_flags_are_written_once_per_review_rule_and_subject(db_session: Session, world: World) -> None:
    store = FlagStore(db_session)
    assert store.add_many([_flag(world, "f1", world.kr.id), _flag(world, "f2", "kr-x")]) == 2
    assert (
        store.add_many([_flag(world, "f1-retry", world.kr.id), _flag(world, "f3", world.kr.id, week=4)]) == 1
    )
    flags = store.list_for_cycle(world.org.id, world.cycle.id, subject_id=world.kr.id)
    assert [(f.id, f.week) for f in flags] == [("f1", 3), ("f3", 4)]
    assert flags[0] == _flag(world, "f1", world.kr.id).model_copy(
        update={"facts": {"days_since_checkin": 15, "as_of": T0.isoformat().replace("+00:00", "Z")}}
    )
    assert store.list_for_cycle(world.org.id, world.cycle.id, week=4)[0].id == "f3"
    error = RuleEvaluationError(
        id="e1",
        org_id=world.org.id,
        cycle_id=world.cycle.id,
        week=3,
        rule_id="kr-stalled",
        rule_version=2,
        subject_type=SubjectType.KEY_RESULT,
        subject_id=world.kr.id,
        message="no such key: 'progres'",
        created_at=T0,
    )
    assert store.add_errors([error, error.model_copy(update={"id": "e2"})]) == 1
    assert store.list_errors(world.org.id, world.cycle.id, week=3) == [error]


def test_escalation_streak_is_updated_and_the_open_one_found(db_session: Session, world: World) -> None:
    store = EscalationStore(db_session)
    store.add(
        Escalation(
            id="x1",
            org_id=world.org.id,
            cycle_id=world.cycle.id,
            rule_id="kr-stalled",
            subject_type=SubjectType.KEY_RESULT,
            subject_id=world.kr.id,
            streak=1,
            opened_week=3,
            updated_week=3,
        )
    )
    store.update(world.org.id, "x1", {"streak": 2, "rung": 0, "updated_week": 4})
    found = store.find_open(world.org.id, world.cycle.id, "kr-stalled", SubjectType.KEY_RESULT, world.kr.id)
    assert found is not None and (found.streak, found.rung) == (2, 0)
    store.update(world.org.id, "x1", {"status": "resolved"})
    assert (
        store.find_open(world.org.id, world.cycle.id, "kr-stalled", SubjectType.KEY_RESULT, world.kr.id)
        is None
    )


def test_consultation_round_trips_and_is_invisible_to_other_orgs(
    db_session: Session, world: World, other: World
) -> None:
    store = ConsultationStore(db_session)
    c = Consultation(
        id="k1",
        org_id=world.org.id,
        cycle_id=world.cycle.id,
        subject_id=world.kr.id,
        reason="serious delay",
        opened_by="rule:kr-delay",
        participants=[world.bo.id, world.ana.id],
        meet_by=T0 + timedelta(days=2),
        created_at=T0,
    )
    store.add(c)
    agreed = store.update(
        world.org.id,
        "k1",
        {
            "status": ConsultationStatus.AGREED,
            "decisions": ["cut scope"],
            "check_on": date(2026, 2, 9),
            "check_condition": "progress > 0.4",
        },
    )
    assert store.get(world.org.id, "k1") == agreed
    assert [x.id for x in store.list_open(world.org.id)] == ["k1"]
    assert store.list_open(other.org.id) == []
    with pytest.raises(NotFound):
        store.get(other.org.id, "k1")


def test_change_requests_are_found_by_every_filter_at_once(
    db_session: Session, world: World, other: World
) -> None:
    store = ChangeRequestStore(db_session)

    def request(ident: str, by: str, subject_id: str, minutes: int, w: World = world) -> ChangeRequest:
        return store.add(
            ChangeRequest(
                id=ident,
                org_id=w.org.id,
                cycle_id=w.cycle.id,
                subject_type=SubjectType.KEY_RESULT,
                subject_id=subject_id,
                requested_by=by,
                reason="市场变化",
                impact="target 8% -> 9%",
                changes={"target": 9.0},
                created_at=T0 + timedelta(minutes=minutes),
            )
        )

    request("cr-b", world.bo.id, world.kr.id, 2)
    request("cr-a", world.ana.id, world.kr.id, 1)
    request("cr-x", other.bo.id, other.kr.id, 0, other)
    store.decide(world.org.id, "cr-a", status=ChangeRequestStatus.REJECTED, decided_by=world.bo.id)

    def ids(**filters: object) -> list[str]:
        return [r.id for r in store.find(world.org.id, **filters)]

    assert ids() == ["cr-a", "cr-b"]  # oldest first, only this org's
    assert ids(requested_by=world.bo.id, status=None) == ["cr-b"]
    assert ids(status=ChangeRequestStatus.PENDING, subject_id=world.kr.id) == ["cr-b"]
    assert ids(cycle_id=other.cycle.id) == []
    with pytest.raises(ValueError, match="change_requests has no column \\['requester'\\]"):
        ids(requester=world.bo.id)
