"""What weekly reviews and drafting leave in the store: digest lines and critiques."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from okrflow.domain.errors import NotFound, ValidationFailed
from okrflow.domain.model import LocalText, Severity, SubjectType
from okrflow.store import CritiqueStore, DigestItem, DigestStore

from .conftest import T0, World


def _line(world: World, recipient: str, key: str, week: int = 3) -> DigestItem:
    return DigestItem(
        org_id=world.org.id,
        cycle_id=world.cycle.id,
        week=week,
        recipient_id=recipient,
        key=key,
        kind="flag",
        severity="risk",
        subject_type="key_result",
        subject_id=world.kr.id,
        message=LocalText(en="Behind plan", zh="进度落后"),
    )


def test_digest_lines_are_collected_once_per_review_and_recipient(db_session: Session, world: World) -> None:
    store = DigestStore(db_session)
    assert (
        store.add_many([_line(world, world.bo.id, "flag:kr-late:a-kr1"), _line(world, world.ana.id, "k")])
        == 2
    )
    assert (
        store.add_many([_line(world, world.bo.id, "flag:kr-late:a-kr1"), _line(world, world.bo.id, "k2")])
        == 1
    )
    store.add_many([_line(world, world.bo.id, "next-week", week=4)])
    lines = store.list_for_review(world.org.id, world.cycle.id, 3)
    assert [(i.recipient_id, i.key) for i in lines] == [
        ("a-ana", "k"),
        ("a-bo", "flag:kr-late:a-kr1"),
        ("a-bo", "k2"),
    ]
    assert (lines[1].severity, lines[1].subject_type, lines[1].message.zh) == (
        Severity.RISK,
        SubjectType.KEY_RESULT,
        "进度落后",
    )
    assert store.list_for_review("b-org", world.cycle.id, 3) == []


def test_critique_is_kept_per_objective_version(db_session: Session, world: World, other: World) -> None:
    store = CritiqueStore(db_session)
    first = {"score": 55, "lang": "en", "findings": [{"code": "KR_IS_TASK", "target": 0}]}
    store.put(org_id=world.org.id, objective_id=world.objective.id, version=1, critique=first, at=T0)
    store.put(org_id=world.org.id, objective_id=world.objective.id, version=2, critique={"score": 80}, at=T0)
    store.put(
        org_id=world.org.id,
        objective_id=world.objective.id,
        version=2,
        critique={"score": 82},
        at=T0 + timedelta(minutes=1),
    )
    assert store.get(world.org.id, world.objective.id).critique == {"score": 82}
    assert store.get(world.org.id, world.objective.id, version=1).critique == first
    assert [c.version for c in store.list_for_objective(world.org.id, world.objective.id)] == [1, 2]
    with pytest.raises(NotFound):
        store.get(other.org.id, world.objective.id)
    with pytest.raises(ValidationFailed, match="no objective 'b-o1' in this org"):
        store.put(org_id=world.org.id, objective_id=other.objective.id, version=1, critique={}, at=T0)
