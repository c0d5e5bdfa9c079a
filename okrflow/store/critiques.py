"""The drafting assistant's critiques, kept with the objective version they critiqued."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from okrflow.domain.errors import NotFound
from okrflow.domain.model import Ident, Model
from okrflow.store.base import Ref, check_refs, now_or, upsert
from okrflow.store.tables import critiques, objectives
from okrflow.store.types import json_dumps, json_loads


class StoredCritique(Model):
    org_id: Ident
    objective_id: Ident
    version: int = Field(ge=1)
    critique: dict[str, Any]  # the critique contract as JSON (score, findings, rewrites, ...)
    created_at: datetime


class CritiqueStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def put(
        self,
        *,
        org_id: str,
        objective_id: str,
        version: int,
        critique: Mapping[str, Any] | Any,
        at: datetime | None = None,
    ) -> StoredCritique:
        """Keep the critique of ``version`` of the objective (a retry replaces it: one per version)."""
        check_refs(
            self.session,
            org_id,
            {"objective_id": objective_id},
            {"objective_id": Ref(objectives, "objective")},
        )
        content = json_loads(json_dumps(critique))  # a dict, or a Critique model, as plain JSON
        row = {
            "org_id": org_id,
            "objective_id": objective_id,
            "version": version,
            "critique": content,
            "created_at": now_or(at),
        }
        upsert(
            self.session, critiques, [row], ["objective_id", "version"], replace=["critique", "created_at"]
        )
        return StoredCritique.model_validate(row)

    def get(self, org_id: str, objective_id: str, *, version: int | None = None) -> StoredCritique:
        """The critique of ``version`` (default: the newest version critiqued)."""
        c = critiques.c
        stmt = select(critiques).where(c.org_id == org_id, c.objective_id == objective_id)
        if version is not None:
            stmt = stmt.where(c.version == version)
        row = self.session.execute(stmt.order_by(c.version.desc()).limit(1)).mappings().first()
        if row is None:
            raise NotFound("critique", objective_id if version is None else f"{objective_id} v{version}")
        return StoredCritique.model_validate(dict(row))

    def list_for_objective(self, org_id: str, objective_id: str) -> list[StoredCritique]:
        """Every critique of the objective, oldest version first (its drafting history)."""
        c = critiques.c
        stmt = select(critiques).where(c.org_id == org_id, c.objective_id == objective_id).order_by(c.version)
        return [StoredCritique.model_validate(dict(r)) for r in self.session.execute(stmt).mappings()]
