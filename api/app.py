"""The FastAPI application: ``create_app(settings)``."""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.errors import install_error_handlers
from api.routes import (
    ambassador,
    audit,
    change_requests,
    check_ins,
    closeout,
    comments,
    consultations,
    critique,
    cycles,
    dashboards,
    flags,
    health,
    inbox,
    key_results,
    midterm,
    objectives,
    people,
    problems,
    rules,
    sheets,
    tasks,
    teams,
    tokens,
)
from okrflow.runtime.settings import Settings
from okrflow.store import make_engine, make_session_factory

API_PREFIX = "/api/v1"
# The resource routers, mounted under /api/v1 in this order.
ROUTERS = (
    cycles.router,
    objectives.router,
    key_results.router,
    people.router,
    teams.router,
    tasks.router,
    check_ins.router,
    comments.router,
    audit.router,
    inbox.router,
    change_requests.router,
    consultations.router,
    flags.router,
    sheets.router,
    dashboards.router,
    rules.router,
    critique.router,
    tokens.router,
    problems.router,
    closeout.router,
    midterm.router,
    ambassador.router,
)


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    session_factory: sessionmaker[Session] | None = None,
    temporal_client: Any | None = None,
) -> FastAPI:
    """Build the app. Tests pass their own session factory and time-skipping Temporal client."""
    app = FastAPI(
        title="okrflow",
        version="0.1.0",
        summary="An OKR cadence engine: plans, progress, risk rules, consultations (会商) and an AI critic.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    if session_factory is None:
        engine = engine or make_engine(settings.resolved_database_url, echo=settings.database_echo)
        session_factory = make_session_factory(engine)
    # SQLite has one writer at a time, and every request transaction begins IMMEDIATE (a writer). The
    # requests of this process queue on a lock instead of on SQLite's busy handler, whose
    # sleep-and-retry gave check-ins p99 latencies near a second under concurrent load (bench/api.py).
    sqlite = engine is not None and engine.dialect.name == "sqlite"
    app.state.write_lock = threading.Lock() if sqlite else None
    app.state.settings = settings
    app.state.session_factory = session_factory
    app.state.temporal = temporal_client
    install_error_handlers(app)

    app.include_router(health.router)
    api = APIRouter(prefix=API_PREFIX)
    for router in ROUTERS:
        api.include_router(router)
    app.include_router(api)
    return app
