"""Comments on objectives, key results and tasks. ``@handle`` or ``@Display Name`` (Chinese names too:
``@张伟请看一下``) mentions someone, who is notified in their inbox."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from api.deps import CurrentUser, SessionDep, utcnow
from api.schemas.activity import CommentCreate, CommentRead
from api.schemas.common import Page, problems
from okrflow.domain.model import Comment, SubjectType
from okrflow.services.comments import add_comment, subject_title
from okrflow.services.paging import page_list
from okrflow.store import CommentStore

router = APIRouter(tags=["comments"])

_PATHS = {
    SubjectType.OBJECTIVE: ("/objectives/{objective_id}/comments", "objective_id", "objective"),
    SubjectType.KEY_RESULT: ("/key-results/{kr_id}/comments", "kr_id", "key result"),
    SubjectType.TASK: ("/tasks/{task_id}/comments", "task_id", "task"),
}


def _routes(subject_type: SubjectType, path: str, param: str, name: str) -> None:
    # A default, not an annotation: this module's annotations are strings, resolved outside this scope.
    subject = Path(alias=param, description=f"the {name}")

    def list_comments(
        session: SessionDep,
        me: CurrentUser,
        subject_id: str = subject,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        cursor: str | None = None,
    ) -> Page[Comment]:
        subject_title(session, me.org_id, subject_type, subject_id)
        found = CommentStore(session).list_for_subject(me.org_id, subject_type, subject_id)
        return Page.of(
            page_list(found, key=lambda c: (c.created_at.isoformat(), c.id), limit=limit, cursor=cursor)
        )

    def post_comment(
        body: CommentCreate, session: SessionDep, me: CurrentUser, subject_id: str = subject
    ) -> Comment:
        return add_comment(session, me.person, subject_type, subject_id, body.body, at=utcnow())

    list_comments.__doc__ = f"The comments on a {name}, oldest first."
    post_comment.__doc__ = f"Comment on a {name}; everyone you @mention is notified."
    slug = name.replace(" ", "_")
    router.add_api_route(
        path,
        list_comments,
        methods=["GET"],
        response_model=Page[CommentRead],
        responses=problems(),
        name=f"list_{slug}_comments",
        operation_id=f"list_{slug}_comments",
    )
    router.add_api_route(
        path,
        post_comment,
        methods=["POST"],
        response_model=CommentRead,
        status_code=status.HTTP_201_CREATED,
        responses=problems(),
        name=f"comment_on_{slug}",
        operation_id=f"comment_on_{slug}",
    )


for _type, (_path, _param, _name) in _PATHS.items():
    _routes(_type, _path, _param, _name)
