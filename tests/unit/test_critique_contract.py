"""The contract, merging LLM findings, the cache, language detection, and the purity of the core."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pydantic import ValidationError

from okrflow.critique import (
    Critique,
    Draft,
    Finding,
    FindingCode,
    HeuristicCritic,
    critique_draft,
    detect_language,
)
from okrflow.critique.cache import LRUCache, critique_cache_key
from okrflow.critique.contract import CODE_SEVERITY, AIError, Rewrite, score_findings
from okrflow.critique.merge import merge_critiques, with_unavailable
from okrflow.domain.errors import ValidationFailed
from okrflow.domain.model import Language, Severity

ROOT = Path(__file__).resolve().parents[2]

ARCHITECTURE_CODES = [
    "KR_NOT_MEASURABLE",
    "KR_IS_TASK",
    "KR_NO_BASELINE",
    "TOO_MANY_KRS",
    "TOO_FEW_KRS",
    "OBJECTIVE_HAS_METRIC",
    "OBJECTIVE_VAGUE",
    "NO_OWNER",
    "DUPLICATE_KRS",
    "NOT_AMBITIOUS",
    "UNREALISTIC",
    "TIME_MISMATCH",
]


def test_the_codes_are_exactly_those_of_the_architecture() -> None:
    assert [c.value for c in FindingCode] == ARCHITECTURE_CODES
    assert set(CODE_SEVERITY) == set(FindingCode)


def test_a_finding_targets_the_objective_or_a_kr_index() -> None:
    ok = Finding(code=FindingCode.KR_IS_TASK, severity=Severity.WARNING, target=2, message="m")
    assert ok.key == ("KR_IS_TASK", 2)
    for bad in ("kr1", -1):
        with pytest.raises(ValidationError):
            Finding(code=FindingCode.KR_IS_TASK, severity=Severity.WARNING, target=bad, message="m")


def test_the_score_stays_within_0_and_100() -> None:
    many = [
        Finding(code=FindingCode.KR_NOT_MEASURABLE, severity=Severity.RISK, target=i, message="m")
        for i in range(9)
    ]
    assert score_findings([]) == 100
    assert score_findings(many) == 0
    with pytest.raises(ValidationError):
        Critique(score=101, lang=Language.EN)


ZH_DRAFT = Draft.model_validate(
    {
        "cycle": "2026-Q1",
        "objective": {"title": "让门诊患者少排队", "owner": "钱芳"},
        "key_results": [
            {"title": "门诊平均候诊时间从 52 分钟缩短到 30 分钟", "owner": "钱芳"},
            {"title": "组织三次患者座谈会", "owner": "朱军"},
        ],
    }
)


def llm_finding(code: FindingCode, target: str | int, message: str = "", suggestion: str = "") -> Finding:
    return Finding(
        code=code, severity=Severity.INFO, target=target, message=message, suggestion=suggestion, source="llm"
    )


def test_merge_keeps_heuristic_findings_and_adds_new_llm_ones_once() -> None:
    base = HeuristicCritic().check(ZH_DRAFT)
    assert base.codes() == ["KR_IS_TASK"]
    merged = merge_critiques(
        base,
        [
            llm_finding(FindingCode.KR_IS_TASK, 1, "组织座谈会是活动。"),  # same code and target: dropped
            llm_finding(FindingCode.UNREALISTIC, 0, "候诊时间很难这么快降下来。", "分两季完成。"),
            llm_finding(FindingCode.UNREALISTIC, 0, "重复的。"),
        ],
        [Rewrite(target=1, text="患者满意度从 3.8 提升到 4.5")],
        kr_count=2,
        model="m",
    )
    assert [(f.code.value, f.target, f.source) for f in merged.findings] == [
        ("UNREALISTIC", 0, "llm"),
        ("KR_IS_TASK", 1, "heuristic"),
    ]
    assert merged.findings[0].severity is CODE_SEVERITY[FindingCode.UNREALISTIC]
    assert merged.critic == "heuristic+llm" and merged.model == "m"
    assert merged.score == score_findings(merged.findings) < base.score
    assert [r.text for r in merged.rewrites] == ["患者满意度从 3.8 提升到 4.5"]


def test_merge_ignores_structural_codes_from_the_llm_and_krs_that_do_not_exist() -> None:
    base = HeuristicCritic().check(ZH_DRAFT)
    merged = merge_critiques(
        base,
        [
            llm_finding(FindingCode.NO_OWNER, 0, "没有负责人"),
            llm_finding(FindingCode.TIME_MISMATCH, 0, "时间不对"),
            llm_finding(FindingCode.KR_NO_BASELINE, 7, "没有基线"),
            llm_finding(FindingCode.KR_NO_BASELINE, "objective", "没有基线"),
        ],
        [Rewrite(target=9, text="x")],
        kr_count=2,
        model="m",
    )
    assert merged.findings == base.findings and merged.rewrites == []


def test_merge_replaces_llm_text_not_in_the_drafts_language() -> None:
    merged = merge_critiques(
        HeuristicCritic().check(ZH_DRAFT),
        [llm_finding(FindingCode.UNREALISTIC, 0, "This target is too hard to reach.", "Spread it out.")],
        [],
        kr_count=2,
        model="m",
    )
    message = merged.findings[0].message
    assert detect_language(message) is Language.ZH and "KR1" in message


def test_an_unavailable_ai_keeps_the_heuristic_findings_with_a_note_in_the_drafts_language() -> None:
    base = HeuristicCritic().check(ZH_DRAFT)
    result = with_unavailable(base, AIError.TIMEOUT)
    assert result.findings == base.findings and result.ai_unavailable and result.ai_error is AIError.TIMEOUT
    assert result.note is not None and "AI 点评暂不可用" in result.note and "超时" in result.note


async def test_asking_for_the_llm_when_none_is_configured_says_so() -> None:
    result = await critique_draft(ZH_DRAFT, llm=True)
    assert result.ai_error is AIError.NOT_CONFIGURED and result.codes() == ["KR_IS_TASK"]
    plain = await critique_draft(ZH_DRAFT.model_dump(mode="json"), lang="en")
    assert not plain.ai_unavailable and plain.lang is Language.EN


async def test_the_entry_point_rejects_a_malformed_draft_with_its_field() -> None:
    with pytest.raises(ValidationFailed, match="objective"):
        await critique_draft({"key_results": []})


def test_the_cache_key_changes_with_prompt_model_language_and_draft_but_not_the_id() -> None:
    key = critique_cache_key(prompt_version="p1", model="m", lang=Language.ZH, draft=ZH_DRAFT)
    renamed = ZH_DRAFT.model_copy(update={"id": "other"})
    assert key == critique_cache_key(prompt_version="p1", model="m", lang=Language.ZH, draft=renamed)
    edited = Draft.model_validate({**ZH_DRAFT.model_dump(), "objective": {"title": "让患者少排队"}})
    others = [
        critique_cache_key(prompt_version="p2", model="m", lang=Language.ZH, draft=ZH_DRAFT),
        critique_cache_key(prompt_version="p1", model="n", lang=Language.ZH, draft=ZH_DRAFT),
        critique_cache_key(prompt_version="p1", model="m", lang=Language.EN, draft=ZH_DRAFT),
        critique_cache_key(prompt_version="p1", model="m", lang=Language.ZH, draft=edited),
    ]
    assert key not in others and len(set(others)) == 4


def test_the_lru_cache_forgets_the_least_recently_used() -> None:
    cache: LRUCache[int] = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recent
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c"), len(cache)) == (1, None, 3, 2)


@pytest.mark.parametrize(
    ("texts", "lang"),
    [
        (["将 NPS 从 32 提升到 45"], Language.ZH),
        (["上线 v2 SDK", "让开发者少写代码"], Language.ZH),
        (["Owner 王磊 ships the new checkout flow"], Language.EN),
        (["Make renewals a non-event"], Language.EN),
    ],
)
def test_the_language_is_that_of_most_of_the_text(texts: list[str], lang: Language) -> None:
    assert detect_language(texts) is lang


PURE = ["okrflow/critique", "prompts"]
IMPURE_FILES = {"okrflow/critique/llm.py", "okrflow/critique/command.py"}
FORBIDDEN = {
    "openai", "temporalio", "sqlalchemy", "okrflow.store", "activities", "api", "httpx", "requests",
    "okrflow.critique.llm (imports openai)",
}  # fmt: skip


def test_the_pure_critique_modules_import_no_io_libraries() -> None:
    offenders = []
    for folder in PURE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in IMPURE_FILES:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module == "llm":
                    names = ["okrflow.critique.llm (imports openai)"]
                offenders += [f"{rel}: {n}" for n in names if n in FORBIDDEN or n.split(".")[0] in FORBIDDEN]
    assert offenders == []
