"""Carry-over proposals: next cycle's drafts for the work this cycle did not finish.

``propose_carry_over(report, snapshot)`` is pure. It proposes, per objective, a draft that
carries over

- every key result of a committed objective that scored below 1.0 (a promise not yet kept);
- every key result of an aspirational objective that is promising: it scored at least 0.4
  but below 0.7 (the aspirational yellow band, ``scoring.BANDS``). Stretch results at 0.7 or
  more are where they should be, and below 0.4 the goal needs rethinking, not repeating.

Committed key results that were met and binary ones that were done score 1.0 and are never
carried. The remaining gap becomes the new baseline → target: a metric KR starts from its
last value and keeps its original target; a binary KR is 0 → 1; a milestone KR starts from
the share of its plan done (in %) → 100 %. Open tasks that were not cut come along. The
draft is written in the objective owner's language and has the shape the drafting
assistant critiques (``to_draft_dict()``), so next cycle's drafts can be critiqued.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from okrflow.domain.errors import Problem, ValidationFailed
from okrflow.domain.model import (
    Cycle,
    Direction,
    KRKind,
    Language,
    LocalText,
    ObjectiveKind,
    TaskStatus,
)
from okrflow.domain.scoring import BANDS
from okrflow.domain.snapshot import CycleSnapshot
from okrflow.reports.cycle_report_model import CycleReport, KRScore, ObjectiveScore, free_text
from okrflow.reports.formatting import fmt_number, with_unit
from okrflow.reports.snapshot_lookups import OPEN_TASK, handle_or_id

__all__ = ["CarriedKeyResult", "CarriedTask", "CarryOverProposal", "next_cycle_bounds", "propose_carry_over"]

_DESCRIPTION_LIMIT = 4000  # what the draft shape accepts
# Aspirational key results worth another cycle: [yellow from, green from) of the aspirational bands.
PROMISING = (BANDS[ObjectiveKind.ASPIRATIONAL][1], BANDS[ObjectiveKind.ASPIRATIONAL][0])


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CarriedTask(_Record):
    task_id: str
    title: str
    owner_id: str
    owner: str  # handle
    status: TaskStatus
    milestone: bool
    estimate_hours: float | None


class CarriedKeyResult(_Record):
    source_kr_id: str
    title: str
    owner_id: str
    owner: str  # handle, what the draft shape names
    kind: KRKind
    direction: Direction
    start: float
    target: float
    unit: str
    due: date | None = None  # the old due date is in the old cycle: the owner sets a new one
    score: float  # this cycle's score
    reason: LocalText
    tasks: list[CarriedTask]


class CarryOverProposal(_Record):
    """One objective's draft for the next cycle, in its owner's language."""

    source_objective_id: str
    source_cycle_id: str
    cycle_name: str | None
    cycle_start: date
    cycle_end: date
    lang: Language
    title: str
    owner_id: str
    owner: str  # handle
    kind: ObjectiveKind
    score: float
    description: str  # in ``lang``: where it comes from, with the retrospective's carry-over notes
    key_results: list[CarriedKeyResult]

    @property
    def reasons(self) -> list[str]:
        """Why each key result is carried, in the proposal's language."""
        return [kr.reason.get(self.lang) for kr in self.key_results]

    def to_draft_dict(self) -> dict[str, Any]:
        """The draft the assistant critiques: ``cycle``, ``objective`` and ``key_results`` (JSON-safe)."""
        cycle: dict[str, Any] = {"start": self.cycle_start.isoformat(), "end": self.cycle_end.isoformat()}
        if self.cycle_name:
            cycle = {"name": self.cycle_name, **cycle}
        return {
            "id": f"carry-over:{self.source_cycle_id}:{self.source_objective_id}",
            "lang": self.lang.value,
            "cycle": cycle,
            "objective": {
                "title": self.title,
                "owner": self.owner,
                "kind": self.kind.value,
                "description": self.description,
            },
            "key_results": [
                {
                    "title": kr.title,
                    "owner": kr.owner,
                    "start": kr.start,
                    "target": kr.target,
                    "unit": kr.unit,
                    "due": kr.due.isoformat() if kr.due else None,
                    "kind": kr.kind.value,
                    "direction": kr.direction.value,
                }
                for kr in self.key_results
            ],
        }


# ---------------------------------------------------------------- the next cycle

_QUARTER = re.compile(r"^(?P<y>\d{4})(?P<sep>\s*-?\s*)(?P<q>[Qq])(?P<n>[1-4])$")


def _is_month_aligned(cycle: Cycle) -> bool:
    last = calendar.monthrange(cycle.end.year, cycle.end.month)[1]
    return cycle.start.day == 1 and cycle.end.day == last


def next_cycle_bounds(cycle: Cycle) -> tuple[str | None, date, date]:
    """The name and dates of the cycle after ``cycle``, when none is given.

    A cycle of whole months is followed by as many whole months (2026-01-01..03-31 →
    2026-04-01..06-30); any other by as many days. A name like ``2026-Q4`` becomes ``2027-Q1``;
    other names are not guessed (None).
    """
    start = cycle.end + timedelta(days=1)
    if _is_month_aligned(cycle):
        months = (cycle.end.year - cycle.start.year) * 12 + cycle.end.month - cycle.start.month + 1
        index = start.year * 12 + start.month - 1 + months - 1
        year, month = divmod(index, 12)
        end = date(year, month + 1, calendar.monthrange(year, month + 1)[1])
    else:
        end = start + (cycle.end - cycle.start)
    name = None
    if m := _QUARTER.match(cycle.name.strip()):
        year, quarter = int(m["y"]), int(m["n"]) + 1
        if quarter > 4:
            year, quarter = year + 1, 1
        name = f"{year}{m['sep']}{m['q']}{quarter}"
    return name, start, end


# ---------------------------------------------------------------- proposals

_KIND_PHRASE = {
    ObjectiveKind.COMMITTED: LocalText(
        en="Committed key result scored {score}, short of 1.0", zh="承诺型关键结果得分 {score}，未达到 1.0"
    ),
    ObjectiveKind.ASPIRATIONAL: LocalText(
        en="Aspirational key result scored {score} and is promising",
        zh="挑战型关键结果得分 {score}，有望达成",
    ),
}
_GAP_METRIC = LocalText(en="carry the remaining gap {start} → {target}", zh="延续剩余差距 {start} → {target}")
_GAP_BINARY = LocalText(en="not done yet", zh="尚未完成")
_GAP_MILESTONE = LocalText(en="{done}% of its plan done", zh="计划已完成 {done}%")
_TASKS = LocalText(en="{n} open tasks carried along", zh="{n} 个未完成任务一并延续")
_ORIGIN = LocalText(
    en="Carried over from {cycle} (objective scored {score}).",
    zh="延续自 {cycle}（目标得分 {score}）。",
)
_NOTES = LocalText(en="Retrospective notes: {notes}", zh="复盘备注：{notes}")


def _join(parts: list[LocalText], **fields: Any) -> LocalText:
    en = "; ".join(p.en.format(**fields) for p in parts)
    zh = "；".join(p.zh.format(**fields) for p in parts)
    return LocalText(en=en + ".", zh=zh + "。")


def _carried(kr: KRScore, kind: ObjectiveKind) -> bool:
    if kind is ObjectiveKind.COMMITTED:
        return kr.score < 1.0
    low, high = PROMISING
    return low <= kr.score < high


def _carry_kr(snapshot: CycleSnapshot, score: KRScore, kind: ObjectiveKind) -> CarriedKeyResult:
    kr = snapshot.key_results[score.kr_id]
    tasks = sorted(
        (t for t in snapshot.tasks_by_kr.get(kr.id, ()) if t.status in OPEN_TASK),  # accepted tasks only
        key=lambda t: (t.due is None, t.due or date.min, t.id),
    )
    unit = kr.unit
    if kr.kind is KRKind.BINARY:
        start, target, gap = 0.0, 1.0, _GAP_BINARY
    elif kr.kind is KRKind.MILESTONE:
        start, target, unit, gap = round(score.score * 100, 1), 100.0, "%", _GAP_MILESTONE
    else:
        last = score.value if score.value is not None else kr.start
        target = kr.target if kr.target is not None else 0.0
        start = last if last is not None else target
        gap = _GAP_METRIC
    parts = [_KIND_PHRASE[kind], gap]
    if tasks:
        parts.append(_TASKS)
    reason = _join(
        parts,
        score=f"{score.score:.2f}",
        start=with_unit(start, unit),
        target=with_unit(target, unit),
        done=fmt_number(start),
        n=len(tasks),
    )
    return CarriedKeyResult(
        source_kr_id=kr.id,
        title=kr.title,
        owner_id=score.owner_id,
        owner=handle_or_id(snapshot, score.owner_id),
        kind=kr.kind,
        direction=kr.direction,
        start=start,
        target=target,
        unit=unit,
        score=score.score,
        reason=reason,
        tasks=[
            CarriedTask(
                task_id=t.id,
                title=t.title,
                owner_id=t.owner_id,
                owner=handle_or_id(snapshot, t.owner_id),
                status=t.status,
                milestone=t.milestone,
                estimate_hours=t.estimate_hours,
            )
            for t in tasks
        ],
    )


def _description(report: CycleReport, objective: ObjectiveScore, lang: Language) -> str:
    text = _ORIGIN.get(lang).format(cycle=report.cycle_name, score=f"{objective.score:.2f}")
    retro = objective.retrospective
    notes = free_text(retro.carry_over, lang).strip() if retro is not None else ""
    if notes:
        text += "\n" + _NOTES.get(lang).format(notes=notes)
    return text[:_DESCRIPTION_LIMIT]


def propose_carry_over(
    report: CycleReport, snapshot: CycleSnapshot, *, next_cycle: Cycle | None = None
) -> list[CarryOverProposal]:
    """Propose next cycle's drafts for unfinished committed and promising aspirational key results.

    Args:
        report: The cycle's close-out report (``close_out``).
        snapshot: The same cycle (for key-result details, tasks and people).
        next_cycle: The cycle the drafts are for; None derives it (``next_cycle_bounds``).

    Returns:
        One proposal per objective with something to carry, in the report's objective order;
        identical for identical inputs.

    Raises:
        ValidationFailed: If the report is of another cycle than the snapshot.
    """
    if report.cycle_id != snapshot.cycle.id:
        raise ValidationFailed(
            [
                Problem(
                    ("report", "cycle_id"),
                    f"the report is of cycle {report.cycle_id!r} but the snapshot of {snapshot.cycle.id!r}",
                )
            ]
        )
    if next_cycle is not None:
        name, start, end = next_cycle.name, next_cycle.start, next_cycle.end
    else:
        name, start, end = next_cycle_bounds(snapshot.cycle)
    krs_of: dict[str, list[KRScore]] = {}
    for k in report.key_results:
        krs_of.setdefault(k.objective_id, []).append(k)
    proposals = []
    for objective in report.objectives:
        carried = [
            _carry_kr(snapshot, k, objective.kind)
            for k in krs_of.get(objective.objective_id, ())
            if k.kr_id in snapshot.key_results and _carried(k, objective.kind)
        ]
        if not carried:
            continue
        owner = snapshot.people.get(objective.owner_id)
        lang = owner.language if owner is not None else snapshot.org.language
        proposals.append(
            CarryOverProposal(
                source_objective_id=objective.objective_id,
                source_cycle_id=report.cycle_id,
                cycle_name=name,
                cycle_start=start,
                cycle_end=end,
                lang=lang,
                title=objective.title,
                owner_id=objective.owner_id,
                owner=handle_or_id(snapshot, objective.owner_id),
                kind=objective.kind,
                score=objective.score,
                description=_description(report, objective, lang),
                key_results=carried,
            )
        )
    return proposals
