"""The mid-term review and an objective's revision history.

In the mid-term window each objective owner confirms their objective (here) or proposes revisions with
reasons (``POST /change-requests``, approved by their manager). Every applied change of an objective and
its key results stays on its history: ``GET /objectives/{id}/revisions`` lists them with the value
before and after, the reason and the approver. OKRs are public in the org: everyone reads it.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, SessionDep, utcnow
from api.schemas.common import problems
from api.schemas.governance import MidtermConfirmation, MidtermConfirmed, RevisionLog
from okrflow.services import midterm
from okrflow.store import ObjectiveStore

router = APIRouter(prefix="/objectives", tags=["mid-term review"])


@router.get("/{objective_id}/revisions", response_model=RevisionLog, responses=problems())
def revisions(objective_id: str, session: SessionDep, me: CurrentUser) -> RevisionLog:
    """Every applied change of the objective and its key results, oldest first."""
    objective = ObjectiveStore(session).get(me.org_id, objective_id)
    return RevisionLog(
        objective_id=objective.id, revisions=midterm.revision_log(session, me.org_id, objective.id)
    )


@router.post("/{objective_id}/midterm-confirm", response_model=MidtermConfirmed, responses=problems(409))
def confirm(
    objective_id: str, body: MidtermConfirmation, session: SessionDep, me: CurrentUser
) -> MidtermConfirmed:
    """Confirm the objective at the mid-term review (its owner, their manager or an admin; the window must
    be open). To revise it instead, file a change request with the reason."""
    entry = midterm.confirm_midterm(session, me.person, objective_id, note=body.note, at=utcnow())
    return MidtermConfirmed(
        objective_id=entry.subject_id, confirmed_by=entry.actor_id, at=entry.at, note=entry.reason
    )
