"""The ``critique_draft`` activity: called when a draft is submitted.

A thin adapter given its critics. The LLM client has ``max_retries=0``; Temporal owns retries: when the
endpoint times out, cannot be reached or answers with an HTTP error, and attempts remain under the retry
policy, the activity fails so that Temporal retries it later. On the last attempt (or for output that a retry
would not fix: invalid JSON, a schema violation, a refusal, a truncated reply) it returns the heuristic
critique with a note that the AI part was unavailable, so a submission never waits on the model forever.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from okrflow.critique.assistant import critique_draft
from okrflow.critique.contract import Critic, Critique
from okrflow.critique.draft import Draft
from okrflow.critique.heuristic import HeuristicCritic
from okrflow.domain.model import Language


class CritiqueDraftInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    draft: Draft
    lang: Language | None = None
    objective_id: str | None = None  # echoed back, so the workflow can store the critique against it
    use_llm: bool = True  # ask the LLM critic too, when one is configured
    # How many attempts may retry a transient LLM failure when the retry policy sets no maximum.
    max_llm_attempts: Annotated[int, Field(ge=1, le=20)] = 3


class CritiqueDraftResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    objective_id: str | None = None
    critique: Critique


class CritiqueActivities:
    """Activities of the drafting assistant, given their critics.

    ``llm`` is the configured LLM critic (``okrflow.critique.llm.build_llm_critic(settings)``), or None when
    the heuristic critic is the only one (the embedded default).
    """

    def __init__(self, heuristic: HeuristicCritic | None = None, llm: Critic | None = None) -> None:
        self.heuristic = heuristic or HeuristicCritic()
        self.llm = llm

    @activity.defn(name="critique_draft")
    async def critique_draft(self, input: CritiqueDraftInput) -> CritiqueDraftResult:
        use_llm = input.use_llm and self.llm is not None
        critique = await critique_draft(
            input.draft, critic=self.heuristic, llm=use_llm, llm_critic=self.llm, lang=input.lang
        )
        if critique.ai_error is not None and critique.ai_error.transient and _attempts_left(input):
            raise ApplicationError(
                f"the LLM endpoint is unavailable ({critique.ai_error.value}); Temporal will retry",
                type="LLMUnavailable",
            )
        return CritiqueDraftResult(objective_id=input.objective_id, critique=critique)


def _attempts_left(input: CritiqueDraftInput) -> bool:
    info = activity.info()
    policy = info.retry_policy
    bounded = policy is not None and policy.maximum_attempts > 0
    limit = policy.maximum_attempts if policy is not None and bounded else input.max_llm_attempts
    return info.attempt < limit
