"""Escalation ladders: a rule that keeps holding for a subject climbs its rungs week after week.

Pure: the previous state of each (rule, subject) ladder and this week's evaluation in, the
new states and the rungs to fire now out. The store keeps the states (as ``Escalation``
rows, same field names) and the weekly review workflow notifies each fired rung's target.

- A rung fires once the rule has held for ``after_weeks + grace_weeks`` consecutive
  reviews. During its grace weeks it is *pending*: announced, so the owner can act, but
  not fired. Rungs fire in order, each once per streak; several due at once all fire.
- When the rule no longer holds the ladder is resolved and the streak starts again from
  zero the next time it holds (then every rung can fire again).
- An evaluation error for the (rule, subject) leaves the ladder as it was: unknown is
  neither "still bad" nor "recovered".
- A rule that did not apply this week (``applies_in``), was removed, or runs in monitor
  mode resolves its open ladders; monitor-mode hits never start one.
- Advancing twice in the same week changes nothing and fires nothing, so a retried
  activity cannot notify twice (persist the states and the notifications together).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from okrflow.domain.model import Escalation, EscalationStatus, LocalText, RuleMode, Severity, SubjectType
from rules.engine import CompiledRuleSet, EvaluationResult, FlagHit
from rules.model import Rule

__all__ = ["FiredRung", "LadderAdvance", "LadderState", "PendingRung", "advance_ladders", "climb"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LadderState(_Record):
    """Where one (rule, subject) ladder stands; the fields of ``okrflow.domain.model.Escalation``."""

    rule_id: str
    subject_type: SubjectType
    subject_id: str
    streak: Annotated[int, Field(ge=0)] = 0  # consecutive reviews the rule held
    rung: int = -1  # index of the highest rung fired in this streak; -1 before the first
    status: EscalationStatus = EscalationStatus.OPEN
    opened_week: int
    updated_week: int

    @property
    def key(self) -> tuple[str, str]:
        return (self.rule_id, self.subject_id)

    @classmethod
    def from_escalation(cls, e: Escalation) -> LadderState:
        return cls(
            rule_id=e.rule_id,
            subject_type=e.subject_type,
            subject_id=e.subject_id,
            streak=e.streak,
            rung=e.rung,
            status=e.status,
            opened_week=e.opened_week,
            updated_week=e.updated_week,
        )


class FiredRung(_Record):
    """A rung that fires now: notify ``target`` (owner, manager, ambassador, consultation,
    ``person:<id or handle>`` or ``role:<role>``) about ``subject``."""

    rule_id: str
    rule_version: int
    subject_type: SubjectType
    subject_id: str
    rung_index: int
    target: str
    streak: int
    week: int
    severity: Severity
    message: LocalText
    facts: dict[str, object] = Field(default_factory=dict)


class PendingRung(_Record):
    """A rung in its grace period: it fires in ``fires_in_weeks`` more weeks unless the rule clears."""

    rule_id: str
    subject_type: SubjectType
    subject_id: str
    rung_index: int
    target: str
    streak: int
    fires_in_weeks: int


class LadderAdvance(_Record):
    """The outcome of one week: every changed or kept state, what fires, what is pending, what recovered."""

    states: list[LadderState]
    fired: list[FiredRung]
    pending: list[PendingRung]
    resolved: list[LadderState]


def _resolve(state: LadderState, week: int) -> LadderState:
    return state.model_copy(update={"status": EscalationStatus.RESOLVED, "streak": 0, "updated_week": week})


def climb(
    state: LadderState | None,
    rule: Rule,
    *,
    held: bool | None,
    week: int,
    subject_type: SubjectType,
    subject_id: str,
) -> tuple[LadderState | None, list[int], list[tuple[int, int]]]:
    """Advance one ladder by one review.

    Args:
        state: The ladder's previous state, or None if it never started.
        rule: The rule, for its rungs.
        held: True if the rule held this week, False if it did not (or no longer applies),
            None if it could not be decided (an evaluation error).
        week: This review's week.
        subject_type: The subject's type (for a new state).
        subject_id: The subject's id (for a new state).

    Returns:
        (new state or None, indices of rungs firing now, [(pending rung index, weeks until it fires)]).
    """
    if state is not None and state.updated_week == week:
        return state, [], []
    is_open = state is not None and state.status is EscalationStatus.OPEN
    if held is None:
        if state is None:
            return None, [], []
        return state.model_copy(update={"updated_week": week}), [], []
    if not held:
        if not is_open:
            return state, [], []
        assert state is not None
        return _resolve(state, week), [], []
    if is_open:
        assert state is not None
        streak, fired_up_to, opened = state.streak + 1, state.rung, state.opened_week
    else:
        streak, fired_up_to, opened = 1, -1, week
    fire: list[int] = []
    pending: list[tuple[int, int]] = []
    for i, rung in enumerate(rule.escalation):
        if i <= fired_up_to:
            continue
        if rung.fires_at <= streak:
            fire.append(i)
        elif rung.after_weeks <= streak:
            pending.append((i, rung.fires_at - streak))
    new = LadderState(
        rule_id=rule.id,
        subject_type=subject_type,
        subject_id=subject_id,
        streak=streak,
        rung=fire[-1] if fire else fired_up_to,
        status=EscalationStatus.OPEN,
        opened_week=opened,
        updated_week=week,
    )
    return new, fire, pending


def advance_ladders(
    prev_states: Iterable[LadderState],
    result: EvaluationResult,
    compiled: CompiledRuleSet,
    *,
    week: int,
) -> LadderAdvance:
    """Advance every ladder by this week's evaluation.

    Args:
        prev_states: The ladders as they stood after the last review (resolved ones may be left out).
        result: This week's ``evaluate`` result.
        compiled: The rule set that produced it, for the rungs.
        week: This review's week.

    Returns:
        The new state of every ladder that exists (open or just resolved; resolved ones that
        stay resolved are returned unchanged), the rungs that fire now (in rule, then
        subject, then rung order), pending rungs, and the ladders that recovered this week.
    """
    rules = {cr.id: cr.rule for cr in compiled.rules}
    evaluated = set(result.evaluated_rules)
    hits: dict[tuple[str, str], FlagHit] = {
        (h.rule_id, h.subject_id): h for h in result.flags if h.mode is RuleMode.ACTIVE
    }
    unknown = {(e.rule_id, e.subject_id) for e in result.errors}
    prev = {s.key: s for s in prev_states}
    order = {cr.id: i for i, cr in enumerate(compiled.rules)}

    states: list[LadderState] = []
    fired: list[FiredRung] = []
    pending: list[PendingRung] = []
    resolved: list[LadderState] = []

    for key in sorted(prev.keys() | hits.keys(), key=lambda k: (order.get(k[0], len(order)), k[0], k[1])):
        old = prev.get(key)
        rule = rules.get(key[0])
        hit = hits.get(key)
        subject_type = hit.subject_type if hit is not None else old.subject_type  # type: ignore[union-attr]
        if rule is None or rule.mode is RuleMode.MONITOR or key[0] not in evaluated:
            held: bool | None = False
        elif hit is not None:
            held = True
        else:
            held = None if key in unknown else False
        if rule is None:  # a rule removed from the set: close its ladders
            if old is not None and old.status is EscalationStatus.OPEN and old.updated_week != week:
                old = _resolve(old, week)
                resolved.append(old)
            if old is not None:
                states.append(old)
            continue
        new, fire, wait = climb(old, rule, held=held, week=week, subject_type=subject_type, subject_id=key[1])
        if new is None:
            continue
        states.append(new)
        if (
            old is not None
            and old.status is EscalationStatus.OPEN
            and new.status is EscalationStatus.RESOLVED
        ):
            resolved.append(new)
        for i in fire:
            assert hit is not None
            fired.append(
                FiredRung(
                    rule_id=rule.id,
                    rule_version=hit.rule_version,
                    subject_type=subject_type,
                    subject_id=key[1],
                    rung_index=i,
                    target=rule.escalation[i].target,
                    streak=new.streak,
                    week=week,
                    severity=rule.severity,
                    message=hit.message,
                    facts=dict(hit.facts),
                )
            )
        for i, weeks_left in wait:
            pending.append(
                PendingRung(
                    rule_id=rule.id,
                    subject_type=subject_type,
                    subject_id=key[1],
                    rung_index=i,
                    target=rule.escalation[i].target,
                    streak=new.streak,
                    fires_in_weeks=weeks_left,
                )
            )
    return LadderAdvance(states=states, fired=fired, pending=pending, resolved=resolved)
