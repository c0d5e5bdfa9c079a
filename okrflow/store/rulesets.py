"""Published rule-set versions: who published each, when and why; one is active per org."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from okrflow.domain.errors import NotFound
from okrflow.domain.model import RuleSetVersion, SubjectType, parse_model
from okrflow.store.audit import AuditStore
from okrflow.store.base import Ref, RowMap, check_refs, insert_row, new_id, now_or
from okrflow.store.tables import people, rule_set_versions

ROWS = RowMap(RuleSetVersion, rule_set_versions)
_REFS = {"published_by": Ref(people, "person")}


class RuleSetStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def publish(
        self, org_id: str, source: str, *, published_by: str, reason: str, at: datetime | None = None
    ) -> RuleSetVersion:
        """Store ``source`` (already checked by the rules engine) as the next version and make it active.

        Two concurrent publishes cannot get the same version: the second is refused with ``Conflict``.
        """
        at = now_or(at)
        latest = self.session.scalar(
            select(func.max(rule_set_versions.c.version)).where(rule_set_versions.c.org_id == org_id)
        )
        item = parse_model(
            RuleSetVersion,
            {
                "id": new_id(),
                "org_id": org_id,
                "version": (latest or 0) + 1,
                "source": source,
                "published_by": published_by,
                "published_at": at,
                "reason": reason,
                "active": True,
            },
        )
        check_refs(self.session, org_id, {"published_by": published_by}, _REFS)
        self._deactivate_all(org_id)
        insert_row(self.session, rule_set_versions, ROWS.to_row(item), "rule set version", str(item.version))
        self._audit(item, "publish", {"version": [latest, item.version]}, published_by, reason, at)
        return item

    def list(self, org_id: str) -> list[RuleSetVersion]:
        """Every version, newest first."""
        c = rule_set_versions.c
        stmt = select(rule_set_versions).where(c.org_id == org_id).order_by(c.version.desc())
        return [ROWS.from_row(r) for r in self.session.execute(stmt).mappings()]

    def get(self, org_id: str, version: int) -> RuleSetVersion:
        c = rule_set_versions.c
        row = (
            self.session.execute(select(rule_set_versions).where(c.org_id == org_id, c.version == version))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("rule set version", str(version))
        return ROWS.from_row(row)

    def get_active(self, org_id: str) -> RuleSetVersion | None:
        """The active version, or None before the first publish (the org then uses the default rule set)."""
        c = rule_set_versions.c
        row = (
            self.session.execute(select(rule_set_versions).where(c.org_id == org_id, c.active.is_(True)))
            .mappings()
            .first()
        )
        return None if row is None else ROWS.from_row(row)

    def rollback(
        self, org_id: str, version: int, *, actor: str, reason: str, at: datetime | None = None
    ) -> RuleSetVersion:
        """Make an older ``version`` the active one again (nothing is deleted); audited."""
        at = now_or(at)
        target = self.get(org_id, version)
        previous = self.get_active(org_id)
        self._deactivate_all(org_id)
        c = rule_set_versions.c
        self.session.execute(update(rule_set_versions).where(c.id == target.id).values(active=True))
        before = None if previous is None else previous.version
        self._audit(target, "rollback", {"version": [before, version]}, actor, reason, at)
        return target.model_copy(update={"active": True})

    def _deactivate_all(self, org_id: str) -> None:
        c = rule_set_versions.c
        self.session.execute(
            update(rule_set_versions).where(c.org_id == org_id, c.active.is_(True)).values(active=False)
        )

    def _audit(
        self,
        item: RuleSetVersion,
        action: str,
        changes: dict[str, list[object]],
        actor: str,
        reason: str,
        at: datetime,
    ) -> None:
        AuditStore(self.session).record(
            item.org_id,
            SubjectType.RULE_SET,
            item.id,
            action,
            actor=actor,
            at=at,
            changes=changes,
            reason=reason,
        )
