"""`okrflow serve --demo` as a real process with the real Temporal dev server: it comes up, reports
the database and Temporal as up, serves the demo org, runs its cycle, stops cleanly on Ctrl-C
leaving no process behind, and the next start reuses the data."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from okrflow.runtime.embedded import find_binary, free_port

pytestmark = pytest.mark.e2e

TOKEN = re.compile(r"okf_[A-Za-z0-9_-]{20,}")


@dataclass
class Served:
    process: subprocess.Popen[str]
    url: str
    output: list[str]

    def text(self) -> str:
        return "\n".join(self.output)


def _processes_using(path: Path) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(path) in cmdline:
            found.append(f"{entry.name}: {cmdline}")
    return found


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (the review processes of ``okrflow serve``, say)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _serve(data: Path, port: int, temporal_port: int) -> Iterator[Served]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKRFLOW_")}
    env["OKRFLOW_EMBEDDED_TEMPORAL_PORT"] = str(temporal_port)
    cmd = [
        find_binary("okrflow"),
        "serve",
        "--demo",
        "--demo-people",
        "40",
        "--port",
        str(port),
        "--data-dir",
        str(data),
    ]
    process = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=data.parent
    )
    served = Served(process, f"http://127.0.0.1:{port}", [])
    assert process.stdout is not None
    deadline = time.monotonic() + 120
    for line in process.stdout:
        served.output.append(line.rstrip())
        if "okrflow is running at" in line:
            break
        if time.monotonic() > deadline:
            break
    else:
        pytest.fail(f"okrflow serve exited early with {process.wait()}:\n{served.text()}")
    try:
        yield served
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _stop(served: Served) -> int:
    served.process.send_signal(signal.SIGINT)
    try:
        code = served.process.wait(timeout=45)
    finally:
        assert served.process.stdout is not None
        served.output += served.process.stdout.read().splitlines()
    return code


def test_serve_comes_up_serves_the_demo_stops_cleanly_and_restarts_on_the_same_data(tmp_path: Path) -> None:
    data = tmp_path / "data"
    port, temporal_port = free_port(), free_port()

    first = _serve(data, port, temporal_port)
    served = next(first)
    token_match = TOKEN.search(served.text())
    assert token_match, served.text()
    auth = {"Authorization": f"Bearer {token_match.group()}"}
    with httpx.Client(base_url=served.url, timeout=30) as http:
        health = http.get("/health")
        assert health.status_code == 200, health.text
        assert health.json()["database"]["status"] == "up"
        assert health.json()["temporal"]["status"] == "up"
        assert http.get("/api/v1/cycles").status_code == 401  # nothing without a token
        cycles = http.get("/api/v1/cycles", headers=auth).json()["items"]
        assert len(cycles) == 1
        cycle = cycles[0]["id"]
        objectives = http.get("/api/v1/objectives", params={"cycle_id": cycle}, headers=auth).json()["items"]
        assert objectives and all(o["cycle_id"] == cycle for o in objectives)
        krs = http.get("/api/v1/key-results", params={"objective_id": objectives[0]["id"]}, headers=auth)
        assert krs.status_code == 200 and krs.json()["items"]
        # The demo cycle's workflow runs: it catches up with the latest weekly review that was due.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            status = http.get(f"/api/v1/cycles/{cycle}/status", headers=auth)
            if status.status_code == 200 and status.json()["reviews_done"]:
                break
            time.sleep(1)
        assert status.status_code == 200, status.text
        assert status.json()["reviews_done"], status.json()
    # The review ran in the worker's review processes (one per core here), besides the dev server.
    helpers = {
        pid
        for pid in _children(served.process.pid)
        if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    }
    assert len(helpers) == min(os.cpu_count() or 1, 4), helpers
    assert _stop(served) == 0, served.text()
    next(first, None)
    assert _processes_using(data) == []
    deadline = time.monotonic() + 5
    while any(Path(f"/proc/{pid}").exists() for pid in helpers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in helpers if Path(f"/proc/{pid}").exists()], "a review process outlived serve"

    second_run = _serve(data, port, temporal_port)
    again = next(second_run)
    try:
        assert not TOKEN.search(again.text()), "the first admin token is printed only once"
        assert "generating the demo" not in again.text()
        with httpx.Client(base_url=again.url, timeout=30) as http:
            assert http.get("/health").status_code == 200
            assert [c["id"] for c in http.get("/api/v1/cycles", headers=auth).json()["items"]] == [cycle]
            status = http.get(f"/api/v1/cycles/{cycle}/status", headers=auth)
            assert status.status_code == 200 and status.json()["reviews_done"]  # resumed where it was
    finally:
        assert _stop(again) == 0, again.text()
        next(second_run, None)
    assert _processes_using(data) == []


def test_the_cli_reports_a_bad_setting_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "OKRFLOW_LLM_API_KEY": "changeme"}
    result = subprocess.run(
        [sys.executable, "-m", "okrflow.cli", "db", "upgrade"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode != 0
    assert "placeholder" in result.stderr and "Traceback" not in result.stderr
