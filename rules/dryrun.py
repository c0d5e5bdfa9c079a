"""Dry-run: what a draft rule set would flag in a snapshot, with the facts that made it true.

Pure and read-only: it loads and compiles the draft (raising ``InvalidRules`` like a
publish would), evaluates it over the snapshot and reports per rule; nothing is stored,
nobody is notified, no ladder moves.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from okrflow.domain.calendar import local_date, week_of
from okrflow.domain.model import Language, LocalText, Phase, RuleMode, Severity
from okrflow.domain.snapshot import CycleSnapshot
from rules.catalog import Scope
from rules.engine import CompiledRuleSet, EvaluationError, FlagHit, compile_rule_set, evaluate
from rules.load import check_file, load_rule_set
from rules.model import RuleSet

__all__ = ["DryRunReport", "RuleDryRun", "dry_run", "dry_run_compiled", "dry_run_file"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleDryRun(_Record):
    """One rule's outcome: applied this week or not, whom it would flag and where it failed."""

    rule_id: str
    scope: Scope
    severity: Severity
    mode: RuleMode
    description: LocalText
    applied: bool
    flagged: list[FlagHit]
    errors: list[EvaluationError]


class DryRunReport(_Record):
    source: str
    week: int
    phase: Phase | None
    as_of: datetime
    rules: list[RuleDryRun]

    @property
    def total_flags(self) -> int:
        return sum(len(r.flagged) for r in self.rules)

    @property
    def total_errors(self) -> int:
        return sum(len(r.errors) for r in self.rules)

    def to_text(self, lang: Language | str = Language.EN, *, limit: int = 20) -> str:
        """A plain-text report for the command line, in English or Chinese."""
        zh = str(lang) == Language.ZH
        phase = self.phase.value if self.phase else "-"
        head = (
            f"{self.source}：第 {self.week} 周（{phase}），截至 {self.as_of.isoformat()}；"
            f"将标记 {self.total_flags} 项，评估错误 {self.total_errors} 个"
            if zh
            else f"{self.source}: week {self.week} ({phase}) as of {self.as_of.isoformat()}; "
            f"would flag {self.total_flags}, {self.total_errors} evaluation error(s)"
        )
        lines = [head]
        for r in self.rules:
            mode = f" [{r.mode.value}]" if r.mode is RuleMode.MONITOR else ""
            if not r.applied:
                note = "本周不适用" if zh else "does not apply this week"
                lines.append(f"- {r.rule_id}{mode}: {note}")
                continue
            count = f"{len(r.flagged)} 项" if zh else f"{len(r.flagged)} flagged"
            lines.append(f"- {r.rule_id} ({r.severity.value}){mode}: {count} — {r.description.get(lang)}")
            for hit in r.flagged[:limit]:
                facts = ", ".join(f"{k}={_show(v)}" for k, v in hit.facts.items())
                lines.append(f"    {hit.subject_type.value} {hit.subject_id}: {facts}")
            if len(r.flagged) > limit:
                more = len(r.flagged) - limit
                lines.append(f"    …另有 {more} 项" if zh else f"    … and {more} more")
            for err in r.errors[:limit]:
                label = "错误" if zh else "error"
                lines.append(f"    {label} {err.subject_type.value} {err.subject_id}: {err.message}")
        return "\n".join(lines)


def _show(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _week(snapshot: CycleSnapshot) -> int:
    return max(1, week_of(snapshot.cycle, local_date(snapshot.cycle, snapshot.as_of)))


def dry_run_compiled(
    compiled: CompiledRuleSet,
    snapshot: CycleSnapshot,
    *,
    week: int | None = None,
    phase: Phase | None = None,
) -> DryRunReport:
    """Evaluate a compiled set over a snapshot and report per rule.

    Args:
        compiled: The draft, compiled.
        snapshot: Live (or generated) data as of some instant.
        week: The week to pretend it is; default the snapshot's week.
        phase: The phase to pretend it is; default the snapshot cycle's phase.
    """
    week = _week(snapshot) if week is None else week
    phase = snapshot.cycle.phase if phase is None else phase
    result = evaluate(compiled, snapshot, week=week, phase=phase)
    applied = set(result.evaluated_rules)
    rules = []
    for cr in compiled.rules:
        rule = cr.rule
        rules.append(
            RuleDryRun(
                rule_id=rule.id,
                scope=rule.scope,
                severity=rule.severity,
                mode=rule.mode,
                description=rule.description,
                applied=rule.id in applied,
                flagged=result.flags_for(rule.id),
                errors=[e for e in result.errors if e.rule_id == rule.id],
            )
        )
    return DryRunReport(
        source=compiled.rule_set.source, week=week, phase=phase, as_of=snapshot.as_of, rules=rules
    )


def dry_run(
    rule_set_source: str | RuleSet,
    snapshot: CycleSnapshot,
    *,
    source: str = "<draft>",
    week: int | None = None,
    phase: Phase | None = None,
) -> DryRunReport:
    """Which subjects each rule of a draft set would flag in ``snapshot``, writing nothing.

    Args:
        rule_set_source: The draft's YAML or JSON text (or an already parsed RuleSet).
        snapshot: The data to try it on.
        source: The draft's file name, for error messages.
        week: The week to pretend it is; default the snapshot's week.
        phase: The phase to pretend it is; default the snapshot cycle's phase.

    Raises:
        InvalidRules: If the draft does not load (the same errors a publish would give).
    """
    if isinstance(rule_set_source, RuleSet):
        compiled = compile_rule_set(rule_set_source)
    else:
        compiled = load_rule_set(rule_set_source, source=source)
    return dry_run_compiled(compiled, snapshot, week=week, phase=phase)


def dry_run_file(
    path: str | Path, snapshot: CycleSnapshot, *, week: int | None = None, phase: Phase | None = None
) -> DryRunReport:
    """``dry_run`` of a rule file (what ``okrflow rules dry-run FILE`` runs)."""
    return dry_run_compiled(check_file(path), snapshot, week=week, phase=phase)
