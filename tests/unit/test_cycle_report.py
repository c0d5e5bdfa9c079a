"""The close-out report: scores exactly as the core scores them, weighted roll-ups, and its renderings."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime

import pytest
from markdown_it import MarkdownIt

from okrflow.domain.errors import NotFound, ValidationFailed
from okrflow.domain.model import (
    ChangeRequestStatus,
    ConsultationStatus,
    HealthLevel,
    Language,
    ObjectiveKind,
    Severity,
)
from okrflow.domain.scoring import score_key_result, score_objective
from okrflow.domain.snapshot import CycleSnapshot
from okrflow.reports.closeout_labels import LABELS
from okrflow.reports.cycle_report import CycleReport, Retrospective, close_out
from okrflow.reports.cycle_report_render import render_cycle_report
from okrflow.reports.cycle_report_rollups import consultation_counts
from tests.unit import closeout_fixtures as F


def report(snap: CycleSnapshot | None = None, *, hostile: str = "", **kw: object) -> CycleReport:
    return close_out(
        snap or F.snapshot(),
        as_of=kw.pop("as_of", F.CLOSE_DAY),  # type: ignore[arg-type]
        retrospectives=F.retrospectives(hostile),
        flags=F.flags(),
        consultations=F.consultations(),
        change_requests=F.change_requests(),
        revisions=F.revisions(),
    )


@pytest.fixture(scope="module")
def full() -> CycleReport:
    return report()


# ---------------------------------------------------------------- scores


@pytest.mark.parametrize("as_of", [F.CLOSE_DAY, date(2026, 2, 20), datetime(2026, 3, 2, 9, tzinfo=UTC)])
def test_every_key_result_scores_exactly_what_the_core_scoring_gives(as_of: date) -> None:
    snap = F.snapshot()
    result = close_out(snap, as_of=as_of)
    day = as_of.date() if isinstance(as_of, datetime) else as_of
    assert len(result.key_results) == 9
    for k in result.key_results:
        kr = snap.key_results[k.kr_id]
        expected = score_key_result(
            kr, snap.check_ins.get(kr.id, []), as_of=day, tasks=snap.tasks_by_kr.get(kr.id, [])
        )
        assert k.score == expected, k.kr_id
    for o in result.objectives:
        krs = snap.krs_by_objective[o.objective_id]
        assert o.score == score_objective(krs, {k.kr_id: k.score for k in result.key_results})


def test_final_scores_read_the_last_value_tasks_and_done_state(full: CycleReport) -> None:
    scores = {k.kr_id: k.score for k in full.key_results}
    assert scores == {
        "k1": 1.0,
        "k2": 0.5,
        "k3": 1.0,
        "k4": 0.46,
        "k5": 0.9,
        "k6": 0.2,
        "k7": 0.5,  # 2 of 4 tasks done; the cut task does not count
        "k8": 0.0,
        "k9": 0.5,
    }
    assert {o.objective_id: o.score for o in full.objectives} == {
        "o1": 0.83,
        "o2": 0.52,
        "o3": 0.25,
        "o5": 0.5,
    }


def test_drafts_are_not_part_of_the_close_out(full: CycleReport) -> None:
    assert "o4" not in {o.objective_id for o in full.objectives}
    assert "k10" not in {k.kr_id for k in full.key_results}


@pytest.mark.parametrize(
    ("kr_id", "kind", "colour"),
    [
        ("k1", ObjectiveKind.COMMITTED, HealthLevel.GREEN),  # 1.0: delivered
        ("k2", ObjectiveKind.COMMITTED, HealthLevel.RED),  # 0.5: commitment missed
        ("k4", ObjectiveKind.ASPIRATIONAL, HealthLevel.YELLOW),  # 0.46
        ("k5", ObjectiveKind.ASPIRATIONAL, HealthLevel.GREEN),  # 0.9
        ("k6", ObjectiveKind.ASPIRATIONAL, HealthLevel.RED),  # 0.2
        ("k9", ObjectiveKind.ASPIRATIONAL, HealthLevel.YELLOW),  # 0.5 on a personal objective
    ],
)
def test_key_results_are_graded_in_their_objectives_bands(
    full: CycleReport, kr_id: str, kind: ObjectiveKind, colour: HealthLevel
) -> None:
    k = next(k for k in full.key_results if k.kr_id == kr_id)
    assert (k.objective_kind, k.colour) == (kind, colour)


def test_the_same_score_is_yellow_when_committed_and_green_when_aspirational() -> None:
    # 0.8 keeps a committed promise only in part, but is a strong stretch result.
    snap = CycleSnapshot.build(
        org=F.ORG,
        cycle=F.CYCLE,
        as_of=F.CLOSE_AT,
        people=F.PEOPLE,
        objectives=[
            F.objective("c", "ana", None, ObjectiveKind.COMMITTED),
            F.objective("a", "ana", None, ObjectiveKind.ASPIRATIONAL),
        ],
        key_results=[
            F.key_result("kc", "c", "ana", start=0, target=10, current=8),
            F.key_result("ka", "a", "ana", start=0, target=10, current=8),
        ],
    )
    result = close_out(snap, as_of=F.CLOSE_DAY)
    colours = {o.objective_id: (o.score, o.colour, o.label.en) for o in result.objectives}
    assert colours["c"] == (0.8, HealthLevel.YELLOW, "Partly delivered: explain the gap")
    assert colours["a"] == (0.8, HealthLevel.GREEN, "Strong result")


# ---------------------------------------------------------------- roll-ups


def test_team_scores_weigh_each_objective_by_its_weight(full: CycleReport) -> None:
    teams = {t.team_id: t for t in full.teams}
    assert [t.team_name for t in full.teams] == ["Operations", "Payments", None]
    pay = teams["pay"]
    assert pay.objective_ids == ["o1", "o2"]
    assert pay.rollup.score == 0.73  # (2 × 0.83 + 0.52) / 3, not the plain mean 0.68
    assert (pay.rollup.committed_score, pay.rollup.aspirational_score) == (0.83, 0.52)
    assert pay.rollup.compliance == round(66 / 72, 4)  # k6 missed 6 of its 12 review weeks
    assert teams[None].objective_ids == ["o5"]  # a personal objective of someone without a team


def test_a_person_is_rolled_up_over_what_they_own(full: CycleReport) -> None:
    people = {p.person_id: p for p in full.people}
    wei, ana, bo = people["wei"], people["ana"], people["bo"]
    assert (wei.objective_ids, wei.kr_ids) == (["o2"], ["k2", "k4", "k5", "k6"])
    assert (wei.rollup.check_in_weeks, wei.rollup.check_in_weeks_expected) == (42, 48)
    assert wei.rollup.compliance == 0.875
    assert wei.rollup.kr_score == 0.52  # (0.5 + 0.46 + 0.9 + 0.2) / 4
    assert ana.kr_ids == ["k1", "k3"]  # k3 has no owner: it is its objective owner's
    assert (ana.rollup.tasks.total, ana.rollup.tasks.done, ana.rollup.tasks.open) == (3, 1, 2)
    assert (bo.rollup.tasks.done, bo.rollup.tasks.cut) == (2, 1)


def test_the_org_view_counts_colours_kinds_compliance_rules_and_consultations(full: CycleReport) -> None:
    org = full.org
    assert (org.objectives, org.key_results) == (4, 9)
    assert (org.objective_colours.green, org.objective_colours.yellow, org.objective_colours.red) == (0, 3, 1)
    assert (org.kr_colours.green, org.kr_colours.yellow, org.kr_colours.red) == (3, 2, 4)
    assert org.committed_score == 0.64  # (2 × 0.83 + 0.25) / 3
    assert org.aspirational_score == 0.51
    assert (org.check_in_weeks, org.check_in_weeks_expected) == (102, 108)
    assert full.compliance_weeks == list(range(2, 14))
    # monitor-mode flags and flags of another cycle are not counted
    assert [(r.rule_id, r.severity, r.key_results) for r in full.rules] == [
        ("behind", Severity.RISK, 2),
        ("stale", Severity.WARNING, 1),
    ]
    assert org.krs_flagged == 2
    assert [c.status for c in full.consultations] == [
        ConsultationStatus.RECOVERED,
        ConsultationStatus.ESCALATED,
        ConsultationStatus.OPEN,
    ]
    assert consultation_counts(full.consultations) == {
        "opened": 3,
        "recovered": 1,
        "escalated": 1,
        "closed": 0,
        "open": 1,
    }
    md = render_cycle_report(full, fmt="markdown", lang="en", scope="org")
    assert "3 opened · 1 recovered · 1 escalated · 0 closed by hand · 1 still open" in md


def test_change_requests_and_revisions_keep_their_reasons(full: CycleReport) -> None:
    assert [(c.subject_title, c.status, c.reason) for c in full.change_requests] == [
        ("Conversion 10% → 50%", ChangeRequestStatus.APPLIED, "Scope grew: 更多商户"),
        ("让商户爱上我们", ChangeRequestStatus.PENDING, "the market moved"),
    ]
    (rev,) = full.revisions
    assert (rev.subject_title, rev.changes, rev.reason, rev.objective_id) == (
        "NPS 从 32 提升到 45",
        {"target": [50, 45]},
        "期中复盘：50 不现实",
        "o2",
    )


def test_compliance_only_counts_reviews_up_to_the_close_out_day() -> None:
    result = close_out(F.snapshot(), as_of=date(2026, 1, 20))  # reviews of weeks 2 and 3 so far
    assert result.compliance_weeks == [2, 3]
    assert result.org.check_in_weeks_expected == 9 * 2


def test_retrospectives_must_belong_to_an_objective_of_the_report() -> None:
    with pytest.raises(ValidationFailed) as err:
        close_out(
            F.snapshot(),
            as_of=F.CLOSE_DAY,
            retrospectives={
                "o4": Retrospective(objective_id="o4", author_id="ana"),
                "o1": Retrospective(objective_id="o2", author_id="ana"),
            },
        )
    assert [p.where() for p in err.value.problems] == ["retrospectives.o1", "retrospectives.o4"]
    assert "about 'o2'" in str(err.value)


def test_a_naive_close_out_instant_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="as_of"):
        close_out(F.snapshot(), as_of=datetime(2026, 4, 10, 12))


def test_the_report_reads_back_from_its_json(full: CycleReport) -> None:
    assert CycleReport.model_validate_json(full.model_dump_json()) == full


# ---------------------------------------------------------------- rendering


def test_hostile_text_is_shown_not_run_in_every_scope_and_format() -> None:
    hostile = report(F.snapshot(title_o1=F.HOSTILE), hostile=F.HOSTILE)
    for scope, scope_id in (("org", None), ("team", "pay"), ("person", "ana")):
        html = render_cycle_report(hostile, fmt="html", lang="en", scope=scope, scope_id=scope_id)
        assert "<script>" not in html and "&lt;script&gt;" in html, scope
        md = render_cycle_report(hostile, fmt="markdown", lang="zh", scope=scope, scope_id=scope_id)
        as_html = MarkdownIt("commonmark").enable("table").render(md)
        assert "<script>" not in as_html and "<strong>bold</strong>" not in as_html, scope
        assert 'href="http://evil"' not in as_html


def test_every_label_has_both_languages_with_the_same_fields() -> None:
    fields = string.Formatter()
    for key, (en, zh) in LABELS.items():
        assert en and zh, key
        assert sorted(f for _, f, _, _ in fields.parse(en) if f) == sorted(
            f for _, f, _, _ in fields.parse(zh) if f
        ), key


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_the_report_is_rendered_in_english_and_chinese(full: CycleReport, fmt: str) -> None:
    en = render_cycle_report(full, fmt=fmt, lang=Language.EN, scope="org")  # type: ignore[arg-type]
    zh = render_cycle_report(full, fmt=fmt, lang=Language.ZH, scope="org")  # type: ignore[arg-type]
    for key in ("report_title", "summary", "teams", "people", "change_requests", "revisions", "what_worked"):
        english, chinese = LABELS[key]
        assert english in en and chinese in zh, key
        assert english not in zh, key
    assert "客户回访" in zh and "Customer calls" in en  # a retrospective written in both languages
    assert "承诺未兑现" in zh and "Commitment missed" in en  # the grade labels come from scoring


def test_a_team_sees_its_own_objectives_and_members(full: CycleReport) -> None:
    md = render_cycle_report(full, fmt="markdown", lang="en", scope="team", scope_id="ops")
    assert "Run a calm platform" in md and "Failover drill done" in md
    assert "Make payments effortless" not in md and "Learn Rust" not in md
    assert "| Bo | Operations |" in md and "Ana López | Payments" not in md
    assert "## Change requests" not in md  # none concern this team


def test_a_person_sees_their_objectives_and_the_key_results_they_own_elsewhere(full: CycleReport) -> None:
    md = render_cycle_report(full, fmt="markdown", lang="en", scope="person", scope_id="wei")
    assert "让商户爱上我们" in md
    assert "## Key results owned in other objectives" in md and "Conversion 10% → 50%" in md
    assert "Run a calm platform" not in md
    assert "Check-in compliance: 88% (42 of 48 KR-weeks)" in md


def test_the_json_view_is_scoped(full: CycleReport) -> None:
    import json

    view = json.loads(render_cycle_report(full, fmt="json", lang="en", scope="person", scope_id="wei"))
    assert view["scope"] == "person" and view["scope_name"] == "张伟"
    assert [o["objective_id"] for o in view["objectives"]] == ["o2"]
    assert [k["kr_id"] for k in view["other_key_results"]] == ["k2"]


def test_an_unknown_scope_is_an_error_that_names_it(full: CycleReport) -> None:
    with pytest.raises(NotFound, match="team 'nope'"):
        render_cycle_report(full, fmt="html", lang="en", scope="team", scope_id="nope")
    with pytest.raises(ValidationFailed, match="scope_id"):
        render_cycle_report(full, fmt="html", lang="en", scope="person")
    with pytest.raises(ValidationFailed, match="fmt"):
        render_cycle_report(full, fmt="pdf", lang="en", scope="org")  # type: ignore[arg-type]


def test_the_report_is_the_same_whatever_order_the_records_come_in(full: CycleReport) -> None:
    shuffled = F.shuffler(7)
    snap = CycleSnapshot.build(
        org=F.ORG,
        cycle=F.CYCLE,
        as_of=F.CLOSE_AT,
        people=shuffled(F.PEOPLE),
        teams=shuffled(F.TEAMS),
        objectives=shuffled(F.objectives()),
        key_results=shuffled(F.key_results()),
        tasks=shuffled(F.tasks()),
        check_ins=shuffled(F.check_ins()),
    )
    again = close_out(
        snap,
        as_of=F.CLOSE_DAY,
        retrospectives=F.retrospectives(),
        flags=shuffled(F.flags()),
        consultations=shuffled(F.consultations()),
        change_requests=shuffled(F.change_requests()),
        revisions=F.revisions(),
    )
    assert again == full
    for fmt in ("json", "markdown", "html"):
        assert render_cycle_report(again, fmt=fmt, lang="zh", scope="org") == render_cycle_report(  # type: ignore[arg-type]
            full,
            fmt=fmt,
            lang="zh",
            scope="org",  # type: ignore[arg-type]
        )
