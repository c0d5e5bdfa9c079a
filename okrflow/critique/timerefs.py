"""Dates and periods written in OKR text: "9 月 15 日前", "6 月底", "2026-03-31", "by June 15", "end of
March", "Q3", "第二季度", "下半年", "年底前", "by end of year", "next quarter", "明年", and times of day
("6am", "上午 10 点") that are not dates at all.

A reference without a year is resolved against the cycle it is read in (``TimeRef.span_in``); "next year" and
"next quarter" are relative to the cycle.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
    "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
_CN_SMALL = {
    "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
}  # fmt: skip


def _cn_small(text: str) -> int | None:
    """1..31 written in Chinese (十二, 二十五, 三十一) or digits."""
    if text.isdigit():
        return int(text)
    if text in _CN_SMALL:
        return _CN_SMALL[text]
    if text.startswith("十") and len(text) == 2 and text[1] in _CN_SMALL:
        return 10 + _CN_SMALL[text[1]]
    if len(text) in (2, 3) and text[0] in _CN_SMALL and text[1] == "十":
        tail = _CN_SMALL.get(text[2], 0) if len(text) == 3 else 0
        return _CN_SMALL[text[0]] * 10 + tail
    return None


Kind = Literal["day", "month", "quarter", "half", "year", "time_of_day"]


@dataclass(frozen=True, slots=True)
class TimeRef:
    start: int
    end: int
    kind: Kind
    year: int | None = None
    month: int | None = None  # for day and month; the first month for quarter and half
    day: int | None = None  # for day; for month refs "end of month" is day=-1 (the last day)
    months: int = 1  # length of a quarter (3), half (6) or year (12)
    baseline: bool = False  # preceded by "from", "since", "较": a reference point, not a deadline
    # A day, or a period written as when something is due ("by June", "Q3 前", "6 月上线").
    deadline: bool = False
    # Years after the cycle's ("next year", "明年": 1), or quarters after its end ("next quarter": 1).
    years_after: int | None = None
    quarters_after: int | None = None
    # "10 月 1 日前", "before October 1": the day itself is already too late.
    exclusive: bool = False

    def span_in(self, cycle_start: date, cycle_end: date) -> tuple[date, date] | None:
        """The calendar days this reference covers, its year taken from the cycle when not written.

        Returns None for times of day. Among the candidate years (the cycle's, and one either side), the one
        whose span touches the cycle wins; otherwise the cycle's own year.
        """
        if self.kind == "time_of_day" or (self.month is None and self.kind != "year"):
            return None
        if self.quarters_after is not None:
            # The three months after the cycle's last month (and on, for quarters_after > 1).
            first = _month_start(cycle_end, 3 * self.quarters_after - 2)
            last = _month_start(first, 2)
            return first, date(last.year, last.month, calendar.monthrange(last.year, last.month)[1])
        if self.years_after is not None:
            return self._span(cycle_start.year + self.years_after)
        years = [self.year] if self.year else sorted({cycle_start.year, cycle_end.year})
        if not self.year:
            years = [years[0] - 1, *years, years[-1] + 1]
        spans = [s for s in (self._span(y) for y in years) if s is not None]
        if not spans:
            return None
        for first, last in spans:
            if first <= cycle_end and last >= cycle_start:
                return first, last
        # Outside the cycle either way: read it in the cycle's own year, as people do.
        return self._span(self.year or cycle_start.year) or spans[0]

    def _span(self, year: int) -> tuple[date, date] | None:
        if self.kind == "year":
            return date(year, 1, 1), date(year, 12, 31)
        assert self.month is not None
        try:
            if self.kind == "day" and self.day is not None and self.day > 0:
                d = date(year, self.month, self.day)
                return d, d
            if self.kind == "day":  # end of month
                last = calendar.monthrange(year, self.month)[1]
                d = date(year, self.month, last)
                return d, d
            end_month = self.month + self.months - 1
            last = calendar.monthrange(year, end_month)[1]
            return date(year, self.month, 1), date(year, end_month, last)
        except ValueError:
            return None


_DEADLINE_BEFORE = re.compile(
    r"(?i)(?:\bby|\bin|\bbefore|\buntil|\btill|\bwithin|\bduring|\bthrough|\bend\s+of|\bno\s+later\s+than|\bdue|"
    r"在|于|截至|截止|到|至)\s*(?:the\s+)?$"
)
_DEADLINE_AFTER = re.compile(
    r"^\s*(?:前|之前|以前|底|末|内|以内|完成|上线|发布|交付|实现|达到|达成|落地|启动|开始|结束|截止|正式)"
)
_BEFORE_DAY = re.compile(r"(?i)\b(?:before|prior\s+to|ahead\s+of)\s*(?:the\s+)?$")
_BEFORE_DAY_AFTER = re.compile(r"^\s*(?:前|之前|以前)")
_BASELINE_BEFORE = re.compile(r"(?i)(?:\bfrom|\bsince|\bcompared\s+(?:to|with)|\bvs\.?|较|相比|比|自|从)\s*$")

_ISO_DATE = re.compile(r"(?<!\d)(?P<y>20\d{2})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)")
_ZH_DATE = re.compile(
    r"(?:(?P<y>20\d{2})\s*年\s*)?(?P<m>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])\s*月\s*"
    r"(?:(?P<d>3[01]|[12]\d|0?[1-9]|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])\s*[日号]"
    r"|(?P<pos>底|末|中旬|上旬|下旬|中|初|份))?"
    r"(?![活均度薪费租卡付报刊])"
)
_ZH_QUARTER = re.compile(
    r"(?:(?P<y>20\d{2})\s*年\s*(?:度\s*)?)?(?:第\s*(?P<q>[一二三四1-4])\s*季度|(?P<q2>[一二三四])季度)"
)
_Q_QUARTER = re.compile(
    r"(?i)(?:(?P<y1>20\d{2})\s*(?:年\s*)?[-\s]?)?(?<![A-Za-z\d])Q(?P<q>[1-4])(?![\d])(?:\s*[-\s]?(?P<y2>20\d{2}))?"
)
_HALF = re.compile(
    r"(?i)(?:(?P<y>20\d{2})\s*(?:年\s*)?[-\s]?)?(?:(?P<zh>上半年|下半年)|(?<![A-Za-z\d])H(?P<h>[12])(?![\d]))"
)
_ZH_YEAR = re.compile(r"(?<!\d)(?P<y>20\d{2})\s*年(?:度)?(?!\s*(?:第|[一二三四]季|Q|\d{1,2}\s*月|上半|下半))")
_EN_DATE = re.compile(
    r"\b(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?\s+(?P<d>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\b"
    r"(?:,?\s+(?P<y>20\d{2}))?"
)
_EN_DATE_DMY = re.compile(
    r"\b(?P<d>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>January|February|March|April|May|June|July|"
    r"August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b(?:,?\s+(?P<y>20\d{2}))?"
)
_EN_MONTH = re.compile(
    r"\b(?:(?P<pos>end|close|beginning|start|middle|mid|late|early)(?:\s+of)?[\s-]+|(?P<prep>by|in|before|until|till|"
    r"through|during)\s+(?:the\s+end\s+of\s+)?)?"
    r"(?P<mon>January|February|March|April|May|June|July|August|September|October|November|December)\b"
    r"(?:\s+(?P<y>20\d{2}))?"
)
_EN_YEAR = re.compile(r"(?i)\b(?:in|by|for|during|of|FY)\s*(?P<y>20\d{2})\b")
# The end or middle of a year, named rather than dated: "年底前", "by end of year", "year-end", "end of 2026",
# "年中". They are deadlines only when written as one ("by ...", "...前"): "year-end close" names a process.
_YEAR_POINT = re.compile(
    r"(?i)(?:(?P<y>20\d{2})\s*年?\s*|(?P<this>今年|本年度?)\s*)?(?P<zh>年底|年末|年终|岁末|年中)|"
    r"\b(?:(?:the\s+)?(?P<en>end|close|middle|mid)[\s-]+of[\s-]+(?:the[\s-]+)?(?:(?:this|fiscal|calendar)[\s-]+)?"
    r"(?:year|(?P<y2>20\d{2}))|(?P<en2>year[\s-]?end|mid[\s-]?year|EOY)|(?:(?P<y3>20\d{2})\s+)?(?P<en3>year[\s-]end))\b"
)
# Periods counted from the cycle: "next quarter", "下季度", "next year", "明年".
_NEXT = re.compile(r"(?i)\bnext\s+(?P<en>quarter|year)\b|(?P<zh>下个?季度|下一季度|明年|来年|下一年)")
_TIME_OF_DAY = re.compile(
    r"(?i)\b\d{1,2}(?::\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.)(?![A-Za-z])|\b\d{1,2}:\d{2}\b|\bnoon\b|\bmidnight\b|"
    r"(?:上午|下午|早上|早晨|晚上|凌晨|中午)\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[点时](?:\s*\d{1,2}\s*分)?|"
    r"(?<![\d.])\d{1,2}\s*点(?=前|之前|以前|后|之后|以后|钟)"
)


def _month_value(text: str) -> int | None:
    value = _cn_small(text.lstrip("0") or "0")
    return value if value is not None and 1 <= value <= 12 else None


def find_time_refs(text: str) -> list[TimeRef]:
    """Every date, period or time of day in ``text``, in order of appearance, without overlaps."""
    refs: list[TimeRef] = []
    taken = [False] * len(text)

    def add(m: re.Match[str], **kw: object) -> None:
        start, end = m.start(), m.end()
        while end > start and text[end - 1].isspace():
            end -= 1
        if any(taken[start:end]):
            return
        for i in range(start, end):
            taken[i] = True
        before = text[max(0, start - 16) : start]
        baseline = bool(_BASELINE_BEFORE.search(before))
        named = bool(kw.pop("named", False))  # a named point in time: due only when written as due
        deadline = (
            not baseline
            and kw["kind"] != "time_of_day"
            and (
                (kw["kind"] == "day" and not named)
                or bool(_DEADLINE_BEFORE.search(before))
                or bool(_DEADLINE_AFTER.match(text[end : end + 4]))
                or m.groupdict().get("prep") is not None
                or m.groupdict().get("pos") is not None
            )
        )
        exclusive = bool(_BEFORE_DAY.search(before) or _BEFORE_DAY_AFTER.match(text[end : end + 3]))
        refs.append(
            TimeRef(start, end, baseline=baseline, deadline=deadline, exclusive=exclusive, **kw)  # type: ignore[arg-type]
        )

    for m in _TIME_OF_DAY.finditer(text):
        add(m, kind="time_of_day")
    for m in _ISO_DATE.finditer(text):
        mon, day = int(m.group("m")), int(m.group("d"))
        if 1 <= mon <= 12 and 1 <= day <= 31:
            add(m, kind="day", year=int(m.group("y")), month=mon, day=day)
    for m in _ZH_QUARTER.finditer(text):
        q = _cn_small(m.group("q") or m.group("q2"))
        if q:
            add(m, kind="quarter", year=_year(m.group("y")), month=3 * (q - 1) + 1, months=3)
    for m in _Q_QUARTER.finditer(text):
        q = int(m.group("q"))
        add(m, kind="quarter", year=_year(m.group("y1") or m.group("y2")), month=3 * (q - 1) + 1, months=3)
    for m in _HALF.finditer(text):
        first = m.group("zh") == "上半年" or m.group("h") == "1"
        add(m, kind="half", year=_year(m.group("y")), month=1 if first else 7, months=6)
    for m in _ZH_DATE.finditer(text):
        mon = _month_value(m.group("m"))
        if mon is None:
            continue
        if m.group("d"):
            day = _cn_small(m.group("d").lstrip("0"))
            if day and 1 <= day <= 31:
                add(m, kind="day", year=_year(m.group("y")), month=mon, day=day)
        elif m.group("pos") in ("底", "末", "下旬"):
            add(m, kind="day", year=_year(m.group("y")), month=mon, day=-1)
        else:
            add(m, kind="month", year=_year(m.group("y")), month=mon)
    for pattern in (_EN_DATE, _EN_DATE_DMY):
        for m in pattern.finditer(text):
            mon = _MONTHS[m.group("mon").lower().rstrip(".")]
            add(m, kind="day", year=_year(m.group("y")), month=mon, day=int(m.group("d")))
    for m in _EN_MONTH.finditer(text):
        if m.group("mon") == "May" and not (m.group("pos") or m.group("prep") or m.group("y")):
            continue  # "May" alone is more often the verb
        mon = _MONTHS[m.group("mon").lower()]
        if m.group("pos") in ("end", "close", "late"):
            add(m, kind="day", year=_year(m.group("y")), month=mon, day=-1)
        else:
            add(m, kind="month", year=_year(m.group("y")), month=mon)
    for m in _YEAR_POINT.finditer(text):
        year = _year(m.group("y") or m.group("y2") or m.group("y3"))
        point = (m.group("zh") or m.group("en") or m.group("en2") or m.group("en3") or "").lower()
        if point in ("年中", "middle", "mid") or point.startswith("mid"):
            add(m, kind="day", year=year, month=6, day=30, named=True)
        else:
            add(m, kind="day", year=year, month=12, day=-1, named=True)
    for m in _NEXT.finditer(text):
        period = (m.group("en") or m.group("zh")).lower()
        if "季" in period or period == "quarter":
            add(m, kind="quarter", month=1, months=3, quarters_after=1, named=True)
        else:
            add(m, kind="year", month=1, months=12, years_after=1, named=True)
    for pattern in (_ZH_YEAR, _EN_YEAR):
        for m in pattern.finditer(text):
            add(m, kind="year", year=int(m.group("y")), month=1, months=12)
    refs.sort(key=lambda r: r.start)
    return _join_next_year(text, refs)


def _join_next_year(text: str, refs: list[TimeRef]) -> list[TimeRef]:
    """A date written with "next year" ("明年 3 月前", "in March next year") is in the next year."""
    out: list[TimeRef] = []
    for r in refs:
        prev = out[-1] if out else None
        if prev is not None and not text[prev.end : r.start].strip(" ,，的in"):
            year_ref, dated = (prev, r) if prev.years_after is not None else (r, prev)
            if (
                year_ref.years_after is not None
                and year_ref.kind == "year"
                and dated.year is None
                and dated.years_after is None
                and dated.quarters_after is None
                and dated.kind in ("day", "month", "quarter", "half")
            ):
                out[-1] = replace(
                    dated,
                    start=prev.start,
                    end=r.end,
                    years_after=year_ref.years_after,
                    deadline=dated.deadline or year_ref.deadline,
                )
                continue
        out.append(r)
    return out


def _year(text: str | None) -> int | None:
    return int(text) if text else None


def _month_start(day: date, months_later: int) -> date:
    """The first day of the month ``months_later`` months after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months_later
    return date(index // 12, index % 12 + 1, 1)
