"""A whole generated quarter (60 people) from drafting to archive on the time-skipping server,
with the real activities over a real SQLite store. The assertions are what users see: who was
reminded, which flags were raised, who an escalation reached, the weekly sheet, the digests."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from okrflow.domain.calendar import cycle_calendar, phase_at, reminder_time, review_time
from okrflow.domain.model import EscalationStatus, Phase
from okrflow.store import EscalationStore, FlagStore, SheetStore, unit_of_work
from okrflow.store.digests import DigestStore
from okrflow.store.testing import migrated_engine
from okrflow.synthetic import Pattern, Signal, small_org
from rules.engine import evaluate
from rules.load import load_default
from tests.workflows.clock import own_environment
from tests.workflows.quarter import FUTURE_START, Quarter, load_quarter, run_cycle

AS_OF_WEEK = 8
SEVERE = "kr-serious-delay"


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """This module runs a quarter to its archive: a server of its own, so the clock it moves to the end
    of the quarter does not leave the cycles of modules run after it in the past."""
    async with own_environment() as environment:
        yield environment


@pytest.fixture(scope="module")
async def quarter(
    env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Quarter]:
    tmp = tmp_path_factory.mktemp("quarter")
    org = small_org(seed=3, cycle_start=FUTURE_START, as_of_week=AS_OF_WEEK, check_in_weeks=13)
    with migrated_engine("sqlite", directory=tmp) as engine:
        q = load_quarter(org, engine)
        # A small events_per_run makes the cycle continue-as-new several times on the way.
        await run_cycle(env, q, tmp, events_per_run=12)
        yield q


def flags_by_rule(q: Quarter, week: int) -> dict[str, set[str]]:
    with unit_of_work(q.sessions) as session:
        flags = FlagStore(session).list_for_cycle(q.org_id, q.cycle_id, week=week)
    out: dict[str, set[str]] = defaultdict(set)
    for f in flags:
        out[f.rule_id].add(f.subject_id)
    return dict(out)


async def test_the_quarter_runs_to_archive_with_a_review_every_week(quarter: Quarter) -> None:
    assert quarter.result is not None
    assert quarter.result.phase is Phase.ARCHIVED
    assert quarter.result.reviews_done == list(range(1, 14))
    assert quarter.result.runs > 1  # continued as new on the way, state intact


async def test_flags_at_the_story_week_are_exactly_the_scripted_troubles(quarter: Quarter) -> None:
    story = quarter.org.story
    got = flags_by_rule(quarter, AS_OF_WEEK)
    # The ignition rules apply in weeks 1-2 only; every other scripted signal must show, and nothing else.
    expected = {
        s.value: set(story.with_signal(s))
        for s in Signal
        if s.value not in ("ignition-no-plan", "ignition-unowned-or-undated")
    }
    expected["person-over-capacity"] = set(story.over_capacity)
    expected["team-health-red"] = set(story.red_pulse_teams)
    expected = {k: v for k, v in expected.items() if v}
    assert got == expected


async def test_every_weeks_flags_equal_the_rules_evaluated_on_the_same_data(quarter: Quarter) -> None:
    """The batched, stored review gives what the pure engine gives on the generator's snapshot."""
    rules = load_default()
    cycle = quarter.org.cycle
    for week in (3, 5, AS_OF_WEEK, 11):
        at = review_time(cycle, week)
        assert at is not None
        pure = evaluate(rules, quarter.org.snapshot(as_of=at), week=week, phase=phase_at(cycle, at))
        expected: dict[str, set[str]] = defaultdict(set)
        for hit in pure.flags:
            if hit.rule_id != "kr-scope-churn":  # churn is measured against the stored baseline
                expected[hit.rule_id].add(hit.subject_id)
        got = {k: v for k, v in flags_by_rule(quarter, week).items() if k != "kr-scope-churn"}
        assert got == dict(expected), f"week {week}"


async def test_check_in_reminders_go_to_exactly_the_owners_who_had_not_checked_in(quarter: Quarter) -> None:
    org = quarter.org
    cycle = org.cycle
    active = {p.id for p in org.people if p.active}
    owner_of = {k.id: k.owner_id for k in org.key_results}
    sent: dict[str, set[str]] = defaultdict(set)
    for n in quarter.notifications("check_in_reminder"):
        sent[n["dedupe_key"]].add(n["recipient_id"])
    checked = 0
    for week in range(2, 14):
        remind_at = reminder_time(cycle, week)
        since = review_time(cycle, week - 1)
        assert remind_at is not None and since is not None
        checked_in = {c.kr_id for c in org.check_ins if since <= c.at <= remind_at}
        expected = {owner_of[k] for k in owner_of if k not in checked_in} & active
        got = sent.get(f"check_in_reminder:{cycle.id}:check_in_reminder:{week}", set())
        assert got == expected, f"week {week}"
        checked += len(expected)
    assert checked > 0  # the story has missing check-ins, so someone was reminded


async def test_a_ladder_climbs_week_by_week_and_stops_when_the_key_result_recovers(quarter: Quarter) -> None:
    story = quarter.org.story
    recovering = story.krs(Pattern.RECOVERING)
    assert recovering, "the story scripts recovering key results"
    with unit_of_work(quarter.sessions) as session:
        items = [
            i
            for w in range(1, 14)
            for i in DigestStore(session).list_for_review(quarter.org_id, quarter.cycle_id, w)
        ]
        escalations = EscalationStore(session).list_for_cycle(quarter.org_id, quarter.cycle_id)
    fired: dict[tuple[str, int], set[int]] = defaultdict(set)
    for item in items:
        if item.kind == "escalation" and item.key.startswith(f"rung:{SEVERE}:"):
            _, _, kr, rung = item.key.split(":")
            fired[(kr, int(rung))].add(item.week)
    for kr in recovering:
        weeks = story.key_results[kr].weekly[Signal(SEVERE)]
        streak = [w for w in weeks if w <= AS_OF_WEEK]
        assert len(streak) >= 2
        # owner after one week, manager and ambassador after two, consultation after three
        assert fired[(kr, 0)] == {streak[0]}
        assert fired[(kr, 1)] == {streak[1]} and fired[(kr, 2)] == {streak[1]}
        assert fired.get((kr, 3), set()) == ({streak[2]} if len(streak) >= 3 else set())
        after = max(w for (k, _), ws in fired.items() if k == kr for w in ws)
        assert after <= streak[-1], "nothing fires after the key result recovered"
        ladder = [e for e in escalations if e.rule_id == SEVERE and e.subject_id == kr]
        assert ladder and all(e.status is EscalationStatus.RESOLVED for e in ladder)


async def test_every_active_person_gets_one_digest_per_review(quarter: Quarter) -> None:
    digests = quarter.notifications("weekly_digest")
    per = defaultdict(int)
    for n in digests:
        per[(n["recipient_id"], n["dedupe_key"])] += 1
    assert set(per.values()) == {1}
    weeks = {key for (_, key) in per}
    assert len(weeks) == 13
    reached = defaultdict(int)
    for person, _ in per:
        reached[person] += 1
    assert reached == {p.id: 13 for p in quarter.org.people if p.active}
    owner = sorted(quarter.org.story.krs(Pattern.BEHIND))[0]
    kr = next(k for k in quarter.org.key_results if k.id == owner)
    mine = [n for n in digests if n["recipient_id"] == kr.owner_id and n["payload"]["week"] == AS_OF_WEEK]
    assert len(mine) == 1
    assert any(i["subject_id"] == kr.id for i in mine[0]["payload"]["items"])


async def test_the_weekly_sheet_lists_blocked_key_results_first_and_collapses_confident_ones(
    quarter: Quarter,
) -> None:
    blocked_kr = sorted(quarter.org.story.krs(Pattern.BLOCKED_CHAIN))[0]
    team = quarter.org.snapshot().team_of_kr(blocked_kr)
    with unit_of_work(quarter.sessions) as session:
        sheet = SheetStore(session).get(quarter.org_id, quarter.cycle_id, AS_OF_WEEK, scope=team).content
    rows = sheet["okrs"]
    statuses = [r["status"] for r in rows]
    assert "blocked" in statuses
    first_other = next(i for i, s in enumerate(statuses) if s not in ("blocked", "low_confidence"))
    assert all(s not in ("blocked", "low_confidence") for s in statuses[first_other:])
    collapsed = [r for r in rows if r["collapsed"]]
    assert collapsed and all(r["status"] in ("on_track", "done") for r in collapsed)
    assert all((r["confidence"] or 0) >= 7 for r in collapsed if r["status"] == "on_track")


async def test_the_ignition_check_flags_exactly_the_unplanned_key_results(
    env: WorkflowEnvironment, tmp_path: Path
) -> None:
    org = small_org(seed=5, people=40, cycle_start=FUTURE_START, weeks=4, as_of_week=2, check_in_weeks=4)
    with migrated_engine("sqlite", directory=tmp_path) as engine:
        q = load_quarter(org, engine)
        await run_cycle(env, q, tmp_path)
        got = flags_by_rule(q, 2)
        ignition = q.notifications("ignition_check")
    assert got.get("ignition-no-plan", set()) == set(org.story.with_signal(Signal("ignition-no-plan")))
    assert got.get("ignition-unowned-or-undated", set()) == set(
        org.story.with_signal(Signal("ignition-unowned-or-undated"))
    )
    assert org.story.with_signal(Signal("ignition-no-plan"))
    owners = {k.owner_id for k in org.key_results if k.id in got["ignition-no-plan"]}
    assert owners <= {n["recipient_id"] for n in ignition}
    assert cycle_calendar(org.cycle).decomposition_ends <= max(n["created_at"] for n in ignition)
