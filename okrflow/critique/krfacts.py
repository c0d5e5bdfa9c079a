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
from .spelling import correct_spelling
from .timerefs import TimeRef, find_time_refs

CJK = re.compile(r"[\u4e00-\u9fff]")
_LEAD_NOISE = re.compile(
    r"^(?:[\s,，、;；:：.\-–—·•*()（）]|在|于|前|之前|以前|内|以内|期间|本季度|本月|本周|季度内|by\b|before\b|until\b|"
    r"in\b|on\b|during\b)+",
    re.IGNORECASE,
)
_BETWEEN_FROM_TO = re.compile(r"^[^\d]{0,30}?(?:\bto\b|到|至|为|→|->|—>|~|～)\s*$", re.IGNORECASE)
_FROM = re.compile(r"(?:从|由|\bfrom\b|\bgo(?:es|ing)?\s+from\b)[^\d]{0,12}$", re.IGNORECASE)
# A period or a comparison to compare with ("较去年", "vs last quarter"): a baseline only when the KR also
# says what the number was then. "同比增长 20%" is a relative change with no start.
_REFERENCE = re.compile(
    r"去年|上季度|上一季度|上个月|上月|同比|环比|较|相比|同期|\blast\s+(?:year|quarter|month)\b|\bvs\.?|"
    r"\bversus\b|\bcompared\s+(?:to|with)\b|\bprior\s+(?:year|quarter)\b",
    re.IGNORECASE,
)
# "+10 pts", "↑20%", "-15%": a signed number is a change.
_SIGN_BEFORE = re.compile(r"(?:[+＋↑↓⬆⬇]|(?:^|[\s(（:：,，])[-−])\s?$")
_ZH_PREFIX = re.compile(
    r"^(?:全员|全部|团队|每周|每月|每季度|每天|每日|每年|累计|共|总共|合计|至少|再|定期|按时|持续|首次|所有|各)"
)
_FIRST_NUMBER = re.compile(r"[\d$¥￥€£]")
NEGATED = re.compile(r"[不未没]$")  # 不超过 is a threshold, not a change
EN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_ACRONYM = re.compile(r"\b[A-Z]{2,5}s?\b")


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
    delivery_state: bool = False  # a delivery done ("portal live"), not a verdict ("approved")
    change_verb: bool = False  # 提升, reduce, reach... (不超过 is not one)
    change: bool = False  # a change verb, or "到 N" / "to N"
    threshold: bool = False
    # A threshold on the target itself, not a window in the metric's definition: "95% of tickets closed
    # within 24 hours" sets a level (95%) of the metric "closed within 24 hours", with no bound on it.
    bound: bool = False
    maintain: bool = False
    baseline_in_text: bool = False
    new_count: bool = False
    dated: bool = False
    from_to: tuple[Quantity, Quantity] | None = None
    target_q: Quantity | None = None
    subject: set[str] = field(default_factory=set)
    # Initialisms of runs of words, with the subject tokens they stand for: "mql" → {"marketing-qualified",
    # "lead"}, so that "MQLs" in another KR reads as the same thing.
    initials: dict[str, frozenset[str]] = field(default_factory=dict)
    acronyms: set[str] = field(default_factory=set)  # words written in capitals: "MQLs" → "mql"

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
    text = correct_spelling(kr.title)
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
    if _holds_an_event(text, lead):
        f.activity_lead, f.milestone_lead, f.acquire_lead, f.pass_lead = True, False, False, False
    f.dated = kr.due is not None or any(r.deadline for r in refs)
    f.delivery_state = not f.pass_lead and (
        bool(lx.DELIVERY_STATE_RE.search(text))
        or _zh_verb_later(text, lead, lx.ZH_MILESTONE_RE)
        or (f.dated and _dated_participle(text, lead))
    )
    f.done_state = (
        f.pass_lead
        or f.delivery_state
        or bool(lx.DONE_STATE_RE.search(text))
        or _zh_verb_later(text, lead, lx.ZH_VERB_ANYWHERE_RE)
    )

    f.change_verb = any(
        not NEGATED.search(text[max(0, m.start() - 1) : m.start()]) for m in lx.CHANGE_RE.finditer(text)
    )
    f.change = f.change_verb or any(
        lx.TO_TARGET_RE.search(text[max(0, q.start - 4) : q.start]) or _signed(text, q) for q in f.strong
    )
    # "Bookings twice last year's", "去年同期的两倍": a multiple of a past level is a change.
    f.change = f.change or (any(q.kind is QKind.MULTIPLE for q in f.strong) and bool(_REFERENCE.search(text)))
    f.threshold = bool(lx.THRESHOLD_RE.search(text))
    f.bound = f.threshold and not _only_windows(text, f.strong)
    f.maintain = bool(lx.MAINTAIN_RE.search(text))
    f.from_to = _from_to(text, f.strong)
    f.baseline_in_text = f.from_to is not None or _baseline_mentioned(text, f.strong)
    f.target_q = f.from_to[1] if f.from_to else _target(text, f.measures)
    rate_like = bool(lx.RATE_NOUN_RE.search(text))
    counts = f.target_q is not None and f.target_q.kind in (QKind.COUNT, QKind.PLAIN, QKind.MONEY)
    f.new_count = counts and not rate_like and (bool(lx.NEW_RE.search(text)) or f.acquire_lead)
    f.subject, f.initials = _subject(text, masked, quantities)
    f.acronyms = {_token(m.group()).lower() for m in _ACRONYM.finditer(text)} & f.subject
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


def _target(text: str, measures: list[Quantity]) -> Quantity | None:
    """The last quantity that is not a time window of a share: in "95% of calls answered within 20
    seconds" the target is 95%, and 20 seconds defines what is measured."""
    if not measures:
        return None
    if any(q.kind is QKind.PERCENT for q in measures):
        windows = list(lx.THRESHOLD_RE.finditer(text))
        targets = [q for q in measures if not any(_is_window(m, [q]) for m in windows)]
        if targets:
            return targets[-1]
    return measures[-1]


def _only_windows(text: str, qs: list[Quantity]) -> bool:
    """Whether every threshold word is a time window of a share ("95% of calls answered within 20
    seconds", "24 小时内关闭的工单占比 95%") rather than a bound on the target."""
    if not any(q.kind is QKind.PERCENT for q in qs):
        return False
    durations = [q for q in qs if q.kind is QKind.DURATION]
    return all(_is_window(m, durations) for m in lx.THRESHOLD_RE.finditer(text))


def _is_window(m: re.Match[str], durations: list[Quantity]) -> bool:
    word = m.group().strip().lower()
    if word == "within":  # "within 24 hours"
        return any(m.end() <= q.start <= m.end() + 2 for q in durations)
    if word.endswith("内"):  # "24 小时内" (the pattern takes the unit with it), "24 小时以内"
        return any(q.start <= m.start() <= q.end + 1 for q in durations)
    return False


def _signed(text: str, q: Quantity) -> bool:
    """Whether ``q`` is written with a sign or an arrow, as a change: "+10 pts", "↑20%", "-15%"."""
    first = text[q.start]
    if first in "+＋":
        return True
    if first in "-−":  # "-15%", but not the range "3-5 days"
        return q.start == 0 or text[q.start - 1] in " \t(（:：,，"
    return bool(_SIGN_BEFORE.search(text[max(0, q.start - 2) : q.start]))


def _zh_verb_later(text: str, lead: str, verbs: re.Pattern[str]) -> bool:
    """A Chinese delivery verb after the subject is a done-state: "日语站点于 5 月 31 日前正式上线"."""
    offset = len(text) - len(lead)
    # After a subject of two characters or more ("新仓投入使用"); a verb at the start leads the KR.
    return any(CJK.match(m.group()) and m.start() - offset >= 2 for m in verbs.finditer(text))


def _holds_an_event(text: str, lead: str) -> bool:
    """An event or a contact is what the KR does: "Make 400 cold calls", "Complete HACCP training",
    "每周开一次库存盘点会", "Community events held: 8"."""
    lead = _ZH_PREFIX.sub("", lead)
    return bool(lx.DO_EVENT_RE.search(lead) or lx.EVENT_DONE_RE.search(text))


def _dated_participle(text: str, lead: str) -> bool:
    """A thing, then what was done to it, then a date: "Old site handed back to the landlord by June 30"."""
    offset = len(text) - len(lead)
    for m in lx.PARTICIPLE_RE.finditer(text):
        if m.start() - offset < 2:  # the first word: a verb leading the KR, not a state
            continue
        if lx.CHANGE_RE.match(m.group()) or lx.METRIC_NOUN_END_RE.search(text[: m.start()].rstrip()):
            continue  # "improved", or "Tickets resolved": a metric moving, not a thing delivered
        return True
    return False


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
    """A number said to be where things stand: "（当前 11%）", "up 2pp from 7%", "vs 38 last quarter"."""
    measures = [q for q in qs if q.kind is not QKind.RANK]
    for m in lx.BASELINE_RE.finditer(text):
        near = [q for q in measures if m.end() <= q.start <= m.end() + 16]
        if not near:
            continue
        if not _REFERENCE.fullmatch(m.group()) or len(measures) >= 2:
            return True
    # "NPS 45 (38 last quarter)": a number, then the period it was measured in.
    return len(measures) >= 2 and any(
        q.end <= m.start() <= q.end + 4 for m in _REFERENCE.finditer(text) for q in measures
    )


def _token(word: str) -> str:
    w = word.strip("'’-").removesuffix("'s").removesuffix("’s")
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    return w


def _subject(
    text: str, masked: str, quantities: list[Quantity]
) -> tuple[set[str], dict[str, frozenset[str]]]:
    """What a KR measures, as a set of tokens (Latin words and Chinese character bigrams), and the
    initialisms its runs of words could be written as."""
    chars = list(masked)
    for q in quantities:
        for i in range(q.start, q.end):
            chars[i] = " "
    body = "".join(chars)
    for pattern, canonical in lx.METRIC_SYNONYMS:
        body = pattern.sub(canonical, body)
    body = lx.ZH_SUBJECT_STOP_RE.sub(" ", body.lower())
    tokens: set[str] = set()
    # (first letter, token) for every word part: "marketing-qualified" gives m and q, both for its token.
    parts: list[tuple[str, str]] = []
    for w in EN_WORD.findall(body):
        w = _token(w)
        if w and w not in lx.EN_SUBJECT_STOP and len(w) > 1:
            tokens.add(w)
            parts.extend((piece[0], w) for piece in w.split("-") if piece)
    initials: dict[str, frozenset[str]] = {}
    for size in (2, 3, 4):
        for i in range(len(parts) - size + 1):
            run = parts[i : i + size]
            initials.setdefault("".join(letter for letter, _ in run), frozenset(t for _, t in run))
    for run in re.findall(r"[\u4e00-\u9fff]+", body):
        if len(run) == 1:
            tokens.add(run)
        tokens.update(run[i : i + 2] for i in range(len(run) - 1))
    return tokens, initials
