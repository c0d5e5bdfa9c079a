"""The drafting assistant's contract: what every critic returns, and the interface both critics implement.

A critique has a score (0-100), findings ``{code, severity, target, message, suggestion}`` and optional
rewrites. ``target`` is ``"objective"`` or a 0-based key-result index. When the AI part of a critique could
not be produced, ``ai_unavailable`` is true, ``ai_error`` says why in one word and ``note`` says so in the
draft's language; the findings are then the heuristic critic's alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from okrflow.domain.model import Language, Severity

from .draft import Draft


class FindingCode(StrEnum):
    KR_NOT_MEASURABLE = "KR_NOT_MEASURABLE"
    KR_IS_TASK = "KR_IS_TASK"
    KR_NO_BASELINE = "KR_NO_BASELINE"
    TOO_MANY_KRS = "TOO_MANY_KRS"
    TOO_FEW_KRS = "TOO_FEW_KRS"
    OBJECTIVE_HAS_METRIC = "OBJECTIVE_HAS_METRIC"
    OBJECTIVE_VAGUE = "OBJECTIVE_VAGUE"
    NO_OWNER = "NO_OWNER"
    DUPLICATE_KRS = "DUPLICATE_KRS"
    NOT_AMBITIOUS = "NOT_AMBITIOUS"
    UNREALISTIC = "UNREALISTIC"
    TIME_MISMATCH = "TIME_MISMATCH"


# How much each code matters; the score and the LLM's defaults use this.
CODE_SEVERITY: dict[FindingCode, Severity] = {
    FindingCode.KR_NOT_MEASURABLE: Severity.RISK,
    FindingCode.KR_IS_TASK: Severity.WARNING,
    FindingCode.KR_NO_BASELINE: Severity.WARNING,
    FindingCode.TOO_MANY_KRS: Severity.WARNING,
    FindingCode.TOO_FEW_KRS: Severity.WARNING,
    FindingCode.OBJECTIVE_HAS_METRIC: Severity.WARNING,
    FindingCode.OBJECTIVE_VAGUE: Severity.WARNING,
    FindingCode.NO_OWNER: Severity.WARNING,
    FindingCode.DUPLICATE_KRS: Severity.WARNING,
    FindingCode.NOT_AMBITIOUS: Severity.INFO,
    FindingCode.UNREALISTIC: Severity.INFO,
    FindingCode.TIME_MISMATCH: Severity.RISK,
}

# Codes that only concern the objective as a whole.
OBJECTIVE_CODES = frozenset(
    {
        FindingCode.TOO_MANY_KRS,
        FindingCode.TOO_FEW_KRS,
        FindingCode.OBJECTIVE_HAS_METRIC,
        FindingCode.OBJECTIVE_VAGUE,
    }
)

_PENALTY = {Severity.INFO: 5, Severity.WARNING: 10, Severity.RISK: 20, Severity.CRITICAL: 30}

Target = Literal["objective"] | Annotated[int, Field(ge=0, le=99)]


class AIError(StrEnum):
    """Why the AI part of a critique is missing."""

    NOT_CONFIGURED = "not_configured"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    HTTP_ERROR = "http_error"
    INVALID_JSON = "invalid_json"
    SCHEMA_VIOLATION = "schema_violation"
    TRUNCATED = "truncated"  # finish_reason == "length"
    REFUSAL = "refusal"

    @property
    def transient(self) -> bool:
        """Worth retrying later: the endpoint may answer next time."""
        return self in (AIError.TIMEOUT, AIError.CONNECTION, AIError.HTTP_ERROR)


class Finding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: FindingCode
    severity: Severity
    target: Target
    message: Annotated[str, Field(max_length=600)]
    suggestion: Annotated[str, Field(max_length=600)] = ""
    source: Literal["heuristic", "llm"] = "heuristic"

    @property
    def key(self) -> tuple[str, str | int]:
        """What two findings must share to be the same finding (merge deduplicates on it)."""
        return (self.code.value, self.target)


class Rewrite(BaseModel):
    """A suggested new title for the objective or one key result."""

    model_config = ConfigDict(extra="forbid")

    target: Target
    text: Annotated[str, Field(min_length=1, max_length=300)]


class Critique(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: Annotated[int, Field(ge=0, le=100)]
    lang: Language
    findings: list[Finding] = Field(default_factory=list)
    rewrites: list[Rewrite] = Field(default_factory=list)
    critic: Literal["heuristic", "heuristic+llm"] = "heuristic"
    ai_unavailable: bool = False
    ai_error: AIError | None = None
    note: str | None = None  # in the draft's language, for people
    model: str | None = None  # the LLM that contributed, if any
    cached: bool = False

    def codes(self) -> list[str]:
        return [f.code.value for f in self.findings]


def score_findings(findings: Iterable[Finding]) -> int:
    """100 for a draft with nothing to say about it, less for each finding by its severity."""
    return max(0, 100 - sum(_PENALTY[f.severity] for f in findings))


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Objective first, then key results in order; within a target the most severe first."""

    def order(f: Finding) -> tuple[int, int, str]:
        where = -1 if f.target == "objective" else int(f.target)
        return (where, -f.severity.rank, f.code.value)

    return sorted(findings, key=order)


@runtime_checkable
class Critic(Protocol):
    """Anything that critiques a draft. ``lang`` None means: detect it from the draft."""

    name: str

    async def critique(self, draft: Draft, *, lang: Language | None = None) -> Critique: ...
