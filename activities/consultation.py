"""Activities of the consultation (会商) workflow: thin adapters to ``okrflow.services.meetings``.

Each runs in one transaction. Recording a meeting and running the check are keyed
(``ActivityKeyStore.run_once``): a retry returns the first result and writes nothing twice;
chasing and closing are idempotent through their notifications' dedupe keys and status checks.
An expected business outcome (a refused record) fails the step without retrying.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.cycle import business_error
from okrflow.domain.errors import OKRFlowError
from okrflow.services import meetings
from okrflow.store import ActivityKeyStore, unit_of_work
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


class ConsultationActivities:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.sessions = session_factory

    @activity.defn
    def load_consultation(self, input: ConsultationInput) -> ConsultationPlan:
        with unit_of_work(self.sessions) as session:
            return meetings.consultation_plan(session, input.org_id, input.consultation_id)

    @activity.defn
    def record_meeting(self, input: RecordMeetingActivityInput) -> RecordMeetingResult:
        key = f"consultation:{input.org_id}:{input.consultation_id}:meeting"
        try:
            with unit_of_work(self.sessions) as session:
                done = ActivityKeyStore(session).run_once(
                    key,
                    lambda: meetings.record_meeting(
                        session, input.org_id, input.consultation_id, input.meeting, at=input.at
                    ),
                    at=input.at,
                )
        except OKRFlowError as exc:
            raise business_error(exc) from exc
        return RecordMeetingResult.model_validate(done)

    @activity.defn
    def chase_meeting(self, input: ChaseInput) -> int:
        with unit_of_work(self.sessions) as session:
            return meetings.chase_meeting(
                session, input.org_id, input.consultation_id, chase=input.chase, at=input.at
            )

    @activity.defn
    def run_check(self, input: CheckInput) -> CheckResult:
        key = f"consultation:{input.org_id}:{input.consultation_id}:check"
        try:
            with unit_of_work(self.sessions) as session:
                done = ActivityKeyStore(session).run_once(
                    key,
                    lambda: meetings.run_check(
                        session,
                        input.org_id,
                        input.consultation_id,
                        at=input.at,
                        escalate_to=input.escalate_to,
                    ),
                    at=input.at,
                )
        except OKRFlowError as exc:
            raise business_error(exc) from exc
        return CheckResult.model_validate(done)

    @activity.defn
    def close_consultation(self, input: CloseConsultationActivityInput) -> None:
        try:
            with unit_of_work(self.sessions) as session:
                meetings.close_consultation(
                    session,
                    input.org_id,
                    input.consultation_id,
                    closed_by=input.closed_by,
                    note=input.note,
                    at=input.at,
                    cycle_ended=input.cycle_ended,
                )
        except OKRFlowError as exc:
            raise business_error(exc) from exc
