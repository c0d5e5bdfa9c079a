"""What each finding says, in Chinese and English.

Placeholders: ``{kr}`` the KR's number as people count (1-based), ``{other}`` another KR's number,
``{count}``, ``{value}``, ``{date}``, ``{first}`` and ``{last}`` (the cycle's days).
"""

from __future__ import annotations

from typing import Any

from okrflow.domain.model import Language

from .contract import FindingCode

# code -> lang -> (message, suggestion)
_TEXT: dict[FindingCode, dict[str, tuple[str, str]]] = {
    FindingCode.KR_NOT_MEASURABLE: {
        "zh": (
            "KR{kr} 没有数字、阈值或可验证的完成状态，季度末无法判断是否达成。",
            "写清楚衡量什么、从多少到多少，例如“NPS 从 32 提升到 45”，或写出可验证的完成标准。",
        ),
        "en": (
            "KR {kr} has no number, threshold or verifiable done-state, so nobody can tell at the end of the "
            "quarter whether it was achieved.",
            'Say what you measure and from where to where, e.g. "NPS from 32 to 45", or state a done-state '
            "anyone can check.",
        ),
    },
    FindingCode.KR_IS_TASK: {
        "zh": (
            "KR{kr} 描述的是要做的事情（活动），而不是要达成的结果。",
            "问一句“做完这件事是为了改变什么？”，把那个变化写成 KR，把这件事放进任务清单。",
        ),
        "en": (
            "KR {kr} describes an activity, something to do, rather than a result to achieve.",
            'Ask "what should change because we do this?", make that change the KR, and move the activity '
            "to the task list.",
        ),
    },
    FindingCode.KR_NO_BASELINE: {
        "zh": (
            "KR{kr} 有目标值但没有基线（起点），看不出提升幅度，也无法计算进度。",
            "补上当前值，例如“从 32 提升到 45”，或在起始值字段里填写基线。",
        ),
        "en": (
            "KR {kr} has a target but no baseline, so neither the size of the change nor progress can be "
            "computed.",
            'Add the current value, e.g. "from 32 to 45", or fill in the start field.',
        ),
    },
    FindingCode.TOO_MANY_KRS: {
        "zh": (
            "这个目标有 {count} 个 KR，超过 5 个会分散注意力。",
            "保留最能说明目标达成的 3–5 个 KR，其余的作为健康指标或任务跟踪。",
        ),
        "en": (
            "This objective has {count} key results; more than 5 spreads the team's attention thin.",
            "Keep the 3 to 5 that best show the objective is met; track the rest as health metrics or tasks.",
        ),
    },
    FindingCode.TOO_FEW_KRS: {
        "zh": (
            "这个目标只有 {count} 个 KR，不足以说明目标是否达成。",
            "再补充 1–2 个从不同角度衡量结果的 KR（通常 2–5 个为宜）。",
        ),
        "en": (
            "This objective has only {count} key result(s), too few to show whether it is met.",
            "Add one or two key results that measure the outcome from another angle (2 to 5 is usual).",
        ),
    },
    FindingCode.OBJECTIVE_HAS_METRIC: {
        "zh": (
            "目标本身写成了数字指标，数字应该放在 KR 里。",
            "把目标改写成鼓舞人心、说明方向的一句话，把数字移到 KR。",
        ),
        "en": (
            "The objective is itself a number; numbers belong in the key results.",
            "Rewrite the objective as an inspiring statement of direction and move the number into a KR.",
        ),
    },
    FindingCode.OBJECTIVE_VAGUE: {
        "zh": (
            "目标太笼统，看不出要往哪个方向努力、为谁创造什么价值。",
            "写清楚对象和想要的改变，例如“让华东区中小商户当天就能开始收款”。",
        ),
        "en": (
            "The objective is too vague to give direction: it does not say what should change, or for whom.",
            'Name who benefits and what changes, e.g. "Let small merchants start taking payments the day '
            'they sign up".',
        ),
    },
    FindingCode.NO_OWNER: {
        "zh": ("{what}没有负责人。", "为它指定唯一的负责人。"),
        "en": ("{what} has no owner.", "Name exactly one owner for it."),
    },
    FindingCode.DUPLICATE_KRS: {
        "zh": (
            "KR{kr} 与 KR{other} 衡量的是同一件事。",
            "合并这两个 KR，或把其中一个改为衡量结果的另一个方面。",
        ),
        "en": (
            "KR {kr} measures the same thing as KR {other}.",
            "Merge the two, or make one of them measure a different aspect of the outcome.",
        ),
    },
    FindingCode.NOT_AMBITIOUS: {
        "zh": (
            "这是挑战型目标，但 KR{kr} 的目标值等于当前水平，没有挑战。",
            "设定一个有难度的目标值（完成 70% 就算不错），或把它改成健康指标。",
        ),
        "en": (
            "This is an aspirational objective, but KR {kr} aims where things already are.",
            "Set a target that stretches the team (reaching "
            "70% of it would be good), or track it as a health "
            "metric instead.",
        ),
    },
    FindingCode.UNREALISTIC: {
        "zh": (
            "KR{kr} 的目标（{value}）在一个周期内很难达到。",
            "确认依据；若没有把握，把目标调到跳一跳够得着的水平，或拆成多个周期。",
        ),
        "en": (
            "KR {kr} aims for {value}, which is very hard to reach within one cycle.",
            "Check what the target is based on; if in doubt, "
            "set a stretch that is reachable or spread it over "
            "several cycles.",
        ),
    },
    FindingCode.TIME_MISMATCH: {
        "zh": (
            "KR{kr} 的时间（{date}）不在本周期（{first} 至 {last}）内。",
            "把截止日期调整到周期内，或把这个 KR 放到对应的周期。",
        ),
        "en": (
            "KR {kr} is due {date}, outside the cycle ({first} to {last}).",
            "Move the date inside the cycle, or put this key result in the cycle it belongs to.",
        ),
    },
}

_NOTE = {
    "zh": "AI 点评暂不可用（{reason}），以下是规则检查的结果。",
    "en": "The AI review is unavailable right now ({reason}); these are the rule-based findings.",
}
_REASON = {
    "not_configured": ("未配置大模型服务", "no language model endpoint is configured"),
    "timeout": ("请求超时", "the request timed out"),
    "connection": ("无法连接", "the endpoint could not be reached"),
    "http_error": ("服务返回错误", "the endpoint returned an error"),
    "invalid_json": ("返回内容不是有效 JSON", "the reply was not valid JSON"),
    "schema_violation": ("返回内容不符合格式", "the reply did not match the expected format"),
    "truncated": ("返回内容被截断", "the reply was cut off"),
    "refusal": ("模型拒绝回答", "the model declined to answer"),
}


def text_for(code: FindingCode, lang: Language, **params: Any) -> tuple[str, str]:
    """The message and suggestion for ``code`` in ``lang``, with ``params`` filled in."""
    message, suggestion = _TEXT[code][lang.value]
    if code is FindingCode.NO_OWNER:
        kr = params.get("kr")
        if lang is Language.ZH:
            params.setdefault("what", "目标" if kr is None else f"KR{kr} ")
        else:
            params.setdefault("what", "The objective" if kr is None else f"KR {kr}")
    return message.format(**params), suggestion.format(**params)


def unavailable_note(reason: str, lang: Language) -> str:
    zh, en = _REASON.get(reason, (reason, reason))
    return _NOTE[lang.value].format(reason=zh if lang is Language.ZH else en)


def target_label(target: str | int, lang: Language) -> str:
    """How a finding's target reads in a table: 目标 / Objective, KR 1..."""
    if target == "objective":
        return "目标" if lang is Language.ZH else "Objective"
    return f"KR {int(target) + 1}"
