"""Store tests run on SQLite and PostgreSQL (see okrflow.store.testing), each in a rolled-back transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from okrflow.domain.model import Cycle, KeyResult, Objective, Org, Person, Role, Task, Team
from okrflow.store import (
    CycleStore,
    KeyResultStore,
    ObjectiveStore,
    OrgStore,
    PeopleStore,
    TeamStore,
)
from okrflow.store.testing import *  # noqa: F403

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass
class World:
    """One org with a team, three people, a cycle, an objective and a key result."""

    org: Org
    team: Team
    ana: Person
    bo: Person
    cai: Person
    cycle: Cycle
    objective: Objective
    kr: KeyResult

    def task(self, ident: str, title: str, **kw: Any) -> Task:
        kw.setdefault("owner_id", self.bo.id)
        kw.setdefault("kr_id", self.kr.id)
        return Task(id=ident, org_id=self.org.id, title=title, **kw)


def build_world(session: Session, prefix: str) -> World:
    org = OrgStore(session).add(Org(id=f"{prefix}org", name=f"Org {prefix}", timezone="Asia/Shanghai"))
    team = TeamStore(session).add(Team(id=f"{prefix}team", org_id=org.id, name="Platform"))
    people = PeopleStore(session)
    ana = people.add(
        Person(
            id=f"{prefix}ana",
            org_id=org.id,
            name="Ana López",
            handle=f"{prefix}ana",
            team_id=team.id,
            role=Role.MANAGER,
        )
    )
    bo = people.add(
        Person(
            id=f"{prefix}bo",
            org_id=org.id,
            name="Bo",
            handle=f"{prefix}bo",
            team_id=team.id,
            manager_id=ana.id,
        )
    )
    cai = people.add(
        Person(
            id=f"{prefix}cai",
            org_id=org.id,
            name="张伟",
            handle=f"{prefix}zhangwei",
            team_id=team.id,
            manager_id=ana.id,
        )
    )
    cycle = CycleStore(session).add(
        Cycle(id=f"{prefix}q1", org_id=org.id, name="2026-Q1", start=date(2026, 1, 5), end=date(2026, 3, 29))
    )
    objective = ObjectiveStore(session).add(
        Objective(
            id=f"{prefix}o1",
            org_id=org.id,
            cycle_id=cycle.id,
            title="Delight customers",
            owner_id=ana.id,
            team_id=team.id,
        ),
        actor=ana.id,
        at=T0,
    )
    kr = KeyResultStore(session).add(
        KeyResult(
            id=f"{prefix}kr1",
            org_id=org.id,
            objective_id=objective.id,
            title="Churn from 12% to 8%",
            owner_id=bo.id,
            start=12,
            target=8,
            direction="decrease",
            unit="%",
        ),
        actor=ana.id,
        at=T0,
    )
    return World(org, team, ana, bo, cai, cycle, objective, kr)


@pytest.fixture
def world(db_session: Session) -> World:
    return build_world(db_session, "a-")


@pytest.fixture
def other(db_session: Session, world: World) -> World:
    """A second org, to prove nothing crosses between orgs."""
    return build_world(db_session, "b-")
