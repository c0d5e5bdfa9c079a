"""Weekly review benchmark: one review of a 10,000-person org end to end, on SQLite and PostgreSQL.

The generated org (fixed seed) goes into a fresh database per backend. In the same run:

- baseline: the rows a review reads (the cycle's objectives and alignments, key results, tasks and
  their dependencies, check-ins up to the review instant, people, teams, pulses, calendar events),
  fetched with plain driver queries, building nothing (warm, the cyclic GC paused as the store's
  own loads pause it);
- review: ``WeeklyReviewWorkflow`` for one week, through Temporal, the real worker and the real
  activities (snapshot, facts, rules, flags, ladders, sheets, digests, notifications), from the
  workflow's start to its result. The worker is already running, as a deployed worker is: its
  start-up is not part of a review. It reviews in its default review processes (one per core,
  at most 4; ``OKRFLOW_REVIEW_PROCESSES`` sets them), which the untimed warm-up review starts.

The week before is reviewed first, untimed, so the timed week advances real escalation ladders,
as it would in a quarter. Target: the review within 3x of the raw read and under 30 s.

    .venv/bin/python bench/weekly_review.py [--people 10000] [--seed 7] [--week 8] [--postgres URL]
                                            [--temporal dev|test] [--strict]

PostgreSQL is used when --postgres or OKRFLOW_TEST_POSTGRES_URL is set (a throwaway schema).
Temporal: ``dev`` (default) is the dev server ``okrflow serve`` embeds, with its history in a
SQLite file like in production; ``test`` is the in-memory time-skipping server the tests use.
Either starts before the clock does. ``--strict`` exits with status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, func, select
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from bench.harness import Query, driver_instant, fetch_count, placeholder, timed, timed_async
from okrflow.domain.calendar import phase_at, review_time
from okrflow.domain.model import Cycle
from okrflow.runtime.embedded import EmbeddedTemporal, find_binary, free_port
from okrflow.runtime.settings import Settings
from okrflow.runtime.worker import build_worker
from okrflow.store.base import gc_paused
from okrflow.store.db import make_session_factory, unit_of_work
from okrflow.store.migrate import scratch_database
from okrflow.store.tables import digest_items, escalations, flags, metadata, notifications, weekly_sheets
from okrflow.synthetic import SyntheticOrg, generate_org
from workflows.messages import ReviewInput, ReviewResult
from workflows.weekly_review import WeeklyReviewWorkflow

TARGET_RATIO = 3.0
TARGET_SECONDS = 30.0


# ---------------------------------------------------------------- baseline: the rows, raw


def raw_read(engine: Engine, org_id: str, cycle: str, as_of: datetime, week: int) -> int:
    """Fetch every row a review of ``week`` reads with the driver; return how many rows came back."""
    mark = placeholder(engine.dialect.name)
    bound = driver_instant(engine.dialect.name, as_of)
    objs = f"SELECT id FROM objectives WHERE cycle_id = {mark}"
    krs = f"SELECT id FROM key_results WHERE objective_id IN ({objs})"
    task_ids = f"SELECT id FROM tasks WHERE kr_id IN ({krs})"
    queries: list[Query] = [
        (f"SELECT * FROM cycles WHERE id = {mark}", (cycle,)),
        (f"SELECT * FROM people WHERE org_id = {mark}", (org_id,)),
        (f"SELECT * FROM teams WHERE org_id = {mark}", (org_id,)),
        (f"SELECT * FROM objectives WHERE cycle_id = {mark}", (cycle,)),
        (
            f"SELECT objective_id, parent_id FROM objective_alignments WHERE objective_id IN ({objs})"
            " ORDER BY objective_id, position",
            (cycle,),
        ),
        (f"SELECT * FROM key_results WHERE objective_id IN ({objs})", (cycle,)),
        (f"SELECT * FROM tasks WHERE kr_id IN ({krs})", (cycle,)),
        (
            f"SELECT task_id, depends_on_id FROM task_dependencies WHERE task_id IN ({task_ids})"
            " ORDER BY task_id, position",
            (cycle,),
        ),
        (
            f"SELECT * FROM check_ins WHERE kr_id IN ({krs}) AND at <= {mark} ORDER BY kr_id, at, id",
            (cycle, bound),
        ),
        (
            f"SELECT * FROM health_pulses WHERE cycle_id = {mark} AND week <= {mark} ORDER BY week",
            (cycle, week),
        ),
        (f'SELECT * FROM calendar_events WHERE cycle_id = {mark} ORDER BY "on", id', (cycle,)),
    ]
    return fetch_count(engine, queries)


# ---------------------------------------------------------------- Temporal


@asynccontextmanager
async def temporal(kind: str, directory: Path) -> AsyncIterator[Client]:
    if kind == "test":
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=find_binary("temporal-test-server"),
            data_converter=pydantic_data_converter,
        )
        try:
            yield env.client
        finally:
            await env.shutdown()
        return
    server = EmbeddedTemporal(directory / "temporal", port=free_port())
    server.start()
    try:
        await server.wait_ready()
        yield await Client.connect(server.address, data_converter=pydantic_data_converter)
    finally:
        server.stop()


@asynccontextmanager
async def review_worker(client: Client, engine: Engine, directory: Path) -> AsyncIterator[str]:
    """The real worker, running on a task queue of its own (yielded) until the block ends."""
    settings = Settings(data_dir=directory, temporal_task_queue=f"okrflow-bench-{uuid.uuid4()}")
    async with build_worker(settings, client, session_factory=make_session_factory(engine)):
        yield settings.temporal_task_queue


async def run_review(client: Client, task_queue: str, review: Review, week: int) -> ReviewResult:
    """One weekly review through Temporal: the real workflow, worker and activities."""
    at = review.at(week)
    return await client.execute_workflow(
        WeeklyReviewWorkflow.run,
        ReviewInput(
            org_id=review.org_id,
            cycle_id=review.cycle.id,
            week=week,
            as_of=at,
            phase=phase_at(review.cycle, at),
        ),
        id=f"bench-review-{uuid.uuid4()}",
        task_queue=task_queue,
    )


def written(engine: Engine, week: int) -> dict[str, int]:
    with unit_of_work(make_session_factory(engine)) as session:
        out = {}
        for name, table in (
            ("flags", flags),
            ("escalations", escalations),
            ("digest items", digest_items),
            ("sheets", weekly_sheets),
        ):
            where = [table.c.week == week] if "week" in table.c else []
            out[name] = session.scalar(select(func.count()).select_from(table).where(*where)) or 0
        out["notifications"] = session.scalar(select(func.count()).select_from(notifications)) or 0
        return out


# ---------------------------------------------------------------- one backend


@dataclass(frozen=True)
class Review:
    """What the timed part needs of the generated org (the org itself is dropped before timing)."""

    org_id: str
    cycle: Cycle
    week: int

    def at(self, week: int) -> datetime:
        at = review_time(self.cycle, week)
        assert at is not None, f"week {week} has no review"
        return at


def write(engine: Engine, org: SyntheticOrg) -> None:
    with unit_of_work(make_session_factory(engine)) as session:
        write_s, rows = timed(lambda: org.write(session))
    print(f"  {engine.dialect.name:<10} written in {write_s:.1f} s ({sum(rows.values()):,} rows)")
    settle(engine)


def settle(engine: Engine) -> None:
    """Bring a freshly bulk-loaded database to its everyday state before anything is timed: the
    statistics a planner needs, the write-ahead log folded in. Otherwise PostgreSQL's own
    autovacuum and checkpoint of half a million new rows run during whichever review comes next
    (seen: the SQLite review 0.5 s slower when PostgreSQL had been written just before it)."""
    raw = engine.raw_connection()  # outside a transaction, as VACUUM and a checkpoint must be
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            raw.driver_connection.autocommit = True  # type: ignore[union-attr]
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(t.name for t in metadata.sorted_tables)}")
            cursor.execute("CHECKPOINT")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        raw.close()


def raw_baseline(engine: Engine, review: Review) -> tuple[float, int]:
    """The raw read, warm, with the cyclic GC paused as the store's own loads pause it."""
    at = review.at(review.week)
    raw_read(engine, review.org_id, review.cycle.id, at, review.week)  # warm the caches the review finds warm
    with gc_paused():
        return timed(lambda: raw_read(engine, review.org_id, review.cycle.id, at, review.week))


async def run_backend(name: str, engine: Engine, client: Client, review: Review, directory: Path) -> bool:
    print(f"\n== {name}")
    base_s, n = raw_baseline(engine, review)
    print(f"raw read           {base_s:7.2f} s  ({n:,} rows)")
    week = review.week
    async with review_worker(client, engine, directory) as task_queue:
        warm_s, _ = await timed_async(run_review(client, task_queue, review, week - 1))
        print(f"review week {week - 1:<2}     {warm_s:7.2f} s  (warm-up, untimed: opens last week's ladders)")
        review_s, result = await timed_async(run_review(client, task_queue, review, week))
    ratio = review_s / base_s
    ok = ratio <= TARGET_RATIO and review_s <= TARGET_SECONDS
    print(
        f"review week {week:<2}     {review_s:7.2f} s  ({result.flags:,} flags, "
        f"{result.rungs_fired:,} rungs fired, "
        f"{result.open_escalations:,} open escalations, {result.consultations} consultations, "
        f"{result.digests:,} digests)"
    )
    print("written: " + ", ".join(f"{v:,} {k}" for k, v in written(engine, week).items()))
    print(
        f"ratio              {ratio:7.2f}x  (target <= {TARGET_RATIO:.0f}x and <= {TARGET_SECONDS:.0f} s: "
        f"{'met' if ok else 'NOT met'})"
    )
    return ok


async def main_async(args: argparse.Namespace) -> bool:
    gen_s, org = timed(lambda: generate_org(seed=args.seed, people=args.people, as_of_week=args.week))
    sizes = ", ".join(f"{v:,} {k}" for k, v in org.counts().items())
    print(f"generated in {gen_s:.1f} s (seed {args.seed}): {sizes}")
    review = Review(org_id=org.org.id, cycle=org.cycle, week=args.week)
    backends = [("sqlite", None)] + ([("postgresql", args.postgres)] if args.postgres else [])
    ok = True
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        directory = Path(tmp)
        engines = {
            name: stack.enter_context(
                scratch_database(name, directory=directory, postgres_url=url, prefix="okrflow_bench_review")
            )
            for name, url in backends
        }
        for engine in reversed(engines.values()):  # PostgreSQL first: its background work settles meanwhile
            write(engine, org)
        # A worker holds no generated org: drop it, so that it costs the timed part nothing.
        del org
        gc.collect()
        async with temporal(args.temporal, directory) as client:
            for name, engine in engines.items():
                ok &= await run_backend(name, engine, client, review, directory)
    if not args.postgres:
        print("\n(PostgreSQL skipped: pass --postgres URL or set OKRFLOW_TEST_POSTGRES_URL)")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--week", type=int, default=8, help="the week reviewed (the week before warms up)")
    parser.add_argument("--postgres", default=os.environ.get("OKRFLOW_TEST_POSTGRES_URL"))
    parser.add_argument("--temporal", choices=("dev", "test"), default="dev")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a target is not met")
    args = parser.parse_args()
    if args.week < 2:
        parser.error("--week: at least 2 (the week before is reviewed first)")
    ok = asyncio.run(main_async(args))
    if args.strict and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
