"""Reports built from a cycle snapshot: the weekly meeting sheet and its renderings.

build_weekly_sheet(snapshot, week=..., team_id=..., flags=...) -> WeeklySheet   (pure)
prepare_week(snapshot, week=..., flags=...) -> SheetWeek ; build_sheet(prepared, team_id)   (many teams)
render_json(sheet) / render_markdown(sheet, lang=...) / render_html(sheet, lang=...)
"""

from okrflow.reports.render import render_html, render_json, render_markdown, sheet_title
from okrflow.reports.sheet_model import IgnitionItem, KRStatus, SheetThresholds, WeeklySheet
from okrflow.reports.sheet_week import SheetWeek, prepare_week
from okrflow.reports.squares import ignition_items
from okrflow.reports.weekly_sheet import build_sheet, build_weekly_sheet

__all__ = [
    "IgnitionItem",
    "KRStatus",
    "SheetThresholds",
    "SheetWeek",
    "WeeklySheet",
    "build_sheet",
    "build_weekly_sheet",
    "ignition_items",
    "prepare_week",
    "render_html",
    "render_json",
    "render_markdown",
    "sheet_title",
]
