"""Weekly sheets: the weekly meeting's four squares, as stored by each weekly review per (cycle, week,
scope) — scope "org" or a team id. Read as JSON, Markdown or HTML (``Accept`` or ``?format=``), in the
reader's language or ``?lang=``."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Path, Query, Response

from api.deps import CurrentUser, SessionDep
from api.schemas.activity import SheetSummary
from api.schemas.common import Page, problems
from okrflow.domain.model import Language
from okrflow.reports.render import render_html, render_json, render_markdown
from okrflow.reports.sheet_model import WeeklySheet as SheetContent
from okrflow.services import sheets
from okrflow.services.paging import page_list

router = APIRouter(prefix="/cycles/{cycle_id}/sheets", tags=["weekly sheets"])


class SheetFormat(StrEnum):
    JSON = "json"
    MARKDOWN = "markdown"
    MD = "md"
    HTML = "html"


_MEDIA = {
    "application/json": SheetFormat.JSON,
    "text/markdown": SheetFormat.MARKDOWN,
    "text/x-markdown": SheetFormat.MARKDOWN,
    "text/html": SheetFormat.HTML,
}


def negotiate(accept: str | None) -> SheetFormat:
    """The format an ``Accept`` header asks for (JSON when it accepts anything); 406 when none fits."""
    if not accept or not accept.strip():
        return SheetFormat.JSON
    choices: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            name, _, value = p.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            choices.append((-q, i, media.lower()))
    for _, _, media in sorted(choices):
        if media in _MEDIA:
            return _MEDIA[media]
        if media in ("*/*", "application/*"):
            return SheetFormat.JSON
        if media == "text/*":
            return SheetFormat.MARKDOWN
    raise HTTPException(406, f"the sheet comes as {', '.join(_MEDIA)}; Accept was {accept!r}")


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
    page = page_list(found, key=lambda s: (s.week, s.scope), limit=limit, cursor=cursor)
    return Page(items=page.items, next_cursor=page.next_cursor)


@router.get(
    "/{week}",
    response_model=SheetContent,
    responses={
        200: {
            "description": "The sheet, as JSON, Markdown or HTML",
            "content": {
                "text/markdown": {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}},
            },
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
    format: Annotated[SheetFormat | None, Query(description="overrides Accept")] = None,
    lang: Annotated[Language | None, Query(description="default: your language")] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """One weekly sheet, for the people who attend it (everyone, when the cycle publishes sheets to all)."""
    _, content = sheets.get_sheet(session, me.person, cycle_id, week, scope)
    wanted = format or negotiate(accept)
    language = lang or me.person.language
    if wanted is SheetFormat.HTML:
        return Response(render_html(content, lang=language), media_type="text/html; charset=utf-8")
    if wanted in (SheetFormat.MARKDOWN, SheetFormat.MD):
        return Response(render_markdown(content, lang=language), media_type="text/markdown; charset=utf-8")
    return Response(render_json(content), media_type="application/json")
