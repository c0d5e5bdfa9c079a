"""Check-ins: the weekly word on a key result (value, confidence, note, blockers, next priorities)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from okrflow import access
from okrflow.domain.model import CheckIn, KeyResult, Person, parse_model
from okrflow.services.rollups import refresh_after_check_in
from okrflow.store import CheckInStore, KeyResultStore, ObjectiveStore, new_id


@dataclass(frozen=True)
class RecordedCheckIn:
    check_in: CheckIn
    key_result: KeyResult
    created: bool  # False: the idempotency key named an earlier check-in, which is returned instead


def record_check_in(
    session: Session,
    actor: Person,
    kr_id: str,
    *,
    confidence: int,
    value: float | None = None,
    note: str = "",
    blockers: Sequence[str] = (),
    next_priorities: Sequence[str] = (),
    idempotency_key: str | None = None,
    at: datetime,
) -> RecordedCheckIn:
    """Record a check-in on a key result of the actor's org and move the KR's current value.

    A retry with the same ``idempotency_key`` (and the same content) returns the first check-in and
    changes nothing, so a check-in sent twice counts once.

    Raises:
        NotFound: no such key result in the actor's org.
        PermissionDenied: the actor owns neither the key result nor its objective.
        ValidationFailed: a bad value (each problem names its field).
        Conflict: the idempotency key was used for a different check-in.
        InvalidState: the cycle is archived.
    """
    krs = KeyResultStore(session)
    kr = krs.get(actor.org_id, kr_id)
    objective = ObjectiveStore(session).get(actor.org_id, kr.objective_id)
    access.require_check_in(actor, kr, objective)
    item = parse_model(
        CheckIn,
        {
            "id": new_id(),
            "org_id": actor.org_id,
            "kr_id": kr.id,
            "author_id": actor.id,
            "at": at,
            "value": value,
            "confidence": confidence,
            "note": note,
            "blockers": list(blockers),
            "next_priorities": list(next_priorities),
        },
    )
    stored = CheckInStore(session).add(item, idempotency_key=idempotency_key)
    created = stored.id == item.id
    if created and value is not None and value != kr.current:
        kr = krs.update(
            actor.org_id,
            kr.id,
            {"current": value},
            expected_version=None,
            actor=actor.id,
            reason=f"check-in {stored.id}",
            action="check_in",
            at=at,
        )
    if created:
        refresh_after_check_in(session, actor.org_id, kr.id)
    return RecordedCheckIn(stored, kr, created)
