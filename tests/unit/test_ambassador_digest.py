"""The ambassador's weekly digest: who did not check in, what is stuck, what fired, what was raised."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from html import unescape
from typing import Any

import pytest
from markdown_it import MarkdownIt

from okrflow.domain.calendar import review_time
from okrflow.domain.errors import ValidationFailed
from okrflow.domain.model import (
    ChangeRequestStatus,
    CheckIn,
    ConsultationStatus,
    Language,
    RuleMode,
    Severity,
    SubjectType,
)
from okrflow.domain.snapshot import CycleSnapshot
from okrflow.reports.ambassador import ambassador_digest, render_digest
from okrflow.reports.ambassador_model import AmbassadorDigest, IntakeProblem, ProblemStatus
from okrflow.reports.closeout_labels import LABELS
from tests.unit import closeout_fixtures as F

WEEK = 7
_REVIEW = review_time(F.CYCLE, WEEK)
assert _REVIEW is not None
REVIEW: datetime = _REVIEW
H = timedelta(hours=1)
D = timedelta(days=1)


def check_in(kr: str, at: datetime) -> CheckIn:
    return CheckIn(id=f"{kr}-{at:%m%d%H}", org_id="acme", kr_id=kr, author_id="ana", at=at, confidence=5)


# Within the seven days before the review: k1, k3 (just inside), k4, k7. Missing: k2 (8 days ago),
# k5 and k8 (never), k6 (only after the review), k9 (never; its owner has no team).
CHECK_INS = [
    check_in("k1", REVIEW - D),
    check_in("k2", REVIEW - 8 * D),
    check_in("k3", REVIEW - 7 * D + H),
    check_in("k4", REVIEW - 2 * D),
    check_in("k6", REVIEW + H),
    check_in("k7", REVIEW - 3 * D),
    check_in("k10", REVIEW - 30 * D),
]


def snapshot(*, title_k8: str = "On-call rota staffed", shuffle: int | None = None) -> CycleSnapshot:
    order: Callable[[Iterable[Any]], list[Any]] = F.shuffler(shuffle) if shuffle is not None else list
    krs = [k if k.id != "k8" else k.model_copy(update={"title": title_k8}) for k in F.key_results()]
    return CycleSnapshot.build(
        org=F.ORG,
        cycle=F.CYCLE,
        as_of=REVIEW,
        people=order(F.PEOPLE),
        teams=order(F.TEAMS),
        objectives=order(F.objectives()),
        key_results=order(krs),
        check_ins=order(CHECK_INS),
    )


def consultations() -> list:  # type: ignore[type-arg]
    return [
        F.consultation("future", "k2", ConsultationStatus.OPEN, meet_by=REVIEW + 2 * D),
        F.consultation("late1", "k6", ConsultationStatus.OPEN, meet_by=REVIEW - D),
        F.consultation("agreed", "k7", ConsultationStatus.AGREED, meet_by=REVIEW - 10 * D),
        F.consultation("late3", "k8", ConsultationStatus.OPEN, meet_by=REVIEW - 3 * D),
        F.consultation("done", "k4", ConsultationStatus.RECOVERED, meet_by=REVIEW - 20 * D),
        F.consultation("other", "k4", ConsultationStatus.OPEN, cycle_id="q0"),
    ]


def change_requests() -> list:  # type: ignore[type-arg]
    return [
        F.change_request("new", "k2", ChangeRequestStatus.PENDING, created_at=REVIEW - 2 * D),
        F.change_request("old", "k4", ChangeRequestStatus.PENDING, created_at=REVIEW - 10 * D - H),
        F.change_request("done", "k5", ChangeRequestStatus.APPLIED, created_at=REVIEW - 30 * D),
        F.change_request("later", "k5", ChangeRequestStatus.PENDING, created_at=REVIEW + H),
    ]


def flags() -> list:  # type: ignore[type-arg]
    return [
        F.flag("b1", "behind", "k2", WEEK, Severity.WARNING),
        F.flag("b2", "behind", "k6", WEEK, Severity.RISK),
        F.flag("b3", "behind", "k8", WEEK, Severity.WARNING),
        F.flag("s1", "stale", "k5", WEEK, Severity.CRITICAL),
        F.flag("m1", "trial", "k1", WEEK, Severity.INFO, mode=RuleMode.MONITOR),
        F.flag("m2", "trial", "k1", WEEK, Severity.INFO, mode=RuleMode.MONITOR),
        F.flag("old", "stale", "k5", WEEK - 1, Severity.CRITICAL),
        F.flag("x", "stale", "k5", WEEK, Severity.CRITICAL, cycle_id="q0"),
    ]


def problem(pid: str, status: ProblemStatus, age: timedelta, text: str = "KR looks wrong") -> IntakeProblem:
    return IntakeProblem(
        id=pid,
        org_id="acme",
        cycle_id="q1",
        subject_type=SubjectType.KEY_RESULT,
        subject_id="k4",
        raised_by="bo",
        text=text,
        status=status,
        assignee_id="ana" if status is ProblemStatus.ASSIGNED else None,
        created_at=REVIEW - age,
    )


def problems(text: str = "KR looks wrong") -> list[IntakeProblem]:
    return [
        problem("p1", ProblemStatus.OPEN, 5 * D, text),
        problem("p2", ProblemStatus.ASSIGNED, 9 * D),
        problem("p3", ProblemStatus.CLOSED, 12 * D),
    ]


def digest(**kw: object) -> AmbassadorDigest:
    return ambassador_digest(
        kw.pop("snap", None) or snapshot(),  # type: ignore[arg-type]
        week=WEEK,
        flags=flags(),
        consultations=consultations(),
        change_requests=change_requests(),
        problems=kw.pop("problems", problems()),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def d() -> AmbassadorDigest:
    return digest()


def test_exactly_the_owners_without_a_check_in_this_week_are_listed_by_team(d: AmbassadorDigest) -> None:
    listed = [
        (team.team_name, owner.name, [k.kr_id for k in owner.key_results])
        for team in d.missing
        for owner in team.owners
    ]
    assert listed == [
        ("Operations", "Bo", ["k8"]),
        ("Payments", "张伟", ["k2", "k5", "k6"]),  # by objective, then title
        (None, "Cy", ["k9"]),  # people without a team come last
    ]
    assert (d.key_results, d.missing_krs, d.missing_owners) == (9, 5, 3)  # the draft's k10 is not chased


def test_a_missing_check_in_says_when_the_last_one_was(d: AmbassadorDigest) -> None:
    wei = d.missing[1].owners[0]
    last = {k.kr_id: (k.last_check_in, k.days_since) for k in wei.key_results}
    assert last["k2"] == ((REVIEW - 8 * D).date(), 8)
    assert last["k5"] == (None, None)
    assert last["k6"] == (None, None)  # its only check-in came after the review


def test_overdue_meetings_come_first_then_the_rest_by_deadline(d: AmbassadorDigest) -> None:
    assert [(c.consultation_id, c.overdue, c.days_overdue) for c in d.consultations] == [
        ("late3", True, 3),
        ("late1", True, 1),
        ("agreed", False, 0),  # met already: waiting for its check, not for a meeting
        ("future", False, 0),
    ]
    assert d.consultations[0].subject_title == "On-call rota staffed"
    assert d.consultations[0].participants == ["Ana López", "张伟"]


def test_waiting_change_requests_are_oldest_first_with_their_age(d: AmbassadorDigest) -> None:
    assert [(c.change_request_id, c.age_days) for c in d.change_requests] == [("old", 10), ("new", 2)]


def test_the_rules_that_fired_most_this_week_are_counted_with_their_worst_severity(
    d: AmbassadorDigest,
) -> None:
    assert [(r.rule_id, r.fired, r.subjects, r.severity, r.monitor_only) for r in d.rules] == [
        ("behind", 3, 3, Severity.RISK, False),
        ("trial", 2, 1, Severity.INFO, True),
        ("stale", 1, 1, Severity.CRITICAL, False),
    ]
    capped = digest(top_rules=2)
    assert [r.rule_id for r in capped.rules] == ["behind", "trial"] and capped.rules_omitted == 1


def test_open_problems_are_listed_oldest_first_and_closed_ones_left_out(d: AmbassadorDigest) -> None:
    assert [(p.problem_id, p.status, p.assignee_name, p.age_days) for p in d.problems] == [
        ("p2", ProblemStatus.ASSIGNED, "Ana López", 9),
        ("p1", ProblemStatus.OPEN, None, 5),
    ]
    assert d.problems[0].subject_title == "NPS 从 32 提升到 45"


def test_a_week_outside_the_cycle_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="week 14 is outside cycle '2026-Q1'"):
        ambassador_digest(snapshot(), week=14, flags=[], consultations=[], change_requests=[])


def test_a_quiet_week_says_so_in_both_languages() -> None:
    snap = CycleSnapshot.build(org=F.ORG, cycle=F.CYCLE, as_of=REVIEW, people=F.PEOPLE, teams=F.TEAMS)
    quiet = ambassador_digest(snap, week=WEEK, flags=[], consultations=[], change_requests=[])
    for lang in Language:
        md = render_digest(quiet, fmt="markdown", lang=lang)
        for key in ("everyone_checked_in", "no_open_consultations", "no_waiting_changes", "no_rules_fired"):
            assert LABELS[key][0 if lang is Language.EN else 1] in md


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_the_digest_is_rendered_in_english_and_chinese(d: AmbassadorDigest, fmt: str) -> None:
    en = unescape(render_digest(d, fmt=fmt, lang="en"))  # type: ignore[arg-type]
    zh = unescape(render_digest(d, fmt=fmt, lang="zh"))  # type: ignore[arg-type]
    for key in (
        "digest_title",
        "missing",
        "open_consultations",
        "waiting_changes",
        "top_rules",
        "open_problems",
    ):
        english, chinese = LABELS[key]
        assert english in en and chinese in zh, key
        assert english not in zh, key
    assert "overdue by 3 days" in en and "已逾期 3 天" in zh
    assert "Operations" in en and "Operations" in zh  # names as written


def test_hostile_text_is_escaped_in_the_digest() -> None:
    hostile = digest(snap=snapshot(title_k8=F.HOSTILE), problems=problems(F.HOSTILE))
    html = render_digest(hostile, fmt="html", lang="en")
    assert "<script>" not in html and html.count("&lt;script&gt;") >= 2
    md = render_digest(hostile, fmt="markdown", lang="zh")
    as_html = MarkdownIt("commonmark").enable("table").render(md)
    assert "<script>" not in as_html and 'href="http://evil"' not in as_html


def test_the_digest_is_the_same_whatever_order_the_records_come_in(d: AmbassadorDigest) -> None:
    shuffled = F.shuffler(3)
    again = ambassador_digest(
        snapshot(shuffle=5),
        week=WEEK,
        flags=shuffled(flags()),
        consultations=shuffled(consultations()),
        change_requests=shuffled(change_requests()),
        problems=shuffled(problems()),
    )
    assert again == d
    for fmt in ("json", "markdown", "html"):
        assert render_digest(again, fmt=fmt, lang="zh") == render_digest(d, fmt=fmt, lang="zh")  # type: ignore[arg-type]
    assert AmbassadorDigest.model_validate_json(render_digest(d, fmt="json", lang="en")) == d
