"""The audit log: who changed what, when and why. Filter by subject and by actor; newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from api.deps import CurrentUser, SessionDep
from api.schemas.activity import AuditEntryRead
from api.schemas.common import Page, problems
from okrflow import access
from okrflow.domain.errors import NotFound
from okrflow.domain.model import AuditEntry, Person, SubjectType
from okrflow.store import AuditStore, PeopleStore

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=Page[AuditEntryRead], responses=problems())
def list_audit(
    session: SessionDep,
    me: CurrentUser,
    subject_type: SubjectType | None = None,
    subject_id: str | None = None,
    actor_id: Annotated[str | None, Query(description='a person id, or "system:<workflow>"')] = None,
    since: AwareDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[AuditEntry]:
    """Audit entries of your org. Everyone reads a subject's history and their own actions; managers
    their reports' actions; admins and the OKR ambassador everything."""
    actor_person: Person | None = None
    if actor_id is not None and actor_id != me.id:
        try:
            actor_person = PeopleStore(session).get(me.org_id, actor_id)
        except NotFound:
            actor_person = None
    access.require_audit_reader(
        me.person, subject_id=subject_id, actor_id=actor_id, actor_person=actor_person
    )
    return Page.of(
        AuditStore(session).list(
            me.org_id,
            subject_type=subject_type,
            subject_id=subject_id,
            actor_id=actor_id,
            since=since,
            limit=limit,
            cursor=cursor,
        )
    )
