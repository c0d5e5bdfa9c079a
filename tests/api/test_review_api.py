"""What the reviews and governance leave for people to read: consultations, flags and escalations, weekly
sheets (JSON, Markdown, HTML; English or Chinese), the audit log; and API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from okrflow.domain.model import Cadence, Flag, LocalText, Severity, SubjectType
from okrflow.store import CycleStore, FlagStore
from tests.api.conftest import T0, Api


async def test_anyone_convenes_a_consultation_and_everyone_involved_is_invited_and_told(api: Api) -> None:
    past = await api.post(
        "dan",
        "/api/v1/consultations",
        json={"subject_id": "{kr1}", "reason": "blocked", "meet_by": "2020-01-01T00:00:00Z"},
    )
    assert past.status_code == 422
    assert past.json()["errors"][0]["loc"] == ["meet_by"]

    opened = await api.post(
        "dan",
        "/api/v1/consultations",
        json={"subject_id": "{kr1}", "reason": "churn work is blocked on my team"},
    )
    assert opened.status_code == 201, opened.text
    consultation = opened.json()
    # The convener, the KR owner (and objective owner), the open task's owner, the manager, the ambassador.
    assert consultation["participants"] == ["a-dan", "a-bo", "a-cai", "a-ana", "a-amy"]
    meet_by = datetime.fromisoformat(consultation["meet_by"])
    assert timedelta(days=2) < meet_by - datetime.now(UTC) <= timedelta(days=3)
    told = [n for n in await api.inbox("cai") if n["kind"] == "consultation_opened"]
    assert told and told[0]["title"]["zh"].startswith("关于关键结果“Acme: churn from 12% to 8%”的会商")

    assert (await api.get("cai", f"/api/v1/consultations/{consultation['id']}")).status_code == 200
    mine = await api.get("dan", "/api/v1/consultations")
    assert [c["id"] for c in mine.json()["items"]] == [consultation["id"]]  # not a-cons1: dan is not in it
    everyone = await api.get("amy", "/api/v1/consultations", params={"status": "open"})
    assert {c["id"] for c in everyone.json()["items"]} == {consultation["id"], "a-cons1"}


async def test_flags_and_escalations_filter_by_week_severity_and_rule(api: Api, db: Session) -> None:
    FlagStore(db).add_many(
        [
            Flag(
                id="a-f2",
                org_id="a",
                cycle_id="a-q1",
                week=3,
                rule_id="kr_behind",
                rule_version=1,
                subject_type=SubjectType.KEY_RESULT,
                subject_id="a-kr1",
                severity=Severity.CRITICAL,
                message=LocalText(en="far behind", zh="严重落后"),
                created_at=T0 + timedelta(days=7),
            ),
            Flag(
                id="a-f3",
                org_id="a",
                cycle_id="a-q1",
                week=3,
                rule_id="no_check_in",
                rule_version=1,
                subject_type=SubjectType.KEY_RESULT,
                subject_id="a-kr2",
                severity=Severity.WARNING,
                message=LocalText(en="quiet", zh="未签到"),
                created_at=T0 + timedelta(days=7),
            ),
        ]
    )
    db.commit()

    async def flags(**params: object) -> list[str]:
        response = await api.get("ana", "/api/v1/flags", params=params)
        assert response.status_code == 200, response.text
        return [f["id"] for f in response.json()["items"]]

    assert await flags() == ["a-f2", "a-f3", "a-f1"]  # latest week first, worst first
    assert await flags(week=3) == ["a-f2", "a-f3"]
    assert await flags(severity="risk") == ["a-f1"]
    assert await flags(min_severity="risk") == ["a-f2", "a-f1"]
    assert await flags(rule_id="no_check_in", cycle_id="a-q1") == ["a-f3"]

    escalations = await api.get("amy", "/api/v1/escalations", params={"week": 2})
    assert [(e["id"], e["severity"]) for e in escalations.json()["items"]] == [("a-e1", "critical")]
    assert (await api.get("amy", "/api/v1/escalations", params={"severity": "risk"})).json()["items"] == []
    assert (await api.get("amy", "/api/v1/escalations", params={"week": 5})).json()["items"] == []


async def test_a_weekly_sheet_comes_as_json_markdown_or_html_in_the_readers_language(api: Api) -> None:
    url = "/api/v1/cycles/{q1}/sheets/2"
    as_json = await api.get("bo", url, params={"scope": "a-platform"})
    assert as_json.headers["content-type"] == "application/json"
    assert (as_json.json()["week"], as_json.json()["team_id"]) == (2, "a-platform")

    markdown = await api.get("bo", url, params={"scope": "a-platform"}, headers={"Accept": "text/markdown"})
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith("# Weekly OKR meeting · Acme Platform")
    # 张伟's team sits under Platform: he attends its sheet and reads it in Chinese unless he asks otherwise.
    chinese = await api.get("cai", url, params={"scope": "a-platform", "format": "md"})
    assert "第 2 周" in chinese.text
    english = await api.get("cai", url, params={"scope": "a-platform", "format": "md", "lang": "en"})
    assert english.text.startswith("# Weekly OKR meeting")
    html = await api.get("ana", url, params={"format": "html"})
    assert html.headers["content-type"].startswith("text/html")
    assert html.text.lstrip().lower().startswith("<!doctype html>")

    unsupported = await api.get("bo", url, params={"scope": "a-platform"}, headers={"Accept": "image/png"})
    assert unsupported.status_code == 406
    missing = await api.get("ana", "/api/v1/cycles/{q1}/sheets/9")
    assert missing.status_code == 404
    listed = await api.get("bo", "/api/v1/cycles/{q1}/sheets")
    assert [(s["week"], s["scope"]) for s in listed.json()["items"]] == [(2, "a-platform")]


async def test_a_cycle_that_publishes_its_sheets_to_all_lets_everyone_read_them(
    api: Api, db: Session
) -> None:
    assert (await api.get("dan", "/api/v1/cycles/{q1}/sheets/2")).status_code == 403
    CycleStore(db).update("a", "a-q1", {"cadence": Cadence(publish_sheet_to_all=True)})
    db.commit()
    assert (await api.get("dan", "/api/v1/cycles/{q1}/sheets/2")).status_code == 200


async def test_the_audit_log_filters_by_subject_and_actor_for_those_who_may_read_it(api: Api) -> None:
    await api.patch(
        "bo", "/api/v1/objectives/{o1}", headers={"If-Match": '"1"'}, json={"title": "Delight all"}
    )
    history = await api.get("dan", "/api/v1/audit", params={"subject_id": "a-o1"})
    assert [(e["action"], e["actor_id"]) for e in history.json()["items"]] == [
        ("update", "a-bo"),
        ("create", "a-bo"),
    ]

    own = await api.get("bo", "/api/v1/audit", params={"actor_id": "a-bo", "limit": 2})
    assert own.status_code == 200 and len(own.json()["items"]) == 2 and own.json()["next_cursor"]
    by_manager = await api.get("ana", "/api/v1/audit", params={"actor_id": "a-bo"})
    assert by_manager.status_code == 200
    peeking = await api.get("bo", "/api/v1/audit", params={"actor_id": "a-ana"})
    assert peeking.status_code == 403


async def test_an_admin_creates_a_token_its_person_uses_lists_and_revokes(api: Api) -> None:
    created = await api.post("root", "/api/v1/tokens", json={"name": "laptop", "person_id": "{dan}"})
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    me = await api.client.get("/api/v1/people/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["id"] == "a-dan"

    listed = await api.get("dan", "/api/v1/tokens")
    assert [t["name"] for t in listed.json()["items"]] == ["tests", "laptop"]
    assert token not in listed.text
    record = created.json()["record"]["id"]
    assert (await api.delete("cai", f"/api/v1/tokens/{record}")).status_code == 403
    assert (await api.delete("dan", f"/api/v1/tokens/{record}")).status_code == 204
    revoked = await api.client.get("/api/v1/people/me", headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401
    assert "revoked" in revoked.json()["detail"]


async def test_the_drafting_assistant_critiques_a_draft_without_storing_it(api: Api) -> None:
    draft = {
        "objective": {"title": "提升新用户留存", "owner": "张伟"},
        "key_results": [{"title": "上线新手引导", "owner": "张伟"}],
    }
    critique = await api.post("dan", "/api/v1/critique", json=draft)
    assert critique.status_code == 200, critique.text
    assert "KR_IS_TASK" in {f["code"] for f in critique.json()["findings"]}
    assert critique.json()["ai_unavailable"] is False

    with_llm = await api.post("dan", "/api/v1/critique", params={"llm": True, "lang": "en"}, json=draft)
    assert with_llm.status_code == 200
    assert (with_llm.json()["ai_unavailable"], with_llm.json()["ai_error"]) == (True, "not_configured")

    no_objective = await api.post("dan", "/api/v1/critique", json={"key_results": []})
    assert no_objective.status_code == 422
    assert ["body", "objective"] in [e["loc"] for e in no_objective.json()["errors"]]
