"""The per-worker cache of a weekly review's shared work: built once however many batches ask."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from activities.review_shared import ReviewCache, ReviewKey, SharedReview
from okrflow.domain.model import Phase

AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def key(week: int, org: str = "org") -> ReviewKey:
    return ReviewKey(
        org_id=org, cycle_id="q1", week=week, as_of=AT, phase=Phase.EXECUTION, rule_set_version=1
    )


def built(label: str) -> SharedReview:
    return cast(SharedReview, {"label": label})  # the cache never looks inside


def test_batches_asking_at_once_share_one_build() -> None:
    cache = ReviewCache()
    builds: list[int] = []
    got: list[Any] = []

    def build() -> SharedReview:
        builds.append(1)
        time.sleep(0.05)  # the others arrive while this one loads
        return built("w8")

    threads = [threading.Thread(target=lambda: got.append(cache.get(key(8), build))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1
    assert len(got) == 4 and all(g is got[0] for g in got)


def test_a_failed_build_is_tried_again_by_the_next_batch() -> None:
    cache = ReviewCache()

    def broken() -> SharedReview:
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        cache.get(key(8), broken)
    assert cache.get(key(8), lambda: built("second try")) == {"label": "second try"}


def test_the_oldest_review_goes_first_and_a_published_one_is_forgotten() -> None:
    cache = ReviewCache(capacity=2)
    for week in (6, 7, 8):
        cache.get(key(week), lambda week=week: built(f"w{week}"))  # type: ignore[misc]
    assert cache.peek("org", "q1", 6, AT) is None
    assert cache.peek("org", "q1", 8, AT) == {"label": "w8"}
    cache.drop("org", "q1", 8)
    assert cache.peek("org", "q1", 8, AT) is None
    assert cache.peek("org", "q1", 7, AT) == {"label": "w7"}
    assert cache.get(key(8), lambda: built("rebuilt")) == {"label": "rebuilt"}
