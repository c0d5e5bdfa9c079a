"""GET /health: is the database up, is Temporal up. Public, and says nothing about any org."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy import text

router = APIRouter(tags=["health"])


class Component(BaseModel):
    status: Literal["up", "down"]
    detail: str = ""


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: Component
    temporal: Component


def _database(request: Request) -> Component:
    try:
        with request.app.state.session_factory() as session:
            session.execute(text("SELECT 1"))
            backend = session.get_bind().dialect.name
        return Component(status="up", detail=backend)
    except Exception as exc:
        return Component(status="down", detail=type(exc).__name__)


async def _temporal(request: Request) -> Component:
    client = request.app.state.temporal
    if client is None:
        return Component(status="down", detail="not connected")
    try:
        await asyncio.wait_for(client.service_client.check_health(), 3.0)
        return Component(status="up", detail=client.namespace)
    except Exception as exc:
        return Component(status="down", detail=type(exc).__name__)


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
async def health(request: Request, response: Response) -> Health:
    database = await asyncio.to_thread(_database, request)
    temporal = await _temporal(request)
    ok = database.status == "up" and temporal.status == "up"
    if not ok:
        response.status_code = 503
    return Health(status="ok" if ok else "degraded", database=database, temporal=temporal)


class Live(BaseModel):
    status: Literal["ok"] = "ok"


@router.get("/health/live", response_model=Live)
async def live() -> Live:
    """Liveness: the process answers. It touches neither the database nor Temporal."""
    return Live()
