"""Activities of the consultation (会商) workflow: thin adapters to ``okrflow.services.consultations``,
``meetings`` and ``consultation_checks``.

Each runs in one transaction. Recording a meeting and running the check are keyed
(``StoreActivities.once``): a retry returns the first result and writes nothing twice;
chasing and closing are idempotent through their notifications' dedupe keys and status checks.
An expected business outcome (a refused record) fails the step without retrying.
"""

from __future__ import annotations

from temporalio import activity

from activities.steps import StoreActivities, business_outcomes
from okrflow.services import consultation_checks, consultations, meetings
from okrflow.store import unit_of_work
from workflows.governance_messages import (
    ChaseInput,
    CheckInput,
    CheckResult,
    CloseConsultationActivityInput,
    ConsultationInput,
    ConsultationPlan,
    RecordMeetingActivityInput,
    RecordMeetingResult,
)


class ConsultationActivities(StoreActivities):
    @activity.defn
    def load_consultation(self, input: ConsultationInput) -> ConsultationPlan:
        with unit_of_work(self.sessions) as session:
            return consultations.consultation_plan(session, input.org_id, input.consultation_id)

    @activity.defn
    def record_meeting(self, input: RecordMeetingActivityInput) -> RecordMeetingResult:
        key = f"consultation:{input.org_id}:{input.consultation_id}:meeting"
        with business_outcomes():
            return self.once(
                key,
                lambda session: meetings.record_meeting(
                    session, input.org_id, input.consultation_id, input.meeting, at=input.at
                ),
                RecordMeetingResult,
                at=input.at,
            )

    @activity.defn
    def chase_meeting(self, input: ChaseInput) -> int:
        with unit_of_work(self.sessions) as session:
            return consultations.chase_meeting(
                session, input.org_id, input.consultation_id, chase=input.chase, at=input.at
            )

    @activity.defn
    def run_check(self, input: CheckInput) -> CheckResult:
        key = f"consultation:{input.org_id}:{input.consultation_id}:check"
        with business_outcomes():
            return self.once(
                key,
                lambda session: consultation_checks.run_check(
                    session, input.org_id, input.consultation_id, at=input.at, escalate_to=input.escalate_to
                ),
                CheckResult,
                at=input.at,
            )

    @activity.defn
    def close_consultation(self, input: CloseConsultationActivityInput) -> None:
        with business_outcomes(), unit_of_work(self.sessions) as session:
            consultations.close_consultation(
                session,
                input.org_id,
                input.consultation_id,
                closed_by=input.closed_by,
                note=input.note,
                at=input.at,
                cycle_ended=input.cycle_ended,
            )
