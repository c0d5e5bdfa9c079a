"""Activities of close-out: the report when the cycle ends, and the archive at the end of close-out.

Thin adapters to ``okrflow.services.closeout``; each is keyed by its cycle event (``StoreActivities.once``),
so a retried step returns its first result and writes, closes and notifies nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session
from temporalio import activity

from activities.steps import StoreActivities, business_outcomes
from okrflow.services import closeout
from workflows.governance_messages import CloseoutResult, CycleStepInput


class CloseoutActivities(StoreActivities):
    @activity.defn
    def report_cycle_end(self, input: CycleStepInput) -> CloseoutResult:
        """The cycle ended: score it, store the report, ask every objective owner for a retrospective."""

        def run(session: Session) -> CloseoutResult:
            stored = closeout.report_at_end(session, input.org_id, input.cycle_id, at=input.at)
            return CloseoutResult(
                objectives=len(stored.report.objectives),
                key_results=len(stored.report.key_results),
                proposals=len(stored.carry_over),
                final=False,
            )

        return self._once(input, run)

    @activity.defn
    def archive_cycle(self, input: CycleStepInput) -> CloseoutResult:
        """The end of close-out: final report, carry-over proposals, objectives closed, everyone told."""

        def run(session: Session) -> CloseoutResult:
            stored, counts = closeout.archive(session, input.org_id, input.cycle_id, at=input.at)
            return CloseoutResult(
                objectives=len(stored.report.objectives),
                key_results=len(stored.report.key_results),
                proposals=len(stored.carry_over),
                final=True,
                **counts,
            )

        return self._once(input, run)

    def _once(self, input: CycleStepInput, run: Callable[[Session], CloseoutResult]) -> CloseoutResult:
        with business_outcomes():
            return self.once(
                f"closeout:{input.org_id}:{input.cycle_id}:{input.key}", run, CloseoutResult, at=input.at
            )
