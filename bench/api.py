"""API benchmark: concurrent check-ins and dashboard reads against the real app over loopback.

1. Generates a 10,000-person org (``okrflow.synthetic``) into a fresh SQLite database (and a
   fresh PostgreSQL database when ``--postgres URL`` or ``OKRFLOW_TEST_POSTGRES_URL`` is set),
   builds the dashboard roll-ups and creates API tokens for the KR owners it will check in as.
2. Starts the real app (``api.app.create_app``) with uvicorn in a subprocess (no Temporal: the
   routes measured do not need it).
3. From this process, drives the server over loopback with ``--concurrency`` clients:
   - baseline: ``GET /health/live`` (answers without touching the database or Temporal);
   - ``GET /api/v1/dashboards/org`` as the OKR ambassador;
   - ``POST /api/v1/key-results/{id}/check-ins`` as each KR's owner (with an Idempotency-Key);
   - a mix: check-ins and org/team dashboard reads at the same time.
   and prints p50/p95/p99 latency and throughput per route next to the baseline.

Targets: org dashboard p95 < 150 ms; check-in p95 < 50 ms on SQLite.

    .venv/bin/python bench/api.py [--people 10000] [--requests 400] [--concurrency 1,4,8] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench.harness import percentile, timed
from okrflow.runtime.embedded import free_port

TARGETS_MS = {"org dashboard": 150.0, "check-in": 50.0}


# ---------------------------------------------------------------- the server process


def serve(database_url: str, port: int) -> None:
    """Run the app with uvicorn (``--serve``): one worker process, as `okrflow api` would."""
    import uvicorn

    from api.app import create_app
    from okrflow.runtime.settings import Settings

    app = create_app(Settings(database_url=database_url))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# ---------------------------------------------------------------- preparing a database


@dataclass
class Prepared:
    url: str
    org_as_of: str
    ambassador_token: str
    team_ids: list[str]
    check_ins: list[tuple[str, str]]  # (kr id, owner's token)
    timings: dict[str, float] = field(default_factory=dict)


def prepare(url: str, *, people: int, seed: int, owners: int) -> Prepared:
    from sqlalchemy import func, select

    from okrflow.domain.model import Role
    from okrflow.services.rollups import rebuild
    from okrflow.store import TokenStore, make_engine, make_session_factory, unit_of_work
    from okrflow.store.migrate import upgrade
    from okrflow.store.rollups import rollup_key_results
    from okrflow.synthetic import generate_org

    timings: dict[str, float] = {}
    timings["generate"], org = timed(lambda: generate_org(seed=seed, people=people, org_id="bench"))
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)

    def write() -> None:
        with unit_of_work(factory) as session:
            org.write(session)

    def rebuild_rollups() -> int:
        with unit_of_work(factory) as session:
            rebuild(session, org.org.id, org.cycle.id)
            return session.execute(select(func.count()).select_from(rollup_key_results)).scalar_one()

    timings["write"], _ = timed(write)
    timings["rebuild roll-ups"], built = timed(rebuild_rollups)
    rng = random.Random(seed)
    active = {p.id for p in org.people if p.active}
    krs = [k for k in org.key_results if k.owner_id in active]
    chosen = rng.sample(krs, min(owners, len(krs)))
    with unit_of_work(factory) as session:
        store = TokenStore(session)
        ambassador = next(p for p in org.people if p.role is Role.AMBASSADOR and p.active)
        ambassador_token = store.create(org.org.id, ambassador.id, "bench")[1]
        tokens: dict[str, str] = {}
        for kr in chosen:
            owner = kr.owner_id or ""
            if owner not in tokens:
                tokens[owner] = store.create(org.org.id, owner, "bench")[1]
    engine.dispose()
    roots = [t.id for t in org.teams if t.parent_id is not None]
    print(
        f"  org: {len(org.people):,} people, {len(org.teams):,} teams, {len(org.key_results):,} KRs "
        f"({built:,} roll-up rows), {len(org.tasks):,} tasks, {len(org.check_ins):,} check-ins; "
        + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
    )
    return Prepared(
        url=url,
        org_as_of=org.as_of.isoformat(),
        ambassador_token=ambassador_token,
        team_ids=rng.sample(roots, min(50, len(roots))),
        check_ins=[(k.id, tokens[k.owner_id or ""]) for k in chosen],
        timings=timings,
    )


# ---------------------------------------------------------------- driving load


@dataclass
class Samples:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: dict[int | str, int] = field(default_factory=dict)
    wall: float = 0.0

    def line(self, baseline: Samples | None) -> str:
        lat = sorted(self.latencies)
        if not lat:
            return f"  {self.name:<22} no successful request; errors {self.errors}"
        p50 = statistics.median(lat) * 1000
        p95 = percentile(lat, 0.95) * 1000
        p99 = percentile(lat, 0.99) * 1000
        rps = len(lat) / self.wall if self.wall else 0.0
        ratio = ""
        if baseline is not None and baseline is not self and baseline.latencies:
            ratio = f"  p50 = {p50 / (statistics.median(baseline.latencies) * 1000):.1f}x baseline"
        target = TARGETS_MS.get(self.name)
        verdict = ""
        if target is not None:
            verdict = f"  target p95 < {target:.0f} ms: {'met' if p95 < target else 'MISSED'}"
        errs = f"  errors {self.errors}" if self.errors else ""
        return (
            f"  {self.name:<22} n={len(lat):>5}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  p99 {p99:7.1f} ms  "
            f"{rps:7.1f} req/s{ratio}{verdict}{errs}"
        )


Request = tuple[str, str, dict[str, Any]]  # method, path, httpx kwargs


async def drive(
    client: httpx.AsyncClient, requests: dict[str, list[Request]], concurrency: int
) -> dict[str, Samples]:
    """Send every request (the lists interleaved) with ``concurrency`` workers; time each one."""
    samples = {name: Samples(name) for name in requests}
    queue: list[tuple[str, Request]] = []
    lists = {k: list(v) for k, v in requests.items()}
    while any(lists.values()):
        for name, items in lists.items():
            if items:
                queue.append((name, items.pop()))
    queue.reverse()

    async def worker() -> None:
        while queue:
            name, (method, path, kwargs) = queue.pop()
            start = time.perf_counter()
            try:
                response = await client.request(method, path, **kwargs)
                status: int | str = response.status_code
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            elapsed = time.perf_counter() - start
            s = samples[name]
            if isinstance(status, int) and status < 400:
                s.latencies.append(elapsed)
            else:
                s.errors[status] = s.errors.get(status, 0) + 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - start
    for s in samples.values():
        s.wall = wall
    return samples


def check_in(kr_id: str, token: str, rng: random.Random) -> Request:
    body = {
        "value": round(rng.uniform(0, 100), 1),
        "confidence": rng.randint(3, 9),
        "note": "bench",
        "blockers": [],
        "next_priorities": [],
    }
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
    return ("POST", f"/api/v1/key-results/{kr_id}/check-ins", {"json": body, "headers": headers})


async def run_load(base_url: str, p: Prepared, *, n: int, concurrency: int, seed: int) -> None:
    rng = random.Random(seed)
    amb = {"Authorization": f"Bearer {p.ambassador_token}"}
    as_of = {"as_of": p.org_as_of}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:
        warm = [("GET", "/api/v1/dashboards/org", {"headers": amb, "params": as_of})] * 5
        await drive(client, {"warm-up": warm + [("GET", "/health/live", {})] * 20}, 2)

        def dashboards(k: int) -> list[Request]:
            return [("GET", "/api/v1/dashboards/org", {"headers": amb, "params": as_of})] * k

        def check_ins(k: int) -> list[Request]:
            return [check_in(*rng.choice(p.check_ins), rng) for _ in range(k)]

        def teams(k: int) -> list[Request]:
            return [
                (
                    "GET",
                    f"/api/v1/dashboards/teams/{rng.choice(p.team_ids)}",
                    {"headers": amb, "params": as_of},
                )
                for _ in range(k)
            ]

        base = (
            await drive(client, {"baseline /health/live": [("GET", "/health/live", {})] * n}, concurrency)
        )["baseline /health/live"]
        print(f"  each phase alone, {concurrency} concurrent clients:")
        print(base.line(None))
        print(
            (await drive(client, {"org dashboard": dashboards(n)}, concurrency))["org dashboard"].line(base)
        )
        print((await drive(client, {"check-in": check_ins(n)}, concurrency))["check-in"].line(base))
        print((await drive(client, {"team dashboard": teams(n)}, concurrency))["team dashboard"].line(base))
        print(f"  mixed, {concurrency} concurrent clients (check-ins while dashboards are read):")
        mixed = await drive(
            client,
            {"check-in": check_ins(n), "org dashboard": dashboards(n // 2), "team dashboard": teams(n // 2)},
            concurrency,
        )
        for s in mixed.values():
            print(s.line(base))


def bench_backend(label: str, url: str, args: argparse.Namespace) -> None:
    print(f"\n== {label} ==")
    prepared = prepare(url, people=args.people, seed=args.seed, owners=args.owners)
    port = free_port()
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", url, "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base_url}/health/live", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise SystemExit(
                        f"the server did not start:\n{log.read().decode(errors='replace')[-2000:]}"
                    )
                time.sleep(0.1)
            for level in [int(c) for c in str(args.concurrency).split(",")]:
                asyncio.run(run_load(base_url, prepared, n=args.requests, concurrency=level, seed=args.seed))
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--requests", type=int, default=400, help="requests per route and phase")
    parser.add_argument(
        "--concurrency", default="1,4,8", help="concurrent clients; a comma-separated list runs each level"
    )
    parser.add_argument("--owners", type=int, default=300, help="distinct KRs (and owners) checked in on")
    parser.add_argument("--postgres", default=os.environ.get("OKRFLOW_TEST_POSTGRES_URL"))
    parser.add_argument("--serve", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    print(
        f"okrflow API benchmark: {args.people:,} people, {args.requests} requests per route, "
        f"concurrency {args.concurrency}, {os.cpu_count()} CPUs (server and clients share them)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        bench_backend("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", args)
    if args.postgres:
        from sqlalchemy import text
        from sqlalchemy.engine import make_url

        from okrflow.store import make_engine

        name = f"okrflow_bench_{uuid.uuid4().hex[:8]}"
        admin = make_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
            bench_backend("PostgreSQL", url, args)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
