"""Running okrflow: the embedded all-in-one (`serve`) and the separate parts (`api`, `worker`).

`serve` starts the Temporal dev server (unless OKRFLOW_TEMPORAL_ADDRESS names one), a
worker and the API in one process. Ctrl-C (or SIGTERM) stops all three; the data
directory keeps the database and the Temporal state for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Iterator, Sequence

import uvicorn
from temporalio.client import Client

from okrflow.runtime.embedded import EmbeddedTemporal
from okrflow.runtime.settings import Settings

log = logging.getLogger("okrflow")


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: `serve` owns SIGINT/SIGTERM for all parts."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


async def run_serve(
    settings: Settings,
    *,
    echo: Callable[[str], None] = print,
    start_cycles: Sequence[tuple[str, str]] = (),
) -> None:
    """The embedded runtime: dev server + worker + API until a signal arrives.

    ``start_cycles`` lists (org, cycle) pairs whose cycle workflow starts now (the demo's).
    """
    from okrflow.runtime.temporal import connect
    from okrflow.runtime.worker import build_worker

    stop = asyncio.Event()
    _stop_on_signals(stop)
    embedded: EmbeddedTemporal | None = None
    try:
        if settings.embedded_temporal:
            embedded = EmbeddedTemporal(
                settings.data_dir,
                port=settings.embedded_temporal_port,
                ui_port=settings.embedded_temporal_ui_port,
                namespace=settings.temporal_namespace,
            )
            echo(f"starting the Temporal dev server on {embedded.address} (state in {settings.data_dir})")
            embedded.start()
            await embedded.wait_ready()
        client = await connect(settings)
        worker = build_worker(settings, client)
        app = _make_app(settings, client)
        server = _Server(
            uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning", lifespan="on")
        )
        worker_task = asyncio.create_task(worker.run(), name="worker")
        api_task = asyncio.create_task(server.serve(), name="api")
        stopper = asyncio.create_task(stop.wait(), name="stop")
        while not server.started and not api_task.done():  # noqa: ASYNC110 - uvicorn exposes a flag only
            await asyncio.sleep(0.05)
        for org_id, cycle_id in start_cycles:
            await _start_cycle(client, settings, org_id, cycle_id, echo)
        if server.started:
            echo(f"okrflow is running at http://{settings.host}:{settings.port}  (Ctrl-C to stop)")
        done, _ = await asyncio.wait({worker_task, api_task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        echo("stopping okrflow ...")
        server.should_exit = True
        if not worker_task.done():
            await worker.shutdown()
        await asyncio.gather(api_task, worker_task, return_exceptions=True)
        stopper.cancel()
        for task in done:
            if task is not stopper and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
    finally:
        if embedded is not None:
            embedded.stop()


async def run_api(settings: Settings, *, echo: Callable[[str], None] = print) -> None:
    from okrflow.runtime.temporal import connect

    stop = asyncio.Event()
    _stop_on_signals(stop)
    client = await connect(settings)
    server = _Server(
        uvicorn.Config(
            _make_app(settings, client), host=settings.host, port=settings.port, log_level="warning"
        )
    )
    api_task = asyncio.create_task(server.serve())
    echo(f"okrflow API on http://{settings.host}:{settings.port}")
    await asyncio.wait({api_task, asyncio.create_task(stop.wait())}, return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    await api_task


async def run_worker(settings: Settings, *, echo: Callable[[str], None] = print) -> None:
    from okrflow.runtime.temporal import connect
    from okrflow.runtime.worker import build_worker

    stop = asyncio.Event()
    _stop_on_signals(stop)
    client = await connect(settings)
    worker = build_worker(settings, client)
    task = asyncio.create_task(worker.run())
    echo(
        f"okrflow worker on task queue {settings.temporal_task_queue!r} "
        f"at {settings.resolved_temporal_address}"
    )
    await asyncio.wait({task, asyncio.create_task(stop.wait())}, return_when=asyncio.FIRST_COMPLETED)
    if not task.done():
        await worker.shutdown()
    await asyncio.gather(task, return_exceptions=True)


async def _start_cycle(
    client: Client, settings: Settings, org_id: str, cycle_id: str, echo: Callable[[str], None]
) -> None:
    from okrflow.domain.errors import Conflict
    from okrflow.services.cycles import start_cycle

    try:
        started = await start_cycle(client, org_id, cycle_id, task_queue=settings.temporal_task_queue)
        echo(f"the cycle {cycle_id} is running (workflow {started.workflow_id})")
    except Conflict:
        pass  # already running: a restart resumes it where it was


def _make_app(settings: Settings, client: object) -> object:
    from api.app import create_app

    return create_app(settings, temporal_client=client)
