"""Render a weekly sheet as JSON, Markdown or a self-contained HTML page, in English or Chinese.

User-written text (titles, names, notes, priorities, flag messages) is escaped: HTML through
Jinja2's autoescaping, Markdown by backslash-escaping every character that could start
markup, so a key result titled ``<script>…`` is shown, never run, even when the Markdown is
later turned into HTML by a renderer that lets raw HTML through.
"""

from __future__ import annotations

import re
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from okrflow.domain.model import Language, LocalText
from okrflow.reports.labels import label
from okrflow.reports.sheet_model import KRStatus, UpcomingItem, WeeklySheet

__all__ = ["escape_markdown", "render_html", "render_json", "render_markdown", "sheet_title"]

# Inline markup anywhere in a line; block markup is handled at the start of the text below.
_MD_INLINE = re.compile(r"([\\`*_\[\]{}<>|#~&!])")
_MD_BLOCK_START = re.compile(r"^(\s*)([-+=>]|\d+[.)])")


def escape_markdown(text: object) -> str:
    """Make user text safe inside a Markdown paragraph, list item or table cell.

    Whitespace (newlines included) collapses to single spaces so the text cannot end the
    line it is on; markup characters are backslash-escaped, which CommonMark shows as-is.
    """
    s = " ".join(str(text).split())
    s = _MD_INLINE.sub(r"\\\1", s)
    return _MD_BLOCK_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], s)


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def _when(item: UpcomingItem, lang: Language) -> str:
    if item.days == 0:
        return label("today", lang)
    if item.days < 0:
        return label("overdue_days", lang, n=-item.days)
    return label("in_days", lang, n=item.days)


_ENV = Environment(
    extensions=["jinja2.ext.do"],
    loader=PackageLoader("okrflow.reports", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_ENV.filters["md"] = escape_markdown
_ENV.filters["pct"] = _pct


def _context(sheet: WeeklySheet, lang: Language | str) -> dict[str, Any]:
    lang = Language(str(lang))
    open_rows = [r for r in sheet.okrs if not r.collapsed]
    collapsed = [r for r in sheet.okrs if r.collapsed]
    return {
        "sheet": sheet,
        "lang": lang,
        "t": lambda key, **fields: label(key, lang, **fields),
        "when": lambda item: _when(item, lang),
        "open_rows": open_rows,
        "collapsed_rows": collapsed,
        "statuses": list(KRStatus),
        "dimensions": ("team_health", "quality", "customer_satisfaction"),
    }


def sheet_title(sheet: WeeklySheet) -> LocalText:
    """The sheet's title in both languages, e.g. for the notification that publishes it."""

    def title(lang: Language) -> str:
        scope = sheet.team_name or label("org_wide", lang)
        week = label("week_of", lang, week=sheet.week, weeks=sheet.weeks_in_cycle)
        return f"{label('title', lang)} · {scope} · {sheet.cycle_name} · {week}"

    return LocalText(en=title(Language.EN), zh=title(Language.ZH))


def render_json(sheet: WeeklySheet) -> str:
    """The sheet as indented JSON (the stored form; ``WeeklySheet.model_validate_json`` reads it back)."""
    return sheet.model_dump_json(indent=2) + "\n"


def render_markdown(sheet: WeeklySheet, *, lang: Language | str) -> str:
    """The sheet as Markdown (CommonMark with GFM tables) in ``lang``."""
    return _ENV.get_template("sheet.md.j2").render(_context(sheet, lang))


def render_html(sheet: WeeklySheet, *, lang: Language | str) -> str:
    """The sheet as one self-contained HTML page (inline CSS, no scripts, no external resources)."""
    return _ENV.get_template("sheet.html.j2").render(_context(sheet, lang))
