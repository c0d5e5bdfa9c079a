"""Activities of close-out: the report when the cycle ends, and the archive at the end of close-out.

Thin adapters to ``okrflow.services.closeout``; each is keyed by its cycle event (``run_once``), so a
retried step returns its first result and writes, closes and notifies nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.cycle import business_error
from okrflow.domain.errors import OKRFlowError
from okrflow.services import closeout
from okrflow.store import ActivityKeyStore, unit_of_work
from workflows.governance_messages import CloseoutResult, CycleStepInput


class CloseoutActivities:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.sessions = session_factory

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
        key = f"closeout:{input.org_id}:{input.cycle_id}:{input.key}"
        try:
            with unit_of_work(self.sessions) as session:
                done = ActivityKeyStore(session).run_once(key, lambda: run(session), at=input.at)
        except OKRFlowError as exc:
            raise business_error(exc) from exc
        return CloseoutResult.model_validate(done)
