"""Rule administration (admins only): check, dry-run, publish, list versions, roll back.

A rule set is sent as the body itself, YAML (``Content-Type: application/yaml``, ``text/yaml`` or
``text/plain``) or JSON (``application/json``). A rule set that does not load is refused with
422 and *every* problem, each located by file, rule id, field and (for CEL) line and column::

    {"loc": ["rules", "kr-stalled", "when"], "msg": "undeclared reference to 'progres'",
     "rule": "kr-stalled", "field": "when", "line": 1, "column": 17}

A dry-run evaluates the draft against the current cycle as it stands (or ``cycle_id`` at
``as_of``) and says which subjects each rule would flag, with the facts that made it true. It
writes nothing: no flag, no escalation, no notification.
"""

from __future__ import annotations

from typing import Annotated

import yaml
from fastapi import APIRouter, Depends, Query, Request, status
from pydantic import AwareDatetime, BaseModel

from api.deps import CurrentUser, SessionDep, utcnow
from api.schemas.common import problems
from api.schemas.rules import (
    ActiveRuleSet,
    DryRunEvaluationError,
    DryRunHit,
    DryRunRead,
    DryRunRule,
    Rollback,
    RuleSetChecked,
    RuleSetVersionRead,
    RuleSetVersionSummary,
)
from okrflow import access
from okrflow.domain.errors import InvalidRules, Problem
from okrflow.domain.model import Phase, RuleSetVersion
from okrflow.services.dashboards import check_instant, current_cycle
from okrflow.store import CycleStore, RuleSetStore
from okrflow.store.snapshot import load_snapshot
from rules.dryrun import dry_run_compiled
from rules.engine import CompiledRuleSet
from rules.load import DEFAULT_RULES, default_source, load_rule_set, read_document

router = APIRouter(prefix="/rules", tags=["rules"])

MAX_RULES_BYTES = 1_000_000
_JSON_TYPES = ("application/json",)
_BODY_DOC = {
    "requestBody": {
        "required": True,
        "description": "The rule set document itself, YAML or JSON (see rules/schema.json).",
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "text/yaml": {"schema": {"type": "string"}},
            "text/plain": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


class Upload(BaseModel):
    raw: bytes
    filename: str


async def _upload(
    request: Request,
    filename: Annotated[
        str | None,
        Query(max_length=200, description="the file name errors are reported against (default rules.yaml)"),
    ] = None,
) -> Upload:
    """The body, and the name problems are reported against (``.json`` for a JSON body).

    Nothing is judged here: the caller is authorised first, then ``_load`` reads the text.
    """
    is_json = request.headers.get("content-type", "").split(";")[0].strip().lower() in _JSON_TYPES
    name = filename or ("rules.json" if is_json else "rules.yaml")
    if is_json and not name.endswith(".json"):
        name += ".json"
    return Upload(raw=await request.body(), filename=name)


UploadDep = Annotated[Upload, Depends(_upload)]


def _text(upload: Upload) -> str:
    if len(upload.raw) > MAX_RULES_BYTES:
        raise InvalidRules(
            [Problem(("body",), f"is {len(upload.raw)} bytes; at most {MAX_RULES_BYTES}")],
            source=upload.filename,
        )
    try:
        return upload.raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidRules(
            [Problem(("body",), f"is not UTF-8 text (byte {exc.start})")], source=upload.filename
        ) from None


def _load(upload: Upload, org_id: str) -> CompiledRuleSet:
    """Load and compile the upload; ``InvalidRules`` lists every problem, CEL errors included."""
    text = _text(upload)
    try:
        return load_rule_set(text, source=upload.filename, org_id=org_id)
    except InvalidRules as exc:
        more = _problems_beside(text, exc)
        if not more:
            raise
        order = {rule_id: i for i, rule_id in enumerate(_rule_ids(text))}
        merged = sorted([*exc.problems, *more], key=lambda p: order.get(p.extra.get("rule"), -1))
        raise InvalidRules(merged, source=upload.filename) from None


def _rule_ids(text: str) -> list[str]:
    try:
        doc = read_document(text)
    except InvalidRules:
        return []
    items = doc.get("rules") if isinstance(doc, dict) else None
    return [r["id"] for r in items or () if isinstance(r, dict) and isinstance(r.get("id"), str)]


def _problems_beside(text: str, exc: InvalidRules) -> list[Problem]:
    """When some rules break the schema, the loader stops before compiling conditions; compile the
    rules that are fine on their own too, so one upload reports every problem at once."""
    doc = read_document(text)
    items = doc.get("rules") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        return []
    broken = {p.extra.get("rule") for p in exc.problems}
    ids = _rule_ids(text)
    if any(ids.count(i) > 1 for i in ids):
        return []
    more: list[Problem] = []
    for item in items:
        if not isinstance(item, dict) or item.get("id") in broken or not isinstance(item.get("id"), str):
            continue
        try:
            load_rule_set(yaml.safe_dump({"rules": [item]}, allow_unicode=True), source="<rule>")
        except InvalidRules as one:
            more += one.problems
    return more


def _summary(v: RuleSetVersion) -> RuleSetVersionSummary:
    return RuleSetVersionSummary.model_validate(v.model_dump())


def _read(v: RuleSetVersion) -> RuleSetVersionRead:
    return RuleSetVersionRead.model_validate(v.model_dump())


# ---------------------------------------------------------------- routes


@router.post("/check", response_model=RuleSetChecked, responses=problems(), openapi_extra=_BODY_DOC)
def check_rules(upload: UploadDep, me: CurrentUser) -> RuleSetChecked:
    """Load a rule set and report every problem in it (422), or what it holds."""
    access.require_admin(me.person, "checking rule sets")
    compiled = _load(upload, me.org_id)
    return RuleSetChecked(
        source=upload.filename,
        rules=len(compiled.rules),
        rule_ids=[r.id for r in compiled.rules],
        scopes=sorted({r.rule.scope for r in compiled.rules}),
    )


@router.post("/dry-run", response_model=DryRunRead, responses=problems(), openapi_extra=_BODY_DOC)
def dry_run_rules(
    upload: UploadDep,
    session: SessionDep,
    me: CurrentUser,
    cycle_id: Annotated[str | None, Query(max_length=64, description="default: the current cycle")] = None,
    as_of: Annotated[
        AwareDatetime | None, Query(description="the data as of this instant (default now)")
    ] = None,
    week: Annotated[int | None, Query(ge=1, le=60, description="pretend it is this week")] = None,
    phase: Annotated[Phase | None, Query(description="pretend the cycle is in this phase")] = None,
    limit: Annotated[int, Query(ge=0, le=1000, description="flagged subjects listed per rule")] = 100,
) -> DryRunRead:
    """What a draft rule set would flag in the live data, with the facts; nothing is written."""
    access.require_admin(me.person, "dry-running rule sets")
    compiled = _load(upload, me.org_id)  # a broken draft is refused before any data is read
    at = check_instant(as_of or utcnow(), "as_of")
    cycle = (
        CycleStore(session).get(me.org_id, cycle_id) if cycle_id else current_cycle(session, me.org_id, on=at)
    )
    snapshot = load_snapshot(session, cycle.id, as_of=at, org_id=me.org_id)
    report = dry_run_compiled(compiled, snapshot, week=week, phase=phase)
    return DryRunRead(
        source=report.source,
        cycle_id=cycle.id,
        week=report.week,
        phase=report.phase,
        as_of=report.as_of,
        total_flags=report.total_flags,
        total_errors=report.total_errors,
        rules=[
            DryRunRule(
                rule_id=r.rule_id,
                scope=r.scope,
                severity=r.severity,
                mode=r.mode,
                description=r.description,
                applied=r.applied,
                flagged_count=len(r.flagged),
                flagged=[
                    DryRunHit(
                        subject_type=h.subject_type.value,
                        subject_id=h.subject_id,
                        severity=h.severity,
                        message=h.message,
                        facts=h.facts,
                    )
                    for h in r.flagged[:limit]
                ],
                errors=[
                    DryRunEvaluationError(
                        subject_type=e.subject_type.value, subject_id=e.subject_id, message=e.message
                    )
                    for e in r.errors[:limit]
                ],
            )
            for r in report.rules
        ],
    )


@router.get("/versions", response_model=list[RuleSetVersionSummary], responses=problems())
def list_versions(session: SessionDep, me: CurrentUser) -> list[RuleSetVersionSummary]:
    """Every published version, newest first."""
    access.require_admin(me.person, "reading rule set versions")
    return [_summary(v) for v in RuleSetStore(session).list(me.org_id)]


@router.post(
    "/versions",
    response_model=RuleSetVersionRead,
    status_code=status.HTTP_201_CREATED,
    responses=problems(409),
    openapi_extra=_BODY_DOC,
)
def publish_version(
    upload: UploadDep,
    session: SessionDep,
    me: CurrentUser,
    reason: Annotated[str, Query(min_length=1, max_length=2000, description="why, for the audit log")],
) -> RuleSetVersionRead:
    """Publish a rule set as the next version and make it active (the next weekly review uses it)."""
    access.require_admin(me.person, "publishing rule sets")
    _load(upload, me.org_id)
    published = RuleSetStore(session).publish(
        me.org_id, _text(upload), published_by=me.id, reason=reason, at=utcnow()
    )
    return _read(published)


@router.get("/versions/{version}", response_model=RuleSetVersionRead, responses=problems())
def get_version(version: int, session: SessionDep, me: CurrentUser) -> RuleSetVersionRead:
    access.require_admin(me.person, "reading rule set versions")
    return _read(RuleSetStore(session).get(me.org_id, version))


@router.post("/versions/{version}/activate", response_model=RuleSetVersionRead, responses=problems())
def activate_version(
    version: int, body: Rollback, session: SessionDep, me: CurrentUser
) -> RuleSetVersionRead:
    """Roll back (or forward) to a published version: it becomes the active one again."""
    access.require_admin(me.person, "rolling back rule sets")
    return _read(
        RuleSetStore(session).rollback(me.org_id, version, actor=me.id, reason=body.reason, at=utcnow())
    )


@router.get("/active", response_model=ActiveRuleSet, responses=problems())
def active_rule_set(session: SessionDep, me: CurrentUser) -> ActiveRuleSet:
    """The rule set in force: the active published version, or the built-in default (version 0)."""
    access.require_admin(me.person, "reading the rule set")
    active = RuleSetStore(session).get_active(me.org_id)
    if active is None:
        return ActiveRuleSet(version=0, source=default_source(), reason=f"built-in {DEFAULT_RULES}")
    return ActiveRuleSet(
        version=active.version,
        source=active.source,
        published_by=active.published_by,
        published_at=active.published_at,
        reason=active.reason,
    )
