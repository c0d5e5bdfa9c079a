"""Rendering the critique prompt: system text, worked examples as earlier turns, then the draft as data.

The draft is embedded as JSON between ``<draft>`` and ``</draft>``, with ``<`` and ``>`` escaped (``\\u003c``)
so that no text in a draft can close the block and speak as the prompt. Prompts hold no secrets: only the
templates, the examples and the draft go in; the API key travels in an HTTP header.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypedDict

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from okrflow.critique.draft import Draft
from okrflow.domain.model import Language

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "critique"
SCHEMA_PATH = HERE / "critique.schema.json"


class ChatMessage(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


@cache
def _env() -> Environment:
    # Plain text for a model, not HTML: nothing to escape, and a missing variable is an error.
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,
    )


@cache
def critique_schema() -> dict[str, Any]:
    """The JSON Schema the model's reply must satisfy."""
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


@cache
def _examples() -> dict[str, list[dict[str, Any]]]:
    loaded: dict[str, list[dict[str, Any]]] = yaml.safe_load((TEMPLATES / "examples.yaml").read_text("utf-8"))
    return loaded


@cache
def prompt_version() -> str:
    """A short hash of everything that shapes the prompt: change any template, example or the schema and
    cached critiques made with the old prompt are no longer used."""
    h = hashlib.sha256()
    for path in sorted(TEMPLATES.iterdir()):
        if path.is_file():
            h.update(path.name.encode())
            h.update(path.read_bytes())
    h.update(SCHEMA_PATH.read_bytes())
    return h.hexdigest()[:12]


def draft_payload(draft: Draft) -> dict[str, Any]:
    """The draft as the model sees it: the fields that carry meaning (empty ones left out), KRs indexed."""

    def present(d: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in d.items() if v is not None}

    cycle = draft.cycle
    payload: dict[str, Any] = {}
    if cycle is not None:
        payload["cycle"] = present(
            {
                "name": cycle.name,
                "start": cycle.start.isoformat() if cycle.start else None,
                "end": cycle.end.isoformat() if cycle.end else None,
            }
        )
    payload["objective"] = present(
        {
            "title": draft.objective.title,
            "owner": draft.objective.owner,
            "kind": draft.objective.kind.value if draft.objective.kind else None,
        }
    )
    payload["key_results"] = [
        present(
            {
                "index": i,
                "title": kr.title,
                "owner": kr.owner,
                "start": kr.start,
                "target": kr.target,
                "unit": kr.unit,
                "due": kr.due.isoformat() if kr.due else None,
            }
        )
        for i, kr in enumerate(draft.key_results)
    ]
    return payload


def draft_json(draft: Draft) -> str:
    """The payload as JSON that cannot break out of its ``<draft>`` block."""
    text = json.dumps(draft_payload(draft), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


def _cycle_label(draft: Draft, lang: Language) -> str:
    c = draft.cycle
    if c is not None and c.start and c.end:
        span = f"{c.start.isoformat()} – {c.end.isoformat()}"
        return f"{c.name} ({span})" if c.name else span
    if c is not None and c.name:
        return c.name
    return "未指定" if lang is Language.ZH else "not given"


def render_user(draft: Draft, *, lang: Language) -> str:
    template = _env().get_template("user.j2")
    return template.render(lang=lang.value, cycle=_cycle_label(draft, lang), draft_json=draft_json(draft))


def render_critique(draft: Draft, *, lang: Language) -> list[ChatMessage]:
    """The chat messages asking for a critique of ``draft``, in ``lang``."""
    messages: list[ChatMessage] = [
        {"role": "system", "content": _env().get_template("system.j2").render(lang=lang.value)}
    ]
    for example in _examples()[lang.value]:
        shown = Draft.model_validate(example["draft"])
        messages.append({"role": "user", "content": render_user(shown, lang=lang)})
        reply = json.dumps(example["reply"], ensure_ascii=False)
        messages.append({"role": "assistant", "content": reply})
    messages.append({"role": "user", "content": render_user(draft, lang=lang)})
    return messages
