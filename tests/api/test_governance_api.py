"""Governance as people use it through the API (the real app over the real store, without Temporal): the
ambassador's intake and triage, change control around the mid-term window, the revision log, the cycle
report and retrospectives, the ambassador's digest, and a cycle that is read-only once archived."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from okrflow.domain.model import Phase
from okrflow.domain.scoring import score_key_result
from okrflow.services import change_decisions
from okrflow.store import AuditStore, CheckInStore, CycleStore, KeyResultStore, TaskStore
from tests.api.conftest import T0, Api


def _phase(db: Session, phase: Phase) -> None:
    CycleStore(db).set_phase("a", "a-q1", phase)
    db.commit()


async def test_anyone_raises_a_problem_and_the_ambassador_assigns_consults_and_closes(api: Api) -> None:
    raised = await api.post(
        "dan", "/api/v1/problems", json={"subject_id": "{kr1}", "text": "Targets ignore Q1 prices"}
    )
    assert raised.status_code == 201, raised.text
    problem = raised.json()
    assert (problem["status"], problem["raised_by"], problem["cycle_id"]) == ("open", "a-dan", "a-q1")
    told = [n for n in await api.inbox("amy") if n["kind"] == "problem_raised"]
    assert told and "Targets ignore Q1 prices" in told[0]["body"]["en"]

    mine = await api.get("dan", "/api/v1/problems")
    assert [p["id"] for p in mine.json()["items"]] == [problem["id"]]  # not a-p1: cai raised it
    everything = await api.get("amy", "/api/v1/problems", params={"status": "open"})
    assert {p["id"] for p in everything.json()["items"]} == {problem["id"], "a-p1"}
    assert (await api.get("cai", "/api/v1/problems/{p1}")).status_code == 200
    assert (await api.get("bo", "/api/v1/problems/{p1}")).status_code == 403

    no_note = await api.post("amy", "/api/v1/problems/{p1}/triage", json={"action": "close"})
    assert no_note.status_code == 422 and no_note.json()["errors"][0]["loc"] == ["note"]
    assigned = await api.post(
        "amy", "/api/v1/problems/{p1}/triage", json={"action": "assign", "assignee_id": "{bo}"}
    )
    assert assigned.status_code == 200, assigned.text
    assert (assigned.json()["problem"]["status"], assigned.json()["problem"]["assignee_id"]) == (
        "assigned",
        "a-bo",
    )
    assert (await api.get("bo", "/api/v1/problems/{p1}")).status_code == 200  # the assignee now reads it
    assert any(n["kind"] == "problem_triaged" for n in await api.inbox("bo"))

    consulted = await api.post(
        "amy",
        f"/api/v1/problems/{problem['id']}/triage",
        json={"action": "consultation", "note": "let's meet"},
    )
    assert consulted.status_code == 200, consulted.text
    body = consulted.json()
    assert body["problem"]["status"] == "consultation"
    assert body["consultation"]["id"] == body["problem"]["consultation_id"]
    assert {"a-dan", "a-bo", "a-amy"} <= set(body["consultation"]["participants"])
    assert "Targets ignore Q1 prices" in body["consultation"]["reason"]

    closed = await api.post(
        "amy", "/api/v1/problems/{p1}/triage", json={"action": "close", "note": "fixed the query"}
    )
    assert closed.json()["problem"]["status"] == "closed"
    again = await api.post("amy", "/api/v1/problems/{p1}/triage", json={"action": "close", "note": "again"})
    assert again.status_code == 409 and "closed" in again.json()["detail"]


async def test_change_requests_state_their_impact_outside_the_window_and_are_revisions_inside_it(
    api: Api, db: Session
) -> None:
    request = {
        "subject_type": "key_result",
        "subject_id": "{kr2}",
        "reason": "two services retired",
        "changes": {"target": 3},
    }
    outside = await api.post("bo", "/api/v1/change-requests", json=request)
    assert outside.status_code == 422 and outside.json()["errors"][0]["loc"] == ["impact"]

    closed_window = await api.post("bo", "/api/v1/objectives/{o2}/midterm-confirm", json={})
    assert closed_window.status_code == 409 and "window" in closed_window.json()["detail"]

    _phase(db, Phase.MIDTERM)
    revision = await api.post("bo", "/api/v1/change-requests", json=request)
    assert revision.status_code == 201, revision.text
    assert revision.json()["midterm"] is True
    confirmed = await api.post("bo", "/api/v1/objectives/{o2}/midterm-confirm", json={"note": "still right"})
    assert confirmed.status_code == 200, confirmed.text
    history = AuditStore(db).list("a", subject_id="a-o2").items
    assert (history[0].action, history[0].actor_id, history[0].reason) == (
        "midterm_confirm",
        "a-bo",
        "still right",
    )
    assert (await api.post("dan", "/api/v1/objectives/{o2}/midterm-confirm", json={})).status_code == 403

    _phase(db, Phase.CLOSEOUT)
    late = await api.post("bo", "/api/v1/change-requests", json={**request, "impact": "less work"})
    assert late.status_code == 409 and "retrospective" in late.json()["detail"]


async def test_an_applied_change_stays_on_the_objectives_revision_log_with_its_reason_and_approver(
    api: Api, db: Session
) -> None:
    assert (await api.get("dan", "/api/v1/objectives/{o2}/revisions")).json()["revisions"] == []
    change_decisions.decide_change(
        db, "a", "a-cr1", decided_by="a-ana", approve=True, note="", at=T0 + timedelta(days=1)
    )
    db.commit()
    log = (await api.get("dan", "/api/v1/objectives/{o2}/revisions")).json()["revisions"]
    assert [(e["change_request_id"], e["reason"], e["approved_by"], e["midterm"]) for e in log] == [
        ("a-cr1", "Acme: the scope grew", "a-ana", False)
    ]
    assert log[0]["changes"] == {"title": ["Acme: ship the platform", "Acme: ship half the platform"]}
    published = [n for n in await api.inbox("dan") if n["kind"] == "change_published"]
    assert (
        published and "Acme: ship the platform → Acme: ship half the platform" in published[0]["body"]["en"]
    )


async def test_the_cycle_report_scores_like_the_core_and_carries_the_retrospectives(
    api: Api, db: Session
) -> None:
    written = await api.call(
        "PUT",
        "bo",
        "/api/v1/objectives/{o2}/retrospective",
        json={
            "what_worked": "pairing",
            "what_did_not": "late start",
            "carry_over": {"en": "two services", "zh": "两个服务"},
        },
    )
    assert written.status_code == 200, written.text
    draft = await api.call("PUT", "bo", "/api/v1/objectives/{o1}/retrospective", json={"what_worked": "x"})
    assert draft.status_code == 409 and "drafts" in draft.json()["detail"]

    report = await api.get("dan", "/api/v1/cycles/{q1}/report")
    assert report.status_code == 200 and report.headers["x-report-status"] == "live"
    view = report.json()
    kr2 = KeyResultStore(db).get("a", "a-kr2")
    (scored,) = [k for k in view["key_results"] if k["kr_id"] == "a-kr2"]
    check_ins = CheckInStore(db).list_for_kr("a", "a-kr2")
    assert scored["score"] == score_key_result(kr2, check_ins, as_of=date.fromisoformat(view["as_of"]))
    (objective,) = [o for o in view["objectives"] if o["objective_id"] == "a-o2"]
    assert objective["retrospective"]["what_did_not"] == "late start"
    assert [o["objective_id"] for o in view["objectives"]] == ["a-o2"]  # the draft is not in the quarter

    person = await api.get(
        "cai", "/api/v1/cycles/{q1}/report", params={"scope": "person", "scope_id": "a-bo", "format": "md"}
    )
    assert person.headers["content-type"].startswith("text/markdown") and "Bo Acme" in person.text
    html = await api.get("dan", "/api/v1/cycles/{q1}/report", params={"format": "html", "lang": "zh"})
    assert html.text.lstrip().lower().startswith("<!doctype html>")
    nobody = await api.get(
        "dan", "/api/v1/cycles/{q1}/report", params={"scope": "team", "scope_id": "a-nowhere"}
    )
    assert nobody.status_code == 404
    carried = await api.get("dan", "/api/v1/cycles/{q1}/carry-over")
    assert carried.status_code == 200 and carried.json()["status"] == "live"


async def test_the_ambassador_reads_the_org_wide_digest_of_a_week(api: Api) -> None:
    digest = await api.get("amy", "/api/v1/cycles/{q1}/ambassador-digest", params={"week": 3})
    assert digest.status_code == 200, digest.text
    body = digest.json()
    assert body["week"] == 3 and body["key_results"] >= 1
    assert [c["consultation_id"] for c in body["consultations"]] == ["a-cons1"]
    assert [c["change_request_id"] for c in body["change_requests"]] == ["a-cr1"]
    assert [p["problem_id"] for p in body["problems"]] == ["a-p1"]
    markdown = await api.get(
        "amy", "/api/v1/cycles/{q1}/ambassador-digest", params={"week": 3, "format": "md"}
    )
    assert markdown.headers["content-type"].startswith("text/markdown")
    latest = await api.get("amy", "/api/v1/cycles/{q1}/ambassador-digest")
    assert latest.json()["week"] == 12  # the seeded cycle (12 weeks) is over: its last review
    outside = await api.get("amy", "/api/v1/cycles/{q1}/ambassador-digest", params={"week": 20})
    assert outside.status_code == 422


async def test_an_archived_cycle_refuses_every_write_with_a_clear_problem(api: Api, db: Session) -> None:
    task = TaskStore(db).get("a", "a-t1")
    _phase(db, Phase.ARCHIVED)
    attempts = [
        await api.post("bo", "/api/v1/key-results/{kr2}/check-ins", json={"value": 2, "confidence": 7}),
        await api.patch(
            "cai", "/api/v1/tasks/{t1}", headers={"If-Match": f'"{task.version}"'}, json={"status": "done"}
        ),
        await api.post("dan", "/api/v1/objectives/{o2}/comments", json={"body": "too late?"}),
        await api.post("dan", "/api/v1/consultations", json={"subject_id": "{kr1}", "reason": "late"}),
        await api.post("dan", "/api/v1/problems", json={"subject_id": "{kr1}", "text": "late"}),
        await api.call("PUT", "bo", "/api/v1/objectives/{o2}/retrospective", json={"what_worked": "x"}),
        await api.post(
            "bo",
            "/api/v1/change-requests",
            json={
                "subject_type": "objective",
                "subject_id": "{o2}",
                "reason": "r",
                "impact": "i",
                "changes": {"title": "x"},
            },
        ),
    ]
    for response in attempts:
        assert response.status_code == 409, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "is archived" in response.json()["detail"], response.json()["detail"]
    assert (await api.get("dan", "/api/v1/cycles/{q1}/report")).status_code == 200  # reading still works
