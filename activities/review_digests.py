"""The weekly review's digests: who is told about a flag or a fired rung, and each person's digest.

A batch leaves one ``DigestItem`` per recipient and event (``flag_items``, ``rung_items``);
``publish_review`` reads them back as plain lines (``digest_lines``) and sends one notification
per person (``digest_notice``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, NamedTuple

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from activities.notices import notice
from activities.review_shared import Directory
from okrflow.domain.model import Flag, LocalText, Notification, Role, RuleMode, SubjectType
from okrflow.domain.snapshot import CycleSnapshot
from okrflow.reports.cycle_report import kr_owner_id
from okrflow.store.digests import DigestItem
from okrflow.store.tables import digest_items
from rules.ladder import FiredRung
from rules.model import RungTarget
from workflows.messages import PublishReviewInput, ReviewBatchInput


def owners_of(snapshot: CycleSnapshot, subject_type: SubjectType, subject_id: str) -> list[str]:
    """Who owns a subject: the person to tell first."""
    if subject_type is SubjectType.KEY_RESULT:
        kr = snapshot.key_results.get(subject_id)
        return [kr_owner_id(snapshot, kr)] if kr else []
    if subject_type is SubjectType.OBJECTIVE:
        o = snapshot.objectives.get(subject_id)
        return [o.owner_id] if o else []
    if subject_type is SubjectType.TASK:
        t = snapshot.tasks.get(subject_id)
        return [t.owner_id] if t else []
    if subject_type is SubjectType.PERSON:
        return [subject_id]
    if subject_type is SubjectType.TEAM:
        team = snapshot.teams.get(subject_id)
        return [team.lead_id] if team and team.lead_id else []
    return []


def resolve_target(
    snapshot: CycleSnapshot, directory: Directory, target: str, subject_type: SubjectType, subject_id: str
) -> list[str]:
    """Who a rung notifies: owner, manager, ambassador, consultation, person:<id|handle>, role:<role>."""
    by_id = directory.people
    owners = owners_of(snapshot, subject_type, subject_id)
    if target == RungTarget.OWNER:
        return owners
    if target == RungTarget.MANAGER:
        managers = [by_id[o].manager_id for o in owners if o in by_id and by_id[o].manager_id]
        return [m for m in managers if m] or owners
    if target in (RungTarget.AMBASSADOR, "role:ambassador"):
        return directory.role(Role.AMBASSADOR)
    if target.startswith("role:"):
        return directory.role(target.removeprefix("role:"))
    if target.startswith("person:"):
        return list(directory.by_handle.get(target.removeprefix("person:"), ()))
    if target == RungTarget.CONSULTATION:  # the owner hears of the consultation in their digest
        return owners
    return []


def flag_items(snapshot: CycleSnapshot, input: ReviewBatchInput, flags: list[Flag]) -> list[DigestItem]:
    items = []
    for f in flags:
        if f.mode is RuleMode.MONITOR:
            continue  # recorded, nobody is told
        for pid in owners_of(snapshot, f.subject_type, f.subject_id):
            items.append(
                DigestItem(
                    org_id=input.org_id,
                    cycle_id=input.cycle_id,
                    week=input.week,
                    recipient_id=pid,
                    key=f"flag:{f.rule_id}:{f.subject_id}",
                    kind="flag",
                    severity=f.severity.value,
                    subject_type=f.subject_type.value,
                    subject_id=f.subject_id,
                    message=f.message,
                )
            )
    return items


def rung_items(
    snapshot: CycleSnapshot, directory: Directory, input: ReviewBatchInput, fired: list[FiredRung]
) -> list[DigestItem]:
    items = []
    for rung in fired:
        for pid in resolve_target(snapshot, directory, rung.target, rung.subject_type, rung.subject_id):
            msg = LocalText(
                en=f"Escalated to you ({rung.target}, {rung.streak} weeks in a row): {rung.message.en}",
                zh=f"已升级至你（{rung.target}，连续 {rung.streak} 周）：{rung.message.zh}",
            )
            items.append(
                DigestItem(
                    org_id=input.org_id,
                    cycle_id=input.cycle_id,
                    week=input.week,
                    recipient_id=pid,
                    key=f"rung:{rung.rule_id}:{rung.subject_id}:{rung.rung_index}",
                    kind="escalation",
                    severity=rung.severity.value,
                    subject_type=rung.subject_type.value,
                    subject_id=rung.subject_id,
                    message=msg,
                )
            )
    return items


class Line(NamedTuple):
    """One digest line as stored (``DigestItem`` without the review's ids), read back to publish."""

    kind: str
    severity: str
    key: str
    subject_type: str
    subject_id: str
    en: str
    zh: str


def digest_lines(
    session: Session, input: PublishReviewInput, recipients: Select[Any] | None = None
) -> dict[str, list[Line]]:
    """The review's digest lines per recipient (of ``recipients``, a select of people's ids; default:
    all), in (kind, key) order: plain rows, no models."""
    c = digest_items.c
    stmt = (
        select(c.recipient_id, c.kind, c.severity, c.key, c.subject_type, c.subject_id, c.message)
        .where(c.org_id == input.org_id, c.cycle_id == input.cycle_id, c.week == input.week)
        .order_by(c.recipient_id, c.kind, c.key)
    )
    if recipients is not None:
        stmt = stmt.where(c.recipient_id.in_(recipients))
    out: dict[str, list[Line]] = defaultdict(list)
    for recipient, kind, severity, key, subject_type, subject_id, message in session.execute(stmt):
        out[recipient].append(
            Line(kind, severity.value, key, subject_type.value, subject_id, message["en"], message["zh"])
        )
    return out


def digest_notice(
    input: PublishReviewInput, cycle_name: str, person_id: str, team_id: str | None, items: list[Line]
) -> Notification:
    ranked = sorted(items, key=lambda i: (-_SEVERITY.get(i.severity, 0), i.kind != "escalation", i.key))
    flags = sum(1 for i in ranked if i.kind == "flag")
    rungs = sum(1 for i in ranked if i.kind == "escalation")
    title = LocalText(
        en=f"{cycle_name}, week {input.week}: your weekly review"
        + (f" — {flags} flag(s), {rungs} escalation(s)" if items else " — nothing needs your attention"),
        zh=f"{cycle_name} 第 {input.week} 周周会摘要"
        + (f"：{flags} 个风险标记，{rungs} 个升级" if items else "：没有需要你处理的事项"),
    )
    body = LocalText(
        en="\n".join(f"[{i.severity}] {i.en}" for i in ranked[:30]),
        zh="\n".join(f"[{i.severity}] {i.zh}" for i in ranked[:30]),
    )
    return notice(
        org_id=input.org_id,
        recipient_id=person_id,
        kind="weekly_digest",
        at=input.as_of,
        key=f"digest:{input.cycle_id}:w{input.week}",
        title=title,
        body=body,
        payload={
            "cycle_id": input.cycle_id,
            "week": input.week,
            "team_id": team_id,
            "items": [
                {
                    "kind": i.kind,
                    "severity": i.severity,
                    "subject_type": i.subject_type,
                    "subject_id": i.subject_id,
                }
                for i in ranked
            ],
        },
    )


_SEVERITY = {"info": 0, "warning": 1, "risk": 2, "critical": 3}
