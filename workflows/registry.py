"""Every workflow an okrflow worker runs."""

from workflows.cycle import CycleWorkflow
from workflows.weekly_review import WeeklyReviewWorkflow

ALL_WORKFLOWS = (CycleWorkflow, WeeklyReviewWorkflow)
