"""Every recorded history replays against the current workflow code: a change that would break
a running workflow fails here (guard it with ``workflow.patched`` and keep the old history)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows.registry import ALL_WORKFLOWS

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


TEXTS = {p: p.read_text() for p in HISTORIES}


def _workflow_type(text: str) -> str:
    first = json.loads(text)["events"][0]
    return str(first["workflowExecutionStartedEventAttributes"]["workflowType"]["name"])


def test_there_is_a_recorded_history_for_every_workflow() -> None:
    assert {_workflow_type(t) for t in TEXTS.values()} == {w.__name__ for w in ALL_WORKFLOWS}


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_a_recorded_history_replays_against_the_current_code(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, TEXTS[path])
    replayer = Replayer(workflows=list(ALL_WORKFLOWS), data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"
