"""What close-out leaves: each objective's retrospective, and the cycle report with its carry-over
proposals (stored as JSON, read back as the report models)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from okrflow.domain.errors import NotFound
from okrflow.reports.carry_over import CarryOverProposal
from okrflow.reports.cycle_report import CycleReport, Retrospective
from okrflow.store.base import Ref, check_refs, now_or, upsert
from okrflow.store.cycle_scope import refuse_if_archived
from okrflow.store.tables import cycle_reports, cycles, objectives, people, retrospectives

_RETRO_FIELDS = ("what_worked", "what_did_not", "carry_over")


class RetrospectiveStore:
    """One retrospective per objective, rewritten as often as needed until the cycle is archived."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def put(
        self, org_id: str, cycle_id: str, retro: Retrospective, *, at: datetime | None = None
    ) -> Retrospective:
        """Store (or replace) the objective's retrospective.

        Raises:
            ValidationFailed: the objective, cycle or author is not in the org.
            InvalidState: the cycle is archived.
        """
        check_refs(
            self.session,
            org_id,
            {"objective_id": retro.objective_id, "cycle_id": cycle_id, "author_id": retro.author_id},
            {
                "objective_id": Ref(objectives, "objective"),
                "cycle_id": Ref(cycles, "cycle"),
                "author_id": Ref(people, "person"),
            },
        )
        refuse_if_archived(self.session, [cycle_id])
        row: dict[str, object] = {
            "objective_id": retro.objective_id,
            "org_id": org_id,
            "cycle_id": cycle_id,
            "author_id": retro.author_id,
            **{f: _json(getattr(retro, f)) for f in _RETRO_FIELDS},
            "language": retro.language,
            "updated_at": now_or(at),
        }
        upsert(self.session, retrospectives, [row], ["objective_id"])
        return retro

    def get(self, org_id: str, objective_id: str) -> Retrospective:
        c = retrospectives.c
        row = (
            self.session.execute(
                select(retrospectives).where(c.org_id == org_id, c.objective_id == objective_id)
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("retrospective", objective_id)
        return _retro(row)

    def list_for_cycle(self, org_id: str, cycle_id: str) -> dict[str, Retrospective]:
        """The cycle's retrospectives by objective id."""
        c = retrospectives.c
        stmt = (
            select(retrospectives).where(c.org_id == org_id, c.cycle_id == cycle_id).order_by(c.objective_id)
        )
        return {r["objective_id"]: _retro(r) for r in self.session.execute(stmt).mappings()}


def _json(value: object) -> object:
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else value


def _retro(row: object) -> Retrospective:
    data = dict(row)  # type: ignore[call-overload]
    return Retrospective.model_validate(
        {k: data[k] for k in ("objective_id", "author_id", *_RETRO_FIELDS, "language")}
    )


@dataclass(frozen=True)
class StoredReport:
    cycle_id: str
    final: bool  # False: computed when the cycle ended; True: at archive, with the final check-ins
    report: CycleReport
    carry_over: list[CarryOverProposal]
    created_at: datetime


class CycleReportStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def put(
        self,
        org_id: str,
        report: CycleReport,
        carry_over: list[CarryOverProposal],
        *,
        final: bool,
        at: datetime | None = None,
    ) -> StoredReport:
        """Store the cycle's report, replacing an earlier one (the final report replaces the first).

        Raises:
            ValidationFailed: the cycle is not in the org.
            InvalidState: the cycle is archived.
        """
        check_refs(self.session, org_id, {"cycle_id": report.cycle_id}, {"cycle_id": Ref(cycles, "cycle")})
        refuse_if_archived(self.session, [report.cycle_id])
        at = now_or(at)
        row: dict[str, object] = {
            "cycle_id": report.cycle_id,
            "org_id": org_id,
            "final": final,
            "report": report.model_dump(mode="json"),
            "carry_over": [p.model_dump(mode="json") for p in carry_over],
            "created_at": at,
        }
        upsert(self.session, cycle_reports, [row], ["cycle_id"])
        return StoredReport(report.cycle_id, final, report, list(carry_over), at)

    def get(self, org_id: str, cycle_id: str) -> StoredReport:
        c = cycle_reports.c
        row = (
            self.session.execute(select(cycle_reports).where(c.org_id == org_id, c.cycle_id == cycle_id))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("cycle report", cycle_id)
        return StoredReport(
            cycle_id=row["cycle_id"],
            final=bool(row["final"]),
            report=CycleReport.model_validate(row["report"]),
            carry_over=[CarryOverProposal.model_validate(p) for p in row["carry_over"]],
            created_at=row["created_at"],
        )
