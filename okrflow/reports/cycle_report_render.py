"""Render a cycle report as JSON, Markdown or a self-contained HTML page, for the org, a team or a person.

Every rendering first cuts the report down to a ``ReportView`` of its scope:

- ``org``: every objective, team and person, rule counts, consultations, change requests
  and mid-term revisions;
- ``team``: the team's objectives (its own and its members' personal ones), its members,
  and the consultations, change requests and revisions about those objectives;
- ``person``: the objectives the person owns, key results they own elsewhere, their
  roll-up (check-in compliance, tasks done and cut), and what concerns them.

User-written text is escaped: HTML through Jinja2's autoescaping, Markdown with the weekly
sheet's ``escape_markdown``, so a title like ``<script>…`` is shown, never run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, ConfigDict

from okrflow.domain.errors import NotFound, Problem, ValidationFailed
from okrflow.domain.model import Language
from okrflow.reports.closeout_labels import label
from okrflow.reports.cycle_report import (
    ChangeItem,
    ConsultationItem,
    CycleReport,
    KRScore,
    ObjectiveScore,
    PersonReport,
    RevisionItem,
    Rollup,
    RuleTally,
    TeamReport,
    consultation_counts,
    free_text,
    rule_tallies,
)
from okrflow.reports.render import escape_markdown

__all__ = ["ReportView", "fmt_number", "render_cycle_report", "report_view", "template_env", "with_unit"]

Scope = Literal["org", "team", "person"]
Format = Literal["json", "markdown", "html"]


def fmt_number(value: float | None) -> str:
    """A value as people write it: 45, 12.5, 0.0375 (no exponent, no trailing zeros)."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def with_unit(value: float | None, unit: str) -> str:
    """A number with its unit: "45%", "12 k€", "3 merchants"."""
    shown = fmt_number(value)
    if not unit or value is None:
        return shown
    return shown + unit if unit in ("%", "‰") else f"{shown} {unit}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _shown(value: object) -> str:
    if isinstance(value, float):
        return fmt_number(value)
    if value is None:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v) for v in value)
    return str(value)


def template_env() -> Environment:
    """The Jinja2 environment of the close-out renderings (HTML autoescaped, strict undefined)."""
    env = Environment(
        extensions=["jinja2.ext.do"],
        loader=PackageLoader("okrflow.reports", "templates"),
        autoescape=select_autoescape(
            enabled_extensions=("html.j2",), default_for_string=False, default=False
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = escape_markdown
    env.filters["pct"] = _pct
    env.filters["score"] = _score
    env.filters["num"] = fmt_number
    env.filters["qty"] = with_unit
    env.filters["shown"] = _shown
    return env


_ENV = template_env()


class ReportView(BaseModel):
    """The part of a cycle report one scope sees."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scope: Scope
    scope_id: str | None
    scope_name: str | None
    org_name: str
    cycle_id: str
    cycle_name: str
    start: date
    end: date
    as_of: date
    weeks: int
    rollup: Rollup
    objectives: list[ObjectiveScore]
    key_results: list[KRScore]  # the key results of ``objectives``
    other_key_results: list[KRScore]  # person scope: key results they own under others' objectives
    teams: list[TeamReport]
    people: list[PersonReport]
    rules: list[RuleTally]
    consultations: list[ConsultationItem]
    change_requests: list[ChangeItem]
    revisions: list[RevisionItem]


def _pick(items: Iterable[Any], keep: Callable[[Any], bool]) -> list[Any]:
    return [i for i in items if keep(i)]


def report_view(report: CycleReport, scope: Scope, scope_id: str | None = None) -> ReportView:
    """Cut ``report`` down to what ``scope`` sees.

    Raises:
        ValidationFailed: If the scope is unknown, or a team/person scope has no ``scope_id``.
        NotFound: If the team or person is not in the report.
    """
    if scope not in ("org", "team", "person"):
        raise ValidationFailed([Problem(("scope",), f"{scope!r} is not one of org, team, person")])
    if scope != "org" and not scope_id:
        raise ValidationFailed([Problem(("scope_id",), f"a {scope} report needs the {scope}'s id")])
    base = {
        "org_name": report.org_name,
        "cycle_id": report.cycle_id,
        "cycle_name": report.cycle_name,
        "start": report.start,
        "end": report.end,
        "as_of": report.as_of,
        "weeks": report.weeks,
    }
    if scope == "org":
        return ReportView(
            scope="org",
            scope_id=None,
            scope_name=None,
            rollup=report.org,
            objectives=report.objectives,
            key_results=report.key_results,
            other_key_results=[],
            teams=report.teams,
            people=report.people,
            rules=report.rules,
            consultations=report.consultations,
            change_requests=report.change_requests,
            revisions=report.revisions,
            **base,
        )
    if scope == "team":
        team = next((t for t in report.teams if t.team_id == scope_id), None)
        if team is None:
            raise NotFound("team", str(scope_id))
        objective_ids = set(team.objective_ids)
        members = set(team.member_ids)
        krs = _pick(report.key_results, lambda k: k.objective_id in objective_ids)
        return ReportView(
            scope="team",
            scope_id=scope_id,
            scope_name=team.team_name,
            rollup=team.rollup,
            objectives=_pick(report.objectives, lambda o: o.objective_id in objective_ids),
            key_results=krs,
            other_key_results=[],
            teams=[],
            people=_pick(report.people, lambda p: p.person_id in members),
            rules=rule_tallies(krs),
            consultations=_pick(report.consultations, lambda c: c.objective_id in objective_ids),
            change_requests=_pick(report.change_requests, lambda c: c.objective_id in objective_ids),
            revisions=_pick(report.revisions, lambda r: r.objective_id in objective_ids),
            **base,
        )
    person = next((p for p in report.people if p.person_id == scope_id), None)
    if person is None:
        raise NotFound("person", str(scope_id))
    objective_ids = set(person.objective_ids)
    kr_ids = set(person.kr_ids)
    krs = _pick(report.key_results, lambda k: k.objective_id in objective_ids)
    others = _pick(report.key_results, lambda k: k.kr_id in kr_ids and k.objective_id not in objective_ids)
    return ReportView(
        scope="person",
        scope_id=scope_id,
        scope_name=person.name,
        rollup=person.rollup,
        objectives=_pick(report.objectives, lambda o: o.objective_id in objective_ids),
        key_results=krs,
        other_key_results=others,
        teams=[],
        people=[person],
        rules=rule_tallies([*krs, *others]),
        consultations=_pick(
            report.consultations, lambda c: c.objective_id in objective_ids or c.subject_id in kr_ids
        ),
        change_requests=_pick(
            report.change_requests,
            lambda c: c.objective_id in objective_ids or c.subject_id in kr_ids or c.requested_by == scope_id,
        ),
        revisions=_pick(
            report.revisions,
            lambda r: r.objective_id in objective_ids or r.subject_id in kr_ids or r.actor_id == scope_id,
        ),
        **base,
    )


def _change_counts(items: Iterable[ChangeItem]) -> dict[str, int]:
    listed = list(items)
    counts = {s.value: sum(1 for c in listed if c.status is s) for s in {c.status for c in listed}}
    return {
        "total": len(listed),
        **{k: counts.get(k, 0) for k in ("applied", "approved", "rejected", "pending", "withdrawn")},
    }


def _context(report: CycleReport, view: ReportView, lang: Language) -> dict[str, Any]:
    krs_of: dict[str, list[KRScore]] = {}
    for k in view.key_results:
        krs_of.setdefault(k.objective_id, []).append(k)
    names = {p.person_id: p.name for p in report.people}
    return {
        "v": view,
        "lang": lang,
        "t": lambda key, **fields: label(key, lang, **fields),
        "text": lambda value: free_text(value, lang) if value is not None else "",
        "has_text": lambda value: bool(free_text(value, lang).strip()) if value is not None else False,
        "krs_of": krs_of,
        "names": names,
        "consultation_counts": consultation_counts(view.consultations),
        "change_counts": _change_counts(view.change_requests),
    }


def render_cycle_report(
    report: CycleReport,
    *,
    fmt: Format,
    lang: Language | str,
    scope: Scope,
    scope_id: str | None = None,
) -> str:
    """Render ``report`` for the org, a team or a person.

    Args:
        report: The close-out report.
        fmt: ``json`` (the scope's ``ReportView``; labels are not translated), ``markdown``
            (CommonMark with GFM tables) or ``html`` (one page, inline CSS, no scripts).
        lang: ``en`` or ``zh``; every label is in that language, user text as written.
        scope: ``org``, ``team`` or ``person``.
        scope_id: The team or person id (team ``None`` bucket is not addressable).

    Returns:
        The rendering, identical for identical inputs.

    Raises:
        ValidationFailed: An unknown format, language or scope, or a missing scope id.
        NotFound: The team or person is not in the report.
    """
    if fmt not in ("json", "markdown", "html"):
        raise ValidationFailed([Problem(("fmt",), f"{fmt!r} is not one of json, markdown, html")])
    try:
        language = Language(str(lang))
    except ValueError:
        raise ValidationFailed([Problem(("lang",), f"{lang!r} is not one of en, zh")]) from None
    view = report_view(report, scope, scope_id)
    if fmt == "json":
        return view.model_dump_json(indent=2) + "\n"
    name = "cycle_report.md.j2" if fmt == "markdown" else "cycle_report.html.j2"
    return _ENV.get_template(name).render(_context(report, view, language))
