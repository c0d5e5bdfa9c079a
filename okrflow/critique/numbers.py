"""Numbers and units in Chinese and English OKR text.

``find_quantities(text)`` returns every number a person would read as a quantity: ``45%``, ``3pp``,
``1.5万``, ``$12M``, ``三成`` (30%), ``百分之二十`` (20%), ``千分之三`` (0.3%), ``两倍`` (2x), ``翻一番``
(2x), ``十二分钟``, ``twelve``, ``a third``, ``by half``. Dates, times of day, version numbers, standards
(ISO 27001, SOC 2), identifiers (P99, v2, 5G), ratios such as 1:1 and idioms such as 一流 or 十分 are not
quantities: they are masked first (``mask_non_quantities``) so that offsets stay those of the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from .numerals import CN_NUMERAL, EN_NUMBER_WORDS, cn_to_number, en_to_number
from .timerefs import find_time_refs


def _words(text: str) -> list[str]:
    return text.split()


class QKind(StrEnum):
    PERCENT = "percent"  # 45%, 三成, 百分之二十
    POINTS = "points"  # 3pp, 3 个百分点, 4 points
    MULTIPLE = "multiple"  # 2x, 两倍, 翻一番, double
    MONEY = "money"  # 50 万元, $12M
    DURATION = "duration"  # 2 小时, 300ms, 5 days
    COUNT = "count"  # 6 家, 8 篇, 15 个
    SCORE = "score"  # 4.2 分, 4.6 stars
    RANK = "rank"  # 前三, Top 20, 第一
    PLAIN = "plain"  # 45, 8,000


@dataclass(frozen=True, slots=True)
class Quantity:
    value: float
    kind: QKind
    unit: str
    start: int
    end: int
    weak: bool = False  # "一个", "one", "第一": reads as an article or an ordinal more than as a number


# ---------------------------------------------------------------- masking

# Fixed expressions whose characters happen to be numerals.
_IDIOMS = _words(
    "一流 一站式 一体化 一致 一键 一线 一起 一直 一定 一切 "
    "一些 一点 一下 一般 一样 一旦 一方面 一系列 一次性 "
    "一如既往 一马当先 一目了然 一心一意 一手 一把手 一席之地 "
    "一眼 一步到位 一揽子 一盘棋 一张图 一张网 一本账 "
    "统一 唯一 万一 千万 万无一失 千家万户 万众一心 独一无二 "
    "十全十美 十分 三方 百花齐放 四面八方 五湖四海 七上八下 "
    "乱七八糟 三心二意 九九 百分百 万物 一起来 同一 之一 专一 合一 不一 第三方 三维 二维码 一对一 一对多 "
    "零售 零食 零件 零部件 零钱 零星 零散 零工 零基础 零距离 零门槛 零代码 零信任 零售商 千人千面 "
    "七日 一周 一季度 二季度 三季度 四季度 上半年 下半年"
)
_IDIOM_RE = re.compile("|".join(sorted(map(re.escape, _IDIOMS), key=len, reverse=True)))
# Idioms that are nevertheless quantities in context: keep these out of the mask.
_IDIOM_KEEP = {"七日", "一周", "百分百"}

_STANDARD_RE = re.compile(
    r"\b(?:ISO(?:/IEC)?|IEC|SOC|PCI(?:[\s-]DSS)?|GB/T|GB|RFC|HIPAA|iOS|Android|Windows|macOS|HTTP/?|TLS|SSL|IPv|"
    r"Python|Java|JDK|Node(?:\.js)?|Web|Wi-?Fi|Level|Tier|Type|Phase|Stage|Gen|Series|Version|Ver|Sprint|MDR|"
    r"Article|Section|Chapter)\s?-?\d[\d.]*\b"
)
# A number that names something rather than counts it: "line 3", "season 2", "ward #6", "No. 5", "3 号线",
# "二号楼", "12345 热线", "110 报警电话".
_LABEL_RE = re.compile(
    r"(?i)\b(?:line|season|episode|chapter|book|part|volume|vol\.|building|bldg|ward|gate|dock|bay|lane|aisle|"
    r"store|branch|plant|factory|warehouse|route|bus|flight|room|floor|suite|wing|block|zone|district|precinct|"
    r"station|terminal|pier|platform|grade|year|class|cohort|batch|wave|release|sprint|squad|pod|cell|"
    r"no\.)\s?#?\d+[A-Za-z]?\b(?!\s?(?:%|percent|pp|points?|x|times))|(?<!\w)#\d+\b|"
    r"(?<![\d.])\d+\s?(?=号(?!召)|(?:报警|服务|客服|投诉|举报|咨询|急救|求助)?(?:热线|专线|电话))"
)
_RATIO_RE = re.compile(r"\b\d+\s?[:/]\s?\d+\b(?!\s?%)")  # 1:1, 24/7, 9:00
_VERSION_RE = re.compile(r"\b\d+(?:\.\d+){2,}\b|\b\d+(?:\.\d+)?\s?(?=版本?|代|期工程)")  # 1.2.3, 2.0 版
# A number glued to letters on its left (P99, v2, FY26, H5, K8s, SOC2) is an identifier.
_LEFT_GLUED_RE = re.compile(r"(?<=[A-Za-z])\d+(?:\.\d+)?[A-Za-z]*")
# ... and on its right, unless the letters are a unit (5G, 3D are identifiers; 5k, 10x, 2pp, 300ms are not).
_UNIT_LETTERS = (
    "k|K|m|M|mn|bn|B|w|W|x|X|pp|pts?|ms|s|sec|secs|h|hr|hrs|min|mins|d|wk|wks|mo|yr|yrs|am|pm|st|nd|rd|th|"
    "kg|km|g|GB|MB|TB|gb|mb|tb|Mbps|fps|QPS|qps|TPS|tps|RPS|rps|USD|RMB|CNY|EUR"
)
_RIGHT_GLUED_RE = re.compile(rf"(?<![A-Za-z\d.])\d+(?:\.\d+)?(?!(?:{_UNIT_LETTERS})\b)(?=[A-Za-z])[A-Za-z]+")
# Shopping festivals are dates by name: 双十一, 双11, 618 大促.
_FESTIVAL_RE = re.compile(
    r"双\s?(?:十一|十二|11|12)|(?<!\d)(?:618|520|1111)(?=\s*(?:大促|购物节|年中大促|活动|期间|当天|节))"
)
_ZH_ORDINAL_RE = re.compile(rf"第\s?[\d{CN_NUMERAL}]+")
# 〇 between two numerals is a digit, between words it rarely appears; "几" makes a number vague (几个, 几十).
_VAGUE_CN_RE = re.compile(rf"[几数][{CN_NUMERAL}]*[个十百千万家次名位篇项条]|[{CN_NUMERAL}]几")


def mask_non_quantities(text: str) -> str:
    """``text`` with dates, identifiers, ratios and idioms blanked out (same length, same offsets)."""
    chars = list(text)

    def blank(start: int, end: int) -> None:
        for i in range(start, end):
            chars[i] = " "

    for ref in find_time_refs(text):
        blank(ref.start, ref.end)
    for pattern in (
        _STANDARD_RE,
        _LABEL_RE,
        _RATIO_RE,
        _VERSION_RE,
        _LEFT_GLUED_RE,
        _RIGHT_GLUED_RE,
        _VAGUE_CN_RE,
        _FESTIVAL_RE,
    ):
        for m in pattern.finditer(text):
            blank(m.start(), m.end())
    for m in _IDIOM_RE.finditer(text):
        before = text[m.start() - 1] if m.start() > 0 else ""
        after = text[m.end()] if m.end() < len(text) else ""
        # 二十分钟 and 三十分 contain 十分; 1.5万一年 contains 万一: numbers, not idioms.
        after_unit = bool(after) and after in "钟之"
        glued = (bool(before) and (before.isdigit() or before in CN_NUMERAL)) or after_unit
        if m.group() not in _IDIOM_KEEP and not glued:
            blank(m.start(), m.end())
    return "".join(chars)


# ---------------------------------------------------------------- scanning

_ZH_CLASSIFIERS = "个家名位人次篇场期项款条件台套单笔份所座支门节本张例起处批轮户辆种类部首集课班组票页字颗枚"
_DURATION_ZH = "毫秒|秒钟|秒|分钟|小时|个工作日|工作日|个自然日|自然日|天|日|周|个星期|星期|个月|年|季度"
_DURATION_EN = (
    r"ms|milliseconds?|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|business[\s-]days?|working[\s-]days?|"
    r"days?|d|weeks?|wks?|months?|mos?|years?|yrs?|quarters?|sprints?"
)
_MONEY_UNIT = (
    r"万元|亿元|千元|元|块钱|块|美元|美金|欧元|英镑|日元|人民币|USD|RMB|CNY|EUR|dollars?|euros?|bucks"
)
_PERCENT_UNIT = r"%|％|percent\b|per\s?cent\b"
_POINTS_UNIT = r"个百分点|百分点|pp\b|p\.p\.|percentage[\s-]points?\b|points?\b|pts?\b"
_MULTIPLE_UNIT = r"倍|x\b|X\b|×|times\b|fold\b"
_SCORE_UNIT = r"分(?![钟之])|stars?\b|星"

_ARABIC = re.compile(
    r"(?P<cur>US\$|\$|¥|￥|€|£|RMB\s?|USD\s?|CNY\s?)?"
    r"(?P<sign>[+-]|±)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:\s?(?P<mag>万亿|亿|万|千|百万|千万|k\b|K\b|M\b|mn\b|bn\b|B\b|w\b|W\b|[kKMBwW](?=\s?(?:[-+/]|per\b|元|$))))?"
    r"\s?-?(?P<unit>"
    rf"(?P<pct>{_PERCENT_UNIT})|(?P<pts>{_POINTS_UNIT})|(?P<mul>{_MULTIPLE_UNIT})|(?P<money>{_MONEY_UNIT})|"
    rf"(?P<dur>(?:{_DURATION_ZH})|(?:{_DURATION_EN})\b)|(?P<score>{_SCORE_UNIT})|(?P<cls>[{_ZH_CLASSIFIERS}])"
    r")?"
)
_CN = re.compile(
    rf"(?P<frac>百分之|千分之|万分之)?(?P<cn>[{CN_NUMERAL}]+(?:点[零〇一二三四五六七八九]+)?)"
    r"(?P<unit>"
    rf"(?P<cheng>成(?![为功果立熟本员长交效绩就]))|(?P<mul>倍)|(?P<money>{_MONEY_UNIT})|"
    rf"(?P<dur>{_DURATION_ZH})|(?P<score>{_SCORE_UNIT})|(?P<pts>个百分点|百分点)|(?P<cls>[{_ZH_CLASSIFIERS}]))?"
)
_EN_WORD_NUMBER = (
    r"(?:(?:a|one|two|three|four|five|six|seven|eight|nine)\s+(?:hundred|thousand|dozen)(?:\s+and)?\s+)?"
    r"(?:" + "|".join(sorted(EN_NUMBER_WORDS, key=len, reverse=True)) + r")"
    r"(?:[-\s](?:one|two|three|four|five|six|seven|eight|nine)(?![-\s]?(?:hundred|thousand)))?"
)
_EN_WORDS = re.compile(
    rf"(?i)\b(?P<word>{_EN_WORD_NUMBER}|a\s+dozen|a\s+hundred)\b"
    rf"(?:[\s-](?P<unit>(?P<pct>percent\b|per\s?cent\b)|(?P<pts>percentage[\s-]points?\b|points?\b)|"
    rf"(?P<mul>times\b|fold\b)|(?P<dur>(?:{_DURATION_EN})\b)))?"
)
_FRACTION = re.compile(
    r"(?i)\b(?:by|in|to)\s+(?P<frac>(?:a|one)\s+third|two\s+thirds|(?:a|one)\s+quarter|three\s+quarters|half|a\s+half)\b"
)
_EN_MULTIPLE_VERB = re.compile(
    r"(?i)\b(?P<verb>doubl(?:e|es|ed|ing)|tripl(?:e|es|ed|ing)|halv(?:e|es|ed|ing)|twice|thrice)\b"
)
_ZH_MULTIPLE = re.compile(r"翻(?P<n>[一两二三四])?番|翻倍|减半|(?:一|过)半|半数")
_ZH_ZERO = re.compile(
    r"(?:为|降为|降至|降到|归|清|保持)零|零(?:事故|故障|泄露|泄漏|缺陷|投诉|差错|宕机|漏洞|逾期|积压|延误|失误|重大|安全|客诉|丢失|违规)"
)
_RANK = re.compile(
    rf"(?i)\b(?:top|TOP)\s?-?(?P<n>\d+)\b|"
    rf"(?<![当目之以提此先从向眼年月日天周])前\s?(?P<zn>\d+|[{CN_NUMERAL}]+)(?=\s*(?:名|强|位|$|[，。,.;；、）)]))"
)

# English ordinals (9th grade, the 3rd shift) rank things; they are not amounts.
_EN_ORDINAL = re.compile(r"(?i)\b\d+(?:st|nd|rd|th)\b")

_FRACTION_VALUE = {"third": 100 / 3, "thirds": 200 / 3, "quarter": 25.0, "quarters": 75.0, "half": 50.0}
_EN_MAG = {"k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6, "mn": 1e6, "B": 1e9, "bn": 1e9, "w": 1e4, "W": 1e4}
_CN_MAG = {"万": 1e4, "亿": 1e8, "千": 1e3, "百万": 1e6, "千万": 1e7, "万亿": 1e12}


def _arabic_kind(m: re.Match[str]) -> tuple[QKind, str]:
    if m.group("pct"):
        return QKind.PERCENT, "%"
    if m.group("pts"):
        return QKind.POINTS, "pp"
    if m.group("mul"):
        return QKind.MULTIPLE, "x"
    if m.group("money") or m.group("cur"):
        return QKind.MONEY, (m.group("money") or m.group("cur") or "").strip()
    if m.group("dur"):
        return QKind.DURATION, _norm_duration(m.group("dur"))
    if m.group("score"):
        return QKind.SCORE, m.group("score")
    if m.group("cls"):
        return QKind.COUNT, m.group("cls")
    return QKind.PLAIN, ""


_DURATION_NORMAL = {
    "ms": "ms", "millisecond": "ms", "毫秒": "ms",
    "s": "s", "sec": "s", "second": "s", "秒": "s", "秒钟": "s",
    "min": "min", "minute": "min", "分钟": "min", "h": "h", "hr": "h", "hour": "h", "小时": "h",
    "d": "d", "day": "d", "天": "d", "日": "d", "自然日": "d", "个自然日": "d", "business day": "bd",
    "working day": "bd", "工作日": "bd", "个工作日": "bd", "week": "w", "wk": "w", "周": "w", "星期": "w",
    "个星期": "w", "month": "mo", "mo": "mo", "个月": "mo", "year": "y", "yr": "y", "年": "y",
    "quarter": "q", "季度": "q", "sprint": "sprint",
}  # fmt: skip

# Seconds per unit, so "3 天" and "4 小时" compare.
DURATION_SECONDS = {
    "ms": 0.001, "s": 1, "min": 60, "h": 3600, "d": 86400, "bd": 86400, "w": 604800, "mo": 2_592_000,
    "y": 31_536_000, "q": 7_776_000, "sprint": 1_209_600,
}  # fmt: skip


def _norm_duration(unit: str) -> str:
    if not unit.isascii():
        return _DURATION_NORMAL.get(unit, unit)
    u = re.sub(r"[\s-]+", " ", unit.lower())
    if u in _DURATION_NORMAL:
        return _DURATION_NORMAL[u]
    return _DURATION_NORMAL.get(u[:-1] if u.endswith("s") else u, u)


def find_quantities(text: str, *, masked: str | None = None) -> list[Quantity]:
    """Every quantity in ``text``, in order of appearance.

    Args:
        text: the original text (offsets refer to it).
        masked: ``mask_non_quantities(text)`` if the caller already has it.
    """
    m_text = masked if masked is not None else mask_non_quantities(text)
    found: list[Quantity] = []
    taken = [False] * len(m_text)

    def add(q: Quantity) -> None:
        if any(taken[q.start : q.end]):
            return
        for i in range(q.start, q.end):
            taken[i] = True
        found.append(q)

    for m in _RANK.finditer(m_text):
        raw = m.group("n") or m.group("zn") or ""
        value = float(raw) if raw.isdigit() else cn_to_number(raw)
        if value is not None:
            add(Quantity(value, QKind.RANK, "rank", m.start(), m.end()))
    for pattern in (_ZH_ORDINAL_RE, _EN_ORDINAL):
        for m in pattern.finditer(m_text):
            add(Quantity(1.0, QKind.RANK, "ordinal", m.start(), m.end(), weak=True))
    for m in _ZH_ZERO.finditer(m_text):
        add(Quantity(0.0, QKind.PLAIN, "", m.start(), m.end()))
    for m in _ZH_MULTIPLE.finditer(m_text):
        g = m.group()
        if g in ("减半", "一半", "过半", "半数"):
            add(Quantity(50.0, QKind.PERCENT, "%", m.start(), m.end()))
        else:
            n = cn_to_number(m.group("n") or "一") or 1.0
            add(Quantity(2.0**n if "番" in g else 2.0, QKind.MULTIPLE, "x", m.start(), m.end()))
    for m in _FRACTION.finditer(m_text):
        frac = m.group("frac").lower().split()
        value = _FRACTION_VALUE[frac[-1]] * (2 if frac[0] == "two" and frac[-1] == "third" else 1)
        add(Quantity(value, QKind.PERCENT, "%", m.start("frac"), m.end("frac")))
    for m in _EN_MULTIPLE_VERB.finditer(m_text):
        verb = m.group("verb").lower()
        value = (
            2.0
            if verb.startswith(("doubl", "twice"))
            else 3.0
            if verb.startswith(("tripl", "thrice"))
            else 0.5
        )
        add(Quantity(value, QKind.MULTIPLE, "x", m.start(), m.end()))
    for m in _ARABIC.finditer(m_text):
        try:
            value = float(m.group("num").replace(",", ""))
        except ValueError:  # pragma: no cover - the pattern only matches numbers
            continue
        mag = m.group("mag")
        if mag:
            value *= _CN_MAG.get(mag, _EN_MAG.get(mag.strip(), 1.0))
        if m.group("sign") == "-":
            value = -value
        kind, unit = _arabic_kind(m)
        if kind is QKind.MONEY and mag in _CN_MAG and m.group("money") not in ("万元", "亿元", "千元"):
            unit = mag + (m.group("money") or "")
        end = m.end("unit") if m.group("unit") else m.end("mag") if mag else m.end("num")
        # "30-day retention", "a 2-hour window": a qualifier of the thing measured, not a measure.
        qualifier = kind is QKind.DURATION and "-" in m_text[m.end("num") : m.start("unit")]
        add(Quantity(value, kind, unit, m.start(), end, weak=qualifier))
    for m in _CN.finditer(m_text):
        q = _chinese_quantity(m, m_text)
        if q is not None:
            add(q)
    for m in _EN_WORDS.finditer(m_text):
        value = en_to_number(m.group("word"))
        if value is None:
            continue
        if m.group("pct"):
            kind, unit = QKind.PERCENT, "%"
        elif m.group("pts"):
            kind, unit = QKind.POINTS, "pp"
        elif m.group("mul"):
            kind, unit = QKind.MULTIPLE, "x"
        elif m.group("dur"):
            kind, unit = QKind.DURATION, _norm_duration(m.group("dur"))
        else:
            kind, unit = QKind.PLAIN, ""
        weak = value == 1 and kind in (QKind.PLAIN, QKind.COUNT)
        end = m.end("unit") if m.group("unit") else m.end("word")
        add(Quantity(value, kind, unit, m.start(), end, weak=weak))
    found.sort(key=lambda q: q.start)
    return found


def _chinese_quantity(m: re.Match[str], text: str) -> Quantity | None:
    numeral = m.group("cn")
    value = cn_to_number(numeral)
    if value is None:
        return None
    start, end = m.start(), m.end()
    frac = m.group("frac")
    if frac:
        scale = {"百分之": 1.0, "千分之": 0.1, "万分之": 0.01}[frac]
        return Quantity(value * scale, QKind.PERCENT, "%", start, end)
    if m.group("cheng"):
        return Quantity(value * 10, QKind.PERCENT, "%", start, end)
    if m.group("mul"):
        return Quantity(value, QKind.MULTIPLE, "x", start, end)
    if m.group("pts"):
        return Quantity(value, QKind.POINTS, "pp", start, end)
    if m.group("money"):
        return Quantity(value, QKind.MONEY, m.group("money"), start, end)
    if m.group("dur"):
        return Quantity(value, QKind.DURATION, _norm_duration(m.group("dur")), start, end)
    if m.group("score"):
        return Quantity(value, QKind.SCORE, m.group("score"), start, end)
    if m.group("cls"):
        # "一个平台", "一套流程": an article, not a count.
        return Quantity(value, QKind.COUNT, m.group("cls"), start, end, weak=value == 1)
    has_magnitude = any(c in "十百千万亿" for c in numeral)
    before = text[max(0, start - 3) : start]
    if (has_magnitude and len(numeral) >= 2) or re.search(r"(?:从|到|至|为|达|由|超过|突破)\s*$", before):
        return Quantity(value, QKind.PLAIN, "", start, end, weak=value == 1)
    return None


def parse_quantity(text: str) -> Quantity | None:
    """The one quantity a field holds ("45", "3%", "1.5万", "三成"), or None when it holds none."""
    found = find_quantities(text.strip())
    return found[0] if len(found) == 1 else None


def comparable_value(q: Quantity) -> float:
    """The value in a common scale for its kind (durations in seconds), for ratios between two quantities."""
    if q.kind is QKind.DURATION:
        return q.value * DURATION_SECONDS.get(q.unit, 1.0)
    return q.value
