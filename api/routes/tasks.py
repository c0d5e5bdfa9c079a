"""Tasks: proposed bottom-up by their owners, accepted or declined by the key result's owner; one owner,
invited collaborators, dependencies on tasks of the same cycle, a status. Every change answers with the
key result's plan check (task-graph findings, owners over capacity)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import CurrentUser, IfMatch, SessionDep, cycle_ids, required_version, utcnow, version_etag
from api.schemas.common import Page, problems
from api.schemas.plan import (
    CollaboratorInvite,
    OverloadedWeek,
    PlanCheck,
    PlanFindingRead,
    TaskAccept,
    TaskCreate,
    TaskDecline,
    TaskRead,
    TaskUpdate,
    TaskWithPlan,
)
from okrflow.domain.model import PlanState, Task, TaskStatus
from okrflow.services import planning
from okrflow.services.paging import page_list
from okrflow.store import KeyResultStore, TaskStore

router = APIRouter(tags=["tasks"])


def _plan(check: planning.PlanCheck) -> PlanCheck:
    return PlanCheck(
        kr_id=check.kr_id,
        findings=[PlanFindingRead.model_validate(f.model_dump()) for f in check.findings],
        over_capacity=[OverloadedWeek(**vars(o)) for o in check.over_capacity],
        needs_trade_off=check.needs_trade_off,
    )


def _answer(planned: planning.PlannedTask, response: Response) -> TaskWithPlan:
    response.headers["ETag"] = version_etag(planned.task.version)
    return TaskWithPlan(task=TaskRead.model_validate(planned.task.model_dump()), plan=_plan(planned.plan))


@router.get("/tasks", response_model=Page[TaskRead], responses=problems())
def list_tasks(
    session: SessionDep,
    me: CurrentUser,
    kr_id: str | None = None,
    owner_id: str | None = None,
    cycle_id: str | None = None,
    status: TaskStatus | None = None,
    plan_state: PlanState | None = None,
    collaborator_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
) -> Page[Task]:
    """Your org's tasks, filtered by key result, owner, cycle, status, plan state, collaborator."""
    store = TaskStore(session)
    if kr_id is not None:
        found = store.list_for_kr(me.org_id, kr_id)
    elif owner_id is not None:
        found = store.list_for_owner(me.org_id, owner_id, cycle_id=cycle_id)
    else:
        found = [
            t for c in cycle_ids(session, me.org_id, cycle_id) for t in store.list_for_cycle(me.org_id, c)
        ]
    if cycle_id is not None and kr_id is not None:
        in_cycle = {t.id for t in store.list_for_cycle(me.org_id, cycle_id)}
        found = [t for t in found if t.id in in_cycle]
    found = [
        t
        for t in found
        if (owner_id is None or t.owner_id == owner_id)
        and (status is None or t.status is status)
        and (plan_state is None or t.plan_state is plan_state)
        and (collaborator_id is None or collaborator_id in t.collaborators)
    ]
    return Page.of(page_list(found, key=lambda t: (t.id,), limit=limit, cursor=cursor))


@router.get("/tasks/{task_id}", response_model=TaskRead, responses=problems(etag=200))
def get_task(task_id: str, session: SessionDep, me: CurrentUser, response: Response) -> Task:
    task = TaskStore(session).get(me.org_id, task_id)
    response.headers["ETag"] = version_etag(task.version)
    return task


@router.get("/key-results/{kr_id}/plan", response_model=PlanCheck, responses=problems())
def key_result_plan(kr_id: str, session: SessionDep, me: CurrentUser) -> PlanCheck:
    """The key result's plan check: task-graph findings and owners over capacity."""
    KeyResultStore(session).get(me.org_id, kr_id)
    return _plan(planning.plan_check(session, me.org_id, kr_id))


@router.post(
    "/tasks",
    response_model=TaskWithPlan,
    status_code=status.HTTP_201_CREATED,
    responses=problems(409, etag=201),
)
def propose_task(body: TaskCreate, session: SessionDep, me: CurrentUser, response: Response) -> TaskWithPlan:
    """Propose a task you will own (the KR owner accepts or declines it); the KR owner's own are accepted."""
    return _answer(planning.propose_task(session, me.person, body.model_dump(), at=utcnow()), response)


@router.patch("/tasks/{task_id}", response_model=TaskWithPlan, responses=problems(409, 412, 428, etag=200))
def update_task(
    task_id: str,
    body: TaskUpdate,
    session: SessionDep,
    me: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> TaskWithPlan:
    """Change a task: its owner changes its work, the KR owner anything (including who owns it)."""
    planned = planning.update_task(
        session,
        me.person,
        task_id,
        body.model_dump(exclude_unset=True),
        expected_version=required_version(if_match),
        at=utcnow(),
    )
    return _answer(planned, response)


@router.post(
    "/tasks/{task_id}/accept", response_model=TaskWithPlan, responses=problems(409, 412, 428, etag=200)
)
def accept_task(
    task_id: str,
    session: SessionDep,
    me: CurrentUser,
    response: Response,
    body: TaskAccept | None = None,
    if_match: IfMatch = None,
) -> TaskWithPlan:
    """Accept a proposed task into the key result's plan (the KR owner)."""
    planned = planning.accept_task(
        session,
        me.person,
        task_id,
        expected_version=required_version(if_match),
        trade_off_note=body.trade_off_note if body else None,
        at=utcnow(),
    )
    return _answer(planned, response)


@router.post(
    "/tasks/{task_id}/decline", response_model=TaskWithPlan, responses=problems(409, 412, 428, etag=200)
)
def decline_task(
    task_id: str,
    body: TaskDecline,
    session: SessionDep,
    me: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> TaskWithPlan:
    """Decline a proposed task, saying why (the KR owner); its owner is told."""
    planned = planning.decline_task(
        session,
        me.person,
        task_id,
        reason=body.reason,
        expected_version=required_version(if_match),
        at=utcnow(),
    )
    return _answer(planned, response)


@router.post(
    "/tasks/{task_id}/collaborators", response_model=TaskWithPlan, responses=problems(409, 412, 428, etag=200)
)
def invite_collaborator(
    task_id: str,
    body: CollaboratorInvite,
    session: SessionDep,
    me: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> TaskWithPlan:
    """Invite someone to help with a task (its owner or the KR owner); they are told."""
    return _change_collaborator(session, me, response, task_id, body.person_id, if_match, add=True)


@router.delete(
    "/tasks/{task_id}/collaborators/{person_id}",
    response_model=TaskWithPlan,
    responses=problems(409, 412, 428, etag=200),
)
def remove_collaborator(
    task_id: str,
    person_id: str,
    session: SessionDep,
    me: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> TaskWithPlan:
    """Remove a collaborator (the task or KR owner); collaborators may also leave by themselves."""
    return _change_collaborator(session, me, response, task_id, person_id, if_match, add=False)


def _change_collaborator(
    session: SessionDep,
    me: CurrentUser,
    response: Response,
    task_id: str,
    person_id: str,
    if_match: str | None,
    *,
    add: bool,
) -> TaskWithPlan:
    planned = planning.change_collaborator(
        session,
        me.person,
        task_id,
        person_id,
        add=add,
        expected_version=required_version(if_match),
        at=utcnow(),
    )
    return _answer(planned, response)
