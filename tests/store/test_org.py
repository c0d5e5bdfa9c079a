from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy.orm import Session

from okrflow.domain.errors import Conflict, NotFound, ValidationFailed
from okrflow.domain.model import Cadence, Cycle, Language, Person, Phase, Team
from okrflow.store import CycleStore, OrgStore, PeopleStore, TeamStore

from .conftest import World


def test_people_teams_and_cycles_round_trip(db_session: Session, world: World) -> None:
    assert OrgStore(db_session).get(world.org.id) == world.org
    people = PeopleStore(db_session)
    assert people.get(world.org.id, world.cai.id) == world.cai
    assert people.get_by_handle(world.org.id, "a-zhangwei").name == "张伟"
    assert set(people.by_handles(world.org.id, ["a-zhangwei", "a-bo", "nobody"])) == {"a-zhangwei", "a-bo"}
    assert [p.id for p in people.list(world.org.id, manager_id=world.ana.id)] == ["a-bo", "a-cai"]
    assert TeamStore(db_session).get(world.org.id, world.team.id) == world.team
    cadence = Cadence(
        review_weekday=2,
        review_time=time(9, 30),
        holidays=[date(2026, 2, 17)],
        expected_curve=[(0.0, 0.0), (0.5, 0.3), (1.0, 1.0)],
    )
    q2 = Cycle(
        id="q2",
        org_id=world.org.id,
        name="2026-Q2",
        start=date(2026, 4, 6),
        end=date(2026, 6, 28),
        timezone="Asia/Shanghai",
        cadence=cadence,
    )
    CycleStore(db_session).add(q2)
    assert CycleStore(db_session).get(world.org.id, "q2") == q2
    assert [c.id for c in CycleStore(db_session).list(world.org.id)] == ["q2", world.cycle.id]


def test_records_of_another_org_are_invisible(db_session: Session, world: World, other: World) -> None:
    with pytest.raises(NotFound):
        PeopleStore(db_session).get(world.org.id, other.ana.id)
    with pytest.raises(NotFound):
        CycleStore(db_session).get(world.org.id, other.cycle.id)
    with pytest.raises(NotFound):
        OrgStore(db_session).get(world.org.id, other.org.id)
    assert {p.org_id for p in PeopleStore(db_session).list(world.org.id)} == {world.org.id}
    with pytest.raises(ValidationFailed, match="manager_id: no person 'b-ana' in this org"):
        PeopleStore(db_session).add(
            Person(id="spy", org_id=world.org.id, name="Spy", handle="spy", manager_id=other.ana.id)
        )


def test_a_handle_is_unique_within_an_org(db_session: Session, world: World, other: World) -> None:
    with pytest.raises(Conflict, match="person 'dup' clashes with a stored record"):
        PeopleStore(db_session).add(Person(id="dup", org_id=world.org.id, name="Dup", handle=world.bo.handle))
    PeopleStore(db_session).add(
        Person(id="same-handle", org_id=other.org.id, name="Bo", handle=world.bo.handle)
    )


def test_updates_are_validated_field_by_field(db_session: Session, world: World) -> None:
    people = PeopleStore(db_session)
    updated = people.update(world.org.id, world.bo.id, {"language": "zh", "weekly_capacity_hours": 32})
    assert (updated.language, updated.weekly_capacity_hours) == (Language.ZH, 32)
    assert people.get(world.org.id, world.bo.id) == updated
    with pytest.raises(ValidationFailed) as caught:
        people.update(world.org.id, world.bo.id, {"timezone": "Mars/Olympus", "weekly_capacity_hours": 200})
    assert {p.location for p in caught.value.problems} == {("timezone",), ("weekly_capacity_hours",)}
    with pytest.raises(ValidationFailed, match="id: cannot be changed"):
        people.update(world.org.id, world.bo.id, {"id": "other"})
    assert (
        CycleStore(db_session).set_phase(world.org.id, world.cycle.id, Phase.DRAFTING).phase is Phase.DRAFTING
    )
    assert CycleStore(db_session).get(world.org.id, world.cycle.id).phase is Phase.DRAFTING


def test_team_subtree_lists_every_team_below(db_session: Session, world: World) -> None:
    teams = TeamStore(db_session)
    teams.add(Team(id="web", org_id=world.org.id, name="Web", parent_id=world.team.id, lead_id=world.bo.id))
    teams.add(Team(id="css", org_id=world.org.id, name="CSS", parent_id="web"))
    teams.add(Team(id="ops", org_id=world.org.id, name="Ops"))
    assert sorted(teams.subtree_ids(world.org.id, world.team.id)) == ["a-team", "css", "web"]
    assert [t.id for t in teams.list(world.org.id)] == ["css", "ops", "a-team", "web"]


def test_a_team_or_manager_loop_is_refused_naming_the_path(db_session: Session, world: World) -> None:
    teams = TeamStore(db_session)
    teams.add(Team(id="web", org_id=world.org.id, name="Web", parent_id=world.team.id))
    with pytest.raises(ValidationFailed, match="parent_id: would make a loop: a-team → web → a-team"):
        teams.update(world.org.id, world.team.id, {"parent_id": "web"})
    with pytest.raises(ValidationFailed, match="manager_id: would make a loop: a-ana → a-bo → a-ana"):
        PeopleStore(db_session).update(world.org.id, world.ana.id, {"manager_id": world.bo.id})
    assert TeamStore(db_session).get(world.org.id, world.team.id).parent_id is None
