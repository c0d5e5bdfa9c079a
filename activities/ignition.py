"""Activities at the end of decomposition ("ignition"): the ignition check, then the plan's baseline.

The ignition check evaluates the rules that apply only in the decomposition weeks once more at their
end, stores what they flag and tells each owner about their plan's findings; it is keyed per cycle
(``StoreActivities.once``). The accepted plan then becomes the baseline that churn is measured against.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.orm import Session
from temporalio import activity

from activities.notices import notice
from activities.review_batch import compiled_rules, stored_flags
from activities.review_digests import owners_of
from activities.steps import StoreActivities
from okrflow.domain.model import Flag, LocalText, Phase, RuleMode, SubjectType
from okrflow.store import FlagStore, NotificationStore, RuleSetStore, TaskStore, unit_of_work
from okrflow.store.snapshot import load_snapshot
from rules.engine import evaluate_facts
from rules.facts import compute_facts
from rules.model import AppliesIn
from workflows.messages import IgnitionInput, IgnitionResult


class IgnitionActivities(StoreActivities):
    @activity.defn
    def ignition_check(self, input: IgnitionInput) -> IgnitionResult:
        """Evaluate the rules of the decomposition weeks once more at their end, and tell the KR owners."""
        key = f"ignition:{input.org_id}:{input.cycle_id}"
        return self.once(key, lambda session: _ignition(session, input), IgnitionResult, at=input.at)

    @activity.defn
    def fix_baseline(self, input: IgnitionInput) -> IgnitionResult:
        """The accepted plan at the end of decomposition becomes the baseline churn is measured against."""
        with unit_of_work(self.sessions) as session:
            count = TaskStore(session).fix_baseline(input.org_id, input.cycle_id, at=input.at)
        return IgnitionResult(flagged_krs=[], baseline_tasks=count)


def _ignition(session: Session, input: IgnitionInput) -> IgnitionResult:
    active = RuleSetStore(session).get_active(input.org_id)
    compiled = compiled_rules(session, input.org_id, active.version if active else None)
    snapshot = load_snapshot(session, input.cycle_id, as_of=input.at, org_id=input.org_id)
    phase = Phase.DECOMPOSITION
    ignition_rules = {r.id for r in compiled.rules if _only_decomposition(r.rule.applies_in, input.week)}
    table = compute_facts(
        snapshot,
        week=input.week,
        now=input.at,
        scopes={r.rule.scope for r in compiled.rules if r.id in ignition_rules},
        only=compiled.facts_read(week=input.week, phase=phase),
    )
    result = evaluate_facts(
        compiled,
        table.rows,
        week=input.week,
        phase=phase,
        now=input.at,
        weeks_in_cycle=table.weeks_in_cycle,
    )
    flags = stored_flags(
        [h for h in result.flags if h.rule_id in ignition_rules and h.mode is RuleMode.ACTIVE],
        org_id=input.org_id,
        cycle_id=input.cycle_id,
        week=input.week,
        at=input.at,
    )
    FlagStore(session).add_many(flags)
    per_owner: dict[str, list[Flag]] = defaultdict(list)
    for f in flags:
        for pid in owners_of(snapshot, f.subject_type, f.subject_id):
            per_owner[pid].append(f)
    NotificationStore(session).enqueue_many(
        [
            notice(
                org_id=input.org_id,
                recipient_id=pid,
                kind="ignition_check",
                at=input.at,
                key=f"ignition:{input.cycle_id}",
                title=LocalText(
                    en=f"Ignition check: {len(items)} finding(s) on your plan",
                    zh=f"启动检查：你的计划有 {len(items)} 个问题",
                ),
                body=LocalText(
                    en="\n".join(f.message.en for f in items[:10]),
                    zh="\n".join(f.message.zh for f in items[:10]),
                ),
                payload={"flags": [f.id for f in items]},
            )
            for pid, items in sorted(per_owner.items())
        ]
    )
    krs = sorted({f.subject_id for f in flags if f.subject_type is SubjectType.KEY_RESULT})
    return IgnitionResult(flagged_krs=krs, baseline_tasks=0)


def _only_decomposition(applies_in: AppliesIn, week: int) -> bool:
    """An ignition rule: it applies in the last decomposition week and no longer after it."""
    return applies_in.admits(week=week, phase=Phase.DECOMPOSITION) and not applies_in.admits(
        week=week + 1, phase=Phase.EXECUTION
    )
