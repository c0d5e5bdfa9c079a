"""Dashboard roll-ups: refreshed incrementally on each change, they always equal a rebuild from scratch."""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from okrflow.dashboards import ORG, objective_scope, person_scope, team_scope
from okrflow.domain.model import CheckIn, KeyResult, TaskStatus
from okrflow.services.rollups import rebuild, refresh, refresh_after_check_in, refresh_objective
from okrflow.store import (
    CheckInStore,
    KeyResultStore,
    ObjectiveStore,
    RollupStore,
    TaskStore,
    make_session_factory,
    new_id,
    unit_of_work,
)
from okrflow.store.rollups import rollup_groups, rollup_key_results, unpack
from okrflow.store.testing import migrated_engine
from okrflow.synthetic import SyntheticOrg, generate_org

_ORG: SyntheticOrg | None = None


def small() -> SyntheticOrg:
    global _ORG
    if _ORG is None:
        _ORG = generate_org(seed=11, people=24, org_id="ru")
    return _ORG


def groups(session: Session, cycle_id: str) -> dict[str, dict[str, Any]]:
    rows = session.execute(
        select(rollup_groups.c.scope, rollup_groups.c.data).where(rollup_groups.c.cycle_id == cycle_id)
    )
    return {scope: data for scope, data in rows}


def kr_rows(session: Session, cycle_id: str) -> dict[str, dict[str, Any]]:
    rows = session.execute(select(rollup_key_results).where(rollup_key_results.c.cycle_id == cycle_id))
    out = {}
    for r in rows.mappings():
        row = dict(r)
        row["contributions"] = unpack(row["contributions"])
        out[row["kr_id"]] = row
    return out


def assert_close(a: Any, b: Any, where: str = "") -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        assert set(a) == set(b), f"{where}: keys differ: {sorted(set(a) ^ set(b))}"
        for k in a:
            assert_close(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_close(x, y, f"{where}[{i}]")
    elif isinstance(a, float | int) and isinstance(b, float | int):
        assert math.isclose(a, b, abs_tol=1e-9), f"{where}: {a} != {b}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def assert_matches_rebuild(session: Session, org: SyntheticOrg) -> None:
    incremental, krs = groups(session, org.cycle.id), kr_rows(session, org.cycle.id)
    rebuild(session, org.org.id, org.cycle.id)
    fresh, fresh_krs = groups(session, org.cycle.id), kr_rows(session, org.cycle.id)
    # Scopes that summed back to nothing may linger as empty rows; they read the same as absent ones.
    incremental = {k: v for k, v in incremental.items() if v or k in fresh}
    assert_close(incremental, fresh, "groups")
    assert_close(krs, fresh_krs, "key results")


@pytest.fixture
def org(db_session: Session) -> SyntheticOrg:
    synthetic = small()
    synthetic.write(db_session)
    rebuild(db_session, synthetic.org.id, synthetic.cycle.id)
    return synthetic


def check_in(session: Session, org: SyntheticOrg, kr: KeyResult, at: datetime, **kw: Any) -> None:
    kw.setdefault("confidence", 6)
    author = kr.owner_id or org.people[0].id
    CheckInStore(session).add(
        CheckIn(id=new_id(), org_id=org.org.id, kr_id=kr.id, author_id=author, at=at, **kw)
    )
    refresh_after_check_in(session, org.org.id, kr.id)


def test_a_rebuild_sums_every_key_result_into_the_org_and_its_teams(
    db_session: Session, org: SyntheticOrg
) -> None:
    agg = groups(db_session, org.cycle.id)
    assert agg[ORG]["krs"] == len(org.key_results)
    assert agg[ORG]["objs"] == len(org.objectives)
    accepted = [t for t in org.tasks if t.plan_state.value == "accepted"]
    assert sum(agg[ORG]["tasks"].values()) == len(accepted)
    roots = [t for t in org.teams if t.parent_id is None]
    # Every objective is on some team chain, so the root teams together see every objective.
    assert sum(agg[team_scope(t.id)].get("objs", 0) for t in roots) <= len(org.objectives)
    one = org.objectives[0]
    assert agg[objective_scope(one.id)]["krs"] == sum(1 for k in org.key_results if k.objective_id == one.id)


def test_check_ins_task_changes_and_edits_refreshed_one_by_one_equal_a_rebuild(
    db_session: Session, org: SyntheticOrg
) -> None:
    at = org.as_of + timedelta(days=2)
    krs = org.key_results
    check_in(db_session, org, krs[0], at, value=krs[0].target, confidence=9)  # done
    check_in(db_session, org, krs[1], at, value=krs[1].start, confidence=2)  # low confidence
    check_in(db_session, org, krs[2], at + timedelta(hours=1), confidence=7, blockers=["vendor late"])
    check_in(db_session, org, krs[2], at + timedelta(days=8), confidence=8)  # next week, unblocked
    tasks = TaskStore(db_session)
    for task in [t for t in org.tasks if t.plan_state.value == "accepted"][:3]:
        tasks.update(org.org.id, task.id, {"status": TaskStatus.BLOCKED}, expected_version=None, actor="test")
        refresh_after_check_in(db_session, org.org.id, task.kr_id)
    store = KeyResultStore(db_session)
    store.update(org.org.id, krs[3].id, {"weight": 3.0}, expected_version=None, actor="test")
    refresh_after_check_in(db_session, org.org.id, krs[3].id)
    added = store.add(
        KeyResult(
            id="ru-new-kr",
            org_id=org.org.id,
            objective_id=krs[4].objective_id,
            title="A new result",
            owner_id=krs[4].owner_id,
            start=0,
            target=10,
        ),
        actor="test",
    )
    check_in(db_session, org, added, at, value=5, confidence=5)
    objective = org.objectives[1]
    other_team = next(t.id for t in org.teams if t.id != objective.team_id)
    ObjectiveStore(db_session).update(
        org.org.id, objective.id, {"weight": 2.5, "team_id": other_team}, expected_version=None, actor="test"
    )
    refresh_objective(db_session, org.org.id, objective.id)
    assert_matches_rebuild(db_session, org)


def test_a_deleted_key_result_leaves_the_aggregates(db_session: Session, org: SyntheticOrg) -> None:
    before = groups(db_session, org.cycle.id)[ORG]["krs"]
    store = KeyResultStore(db_session)
    kr = store.add(
        KeyResult(
            id="ru-gone",
            org_id=org.org.id,
            objective_id=org.objectives[0].id,
            title="Short-lived",
            start=0,
            target=1,
        ),
        actor="test",
    )
    refresh(db_session, org.org.id, kr_ids=[kr.id])
    assert groups(db_session, org.cycle.id)[ORG]["krs"] == before + 1
    store.delete(org.org.id, kr.id, expected_version=None, actor="test")
    refresh(db_session, org.org.id, kr_ids=[kr.id])
    assert groups(db_session, org.cycle.id)[ORG]["krs"] == before
    assert kr.id not in kr_rows(db_session, org.cycle.id)
    assert_matches_rebuild(db_session, org)


def test_a_check_in_changes_only_the_aggregates_on_its_chain(db_session: Session, org: SyntheticOrg) -> None:
    kr = next(k for k in org.key_results if k.owner_id is not None)
    before = groups(db_session, org.cycle.id)
    row = kr_rows(db_session, org.cycle.id)[kr.id]
    chain = set(row["contributions"])
    check_in(db_session, org, kr, org.as_of + timedelta(days=1), value=kr.target, confidence=10)
    after = groups(db_session, org.cycle.id)
    changed = {scope for scope in after if after[scope] != before.get(scope)}
    objective = next(o for o in org.objectives if o.id == row["objective_id"])
    allowed = chain | {person_scope(objective.owner_id)}  # what the objective passes upward
    assert {ORG, objective_scope(objective.id), person_scope(kr.owner_id or "")} <= changed
    assert changed <= allowed
    assert any(s.startswith("team:") and s not in allowed for s in after), "some teams are off the chain"


def test_a_key_result_of_another_org_is_never_refreshed_into_this_one(
    db_session: Session, org: SyntheticOrg
) -> None:
    before = groups(db_session, org.cycle.id)
    refresh(db_session, "some-other-org", kr_ids=[org.key_results[0].id])
    assert groups(db_session, org.cycle.id) == before
    assert RollupStore(db_session).get_group("some-other-org", org.cycle.id, ORG) is None


def test_concurrent_check_ins_on_one_team_lose_no_update(db_backend: str, tmp_path: Path) -> None:
    synthetic = generate_org(seed=5, people=12, org_id="cc")
    with migrated_engine(db_backend, directory=tmp_path) as engine:
        factory = make_session_factory(engine)
        with unit_of_work(factory) as session:
            synthetic.write(session)
            rebuild(session, synthetic.org.id, synthetic.cycle.id)
        krs = [k for k in synthetic.key_results if k.owner_id is not None][:8]
        errors: list[BaseException] = []
        start = threading.Barrier(4)

        def worker(mine: list[KeyResult], n: int) -> None:
            try:
                start.wait()
                for i, kr in enumerate(mine):
                    with unit_of_work(factory) as session:
                        at = datetime(2026, 3, 2, 9, n, i, tzinfo=UTC)
                        check_in(session, synthetic, kr, at, value=kr.target, confidence=8)
            except BaseException as exc:  # reported below: a thread cannot fail the test itself
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(krs[i::4], i)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with unit_of_work(factory) as session:
            assert groups(session, synthetic.cycle.id)[ORG].get("done", 0) >= len(krs)
            assert_matches_rebuild(session, synthetic)
