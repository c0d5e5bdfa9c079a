"""Calling a workflow from the API (start, update, query, signal): Temporal's refusals as the core's errors.

A validator's refusal or a business error of the step is ``InvalidState`` (409) with its reason, as is a
workflow that is not running; a workflow that does not answer in time, or a server that cannot be
reached, is ``Unavailable`` (503).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from temporalio.client import (
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from okrflow.domain.errors import InvalidState, Unavailable

T = TypeVar("T")


async def call_workflow(what: str, call: Awaitable[T], *, not_running: str | None = None) -> T:
    """Await a Temporal call about the workflow of ``what`` (e.g. "cycle 'q1'").

    ``not_running`` replaces the message of the ``InvalidState`` raised when that workflow is not running.
    """
    try:
        return await call
    except WorkflowUpdateFailedError as exc:
        raise InvalidState(failure_reason(exc.cause)) from None
    except (WorkflowQueryRejectedError, WorkflowQueryFailedError) as exc:
        raise InvalidState(f"the workflow of {what} cannot answer now: {exc}") from None
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise Unavailable(f"the workflow of {what} did not answer in time; try again") from None
    except RPCError as exc:
        if exc.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            raise InvalidState(
                not_running or f"the workflow of {what} is not running: {exc.message}"
            ) from None
        if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            raise Unavailable(f"Temporal cannot be reached: {exc.message}") from None
        raise


def failure_reason(failure: BaseException) -> str:
    """The innermost application error's message: a validator's refusal, or an activity's business error
    (not "Activity task failed")."""
    reason = getattr(failure, "message", None) or str(failure)
    seen: BaseException | None = failure
    while seen is not None:
        if isinstance(seen, ApplicationError) and seen.message:
            reason = seen.message
        seen = seen.__cause__
    return reason
