"""API tokens: the plaintext is shown once; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from okrflow.domain.errors import NotFound, Problem, ValidationFailed
from okrflow.domain.model import Org, Person
from okrflow.store.base import Ref, RowMap, check_refs, insert_row, new_id, now_or, rowcount
from okrflow.store.org import OrgStore, PeopleStore
from okrflow.store.records import ApiToken
from okrflow.store.tables import api_tokens, people

ROWS = RowMap(ApiToken, api_tokens)
TOKEN_PREFIX = "okf_"
# Recording every use would turn each API read into a write; a coarse "last used" is enough.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def hash_token(plaintext: str) -> str:
    """Tokens carry 256 random bits, so an unsalted SHA-256 cannot be reversed or guessed."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


class TokenStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def create(
        self, org_id: str, person_id: str, name: str, *, at: datetime | None = None
    ) -> tuple[ApiToken, str]:
        """Create a token for a person of ``org_id``.

        Returns:
            The token's record and its plaintext, which is not stored and cannot be shown again.
        """
        if not name.strip():
            raise ValidationFailed([Problem(("name",), "must not be empty")])
        check_refs(self.session, org_id, {"person_id": person_id}, {"person_id": Ref(people, "person")})
        plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(
            id=new_id(), org_id=org_id, person_id=person_id, name=name.strip(), created_at=now_or(at)
        )
        insert_row(
            self.session,
            api_tokens,
            {**ROWS.to_row(token), "token_hash": hash_token(plaintext)},
            "token",
            token.id,
        )
        return token, plaintext

    def authenticate(self, plaintext: str, *, at: datetime | None = None) -> tuple[Person, Org] | None:
        """The active person and org a token belongs to; None for an unknown, revoked or deactivated one."""
        if not plaintext.startswith(TOKEN_PREFIX):
            return None
        c = api_tokens.c
        row = (
            self.session.execute(
                select(api_tokens).where(c.token_hash == hash_token(plaintext), c.revoked_at.is_(None))
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        person = PeopleStore(self.session).get(row["org_id"], row["person_id"])
        if not person.active:
            return None
        at = now_or(at)
        last = row["last_used_at"]
        if last is None or at - last >= LAST_USED_RESOLUTION:
            self.session.execute(update(api_tokens).where(c.id == row["id"]).values(last_used_at=at))
        return person, OrgStore(self.session).get(row["org_id"])

    def revoke(self, org_id: str, token_id: str, *, at: datetime | None = None) -> None:
        c = api_tokens.c
        stmt = update(api_tokens).where(c.id == token_id, c.org_id == org_id, c.revoked_at.is_(None))
        if rowcount(self.session.execute(stmt.values(revoked_at=now_or(at)))) == 0:
            self.get(org_id, token_id)  # NotFound for a token of another org; revoking twice is fine

    def get(self, org_id: str, token_id: str) -> ApiToken:
        c = api_tokens.c
        row = (
            self.session.execute(select(api_tokens).where(c.id == token_id, c.org_id == org_id))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("token", token_id)
        return ROWS.from_row(row)

    def list_for_person(self, org_id: str, person_id: str) -> list[ApiToken]:
        c = api_tokens.c
        stmt = (
            select(api_tokens)
            .where(c.org_id == org_id, c.person_id == person_id)
            .order_by(c.created_at, c.id)
        )
        return [ROWS.from_row(r) for r in self.session.execute(stmt).mappings()]
