"""The OKR ambassador's weekly org-wide digest, sent after each weekly review (thin adapter to
``okrflow.services.intake``; its notification's dedupe key makes a retry send nothing twice)."""

from __future__ import annotations

from temporalio import activity

from activities.steps import StoreActivities
from okrflow.services import intake
from okrflow.store import unit_of_work
from workflows.governance_messages import AmbassadorDigestResult, CycleStepInput


class AmbassadorActivities(StoreActivities):
    @activity.defn
    def send_ambassador_digest(self, input: CycleStepInput) -> AmbassadorDigestResult:
        """Missing check-ins by team, open consultations, change requests waiting, rules that fired most,
        open problems: to every ambassador of the org."""
        assert input.week is not None, "the digest is of a review week"
        with unit_of_work(self.sessions) as session:
            digest = intake.send_digest(session, input.org_id, input.cycle_id, input.week, at=input.at)
            ambassadors = len(intake.ambassadors(session, input.org_id)) if digest is not None else 0
        if digest is None:
            return AmbassadorDigestResult(
                ambassadors=0, missing_krs=0, open_consultations=0, waiting_changes=0, open_problems=0
            )
        return AmbassadorDigestResult(
            ambassadors=ambassadors,
            missing_krs=digest.missing_krs,
            open_consultations=len(digest.consultations),
            waiting_changes=len(digest.change_requests),
            open_problems=len(digest.problems),
        )
