"""The authorisation matrix: for every route of the app, who may call it and who may not.

Keys are (method, route path) exactly as the app declares them; ``test_authz`` fails when a route
has no entry here (or an entry names a route that no longer exists), so a new route cannot ship
without saying who may call it.

For each entry the test checks four callers against the world of ``conftest.seed``:

- anonymous: 401;
- ``bea``, the admin of the *other* org: 404 or 403 for a route about an Acme record (``foreign``
  says when a body reference makes it 422, or when the route is about the caller's own org and
  answers with Bolt's data); never a word of Acme's data either way;
- ``denied``, a person of Acme without the right: 403 (None when everyone in the org may, with
  ``why`` saying so);
- ``allowed``: the expected success status (workflow routes: in ``test_workflow_routes``, against a
  real Temporal; here only their refusals, which come before any workflow is touched).

Strings in ``url``, ``body`` and ``headers`` name seeded records in braces: ``{o1}``, ``{bo}``...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

REFUSED = frozenset({403, 404})
BODY_REFERENCE = frozenset({422})  # the body names a record of the other org: "no ... in this org"
OWN = frozenset({200, 201, 204})  # the route is about the caller's own org: they get their own data

OPEN = "everyone in the org may"


@dataclass(frozen=True)
class Entry:
    url: str
    allowed: str
    denied: str | None
    ok: int = 200
    body: Any = None
    content: str | None = None  # a raw body (YAML rule sets)
    headers: dict[str, str] | Callable[[Any], dict[str, str]] = field(default_factory=dict)
    foreign: frozenset[int] = REFUSED
    workflow: bool = False
    why: str = ""  # why nobody in the org is refused (denied is None)


def _etag(record: str) -> Callable[[Any], dict[str, str]]:
    def headers(world: Any) -> dict[str, str]:
        from api.deps import content_etag

        return {"If-Match": content_etag(world.records[record])}

    return headers


def _comments(path: str, url: str, body: str) -> dict[tuple[str, str], Entry]:
    """Everyone in the org reads and writes the comments on an objective, a key result or a task."""
    return {
        ("GET", path): Entry(url, "dan", None, why=OPEN),
        ("POST", path): Entry(url, "dan", None, 201, body={"body": body}, why=OPEN),
    }


V1 = {"If-Match": '"1"'}
YAML = {"Content-Type": "application/yaml"}
RULES = """rules:
  - id: low-confidence
    description: {en: Confidence below 3., zh: 信心低于 3。}
    message: {en: "Confidence {confidence}/10.", zh: "信心 {confidence}/10。"}
    scope: key_result
    when: confidence < 3
    severity: warning
"""
DRAFT = {
    "objective": {"title": "Delight our customers", "owner": "Bo"},
    "key_results": [{"title": "Churn from 12% to 8%", "start": 12, "target": 8, "unit": "%"}],
}

MATRIX: dict[tuple[str, str], Entry] = {
    # ------------------------------------------------------------ people and teams
    ("GET", "/api/v1/people"): Entry("/api/v1/people", "dan", None, foreign=OWN, why=OPEN),
    ("GET", "/api/v1/people/me"): Entry("/api/v1/people/me", "dan", None, foreign=OWN, why=OPEN),
    ("GET", "/api/v1/people/{person_id}"): Entry("/api/v1/people/{bo}", "dan", None, why=OPEN),
    ("POST", "/api/v1/people"): Entry(
        "/api/v1/people", "root", "ana", 201, body={"name": "New Hire", "handle": "newbie"}, foreign=OWN
    ),
    ("PATCH", "/api/v1/people/{person_id}"): Entry(
        "/api/v1/people/{bo}", "root", "dan", body={"weekly_capacity_hours": 30}, headers=_etag("bo")
    ),
    ("GET", "/api/v1/teams"): Entry("/api/v1/teams", "dan", None, foreign=OWN, why=OPEN),
    ("GET", "/api/v1/teams/{team_id}"): Entry("/api/v1/teams/{platform}", "dan", None, why=OPEN),
    ("POST", "/api/v1/teams"): Entry("/api/v1/teams", "root", "ana", 201, body={"name": "Labs"}, foreign=OWN),
    ("PATCH", "/api/v1/teams/{team_id}"): Entry(
        "/api/v1/teams/{platform}", "root", "ana", body={"name": "Core"}, headers=_etag("platform")
    ),
    # ------------------------------------------------------------ cycles and their workflow
    ("GET", "/api/v1/cycles"): Entry("/api/v1/cycles", "dan", None, foreign=OWN, why=OPEN),
    ("GET", "/api/v1/cycles/{cycle_id}"): Entry("/api/v1/cycles/{q1}", "dan", None, why=OPEN),
    ("POST", "/api/v1/cycles"): Entry(
        "/api/v1/cycles",
        "root",
        "ana",
        201,
        body={"name": "2026-Q2", "start": "2026-04-06", "end": "2026-06-28"},
        foreign=OWN,
    ),
    ("PATCH", "/api/v1/cycles/{cycle_id}"): Entry(
        "/api/v1/cycles/{q1}", "root", "ana", body={"name": "Q1 renamed"}, headers=_etag("q1")
    ),
    ("POST", "/api/v1/cycles/{cycle_id}/start"): Entry(
        "/api/v1/cycles/{q1}/start", "root", "ana", 202, workflow=True
    ),
    ("POST", "/api/v1/cycles/{cycle_id}/pause"): Entry(
        "/api/v1/cycles/{q1}/pause", "root", "ana", body={"reason": "holiday"}, workflow=True
    ),
    ("POST", "/api/v1/cycles/{cycle_id}/resume"): Entry(
        "/api/v1/cycles/{q1}/resume", "root", "ana", body={"reason": "back"}, workflow=True
    ),
    ("GET", "/api/v1/cycles/{cycle_id}/status"): Entry(
        "/api/v1/cycles/{q1}/status", "ana", "dan", workflow=True
    ),
    # ------------------------------------------------------------ objectives
    ("GET", "/api/v1/objectives"): Entry("/api/v1/objectives", "dan", None, foreign=OWN, why=OPEN),
    ("GET", "/api/v1/objectives/{objective_id}"): Entry("/api/v1/objectives/{o1}", "dan", None, why=OPEN),
    ("POST", "/api/v1/objectives"): Entry(
        "/api/v1/objectives",
        "bo",
        "dan",
        201,
        body={"cycle_id": "{q1}", "title": "Grow revenue", "owner_id": "{bo}"},
        foreign=BODY_REFERENCE,
    ),
    ("PATCH", "/api/v1/objectives/{objective_id}"): Entry(
        "/api/v1/objectives/{o1}", "bo", "dan", body={"title": "Delight every customer"}, headers=V1
    ),
    ("POST", "/api/v1/objectives/{objective_id}/submit"): Entry(
        "/api/v1/objectives/{o1}/submit", "bo", "dan", workflow=True
    ),
    ("POST", "/api/v1/objectives/{objective_id}/approve"): Entry(
        "/api/v1/objectives/{o1}/approve", "ana", "bo", body={"comment": "good"}, workflow=True
    ),
    ("POST", "/api/v1/objectives/{objective_id}/return"): Entry(
        "/api/v1/objectives/{o1}/return", "ana", "dan", body={"comment": "measure it"}, workflow=True
    ),
    **_comments("/api/v1/objectives/{objective_id}/comments", "/api/v1/objectives/{o1}/comments", "@bo nice"),
    # ------------------------------------------------------------ key results and check-ins
    ("GET", "/api/v1/key-results"): Entry("/api/v1/key-results", "dan", None, foreign=OWN, why=OPEN),
    ("GET", "/api/v1/key-results/{kr_id}"): Entry("/api/v1/key-results/{kr1}", "dan", None, why=OPEN),
    ("POST", "/api/v1/key-results"): Entry(
        "/api/v1/key-results",
        "bo",
        "dan",
        201,
        body={"objective_id": "{o1}", "title": "NPS from 30 to 45", "start": 30, "target": 45},
        foreign=BODY_REFERENCE,
    ),
    ("PATCH", "/api/v1/key-results/{kr_id}"): Entry(
        "/api/v1/key-results/{kr1}", "bo", "dan", body={"target": 7}, headers=V1
    ),
    ("GET", "/api/v1/key-results/{kr_id}/plan"): Entry(
        "/api/v1/key-results/{kr1}/plan", "dan", None, why=OPEN
    ),
    ("POST", "/api/v1/key-results/{kr_id}/check-ins"): Entry(
        "/api/v1/key-results/{kr1}/check-ins", "bo", "dan", 201, body={"value": 11, "confidence": 7}
    ),
    ("GET", "/api/v1/key-results/{kr_id}/check-ins"): Entry(
        "/api/v1/key-results/{kr1}/check-ins", "dan", None, why=OPEN
    ),
    ("GET", "/api/v1/check-ins/{check_in_id}"): Entry("/api/v1/check-ins/{ci1}", "dan", None, why=OPEN),
    **_comments(
        "/api/v1/key-results/{kr_id}/comments", "/api/v1/key-results/{kr1}/comments", "how can I help?"
    ),
    # ------------------------------------------------------------ tasks
    ("GET", "/api/v1/tasks"): Entry("/api/v1/tasks", "dan", None, foreign=OWN, why=OPEN),
    ("GET", "/api/v1/tasks/{task_id}"): Entry("/api/v1/tasks/{t1}", "dan", None, why=OPEN),
    ("POST", "/api/v1/tasks"): Entry(
        "/api/v1/tasks",
        "bo",
        "dan",
        201,
        body={"kr_id": "{kr1}", "title": "Call churned accounts", "owner_id": "{cai}"},
        foreign=BODY_REFERENCE,
    ),
    ("PATCH", "/api/v1/tasks/{task_id}"): Entry(
        "/api/v1/tasks/{t1}", "cai", "dan", body={"status": "doing"}, headers=V1
    ),
    ("POST", "/api/v1/tasks/{task_id}/accept"): Entry("/api/v1/tasks/{t2}/accept", "bo", "cai", headers=V1),
    ("POST", "/api/v1/tasks/{task_id}/decline"): Entry(
        "/api/v1/tasks/{t2}/decline", "bo", "cai", body={"reason": "not this quarter"}, headers=V1
    ),
    ("POST", "/api/v1/tasks/{task_id}/collaborators"): Entry(
        "/api/v1/tasks/{t1}/collaborators", "cai", "dan", body={"person_id": "{bo}"}, headers=V1
    ),
    ("DELETE", "/api/v1/tasks/{task_id}/collaborators/{person_id}"): Entry(
        "/api/v1/tasks/{t1}/collaborators/{ana}", "cai", "dan", headers=V1
    ),
    **_comments("/api/v1/tasks/{task_id}/comments", "/api/v1/tasks/{t1}/comments", "@张伟 需要帮忙吗"),
    # ------------------------------------------------------------ governance
    ("GET", "/api/v1/audit"): Entry("/api/v1/audit", "amy", "dan", foreign=OWN),
    ("GET", "/api/v1/change-requests"): Entry("/api/v1/change-requests", "dan", None, foreign=OWN, why=OPEN),
    ("GET", "/api/v1/change-requests/{request_id}"): Entry(
        "/api/v1/change-requests/{cr1}", "dan", None, why=OPEN
    ),
    ("POST", "/api/v1/change-requests"): Entry(
        "/api/v1/change-requests",
        "bo",
        "dan",
        201,
        body={
            "subject_type": "objective",
            "subject_id": "{o2}",
            "reason": "a partner dropped out",
            "impact": "the sales team's objective depends on it",
            "changes": {"title": "Ship most of the platform"},
        },
        foreign=BODY_REFERENCE,
    ),
    ("POST", "/api/v1/change-requests/{request_id}/decide"): Entry(
        "/api/v1/change-requests/{cr1}/decide",
        "ana",
        "bo",
        body={"approve": True, "note": "ok"},
        workflow=True,
    ),
    ("GET", "/api/v1/consultations"): Entry(
        "/api/v1/consultations", "dan", None, foreign=OWN, why="everyone lists the ones they take part in"
    ),
    ("GET", "/api/v1/consultations/{consultation_id}"): Entry("/api/v1/consultations/{cons1}", "bo", "dan"),
    ("POST", "/api/v1/consultations"): Entry(
        "/api/v1/consultations",
        "dan",
        None,
        201,
        body={"subject_id": "{kr1}", "reason": "churn work is blocked on my team"},
        foreign=BODY_REFERENCE,
        why="anyone convenes a consultation with a reason",
    ),
    ("POST", "/api/v1/consultations/{consultation_id}/meeting"): Entry(
        "/api/v1/consultations/{cons1}/meeting",
        "bo",
        "dan",
        body={
            "situation": "exit surveys are late",
            "decisions": ["run the survey this week"],
            "check_on": "{check_on}",
            "check_condition": "confidence >= 6",
        },
        workflow=True,
    ),
    ("POST", "/api/v1/consultations/{consultation_id}/close"): Entry(
        "/api/v1/consultations/{cons1}/close",
        "amy",
        "bo",
        body={"note": "handled in the weekly"},
        workflow=True,
    ),
    ("GET", "/api/v1/flags"): Entry("/api/v1/flags", "ana", "dan", foreign=OWN),
    ("GET", "/api/v1/escalations"): Entry("/api/v1/escalations", "amy", "dan", foreign=OWN),
    ("GET", "/api/v1/cycles/{cycle_id}/sheets"): Entry(
        "/api/v1/cycles/{q1}/sheets", "dan", None, why="everyone lists the sheets they attend"
    ),
    ("GET", "/api/v1/cycles/{cycle_id}/sheets/{week}"): Entry(
        "/api/v1/cycles/{q1}/sheets/2?scope={platform}", "bo", "dan"
    ),
    # ------------------------------------------------------------ mid-term review and close-out
    ("GET", "/api/v1/objectives/{objective_id}/revisions"): Entry(
        "/api/v1/objectives/{o2}/revisions", "dan", None, why=OPEN
    ),
    # The seeded cycle is not in its mid-term window: the owner passes the checks of who may and is told
    # the window is closed (409); tests/api/test_governance_api.py confirms inside the window.
    ("POST", "/api/v1/objectives/{objective_id}/midterm-confirm"): Entry(
        "/api/v1/objectives/{o2}/midterm-confirm", "bo", "dan", 409, body={"note": "still right"}
    ),
    ("PUT", "/api/v1/objectives/{objective_id}/retrospective"): Entry(
        "/api/v1/objectives/{o2}/retrospective", "bo", "dan", body={"what_worked": "weekly focus"}
    ),
    ("GET", "/api/v1/cycles/{cycle_id}/report"): Entry(
        "/api/v1/cycles/{q1}/report", "dan", None, why="scores are public in the org, like the OKRs"
    ),
    ("GET", "/api/v1/cycles/{cycle_id}/carry-over"): Entry(
        "/api/v1/cycles/{q1}/carry-over", "dan", None, why="scores are public in the org, like the OKRs"
    ),
    # ------------------------------------------------------------ the OKR ambassador
    ("GET", "/api/v1/cycles/{cycle_id}/ambassador-digest"): Entry(
        "/api/v1/cycles/{q1}/ambassador-digest?week=2", "amy", "dan"
    ),
    ("POST", "/api/v1/problems"): Entry(
        "/api/v1/problems",
        "dan",
        None,
        201,
        body={"subject_id": "{kr1}", "text": "the churn target ignores the price change"},
        foreign=BODY_REFERENCE,
        why="anyone raises a problem about any OKR",
    ),
    ("GET", "/api/v1/problems"): Entry(
        "/api/v1/problems", "dan", None, foreign=OWN, why="everyone lists the problems they raised or hold"
    ),
    ("GET", "/api/v1/problems/{problem_id}"): Entry("/api/v1/problems/{p1}", "amy", "dan"),
    ("POST", "/api/v1/problems/{problem_id}/triage"): Entry(
        "/api/v1/problems/{p1}/triage", "amy", "bo", body={"action": "assign", "assignee_id": "{bo}"}
    ),
    # ------------------------------------------------------------ the caller's own things
    ("GET", "/api/v1/inbox"): Entry("/api/v1/inbox", "bo", None, foreign=OWN, why="everyone has an inbox"),
    ("GET", "/api/v1/inbox/unread-count"): Entry(
        "/api/v1/inbox/unread-count", "bo", None, foreign=OWN, why="everyone has an inbox"
    ),
    ("POST", "/api/v1/inbox/read"): Entry(
        "/api/v1/inbox/read", "bo", None, body={}, foreign=OWN, why="everyone has an inbox"
    ),
    ("GET", "/api/v1/tokens"): Entry(
        "/api/v1/tokens", "dan", None, foreign=OWN, why="everyone lists their own"
    ),
    ("POST", "/api/v1/tokens"): Entry(
        "/api/v1/tokens",
        "root",
        "ana",
        201,
        body={"name": "ci", "person_id": "{dan}"},
        foreign=BODY_REFERENCE,
    ),
    ("DELETE", "/api/v1/tokens/{token_id}"): Entry("/api/v1/tokens/{token_cai}", "cai", "dan", 204),
    ("POST", "/api/v1/critique"): Entry(
        "/api/v1/critique", "dan", None, body=DRAFT, foreign=OWN, why="the assistant reads no stored data"
    ),
    # ------------------------------------------------------------ dashboards
    ("GET", "/api/v1/dashboards/org"): Entry(
        "/api/v1/dashboards/org?cycle_id={q1}", "amy", "dan", foreign=REFUSED
    ),
    ("GET", "/api/v1/dashboards/teams/{team_id}"): Entry(
        "/api/v1/dashboards/teams/{platform}?cycle_id={q1}", "bo", "dan"
    ),
    ("GET", "/api/v1/dashboards/people/{person_id}"): Entry(
        "/api/v1/dashboards/people/{bo}?cycle_id={q1}", "ana", "dan"
    ),
    # ------------------------------------------------------------ rule administration
    ("POST", "/api/v1/rules/check"): Entry(
        "/api/v1/rules/check", "root", "ana", content=RULES, headers=YAML, foreign=OWN
    ),
    ("POST", "/api/v1/rules/dry-run"): Entry(
        "/api/v1/rules/dry-run?cycle_id={q1}&as_of=2026-01-19T02:00:00Z",
        "root",
        "ana",
        content=RULES,
        headers=YAML,
    ),
    ("GET", "/api/v1/rules/versions"): Entry("/api/v1/rules/versions", "root", "ana", foreign=OWN),
    ("POST", "/api/v1/rules/versions"): Entry(
        "/api/v1/rules/versions?reason=stricter", "root", "ana", 201, content=RULES, headers=YAML, foreign=OWN
    ),
    ("GET", "/api/v1/rules/versions/{version}"): Entry("/api/v1/rules/versions/1", "root", "ana"),
    ("POST", "/api/v1/rules/versions/{version}/activate"): Entry(
        "/api/v1/rules/versions/1/activate", "root", "ana", body={"reason": "back to the first"}
    ),
    ("GET", "/api/v1/rules/active"): Entry("/api/v1/rules/active", "root", "ana", foreign=OWN),
}
