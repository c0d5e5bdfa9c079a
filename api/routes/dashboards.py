"""Dashboards: the org, a team (with every team below it) or one person, read from the roll-ups.

Progress and expected progress (weighted), key results by health, the at-risk count and list,
this week's check-in compliance, the confidence trend, task completion, overdue milestones and
open consultations (会商). Reading one never scans the org: the roll-ups are kept up to date on
each check-in (``okrflow.services.rollups``).

Who sees what: everyone their own dashboard and their team's; managers and team leads the
teams below them and the people in them; the OKR ambassador and admins everything, the org
dashboard included.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from api.deps import CurrentUser, SessionDep
from api.schemas.common import problems
from okrflow.dashboard_views import Dashboard
from okrflow.dashboards import DashboardScope
from okrflow.services.dashboards import read_dashboard

router = APIRouter(prefix="/dashboards", tags=["dashboards"])

CycleParam = Annotated[
    str | None, Query(max_length=64, description="the cycle (default: the one running on `as_of`)")
]
AsOfParam = Annotated[
    AwareDatetime | None,
    Query(
        description="the instant to read the dashboard for (default: now); decides the week and what is late"
    ),
]
LimitParam = Annotated[int, Query(ge=0, le=200, description="items in each list (at risk, overdue)")]


@router.get("/org", response_model=Dashboard, responses=problems())
def org_dashboard(
    session: SessionDep,
    me: CurrentUser,
    cycle_id: CycleParam = None,
    as_of: AsOfParam = None,
    limit: LimitParam = 20,
) -> Dashboard:
    """The whole org (the OKR ambassador and admins)."""
    return read_dashboard(session, me.person, DashboardScope.ORG, cycle_id=cycle_id, as_of=as_of, limit=limit)


@router.get("/teams/{team_id}", response_model=Dashboard, responses=problems())
def team_dashboard(
    team_id: str,
    session: SessionDep,
    me: CurrentUser,
    cycle_id: CycleParam = None,
    as_of: AsOfParam = None,
    limit: LimitParam = 20,
) -> Dashboard:
    """A team and every team below it."""
    return read_dashboard(
        session, me.person, DashboardScope.TEAM, team_id, cycle_id=cycle_id, as_of=as_of, limit=limit
    )


@router.get("/people/{person_id}", response_model=Dashboard, responses=problems())
def person_dashboard(
    person_id: str,
    session: SessionDep,
    me: CurrentUser,
    cycle_id: CycleParam = None,
    as_of: AsOfParam = None,
    limit: LimitParam = 20,
) -> Dashboard:
    """One person: the key results and tasks they own (``me`` is you)."""
    target = me.id if person_id == "me" else person_id
    return read_dashboard(
        session, me.person, DashboardScope.PERSON, target, cycle_id=cycle_id, as_of=as_of, limit=limit
    )
