"""Objectives, key results and tasks over HTTP: drafting, versions (ETag / If-Match), alignment, locks,
bottom-up planning with its task-graph and capacity findings, collaborators, cursor pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from okrflow.domain.model import Phase
from okrflow.store import AuditStore, CycleStore
from tests.api.conftest import Api

V1 = {"If-Match": '"1"'}


async def test_a_member_drafts_an_objective_and_a_key_result_that_default_to_them_and_their_team(
    api: Api,
) -> None:
    created = await api.post(
        "bo", "/api/v1/objectives", json={"cycle_id": "{q1}", "title": "Faster onboarding"}
    )
    assert created.status_code == 201, created.text
    objective = created.json()
    assert (objective["owner_id"], objective["team_id"], objective["status"]) == (
        "a-bo",
        "a-platform",
        "draft",
    )
    assert created.headers["etag"] == '"1"'

    kr = await api.post(
        "ana",  # bo's manager adds a KR to his draft; it is still bo's
        "/api/v1/key-results",
        json={
            "objective_id": objective["id"],
            "title": "Time to first value from 9 to 3 days",
            "start": 9,
            "target": 3,
            "direction": "decrease",
        },
    )
    assert kr.status_code == 201, kr.text
    assert kr.json()["owner_id"] == "a-bo"
    read = await api.get("dan", f"/api/v1/key-results/{kr.json()['id']}")
    assert (read.status_code, read.headers["etag"]) == (200, '"1"')


async def test_an_update_names_the_version_it_is_based_on(api: Api, db: Session) -> None:
    body = {"json": {"title": "Delight every customer"}}
    missing = await api.patch("bo", "/api/v1/objectives/{o1}", **body)
    assert missing.status_code == 428
    assert "If-Match" in missing.json()["detail"]

    stale = await api.patch("bo", "/api/v1/objectives/{o1}", headers={"If-Match": '"7"'}, **body)
    assert stale.status_code == 412
    assert stale.headers["etag"] == '"1"'
    assert (stale.json()["current_version"], stale.json()["sent_version"]) == (1, 7)

    garbled = await api.patch("bo", "/api/v1/objectives/{o1}", headers={"If-Match": "yesterday"}, **body)
    assert garbled.status_code == 422
    assert garbled.json()["errors"][0]["loc"] == ["header", "If-Match"]

    done = await api.patch("bo", "/api/v1/objectives/{o1}", headers=V1, **body)
    assert (done.status_code, done.headers["etag"], done.json()["title"]) == (
        200,
        '"2"',
        "Delight every customer",
    )
    again = await api.patch("bo", "/api/v1/objectives/{o1}", headers=V1, json={"title": "Lost update"})
    assert again.status_code == 412

    entry = AuditStore(db).list("a", subject_id="a-o1", actor_id="a-bo").items[0]
    assert entry.changes == {"title": ["Acme: delight customers", "Delight every customer"]}


async def test_records_without_a_version_number_are_guarded_by_their_content_etag(api: Api) -> None:
    read = await api.get("root", "/api/v1/teams/{platform}")
    etag = read.headers["etag"]
    first = await api.patch(
        "root", "/api/v1/teams/{platform}", headers={"If-Match": etag}, json={"name": "Core"}
    )
    assert first.status_code == 200
    second = await api.patch(
        "root", "/api/v1/teams/{platform}", headers={"If-Match": etag}, json={"name": "Base"}
    )
    assert second.status_code == 412
    assert second.headers["etag"] == first.headers["etag"]


async def test_bad_input_names_the_field_and_leaves_the_record_as_it_was(api: Api) -> None:
    wrong_way = await api.patch("bo", "/api/v1/key-results/{kr1}", headers=V1, json={"target": 20})
    assert wrong_way.status_code == 422
    assert wrong_way.json()["errors"][0]["loc"] == ["target"]
    assert "direction is decrease" in wrong_way.json()["detail"]

    typo = await api.post("bo", "/api/v1/objectives", json={"cycle_id": "{q1}", "title": "x", "titel": "y"})
    assert typo.status_code == 422
    assert ["body", "titel"] in [e["loc"] for e in typo.json()["errors"]]

    unknown_cycle = await api.post("bo", "/api/v1/objectives", json={"cycle_id": "nope", "title": "x"})
    assert unknown_cycle.status_code == 422
    assert unknown_cycle.json()["errors"] == [{"loc": ["cycle_id"], "msg": "no cycle 'nope' in this org"}]

    kr = (await api.get("bo", "/api/v1/key-results/{kr1}")).json()
    assert (kr["target"], kr["version"]) == (8.0, 1)


async def test_objectives_align_to_parents_and_an_alignment_loop_is_refused(api: Api) -> None:
    child = await api.post(
        "cai",
        "/api/v1/objectives",
        json={"cycle_id": "{q1}", "title": "减少流失", "aligned_to": ["{o1}", "{o2}"]},
    )
    assert child.status_code == 201, child.text
    children = await api.get("dan", "/api/v1/objectives", params={"aligned_to": api.url("{o1}")})
    assert [o["id"] for o in children.json()["items"]] == [child.json()["id"]]

    loop = await api.patch(
        "bo", "/api/v1/objectives/{o1}", headers=V1, json={"aligned_to": [child.json()["id"]]}
    )
    assert loop.status_code == 422
    assert loop.json()["errors"][0]["loc"] == ["aligned_to"]
    assert f"a-o1 → {child.json()['id']} → a-o1" in loop.json()["detail"]


async def test_an_approved_objective_changes_only_through_a_change_request(api: Api) -> None:
    locked = await api.patch(
        "bo", "/api/v1/objectives/{o2}", headers={"If-Match": '"2"'}, json={"title": "x"}
    )
    assert locked.status_code == 409
    assert "change request" in locked.json()["detail"]

    bad_field = await api.post(
        "bo",
        "/api/v1/change-requests",
        json={"subject_type": "key_result", "subject_id": "{kr2}", "reason": "r", "changes": {"target": -1}},
    )
    assert bad_field.status_code == 422
    assert bad_field.json()["errors"][0]["loc"] == ["changes", "target"]
    not_changeable = await api.post(
        "bo",
        "/api/v1/change-requests",
        json={
            "subject_type": "objective",
            "subject_id": "{o2}",
            "reason": "r",
            "changes": {"status": "draft"},
        },
    )
    assert not_changeable.status_code == 422
    assert not_changeable.json()["errors"][0]["loc"] == ["changes", "status"]
    for_a_draft = await api.post(
        "bo",
        "/api/v1/change-requests",
        json={"subject_type": "objective", "subject_id": "{o1}", "reason": "r", "changes": {"title": "x"}},
    )
    assert for_a_draft.status_code == 409

    created = await api.post(
        "bo",
        "/api/v1/change-requests",
        json={
            "subject_type": "key_result",
            "subject_id": "{kr2}",
            "reason": "two services were retired",
            "impact": "less migration work",
            "changes": {"target": 3},
        },
    )
    assert created.status_code == 201, created.text
    assert (created.json()["status"], created.json()["requested_by"]) == ("pending", "a-bo")
    told = [n for n in await api.inbox("ana") if n["kind"] == "change_requested"]
    assert told and "two services were retired" in told[0]["body"]["en"]
    assert "申请变更关键结果" in told[0]["title"]["zh"]
    listed = await api.get(
        "dan", "/api/v1/change-requests", params={"subject_type": "key_result", "subject_id": "a-kr2"}
    )
    assert [r["id"] for r in listed.json()["items"]] == [created.json()["id"]]


async def test_proposed_tasks_are_accepted_or_declined_by_the_key_result_owner(api: Api) -> None:
    proposed = await api.post(
        "cai",
        "/api/v1/tasks",
        json={"kr_id": "{kr1}", "title": "访谈流失用户", "due": "2026-02-06", "estimate_hours": 6},
    )
    assert proposed.status_code == 201, proposed.text
    task = proposed.json()["task"]
    assert (task["plan_state"], task["owner_id"], task["proposed_by"]) == ("proposed", "a-cai", "a-cai")
    assert any(n["kind"] == "task_proposed" for n in await api.inbox("bo"))

    by_owner = await api.post("cai", f"/api/v1/tasks/{task['id']}/accept", headers=V1)
    assert by_owner.status_code == 403
    accepted = await api.post("bo", f"/api/v1/tasks/{task['id']}/accept", headers=V1)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["task"]["plan_state"] == "accepted"
    assert any(
        n["kind"] == "task_accepted" and "已纳入计划" in n["title"]["zh"] for n in await api.inbox("cai")
    )
    twice = await api.post("bo", f"/api/v1/tasks/{task['id']}/accept", headers={"If-Match": '"2"'})
    assert twice.status_code == 409

    declined = await api.post(
        "bo", "/api/v1/tasks/{t2}/decline", headers=V1, json={"reason": "not this quarter"}
    )
    assert declined.status_code == 200, declined.text
    assert declined.json()["task"]["plan_state"] == "declined"
    told = [n for n in await api.inbox("cai") if n["kind"] == "task_declined"]
    assert told and told[0]["body"]["en"].endswith("not this quarter")


def _running_now(db: Session, phase: Phase | None = None) -> date:
    """Move the seeded cycle around today (new work is planned from today on); returns a day 5 days ahead."""
    today = datetime.now(UTC).date()
    changes: dict[str, object] = {"start": today - timedelta(days=10), "end": today + timedelta(days=70)}
    if phase is not None:
        changes["phase"] = phase
    CycleStore(db).update("a", "a-q1", changes)
    db.commit()
    return today + timedelta(days=5)


async def test_the_key_result_owner_sees_task_graph_and_capacity_findings(api: Api, db: Session) -> None:
    due = _running_now(db)
    later = (due + timedelta(days=14)).isoformat()
    assert (await api.patch("cai", "/api/v1/tasks/{t1}", headers=V1, json={"due": later})).status_code == 200
    big = await api.post(
        "bo",
        "/api/v1/tasks",
        json={
            "kr_id": "{kr1}",
            "title": "Rebuild billing",
            "owner_id": "{cai}",
            "due": due.isoformat(),
            "estimate_hours": 200,
            "depends_on": ["{t1}"],
        },
    )
    assert big.status_code == 201, big.text
    assert big.json()["task"]["plan_state"] == "accepted"  # the KR owner's own additions need no acceptance
    plan = big.json()["plan"]
    assert "a-cai" in plan["needs_trade_off"]
    assert any(w["person_id"] == "a-cai" and w["hours"] > w["capacity_hours"] for w in plan["over_capacity"])
    due_early = [f for f in plan["findings"] if f["code"] == "DUE_BEFORE_DEPENDENCY"]
    assert [(f["task_id"], f["related_task_id"]) for f in due_early] == [(big.json()["task"]["id"], "a-t1")]

    loop = await api.patch(
        "cai",
        "/api/v1/tasks/{t1}",
        headers={"If-Match": '"2"'},
        json={"depends_on": [big.json()["task"]["id"]]},
    )
    assert loop.status_code == 422
    assert loop.json()["title"] == "task dependency cycle"
    assert "Rebuild billing" in loop.json()["detail"]
    same = await api.get("dan", "/api/v1/key-results/{kr1}/plan")
    assert same.json()["needs_trade_off"] == ["a-cai"]


async def test_after_the_baseline_more_work_for_an_owner_over_capacity_needs_a_trade_off_note(
    api: Api, db: Session
) -> None:
    due = _running_now(db, Phase.EXECUTION)
    body = {
        "kr_id": "{kr1}",
        "title": "Rebuild billing",
        "owner_id": "{cai}",
        "due": due.isoformat(),
        "estimate_hours": 200,
    }
    refused = await api.post("bo", "/api/v1/tasks", json=body)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["trade_off_note"]
    assert "is over capacity in week" in refused.json()["detail"]
    with_note = await api.post(
        "bo", "/api/v1/tasks", json={**body, "trade_off_note": "the survey moves to March"}
    )
    assert with_note.status_code == 201, with_note.text


async def test_a_task_owner_changes_their_work_but_only_the_key_result_owner_reassigns_it(api: Api) -> None:
    doing = await api.patch("cai", "/api/v1/tasks/{t1}", headers=V1, json={"status": "doing"})
    assert (doing.status_code, doing.json()["task"]["status"]) == (200, "doing")
    grab = await api.patch(
        "cai", "/api/v1/tasks/{t1}", headers={"If-Match": '"2"'}, json={"owner_id": "{dan}"}
    )
    assert grab.status_code == 403
    assert "owner_id" in grab.json()["detail"]
    moved = await api.patch(
        "bo", "/api/v1/tasks/{t1}", headers={"If-Match": '"2"'}, json={"owner_id": "{dan}"}
    )
    assert (moved.status_code, moved.json()["task"]["owner_id"]) == (200, "a-dan")


async def test_collaborators_are_invited_told_and_may_leave(api: Api) -> None:
    owner_too = await api.post(
        "cai", "/api/v1/tasks/{t1}/collaborators", headers=V1, json={"person_id": "{cai}"}
    )
    assert owner_too.status_code == 422
    assert owner_too.json()["errors"][0]["loc"] == ["person_id"]

    invited = await api.post(
        "cai", "/api/v1/tasks/{t1}/collaborators", headers=V1, json={"person_id": "{dan}"}
    )
    assert invited.status_code == 200, invited.text
    assert invited.json()["task"]["collaborators"] == ["a-ana", "a-dan"]
    told = [n for n in await api.inbox("dan") if n["kind"] == "task_invitation"]
    assert told and "张伟" in told[0]["body"]["en"]

    left = await api.delete("dan", "/api/v1/tasks/{t1}/collaborators/{dan}", headers={"If-Match": '"2"'})
    assert (left.status_code, left.json()["task"]["collaborators"]) == (200, ["a-ana"])
    not_there = await api.delete("cai", "/api/v1/tasks/{t1}/collaborators/{dan}", headers={"If-Match": '"3"'})
    assert not_there.status_code == 404


async def test_lists_come_in_pages_with_opaque_cursors_and_filters(api: Api) -> None:
    first = await api.get("dan", "/api/v1/tasks", params={"kr_id": "a-kr1", "limit": 1})
    assert first.status_code == 200
    assert len(first.json()["items"]) == 1 and first.json()["next_cursor"]
    second = await api.get(
        "dan", "/api/v1/tasks", params={"kr_id": "a-kr1", "limit": 1, "cursor": first.json()["next_cursor"]}
    )
    assert [t["id"] for t in first.json()["items"] + second.json()["items"]] == ["a-t1", "a-t2"]
    assert second.json()["next_cursor"] is None

    proposed = await api.get("dan", "/api/v1/tasks", params={"plan_state": "proposed"})
    assert [t["id"] for t in proposed.json()["items"]] == ["a-t2"]
    junk = await api.get("dan", "/api/v1/tasks", params={"cursor": "not-a-cursor"})
    assert junk.status_code == 422
    assert junk.json()["errors"][0]["loc"] == ["cursor"]
