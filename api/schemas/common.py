"""Shapes every route shares: a page of items, the problem+json body, and the error responses in OpenAPI."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from okrflow.store import Page as StorePage

T = TypeVar("T")

PROBLEM_JSON = "application/problem+json"


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next one (null: no more)."""

    items: list[T]
    next_cursor: str | None = None

    @classmethod
    def of(cls, page: StorePage[T]) -> Page[T]:
        """The answer for a page the store (or ``page_list``) cut."""
        return cls(items=page.items, next_cursor=page.next_cursor)


class ProblemError(BaseModel):
    model_config = ConfigDict(extra="allow")

    loc: list[str | int] = Field(description='where the problem is, e.g. ["body", "title"]')
    msg: str


class Problem(BaseModel):
    """An RFC 9457 problem: what went wrong (``title``), where and why (``detail``, ``errors``)."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemError] | None = None
    current_version: int | str | None = Field(
        default=None, description="412 only: the version (ETag value) the record has now"
    )
    sent_version: int | str | None = None


_PROBLEM_SCHEMA: dict[str, Any] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
_DESCRIPTIONS = {
    400: "The body could not be read (not UTF-8, not JSON)",
    401: "No API token, or an unknown or revoked one",
    403: "The caller may not do this",
    404: "No such record in the caller's org",
    409: "Clashes with the current state (locked, already started, not waiting for approval...)",
    412: "The If-Match version is stale; the current one is in the ETag header and the body",
    422: "Invalid input; `errors` names each field and says why",
    428: "An update must send If-Match with the ETag of the version it is based on",
    406: "None of the media types in Accept can be produced",
    503: "Temporal (or another service okrflow needs) cannot be reached right now",
}
_DEFAULT = (400, 401, 403, 404, 422)
ETAG_HEADER = {"ETag": {"description": "the record's version, for If-Match", "schema": {"type": "string"}}}


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """The Problem schema with its nested definitions inlined, so a response needs no components."""
    defs = schema.get("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                return resolve(defs[ref.rsplit("/", 1)[-1]])
            return {k: resolve(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)  # type: ignore[no-any-return]


PROBLEM_SCHEMA = _inline(_PROBLEM_SCHEMA)


def problems(
    *extra: int, default: tuple[int, ...] = _DEFAULT, etag: int | None = None
) -> dict[int | str, dict[str, Any]]:
    """The error responses of a route, as problem+json, for FastAPI's ``responses=``.

    ``etag`` names the success status whose response carries the record's ETag header.
    """
    codes = sorted(set(default) | set(extra))
    out: dict[int | str, dict[str, Any]] = {}
    if etag is not None:
        out[etag] = {"headers": ETAG_HEADER}
    for code in codes:
        entry: dict[str, Any] = {
            "description": _DESCRIPTIONS.get(code, "error"),
            "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
        }
        if code == 412:
            entry["headers"] = {"ETag": {"description": "the current version", "schema": {"type": "string"}}}
        out[code] = entry
    return out
