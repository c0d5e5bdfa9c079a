"""The LLM critic: any OpenAI-compatible endpoint through the ``openai`` SDK (async, so it never blocks an
event loop).

One call per draft: structured output against ``prompts/critique.schema.json`` (``response_format``
json_schema; when a server rejects that, the same prompt asks for plain JSON), the reply checked with
jsonschema and then pydantic, merged with the heuristic findings, cached by a hash of (prompt version, model,
language, draft). The client is built with ``max_retries=0``: the caller (a Temporal activity) owns retries.
On timeout, HTTP error, refusal, a reply cut off at ``max_tokens`` or invalid output, the user gets the
heuristic critique with a note that the AI part was unavailable.

This is the only module of ``okrflow.critique`` that imports ``openai``.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Annotated, Any

import openai
from jsonschema import Draft202012Validator
from openai import AsyncOpenAI
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from okrflow.domain.model import Language
from okrflow.runtime.settings import Settings
from prompts.render import critique_schema, prompt_version, render_critique

from .cache import LRUCache, critique_cache_key
from .contract import CODE_SEVERITY, AIError, Critique, Finding, FindingCode, Rewrite, Target
from .draft import Draft
from .heuristic import HeuristicCritic
from .language import detect_language
from .merge import merge_critiques, with_unavailable


class LLMFinding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: FindingCode
    target: Target
    message: Annotated[str, Field(max_length=600)]
    suggestion: Annotated[str, Field(max_length=600)] = ""


class LLMReply(BaseModel):
    """The model's answer, after the JSON Schema check."""

    model_config = ConfigDict(extra="forbid")

    score: Annotated[int, Field(ge=0, le=100)]
    findings: Annotated[list[LLMFinding], Field(max_length=12)]
    rewrites: Annotated[list[Rewrite], Field(max_length=5)] = Field(default_factory=list)

    def as_findings(self) -> list[Finding]:
        return [
            Finding(
                code=f.code,
                severity=CODE_SEVERITY[f.code],
                target=f.target,
                message=f.message,
                suggestion=f.suggestion,
                source="llm",
            )
            for f in self.findings
        ]


class LLMUnavailable(Exception):
    def __init__(self, reason: AIError, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail


_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$", re.IGNORECASE)


class LLMCritic:
    """Heuristic findings plus what the model adds. Never raises for a model failure: it falls back."""

    name = "llm"

    def __init__(
        self,
        client: AsyncOpenAI,
        *,
        model: str,
        heuristic: HeuristicCritic | None = None,
        timeout_seconds: float = 20.0,
        max_tokens: int = 800,
        cache: LRUCache[LLMReply] | None = None,
    ) -> None:
        self.client = client
        self.model = model
        self.heuristic = heuristic or HeuristicCritic()
        self.timeout_seconds = timeout_seconds
        self.max_tokens = max_tokens
        self.cache: LRUCache[LLMReply] = cache if cache is not None else LRUCache(512)
        self.structured_output = True  # switched off once a server rejects response_format json_schema
        self._validator = Draft202012Validator(critique_schema())

    @property
    def base_url(self) -> str:
        return str(self.client.base_url)

    async def critique(self, draft: Draft, *, lang: Language | None = None) -> Critique:
        lang = lang or draft.lang or detect_language(draft.texts())
        base = self.heuristic.check(draft, lang=lang)
        key = critique_cache_key(prompt_version=prompt_version(), model=self.model, lang=lang, draft=draft)
        reply = self.cache.get(key)
        cached = reply is not None
        if reply is None:
            try:
                # The SDK's own timeout bounds each HTTP exchange; this bounds the whole call.
                reply = await asyncio.wait_for(self.ask(draft, lang=lang), timeout=self.timeout_seconds + 1)
            except LLMUnavailable as exc:
                return with_unavailable(base, exc.reason)
            except TimeoutError:
                return with_unavailable(base, AIError.TIMEOUT)
            self.cache.put(key, reply)
        merged = merge_critiques(
            base, reply.as_findings(), reply.rewrites, kr_count=len(draft.key_results), model=self.model
        )
        return merged.model_copy(update={"cached": cached})

    async def ask(self, draft: Draft, *, lang: Language) -> LLMReply:
        """One model call for ``draft``. Raises ``LLMUnavailable`` saying why there is no usable reply."""
        messages: list[Any] = list(render_critique(draft, lang=lang))
        try:
            if self.structured_output:
                try:
                    response = await self._create(messages, structured=True)
                except (openai.BadRequestError, openai.UnprocessableEntityError):
                    # Probably no json_schema support: ask for plain JSON (the prompt shows the shape).
                    response = await self._create(messages, structured=False)
                    self.structured_output = False
            else:
                response = await self._create(messages, structured=False)
        except openai.APITimeoutError as exc:
            raise LLMUnavailable(AIError.TIMEOUT, str(exc)) from None
        except openai.APIConnectionError as exc:
            raise LLMUnavailable(AIError.CONNECTION, str(exc)) from None
        except openai.APIStatusError as exc:
            raise LLMUnavailable(AIError.HTTP_ERROR, f"HTTP {exc.status_code}") from None
        except openai.OpenAIError as exc:  # a malformed response body, for instance
            raise LLMUnavailable(AIError.INVALID_JSON, str(exc)) from None
        return self._read(response)

    async def _create(self, messages: list[Any], *, structured: bool) -> Any:
        extra: dict[str, Any] = {}
        if structured:
            extra["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "okr_critique", "schema": critique_schema(), "strict": True},
            }
        return await self.client.chat.completions.create(
            model=self.model,
            messages=messages,
            temperature=0,
            max_tokens=self.max_tokens,
            timeout=self.timeout_seconds,
            **extra,
        )

    def _read(self, response: Any) -> LLMReply:
        if not getattr(response, "choices", None):
            raise LLMUnavailable(AIError.INVALID_JSON, "no choices in the reply")
        choice = response.choices[0]
        if choice.finish_reason == "length":
            raise LLMUnavailable(AIError.TRUNCATED, "finish_reason=length")
        message = choice.message
        if getattr(message, "refusal", None) or choice.finish_reason == "content_filter":
            raise LLMUnavailable(AIError.REFUSAL, str(getattr(message, "refusal", "") or "content_filter"))
        content = message.content or ""
        try:
            data = json.loads(_FENCE.sub("", content))
        except json.JSONDecodeError as exc:
            raise LLMUnavailable(AIError.INVALID_JSON, exc.msg) from None
        errors = sorted(self._validator.iter_errors(data), key=lambda e: list(e.absolute_path))
        if errors:
            where = "/".join(str(p) for p in errors[0].absolute_path) or "(root)"
            raise LLMUnavailable(AIError.SCHEMA_VIOLATION, f"{where}: {errors[0].message}")
        try:
            return LLMReply.model_validate(data)
        except ValidationError as exc:
            raise LLMUnavailable(AIError.SCHEMA_VIOLATION, str(exc.errors()[0]["msg"])) from None


def build_llm_client(settings: Settings) -> AsyncOpenAI:
    """An async client for the configured endpoint, with retries left to the caller."""
    # The SDK wants some key; local servers (llama.cpp, Ollama) need none.
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "unused"
    return AsyncOpenAI(
        base_url=settings.llm_base_url,
        api_key=key,
        max_retries=0,
        timeout=settings.llm_timeout_seconds,
    )


def build_llm_critic(
    settings: Settings,
    *,
    heuristic: HeuristicCritic | None = None,
    cache: LRUCache[LLMReply] | None = None,
) -> LLMCritic | None:
    """The LLM critic for ``settings``, or None when no endpoint is configured (``OKRFLOW_LLM_BASE_URL``)."""
    if not settings.llm_base_url:
        return None
    return LLMCritic(
        build_llm_client(settings),
        model=settings.llm_model or "default",
        heuristic=heuristic,
        timeout_seconds=settings.llm_timeout_seconds,
        cache=cache,
    )
