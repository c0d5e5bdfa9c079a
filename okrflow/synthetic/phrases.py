"""What synthetic people write (en, zh): check-in notes, blockers, trade-off notes, pulses, event titles.

``{task}`` is a task title and ``{value}`` the latest value with its unit.
"""

from __future__ import annotations

# Check-in notes by mood.
NOTES: dict[str, tuple[tuple[str, str], ...]] = {
    "good": (
        ("On track: finished {task} this week.", "进展顺利：本周完成了{task}。"),
        ("Steady week, now at {value}.", "本周稳步推进，目前为 {value}。"),
        ("Good momentum after {task}.", "完成{task}后势头良好。"),
    ),
    "ahead": (
        ("Ahead of plan, {value} already.", "超出计划，已达到 {value}。"),
        ("{task} landed early, the number moved faster than expected.", "{task}提前完成，指标提升快于预期。"),
    ),
    "behind": (
        ("Behind plan at {value}; {task} is slipping.", "落后于计划，目前 {value}；{task}进度滞后。"),
        ("Slow week, still at {value}.", "本周进展缓慢，仍为 {value}。"),
    ),
    "worried": (
        (
            "Not confident we reach the target; {task} took longer than planned.",
            "对达成目标信心不足；{task}耗时超出预期。",
        ),
        ("Numbers are drifting at {value}, need help.", "指标停在 {value} 附近，需要支援。"),
    ),
    "disconnect": (
        (
            "Closed {task}, but the metric has not moved ({value}).",
            "已完成{task}，但指标没有变化（{value}）。",
        ),
        ("Most tasks are done; waiting to see the effect.", "大部分任务已完成，等待效果显现。"),
    ),
    "blocked": (("Waiting on {task} before we can continue.", "需等待{task}完成才能继续。"),),
    "recovered": (("Back on track after the fix to {task}.", "{task}调整后已回到正轨。"),),
}

BLOCKERS: tuple[tuple[str, str], ...] = (
    ("Waiting for another team's API change", "等待其他团队的接口变更"),
    ("Key engineer out sick this week", "关键工程师本周病假"),
    ("Vendor contract not signed yet", "供应商合同尚未签署"),
    ("Budget approval pending", "预算审批未通过"),
    ("Requirements changed mid-sprint", "需求在迭代中途变更"),
    ("Test environment unstable", "测试环境不稳定"),
)

TRADE_OFF: tuple[str, str] = (
    "Added late at the customer's request; nothing else dropped yet.",
    "应客户要求临时加入；暂未削减其他工作。",
)

PULSE_NOTES: dict[str, tuple[str, str]] = {
    "green": ("Good week.", "本周状态良好。"),
    "yellow": ("Some strain, watching it.", "有些压力，持续关注。"),
    "red": ("Team is overloaded and morale is low.", "团队负荷过重，士气低落。"),
}

EVENTS: tuple[tuple[str, str], ...] = (
    ("Board meeting", "董事会"),
    ("All-hands", "全员大会"),
    ("Mid-quarter business review", "季度中期业务回顾"),
)

TEAM_EVENTS: tuple[tuple[str, str], ...] = (
    ("{area} release", "{area}版本发布"),
    ("{area} customer advisory board", "{area}客户顾问委员会"),
    ("{area} team offsite", "{area}团队团建"),
    ("{area} trade show", "{area}行业展会"),
    ("{area} demo day", "{area}演示日"),
)

# Units as a Chinese-speaking owner writes them; symbols ("%", "ms", "M", "k") stay as they are.
UNITS_ZH: dict[str, str] = {
    "points": "分", "days": "天", "incidents": "起", "deploys": "次", "bugs": "个", "minutes": "分钟",
    "leads": "条", "customers": "家", "interviews": "次", "experiments": "个", "meetings": "场",
    "case studies": "篇", "tickets": "张", "hours": "小时", "entries": "笔", "EUR": "欧元",
}  # fmt: skip
TIGHT_UNITS = frozenset({"%", "M", "k"})  # written without a space: 12%, 4.5M
