"""The formats a report is read in (weekly sheets, the cycle report, the ambassador's digest): JSON,
Markdown or HTML, chosen by ``?format=`` or else by the ``Accept`` header."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from fastapi import HTTPException, Response

from okrflow.reports.templating import Format


class ReportFormat(StrEnum):
    JSON = "json"
    MARKDOWN = "markdown"
    MD = "md"
    HTML = "html"


_ACCEPTED = {
    "application/json": ReportFormat.JSON,
    "text/markdown": ReportFormat.MARKDOWN,
    "text/x-markdown": ReportFormat.MARKDOWN,
    "text/html": ReportFormat.HTML,
}
_RENDERED: dict[ReportFormat, Format] = {
    ReportFormat.JSON: "json",
    ReportFormat.MARKDOWN: "markdown",
    ReportFormat.MD: "markdown",
    ReportFormat.HTML: "html",
}
MEDIA_TYPES: dict[Format, str] = {
    "json": "application/json",
    "markdown": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
# The 200 response of a report route in OpenAPI: JSON (its response model), Markdown or HTML.
TEXT_CONTENT = {
    "text/markdown": {"schema": {"type": "string"}},
    "text/html": {"schema": {"type": "string"}},
}


def negotiate(accept: str | None) -> ReportFormat:
    """The format an ``Accept`` header asks for (JSON when it accepts anything); 406 when none fits."""
    if not accept or not accept.strip():
        return ReportFormat.JSON
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
        if media in _ACCEPTED:
            return _ACCEPTED[media]
        if media in ("*/*", "application/*"):
            return ReportFormat.JSON
        if media == "text/*":
            return ReportFormat.MARKDOWN
    raise HTTPException(406, f"a report comes as {', '.join(_ACCEPTED)}; Accept was {accept!r}")


def wanted(format: ReportFormat | None, accept: str | None) -> Format:
    """The format to render: ``?format=`` if given, else what ``Accept`` asks for."""
    return _RENDERED[format or negotiate(accept)]


def answer(text: str, fmt: Format, headers: Mapping[str, str] | None = None) -> Response:
    """A rendered report, with the media type of its format."""
    return Response(text, media_type=MEDIA_TYPES[fmt], headers=headers)
