"""Comments on objectives, key results and tasks, with @mentions that notify the people named."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from okrflow.domain.mentions import parse_mentions
from okrflow.domain.model import Comment, LocalText, Person, SubjectType, parse_model
from okrflow.services.notify import excerpt, notify
from okrflow.store import CommentStore, KeyResultStore, ObjectiveStore, PeopleStore, TaskStore, new_id
from okrflow.store.tables import people

SUBJECT_NAMES = {
    SubjectType.OBJECTIVE: LocalText(en="objective", zh="目标"),
    SubjectType.KEY_RESULT: LocalText(en="key result", zh="关键结果"),
    SubjectType.TASK: LocalText(en="task", zh="任务"),
}
_AT = "@＠"


def subject_title(session: Session, org_id: str, subject_type: SubjectType, subject_id: str) -> str:
    """The subject's title; ``NotFound`` when it is not in ``org_id``."""
    if subject_type is SubjectType.OBJECTIVE:
        return ObjectiveStore(session).get(org_id, subject_id).title
    if subject_type is SubjectType.KEY_RESULT:
        return KeyResultStore(session).get(org_id, subject_id).title
    return TaskStore(session).get(org_id, subject_id).title


def mention_candidates(session: Session, org_id: str, text: str) -> list[Person]:
    """The active people of ``org_id`` a mention in ``text`` could name: those whose handle or name
    starts with a character that follows an ``@`` (so a comment never loads the whole org)."""
    firsts: set[str] = set()
    for i, ch in enumerate(text[:-1]):
        nxt = text[i + 1]
        if ch in _AT and not nxt.isspace():
            firsts |= {nxt, nxt.lower(), nxt.upper(), nxt.casefold()[:1]}
    if not firsts:
        return []
    c = people.c
    chars = sorted(firsts)
    stmt = select(c.id).where(
        c.org_id == org_id,
        c.active.is_(True),
        or_(func.substr(c.handle, 1, 1).in_(chars), func.substr(c.name, 1, 1).in_(chars)),
    )
    ids = list(session.scalars(stmt))
    return list(PeopleStore(session).get_many(org_id, ids).values())


def add_comment(
    session: Session,
    actor: Person,
    subject_type: SubjectType,
    subject_id: str,
    body: str,
    *,
    at: datetime,
) -> Comment:
    """Comment on a subject of the actor's org; everyone it @mentions (but the author) is notified.

    Raises:
        NotFound: no such subject in the actor's org.
        ValidationFailed: an empty body.
    """
    title = subject_title(session, actor.org_id, subject_type, subject_id)
    mentioned = parse_mentions(body, mention_candidates(session, actor.org_id, body))
    comment = CommentStore(session).add(
        parse_model(
            Comment,
            {
                "id": new_id(),
                "org_id": actor.org_id,
                "subject_type": subject_type,
                "subject_id": subject_id,
                "author_id": actor.id,
                "body": body,
                "mentions": mentioned,
                "created_at": at,
            },
        )
    )
    kind = SUBJECT_NAMES[subject_type]
    notify(
        session,
        actor.org_id,
        [p for p in mentioned if p != actor.id],
        kind="mention",
        dedupe_key=f"mention:{comment.id}",
        title=LocalText(
            en=f"{actor.name} mentioned you on {kind.en} “{title}”",
            zh=f"{actor.name} 在{kind.zh}“{title}”中提到了你",
        ),
        body=LocalText(en=excerpt(comment.body), zh=excerpt(comment.body)),
        at=at,
        payload={
            "subject_type": subject_type.value,
            "subject_id": subject_id,
            "comment_id": comment.id,
            "author_id": actor.id,
        },
    )
    return comment
