"""How the reports print their labels in English or Chinese, and the labels they all share.

A label table maps a key to its (English, Chinese) text: ``sheet_labels.LABELS`` for the
weekly sheet, ``closeout_labels.LABELS`` for the cycle report and the ambassador's digest;
both start from ``COMMON_LABELS``. A label may hold ``str.format`` fields (``{n}``) that
``label`` fills in. Tests check that both languages of every label name the same fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from okrflow.domain.model import Language

__all__ = ["COMMON_LABELS", "LabelTable", "label", "translator"]

LabelTable = Mapping[str, tuple[str, str]]  # key -> (English, Chinese)

COMMON_LABELS: dict[str, tuple[str, str]] = {
    "teams": ("Teams", "各团队"),
    # columns
    "col_status": ("Status", "状态"),
    "col_kr": ("Key result", "关键结果"),
    "col_objective": ("Objective", "目标"),
    "col_team": ("Team", "团队"),
    "col_owner": ("Owner", "负责人"),
    "col_last_check_in": ("Last check-in", "最近签到"),
    "col_date": ("Date", "日期"),
    "col_kind": ("Kind", "类型"),
    "col_krs": ("Key results", "关键结果数"),
    # health levels and severities
    "level_green": ("green", "绿"),
    "level_yellow": ("yellow", "黄"),
    "level_red": ("red", "红"),
    "severity_info": ("info", "提示"),
    "severity_warning": ("warning", "警告"),
    "severity_risk": ("risk", "风险"),
    "severity_critical": ("critical", "严重"),
    # phrases and punctuation
    "more": ("… and {n} more", "……另有 {n} 项"),
    "no_team": ("(no team)", "（无团队）"),
    "none": ("—", "—"),
    "colon": (": ", "："),
    "sep": ("; ", "；"),
}


def label(table: LabelTable, key: str, lang: Language | str, /, **fields: object) -> str:
    """The label ``key`` of ``table`` in ``lang``, with ``fields`` filled in.

    Raises:
        KeyError: If there is no such label (a template bug, so it fails loudly).
    """
    en, zh = table[key]
    text = zh if str(lang) == Language.ZH else en
    return text.format(**fields) if fields else text


def translator(table: LabelTable, lang: Language | str) -> Callable[..., str]:
    """``t(key, **fields)``: the labels of ``table`` in ``lang``, as templates call them."""
    return lambda key, **fields: label(table, key, lang, **fields)
