"""The OKR ambassador's org-wide digest of a week (JSON, Markdown or HTML): missing check-ins by team,
open consultations, change requests waiting, the rules that fired most, open problems. It is sent to the
ambassadors after each weekly review; here the ambassador and admins read any week's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from api.deps import CurrentUser, SessionDep, utcnow
from api.routes.sheets import SheetFormat, negotiate
from api.schemas.common import problems
from okrflow import access
from okrflow.domain.calendar import review_times
from okrflow.domain.errors import Problem, ValidationFailed
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
            "content": {
                "text/markdown": {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}},
            },
        }
    }
    | problems(406),
)
def get_digest(
    cycle_id: str,
    session: SessionDep,
    me: CurrentUser,
    week: Annotated[int | None, Query(ge=1, le=60, description="default: the latest review so far")] = None,
    format: Annotated[SheetFormat | None, Query(description="overrides Accept")] = None,
    lang: Annotated[Language | None, Query(description="default: your language")] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """The org-wide digest of a review week, for the OKR ambassador and admins."""
    access.require(
        me.person.role in access.PRIVILEGED_READERS,
        f"the org-wide digest is read by the OKR ambassador and admins; you are {me.person.role.value}",
    )
    cycle = CycleStore(session).get(me.org_id, cycle_id)
    if week is None:
        now = utcnow()
        held = [w for w, at in review_times(cycle) if at <= now]
        if not held:
            raise ValidationFailed([Problem(("week",), f"cycle {cycle.name!r} has had no weekly review yet")])
        week = held[-1]
    digest = intake.build_digest(session, me.org_id, cycle.id, week)
    wanted = format or negotiate(accept)
    language = lang or me.person.language
    if wanted is SheetFormat.HTML:
        return Response(
            render_digest(digest, fmt="html", lang=language), media_type="text/html; charset=utf-8"
        )
    if wanted in (SheetFormat.MARKDOWN, SheetFormat.MD):
        return Response(
            render_digest(digest, fmt="markdown", lang=language), media_type="text/markdown; charset=utf-8"
        )
    return Response(render_digest(digest, fmt="json", lang=language), media_type="application/json")
