"""Weekly sheets: the weekly meeting's four squares, as stored by each weekly review per (cycle, week,
scope) — scope "org" or a team id. Read as JSON, Markdown or HTML (``Accept`` or ``?format=``), in the
reader's language or ``?lang=``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response

from api.deps import CurrentUser, SessionDep
from api.formats import TEXT_CONTENT, ReportFormat, answer, wanted
from api.schemas.activity import SheetSummary
from api.schemas.common import Page, problems
from okrflow.domain.model import Language
from okrflow.reports.render import render_html, render_json, render_markdown
from okrflow.reports.sheet_model import WeeklySheet as SheetContent
from okrflow.services import sheets
from okrflow.services.paging import page_list

router = APIRouter(prefix="/cycles/{cycle_id}/sheets", tags=["weekly sheets"])


@router.get("", response_model=Page[SheetSummary], responses=problems())
def list_sheets(
    cycle_id: str,
    session: SessionDep,
    me: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
) -> Page[SheetSummary]:
    """The weekly sheets of a cycle you may read, by week then scope."""
    found = [
        SheetSummary(cycle_id=s.cycle_id, week=s.week, scope=s.scope, created_at=s.created_at)
        for s in sheets.list_sheets(session, me.person, cycle_id)
    ]
    return Page.of(page_list(found, key=lambda s: (s.week, s.scope), limit=limit, cursor=cursor))


@router.get(
    "/{week}",
    response_model=SheetContent,
    responses={
        200: {
            "description": "The sheet, as JSON, Markdown or HTML",
            "content": TEXT_CONTENT,
        }
    }
    | problems(406),
)
def get_sheet(
    cycle_id: str,
    week: Annotated[int, Path(ge=1, le=60)],
    session: SessionDep,
    me: CurrentUser,
    scope: Annotated[str, Query(min_length=1, max_length=64, description='"org" or a team id')] = "org",
    format: Annotated[ReportFormat | None, Query(description="overrides Accept")] = None,
    lang: Annotated[Language | None, Query(description="default: your language")] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """One weekly sheet, for the people who attend it (everyone, when the cycle publishes sheets to all)."""
    _, content = sheets.get_sheet(session, me.person, cycle_id, week, scope)
    fmt = wanted(format, accept)
    language = lang or me.person.language
    if fmt == "html":
        return answer(render_html(content, lang=language), fmt)
    if fmt == "markdown":
        return answer(render_markdown(content, lang=language), fmt)
    return answer(render_json(content), fmt)
