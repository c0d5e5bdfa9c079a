"""The drafting assistant: critique a draft objective with its key results (nothing is stored).

The heuristic critic answers by default, fast enough for as-you-type hints; ``?llm=true`` adds the LLM
critic when one is configured (``OKRFLOW_LLM_BASE_URL``), falling back to the heuristic critique with a
note when it is not configured or does not answer.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.deps import CurrentUser, SettingsDep
from api.schemas.common import problems
from okrflow.critique.assistant import critique_draft
from okrflow.critique.contract import Critic, Critique
from okrflow.critique.draft import Draft
from okrflow.critique.llm import build_llm_critic
from okrflow.domain.model import Language

router = APIRouter(tags=["critique"])


def _llm_critic(request: Request, settings: SettingsDep) -> Critic | None:
    """One LLM critic per app (its reply cache is shared by requests)."""
    state = request.app.state
    if not hasattr(state, "llm_critic"):
        state.llm_critic = build_llm_critic(settings)
    critic: Critic | None = state.llm_critic
    return critic


@router.post("/critique", response_model=Critique, responses=problems(default=(400, 401, 422)))
async def critique(
    draft: Draft,
    me: CurrentUser,
    request: Request,
    settings: SettingsDep,
    llm: Annotated[bool, Query(description="add the LLM critic's findings when one is configured")] = False,
    lang: Annotated[
        Language | None, Query(description="the language of the messages; default: the draft's")
    ] = None,
) -> Critique:
    """Critique a draft: a score 0-100 and findings with a code, a severity, a target and a suggestion."""
    llm_critic = _llm_critic(request, settings) if llm else None
    return await critique_draft(draft, llm=llm, llm_critic=llm_critic, lang=lang)
