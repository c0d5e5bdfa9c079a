"""How an activity that writes runs: in one transaction, a keyed step once, a business refusal final.

Activity classes given a session factory derive from ``StoreActivities``. ``once`` claims a key in
the same transaction as the step's writes (``ActivityKeyStore.run_once``), so a retried step returns
the first result and writes nothing twice. Inside ``business_outcomes`` an ``OKRFlowError`` (an
expected refusal: the wrong state, a missing record) fails the step without a retry; any other
exception is a fault, and Temporal retries it. A long step that the workflow gives a heartbeat
timeout runs inside ``heartbeating``.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from okrflow.domain.errors import OKRFlowError
from okrflow.store import ActivityKeyStore, unit_of_work

ResultT = TypeVar("ResultT", bound=BaseModel)


@contextmanager
def business_outcomes() -> Iterator[None]:
    """An expected business outcome fails the step without retrying, with the user-facing message."""
    try:
        yield
    except OKRFlowError as exc:
        raise ApplicationError(exc.message, type=type(exc).__name__, non_retryable=True) from exc


@contextmanager
def heartbeating(every: float = 30.0) -> Iterator[None]:
    """Heartbeat every ``every`` seconds while the block runs (in a thread of its own, since the block
    computes and waits without coming back here): a live worker's long step is not taken for a dead
    worker's, and a dead worker stops beating. For sync activities, which run in a worker thread."""
    context = contextvars.copy_context()  # the activity's, for the heartbeat thread
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            context.run(activity.heartbeat)

    ticker = threading.Thread(target=beat, name="activity-heartbeat", daemon=True)
    ticker.start()
    try:
        yield
    finally:
        stop.set()
        ticker.join()


class StoreActivities:
    """Activities given a session factory: each step runs in a transaction of its own."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.sessions = session_factory

    def once(
        self, key: str, step: Callable[[Session], Any], result: type[ResultT], *, at: datetime | None
    ) -> ResultT:
        """Run ``step`` in one transaction, once per ``key``; a retry returns the first result."""
        with unit_of_work(self.sessions) as session:
            done = ActivityKeyStore(session).run_once(key, lambda: step(session), at=at)
        return result.model_validate(done)
