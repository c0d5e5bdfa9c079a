"""Carry-over proposals: unfinished commitments and promising stretch results become next cycle's drafts."""

from __future__ import annotations

from datetime import date

import pytest

from okrflow.critique.draft import Draft
from okrflow.domain.errors import ValidationFailed
from okrflow.domain.model import Cycle, Direction, KRKind, Language, ObjectiveKind
from okrflow.domain.snapshot import CycleSnapshot
from okrflow.reports.carry_over import CarryOverProposal, next_cycle_bounds, propose_carry_over
from okrflow.reports.cycle_report import CycleReport, close_out
from tests.unit import closeout_fixtures as F


@pytest.fixture(scope="module")
def world() -> tuple[CycleReport, CycleSnapshot]:
    snap = F.snapshot()
    return close_out(snap, as_of=F.CLOSE_DAY, retrospectives=F.retrospectives()), snap


@pytest.fixture(scope="module")
def proposals(world: tuple[CycleReport, CycleSnapshot]) -> dict[str, CarryOverProposal]:
    return {p.source_objective_id: p for p in propose_carry_over(*world)}


def carried(proposals: dict[str, CarryOverProposal]) -> dict[str, tuple[float, float, str]]:
    return {
        kr.source_kr_id: (kr.start, kr.target, kr.unit) for p in proposals.values() for kr in p.key_results
    }


def test_exactly_the_unfinished_committed_and_the_promising_aspirational_key_results_carry_over(
    proposals: dict[str, CarryOverProposal],
) -> None:
    # committed: k2 (0.5), k7 (0.5), k8 (0.0) are unfinished; k1 met and binary k3 done are not carried.
    # aspirational: k4 (0.46) and k9 (0.5) are promising; k5 (0.9) landed, k6 (0.2) needs rethinking.
    assert sorted(carried(proposals)) == ["k2", "k4", "k7", "k8", "k9"]
    assert list(proposals) == ["o1", "o2", "o3", "o5"]


def test_the_remaining_gap_becomes_the_new_baseline_and_target(
    proposals: dict[str, CarryOverProposal],
) -> None:
    gaps = carried(proposals)
    assert gaps["k2"] == (30.0, 50.0, "%")  # from the last value to the original target
    assert gaps["k4"] == (38.0, 45.0, "")
    assert gaps["k7"] == (50.0, 100.0, "%")  # a milestone: the share of its plan done
    assert gaps["k8"] == (0.0, 1.0, "")  # binary: not done yet
    assert gaps["k9"] == (2.0, 4.0, "")


def test_open_tasks_that_were_not_cut_come_along(proposals: dict[str, CarryOverProposal]) -> None:
    (drill, rota) = proposals["o3"].key_results
    assert [t.task_id for t in drill.tasks] == ["t3", "t4"]  # not t1, t2 (done) nor t5 (cut)
    assert [t.owner for t in drill.tasks] == ["ana", "ana"]
    assert rota.tasks == []
    assert "2 open tasks carried along" in drill.reason.en


def test_a_draft_is_written_in_its_owners_language_with_the_reason(
    proposals: dict[str, CarryOverProposal],
) -> None:
    nps = proposals["o2"]  # 张伟 writes Chinese
    assert nps.lang is Language.ZH
    assert nps.reasons == ["挑战型关键结果得分 0.46，有望达成；延续剩余差距 38 → 45。"]
    assert nps.description == "延续自 2026-Q1（目标得分 0.52）。\n复盘备注：继续提升 NPS"
    payments = proposals["o1"]
    assert payments.lang is Language.EN
    assert payments.reasons == [
        "Committed key result scored 0.50, short of 1.0; carry the remaining gap 30% → 50%."
    ]
    assert "Retrospective notes: Keep pushing conversion" in payments.description


def test_the_draft_has_the_shape_the_critic_reads(proposals: dict[str, CarryOverProposal]) -> None:
    raw = proposals["o3"].to_draft_dict()
    draft = Draft.model_validate(raw)
    assert draft.cycle is not None
    assert (draft.cycle.name, draft.cycle.start, draft.cycle.end) == (
        "2026-Q2",
        date(2026, 4, 1),
        date(2026, 6, 30),
    )
    assert (draft.objective.title, draft.objective.owner, draft.objective.kind) == (
        "Run a calm platform",
        "bo",
        ObjectiveKind.COMMITTED,
    )
    assert [(k.title, k.owner, k.start, k.target, k.unit, k.due, k.kind) for k in draft.key_results] == [
        ("Failover drill done", "bo", 50.0, 100.0, "%", None, KRKind.MILESTONE),
        ("On-call rota staffed", "bo", 0.0, 1.0, None, None, KRKind.BINARY),
    ]
    assert raw["lang"] == "en"


def test_a_decreasing_metric_carries_from_its_last_value_down_to_its_target() -> None:
    snap = CycleSnapshot.build(
        org=F.ORG,
        cycle=F.CYCLE,
        as_of=F.CLOSE_AT,
        people=F.PEOPLE,
        objectives=[F.objective("o", "bo", None, ObjectiveKind.COMMITTED, title="Fewer incidents")],
        key_results=[
            F.key_result(
                "inc", "o", "bo", start=12, target=8, direction=Direction.DECREASE, unit="/month", current=10
            )
        ],
    )
    (proposal,) = propose_carry_over(close_out(snap, as_of=F.CLOSE_DAY), snap)
    (kr,) = proposal.key_results
    assert (kr.start, kr.target, kr.direction, kr.score) == (10.0, 8.0, Direction.DECREASE, 0.5)
    assert "10 /month → 8 /month" in kr.reason.en


def test_an_explicit_next_cycle_is_used_for_the_drafts(world: tuple[CycleReport, CycleSnapshot]) -> None:
    nxt = Cycle(id="h2", org_id="acme", name="2026 下半年", start=date(2026, 7, 1), end=date(2026, 12, 31))
    found = propose_carry_over(*world, next_cycle=nxt)
    assert {(p.cycle_name, p.cycle_start, p.cycle_end) for p in found} == {
        ("2026 下半年", date(2026, 7, 1), date(2026, 12, 31))
    }


@pytest.mark.parametrize(
    ("name", "start", "end", "expected"),
    [
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), ("2027-Q1", date(2027, 1, 1), date(2027, 3, 31))),
        ("2026 Q1", date(2026, 1, 1), date(2026, 3, 31), ("2026 Q2", date(2026, 4, 1), date(2026, 6, 30))),
        ("H1", date(2026, 1, 1), date(2026, 6, 30), (None, date(2026, 7, 1), date(2026, 12, 31))),
        ("Sprint", date(2026, 1, 5), date(2026, 4, 5), (None, date(2026, 4, 6), date(2026, 7, 5))),
    ],
)
def test_the_next_cycle_follows_on_with_the_same_length(
    name: str, start: date, end: date, expected: tuple[str | None, date, date]
) -> None:
    assert next_cycle_bounds(Cycle(id="c", org_id="acme", name=name, start=start, end=end)) == expected


def test_a_report_of_another_cycle_is_refused(world: tuple[CycleReport, CycleSnapshot]) -> None:
    report, snap = world
    with pytest.raises(ValidationFailed, match=r"report\.cycle_id: the report is of cycle .q9."):
        propose_carry_over(report.model_copy(update={"cycle_id": "q9"}), snap)


def test_proposals_are_the_same_for_the_same_inputs(world: tuple[CycleReport, CycleSnapshot]) -> None:
    first = [p.to_draft_dict() for p in propose_carry_over(*world)]
    snap = F.snapshot()
    again = [
        p.to_draft_dict()
        for p in propose_carry_over(
            close_out(snap, as_of=F.CLOSE_DAY, retrospectives=F.retrospectives()), snap
        )
    ]
    assert first == again
