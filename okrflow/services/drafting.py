"""Drafting objectives and key results: who may, when (drafts and returned drafts only), alignment.

An approved objective is locked: it and its key results change only through a change request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from okrflow import access
from okrflow.domain.errors import InvalidState, NotFound, Problem, ValidationFailed
from okrflow.domain.model import KeyResult, Objective, ObjectiveStatus, Person, SubjectType, parse_model
from okrflow.services.rollups import refresh_after_check_in, refresh_objective
from okrflow.store import CycleStore, KeyResultStore, ObjectiveStore, PeopleStore, new_id

T = TypeVar("T")
EDITABLE = (ObjectiveStatus.DRAFT, ObjectiveStatus.RETURNED)


def referenced(field: str, load: Callable[[], T]) -> T:
    """Load a record named by a field of the request; a missing one is a problem with that field."""
    try:
        return load()
    except NotFound as exc:
        raise ValidationFailed([Problem((field,), f"no {exc.kind} {exc.ident!r} in this org")]) from None


def owner_of(session: Session, objective: Objective) -> Person | None:
    try:
        return PeopleStore(session).get(objective.org_id, objective.owner_id)
    except NotFound:
        return None


def subject_of(
    session: Session, org_id: str, subject_type: SubjectType, subject_id: str
) -> tuple[Objective, KeyResult | None]:
    """The objective a change or a consultation is about, and its key result when it is about one.

    Raises:
        NotFound: no such objective (or key result) in ``org_id``.
    """
    if subject_type is SubjectType.KEY_RESULT:
        kr = KeyResultStore(session).get(org_id, subject_id)
        return ObjectiveStore(session).get(org_id, kr.objective_id), kr
    return ObjectiveStore(session).get(org_id, subject_id), None


def refuse_unless_editable(objective: Objective) -> None:
    if objective.status in EDITABLE:
        return
    if objective.locked:
        raise InvalidState(
            f"objective {objective.id!r} is {objective.status.value} and locked: "
            "change it through a change request (POST /api/v1/change-requests)"
        )
    raise InvalidState(
        f"objective {objective.id!r} is waiting for approval: it can be changed once it is returned"
    )


def refuse_alignment_loop(session: Session, org_id: str, objective_id: str, parents: list[str]) -> None:
    """Refuse parents that would make ``objective_id`` (indirectly) its own parent."""
    store = ObjectiveStore(session)
    path_to: dict[str, list[str]] = {p: [objective_id, p] for p in parents}
    frontier = list(parents)
    while frontier:
        found = store.get_many(org_id, frontier)
        nxt: list[str] = []
        for pid in frontier:
            for grand in found[pid].aligned_to if pid in found else []:
                if grand == objective_id:
                    loop = " → ".join([*path_to[pid], grand])
                    raise ValidationFailed(
                        [Problem(("aligned_to",), f"would make an alignment loop: {loop}")]
                    )
                if grand not in path_to:
                    path_to[grand] = [*path_to[pid], grand]
                    nxt.append(grand)
        frontier = nxt


def check_submit(session: Session, actor: Person, objective_id: str) -> Objective:
    """The draft ``actor`` may submit for approval (before it is sent to the cycle's workflow).

    Raises:
        PermissionDenied: not the owner, the owner's manager or an admin.
        InvalidState: not a draft (or a returned one).
    """
    objective = ObjectiveStore(session).get(actor.org_id, objective_id)
    access.require_submit_draft(actor, objective, owner_of(session, objective))
    if objective.status not in EDITABLE:
        raise InvalidState(
            f"objective {objective_id!r} is {objective.status.value}: only drafts are submitted"
        )
    return objective


def check_decide(session: Session, actor: Person, objective_id: str) -> Objective:
    """The submitted draft ``actor`` may approve or return (before it is sent to the cycle's workflow).

    Raises:
        PermissionDenied: not the owner's manager or an admin.
        InvalidState: not waiting for approval.
    """
    objective = ObjectiveStore(session).get(actor.org_id, objective_id)
    access.require_decide_draft(actor, objective, owner_of(session, objective))
    if objective.status is not ObjectiveStatus.SUBMITTED:
        raise InvalidState(
            f"objective {objective_id!r} is {objective.status.value}, not waiting for approval"
        )
    return objective


def create_objective(session: Session, actor: Person, data: Mapping[str, Any], *, at: datetime) -> Objective:
    """A new draft objective, owned by the actor unless they manage the owner (or are an admin)."""
    org_id = actor.org_id
    cycle = referenced("cycle_id", lambda: CycleStore(session).get(org_id, data["cycle_id"]))
    owner_id = data.get("owner_id") or actor.id
    owner = (
        actor
        if owner_id == actor.id
        else referenced("owner_id", lambda: PeopleStore(session).get(org_id, owner_id))
    )
    values = {
        **{k: v for k, v in data.items() if v is not None},
        "id": new_id(),
        "org_id": org_id,
        "cycle_id": cycle.id,
        "owner_id": owner.id,
        "team_id": data.get("team_id") or owner.team_id,
        "status": ObjectiveStatus.DRAFT,
    }
    objective = parse_model(Objective, values)
    access.require_edit_objective(actor, objective, owner)
    return ObjectiveStore(session).add(objective, actor=actor.id, at=at)


def update_objective(
    session: Session,
    actor: Person,
    objective_id: str,
    changes: Mapping[str, Any],
    *,
    expected_version: int,
    at: datetime,
) -> Objective:
    store = ObjectiveStore(session)
    objective = store.get(actor.org_id, objective_id)
    access.require_edit_objective(actor, objective, owner_of(session, objective))
    refuse_unless_editable(objective)
    if changes.get("aligned_to"):
        refuse_alignment_loop(session, actor.org_id, objective_id, list(changes["aligned_to"]))
    updated = store.update(
        actor.org_id, objective_id, changes, expected_version=expected_version, actor=actor.id, at=at
    )
    if updated.version != objective.version:
        refresh_objective(session, actor.org_id, objective_id)
    return updated


def create_key_result(session: Session, actor: Person, data: Mapping[str, Any], *, at: datetime) -> KeyResult:
    """A key result under a draft objective the actor may edit; the objective's owner owns it by default."""
    org_id = actor.org_id
    objective = referenced("objective_id", lambda: ObjectiveStore(session).get(org_id, data["objective_id"]))
    access.require_edit_objective(actor, objective, owner_of(session, objective))
    refuse_unless_editable(objective)
    values = {
        **{k: v for k, v in data.items() if v is not None},
        "id": new_id(),
        "org_id": org_id,
        "owner_id": data.get("owner_id") or objective.owner_id,
    }
    kr = KeyResultStore(session).add(parse_model(KeyResult, values), actor=actor.id, at=at)
    refresh_after_check_in(session, org_id, kr.id)
    return kr


def update_key_result(
    session: Session,
    actor: Person,
    kr_id: str,
    changes: Mapping[str, Any],
    *,
    expected_version: int,
    at: datetime,
) -> KeyResult:
    store = KeyResultStore(session)
    kr = store.get(actor.org_id, kr_id)
    objective = ObjectiveStore(session).get(actor.org_id, kr.objective_id)
    access.require_edit_key_result(actor, kr, objective, owner_of(session, objective))
    refuse_unless_editable(objective)
    return store.update(
        actor.org_id, kr_id, changes, expected_version=expected_version, actor=actor.id, at=at
    )
