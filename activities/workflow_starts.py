"""Starting a workflow from a workflow, as an activity given the Temporal client.

A consultation (会商) outlives the weekly review (or the consultation) that convened it. A child
workflow would have to be abandoned by its parent; starting it as a workflow of its own, with an id
derived from the consultation, says what it is: independent, and started once (a retried start finds
the running one).
"""

from __future__ import annotations

from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import WorkflowAlreadyStartedError

from workflows.governance_messages import ConsultationInput, consultation_workflow_id


class WorkflowStarts:
    def __init__(self, client: Client) -> None:
        self.client = client

    @activity.defn
    async def start_consultation_workflow(self, input: ConsultationInput) -> bool:
        """Start the consultation's workflow on this worker's task queue; False when it is already running."""
        try:
            await self.client.start_workflow(
                "ConsultationWorkflow",
                input,
                id=consultation_workflow_id(input.org_id, input.consultation_id),
                task_queue=activity.info().task_queue,
            )
        except WorkflowAlreadyStartedError:
            return False
        return True
