"""The facts table: every name a rule condition may use, per scope, with its type and meaning.

This one table is the source of the CEL declarations (``rules.engine`` type-checks each
condition against its scope's facts when a rule set is loaded), of the fact lists in
``rules/schema.json``'s documentation and of ``docs/facts.md`` (``python -m rules.docs``).
``rules.facts`` computes exactly these names; a test checks that it never yields a name
that is not declared here, nor leaves out one that is not marked ``optional``.

Facts are flat scalars on purpose: CEL evaluates flat variables fastest, and a condition
reads like ``progress < expected_progress - 0.2``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from okrflow.domain.model import SubjectType

__all__ = ["FACTS", "INPUTS", "FactSpec", "FactType", "Scope", "facts_of"]


class Scope(StrEnum):
    """What a rule looks at; each value is also a ``SubjectType``."""

    KEY_RESULT = "key_result"
    OBJECTIVE = "objective"
    TASK = "task"
    PERSON = "person"
    TEAM = "team"
    CYCLE = "cycle"

    @property
    def subject_type(self) -> SubjectType:
        return SubjectType(self.value)


class FactType(StrEnum):
    BOOL = "bool"
    INT = "int"
    DOUBLE = "double"
    STRING = "string"
    TIMESTAMP = "timestamp"


@dataclass(frozen=True)
class FactSpec:
    """One fact: its name in conditions, its CEL type and what it means (en, zh).

    ``optional`` facts are absent when there is nothing to report (no check-in yet means no
    ``confidence``). A condition that reads an absent fact records an evaluation error for
    that subject, so guard it: ``check_in_count > 0 && confidence <= 4``.
    """

    name: str
    type: FactType
    en: str
    zh: str
    optional: bool = False


def _f(name: str, type_: FactType, en: str, zh: str, *, optional: bool = False) -> FactSpec:
    return FactSpec(name, type_, en, zh, optional)


B, N, D, S, TS = FactType.BOOL, FactType.INT, FactType.DOUBLE, FactType.STRING, FactType.TIMESTAMP

# Inputs every condition may read, whatever its scope: the review's instant and week, not the wall clock.
INPUTS: tuple[FactSpec, ...] = (
    _f(
        "now",
        TS,
        "The instant of the review (an input, not the wall clock).",
        "评审时刻（输入值，不是系统时钟）。",
    ),
    _f("week", N, "The review's week of the cycle, 1-based.", "本次评审所在的周期周次，从 1 开始。"),
    _f("weeks_in_cycle", N, "How many weeks the cycle has.", "周期总周数。"),
    _f(
        "phase",
        S,
        "The cycle's phase: drafting, decomposition, execution, midterm, closeout.",
        "周期阶段：drafting、decomposition、execution、midterm、closeout。",
    ),
)

_WEEKS_FLAGGED = (
    "Weeks at risk so far: the longest current streak of any active rule for this subject"
    " before this review.",
    "至今的风险周数：本次评审前，任一启用规则对该对象连续成立的最长周数。",
)

FACTS: dict[Scope, tuple[FactSpec, ...]] = {
    Scope.KEY_RESULT: (
        _f("name", S, "The key result's title.", "关键结果的标题。"),
        _f(
            "kind",
            S,
            "metric, milestone or binary.",
            "metric（指标）、milestone（里程碑）或 binary（二元）。",
        ),
        _f(
            "objective_kind",
            S,
            "committed or aspirational.",
            "committed（承诺型）或 aspirational（挑战型）。",
        ),
        _f("has_owner", B, "The key result has an owner.", "关键结果有负责人。"),
        _f(
            "progress",
            D,
            "Progress from the latest value, 0.0–1.0 (clamped).",
            "按最新数值计算的进度，0.0–1.0（已截断）。",
        ),
        _f(
            "raw_progress",
            D,
            "Progress before clamping: above 1.0 past the target, below 0.0 when it moved the wrong way.",
            "截断前的进度：超过目标时大于 1.0，反向变化时小于 0.0。",
        ),
        _f(
            "expected_progress",
            D,
            "Where the key result should be by now on the cycle's expected curve, 0.0–1.0.",
            "按周期预期曲线，此刻应达到的进度，0.0–1.0。",
        ),
        _f(
            "gap",
            D,
            "expected_progress − progress: positive when behind, negative when ahead.",
            "expected_progress − progress：落后为正，超前为负。",
        ),
        _f(
            "confidence",
            N,
            "Confidence 0–10 from the latest check-in; absent before the first check-in.",
            "最近一次签到的信心值 0–10；首次签到前不存在。",
            optional=True,
        ),
        _f(
            "confidence_trend",
            S,
            "up, flat or down over the last three check-ins (flat with fewer than two).",
            "最近三次签到的信心趋势：up、flat 或 down（少于两次为 flat）。",
        ),
        _f("check_in_count", N, "Check-ins so far.", "到目前为止的签到次数。"),
        _f(
            "days_since_check_in",
            N,
            "Days since the latest check-in, or since the cycle started when there is none.",
            "距最近一次签到的天数；从未签到则自周期开始起算。",
        ),
        _f("tasks_total", N, "Accepted tasks, not counting cut ones.", "已接受的任务数（不含已砍掉的）。"),
        _f("tasks_todo", N, "Accepted tasks not started.", "未开始的已接受任务数。"),
        _f("tasks_doing", N, "Accepted tasks in progress.", "进行中的已接受任务数。"),
        _f("tasks_blocked", N, "Accepted tasks marked blocked.", "被标记为受阻的已接受任务数。"),
        _f("tasks_done", N, "Accepted tasks done.", "已完成的已接受任务数。"),
        _f("tasks_cut", N, "Accepted tasks cut.", "已砍掉的任务数。"),
        _f(
            "tasks_proposed",
            N,
            "Tasks proposed and waiting for the owner's decision.",
            "已提议、等待负责人决定的任务数。",
        ),
        _f(
            "tasks_unowned",
            N,
            "Open tasks whose owner is not an active person of the organisation.",
            "负责人不是本组织在职人员的未完成任务数。",
        ),
        _f("tasks_undated", N, "Open tasks without a due date.", "没有截止日期的未完成任务数。"),
        _f("tasks_overdue", N, "Open tasks past their due date.", "已过截止日期的未完成任务数。"),
        _f(
            "milestones_total", N, "Milestone tasks, not counting cut ones.", "里程碑任务数（不含已砍掉的）。"
        ),
        _f(
            "milestones_overdue",
            N,
            "Open milestone tasks past their due date.",
            "已过截止日期的未完成里程碑数。",
        ),
        _f(
            "blocked_dependencies",
            N,
            "Open tasks waiting on a dependency that is blocked, or open and overdue.",
            "所依赖的任务受阻或已逾期未完成的未完成任务数。",
        ),
        _f(
            "blocked_chain_length",
            N,
            "The longest chain of open tasks held up behind a blocked task (0 when nothing waits).",
            "受阻任务之后被拖住的未完成任务链的最大长度（无则为 0）。",
        ),
        _f(
            "task_done_share",
            D,
            "Share of the plan done (by estimates when every task has one), 0.0–1.0.",
            "计划完成比例（每个任务都有估时则按估时加权），0.0–1.0。",
        ),
        _f(
            "disconnect",
            D,
            "task_done_share − progress: work done while the result does not move.",
            "task_done_share − progress：工作完成了，结果却没有动。",
        ),
        _f(
            "baseline_tasks",
            N,
            "Tasks in the plan fixed at the end of decomposition.",
            "分解结束时确定的基线任务数。",
        ),
        _f("tasks_added", N, "Accepted tasks added after the baseline.", "基线之后新增的已接受任务数。"),
        _f("tasks_removed", N, "Baseline tasks cut since.", "基线任务中后来被砍掉的数量。"),
        _f(
            "churn",
            D,
            "(tasks_added + tasks_removed) / baseline_tasks; 0.0 without a baseline.",
            "(tasks_added + tasks_removed) / baseline_tasks；无基线时为 0.0。",
        ),
        _f(
            "owner_load_ratio",
            D,
            "The owner's peak weekly load / capacity from this week to the end (0.0 without an owner).",
            "负责人从本周到周期结束的每周负荷与容量之比的峰值（无负责人为 0.0）。",
        ),
        _f("weeks_flagged", N, *_WEEKS_FLAGGED),
    ),
    Scope.OBJECTIVE: (
        _f("name", S, "The objective's title.", "目标的标题。"),
        _f("kind", S, "committed or aspirational.", "committed（承诺型）或 aspirational（挑战型）。"),
        _f(
            "status",
            S,
            "draft, submitted, returned, approved or closed.",
            "draft、submitted、returned、approved 或 closed。",
        ),
        _f("kr_count", N, "Key results.", "关键结果数。"),
        _f("progress", D, "Weighted progress of its key results, 0.0–1.0.", "关键结果的加权进度，0.0–1.0。"),
        _f("expected_progress", D, "Where it should be by now, 0.0–1.0.", "此刻应达到的进度，0.0–1.0。"),
        _f("gap", D, "expected_progress − progress.", "expected_progress − progress。"),
        _f(
            "min_confidence",
            N,
            "The lowest latest confidence among its key results; absent when none has checked in.",
            "各关键结果最新信心值中的最低值；都未签到时不存在。",
            optional=True,
        ),
        _f("krs_without_check_in", N, "Key results never checked in.", "从未签到的关键结果数。"),
        _f("krs_flagged", N, "Key results with weeks_flagged > 0.", "weeks_flagged > 0 的关键结果数。"),
        _f(
            "krs_flagged_share",
            D,
            "krs_flagged / kr_count (0.0 without key results).",
            "krs_flagged / kr_count（无关键结果时为 0.0）。",
        ),
        _f("weeks_flagged", N, *_WEEKS_FLAGGED),
    ),
    Scope.TASK: (
        _f("name", S, "The task's title.", "任务的标题。"),
        _f("status", S, "todo, doing, blocked, done or cut.", "todo、doing、blocked、done 或 cut。"),
        _f("plan_state", S, "proposed, accepted or declined.", "proposed、accepted 或 declined。"),
        _f("is_milestone", B, "The task is a milestone.", "该任务是里程碑。"),
        _f("is_open", B, "todo, doing or blocked.", "状态为 todo、doing 或 blocked。"),
        _f("has_owner", B, "Its owner is an active person of the organisation.", "负责人是本组织在职人员。"),
        _f("has_due", B, "The task has a due date.", "任务有截止日期。"),
        _f(
            "due",
            TS,
            "Its due date (local midnight); absent without one.",
            "截止日期（当地零点）；无截止日期时不存在。",
            optional=True,
        ),
        _f("days_overdue", N, "Days past due while open; 0 otherwise.", "未完成且逾期的天数；否则为 0。"),
        _f("in_baseline", B, "Part of the decomposition baseline.", "属于分解基线。"),
        _f("waiting_on", N, "Dependencies not done yet.", "尚未完成的依赖数。"),
        _f(
            "blocked_dependencies",
            N,
            "Dependencies that are blocked, or open and overdue.",
            "受阻或逾期未完成的依赖数。",
        ),
        _f(
            "blocked_chain_length",
            N,
            "Open tasks held up behind this one when it is blocked (itself included); 0 otherwise.",
            "该任务受阻时被其拖住的未完成任务数（含自身）；否则为 0。",
        ),
        _f(
            "estimate_hours",
            D,
            "Estimated hours; absent without an estimate.",
            "估计工时；未估时不存在。",
            optional=True,
        ),
        _f(
            "owner_load_ratio",
            D,
            "The owner's peak weekly load / capacity from this week on.",
            "负责人自本周起每周负荷与容量之比的峰值。",
        ),
        _f("weeks_flagged", N, *_WEEKS_FLAGGED),
    ),
    Scope.PERSON: (
        _f("name", S, "The person's display name.", "人员的显示名。"),
        _f("role", S, "admin, ambassador, manager or member.", "admin、ambassador、manager 或 member。"),
        _f("has_manager", B, "The person has a manager.", "此人有上级。"),
        _f("objectives_owned", N, "Objectives owned in the cycle.", "本周期负责的目标数。"),
        _f(
            "objectives_approved",
            N,
            "Owned objectives approved (or closed).",
            "已批准（或已关闭）的负责目标数。",
        ),
        _f("krs_owned", N, "Key results owned.", "负责的关键结果数。"),
        _f("tasks_open", N, "Accepted open tasks owned.", "负责的未完成已接受任务数。"),
        _f("capacity_hours", D, "Weekly capacity in hours.", "每周容量（小时）。"),
        _f(
            "load_ratio",
            D,
            "Peak weekly load / capacity from this week to the end.",
            "自本周到周期结束每周负荷与容量之比的峰值。",
        ),
        _f(
            "overloaded_weeks",
            N,
            "Weeks from this week on with load above capacity.",
            "自本周起负荷超过容量的周数。",
        ),
        _f(
            "check_in_compliance",
            D,
            "Share of owned key results checked in within the last 7 days (1.0 when none is owned).",
            "负责的关键结果中最近 7 天内签到的比例（未负责任何关键结果为 1.0）。",
        ),
        _f(
            "krs_missing_check_in",
            N,
            "Owned key results not checked in within the last 7 days.",
            "最近 7 天未签到的负责关键结果数。",
        ),
        _f("weeks_flagged", N, *_WEEKS_FLAGGED),
    ),
    Scope.TEAM: (
        _f("name", S, "The team's name.", "团队名称。"),
        _f("members", N, "Active members.", "在职成员数。"),
        _f("objectives", N, "Objectives of the team.", "团队的目标数。"),
        _f("krs", N, "Key results under the team's objectives.", "团队目标下的关键结果数。"),
        _f("progress", D, "Weighted progress of its objectives, 0.0–1.0.", "团队目标的加权进度，0.0–1.0。"),
        _f("expected_progress", D, "Where it should be by now, 0.0–1.0.", "此刻应达到的进度，0.0–1.0。"),
        _f("gap", D, "expected_progress − progress.", "expected_progress − progress。"),
        _f(
            "check_in_compliance",
            D,
            "Share of its key results checked in within the last 7 days (1.0 without key results).",
            "团队关键结果中最近 7 天内签到的比例（无关键结果时为 1.0）。",
        ),
        _f(
            "krs_flagged_share",
            D,
            "Share of its key results with weeks_flagged > 0.",
            "weeks_flagged > 0 的关键结果比例。",
        ),
        _f(
            "health",
            S,
            "Team health from the latest pulse: green, yellow or red; absent without a pulse.",
            "最新脉搏调查的团队健康度：green、yellow 或 red；无调查时不存在。",
            optional=True,
        ),
        _f(
            "quality",
            S,
            "Quality from the latest pulse; absent without one.",
            "最新脉搏调查的质量；无调查时不存在。",
            optional=True,
        ),
        _f(
            "customer_satisfaction",
            S,
            "Customer satisfaction from the latest pulse; absent without one.",
            "最新脉搏调查的客户满意度；无调查时不存在。",
            optional=True,
        ),
        _f(
            "health_red_weeks",
            N,
            "Consecutive weeks, ending with the latest pulse from this week or last, with team health red.",
            "截至本周或上周最新一次脉搏调查，团队健康度连续为红色的周数。",
        ),
        _f("weeks_flagged", N, *_WEEKS_FLAGGED),
    ),
    Scope.CYCLE: (
        _f("name", S, "The cycle's name.", "周期名称。"),
        _f("objectives", N, "Objectives in the cycle.", "周期内的目标数。"),
        _f("krs", N, "Key results in the cycle.", "周期内的关键结果数。"),
        _f("people", N, "Active people in the organisation.", "组织内在职人数。"),
        _f(
            "people_without_okrs",
            N,
            "Active people who own no objective and no key result.",
            "既不负责任何目标也不负责任何关键结果的在职人数。",
        ),
        _f("objectives_unapproved", N, "Objectives not approved yet.", "尚未批准的目标数。"),
        _f("progress", D, "Weighted progress of all objectives, 0.0–1.0.", "所有目标的加权进度，0.0–1.0。"),
        _f(
            "expected_progress",
            D,
            "Where the cycle should be by now, 0.0–1.0.",
            "此刻应达到的进度，0.0–1.0。",
        ),
        _f("gap", D, "expected_progress − progress.", "expected_progress − progress。"),
        _f(
            "check_in_compliance",
            D,
            "Share of key results checked in within the last 7 days (1.0 without key results).",
            "最近 7 天内签到的关键结果比例（无关键结果时为 1.0）。",
        ),
        _f(
            "krs_flagged_share",
            D,
            "Share of key results with weeks_flagged > 0.",
            "weeks_flagged > 0 的关键结果比例。",
        ),
        _f("tasks_blocked", N, "Accepted tasks marked blocked.", "被标记为受阻的已接受任务数。"),
    ),
}


def facts_of(scope: Scope) -> tuple[FactSpec, ...]:
    """The facts a condition of ``scope`` may read: the scope's facts, then the inputs."""
    return (*FACTS[scope], *INPUTS)
