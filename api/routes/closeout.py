"""Close-out as people read and write it: the cycle report (JSON, Markdown or HTML; org, team or person),
the carry-over proposals for the next cycle, and each objective's retrospective.

Scores are public in the org, like the OKRs they score: everyone reads the report. Until the cycle ends
the report is computed live ("live"); when it ends it is stored ("preliminary") and at the end of
close-out it is final ("final"), as ``X-Report-Status`` says.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from api.deps import CurrentUser, SessionDep, utcnow
from api.formats import TEXT_CONTENT, ReportFormat, answer, wanted
from api.schemas.common import problems
from api.schemas.governance import CarryOver, RetrospectiveRead, RetrospectiveWrite
from okrflow.domain.model import Language
from okrflow.reports.cycle_report_render import ReportView, render_cycle_report
from okrflow.services import closeout

router = APIRouter(tags=["close-out"])

STATUS_HEADER = {
    "X-Report-Status": {
        "description": "live (computed now), preliminary (stored when the cycle ended) or final (at archive)",
        "schema": {"type": "string", "enum": ["live", "preliminary", "final"]},
    }
}


class ReportScope(StrEnum):
    ORG = "org"
    TEAM = "team"
    PERSON = "person"


@router.get(
    "/cycles/{cycle_id}/report",
    response_model=ReportView,
    responses={
        200: {
            "description": "The report of the scope, as JSON, Markdown or HTML",
            "headers": STATUS_HEADER,
            "content": TEXT_CONTENT,
        }
    }
    | problems(406),
)
def get_report(
    cycle_id: str,
    session: SessionDep,
    me: CurrentUser,
    scope: ReportScope = ReportScope.ORG,
    scope_id: Annotated[str | None, Query(max_length=64, description="the team or person id")] = None,
    format: Annotated[ReportFormat | None, Query(description="overrides Accept")] = None,
    lang: Annotated[Language | None, Query(description="default: your language")] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """The cycle report: scores 0.0-1.0 with colour bands per key result and objective, roll-ups, check-in
    compliance, consultations, change requests and mid-term revisions; for the org, a team or a person."""
    report, status = closeout.read_report(session, me.person, cycle_id, at=utcnow())
    fmt = wanted(format, accept)
    text = render_cycle_report(
        report,
        fmt=fmt,
        lang=lang or me.person.language,
        scope=scope.value,
        scope_id=scope_id,  # type: ignore[arg-type]
    )
    return answer(text, fmt, headers={"X-Report-Status": status})


@router.get("/cycles/{cycle_id}/carry-over", response_model=CarryOver, responses=problems())
def get_carry_over(cycle_id: str, session: SessionDep, me: CurrentUser) -> CarryOver:
    """Next cycle's drafts for what this cycle did not finish (committed key results below 1.0, promising
    aspirational ones), in each owner's language, ready for the drafting assistant."""
    proposals, status = closeout.read_carry_over(session, me.person, cycle_id, at=utcnow())
    return CarryOver(cycle_id=cycle_id, status=status, proposals=proposals)  # type: ignore[arg-type]


@router.put(
    "/objectives/{objective_id}/retrospective", response_model=RetrospectiveRead, responses=problems(409)
)
def write_retrospective(
    objective_id: str, body: RetrospectiveWrite, session: SessionDep, me: CurrentUser
) -> RetrospectiveRead:
    """The objective's retrospective (what worked, what did not, what carries over), by its owner, the
    owner's manager or an admin; rewritten as often as needed until the cycle is archived."""
    retro = closeout.write_retrospective(session, me.person, objective_id, body.model_dump(), at=utcnow())
    return RetrospectiveRead.model_validate(retro.model_dump())
