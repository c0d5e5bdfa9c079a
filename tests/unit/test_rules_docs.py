"""The admin docs are generated from the facts table, the schema and the default set, and are up to date."""

from __future__ import annotations

import ast
from pathlib import Path

from rules.catalog import FACTS, INPUTS
from rules.docs import DOCS_DIR, facts_markdown, rules_markdown

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
FORBIDDEN = ("sqlalchemy", "temporalio", "openai", "okrflow.store", "activities", "api")


def test_docs_facts_md_is_generated_from_the_facts_table_and_up_to_date() -> None:
    text = facts_markdown()
    assert (DOCS_DIR / "facts.md").read_text(encoding="utf-8") == text, "run: python -m rules.docs"
    for spec in (*INPUTS, *(f for facts in FACTS.values() for f in facts)):
        assert f"| `{spec.name}` |" in text and spec.zh in text


def test_docs_rules_md_is_up_to_date_and_lists_every_default_rule() -> None:
    text = rules_markdown()
    assert (DOCS_DIR / "rules.md").read_text(encoding="utf-8") == text, "run: python -m rules.docs"
    assert "| `kr-serious-delay` | key_result | `expected_progress >= 0.25 && gap >= 0.3` |" in text


def test_the_rules_package_imports_no_infrastructure() -> None:
    for path in RULES_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"
