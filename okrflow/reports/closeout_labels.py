"""Every label the cycle report and the ambassador's digest print, in English and Chinese.

A label may hold ``str.format`` fields (``{n}``); ``label(key, lang, **fields)`` fills them.
A test checks that both languages of every label name the same fields.
"""

from __future__ import annotations

from okrflow.domain.model import Language

__all__ = ["LABELS", "label"]

# key -> (English, Chinese)
LABELS: dict[str, tuple[str, str]] = {
    # cycle report: headings
    "report_title": ("Cycle report", "周期总结报告"),
    "scope_org": ("Whole organisation", "全组织"),
    "scope_team": ("Team", "团队"),
    "scope_person": ("Person", "个人"),
    "period": ("{start} – {end}", "{start} 至 {end}"),
    "scored_on": ("Scored on {day}", "评分日期 {day}"),
    "summary": ("Summary", "概览"),
    "objectives": ("Objectives and key results", "目标与关键结果"),
    "other_krs": ("Key results owned in other objectives", "在他人目标下负责的关键结果"),
    "teams": ("Teams", "各团队"),
    "people": ("People", "人员"),
    "rules": ("Rules that flagged key results", "触发预警的规则"),
    "consultations": ("Consultations (会商)", "会商"),
    "change_requests": ("Change requests", "变更申请"),
    "revisions": ("Mid-term revisions", "期中修订"),
    "retrospective": ("Retrospective", "复盘"),
    "what_worked": ("What worked", "做得好的"),
    "what_did_not": ("What did not", "做得不好的"),
    "carry_over_notes": ("Carry over", "延续到下周期"),
    "retro_by": ("by {name}", "撰写人：{name}"),
    "no_retrospective": ("No retrospective yet.", "尚未复盘。"),
    "no_objectives": ("No objectives.", "没有目标。"),
    # cycle report: summary lines
    "overall_score": ("Overall score", "总体得分"),
    "committed_score": ("Committed objectives", "承诺型目标"),
    "aspirational_score": ("Aspirational objectives", "挑战型目标"),
    "kr_score": ("Key results (weighted)", "关键结果（加权）"),
    "objective_colours": ("Objectives by colour", "目标颜色分布"),
    "kr_colours": ("Key results by colour", "关键结果颜色分布"),
    "compliance": ("Check-in compliance", "签到完成率"),
    "compliance_detail": ("{made} of {expected} KR-weeks", "{made}/{expected} 个关键结果周"),
    "tasks_line": (
        "Tasks: {done} done, {cut} cut, {open} open of {total}",
        "任务：共 {total} 个，完成 {done}，砍掉 {cut}，未完成 {open}",
    ),
    "krs_flagged": ("Key results ever flagged", "曾被预警的关键结果"),
    "counts_line": ("{objectives} objectives · {krs} key results", "{objectives} 个目标 · {krs} 个关键结果"),
    "consultation_counts": (
        "{opened} opened · {recovered} recovered · {escalated} escalated · "
        "{closed} closed by hand · {open} still open",
        "共 {opened} 次 · 已恢复 {recovered} · 已升级 {escalated} · 手动关闭 {closed} · 仍未结束 {open}",
    ),
    "change_counts": (
        "{total} requested · {applied} applied · {approved} approved · {rejected} rejected · "
        "{pending} pending · {withdrawn} withdrawn",
        "共 {total} 项 · 已生效 {applied} · 已批准 {approved} · 已驳回 {rejected} · "
        "待审批 {pending} · 已撤回 {withdrawn}",
    ),
    # cycle report: columns
    "col_objective": ("Objective", "目标"),
    "col_kr": ("Key result", "关键结果"),
    "col_kind": ("Kind", "类型"),
    "col_owner": ("Owner", "负责人"),
    "col_team": ("Team", "团队"),
    "col_person": ("Person", "人员"),
    "col_score": ("Score", "得分"),
    "col_grade": ("Grade", "评级"),
    "col_value": ("Final value", "最终值"),
    "col_target": ("Start → target", "起点 → 目标"),
    "col_weight": ("Weight", "权重"),
    "col_tasks": ("Tasks done / cut / total", "任务 完成/砍掉/总数"),
    "col_check_ins": ("Check-in weeks", "签到周数"),
    "col_flags": ("Flagged by", "预警规则"),
    "col_objectives": ("Objectives", "目标数"),
    "col_krs": ("Key results", "关键结果数"),
    "col_compliance": ("Compliance", "签到率"),
    "col_colours": ("Green / yellow / red", "绿/黄/红"),
    "col_rule": ("Rule", "规则"),
    "col_severity": ("Severity", "严重度"),
    "col_flagged_krs": ("Key results flagged", "预警的关键结果数"),
    "col_subject": ("Subject", "对象"),
    "col_requested_by": ("Requested by", "申请人"),
    "col_reason": ("Reason", "原因"),
    "col_impact": ("Impact", "影响"),
    "col_changes": ("Changes", "变更内容"),
    "col_status": ("Status", "状态"),
    "col_date": ("Date", "日期"),
    "col_by": ("By", "操作人"),
    "col_level": ("Level", "级别"),
    # kinds and statuses
    "kind_committed": ("committed", "承诺型"),
    "kind_aspirational": ("aspirational", "挑战型"),
    "kr_metric": ("metric", "指标"),
    "kr_milestone": ("milestone", "里程碑"),
    "kr_binary": ("done / not done", "完成/未完成"),
    "level_green": ("green", "绿"),
    "level_yellow": ("yellow", "黄"),
    "level_red": ("red", "红"),
    "severity_info": ("info", "提示"),
    "severity_warning": ("warning", "警告"),
    "severity_risk": ("risk", "风险"),
    "severity_critical": ("critical", "严重"),
    "cr_pending": ("pending", "待审批"),
    "cr_approved": ("approved", "已批准"),
    "cr_rejected": ("rejected", "已驳回"),
    "cr_applied": ("applied", "已生效"),
    "cr_withdrawn": ("withdrawn", "已撤回"),
    "cs_open": ("waiting for the meeting", "待召开"),
    "cs_agreed": ("agreed, waiting for the check", "已商定，待复查"),
    "cs_recovered": ("recovered", "已恢复"),
    "cs_escalated": ("escalated", "已升级"),
    "cs_closed": ("closed", "已关闭"),
    "subject_objective": ("objective", "目标"),
    "subject_key_result": ("key result", "关键结果"),
    "subject_task": ("task", "任务"),
    "subject_person": ("person", "人员"),
    "subject_team": ("team", "团队"),
    "subject_cycle": ("cycle", "周期"),
    "subject_org": ("organisation", "组织"),
    "subject_check_in": ("check-in", "签到"),
    "subject_change_request": ("change request", "变更申请"),
    "subject_consultation": ("consultation", "会商"),
    "subject_rule_set": ("rule set", "规则集"),
    # ambassador digest
    "digest_title": ("OKR ambassador's weekly digest", "OKR 大使周报"),
    "digest_week": ("Week {week} of {weeks}", "第 {week} 周（共 {weeks} 周）"),
    "digest_window": ("Check-ins counted from {since} to {until}", "统计签到时间：{since} 至 {until}"),
    "missing": ("Missing check-ins by team", "各团队未签到情况"),
    "missing_counts": (
        "{owners} owners have not checked in on {krs} of {total} key results",
        "{owners} 位负责人的 {krs} 个关键结果（共 {total} 个）本周未签到",
    ),
    "everyone_checked_in": ("Everyone checked in this week.", "本周所有人都已签到。"),
    "open_consultations": ("Open consultations (会商)", "未结束的会商"),
    "no_open_consultations": ("No open consultations.", "没有未结束的会商。"),
    "waiting_changes": ("Change requests waiting for a decision", "待审批的变更申请"),
    "no_waiting_changes": ("No change requests waiting.", "没有待审批的变更申请。"),
    "top_rules": ("Rules that fired most this week", "本周触发最多的规则"),
    "no_rules_fired": ("No rule fired this week.", "本周没有规则触发。"),
    "open_problems": ("Open problems raised through the intake", "经问题收集渠道提出的未结问题"),
    "no_open_problems": ("No open problems.", "没有未结问题。"),
    "col_last_check_in": ("Last check-in", "最近签到"),
    "col_meet_by": ("Meet by", "会商期限"),
    "col_check_on": ("Check on", "复查日期"),
    "col_participants": ("Participants", "参与人"),
    "col_age": ("Waiting", "已等待"),
    "col_approver": ("Approver", "审批角色"),
    "col_fired": ("Times fired", "触发次数"),
    "col_subjects": ("Subjects", "涉及对象数"),
    "col_raised_by": ("Raised by", "提出人"),
    "col_problem": ("Problem", "问题"),
    "col_assignee": ("Assigned to", "处理人"),
    "never": ("never", "从未"),
    "days": ("{n} days", "{n} 天"),
    "days_ago": ("{n} days ago", "{n} 天前"),
    "overdue_days": ("overdue by {n} days", "已逾期 {n} 天"),
    "due_in_days": ("in {n} days", "{n} 天后"),
    "monitor": ("monitor mode", "观察模式"),
    "role_admin": ("admin", "管理员"),
    "role_ambassador": ("ambassador", "OKR 大使"),
    "role_manager": ("manager", "经理"),
    "role_member": ("member", "成员"),
    "ps_open": ("new", "新提出"),
    "ps_assigned": ("assigned", "已分派"),
    "ps_consultation": ("in consultation", "会商中"),
    "ps_closed": ("closed", "已关闭"),
    "more": ("… and {n} more", "……另有 {n} 项"),
    # shared
    "no_team": ("(no team)", "（无团队）"),
    "none": ("—", "—"),
    "colon": (": ", "："),
    "sep": ("; ", "；"),
    "list_sep": (", ", "、"),
    "arrow": (" → ", " → "),
}


def label(key: str, lang: Language | str, /, **fields: object) -> str:
    """The label ``key`` in ``lang``, with ``fields`` filled in.

    Raises:
        KeyError: If there is no such label (a template bug, so it fails loudly).
    """
    en, zh = LABELS[key]
    text = zh if str(lang) == Language.ZH else en
    return text.format(**fields) if fields else text
