"""Render a cycle report as JSON, Markdown or a self-contained HTML page, for the org, a team or a person.

Every rendering first cuts the report down to a ``ReportView`` of its scope:

- ``org``: every objective, team and person, rule counts, consultations, change requests
  and mid-term revisions;
- ``team``: the team's objectives (its own and its members' personal ones), its members,
  and the consultations, change requests and revisions about those objectives;
- ``person``: the objectives the person owns, key results they own elsewhere, their
  roll-up (check-in compliance, tasks done and cut), and what concerns them.

User-written text is escaped (``okrflow.reports.templating``), so a title like ``<script>…``
is shown, never run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from okrflow.domain.errors import NotFound, Problem, ValidationFailed
from okrflow.domain.model import Language
from okrflow.reports.closeout_labels import LABELS
from okrflow.reports.cycle_report_model import (
    ChangeItem,
    ConsultationItem,
    CycleReport,
    FreeText,
    KRScore,
    ObjectiveScore,
    PersonReport,
    RevisionItem,
    Rollup,
    RuleTally,
    TeamReport,
    free_text,
)
from okrflow.reports.cycle_report_rollups import change_counts, consultation_counts, rule_tallies
from okrflow.reports.templating import Format, checked_language, render_template

__all__ = ["ReportView", "render_cycle_report", "report_view"]

Scope = Literal["org", "team", "person"]


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


def _context(report: CycleReport, view: ReportView, lang: Language) -> dict[str, Any]:
    def text(value: FreeText | None) -> str:
        return free_text(value, lang) if value is not None else ""

    krs_of: dict[str, list[KRScore]] = {}
    for k in view.key_results:
        krs_of.setdefault(k.objective_id, []).append(k)
    return {
        "v": view,
        "text": text,
        "has_text": lambda value: bool(text(value).strip()),
        "krs_of": krs_of,
        "names": {p.person_id: p.name for p in report.people},
        "consultation_counts": consultation_counts(view.consultations),
        "change_counts": change_counts(view.change_requests),
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
    language = checked_language(fmt, lang)
    view = report_view(report, scope, scope_id)
    if fmt == "json":
        return view.model_dump_json(indent=2) + "\n"
    name = "cycle_report.md.j2" if fmt == "markdown" else "cycle_report.html.j2"
    return render_template(name, LABELS, language, **_context(report, view, language))
