"""Every label the weekly sheet's renderers print, in English and Chinese.

``okrflow.reports.labels`` looks them up; the labels every report shares are its ``COMMON_LABELS``.
"""

from __future__ import annotations

from okrflow.reports.labels import COMMON_LABELS

__all__ = ["LABELS"]

# key -> (English, Chinese)
LABELS: dict[str, tuple[str, str]] = {
    **COMMON_LABELS,
    # header
    "title": ("Weekly OKR meeting", "OKR 周会"),
    "org_wide": ("Whole organisation", "全组织"),
    "week_of": ("Week {week} of {weeks}", "第 {week} 周（共 {weeks} 周）"),
    "review_date": ("Review date", "周会日期"),
    "week_span": ("Week", "本周"),
    "expected_now": ("Expected progress by now", "当前预期进度"),
    "generated_for": ("Key results by status", "关键结果状态分布"),
    # sections
    "okrs": ("OKR status this week", "本周 OKR 状态"),
    "okrs_org": ("Key results needing attention", "需要关注的关键结果"),
    "priorities": ("This week's priorities", "本周优先事项"),
    "upcoming": ("Next four weeks", "未来四周"),
    "health": ("Health", "健康度"),
    "ignition": ("Ignition check", "启动检查"),
    "skip": ("Skip (on track, high confidence)", "跳过（进展正常、信心充足）"),
    # columns
    "col_progress": ("Progress", "进度"),
    "col_expected": ("Expected", "预期"),
    "col_gap": ("Gap", "差距"),
    "col_confidence": ("Confidence", "信心"),
    "col_trend": ("Trend", "趋势"),
    "col_flags": ("Flags and blockers", "预警与阻碍"),
    "col_item": ("Item", "事项"),
    "col_when": ("When", "时间"),
    "col_dimension": ("Dimension", "维度"),
    "col_latest": ("Latest", "最新"),
    "col_history": ("Recent weeks", "最近几周"),
    "col_attention": ("Need attention", "需关注"),
    "col_mean_progress": ("Mean progress", "平均进度"),
    "col_plan": ("Plan", "规划"),
    "col_tasks": ("Tasks", "任务数"),
    "col_unowned": ("Unowned", "无负责人"),
    "col_undated": ("Undated", "无截止日期"),
    "col_over_capacity": ("Owners over capacity", "超负荷的负责人"),
    # statuses (KRStatus)
    "status_blocked": ("Blocked", "受阻"),
    "status_low_confidence": ("Low confidence", "信心不足"),
    "status_at_risk": ("At risk", "有风险"),
    "status_no_check_in": ("No check-in this week", "本周未签到"),
    "status_on_track": ("On track", "进展正常"),
    "status_done": ("Done", "已完成"),
    # trends
    "trend_up": ("rising", "上升"),
    "trend_flat": ("steady", "持平"),
    "trend_down": ("falling", "下降"),
    # upcoming kinds
    "kind_kr_milestone": ("Key-result milestone", "关键结果里程碑"),
    "kind_milestone": ("Milestone", "里程碑"),
    "kind_deadline": ("Deadline", "截止"),
    "kind_event": ("Event", "日程"),
    # health
    "dim_team_health": ("Team health", "团队健康"),
    "dim_quality": ("Quality", "质量"),
    "dim_customer_satisfaction": ("Customer satisfaction", "客户满意度"),
    "no_pulse": ("No health pulse yet.", "尚无健康度脉搏。"),
    "stale_pulse": ("The latest pulse is from week {week}.", "最新脉搏来自第 {week} 周。"),
    "health_counts": ("Teams by latest pulse", "按最新脉搏统计的团队数"),
    # phrases
    "no_priorities": ("No priorities in this week's check-ins.", "本周签到中没有填写优先事项。"),
    "nothing_upcoming": ("Nothing due in the next four weeks.", "未来四周没有到期事项。"),
    "no_krs": ("No key results.", "没有关键结果。"),
    "today": ("today", "今天"),
    "in_days": ("in {n} days", "{n} 天后"),
    "overdue_days": ("{n} days overdue", "逾期 {n} 天"),
    "mentions": ("named in {n} check-ins", "{n} 次签到提及"),
    "for_kr": ("for", "对应"),
    "by": ("by", "提出人"),
    "blocked_tasks": ("blocked tasks: {n}", "受阻任务 {n} 个"),
    "blockers": ("Blockers", "阻碍"),
    "raw": ("raw {value}", "原始 {value}"),
    "planned": ("planned", "已规划"),
    "unplanned": ("no plan", "未规划"),
    "ignition_counts": (
        "{unplanned} without a plan · {unowned} with unowned tasks · {undated} with undated tasks · "
        "{over} owners over capacity",
        "{unplanned} 个未规划 · {unowned} 个有无负责人任务 · {undated} 个有无截止日期任务 · "
        "{over} 位负责人超负荷",
    ),
    "note": ("Note", "备注"),
}
