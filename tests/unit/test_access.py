"""The authorisation policy, as a table: who may do what to whose objective, key result and task."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from okrflow import access
from okrflow.domain.errors import PermissionDenied
from okrflow.domain.model import Consultation, KeyResult, Objective, Person, Role, Task

ORG = "o"
PEOPLE = {
    "admin": Person(id="admin", org_id=ORG, name="Admin", handle="admin", role=Role.ADMIN),
    "amb": Person(id="amb", org_id=ORG, name="Amb", handle="amb", role=Role.AMBASSADOR),
    "boss": Person(id="boss", org_id=ORG, name="Boss", handle="boss", role=Role.MANAGER),
    "other_boss": Person(id="other_boss", org_id=ORG, name="Other", handle="other", role=Role.MANAGER),
    "owner": Person(id="owner", org_id=ORG, name="Owner", handle="owner", manager_id="boss"),
    "kr_owner": Person(id="kr_owner", org_id=ORG, name="KR", handle="kr", manager_id="boss"),
    "doer": Person(id="doer", org_id=ORG, name="Doer", handle="doer"),
    "peer": Person(id="peer", org_id=ORG, name="Peer", handle="peer"),
}
OBJECTIVE = Objective(id="ob", org_id=ORG, cycle_id="c", title="Grow", owner_id="owner")
KR = KeyResult(
    id="kr", org_id=ORG, objective_id="ob", title="Revenue", owner_id="kr_owner", start=0, target=1
)
TASK = Task(id="t", org_id=ORG, kr_id="kr", title="Do", owner_id="doer")


def allowed(check: object) -> bool:
    try:
        check()  # type: ignore[operator]
    except PermissionDenied:
        return False
    return True


@pytest.mark.parametrize(
    ("who", "edit_objective", "decide_draft", "edit_kr", "check_in", "manage_tasks"),
    [
        ("owner", True, False, True, True, False),
        ("boss", True, True, True, False, False),
        ("other_boss", False, False, False, False, False),
        ("kr_owner", False, False, True, True, True),
        ("admin", True, True, True, True, True),
        ("amb", False, False, False, False, False),
        ("peer", False, False, False, False, False),
    ],
)
def test_who_may_change_an_objective_its_key_result_and_its_plan(
    who: str, edit_objective: bool, decide_draft: bool, edit_kr: bool, check_in: bool, manage_tasks: bool
) -> None:
    actor, owner = PEOPLE[who], PEOPLE["owner"]
    assert allowed(lambda: access.require_edit_objective(actor, OBJECTIVE, owner)) is edit_objective
    assert allowed(lambda: access.require_decide_draft(actor, OBJECTIVE, owner)) is decide_draft
    assert allowed(lambda: access.require_edit_key_result(actor, KR, OBJECTIVE, owner)) is edit_kr
    assert allowed(lambda: access.require_check_in(actor, KR, OBJECTIVE)) is check_in
    assert allowed(lambda: access.require_manage_tasks(actor, KR, OBJECTIVE, "accepting")) is manage_tasks


@pytest.mark.parametrize(
    ("who", "fields", "ok"),
    [
        ("doer", ["status", "due", "collaborators"], True),
        ("doer", ["owner_id"], False),
        ("kr_owner", ["owner_id", "status"], True),
        ("peer", ["status"], False),
    ],
)
def test_a_task_owner_changes_their_work_and_the_kr_owner_everything(
    who: str, fields: list[str], ok: bool
) -> None:
    assert allowed(lambda: access.require_edit_task(PEOPLE[who], TASK, KR, OBJECTIVE, fields)) is ok


def test_anyone_proposes_a_task_they_will_own_but_not_one_for_someone_else() -> None:
    assert allowed(lambda: access.require_propose_task(PEOPLE["peer"], "peer", KR, OBJECTIVE))
    assert not allowed(lambda: access.require_propose_task(PEOPLE["peer"], "doer", KR, OBJECTIVE))
    assert allowed(lambda: access.require_propose_task(PEOPLE["kr_owner"], "doer", KR, OBJECTIVE))


def test_the_refusal_says_who_may() -> None:
    with pytest.raises(PermissionDenied, match="its owner, the owner's manager or an admin"):
        access.require_edit_objective(PEOPLE["peer"], OBJECTIVE, PEOPLE["owner"])


@pytest.mark.parametrize(
    ("who", "whom", "fields", "ok"),
    [
        ("peer", "peer", ["language", "timezone", "email"], True),
        ("peer", "peer", ["language", "role"], False),
        ("peer", "doer", ["language"], False),
        ("boss", "owner", ["weekly_capacity_hours"], False),
        ("admin", "owner", ["role", "manager_id"], True),
    ],
)
def test_admins_change_people_and_everyone_their_own_language_time_zone_and_email(
    who: str, whom: str, fields: list[str], ok: bool
) -> None:
    assert allowed(lambda: access.require_edit_person(PEOPLE[who], PEOPLE[whom], fields)) is ok


@pytest.mark.parametrize(
    ("scope", "who", "team_ids", "lead_of", "published", "ok"),
    [
        ("org", "peer", set(), set(), False, False),
        ("org", "peer", set(), set(), True, True),
        ("org", "boss", set(), set(), False, True),
        ("t1", "peer", {"t1", "root"}, set(), False, True),
        ("t2", "peer", {"t1", "root"}, set(), False, False),
        ("t2", "peer", set(), {"t2"}, False, True),
        ("t2", "amb", set(), set(), False, True),
    ],
)
def test_who_reads_a_weekly_sheet(
    scope: str, who: str, team_ids: set[str], lead_of: set[str], published: bool, ok: bool
) -> None:
    assert (
        access.can_read_sheet(
            PEOPLE[who], scope, team_ids=team_ids, lead_of=lead_of, publish_to_all=published
        )
        is ok
    )


def test_a_consultation_is_read_by_its_participants_and_the_review_readers() -> None:
    meeting = Consultation(
        id="m",
        org_id=ORG,
        cycle_id="c",
        subject_id="kr",
        reason="late",
        opened_by="boss",
        participants=["kr_owner"],
        meet_by=datetime(2026, 1, 1, tzinfo=UTC),
        created_at=datetime(2025, 12, 29, tzinfo=UTC),
    )
    readers = {who for who, p in PEOPLE.items() if access.can_read_consultation(p, meeting)}
    assert readers == {"kr_owner", "admin", "amb", "boss", "other_boss"}


@pytest.mark.parametrize(
    ("who", "subject_id", "actor_id", "ok"),
    [
        ("peer", None, None, False),
        ("peer", "ob", None, True),
        ("peer", None, "peer", True),
        ("peer", None, "owner", False),
        ("boss", None, "owner", True),
        ("amb", None, None, True),
    ],
)
def test_who_reads_the_audit_log(who: str, subject_id: str | None, actor_id: str | None, ok: bool) -> None:
    actor_person = PEOPLE.get(actor_id) if actor_id else None
    check = lambda: access.require_audit_reader(  # noqa: E731
        PEOPLE[who], subject_id=subject_id, actor_id=actor_id, actor_person=actor_person
    )
    assert allowed(check) is ok
