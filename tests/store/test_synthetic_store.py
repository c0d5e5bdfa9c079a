"""A synthetic organisation goes into the store through the bulk loader and reads back unchanged."""

from __future__ import annotations

from sqlalchemy.orm import Session

from okrflow.store.snapshot import load_snapshot
from okrflow.store.testing import check_foreign_keys
from okrflow.synthetic import Pattern, small_org


def test_a_written_synthetic_org_reads_back_as_the_same_snapshot(db_session: Session) -> None:
    org = small_org(seed=3, people=40)
    counts = org.write(db_session)
    check_foreign_keys(db_session)
    assert (counts["people"], counts["tasks"], counts["check_ins"]) == (
        len(org.people),
        len(org.tasks),
        len(org.check_ins),
    )
    stored = load_snapshot(db_session, org.cycle.id, as_of=org.as_of)
    mine = org.snapshot()
    assert stored.key_results == mine.key_results
    assert stored.tasks == mine.tasks
    assert {k: [c.id for c in v] for k, v in stored.check_ins.items()} == {
        k: [c.id for c in v] for k, v in mine.check_ins.items()
    }
    assert set(stored.people) == set(mine.people) and set(stored.objectives) == set(mine.objectives)
    unplanned = org.story.krs(Pattern.UNPLANNED)
    assert unplanned and not any(stored.tasks_by_kr.get(k) for k in unplanned)
