"""The AI drafting assistant: one contract, two critics.

Pure parts (importable anywhere, no I/O): the contract, the draft shape and its file loader, the heuristic
critic, merging and caching. The LLM critic lives in ``okrflow.critique.llm`` (it imports ``openai``) and
the ``okrflow critique`` command in ``okrflow.critique.command``.
"""

from .assistant import critique_draft
from .contract import AIError, Critic, Critique, Finding, FindingCode, Rewrite, score_findings
from .draft import Draft, DraftCycle, DraftKeyResult, DraftObjective, cycle_bounds
from .draft_files import load_drafts, parse_drafts
from .heuristic import HeuristicCritic
from .language import detect_language

__all__ = [
    "AIError",
    "Critic",
    "Critique",
    "Draft",
    "DraftCycle",
    "DraftKeyResult",
    "DraftObjective",
    "Finding",
    "FindingCode",
    "HeuristicCritic",
    "Rewrite",
    "critique_draft",
    "cycle_bounds",
    "detect_language",
    "load_drafts",
    "parse_drafts",
    "score_findings",
]
