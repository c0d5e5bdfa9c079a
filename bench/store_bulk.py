"""Store benchmark: bulk-load a 10,000-person org, then load cycle snapshots, on SQLite and PostgreSQL.

Each timing is printed next to a baseline measured in the same run on the same rows:
- bulk_load vs the driver's raw ``executemany`` of pre-converted tuples into the same tables;
- load_snapshot (whole cycle, and team by team) vs raw driver fetches of the same columns.

    .venv/bin/python bench/store_bulk.py [--people 10000] [--seed 7] [--postgres URL]

PostgreSQL is used when --postgres or OKRFLOW_TEST_POSTGRES_URL is set (a throwaway schema).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import tempfile
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine

from bench.harness import Query, driver_instant, fetch_count, placeholder, timed
from okrflow.domain.model import (
    CheckIn,
    Cycle,
    Direction,
    KeyResult,
    KRKind,
    Objective,
    Org,
    Person,
    Task,
    TaskStatus,
    Team,
)
from okrflow.store.bulk import CHUNK, bulk_load
from okrflow.store.db import make_session_factory, unit_of_work
from okrflow.store.migrate import scratch_database
from okrflow.store.snapshot import load_snapshot

START = date(2026, 1, 5)
WEEKS = 13
T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def generate(n_people: int, seed: int) -> dict[str, list[Any]]:
    """A deterministic org: teams of 10, an objective per person, 3 KRs each, 5 tasks per KR, 13 check-ins."""
    rng = random.Random(seed)
    org = Org.model_construct(id="org", name="Bench Org", timezone="Asia/Shanghai")
    n_teams = max(1, n_people // 10)
    teams = [Team.model_construct(id="team-0", org_id="org", name="Company", parent_id=None, lead_id="p-0")]
    for i in range(1, n_teams):
        teams.append(
            Team.model_construct(
                id=f"team-{i}",
                org_id="org",
                name=f"Team {i}",
                parent_id=f"team-{(i - 1) // 10}",
                lead_id=f"p-{i * 10}",
            )
        )
    people = []
    for i in range(n_people):
        team = i // 10
        manager = None if i == 0 else (f"p-{team * 10}" if i % 10 else f"p-{((team - 1) // 10) * 10}")
        people.append(
            Person.model_construct(
                id=f"p-{i}",
                org_id="org",
                name=f"Person {i}",
                handle=f"p{i}",
                email=None,
                team_id=f"team-{min(team, n_teams - 1)}",
                manager_id=manager,
            )
        )
    cycle = Cycle(
        id="q1",
        org_id="org",
        name="2026-Q1",
        start=START,
        end=START + timedelta(weeks=WEEKS) - timedelta(days=1),
    )
    objectives, krs, tasks, check_ins = [], [], [], []
    for i, p in enumerate(people):
        oid = f"o-{i}"
        objectives.append(
            Objective.model_construct(
                id=oid,
                org_id="org",
                cycle_id="q1",
                title=f"Objective {i}",
                owner_id=p.id,
                team_id=p.team_id,
                aligned_to=[f"o-{int(p.manager_id[2:])}"] if p.manager_id else [],
            )
        )
        for k in range(3):
            kid = f"kr-{i}-{k}"
            start = rng.uniform(0, 50)
            krs.append(
                KeyResult.model_construct(
                    id=kid,
                    org_id="org",
                    objective_id=oid,
                    title=f"KR {i}.{k}",
                    owner_id=p.id,
                    kind=KRKind.METRIC,
                    direction=Direction.INCREASE,
                    start=start,
                    target=start + rng.uniform(5, 50),
                    unit="%",
                )
            )
            for t in range(5):
                owner = people[min(n_people - 1, (i // 10) * 10 + rng.randrange(10))].id
                deps = [f"t-{i}-{k}-{t - 1}"] if t and rng.random() < 0.4 else []
                tasks.append(
                    Task.model_construct(
                        id=f"t-{i}-{k}-{t}",
                        org_id="org",
                        kr_id=kid,
                        title=f"Task {t}",
                        owner_id=owner,
                        depends_on=deps,
                        due=START + timedelta(days=7 * rng.randrange(1, WEEKS)),
                        estimate_hours=float(rng.randrange(2, 40)),
                        status=rng.choice(list(TaskStatus)),
                        milestone=t == 4,
                        in_baseline=True,
                        created_at=T0,
                    )
                )
            value = start
            for w in range(WEEKS):
                value += rng.uniform(-1, 4)
                check_ins.append(
                    CheckIn.model_construct(
                        id=f"c-{i}-{k}-{w}",
                        org_id="org",
                        kr_id=kid,
                        author_id=p.id,
                        at=T0 + timedelta(weeks=w, minutes=rng.randrange(600)),
                        value=round(value, 2),
                        confidence=rng.randrange(11),
                        note="",
                        blockers=[],
                        next_priorities=["next thing"],
                    )
                )
    return {
        "orgs": [org],
        "teams": teams,
        "people": people,
        "cycles": [cycle],
        "objectives": objectives,
        "key_results": krs,
        "tasks": tasks,
        "check_ins": check_ins,
    }


# ---------------------------------------------------------------- raw baseline

RAW_TABLES = {
    "orgs": ("id", "name", "timezone", "language"),
    "teams": ("id", "org_id", "name", "parent_id", "lead_id"),
    "people": (
        "id",
        "org_id",
        "name",
        "handle",
        "email",
        "team_id",
        "manager_id",
        "role",
        "timezone",
        "language",
        "weekly_capacity_hours",
        "active",
    ),
    "cycles": ("id", "org_id", "name", "start", "end", "timezone", "cadence", "phase"),
    "objectives": (
        "id",
        "org_id",
        "cycle_id",
        "title",
        "description",
        "owner_id",
        "team_id",
        "kind",
        "status",
        "weight",
        "version",
    ),
    "objective_alignments": ("objective_id", "parent_id", "org_id", "position"),
    "key_results": (
        "id",
        "org_id",
        "objective_id",
        "title",
        "owner_id",
        "kind",
        "direction",
        "start",
        "target",
        "current",
        "floor",
        "unit",
        "weight",
        "due",
        "version",
    ),
    "tasks": (
        "id",
        "org_id",
        "kr_id",
        "title",
        "owner_id",
        "collaborators",
        "due",
        "milestone",
        "estimate_hours",
        "status",
        "plan_state",
        "in_baseline",
        "proposed_by",
        "created_at",
        "cut_at",
        "trade_off_note",
        "version",
    ),
    "task_dependencies": ("task_id", "depends_on_id", "org_id", "position"),
    "check_ins": (
        "id",
        "org_id",
        "kr_id",
        "author_id",
        "at",
        "value",
        "confidence",
        "note",
        "blockers",
        "next_priorities",
    ),
}


def raw_rows(data: dict[str, list[Any]], backend: str) -> dict[str, list[tuple[Any, ...]]]:
    """The same rows as driver-ready tuples (converted before the clock starts)."""

    def conv(v: Any) -> Any:
        if isinstance(v, datetime):
            return driver_instant(backend, v)
        if isinstance(v, date):
            return v.isoformat() if backend == "sqlite" else v
        if isinstance(v, (list, dict)):
            return json.dumps(v)
        if hasattr(v, "model_dump"):
            return json.dumps(v.model_dump(mode="json"))
        if hasattr(v, "value") and isinstance(getattr(v, "value", None), str):
            return v.value
        return v

    sources = {
        "orgs": "orgs",
        "teams": "teams",
        "people": "people",
        "cycles": "cycles",
        "objectives": "objectives",
        "key_results": "key_results",
        "tasks": "tasks",
        "check_ins": "check_ins",
    }
    out: dict[str, list[tuple[Any, ...]]] = {}
    for table, key in sources.items():
        cols = RAW_TABLES[table]
        out[table] = [tuple(conv(getattr(m, c)) for c in cols) for m in data[key]]
    out["objective_alignments"] = [
        (o.id, p, o.org_id, i) for o in data["objectives"] for i, p in enumerate(o.aligned_to)
    ]
    out["task_dependencies"] = [
        (t.id, d, t.org_id, i) for t in data["tasks"] for i, d in enumerate(t.depends_on)
    ]
    return out


def raw_insert(engine: Engine, rows: dict[str, list[tuple[Any, ...]]]) -> None:
    mark = placeholder(engine.dialect.name)
    conn = engine.raw_connection()
    try:
        cur = conn.cursor()
        if engine.dialect.name == "sqlite":
            cur.execute("BEGIN")
        for table in RAW_TABLES:
            cols = RAW_TABLES[table]
            names = ", ".join(f'"{c}"' for c in cols)
            sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join([mark] * len(cols))})"
            data = rows[table]
            for i in range(0, len(data), CHUNK):
                cur.executemany(sql, data[i : i + CHUNK])
        conn.commit()
    finally:
        conn.close()


def raw_read(engine: Engine, as_of: datetime) -> int:
    """Fetch the columns a whole-cycle snapshot reads, with the driver, building nothing."""
    mark = placeholder(engine.dialect.name)
    bound = driver_instant(engine.dialect.name, as_of)
    objs = "SELECT id FROM objectives WHERE cycle_id = 'q1'"
    krs = f"SELECT id FROM key_results WHERE objective_id IN ({objs})"
    queries: list[Query] = [
        ("SELECT * FROM people WHERE org_id = 'org'", ()),
        ("SELECT * FROM teams WHERE org_id = 'org'", ()),
        ("SELECT * FROM objectives WHERE cycle_id = 'q1'", ()),
        (f"SELECT objective_id, parent_id FROM objective_alignments WHERE objective_id IN ({objs})", ()),
        (f"SELECT * FROM key_results WHERE objective_id IN ({objs})", ()),
        (f"SELECT * FROM tasks WHERE kr_id IN ({krs})", ()),
        (
            "SELECT task_id, depends_on_id FROM task_dependencies"
            f" WHERE task_id IN (SELECT id FROM tasks WHERE kr_id IN ({krs}))",
            (),
        ),
        (f"SELECT * FROM check_ins WHERE kr_id IN ({krs}) AND at <= {mark} ORDER BY kr_id, at, id", (bound,)),
    ]
    return fetch_count(engine, queries)


# ---------------------------------------------------------------- one backend


def fresh_database(backend: str, url: str | None, directory: Path) -> AbstractContextManager[Engine]:
    return scratch_database(backend, directory=directory, postgres_url=url, prefix="okrflow_bench")


def run_backend(backend: str, url: str | None, data: dict[str, list[Any]], directory: Path) -> None:
    print(f"\n== {backend}")
    rows = raw_rows(data, backend)
    with fresh_database(backend, url, directory) as engine:
        raw_s, _ = timed(lambda: raw_insert(engine, rows))
    with fresh_database(backend, url, directory) as engine:
        factory = make_session_factory(engine)

        def load() -> dict[str, int]:
            with unit_of_work(factory) as session:
                return bulk_load(session, **data)

        bulk_s, counts = timed(load)
        total = sum(counts.values())
        print(f"bulk_load        {bulk_s:7.2f} s  ({total:,} rows, {total / bulk_s:,.0f} rows/s)")
        print(f"raw executemany  {raw_s:7.2f} s  -> ratio {bulk_s / raw_s:.2f}x")

        as_of = T0 + timedelta(weeks=WEEKS - 1, hours=23)
        reader = make_session_factory(engine, read_only=True)
        base_s, n = timed(lambda: raw_read(engine, as_of))
        with reader() as session:
            snap_s, snap = timed(lambda: load_snapshot(session, "q1", as_of=as_of))
        cis = sum(len(v) for v in snap.check_ins.values())
        print(
            f"load_snapshot    {snap_s:7.2f} s  ({len(snap.key_results):,} KRs, {len(snap.tasks):,} tasks, "
            f"{cis:,} check-ins)"
        )
        print(f"raw read         {base_s:7.2f} s  ({n:,} rows) -> ratio {snap_s / base_s:.2f}x")

        team_ids = [t.id for t in data["teams"]]
        batch = 100
        with reader() as session:

            def by_team() -> int:
                krs = 0
                for i in range(0, len(team_ids), batch):
                    s = load_snapshot(session, "q1", as_of=as_of, team_ids=team_ids[i : i + batch])
                    krs += len(s.key_results)
                return krs

            teams_s, krs = timed(by_team)
        print(
            f"by team ({batch}/batch) {teams_s:5.2f} s  "
            f"({krs:,} KRs in {-(-len(team_ids) // batch)} snapshots)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", default=os.environ.get("OKRFLOW_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    gen_s, data = timed(lambda: generate(args.people, args.seed))
    # The generated org stays in memory for both backends; a worker would not hold it. Keep the
    # cyclic GC from walking it again and again during the timed reads.
    gc.freeze()
    sizes = ", ".join(f"{len(v):,} {k}" for k, v in data.items() if len(v) > 1)
    print(f"generated in {gen_s:.1f} s: {sizes}")
    with tempfile.TemporaryDirectory() as tmp:
        run_backend("sqlite", None, data, Path(tmp))
        if args.postgres:
            run_backend("postgresql", args.postgres, data, Path(tmp))
        else:
            print("\n(PostgreSQL skipped: pass --postgres URL or set OKRFLOW_TEST_POSTGRES_URL)")


if __name__ == "__main__":
    main()
