"""The OKR ambassador's org-wide digest of a week (JSON, Markdown or HTML): missing check-ins by team,
open consultations, change requests waiting, the rules that fired most, open problems. It is sent to the
ambassadors after each weekly review; here the ambassador and admins read any week's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from api.deps import CurrentUser, SessionDep, utcnow
from api.formats import TEXT_CONTENT, ReportFormat, answer, wanted
from api.schemas.common import problems
from okrflow import access
from okrflow.domain.model import Language
from okrflow.reports.ambassador import render_digest
from okrflow.reports.ambassador_model import AmbassadorDigest
from okrflow.services import intake
from okrflow.store import CycleStore

router = APIRouter(prefix="/cycles/{cycle_id}/ambassador-digest", tags=["ambassador intake"])


@router.get(
    "",
    response_model=AmbassadorDigest,
    responses={
        200: {
            "description": "The digest, as JSON, Markdown or HTML",
            "content": TEXT_CONTENT,
        }
    }
    | problems(406),
)
def get_digest(
    cycle_id: str,
    session: SessionDep,
    me: CurrentUser,
    week: Annotated[int | None, Query(ge=1, le=60, description="default: the latest review so far")] = None,
    format: Annotated[ReportFormat | None, Query(description="overrides Accept")] = None,
    lang: Annotated[Language | None, Query(description="default: your language")] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """The org-wide digest of a review week, for the OKR ambassador and admins."""
    access.require(
        me.person.role in access.PRIVILEGED_READERS,
        f"the org-wide digest is read by the OKR ambassador and admins; you are {me.person.role.value}",
    )
    cycle = CycleStore(session).get(me.org_id, cycle_id)
    digest = intake.build_digest(
        session, me.org_id, cycle.id, week or intake.latest_review_week(cycle, now=utcnow())
    )
    fmt = wanted(format, accept)
    return answer(render_digest(digest, fmt=fmt, lang=lang or me.person.language), fmt)
