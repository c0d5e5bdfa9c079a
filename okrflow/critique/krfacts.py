"""What the heuristic critic reads from one key result: its quantities and dates, whether it starts from a
baseline, moves a metric, stays within a bound, keeps a level, counts new things, is led by an activity or a
delivery verb, is dated, and which words say what it measures. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from . import lexicon as lx
from .draft import DraftKeyResult
from .numbers import QKind, Quantity, find_quantities, mask_non_quantities
from .timerefs import TimeRef, find_time_refs

CJK = re.compile(r"[\u4e00-\u9fff]")
_LEAD_NOISE = re.compile(
    r"^(?:[\s,，、;；:：.\-–—·•*()（）]|在|于|前|之前|以前|内|以内|期间|本季度|本月|本周|季度内|by\b|before\b|until\b|"
    r"in\b|on\b|during\b)+",
    re.IGNORECASE,
)
_BETWEEN_FROM_TO = re.compile(r"^[^\d]{0,30}?(?:\bto\b|到|至|为|→|->|—>|~|～)\s*$", re.IGNORECASE)
_FROM = re.compile(r"(?:从|由|\bfrom\b|\bgo(?:es|ing)?\s+from\b)[^\d]{0,12}$", re.IGNORECASE)
_BASELINE_ALONE = re.compile(
    r"去年|上季度|上一季度|上个月|同比|环比|较|相比|\blast\s+(?:year|quarter|month)\b|\bvs\.?\b|\bversus\b|"
    r"\bcompared\s+(?:to|with)\b|\bup\s+from\b|\bdown\s+from\b",
    re.IGNORECASE,
)
_FIRST_NUMBER = re.compile(r"[\d$¥￥€£]")
NEGATED = re.compile(r"[不未没]$")  # 不超过 is a threshold, not a change
EN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


@dataclass(slots=True)
class KRFacts:
    """What the heuristic critic reads from one key result."""

    index: int
    kr: DraftKeyResult
    text: str
    quantities: list[Quantity]
    time_refs: list[TimeRef]
    activity_lead: bool = False
    milestone_lead: bool = False
    acquire_lead: bool = False
    pass_lead: bool = False
    done_state: bool = False
    change_verb: bool = False  # 提升, reduce, reach... (不超过 is not one)
    change: bool = False  # a change verb, or "到 N" / "to N"
    threshold: bool = False
    maintain: bool = False
    baseline_in_text: bool = False
    new_count: bool = False
    dated: bool = False
    from_to: tuple[Quantity, Quantity] | None = None
    target_q: Quantity | None = None
    subject: set[str] = field(default_factory=set)

    @property
    def strong(self) -> list[Quantity]:
        return [q for q in self.quantities if not q.weak]

    @property
    def measures(self) -> list[Quantity]:
        """Quantities that can be a KR's target (not ranks, not qualifiers)."""
        return [q for q in self.strong if q.kind is not QKind.RANK]

    @property
    def field_target(self) -> bool:
        return self.kr.target is not None

    @property
    def outcome_phrase(self) -> bool:
        """Says how a result moves, where it must stay, or the level of a metric it must reach: the
        activity or delivery serves a measured result ("推出 2 款新品，首月销售额 500 万元")."""
        if self.from_to is not None or (self.measures and (self.change or self.threshold)):
            return True
        levels = [q for q in self.measures if q.kind in (QKind.PERCENT, QKind.MONEY, QKind.SCORE)]
        return bool(levels) and bool(lx.LEVEL_METRIC_RE.search(self.text))

    @property
    def led_by_delivery(self) -> bool:
        if self.milestone_lead:  # "Automate 80% of invoices" is coverage, a result
            return not any(q.kind is QKind.PERCENT for q in self.measures)
        if self.acquire_lead:
            return not self.measures  # "Sign the lease" is a milestone; "Sign 5 new customers" a result
        return False

    @property
    def measurable(self) -> bool:
        return self.field_target or bool(self.strong) or self.done_state or self.led_by_delivery

    @property
    def is_outcome(self) -> bool:
        """A measured result (not an activity or a delivery): makes a dated milestone next to it fine."""
        if self.activity_lead or self.led_by_delivery:
            return self.outcome_phrase
        return self.field_target or bool(self.measures)


def read_kr(index: int, kr: DraftKeyResult) -> KRFacts:
    text = kr.title
    masked = mask_non_quantities(text)
    quantities = find_quantities(text, masked=masked)
    refs = find_time_refs(text)
    f = KRFacts(index=index, kr=kr, text=text, quantities=quantities, time_refs=refs)

    lead = _lead(text, refs)
    leads = [(m.start(), -len(m.group()), name) for name, m in _lead_matches(lead) if m is not None]
    if leads and _names_a_metric(lead):
        leads = []  # "交付准时率 95%", "Release frequency from 1 to 4": the verb is part of a metric's name
    if leads:
        name = min(leads)[2]
        f.activity_lead = name == "activity"
        f.milestone_lead = name == "milestone"
        f.acquire_lead = name == "acquire"
        f.pass_lead = name == "pass"
    f.done_state = f.pass_lead or bool(lx.DONE_STATE_RE.search(text)) or _zh_verb_later(text, lead)

    f.change_verb = any(
        not NEGATED.search(text[max(0, m.start() - 1) : m.start()]) for m in lx.CHANGE_RE.finditer(text)
    )
    f.change = f.change_verb or any(
        lx.TO_TARGET_RE.search(text[max(0, q.start - 4) : q.start]) for q in f.strong
    )
    f.threshold = bool(lx.THRESHOLD_RE.search(text))
    f.maintain = bool(lx.MAINTAIN_RE.search(text))
    f.from_to = _from_to(text, f.strong)
    f.baseline_in_text = f.from_to is not None or _baseline_mentioned(text, f.strong)
    f.target_q = f.from_to[1] if f.from_to else (f.measures[-1] if f.measures else None)
    rate_like = bool(lx.RATE_NOUN_RE.search(text))
    counts = f.target_q is not None and f.target_q.kind in (QKind.COUNT, QKind.PLAIN, QKind.MONEY)
    f.new_count = counts and not rate_like and (bool(lx.NEW_RE.search(text)) or f.acquire_lead)
    f.dated = kr.due is not None or any(r.deadline for r in refs)
    f.subject = _subject(text, masked, quantities)
    return f


def _lead(text: str, refs: list[TimeRef]) -> str:
    """The text with leading dates and connectors removed: "9 月 15 日前通过审核" → "通过审核"."""
    chars = list(text)
    for r in refs:
        for i in range(r.start, r.end):
            chars[i] = " "
    return _LEAD_NOISE.sub("", "".join(chars))


def _lead_matches(lead: str) -> list[tuple[str, re.Match[str] | None]]:
    out: list[tuple[str, re.Match[str] | None]] = []
    kinds = (
        ("activity", lx.ACTIVITY_RE),
        ("milestone", lx.MILESTONE_RE),
        ("acquire", lx.ACQUIRE_RE),
        ("pass", lx.PASS_RE),
    )
    if m := lx.ZH_FOR_SOMEONE_RE.match(lead):
        out.append(("activity", m))
    for name, pattern in kinds:
        m = pattern.search(lead[:14])
        # English verbs lead at the first word; Chinese ones may follow an adverb or a collective subject
        # (全员完成, 每周输出, 累计拜访), not a noun (规划评审通过 is a state).
        if m and (
            m.start() == 0 or (CJK.match(m.group()) and lx.ZH_LEAD_PREFIX_RE.match(lead[: m.start()].strip()))
        ):
            out.append((name, m))
    return out


def _names_a_metric(lead: str) -> bool:
    """Whether the words before the first number, change or bound end in a metric noun."""
    cut = len(lead)
    for pattern in (_FIRST_NUMBER, lx.CHANGE_RE, lx.THRESHOLD_RE, lx.BASELINE_RE):
        m = pattern.search(lead)
        if m is not None:
            cut = min(cut, m.start())
    return bool(lx.METRIC_NOUN_END_RE.search(lead[:cut].rstrip(" ,，:：")))


def _zh_verb_later(text: str, lead: str) -> bool:
    """A Chinese delivery verb after the subject is a done-state: "日语站点于 5 月 31 日前正式上线"."""
    offset = len(text) - len(lead)
    return any(CJK.match(m.group()) and m.start() - offset > 2 for m in lx.ZH_VERB_ANYWHERE_RE.finditer(text))


def _from_to(text: str, qs: list[Quantity]) -> tuple[Quantity, Quantity] | None:
    for a, b in pairwise(qs):
        if a.kind is QKind.RANK or b.kind is QKind.RANK:
            continue
        between = text[a.end : b.start]
        if not _BETWEEN_FROM_TO.match(between):
            continue
        arrow = any(s in between for s in ("→", "->", "—>"))
        if arrow or _FROM.search(text[max(0, a.start - 16) : a.start]):
            return a, b
    return None


def _baseline_mentioned(text: str, qs: list[Quantity]) -> bool:
    if _BASELINE_ALONE.search(text):
        return True
    return any(m.end() <= q.start <= m.end() + 16 for m in lx.BASELINE_RE.finditer(text) for q in qs)


def _subject(text: str, masked: str, quantities: list[Quantity]) -> set[str]:
    """What a KR measures, as a set of tokens: Latin words and Chinese character bigrams."""
    chars = list(masked)
    for q in quantities:
        for i in range(q.start, q.end):
            chars[i] = " "
    body = "".join(chars)
    for pattern, canonical in lx.METRIC_SYNONYMS:
        body = pattern.sub(canonical, body)
    body = lx.ZH_SUBJECT_STOP_RE.sub(" ", body.lower())
    tokens: set[str] = set()
    for w in EN_WORD.findall(body):
        w = w.strip("'’-").removesuffix("'s").removesuffix("’s")
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        if w and w not in lx.EN_SUBJECT_STOP and len(w) > 1:
            tokens.add(w)
    for run in re.findall(r"[\u4e00-\u9fff]+", body):
        if len(run) == 1:
            tokens.add(run)
        tokens.update(run[i : i + 2] for i in range(len(run) - 1))
    return tokens
