"""Every route refuses the anonymous, the other org and the same-org caller without rights; the right
role succeeds. The matrix lives in ``authz_matrix.py`` and must cover the app's routes exactly."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.api.authz_matrix import MATRIX, Entry
from tests.api.conftest import MARK, World, fill

PROBLEM = "application/problem+json"


def _routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every operation under /api/v1, from the OpenAPI document (which lists every route FastAPI mounts)."""
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/v1")
        for method in operations
    }


def test_every_route_has_an_authorisation_entry(app: FastAPI) -> None:
    routes = _routes(app)
    assert sorted(routes - MATRIX.keys()) == [], "routes without an entry in tests/api/authz_matrix.py"
    assert sorted(MATRIX.keys() - routes) == [], "entries for routes the app no longer has"


async def _call(
    client: httpx.AsyncClient, method: str, entry: Entry, world: World, who: str | None
) -> httpx.Response:
    headers = entry.headers(world) if callable(entry.headers) else dict(entry.headers)
    kwargs: dict[str, Any] = {"headers": {**fill(headers, world), **world.auth(who)}}
    if entry.content is not None:
        kwargs["content"] = entry.content.encode()
    elif entry.body is not None:
        kwargs["json"] = fill(entry.body, world)
    return await client.request(method, fill(entry.url, world), **kwargs)


def _refusal(response: httpx.Response, statuses: set[int] | frozenset[int], who: str) -> None:
    assert response.status_code in statuses, f"{who}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith(PROBLEM), who


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX), ids=[f"{m} {p}" for m, p in sorted(MATRIX)])
async def test_route_refuses_callers_without_rights_and_serves_the_right_role(
    client: httpx.AsyncClient, world: World, method: str, path: str
) -> None:
    entry = MATRIX[(method, path)]

    anonymous = await _call(client, method, entry, world, None)
    _refusal(anonymous, {401}, "anonymous")
    assert anonymous.headers["www-authenticate"] == "Bearer"

    foreign = await _call(client, method, entry, world, "bea")
    _refusal(foreign, entry.foreign, "the other org's admin")
    assert MARK not in foreign.text, "the other org's admin was shown Acme's data"

    if entry.denied is None:
        assert entry.why, "an entry open to the whole org says why"
    else:
        denied = await _call(client, method, entry, world, entry.denied)
        _refusal(denied, {403}, f"{entry.denied} (same org, no right)")

    if not entry.workflow:  # workflow routes succeed in test_workflow_routes, against Temporal
        allowed = await _call(client, method, entry, world, entry.allowed)
        assert allowed.status_code == entry.ok, f"{entry.allowed}: {allowed.status_code} {allowed.text[:500]}"
