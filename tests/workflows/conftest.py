"""One time-skipping Temporal test server per test process (no download: the binary is in the venv)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.workflows.clock import own_environment


@pytest.fixture(scope="session")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async with own_environment() as environment:
        yield environment
