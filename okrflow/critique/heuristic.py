"""The heuristic critic: pure Python, Chinese and English, fast enough for as-you-type hints.

It reads each key result once (``krfacts.read_kr``) into facts, then the rules below decide every code that
needs no language model. UNREALISTIC is only
raised for the clear cases (a tenfold rise within one cycle, a rate above 100%); judging the rest is left to
the LLM critic.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from itertools import combinations

from okrflow.domain.model import Direction, KRKind, Language, ObjectiveKind

from . import lexicon as lx
from .contract import CODE_SEVERITY, Critique, Finding, FindingCode, score_findings, sort_findings
from .draft import Draft, DraftCycle
from .krfacts import CJK, EN_WORD, KRFacts, read_kr
from .language import detect_language
from .messages import text_for
from .numbers import QKind, Quantity, comparable_value, find_quantities

_Add = Callable[..., None]  # add(code, target, **message params)

MIN_KRS = 2
MAX_KRS = 5
UNREALISTIC_RATIO = 10.0

_REACH_BEFORE = re.compile(r"(?:\bto|\breach(?:es|ed)?|\bhit|到|至|达到|为)\s*$", re.IGNORECASE)
_SHARE_OF = re.compile(r"\s*of\s+(?!the\s+(?:target|plan|goal)|target|plan|quota|budget|goal)", re.IGNORECASE)
# A duration that is a window for the aim, not a target: "三个月内真正融入团队", "within 90 days of joining".
_WINDOW_AFTER = re.compile(r"^\s*(?:内|之内|以内|里)")
_WINDOW_BEFORE = re.compile(
    r"(?:\b(?:within|in)\s+(?:(?:the|their|our|its|your|his|her)\s+)?(?:first\s+)?|\bafter\s+)$", re.I
)
_YEAR_NUMBER = re.compile(r"^(?:19|20)\d\d$")
_TARGET_VERB_BEFORE = re.compile(
    r"(?:打造|实现|达到|达成|完成|获得|新增|签约|上线|发布|交付|推出|拿下|突破|超过|做到|冲刺|"
    r"\b(?:hit|reach|achieve|ship|launch|sign|build|create|deliver|publish|grow|close|win|acquire|land|add|"
    r"hire|get|make|produce|release|open|double|triple)\w*)[^\d]{0,8}$",
    re.IGNORECASE,
)


# ---------------------------------------------------------------- the critic


class HeuristicCritic:
    """Finds every code it can decide without a language model. Pure: no I/O, no clock."""

    name = "heuristic"

    async def critique(self, draft: Draft, *, lang: Language | None = None) -> Critique:
        return self.check(draft, lang=lang)

    def check(self, draft: Draft, *, lang: Language | None = None) -> Critique:
        """Critique ``draft`` synchronously (the as-you-type path)."""
        lang = lang or draft.lang or detect_language(draft.texts())
        facts = [read_kr(i, kr) for i, kr in enumerate(draft.key_results)]
        findings: list[Finding] = []

        def add(code: FindingCode, target: str | int, **params: object) -> None:
            if isinstance(target, int):
                params.setdefault("kr", target + 1)
            message, suggestion = text_for(code, lang, **params)
            findings.append(
                Finding(
                    code=code,
                    severity=CODE_SEVERITY[code],
                    target=target,
                    message=message,
                    suggestion=suggestion,
                )
            )

        self._objective(draft, add)
        aspirational = draft.objective.kind is ObjectiveKind.ASPIRATIONAL
        for f in facts:
            others_outcome = any(o.is_outcome for o in facts if o.index != f.index)
            self._key_result(
                f, add, others_outcome=others_outcome, aspirational=aspirational, cycle=draft.cycle
            )
        for later, other in _duplicates(facts):
            add(FindingCode.DUPLICATE_KRS, later, other=other + 1)
        findings = sort_findings(findings)
        return Critique(score=score_findings(findings), lang=lang, findings=findings)

    def _objective(self, draft: Draft, add: _Add) -> None:
        obj = draft.objective
        if obj.owner is None:
            add(FindingCode.NO_OWNER, "objective")
        n = len(draft.key_results)
        if n < MIN_KRS:
            add(FindingCode.TOO_FEW_KRS, "objective", count=n)
        elif n > MAX_KRS:
            add(FindingCode.TOO_MANY_KRS, "objective", count=n)
        if objective_has_metric(obj.title):
            add(FindingCode.OBJECTIVE_HAS_METRIC, "objective")
        elif objective_is_vague(obj.title):
            add(FindingCode.OBJECTIVE_VAGUE, "objective")

    def _key_result(
        self, f: KRFacts, add: _Add, *, others_outcome: bool, aspirational: bool, cycle: DraftCycle | None
    ) -> None:
        i = f.index
        if f.kr.owner is None:
            add(FindingCode.NO_OWNER, i)
        task = False
        if f.activity_lead and not f.outcome_phrase:
            task = True
        elif (
            (f.led_by_delivery or (f.delivery_state and not f.measures))
            and not f.outcome_phrase
            and f.kr.kind is not KRKind.METRIC
        ):
            # A delivery, however it is worded ("Launch the portal", "Portal live"): a milestone only
            # when dated and next to outcome KRs.
            task = not (f.dated and others_outcome)
        if task:
            add(FindingCode.KR_IS_TASK, i)
        elif not f.measurable:
            add(FindingCode.KR_NOT_MEASURABLE, i)
        elif needs_baseline(f):
            add(FindingCode.KR_NO_BASELINE, i)
        if aspirational and not task and _keeps_level(f):
            add(FindingCode.NOT_AMBITIOUS, i)
        if (value := _unrealistic(f)) is not None:
            add(FindingCode.UNREALISTIC, i, value=value)
        if cycle is not None and cycle.start is not None and cycle.end is not None:
            when = _outside(f, cycle.start, cycle.end)
            if when is not None:
                add(
                    FindingCode.TIME_MISMATCH,
                    i,
                    date=when,
                    first=cycle.start.isoformat(),
                    last=cycle.end.isoformat(),
                )


def needs_baseline(f: KRFacts) -> bool:
    """A metric KR whose target has no baseline in its fields or its text."""
    kr = f.kr
    if kr.start is not None or f.baseline_in_text or f.new_count:
        return False
    if kr.kind in (KRKind.MILESTONE, KRKind.BINARY) or kr.direction is Direction.STAY_WITHIN:
        return False
    if f.bound and not f.change:
        return False
    if f.target_q is not None and f.target_q.value == 0 and not f.change_verb:
        return False  # "P0 故障数为 0": a guardrail at zero
    if f.milestone_lead and not f.change_verb:
        return False  # "Ship the new flow to 100% of users": a roll-out starts from nothing
    if f.maintain and not f.change:
        return False
    if f.field_target:
        return True
    if f.change and f.measures:
        return True
    # A bare level of a metric, "交付准时率 95%": where does it stand today?
    # A multiple with no change verb is the level of a ratio ("pipeline coverage 3x", "ROAS 4x").
    level_kinds = (QKind.COUNT, QKind.POINTS) if not f.change else (QKind.COUNT, QKind.MULTIPLE, QKind.POINTS)
    bare = f.target_q is not None and f.target_q.kind not in level_kinds
    if not bare or f.activity_lead or f.led_by_delivery:
        return False
    if lx.LEVEL_METRIC_RE.search(f.text):
        return True
    # "95% of calls answered within 20 seconds": a share of things done, an existing metric; a dated
    # share is a roll-out ("90% of stores on the new POS by March") and starts from nothing.
    assert f.target_q is not None
    return (
        f.target_q.kind is QKind.PERCENT and not f.dated and bool(_SHARE_OF.match(f.text[f.target_q.end :]))
    )


def _keeps_level(f: KRFacts) -> bool:
    kr = f.kr
    if kr.start is not None and kr.target is not None and abs(kr.start - kr.target) < 1e-9:
        return True
    if f.from_to is not None:
        a, b = f.from_to
        if (
            a.kind == b.kind and abs(comparable_value(a) - comparable_value(b)) < 1e-9
        ):  # 2 days vs 2 hours differ
            return True
    return f.maintain and not f.change and not f.threshold


def _unrealistic(f: KRFacts) -> str | None:
    pairs: list[tuple[float, float, str]] = []
    if f.kr.start is not None and f.kr.target is not None:
        pairs.append((f.kr.start, f.kr.target, f"{f.kr.start:g} → {f.kr.target:g}"))
    if f.from_to is not None:
        a, b = f.from_to
        shown = f"{f.text[a.start : a.end]} → {f.text[b.start : b.end]}"
        if a.kind == b.kind:
            pairs.append((comparable_value(a), comparable_value(b), shown))
        elif QKind.PLAIN in (a.kind, b.kind):  # "from 9 to 4 days": both in days
            pairs.append((a.value, b.value, shown))
    for start, target, shown in pairs:
        if start > 0 and target / start >= UNREALISTIC_RATIO:
            return shown
    if f.from_to is not None:
        a, b = f.from_to
        # A share moving past 100% ("calls answered from 64% to 110%"), unless the ratio has no ceiling (NRR).
        if (
            a.kind is QKind.PERCENT
            and b.kind is QKind.PERCENT
            and a.value <= 100 < b.value
            and not lx.UNBOUNDED_RATIO_RE.search(f.text)
        ):
            return f.text[b.start : b.end]
    for q in f.measures:
        if q.kind is QKind.MULTIPLE and q.value >= UNREALISTIC_RATIO and f.change:
            return f.text[q.start : q.end]
        before = f.text[max(0, q.start - 12) : q.start]
        if (
            q.kind is QKind.PERCENT
            and q.value > 100
            and not lx.UNBOUNDED_RATIO_RE.search(f.text)
            and (
                (lx.RATE_NOUN_RE.search(f.text) and _REACH_BEFORE.search(before))
                or _SHARE_OF.match(f.text[q.end :])  # "110% of calls answered"
            )
        ):
            return f.text[q.start : q.end]
    return None


def _outside(f: KRFacts, first: date, last: date) -> str | None:
    if f.kr.due is not None and not first <= f.kr.due <= last:
        return f.kr.due.isoformat()
    for r in f.time_refs:
        if not r.deadline:
            continue
        span = r.span_in(first, last)
        if span is None:
            continue
        # "10 月 1 日前" in a cycle ending September 30: due the day before, inside the cycle.
        begins = span[0] - timedelta(days=1) if r.exclusive and r.kind == "day" else span[0]
        if span[1] < first or begins > last:
            return f.text[r.start : r.end]
    return None


def _duplicates(facts: list[KRFacts]) -> list[tuple[int, int]]:
    """(later, earlier) pairs of KRs that measure the same thing; each later KR reported once."""
    found: dict[int, int] = {}
    for a, b in combinations(facts, 2):
        if b.index in found or not a.subject or not b.subject:
            continue
        sa, sb = _spell_out(a, b), _spell_out(b, a)
        inter = len(sa & sb)
        jaccard = inter / len(sa | sb)
        overlap = inter / min(len(sa), len(sb))
        same_target = _same_target(a, b)
        if (
            jaccard >= 0.85
            or (same_target is not False and (jaccard >= 0.5 or overlap >= 0.75))
            # One names exactly what the other does, with a word more ("线上 bug 修复时长", "bug 修复时长"):
            # the same metric, whatever the targets.
            or (overlap == 1.0 and jaccard >= 0.7)
        ):
            found[b.index] = a.index
    return sorted(found.items())


def _spell_out(f: KRFacts, other: KRFacts) -> set[str]:
    """``f``'s subject, with runs of words replaced by the initialism ``other`` uses ("MQL")."""
    subject = set(f.subject)
    for token in other.acronyms - f.subject:
        words = f.initials.get(token)
        if words is not None and words <= subject:
            subject = (subject - words) | {token}
    return subject


def _same_target(a: KRFacts, b: KRFacts) -> bool | None:
    """Whether two KRs aim at the same value; None when one of them names no target."""
    ta = a.kr.target if a.kr.target is not None else (comparable_value(a.target_q) if a.target_q else None)
    tb = b.kr.target if b.kr.target is not None else (comparable_value(b.target_q) if b.target_q else None)
    if ta is None or tb is None:
        return None
    return abs(ta - tb) <= 1e-9 * max(1.0, abs(ta))


# ---------------------------------------------------------------- objective checks


_CONTEXT_EN = re.compile(r"\b(?:while|even\s+as|when|whenever|despite|although|though|amid)\b[^,.;:]*$", re.I)
_CONTEXT_ZH_BEFORE = re.compile(r"(?:在|即使|尽管|哪怕|虽然|面对|随着|即便)[^，。,;；]*$")
_CONTEXT_ZH_AFTER = re.compile(r"^[^，。,;；]*?(?:的|时|期间|之际|中|下|情况)")


def _describes_circumstances(title: str, q: Quantity) -> bool:
    """The number sits in a clause about circumstances, not the aim: "while call volume doubles",
    "在话务量翻番的大促季"."""
    before, after = title[: q.start], title[q.end :]
    if _CONTEXT_EN.search(before):
        return True
    return bool(_CONTEXT_ZH_BEFORE.search(before) and _CONTEXT_ZH_AFTER.match(after))


def objective_has_metric(title: str) -> bool:
    """The objective is itself a number: "Q1 GMV 达到 1.5 亿元", "Grow revenue 25%", "营收翻一番"."""
    for q in find_quantities(title):
        if q.weak or q.kind is QKind.RANK or _describes_circumstances(title, q):
            continue
        if q.kind is QKind.PLAIN and _YEAR_NUMBER.match(title[q.start : q.end]):
            continue  # "Make 2026 the year ...": a year, not a target
        if q.kind is QKind.DURATION and (
            _WINDOW_AFTER.match(title[q.end :]) or _WINDOW_BEFORE.search(title[: q.start])
        ):
            continue
        if q.kind in (QKind.PERCENT, QKind.POINTS, QKind.MULTIPLE, QKind.MONEY):
            return True
        before = title[max(0, q.start - 14) : q.start]
        if q.kind in (QKind.PLAIN, QKind.COUNT, QKind.SCORE) and (
            q.value >= 10 or _TARGET_VERB_BEFORE.search(before)
        ):
            return True
        if q.kind is QKind.DURATION and (lx.CHANGE_RE.search(title) or lx.THRESHOLD_RE.search(title)):
            return True
    return False


def objective_is_vague(title: str) -> bool:
    """Nothing is left once the generic words ("提升", "做好", "工作", "improve", "performance") are gone."""
    zh_rest = lx.ZH_GENERIC_RE.sub("", title)
    cjk = len(CJK.findall(zh_rest))
    words = [w.lower().strip("'’-") for w in EN_WORD.findall(title)]
    content = [w for w in words if w and w not in lx.EN_GENERIC and w not in lx.EN_GENERIC_NOUNS]
    return cjk + 2 * len(content) <= 2
