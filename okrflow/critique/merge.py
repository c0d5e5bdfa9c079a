"""Merging the LLM's findings into the heuristic critique.

- Findings are deduplicated by (code, target): the heuristic one stays (its message is deterministic).
- Codes the heuristic decides from structure alone (counts, owners, dates) are not taken from the LLM: a
  small or confused model must not invent a missing owner or a date outside the cycle.
- A finding on a KR that does not exist is dropped; a message not written in the draft's language is
  replaced by the standard text for its code, so users always read their own language.
- The score is recomputed from the merged findings.
"""

from __future__ import annotations

from collections.abc import Sequence

from okrflow.domain.model import Language

from .contract import (
    CODE_SEVERITY,
    OBJECTIVE_CODES,
    AIError,
    Critique,
    Finding,
    FindingCode,
    Rewrite,
    score_findings,
    sort_findings,
)
from .language import detect_language
from .messages import text_for, unavailable_note

HEURISTIC_ONLY = frozenset(
    {FindingCode.TOO_MANY_KRS, FindingCode.TOO_FEW_KRS, FindingCode.NO_OWNER, FindingCode.TIME_MISMATCH}
)
MAX_LLM_FINDINGS = 12


def merge_critiques(
    heuristic: Critique,
    llm_findings: Sequence[Finding],
    llm_rewrites: Sequence[Rewrite],
    *,
    kr_count: int,
    model: str | None,
) -> Critique:
    """The heuristic critique with what the LLM adds, for a draft with ``kr_count`` key results."""
    lang = heuristic.lang
    seen = {f.key for f in heuristic.findings}
    merged = list(heuristic.findings)
    for f in llm_findings[:MAX_LLM_FINDINGS]:
        f = _normalise(f, kr_count=kr_count, lang=lang)
        if f is None or f.key in seen:
            continue
        seen.add(f.key)
        merged.append(f)
    rewrites = [r for r in llm_rewrites if _valid_target(r.target, kr_count)][:5]
    merged = sort_findings(merged)
    return Critique(
        score=score_findings(merged),
        lang=lang,
        findings=merged,
        rewrites=rewrites,
        critic="heuristic+llm",
        model=model,
    )


def _valid_target(target: str | int, kr_count: int) -> bool:
    return target == "objective" or (isinstance(target, int) and 0 <= target < kr_count)


def _normalise(f: Finding, *, kr_count: int, lang: Language) -> Finding | None:
    if f.code in HEURISTIC_ONLY or not _valid_target(f.target, kr_count):
        return None
    target: str | int = "objective" if f.code in OBJECTIVE_CODES else f.target
    if target == "objective" and f.code not in OBJECTIVE_CODES:
        return None  # a key-result code needs a key result
    message, suggestion = f.message.strip(), f.suggestion.strip()
    params = {"kr": target + 1 if isinstance(target, int) else "", "other": "?", "value": "…"}
    standard_message, standard_suggestion = text_for(f.code, lang, **params)
    if not message or detect_language(message, default=lang) is not lang:
        message, suggestion = standard_message, standard_suggestion
    elif not suggestion or detect_language(suggestion, default=lang) is not lang:
        suggestion = standard_suggestion
    return Finding(
        code=f.code,
        severity=CODE_SEVERITY[f.code],
        target=target,
        message=message[:600],
        suggestion=suggestion[:600],
        source="llm",
    )


def with_unavailable(critique: Critique, reason: AIError) -> Critique:
    """``critique`` (the heuristic one) marked as lacking its AI part, with a note in the draft's language."""
    return critique.model_copy(
        update={
            "ai_unavailable": True,
            "ai_error": reason,
            "note": unavailable_note(reason.value, critique.lang),
        }
    )
