"""The ``critique_draft`` activity: the heuristic critique, and Temporal owning retries of LLM outages."""

from __future__ import annotations

import dataclasses

import pytest
from openai import AsyncOpenAI
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.critique import CritiqueActivities, CritiqueDraftInput
from okrflow.critique import Draft
from okrflow.critique.contract import AIError
from okrflow.critique.llm import LLMCritic
from okrflow.runtime.embedded import free_port

DRAFT = Draft.model_validate(
    {
        "cycle": "2026-Q1",
        "objective": {"title": "Make renewals a non-event", "owner": "Alicia"},
        "key_results": [
            {"title": "Hold 3 QBRs", "owner": "Ben"},
            {"title": "GRR from 91% to 96%", "owner": "A"},
        ],
    }
)


def unreachable_llm() -> LLMCritic:
    port = free_port()  # a port nobody listens on: connections are refused at once
    client = AsyncOpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="unused", max_retries=0)
    return LLMCritic(client, model="m", timeout_seconds=5)


async def test_returns_the_heuristic_critique_for_the_objective() -> None:
    result = await ActivityEnvironment().run(
        CritiqueActivities().critique_draft, CritiqueDraftInput(draft=DRAFT, objective_id="obj-1")
    )
    assert result.objective_id == "obj-1"
    assert result.critique.codes() == ["KR_IS_TASK"] and not result.critique.ai_unavailable


async def test_an_llm_outage_fails_the_attempt_so_that_temporal_retries_it() -> None:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, attempt=1, retry_policy=RetryPolicy(maximum_attempts=3))
    with pytest.raises(ApplicationError, match="connection") as exc:
        await env.run(
            CritiqueActivities(llm=unreachable_llm()).critique_draft, CritiqueDraftInput(draft=DRAFT)
        )
    assert not exc.value.non_retryable


@pytest.mark.parametrize("policy", [RetryPolicy(maximum_attempts=3), None])
async def test_the_last_attempt_returns_the_heuristic_critique_with_a_note(
    policy: RetryPolicy | None,
) -> None:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(
        env.info, attempt=3, retry_policy=policy
    )  # None: input.max_llm_attempts (3)
    result = await env.run(
        CritiqueActivities(llm=unreachable_llm()).critique_draft, CritiqueDraftInput(draft=DRAFT)
    )
    assert result.critique.codes() == ["KR_IS_TASK"]
    assert result.critique.ai_error is AIError.CONNECTION and "unavailable" in (result.critique.note or "")


async def test_a_draft_submitted_without_llm_never_calls_it() -> None:
    result = await ActivityEnvironment().run(
        CritiqueActivities(llm=unreachable_llm()).critique_draft,
        CritiqueDraftInput(draft=DRAFT, use_llm=False),
    )
    assert not result.critique.ai_unavailable and result.critique.critic == "heuristic"
