"""The Acme org, its two teams and its people, whom the report tests' worlds share."""

from __future__ import annotations

from okrflow.domain.model import Language, Org, Person, Team

ORG = Org(id="acme", name="Acme")
TEAMS = [Team(id="pay", org_id="acme", name="Payments"), Team(id="ops", org_id="acme", name="Operations")]
PEOPLE = [
    Person(id="ana", org_id="acme", name="Ana López", handle="ana", team_id="pay"),
    Person(id="wei", org_id="acme", name="张伟", handle="wei", team_id="pay", language=Language.ZH),
    Person(id="bo", org_id="acme", name="Bo", handle="bo", team_id="ops"),
]
