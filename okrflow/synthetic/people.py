"""The people and the team tree of a synthetic organisation.

Shape: a leadership team (the CEO, one admin, one or two OKR ambassadors); one team per
department led by its head (who reports to the CEO); in large departments intermediate group
teams of up to six teams each; and leaf teams of 5–9 people (a lead who manages everyone in
it). ``Person.team_id`` is the team someone leads, or else the team they belong to.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from okrflow.domain.model import Language, Person, Role, Team
from okrflow.synthetic.names import NameBook
from okrflow.synthetic.scenario import Scenario
from okrflow.synthetic.themes import DEPARTMENTS, Department

MIN_PEOPLE = 10
_FANOUT = 6  # leaf teams per group when a department has more than eight teams; at most 8 groups per node


@dataclass
class TeamNode:
    team: Team
    level: str  # root, dept, group, leaf
    dept: Department | None
    area: tuple[str, str]  # (en, zh) used in titles
    parent: TeamNode | None
    lead_id: str
    members: list[str] = field(default_factory=list)  # person ids whose team_id is this team, lead first
    children: list[TeamNode] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.team.id


@dataclass
class OrgShape:
    people: list[Person]
    by_id: dict[str, Person]
    teams: list[TeamNode]
    root: TeamNode
    ceo_id: str


def _department_count(n: int) -> int:
    for limit, d in ((25, 1), (45, 2), (80, 3), (150, 4), (400, 5), (1000, 6), (3000, 7)):
        if n < limit:
            return d
    return len(DEPARTMENTS)


def _group_split(leaves: int) -> list[int]:
    """How a node with ``leaves`` leaf teams below it splits them among its groups ([] = no groups)."""
    if leaves <= 8:
        return []
    return _split(leaves, [1.0] * min(8, math.ceil(leaves / _FANOUT)), 0)


def _group_leads_needed(leaves: int) -> int:
    split = _group_split(leaves)
    return len(split) + sum(_group_leads_needed(n) for n in split)


def _split(total: int, weights: list[float], minimum: int) -> list[int]:
    """Split ``total`` by ``weights`` (largest remainder), each part at least ``minimum``."""
    free = total - minimum * len(weights)
    raw = [free * w / sum(weights) for w in weights]
    parts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: free - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]


class PeopleBuilder:
    def __init__(
        self,
        rng: random.Random,
        *,
        org_id: str,
        org_lang: Language,
        org_tz: str,
        domain: str,
        scenario: Scenario,
    ) -> None:
        self.rng = rng
        self.org_id = org_id
        self.org_lang = org_lang
        self.org_tz = org_tz
        self.domain = domain
        self.scenario = scenario
        self.names = NameBook(rng)
        self.people: list[Person] = []
        self.teams: list[TeamNode] = []

    # ------------------------------------------------------------ records

    def _person(self, *, team_id: str, manager_id: str | None, role: Role, lead: bool) -> Person:
        rng = self.rng
        zh = rng.random() < self.scenario.zh_share
        name, handle = self.names.chinese() if zh else self.names.english()
        if zh:
            tz = "Asia/Shanghai" if self.org_tz == "Asia/Shanghai" or rng.random() < 0.6 else self.org_tz
        elif self.org_tz == "Europe/Berlin":
            tz = rng.choice(
                ("Europe/Berlin", "Europe/Berlin", "Europe/Berlin", "Europe/London", "America/New_York")
            )
        else:
            tz = rng.choice(("Asia/Shanghai", "Asia/Shanghai", "Asia/Singapore"))
        if lead or rng.random() >= self.scenario.part_time_share:
            capacity = 40.0 if lead else rng.choice((40.0, 40.0, 40.0, 40.0, 40.0, 38.0, 37.5, 35.0))
        else:
            capacity = rng.choice((16.0, 20.0, 24.0, 30.0, 32.0))
        person = Person(
            id=f"{self.org_id}-p{len(self.people) + 1:05d}",
            org_id=self.org_id,
            name=name,
            handle=handle,
            email=f"{handle}@{self.domain}",
            team_id=team_id,
            manager_id=manager_id,
            role=role,
            timezone=tz,
            language=Language.ZH if zh else Language.EN,
            weekly_capacity_hours=capacity,
        )
        self.people.append(person)
        return person

    def _team(
        self,
        *,
        name: str,
        level: str,
        dept: Department | None,
        area: tuple[str, str],
        parent: TeamNode | None,
    ) -> TeamNode:
        tid = f"{self.org_id}-t{len(self.teams) + 1:04d}"
        # The lead is created right after the team, so their id is known now.
        lead_id = f"{self.org_id}-p{len(self.people) + 1:05d}"
        team = Team(
            id=tid, org_id=self.org_id, name=name, parent_id=parent.id if parent else None, lead_id=lead_id
        )
        node = TeamNode(team=team, level=level, dept=dept, area=area, parent=parent, lead_id=lead_id)
        self.teams.append(node)
        if parent is not None:
            parent.children.append(node)
        manager = parent.lead_id if parent is not None else None
        role = Role.MANAGER
        self._person(team_id=tid, manager_id=manager, role=role, lead=True)
        node.members.append(lead_id)
        return node

    def _text(self, en: str, zh: str) -> str:
        return zh if self.org_lang is Language.ZH else en

    # ------------------------------------------------------------ shape

    def build(self, n: int) -> OrgShape:
        rng = self.rng
        d = _department_count(n)
        depts = list(DEPARTMENTS[:d])
        ambassadors = 2 if n >= 150 else 1
        root = self._team(
            name=self._text("Leadership team", "管理层"),
            level="root",
            dept=None,
            area=("the company", "公司"),
            parent=None,
        )
        ceo = root.lead_id
        for role in (Role.ADMIN, *([Role.AMBASSADOR] * ambassadors)):
            p = self._person(team_id=root.id, manager_id=ceo, role=role, lead=False)
            root.members.append(p.id)

        rest = n - len(self.people) - d  # people below the department heads
        teams = max(d, round(rest / 7.2))
        while True:
            per_dept = _split(teams, [x.weight for x in depts], 1)
            leads = sum(_group_leads_needed(t) for t in per_dept)
            leaf_people = rest - leads
            if leaf_people > 9 * teams:
                teams += 1
            elif leaf_people < 5 * teams and teams > d:
                teams -= 1
            else:
                break
        if leaf_people < 5 * teams:
            raise ValueError(f"people: {n} is too few for {d} department(s); use at least {MIN_PEOPLE}")
        sizes = [5] * teams
        for _ in range(leaf_people - 5 * teams):
            i = rng.randrange(teams)
            while sizes[i] >= 9:
                i = (i + 1) % teams
            sizes[i] += 1
        size_iter = iter(sizes)

        for dept, t in zip(depts, per_dept, strict=True):
            node = self._team(
                name=self._text(dept.en, dept.zh),
                level="dept",
                dept=dept,
                area=(dept.en, dept.zh),
                parent=root,
            )
            used: dict[str, int] = {}
            self._attach(node, dept, t, size_iter, used)
        people = self.people
        return OrgShape(
            people=people, by_id={p.id: p for p in people}, teams=self.teams, root=root, ceo_id=ceo
        )

    def _attach(
        self, parent: TeamNode, dept: Department, leaves: int, sizes: Iterator[int], used: dict[str, int]
    ) -> None:
        split = _group_split(leaves)
        if not split:
            for _ in range(leaves):
                self._leaf(parent, dept, next(sizes), used)
            return
        for g, count in enumerate(split, start=1):
            gid = len([c for c in parent.children if c.level == "group"]) + 1
            prefix = parent.team.name if parent.level == "group" else self._text(dept.en, dept.zh)
            node = self._team(
                name=self._text(f"{prefix} · Group {gid}", f"{prefix}·第{gid}组群"),
                level="group",
                dept=dept,
                area=dept.areas[(g - 1) % len(dept.areas)],
                parent=parent,
            )
            self._attach(node, dept, count, sizes, used)

    def _leaf(self, parent: TeamNode, dept: Department, size: int, used: dict[str, int]) -> None:
        en, zh = dept.areas[sum(used.values()) % len(dept.areas)]
        n = used.get(en, 0) + 1
        used[en] = n
        name = self._text(en if n == 1 else f"{en} {n}", f"{zh}组" if n == 1 else f"{zh}{n}组")
        node = self._team(name=name, level="leaf", dept=dept, area=(en, zh), parent=parent)
        for _ in range(size - 1):
            p = self._person(team_id=node.id, manager_id=node.lead_id, role=Role.MEMBER, lead=False)
            node.members.append(p.id)
