"""The okrflow worker: every workflow and activity on the okrflow task queue."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.worker import Worker

from okrflow.runtime.settings import Settings


def workflows() -> list[type]:
    from workflows.registry import ALL_WORKFLOWS

    return list(ALL_WORKFLOWS)


def activities(
    settings: Settings, session_factory: sessionmaker[Session], client: Client
) -> list[Callable[..., Any]]:
    """The activity callables, each class given its clients (``client`` starts workflows from workflows)."""
    from activities.ambassador import AmbassadorActivities
    from activities.changes import ChangeActivities
    from activities.closeout import CloseoutActivities
    from activities.consultation import ConsultationActivities
    from activities.critique import CritiqueActivities
    from activities.cycle import CycleActivities
    from activities.ignition import IgnitionActivities
    from activities.review import ReviewActivities
    from activities.workflow_starts import WorkflowStarts
    from okrflow.critique.llm import build_llm_critic

    instances = [
        CycleActivities(session_factory),
        IgnitionActivities(session_factory),
        ReviewActivities(session_factory, processes=settings.resolved_review_processes),
        CritiqueActivities(llm=build_llm_critic(settings) if settings.critic == "llm" else None),
        ConsultationActivities(session_factory),
        ChangeActivities(session_factory),
        CloseoutActivities(session_factory),
        AmbassadorActivities(session_factory),
        WorkflowStarts(client),
    ]
    return [
        getattr(instance, name)
        for instance in instances
        for name in dir(type(instance))
        if hasattr(getattr(type(instance), name), "__temporal_activity_definition")
    ]


def build_worker(
    settings: Settings,
    client: Client,
    *,
    session_factory: sessionmaker[Session] | None = None,
    task_queue: str | None = None,
    extra_activities: Sequence[Callable[..., Any]] = (),
    max_concurrent_activities: int = 8,
    **worker_options: Any,
) -> Worker:
    """A worker for ``settings.temporal_task_queue`` (tests pass a fresh queue and their session factory)."""
    if session_factory is None:
        from okrflow.store import make_engine, make_session_factory

        session_factory = make_session_factory(make_engine(settings.resolved_database_url))
    acts = activities(settings, session_factory, client)
    overridden = {getattr(a, "__temporal_activity_definition").name for a in extra_activities}
    acts = [a for a in acts if getattr(a, "__temporal_activity_definition").name not in overridden]
    return Worker(
        client,
        task_queue=task_queue or settings.temporal_task_queue,
        workflows=workflows(),
        activities=[*acts, *extra_activities],
        activity_executor=ThreadPoolExecutor(max_workers=max_concurrent_activities),
        max_concurrent_activities=max_concurrent_activities,
        **worker_options,
    )
