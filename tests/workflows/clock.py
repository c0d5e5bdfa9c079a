"""Time-skipping test servers: the one the session shares, and one of a module's own.

The test server's clock only moves forward and is shared by every test that uses the server: a module
that runs to the end of a quarter would leave the next module's cycle (which starts at ``FUTURE_START``)
in the past. Such a module overrides the session's ``env`` with a server of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from okrflow.runtime.embedded import find_binary


@asynccontextmanager
async def own_environment() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server from the binary in the venv (no download), with the pydantic converter."""
    environment = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server"),
        data_converter=pydantic_data_converter,
    )
    try:
        yield environment
    finally:
        await environment.shutdown()
