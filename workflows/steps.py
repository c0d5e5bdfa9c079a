"""What the workflows share: running an activity under the common retry policy, and waiting out an update.

Deterministic workflow code only (imported by the workflow modules inside the sandbox).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
SHORT = timedelta(seconds=30)  # an attempt of a step that reads or writes a few records


async def step(method: Callable[..., Any], input: Any, *, within: timedelta = SHORT, **options: Any) -> Any:
    """Run an activity method with the common retry policy; each attempt has ``within`` to finish."""
    return await workflow.execute_activity_method(
        method, input, start_to_close_timeout=within, retry_policy=RETRY, **options
    )


async def settled(done: Callable[[], bool], busy: Callable[[], bool], until: datetime) -> bool:
    """Wait until ``done()`` (True) or ``until`` comes (False).

    An update whose activity is running (``busy()``) is waited for first, so that its outcome counts
    even when it lands after ``until``.
    """
    while True:
        delay = until - workflow.now()
        if delay > timedelta(0):
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: done() or busy(), timeout=delay)
        if busy():
            await workflow.wait_condition(lambda: not busy())
        if done():
            return True
        if workflow.now() >= until:
            return False
