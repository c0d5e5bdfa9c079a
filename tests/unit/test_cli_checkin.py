"""`okrflow checkin` against a real server (uvicorn on a free loopback port) over HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from api.app import create_app
from okrflow.cli import app
from okrflow.domain.model import KeyResult, KRKind
from okrflow.runtime.embedded import free_port
from okrflow.runtime.settings import Settings
from okrflow.store import TokenStore, make_engine, make_session_factory, unit_of_work
from okrflow.store.migrate import upgrade
from okrflow.store.tables import check_ins, key_results
from okrflow.synthetic import generate_org

runner = CliRunner()


@dataclass
class Server:
    url: str
    engine: Engine
    krs: list[KeyResult]  # metric KRs with an owner who has a token
    tokens: dict[str, str]  # person id -> token

    def env(self, kr: KeyResult) -> dict[str, str]:
        return {"OKRFLOW_API_URL": self.url, "OKRFLOW_TOKEN": self.tokens[kr.owner_id or ""]}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    org = generate_org(seed=5, people=12, org_id="ck")
    path: Path = tmp_path_factory.mktemp("checkin") / "org.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    krs = [k for k in org.key_results if k.owner_id and k.kind is KRKind.METRIC]
    with unit_of_work(make_session_factory(engine)) as session:
        org.write(session)
        store = TokenStore(session)
        tokens = {p: store.create(org.org.id, p, "cli")[1] for p in {k.owner_id for k in krs if k.owner_id}}
    port = free_port()
    config = uvicorn.Config(
        create_app(Settings(database_url=url)), host="127.0.0.1", port=port, log_level="warning"
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield Server(f"http://127.0.0.1:{port}", engine, krs, tokens)
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


def stored(server: Server, kr_id: str) -> list[dict[str, object]]:
    with server.engine.connect() as conn:
        rows = conn.execute(select(check_ins).where(check_ins.c.kr_id == kr_id).order_by(check_ins.c.at))
        return [dict(r) for r in rows.mappings()]


def test_a_check_in_reaches_the_server_with_everything_said(server: Server) -> None:
    kr = server.krs[0]
    before = len(stored(server, kr.id))
    r = runner.invoke(
        app,
        [
            "checkin",
            kr.id,
            "42.5",
            "--confidence",
            "7",
            "--note",
            "good week",
            "--blocker",
            "waiting on legal",
            "--next",
            "ship v2",
            "--next",
            "hire",
        ],
        env=server.env(kr),
    )
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == f"checked in on {kr.id}: value 42.5, confidence 7/10"
    rows = stored(server, kr.id)
    assert len(rows) == before + 1
    last = rows[-1]
    assert (last["value"], last["confidence"], last["note"]) == (42.5, 7, "good week")
    assert last["blockers"] == ["waiting on legal"] and last["next_priorities"] == ["ship v2", "hire"]
    with server.engine.connect() as conn:
        assert (
            conn.execute(select(key_results.c.current).where(key_results.c.id == kr.id)).scalar_one() == 42.5
        )


def test_a_retried_check_in_with_the_same_key_counts_once(server: Server) -> None:
    kr = server.krs[1]
    before = len(stored(server, kr.id))
    args = ["checkin", kr.id, "-", "--confidence", "5", "--idempotency-key", "retry-me"]
    first = runner.invoke(app, args, env=server.env(kr))
    again = runner.invoke(app, args, env=server.env(kr))
    assert first.exit_code == 0 and again.exit_code == 0, first.output + again.output
    assert "no value" in first.stdout and "already recorded" in again.stdout
    assert len(stored(server, kr.id)) == before + 1


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            ["{kr}", "10", "--confidence", "6"],
            {"OKRFLOW_TOKEN": "okf_not-a-token"},
            "refused the check-in (401)",
        ),
        (["no-such-kr", "10", "--confidence", "6"], {}, "(404): key result 'no-such-kr' not found"),
        (["{kr}", "ten", "--confidence", "6"], {}, "VALUE: 'ten' is not a number"),
        (["{kr}", "10", "--confidence", "6"], {"OKRFLOW_TOKEN": ""}, "no API token"),
        (["{kr}", "10", "--confidence", "6"], {"OKRFLOW_API_URL": "http://127.0.0.1:{dead}"}, "cannot reach"),
    ],
)
def test_failures_are_one_clear_line_and_a_non_zero_exit(
    server: Server, args: list[str], env: dict[str, str], message: str
) -> None:
    kr = server.krs[2]
    dead = str(free_port())
    full = {**server.env(kr), **{k: v.replace("{dead}", dead) for k, v in env.items()}}
    r = runner.invoke(app, ["checkin", *(a.replace("{kr}", kr.id) for a in args)], env=full)
    assert r.exit_code == 1, r.output
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith("error: ") and message in line
