"""Rendering the weekly sheet: JSON, Markdown and HTML, in English and Chinese, with hostile text escaped.

Golden files live in tests/data/sheets/; after an intended change, regenerate them with
``OKRFLOW_UPDATE_GOLDEN=1 pytest tests/unit/test_sheet_render.py`` and review the diff.
"""

from __future__ import annotations

import os
import re
import string
from datetime import timedelta
from enum import StrEnum
from html import unescape
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from okrflow.domain.model import CalendarEvent, HealthLevel, Language, Severity, TaskStatus
from okrflow.domain.trend import Trend
from okrflow.reports.formatting import escape_markdown
from okrflow.reports.render import render_html, render_json, render_markdown, sheet_title
from okrflow.reports.sheet_labels import LABELS
from okrflow.reports.sheet_model import HealthTrends, KRStatus, SheetThresholds, UpcomingKind, WeeklySheet
from okrflow.reports.weekly_sheet import build_weekly_sheet
from tests.unit.sheet_fixtures import (
    LAST_WEEK,
    REVIEW,
    THIS_WEEK,
    WEEK,
    check_in,
    flag,
    key_result,
    meeting_world,
    objective,
    pulse,
    task,
    world,
)

GOLDEN = Path(__file__).parent.parent / "data" / "sheets"
HOSTILE = '<script>alert("x")</script> | **bold** [link](http://evil)'

SECTIONS = {
    Language.EN: ["OKR status this week", "This week's priorities", "Next four weeks", "Health"],
    Language.ZH: ["本周 OKR 状态", "本周优先事项", "未来四周", "健康度"],
}


def team_sheet(*, kr_title: str = "Grow paying merchants to 500", week: int = WEEK) -> WeeklySheet:
    day = REVIEW.date()
    snap = world(
        krs=[
            key_result("grow", title=kr_title),
            key_result("nps", title="NPS 30 → 50", owner="wei"),
            key_result("launch", kind="milestone", title="Beta launched", due=day + timedelta(days=12)),
        ],
        tasks=[
            task("api", "launch", title="Public API", status=TaskStatus.BLOCKED, due=day - timedelta(days=2)),
            task("docs", "launch", title="Docs", owner="wei", due=day + timedelta(days=5), milestone=True),
        ],
        check_ins=[
            check_in("grow", LAST_WEEK, value=40, confidence=6),
            check_in("grow", THIS_WEEK, value=42, confidence=4, next_priorities=["Call ten merchants"]),
            check_in("nps", THIS_WEEK, author="wei", value=60, confidence=9, next_priorities=[kr_title]),
            check_in("launch", THIS_WEEK, confidence=5, blockers=["vendor late"]),
        ],
        pulses=[pulse(5, "green"), pulse(6, "yellow", cs="yellow"), pulse(7, "red", cs="yellow")],
        events=[CalendarEvent(id="qbr", org_id="acme", cycle_id="q1", title="Business review", on=day)],
    )
    return build_weekly_sheet(snap, week=week, team_id="pay", flags=[flag("grow", Severity.RISK)])


def md_html(text: str) -> str:
    """What a CommonMark renderer that lets raw HTML through makes of the Markdown."""
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


def test_every_label_exists_in_both_languages_with_the_same_fields():
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for key, (en, zh) in LABELS.items():
        assert en.strip() and zh.strip(), key
        assert fields(en) == fields(zh), key


def test_every_status_trend_kind_level_and_severity_has_a_label():
    enums: dict[str, type[StrEnum]] = {
        "status": KRStatus,
        "trend": Trend,
        "kind": UpcomingKind,
        "level": HealthLevel,
        "severity": Severity,
    }
    needed = {f"{prefix}_{member}" for prefix, enum in enums.items() for member in enum}
    needed |= {f"dim_{field}" for field in HealthTrends.model_fields}

    assert needed <= LABELS.keys()


@pytest.mark.parametrize("lang", list(Language))
@pytest.mark.parametrize("render", [render_markdown, render_html])
def test_every_section_is_titled_in_the_readers_language_only(lang, render):
    out = unescape(render(team_sheet(), lang=lang))
    other = Language.ZH if lang is Language.EN else Language.EN

    assert all(title in out for title in SECTIONS[lang])
    assert not any(title in out for title in SECTIONS[other])


def test_confident_krs_are_one_skip_line_and_not_rows_of_the_table():
    sheet = team_sheet()
    md = render_markdown(sheet, lang=Language.EN)
    html = render_html(sheet, lang=Language.ZH)

    skip_lines = [line for line in md.splitlines() if line.startswith("**Skip")]
    assert skip_lines == ["**Skip (on track, high confidence)**: NPS 30 → 50 (60%, 9/10)"]
    assert not any(line.startswith("|") and "NPS 30" in line for line in md.splitlines())
    assert re.search(r'<p class="skip"><strong>跳过[^<]*</strong>：NPS 30 → 50 \(60%, 9/10\)</p>', html)


def test_a_hostile_kr_title_is_shown_as_text_in_html():
    html = render_html(team_sheet(kr_title=HOSTILE), lang=Language.EN)

    assert "<script" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert 'href="http://evil"' not in html


def test_a_hostile_kr_title_stays_text_when_the_markdown_becomes_html():
    md = render_markdown(team_sheet(kr_title=HOSTILE), lang=Language.ZH)
    html = md_html(md)

    assert "<script" not in html and "<a href" not in html and "<strong>bold" not in html
    assert "&lt;script&gt;" in html
    # The pipe in the title did not split a cell: every row of the OKR table has its 11 cells.
    table = html.split("<table>")[1].split("</table>")[0]
    assert {row.count("<td") for row in table.split("<tr>")[2:]} == {11}


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("# not a heading", "# not a heading"),
        ("1. not a list", "1. not a list"),
        ("- nor this", "- nor this"),
        ("line one\nline two", "line one line two"),
        ("&lt;b&gt;", "&amp;lt;b&amp;gt;"),
    ],
)
def test_markdown_escaping_keeps_block_markup_and_entities_literal(text, shown):
    assert md_html(f"x {escape_markdown(text)}") == f"<p>x {shown}</p>\n"
    assert md_html(escape_markdown(text)) == f"<p>{shown}</p>\n"


def test_the_html_page_is_self_contained_and_declares_its_language():
    html = render_html(team_sheet(), lang=Language.ZH)

    assert html.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in html
    assert "<style>" in html
    assert not re.search(r"<script|<link|\ssrc=|https?://", html)


def test_the_sheet_title_names_team_cycle_and_week_in_both_languages():
    title = sheet_title(team_sheet())

    assert title.en == "Weekly OKR meeting · Payments · 2026-Q1 · Week 7 of 13"
    assert title.zh == "OKR 周会 · Payments · 2026-Q1 · 第 7 周（共 13 周）"


def test_json_reads_back_as_the_same_sheet():
    sheet = team_sheet()

    assert WeeklySheet.model_validate_json(render_json(sheet)) == sheet


def test_the_org_sheet_renders_team_lines_and_how_many_rows_were_left_out():
    base = meeting_world()
    snap = world(
        objectives=[objective("o1"), objective("o2", team="ops", owner="bo")],
        krs=[*base.key_results.values(), key_result("ops-kr", obj="o2", owner="bo")],
        tasks=base.tasks.values(),
        check_ins=[c for cs in base.check_ins.values() for c in cs],
    )
    one_row = SheetThresholds(org_row_limit=1)
    sheet = build_weekly_sheet(snap, week=WEEK, team_id=None, flags=[], thresholds=one_row)
    md = render_markdown(sheet, lang=Language.EN)
    html = render_html(sheet, lang=Language.ZH)

    assert "# Weekly OKR meeting · Whole organisation" in md
    assert "| Payments | 6 | 3 | 1 | 1 | 1 | 1 | 2 | 0 |" in md
    assert "| Operations | 1 | 1 | 0 | 0 | 1 | 0 | 0 | 0 |" in md
    assert "… and 3 more" in md
    assert "全组织" in html and "……另有 3 项" in html and "各团队" in html


@pytest.mark.parametrize(
    ("name", "render"),
    [
        ("team_week7.en.md", lambda s: render_markdown(s, lang=Language.EN)),
        ("team_week7.zh.md", lambda s: render_markdown(s, lang=Language.ZH)),
        ("team_week2.zh.html", lambda s: render_html(s, lang=Language.ZH)),
    ],
)
def test_renderings_match_the_reviewed_golden_files(name, render):
    sheet = team_sheet(week=2) if "week2" in name else team_sheet()
    out = render(sheet)
    path = GOLDEN / name
    if os.environ.get("OKRFLOW_UPDATE_GOLDEN"):
        path.write_text(out, encoding="utf-8")
    assert out == path.read_text(encoding="utf-8")
