"""Every workflow an okrflow worker runs."""

from workflows.change_request import ChangeRequestWorkflow
from workflows.consultation import ConsultationWorkflow
from workflows.cycle import CycleWorkflow
from workflows.weekly_review import WeeklyReviewWorkflow

ALL_WORKFLOWS = (CycleWorkflow, WeeklyReviewWorkflow, ConsultationWorkflow, ChangeRequestWorkflow)
