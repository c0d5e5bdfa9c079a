from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest

from okrflow.domain.errors import DependencyCycle, ValidationFailed
from okrflow.domain.model import Cadence, PlanState, Severity, Task, TaskStatus
from okrflow.domain.taskgraph import check_dag, critical_path, plan_findings


def task(tid: str, *deps: str, **kw: Any) -> Task:
    base: dict[str, Any] = {"id": tid, "org_id": "o", "kr_id": "kr", "title": kw.pop("title", tid.upper())}
    return Task(**(base | {"owner_id": "p", "depends_on": list(deps)} | kw))


# ---------------------------------------------------------------- check_dag


def test_a_plan_without_loops_passes() -> None:
    check_dag([task("a"), task("b", "a"), task("c", "a", "b"), task("d", "c")])


def test_a_dependency_cycle_is_refused_naming_the_tasks_in_order() -> None:
    tasks = [
        task("t1", "t2", title="Design schema"),
        task("t2", "t3", title="Write migration"),
        task("t3", "t1", title="Review design"),
        task("t4", "t1", title="Ship"),
    ]
    with pytest.raises(DependencyCycle) as caught:
        check_dag(tasks)
    assert caught.value.cycle == ["t1", "t2", "t3"]
    assert "Design schema → Write migration → Review design → Design schema" in str(caught.value)


def test_the_cycle_named_does_not_depend_on_the_order_tasks_arrive_in() -> None:
    tasks = [task("e", "d"), task("d", "c"), task("c", "e"), task("b", "a"), task("a", "b"), task("z")]
    seen = set()
    for seed in range(5):
        shuffled = tasks[:]
        random.Random(seed).shuffle(shuffled)
        with pytest.raises(DependencyCycle) as caught:
            check_dag(shuffled)
        seen.add(str(caught.value))
    assert seen == {"depends_on: dependency cycle: A → B → A"}


def test_a_dependency_on_an_unknown_task_names_the_task_and_the_missing_id() -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_dag([task("a"), task("b", "a", "ghost", title="Launch")])
    assert not isinstance(caught.value, DependencyCycle)
    (problem,) = caught.value.problems
    assert problem.location == ("tasks", "b", "depends_on")
    assert "'Launch'" in problem.message and "'ghost'" in problem.message


def test_a_task_id_listed_twice_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="'a' appears more than once"):
        check_dag([task("a"), task("a")])


def test_a_very_long_chain_is_checked_without_hitting_the_recursion_limit() -> None:
    n = 5_000  # five times Python's default recursion limit
    chain = [task(f"t{i}", *([f"t{i + 1}"] if i + 1 < n else [])) for i in range(n)]
    check_dag(chain)
    looped = [*chain[:-1], task(f"t{n - 1}", "t0")]
    with pytest.raises(DependencyCycle) as caught:
        check_dag(looped)
    assert len(caught.value.cycle) == n


# ---------------------------------------------------------------- plan findings


def codes(tasks: list[Task]) -> list[tuple[str, str]]:
    return [(f.task_id, f.code) for f in plan_findings(tasks)]


def test_a_task_due_before_what_it_depends_on_is_a_warning_naming_both() -> None:
    tasks = [
        task("api", due=date(2026, 2, 20), estimate_hours=8, title="Build API"),
        task("ui", "api", due=date(2026, 2, 10), estimate_hours=8, title="Build UI"),
    ]
    (finding,) = plan_findings(tasks)
    assert (finding.code, finding.severity, finding.task_id) == (
        "DUE_BEFORE_DEPENDENCY",
        Severity.WARNING,
        "ui",
    )
    assert finding.related_task_id == "api"
    for text in (finding.message.en, finding.message.zh):
        assert "Build UI" in text and "Build API" in text
    assert "2026-02-20" in finding.message.en


def test_a_clean_plan_has_no_findings() -> None:
    tasks = [
        task("a", due=date(2026, 2, 1), estimate_hours=4),
        task("b", "a", due=date(2026, 2, 1), estimate_hours=4),  # same day is fine
    ]
    assert plan_findings(tasks) == []


def test_plan_findings_flag_undated_unestimated_and_dependencies_on_dropped_tasks() -> None:
    tasks = [
        task("cut", status=TaskStatus.CUT),
        task("no", plan_state=PlanState.DECLINED, due=date(2026, 2, 1), estimate_hours=1),
        task("x", "cut", "no", "ghost", due=date(2026, 2, 1)),
        task("y", milestone=True, estimate_hours=3),
    ]
    assert codes(tasks) == [
        ("x", "DEPENDS_ON_CUT"),
        ("x", "UNKNOWN_DEPENDENCY"),
        ("x", "DEPENDS_ON_DECLINED"),
        ("x", "UNESTIMATED"),
        ("y", "UNDATED"),
    ]
    undated = plan_findings(tasks)[-1]
    assert undated.message.en.startswith("Milestone")
    assert undated.message.zh.startswith("里程碑")


def test_a_task_done_before_its_dependency_is_noted() -> None:
    tasks = [
        task("a", due=date(2026, 2, 1), estimate_hours=1),
        task("b", "a", due=date(2026, 2, 2), estimate_hours=1, status=TaskStatus.DONE),
    ]
    assert codes(tasks) == [("b", "DONE_BEFORE_DEPENDENCY")]


# ---------------------------------------------------------------- critical path

MONDAY = date(2026, 1, 5)


def diamond(**overrides: Any) -> list[Task]:
    # A (2 days) → B (1 day) and C (4 days) → D (1 day)
    spec = {"a": ((), 16), "b": (("a",), 8), "c": (("a",), 32), "d": (("b", "c"), 8)}
    return [
        task(tid, *deps, estimate_hours=hours, **overrides.get(tid, {}))
        for tid, (deps, hours) in spec.items()
    ]


def test_the_critical_path_is_the_longest_chain_of_estimates() -> None:
    cp = critical_path(diamond(), start=MONDAY)
    assert cp.path == ["a", "c", "d"]
    assert cp.length_days == pytest.approx(7)
    assert cp.finish_days == pytest.approx({"a": 2, "b": 3, "c": 6, "d": 7})
    assert cp.earliest_finish["a"] == date(2026, 1, 6)
    assert cp.finishes_on == date(2026, 1, 13)  # the 7th working day, over a weekend


def test_cut_tasks_drop_out_of_the_critical_path() -> None:
    cp = critical_path(diamond(c={"status": TaskStatus.CUT}), start=MONDAY)
    assert cp.path == ["a", "b", "d"]
    assert cp.finishes_on == date(2026, 1, 8)
    assert "c" not in cp.earliest_finish


def test_done_tasks_need_no_more_time() -> None:
    cp = critical_path(diamond(a={"status": TaskStatus.DONE}), start=MONDAY)
    assert cp.path == ["c", "d"]
    assert cp.length_days == pytest.approx(5)


def test_holidays_and_hours_per_day_stretch_the_finish() -> None:
    cadence = Cadence(holidays=[date(2026, 1, 6)])
    cp = critical_path([task("a", estimate_hours=12)], start=MONDAY, hours_per_day=6, cadence=cadence)
    assert cp.finishes_on == date(2026, 1, 7)


def test_a_critical_path_through_a_loop_is_refused() -> None:
    with pytest.raises(DependencyCycle):
        critical_path([task("a", "b"), task("b", "a")], start=MONDAY)


def test_an_empty_plan_has_an_empty_critical_path() -> None:
    cp = critical_path([task("gone", status=TaskStatus.CUT)], start=MONDAY)
    assert (cp.path, cp.length_days, cp.finishes_on) == ([], 0.0, None)
