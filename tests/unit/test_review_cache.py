"""The per-process cache of a weekly review's shared work: built once per shard however many batches ask."""

from __future__ import annotations

import threading
import time
import weakref
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from activities.review_shared import ReviewCache, ReviewKey, Shard, SharedReview, shard_of
from okrflow.domain.model import Phase

AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def key(week: int, org: str = "org", shard: Shard = Shard()) -> tuple[ReviewKey, Shard]:
    review = ReviewKey(
        org_id=org, cycle_id="q1", week=week, as_of=AT, phase=Phase.EXECUTION, rule_set_version=1
    )
    return review, shard


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


def test_each_shard_of_a_review_is_built_once_and_dropped_with_the_review() -> None:
    cache = ReviewCache(capacity=4)
    halves = [Shard(0, 2), Shard(1, 2)]
    for shard in halves * 2:
        cache.get(key(8, shard=shard), lambda shard=shard: built(f"half {shard.index}"))  # type: ignore[misc]
    assert [cache.get(key(8, shard=s), lambda: built("again")) for s in halves] == [
        {"label": "half 0"},
        {"label": "half 1"},
    ]
    cache.drop("org", "q1", 8)
    assert cache.peek("org", "q1", 8, AT) is None


def test_shards_split_the_teams_stably_and_the_teamless_go_with_the_first() -> None:
    teams = [f"team-{i}" for i in range(200)]
    halves = [Shard(0, 2).teams(teams), Shard(1, 2).teams(teams)]
    assert halves[0] is not None and halves[1] is not None
    assert sorted(t for t in halves[0] + halves[1] if t is not None) == sorted(teams)
    assert None in halves[0] and None not in halves[1]
    assert 70 < len(halves[0]) < 130  # roughly even
    assert all(shard_of(t, 2) == 0 for t in halves[0] if t is not None)
    assert Shard().teams(teams) is None  # one shard: the whole cycle


class _Shard:
    """Stands in for a shard's shared work (something a weak reference can watch)."""


def test_a_review_dropped_for_later_is_freed_when_released_and_few_wait() -> None:
    cache = ReviewCache(capacity=2)
    watched = []
    for week in (6, 7, 8):
        held = _Shard()
        watched.append(weakref.ref(held))
        cache.get(key(week), lambda held=held: cast(SharedReview, held))  # type: ignore[misc]
        del held
        cache.drop("org", "q1", week, later=True)
    assert cache.peek("org", "q1", 8, AT) is None  # dropped: a new build would start afresh
    assert watched[0]() is None  # beyond the two that may wait: freed at once
    assert watched[1]() is not None and watched[2]() is not None
    assert cache.release_retired()
    assert [w() for w in watched] == [None, None, None]
    assert not cache.release_retired()
