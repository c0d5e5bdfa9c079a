"""The one entry point the API route, the CLI and the Temporal activity use to critique a draft."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from okrflow.domain.model import Language, parse_model

from .contract import AIError, Critic, Critique
from .draft import Draft
from .heuristic import HeuristicCritic
from .merge import with_unavailable

_DEFAULT = HeuristicCritic()


async def critique_draft(
    draft: Draft | Mapping[str, Any],
    *,
    critic: Critic | None = None,
    llm: bool = False,
    llm_critic: Critic | None = None,
    lang: Language | str | None = None,
) -> Critique:
    """Critique one draft.

    Args:
        draft: a ``Draft`` or its JSON-like form (validated; errors raise ``ValidationFailed``).
        critic: the heuristic critic (the embedded default when None).
        llm: include the LLM critic's findings.
        llm_critic: the configured LLM critic (``okrflow.critique.llm.build_llm_critic``); with ``llm`` true
            and none configured, the result is the heuristic critique with a "not configured" note.
        lang: "zh" or "en" for messages; detected from the draft when None.

    Returns:
        The critique. Model failures never raise: they come back as ``ai_unavailable`` with a note.
    """
    d = draft if isinstance(draft, Draft) else parse_model(Draft, dict(draft))
    language = Language(lang) if lang else None
    heuristic = critic or _DEFAULT
    if not llm:
        return await heuristic.critique(d, lang=language)
    if llm_critic is None:
        return with_unavailable(await heuristic.critique(d, lang=language), AIError.NOT_CONFIGURED)
    return await llm_critic.critique(d, lang=language)
