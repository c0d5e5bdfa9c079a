"""Request-scoped dependencies: the session (one commit per request), the caller, Temporal.

Every route under /api/v1 depends on ``CurrentUser``: no route answers an anonymous caller,
and every store call is scoped to the caller's org.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, TypeVar

from fastapi import Depends, Header, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client

from okrflow.domain.errors import (
    Problem,
    StaleVersion,
    Unauthenticated,
    Unavailable,
    ValidationFailed,
)
from okrflow.domain.model import Org, Person
from okrflow.runtime.settings import Settings
from okrflow.store import CycleStore, TokenStore

T = TypeVar("T")
_bearer = HTTPBearer(auto_error=False, description="An okrflow API token: `Authorization: Bearer okf_...`")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on any error."""
    state = request.app.state
    factory = state.session_factory
    lock = getattr(state, "write_lock", None)  # SQLite only: see create_app
    if lock is not None:
        lock.acquire()
        request.state.write_lock = lock  # released once, by whichever comes first: finish_writes or the end
    session: Session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
        _release_write_lock(request)


def _release_write_lock(request: Request) -> None:
    lock = getattr(request.state, "write_lock", None)
    if lock is not None:
        request.state.write_lock = None
        lock.release()


def finish_writes(request: Request, session: Session) -> None:
    """Commit the request's work now and let other writers in.

    For routes that go on to wait on a workflow: its activities must see the work, and nothing
    (neither a transaction nor the in-process write lock) is held while they run.
    """
    session.commit()
    _release_write_lock(request)


async def write_first(request: Request, session: Session, work: Callable[[], T]) -> T:
    """Run the request's database work (in a worker thread), then ``finish_writes``.

    For routes that go on to start, update or query a workflow: their work is committed and visible to
    its activities, and nothing is held while they wait.
    """

    def run() -> T:
        done = work()
        finish_writes(request, session)
        return done

    return await run_in_threadpool(run)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@dataclass(frozen=True)
class Principal:
    """Who is asking: a person of one org (what they may do is ``okrflow.access``'s to say)."""

    person: Person
    org: Org

    @property
    def id(self) -> str:
        return self.person.id

    @property
    def org_id(self) -> str:
        return self.org.id


def get_principal(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise Unauthenticated("send an API token: Authorization: Bearer <token> (okrflow token create)")
    found = TokenStore(session).authenticate(credentials.credentials)
    if found is None:
        raise Unauthenticated("the API token is unknown, revoked, or belongs to a deactivated person")
    person, org = found
    return Principal(person=person, org=org)


CurrentUser = Annotated[Principal, Depends(get_principal, scope="function")]


def get_temporal(request: Request) -> Client:
    client: Client | None = request.app.state.temporal
    if client is None:
        raise Unavailable("Temporal is not connected: the cycle workflows cannot be reached right now")
    return client


def connected_temporal(request: Request) -> Client | None:
    """The Temporal client, or None while Temporal is not connected (for work that can wait)."""
    client: Client | None = request.app.state.temporal
    return client


SettingsDep = Annotated[Settings, Depends(get_settings)]


def cycle_ids(session: Session, org_id: str, cycle_id: str | None) -> list[str]:
    """The cycles a list is drawn from: the one asked for, else every cycle of the org."""
    return [cycle_id] if cycle_id is not None else [c.id for c in CycleStore(session).list(org_id)]


def utcnow() -> datetime:
    """The request's clock (the API boundary is where wall-clock time enters okrflow)."""
    return datetime.now(UTC)


# ---------------------------------------------------------------- versions: ETag and If-Match

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='The ETag of the version the change is based on, e.g. "3" (from a read\'s ETag header)',
    ),
]


def version_etag(version: int) -> str:
    return f'"{version}"'


def content_etag(record: BaseModel) -> str:
    """An ETag for a record without a version number: a digest of its content."""
    digest = hashlib.sha256(record.model_dump_json().encode()).hexdigest()[:16]
    return f'"h{digest}"'


def _tag(if_match: str | None) -> str:
    if if_match is None or not if_match.strip():
        raise HTTPException(
            428,
            'send If-Match with the ETag of the version you are changing (e.g. If-Match: "3"); '
            "read the record first to get it",
        )
    tag = if_match.strip().removeprefix("W/")
    return tag[1:-1] if len(tag) >= 2 and tag[0] == tag[-1] == '"' else tag


def required_version(if_match: str | None) -> int:
    """The version an update is based on, from ``If-Match``: 428 when missing, 422 when not a version."""
    tag = _tag(if_match)
    if not tag.isdigit() or len(tag) > 12:
        raise ValidationFailed(
            [
                Problem(
                    ("header", "If-Match"),
                    f'{if_match!r} is not a version ETag; send the ETag you read, e.g. "3"',
                )
            ]
        )
    return int(tag)


class StaleContent(StaleVersion):
    """A record without a version number changed since the caller read it (its content ETag differs)."""

    def __init__(self, kind: str, ident: str, *, sent: str, current: str) -> None:
        Exception.__init__(
            self,
            f"{kind} {ident!r} was changed by someone else since you read it; "
            "reload and apply your change again",
        )
        self.message = str(self.args[0])
        self.kind, self.ident = kind, ident
        self.expected: str = sent  # type: ignore[assignment]
        self.current: str = current  # type: ignore[assignment]


def require_content_etag(if_match: str | None, record: BaseModel, kind: str, ident: str) -> None:
    """Refuse an update based on another version of ``record``'s content (412; 428 when none is sent)."""
    sent = _tag(if_match)
    current = content_etag(record)[1:-1]
    if sent != current:
        raise StaleContent(kind, ident, sent=sent, current=current)
