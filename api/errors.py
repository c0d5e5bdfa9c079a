"""RFC 9457 problem+json for every error the API returns.

Domain errors carry no HTTP status; the mapping lives here and only here.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.schemas.common import PROBLEM_JSON
from okrflow.domain.errors import (
    Conflict,
    InvalidState,
    NotFound,
    OKRFlowError,
    PermissionDenied,
    StaleVersion,
    Unauthenticated,
    Unavailable,
    ValidationFailed,
)

log = logging.getLogger("okrflow.api")

_STATUS: list[tuple[type[OKRFlowError], int]] = [
    (StaleVersion, 412),
    (Conflict, 409),
    (ValidationFailed, 422),
    (NotFound, 404),
    (InvalidState, 409),
    (Unauthenticated, 401),
    (PermissionDenied, 403),
    (Unavailable, 503),
]


def status_for(exc: OKRFlowError) -> int:
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return status
    return 400


def problem(
    status: int, title: str, detail: str, *, instance: str | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OKRFlowError)
    async def _domain(request: Request, exc: OKRFlowError) -> JSONResponse:
        status = status_for(exc)
        response = problem(status, exc.title, exc.message, instance=request.url.path, **exc.detail())
        if isinstance(exc, StaleVersion):
            response.headers["ETag"] = f'"{exc.current}"'
        return response

    @app.exception_handler(RequestValidationError)
    async def _request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")).removeprefix("Value error, ")}
            for e in exc.errors()
        ]
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors)
        return problem(422, "invalid input", where, instance=request.url.path, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(
            exc.status_code, _TITLES.get(exc.status_code, "error"), str(exc.detail), instance=request.url.path
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(
            500,
            "internal error",
            "an unexpected error occurred; it has been logged",
            instance=request.url.path,
        )


_TITLES = {
    400: "bad request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not found",
    405: "method not allowed",
    406: "not acceptable",
    409: "conflict",
    412: "precondition failed",
    415: "unsupported media type",
    422: "invalid input",
    428: "precondition required",
    429: "too many requests",
}
