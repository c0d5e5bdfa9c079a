"""Cursor pages over a list the store returned whole, for lists that are bounded by their scope
(a cycle's objectives, a key result's tasks). Long, growing logs (audit, inbox) page in SQL instead.

A cursor is the opaque, URL-safe encoding of the sort key of the last item shown, so a page
starts after it even when items were added or removed in between.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from okrflow.domain.errors import Problem, ValidationFailed
from okrflow.store import Page

T = TypeVar("T")
Key = tuple[Any, ...]

MAX_LIMIT = 500


def encode_cursor(key: Key) -> str:
    raw = json.dumps(list(key), default=str, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
    except (ValueError, TypeError) as exc:
        raise ValidationFailed([Problem(("cursor",), "is not a cursor this server returned")]) from exc
    if not isinstance(value, list):
        raise ValidationFailed([Problem(("cursor",), "is not a cursor this server returned")])
    return value


def _comparable(key: Key) -> list[Any]:
    # Keys are compared in their JSON form, so a decoded cursor compares like the items.
    return list(json.loads(json.dumps(list(key), default=str)))


def page_list(
    items: Sequence[T], *, key: Callable[[T], Key], limit: int, cursor: str | None = None
) -> Page[T]:
    """The page of ``items`` (sorted by ``key``) after ``cursor``, at most ``limit`` long."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed([Problem(("limit",), f"must be between 1 and {MAX_LIMIT}")])
    keyed = sorted(((_comparable(key(i)), i) for i in items), key=lambda p: _sort_key(p[0]))
    if cursor is not None:
        after = decode_cursor(cursor)
        try:
            keyed = [p for p in keyed if _sort_key(p[0]) > _sort_key(after)]
        except TypeError as exc:
            raise ValidationFailed([Problem(("cursor",), "belongs to another list")]) from exc
    shown = keyed[:limit]
    more = len(keyed) > limit
    return Page([i for _, i in shown], encode_cursor(tuple(shown[-1][0])) if more and shown else None)


def _sort_key(values: list[Any]) -> tuple[Any, ...]:
    # None sorts first; everything else by value (keys of one list have one type per position).
    return tuple((v is not None, v) for v in values)
