"""Render a weekly sheet as JSON, Markdown or a self-contained HTML page, in English or Chinese.

User-written text (titles, names, notes, priorities, flag messages) is escaped: HTML through
Jinja2's autoescaping, Markdown by ``formatting.escape_markdown``, so a key result titled
``<script>…`` is shown, never run, even when the Markdown is later turned into HTML by a
renderer that lets raw HTML through.
"""

from __future__ import annotations

from typing import Any

from okrflow.domain.model import Language, LocalText
from okrflow.reports.labels import label
from okrflow.reports.sheet_labels import LABELS
from okrflow.reports.sheet_model import KRStatus, UpcomingItem, WeeklySheet
from okrflow.reports.templating import render_template

__all__ = ["render_html", "render_json", "render_markdown", "sheet_title"]


def _when(item: UpcomingItem, lang: Language) -> str:
    if item.days == 0:
        return label(LABELS, "today", lang)
    if item.days < 0:
        return label(LABELS, "overdue_days", lang, n=-item.days)
    return label(LABELS, "in_days", lang, n=item.days)


def _render(name: str, sheet: WeeklySheet, lang: Language | str) -> str:
    language = Language(str(lang))
    context: dict[str, Any] = {
        "sheet": sheet,
        "when": lambda item: _when(item, language),
        "open_rows": [r for r in sheet.okrs if not r.collapsed],
        "collapsed_rows": [r for r in sheet.okrs if r.collapsed],
        "statuses": list(KRStatus),
        "dimensions": ("team_health", "quality", "customer_satisfaction"),
    }
    return render_template(name, LABELS, language, **context)


def sheet_title(sheet: WeeklySheet) -> LocalText:
    """The sheet's title in both languages, e.g. for the notification that publishes it."""

    def title(lang: Language) -> str:
        scope = sheet.team_name or label(LABELS, "org_wide", lang)
        week = label(LABELS, "week_of", lang, week=sheet.week, weeks=sheet.weeks_in_cycle)
        return f"{label(LABELS, 'title', lang)} · {scope} · {sheet.cycle_name} · {week}"

    return LocalText(en=title(Language.EN), zh=title(Language.ZH))


def render_json(sheet: WeeklySheet) -> str:
    """The sheet as indented JSON (the stored form; ``WeeklySheet.model_validate_json`` reads it back)."""
    return sheet.model_dump_json(indent=2) + "\n"


def render_markdown(sheet: WeeklySheet, *, lang: Language | str) -> str:
    """The sheet as Markdown (CommonMark with GFM tables) in ``lang``."""
    return _render("sheet.md.j2", sheet, lang)


def render_html(sheet: WeeklySheet, *, lang: Language | str) -> str:
    """The sheet as one self-contained HTML page (inline CSS, no scripts, no external resources)."""
    return _render("sheet.html.j2", sheet, lang)
