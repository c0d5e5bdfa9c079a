"""Check-ins (idempotent with a key), comments with @mentions in English and Chinese, the inbox."""

from __future__ import annotations

from sqlalchemy.orm import Session

from okrflow.domain.model import SubjectType
from okrflow.store import AuditStore, CheckInStore
from tests.api.conftest import Api

CHECK_IN = {
    "value": 10.5,
    "confidence": 7,
    "note": "win-back emails work",
    "blockers": ["no CRM access"],
    "next_priorities": ["call the top 20 accounts"],
}


async def test_a_check_in_moves_the_key_result_and_a_retry_with_its_key_counts_once(
    api: Api, db: Session
) -> None:
    key = {"Idempotency-Key": "bo-2026-w3"}
    first = await api.post("bo", "/api/v1/key-results/{kr1}/check-ins", headers=key, json=CHECK_IN)
    assert first.status_code == 201, first.text
    retry = await api.post("bo", "/api/v1/key-results/{kr1}/check-ins", headers=key, json=CHECK_IN)
    assert retry.status_code == 200
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]

    assert [c.id for c in CheckInStore(db).list_for_kr("a", "a-kr1")] == ["a-ci1", first.json()["id"]]
    kr = (await api.get("dan", "/api/v1/key-results/{kr1}")).json()
    assert (kr["current"], kr["version"]) == (10.5, 2)
    moved = AuditStore(db).list("a", subject_type=SubjectType.KEY_RESULT, subject_id="a-kr1").items[0]
    assert (moved.action, moved.changes) == ("check_in", {"current": [None, 10.5]})

    reused = await api.post(
        "bo", "/api/v1/key-results/{kr1}/check-ins", headers=key, json={**CHECK_IN, "value": 9}
    )
    assert reused.status_code == 409
    assert "bo-2026-w3" in reused.json()["detail"]

    listed = await api.get("dan", "/api/v1/key-results/{kr1}/check-ins", params={"limit": 1})
    assert [c["id"] for c in listed.json()["items"]] == [first.json()["id"]]  # newest first
    assert listed.json()["items"][0]["blockers"] == ["no CRM access"]


async def test_a_check_in_out_of_range_names_the_field_and_records_nothing(api: Api, db: Session) -> None:
    refused = await api.post("bo", "/api/v1/key-results/{kr1}/check-ins", json={**CHECK_IN, "confidence": 11})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "confidence"]
    assert [c.id for c in CheckInStore(db).list_for_kr("a", "a-kr1")] == ["a-ci1"]


async def test_mentions_notify_the_people_named_in_english_or_chinese_but_not_the_author(api: Api) -> None:
    before = (await api.get("cai", "/api/v1/inbox/unread-count")).json()["unread"]
    body = "@张伟请看一下 the survey, and @bo please help; @ana is me; mail ana@acme.test"
    posted = await api.post("ana", "/api/v1/tasks/{t1}/comments", json={"body": body})
    assert posted.status_code == 201, posted.text
    assert posted.json()["mentions"] == ["a-cai", "a-bo", "a-ana"]

    for who in ("cai", "bo"):
        told = [n for n in await api.inbox(who) if n["kind"] == "mention"]
        assert len(told) == 1, who
        assert told[0]["payload"]["comment_id"] == posted.json()["id"]
    mention = next(n for n in await api.inbox("cai") if n["kind"] == "mention")
    assert mention["title"]["zh"] == "Ana López Acme 在任务“Acme: exit survey”中提到了你"
    assert mention["title"]["en"] == "Ana López Acme mentioned you on task “Acme: exit survey”"
    assert not [n for n in await api.inbox("ana") if n["kind"] == "mention"]
    assert (await api.get("cai", "/api/v1/inbox/unread-count")).json()["unread"] == before + 1

    thread = await api.get("dan", "/api/v1/tasks/{t1}/comments")
    assert [c["body"] for c in thread.json()["items"]] == [body]


async def test_reading_the_inbox_marks_only_ones_own_notifications(api: Api) -> None:
    bo_items = await api.inbox("bo")
    assert [n["id"] for n in bo_items] == ["a-n1"]
    someone_elses = await api.post("cai", "/api/v1/inbox/read", json={"ids": ["a-n1"]})
    assert someone_elses.json() == {"marked": 0}
    assert (await api.get("bo", "/api/v1/inbox/unread-count")).json() == {"unread": 1}

    marked = await api.post("bo", "/api/v1/inbox/read", json={})
    assert marked.json() == {"marked": 1}
    assert (await api.get("bo", "/api/v1/inbox/unread-count")).json() == {"unread": 0}
    assert (await api.get("bo", "/api/v1/inbox", params={"unread_only": True})).json()["items"] == []
