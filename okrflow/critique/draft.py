"""The draft shape the assistant critiques (and the importer reads).

```yaml
cycle: 2026-Q1                # or {start: 2026-01-01, end: 2026-03-31}, or top-level start/end
objective: {title: "...", owner: 王磊, kind: aspirational}
key_results:
  - {title: "...", owner: 李娜, start: 12, target: 20, unit: "%", due: 2026-03-31}
```

Every field but the titles may be empty. Numbers may be written as text ("45%", "1.5万", "三成").
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from okrflow.domain.model import Direction, KRKind, Language, ObjectiveKind

from .numbers import QKind, parse_quantity

_KIND_ALIASES = {
    "committed": ObjectiveKind.COMMITTED,
    "commit": ObjectiveKind.COMMITTED,
    "承诺": ObjectiveKind.COMMITTED,
    "承诺型": ObjectiveKind.COMMITTED,
    "aspirational": ObjectiveKind.ASPIRATIONAL,
    "stretch": ObjectiveKind.ASPIRATIONAL,
    "moonshot": ObjectiveKind.ASPIRATIONAL,
    "ambitious": ObjectiveKind.ASPIRATIONAL,
    "挑战": ObjectiveKind.ASPIRATIONAL,
    "挑战型": ObjectiveKind.ASPIRATIONAL,
    "愿景型": ObjectiveKind.ASPIRATIONAL,
}


def _blank_to_none(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _owner(value: Any) -> Any:
    value = _blank_to_none(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else value


def _title(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        value = " ".join(value.split())
        if not value:
            raise ValueError("must not be empty")
    return value


# Titles are whitespace-normalised and owners trimmed (a blank owner is no owner) the same way everywhere.
Title = Annotated[str, Field(min_length=1, max_length=500), BeforeValidator(_title)]
Owner = Annotated[Annotated[str, Field(max_length=200)] | None, BeforeValidator(_owner)]


class DraftObjective(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    owner: Owner = None
    kind: ObjectiveKind | None = None
    description: Annotated[str, Field(max_length=4000)] | None = None

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> Any:
        value = _blank_to_none(value)
        if isinstance(value, str):
            key = value.strip().lower()
            if key not in _KIND_ALIASES:
                raise ValueError(f"unknown kind {value!r} (use committed or aspirational / 承诺型 or 挑战型)")
            return _KIND_ALIASES[key]
        return value


class DraftKeyResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    owner: Owner = None
    start: float | None = None
    target: float | None = None
    unit: Annotated[str, Field(max_length=40)] | None = None
    due: date | None = None
    kind: KRKind | None = None
    direction: Direction | None = None

    @field_validator("unit", "due", "kind", "direction", mode="before")
    @classmethod
    def _empty(cls, value: Any) -> Any:
        return _blank_to_none(value)

    @model_validator(mode="before")
    @classmethod
    def _numbers_as_text(cls, data: Any) -> Any:
        """Accept "45", "3%", "1.5万", "三成" in start and target; a unit there fills an empty unit."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for name in ("start", "target"):
            raw = _blank_to_none(data.get(name))
            if isinstance(raw, bool):
                raise ValueError(f"{name}: expected a number, got {raw!r}")
            if isinstance(raw, str):
                q = parse_quantity(raw)
                if q is None:
                    raise ValueError(f"{name}: {raw!r} is not a number")
                raw = q.value
                if not _blank_to_none(data.get("unit")) and q.kind in (QKind.PERCENT, QKind.POINTS):
                    data["unit"] = "%" if q.kind is QKind.PERCENT else "pp"
                elif not _blank_to_none(data.get("unit")) and q.unit and q.kind is not QKind.PLAIN:
                    data["unit"] = q.unit
            data[name] = raw
        return data


class DraftCycle(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(max_length=100)] | None = None
    start: date | None = None
    end: date | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, data: Any) -> Any:
        if isinstance(data, str | int):
            data = {"name": str(data)}
        if isinstance(data, dict):
            data = {k: _blank_to_none(v) for k, v in data.items()}
            name = data.get("name")
            if isinstance(name, str | int) and not (data.get("start") or data.get("end")):
                bounds = cycle_bounds(str(name))
                if bounds is not None:
                    data["start"], data["end"] = bounds
        return data

    @model_validator(mode="after")
    def _ordered(self) -> DraftCycle:
        if (self.start is None) != (self.end is None):
            raise ValueError("a cycle needs both start and end dates, or a name such as 2026-Q1")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError(f"end: {self.end} must be after start {self.start}")
        return self

    @property
    def bounded(self) -> bool:
        return self.start is not None and self.end is not None


class Draft(BaseModel):
    """One objective with its key results, as an employee drafts it."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(max_length=200)] | None = None
    lang: Language | None = None
    cycle: DraftCycle | None = None
    objective: DraftObjective
    key_results: Annotated[list[DraftKeyResult], Field(max_length=50)] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _top_level_dates(cls, data: Any) -> Any:
        """``start``/``end`` (or ``cycle_start``/``cycle_end``) next to the objective describe the cycle."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        start = data.pop("start", None) or data.pop("cycle_start", None)
        end = data.pop("end", None) or data.pop("cycle_end", None)
        if start is not None or end is not None:
            cycle = data.get("cycle")
            if isinstance(cycle, dict):
                cycle = {**cycle, "start": cycle.get("start") or start, "end": cycle.get("end") or end}
            else:
                cycle = {"name": cycle, "start": start, "end": end}
            data["cycle"] = cycle
        if isinstance(data.get("key_results"), type(None)):
            data["key_results"] = []
        if isinstance(data.get("id"), int):
            data["id"] = str(data["id"])
        return data

    def texts(self) -> list[str]:
        return [self.objective.title, *(kr.title for kr in self.key_results)]


# ---------------------------------------------------------------- cycle names

_CN_Q = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_QUARTER_NAME = re.compile(
    r"^(?:(?P<y1>\d{4})\s*(?:年\s*)?[-_/\s]?\s*(?:Q|q)(?P<q1>\d)|(?:Q|q)(?P<q2>\d)\s*[-_/\s]?\s*(?P<y2>\d{4})|"
    r"(?P<y3>\d{4})\s*年\s*(?:第\s*)?(?P<q3>[一二三四1-4])\s*季度?)$"
)
_HALF_NAME = re.compile(r"^(?P<y>\d{4})\s*(?:年\s*)?[-_/\s]?\s*(?:(?:H|h)(?P<h>\d)|(?P<zh>上半年|下半年))$")
_MONTH_NAME = re.compile(r"^(?P<y>\d{4})\s*[-/年]\s*(?P<m>\d{1,2})\s*月?$")
_YEAR_NAME = re.compile(r"^(?:FY\s?)?(?P<y>\d{4})\s*年?$")


def cycle_bounds(name: str) -> tuple[date, date] | None:
    """First and last day of a cycle named like 2026-Q1, Q1 2026, 2026年第一季度, 2026-H2, 2026-03 or 2026.

    Returns None for names it does not recognise (the cycle then has no dates).

    Raises:
        ValueError: a name in a recognised form with an impossible quarter, half or month (2026-Q5).
    """
    text = name.strip()
    if m := _QUARTER_NAME.match(text):
        year = int(m.group("y1") or m.group("y2") or m.group("y3"))
        raw = m.group("q1") or m.group("q2") or m.group("q3")
        q = _CN_Q.get(raw)
        if q is None:
            raise ValueError(f"{name!r}: a year has quarters 1 to 4")
        return _months(year, 3 * (q - 1) + 1, 3)
    if m := _HALF_NAME.match(text):
        year = int(m.group("y"))
        h = 1 if m.group("zh") == "上半年" else 2 if m.group("zh") else int(m.group("h"))
        if h not in (1, 2):
            raise ValueError(f"{name!r}: a year has halves 1 and 2")
        return _months(year, 1 if h == 1 else 7, 6)
    if m := _MONTH_NAME.match(text):
        month = int(m.group("m"))
        if not 1 <= month <= 12:
            raise ValueError(f"{name!r}: months run from 1 to 12")
        return _months(int(m.group("y")), month, 1)
    if m := _YEAR_NAME.match(text):
        return _months(int(m.group("y")), 1, 12)
    return None


def _months(year: int, first_month: int, count: int) -> tuple[date, date]:
    last_month = first_month + count - 1
    return date(year, first_month, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])
