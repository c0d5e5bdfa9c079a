"""A hand-built quarter for the close-out report, carry-over and digest tests.

2026-Q1 runs 2026-01-01 (a Thursday) to 2026-03-31; reviews are Mondays at 10:00 UTC, so
check-in compliance counts the reviews of weeks 2..13 (12 weeks). Final values:

| objective | kind | team | KR | kind | start → target | final | score |
|---|---|---|---|---|---|---|---|
| o1 (weight 2) | committed | pay | k1 | metric | 0 → 100 | 100 | 1.00 |
| | | | k2 (wei) | metric | 10 → 50 % | 30 | 0.50 |
| | | | k3 | binary | | done | 1.00 |
| o2 (wei) | aspirational | pay | k4 (wei) | metric | 32 → 45 | 38 | 0.46 |
| | | | k5 (wei) | metric | 0 → 10 | 9 | 0.90 |
| | | | k6 (wei) | metric | 0 → 100 | 20 | 0.20 (checked in weeks 2..7 only) |
| o3 (bo) | committed | ops | k7 | milestone | tasks: 2 done, 1 todo, 1 doing, 1 cut | | 0.50 |
| | | | k8 | binary | | not done | 0.00 |
| o5 (cy) | aspirational | (none) | k9 | metric | 0 → 4 | 2 | 0.50 |
| o4 | draft: not in the report | | k10 | | | | |
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from okrflow.domain.calendar import review_time
from okrflow.domain.model import (
    AuditEntry,
    ChangeRequest,
    ChangeRequestStatus,
    CheckIn,
    Consultation,
    ConsultationStatus,
    Cycle,
    Flag,
    KeyResult,
    KRKind,
    Language,
    LocalText,
    Objective,
    ObjectiveKind,
    ObjectiveStatus,
    Person,
    RuleMode,
    Severity,
    SubjectType,
    Task,
    TaskStatus,
)
from okrflow.domain.snapshot import CycleSnapshot
from okrflow.reports.cycle_report import Retrospective
from tests.unit.acme import ORG, TEAMS
from tests.unit.acme import PEOPLE as ACME_PEOPLE

CYCLE = Cycle(id="q1", org_id="acme", name="2026-Q1", start=date(2026, 1, 1), end=date(2026, 3, 31))
CLOSE_DAY = date(2026, 4, 10)
CLOSE_AT = datetime(2026, 4, 10, 12, tzinfo=UTC)
HOSTILE = '<script>alert("x")</script> | **bold** [link](http://evil)'

T = TypeVar("T")

PEOPLE = [*ACME_PEOPLE, Person(id="cy", org_id="acme", name="Cy", handle="cy")]  # cy has no team


def objective(oid: str, owner: str, team: str | None, kind: ObjectiveKind, **kw: Any) -> Objective:
    kw.setdefault("status", ObjectiveStatus.APPROVED)
    kw.setdefault("title", f"Objective {oid}")
    return Objective(id=oid, org_id="acme", cycle_id="q1", owner_id=owner, team_id=team, kind=kind, **kw)


def key_result(kid: str, obj: str, owner: str | None, **kw: Any) -> KeyResult:
    kw.setdefault("title", f"KR {kid}")
    return KeyResult(id=kid, org_id="acme", objective_id=obj, owner_id=owner, **kw)


def task(tid: str, kr: str, owner: str, status: TaskStatus, **kw: Any) -> Task:
    return Task(id=tid, org_id="acme", kr_id=kr, title=f"Task {tid}", owner_id=owner, status=status, **kw)


def weekly_check_ins(
    kr: str, values: Sequence[float | None], *, weeks: Iterable[int], author: str = "ana"
) -> list[CheckIn]:
    """One check-in a day before each week's review, with ``values`` in order (the last is final)."""
    out = []
    for week, value in zip(weeks, values, strict=True):
        at = review_time(CYCLE, week)
        assert at is not None
        at -= timedelta(days=1)
        out.append(
            CheckIn(
                id=f"{kr}-w{week}",
                org_id="acme",
                kr_id=kr,
                author_id=author,
                at=at,
                value=value,
                confidence=6,
            )
        )
    return out


def ramp(start: float, final: float, n: int) -> list[float]:
    return [start + (final - start) * (i + 1) / n for i in range(n)]


ALL_WEEKS = range(2, 14)  # weeks 2..13: the reviews compliance counts


def objectives(title_o1: str = "Make payments effortless") -> list[Objective]:
    return [
        objective("o1", "ana", "pay", ObjectiveKind.COMMITTED, weight=2.0, title=title_o1),
        objective("o2", "wei", "pay", ObjectiveKind.ASPIRATIONAL, title="让商户爱上我们"),
        objective("o3", "bo", "ops", ObjectiveKind.COMMITTED, title="Run a calm platform"),
        objective("o4", "ana", "pay", ObjectiveKind.COMMITTED, status=ObjectiveStatus.DRAFT),
        objective("o5", "cy", None, ObjectiveKind.ASPIRATIONAL, title="Learn Rust"),
    ]


def key_results() -> list[KeyResult]:
    return [
        key_result("k1", "o1", "ana", start=0, target=100, title="Merchants live: 0 → 100"),
        key_result("k2", "o1", "wei", start=10, target=50, unit="%", title="Conversion 10% → 50%"),
        key_result("k3", "o1", None, kind=KRKind.BINARY, title="PCI audit passed"),
        key_result("k4", "o2", "wei", start=32, target=45, title="NPS 从 32 提升到 45"),
        key_result("k5", "o2", "wei", start=0, target=10, title="10 个案例"),
        key_result("k6", "o2", "wei", start=0, target=100, title="100 条好评"),
        key_result("k7", "o3", "bo", kind=KRKind.MILESTONE, title="Failover drill done"),
        key_result("k8", "o3", "bo", kind=KRKind.BINARY, title="On-call rota staffed"),
        key_result("k9", "o5", "cy", start=0, target=4, title="Ship 4 Rust crates"),
        key_result("k10", "o4", "ana", start=0, target=1, title="Draft KR"),
    ]


def tasks() -> list[Task]:
    return [
        task("t1", "k7", "bo", TaskStatus.DONE),
        task("t2", "k7", "bo", TaskStatus.DONE),
        task("t3", "k7", "ana", TaskStatus.TODO, due=date(2026, 3, 20)),
        task("t4", "k7", "ana", TaskStatus.DOING),
        task("t5", "k7", "bo", TaskStatus.CUT),
        task("t6", "k1", "ana", TaskStatus.DONE),
    ]


def check_ins() -> list[CheckIn]:
    n = len(ALL_WEEKS)
    return [
        *weekly_check_ins("k1", ramp(0, 100, n), weeks=ALL_WEEKS),
        *weekly_check_ins("k2", ramp(10, 30, n), weeks=ALL_WEEKS, author="wei"),
        *weekly_check_ins("k3", [0] * (n - 1) + [1], weeks=ALL_WEEKS),
        *weekly_check_ins("k4", ramp(32, 38, n), weeks=ALL_WEEKS, author="wei"),
        *weekly_check_ins("k5", ramp(0, 9, n), weeks=ALL_WEEKS, author="wei"),
        *weekly_check_ins("k6", ramp(0, 20, 6), weeks=range(2, 8), author="wei"),
        *weekly_check_ins("k7", [None] * n, weeks=ALL_WEEKS, author="bo"),
        *weekly_check_ins("k8", [0] * n, weeks=ALL_WEEKS, author="bo"),
        *weekly_check_ins("k9", ramp(0, 2, n), weeks=ALL_WEEKS, author="cy"),
    ]


def snapshot(*, as_of: datetime = CLOSE_AT, title_o1: str = "Make payments effortless") -> CycleSnapshot:
    return CycleSnapshot.build(
        org=ORG,
        cycle=CYCLE,
        as_of=as_of,
        people=PEOPLE,
        teams=TEAMS,
        objectives=objectives(title_o1),
        key_results=key_results(),
        tasks=tasks(),
        check_ins=check_ins(),
    )


def flag(fid: str, rule: str, kr: str, week: int, severity: Severity, **kw: Any) -> Flag:
    kw.setdefault("cycle_id", "q1")
    return Flag(
        id=fid,
        org_id="acme",
        week=week,
        rule_id=rule,
        rule_version=1,
        subject_type=kw.pop("subject_type", SubjectType.KEY_RESULT),
        subject_id=kr,
        severity=severity,
        message=LocalText(en=f"{rule} fired", zh=f"{rule} 触发"),
        created_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(weeks=week),
        **kw,
    )


def flags() -> list[Flag]:
    return [
        flag("f1", "behind", "k2", 5, Severity.WARNING),
        flag("f2", "behind", "k2", 6, Severity.RISK),
        flag("f3", "behind", "k6", 6, Severity.WARNING),
        flag("f4", "stale", "k6", 9, Severity.WARNING),
        flag("f5", "trial", "k1", 6, Severity.CRITICAL, mode=RuleMode.MONITOR),  # monitor: not counted
        flag("f6", "behind", "k1", 6, Severity.RISK, cycle_id="q0"),  # another cycle
    ]


def consultation(cid: str, kr: str, status: ConsultationStatus, **kw: Any) -> Consultation:
    kw.setdefault("meet_by", datetime(2026, 2, 20, 10, tzinfo=UTC))
    kw.setdefault("created_at", datetime(2026, 2, 16, 10, tzinfo=UTC))
    kw.setdefault("cycle_id", "q1")
    return Consultation(
        id=cid,
        org_id="acme",
        subject_id=kr,
        reason=kw.pop("reason", f"{kr} is behind"),
        opened_by="rule:behind",
        participants=kw.pop("participants", ["ana", "wei"]),
        status=status,
        **kw,
    )


def consultations() -> list[Consultation]:
    return [
        consultation("c1", "k2", ConsultationStatus.RECOVERED),
        consultation("c2", "k7", ConsultationStatus.ESCALATED, level=1),
        consultation("c3", "k6", ConsultationStatus.OPEN),
    ]


def change_request(crid: str, subject: str, status: ChangeRequestStatus, **kw: Any) -> ChangeRequest:
    kw.setdefault("created_at", datetime(2026, 1, 20, 9, tzinfo=UTC))
    kw.setdefault("subject_type", SubjectType.KEY_RESULT)
    return ChangeRequest(
        id=crid,
        org_id="acme",
        cycle_id="q1",
        subject_id=subject,
        requested_by=kw.pop("requested_by", "wei"),
        reason=kw.pop("reason", "the market moved"),
        changes=kw.pop("changes", {"target": 50}),
        status=status,
        **kw,
    )


def change_requests() -> list[ChangeRequest]:
    return [
        change_request("cr1", "k2", ChangeRequestStatus.APPLIED, reason="Scope grew: 更多商户"),
        change_request(
            "cr2",
            "o2",
            ChangeRequestStatus.PENDING,
            subject_type=SubjectType.OBJECTIVE,
            changes={"title": "x"},
        ),
    ]


def revisions() -> list[AuditEntry]:
    return [
        AuditEntry(
            id="a1",
            org_id="acme",
            at=datetime(2026, 2, 12, 9, tzinfo=UTC),
            actor_id="wei",
            subject_type=SubjectType.KEY_RESULT,
            subject_id="k4",
            action="apply_revision",
            changes={"target": [50, 45]},
            reason="期中复盘：50 不现实",
        )
    ]


def retrospectives(hostile: str = "") -> dict[str, Retrospective]:
    return {
        "o1": Retrospective(
            objective_id="o1",
            author_id="ana",
            what_worked="Weekly demos" + hostile,
            what_did_not="Conversion stalled",
            carry_over="Keep pushing conversion",
        ),
        "o2": Retrospective(
            objective_id="o2",
            author_id="wei",
            what_worked=LocalText(en="Customer calls", zh="客户回访"),
            carry_over="继续提升 NPS",
            language=Language.ZH,
        ),
    }


def shuffler(seed: int) -> Callable[[Iterable[T]], list[T]]:
    """A function that lists its items in a random order (the same orders for the same seed)."""
    rng = random.Random(seed)

    def shuffled(items: Iterable[T]) -> list[T]:
        out = list(items)
        rng.shuffle(out)
        return out

    return shuffled
