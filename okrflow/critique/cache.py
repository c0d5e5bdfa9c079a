"""A small in-memory LRU cache for LLM critiques, keyed by a hash of (prompt version, model, language, draft).

In-memory and per process: a restart or a second worker starts empty. That is enough to stop a user who
submits the same draft twice (or a retried activity) from paying for a second model call; a shared cache
(Redis, the database) can implement the same two methods later.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from typing import Generic, TypeVar

from okrflow.domain.model import Language

from .draft import Draft

V = TypeVar("V")


def critique_cache_key(*, prompt_version: str, model: str, lang: Language, draft: Draft) -> str:
    """The same draft, prompt and model give the same key; any change to one of them gives another.

    The draft's ``id`` is left out: two people submitting the same text share the answer.
    """
    payload = {
        "prompt": prompt_version,
        "model": model,
        "lang": lang.value,
        "draft": draft.model_dump(mode="json", exclude={"id"}),
    }
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class LRUCache(Generic[V]):
    """At most ``max_entries`` values; the least recently used goes first. Thread-safe."""

    def __init__(self, max_entries: int = 512) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self._data: OrderedDict[str, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> V | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: str, value: V) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)
