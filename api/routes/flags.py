"""Flags and escalations from the weekly reviews: managers, the OKR ambassador and admins read them
org-wide, filtered by week, severity and rule."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentUser, SessionDep
from api.schemas.activity import EscalationRead, FlagRead
from api.schemas.common import Page, problems
from okrflow import access
from okrflow.domain.model import EscalationStatus, Flag, RuleMode, Severity, SubjectType
from okrflow.services.paging import page_list
from okrflow.store import CycleStore, EscalationStore, FlagStore

router = APIRouter(tags=["flags"])
Week = Annotated[int | None, Query(ge=1, le=60)]


def _cycles(session: SessionDep, org_id: str, cycle_id: str | None) -> list[str]:
    if cycle_id is not None:
        return [CycleStore(session).get(org_id, cycle_id).id]
    return [c.id for c in CycleStore(session).list(org_id)]


@router.get("/flags", response_model=Page[FlagRead], responses=problems())
def list_flags(
    session: SessionDep,
    me: CurrentUser,
    cycle_id: str | None = None,
    week: Week = None,
    severity: Severity | None = None,
    min_severity: Annotated[Severity | None, Query(description="this severity or worse")] = None,
    rule_id: str | None = None,
    subject_type: SubjectType | None = None,
    subject_id: str | None = None,
    mode: RuleMode | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
) -> Page[Flag]:
    """Flags, latest week first, worst first."""
    access.require_read_review(me.person, "flags")
    store = FlagStore(session)
    found = [
        f
        for c in _cycles(session, me.org_id, cycle_id)
        for f in store.list_for_cycle(
            me.org_id, c, week=week, rule_id=rule_id, subject_type=subject_type, subject_id=subject_id
        )
        if (severity is None or f.severity is severity)
        and (min_severity is None or f.severity.rank >= min_severity.rank)
        and (mode is None or f.mode is mode)
    ]
    return Page.of(
        page_list(
            found,
            key=lambda f: (-f.week, -f.severity.rank, f.rule_id, f.subject_id, f.id),
            limit=limit,
            cursor=cursor,
        )
    )


@router.get("/escalations", response_model=Page[EscalationRead], responses=problems())
def list_escalations(
    session: SessionDep,
    me: CurrentUser,
    cycle_id: str | None = None,
    status: EscalationStatus | None = None,
    week: Annotated[int | None, Query(ge=1, le=60, description="escalations open in that week")] = None,
    severity: Severity | None = None,
    rule_id: str | None = None,
    subject_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
) -> Page[EscalationRead]:
    """Escalations (a rule that keeps firing for a subject climbing its ladder), highest rung first."""
    access.require_read_review(me.person, "escalations")
    out: list[EscalationRead] = []
    for c in _cycles(session, me.org_id, cycle_id):
        latest: dict[tuple[str, str, str], Severity] = {}
        for f in FlagStore(session).list_for_cycle(me.org_id, c, rule_id=rule_id, subject_id=subject_id):
            latest[(f.rule_id, f.subject_type.value, f.subject_id)] = f.severity  # ordered by week
        for e in EscalationStore(session).list_for_cycle(me.org_id, c, status=status):
            sev = latest.get((e.rule_id, e.subject_type.value, e.subject_id))
            if (
                (rule_id is None or e.rule_id == rule_id)
                and (subject_id is None or e.subject_id == subject_id)
                and (week is None or e.opened_week <= week <= e.updated_week)
                and (severity is None or sev is severity)
            ):
                out.append(EscalationRead(**e.model_dump(), severity=sev))
    return Page.of(
        page_list(
            out, key=lambda e: (-e.rung, -e.streak, e.rule_id, e.subject_id, e.id), limit=limit, cursor=cursor
        )
    )
