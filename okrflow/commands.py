"""`okrflow import`, `export`, `sheet` and `checkin`: a typer app whose commands ``okrflow.cli`` mounts.

``import``, ``export`` and ``sheet`` work on the database of ``OKRFLOW_DATABASE_URL`` (default: the
SQLite file in the data directory); ``checkin`` talks to a running server over HTTP. Errors are
one clear line each on stderr and a non-zero exit (``fail``, which ``okrflow.cli`` uses too); long
work shows a progress bar. The file format of import and export is in ``docs/cli.md``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select
from sqlalchemy.orm import Session

from okrflow.domain.errors import OKRFlowError, ValidationFailed
from okrflow.domain.model import Language
from okrflow.runtime.settings import Settings

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True)
out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)

DEFAULT_API_URL = "http://127.0.0.1:8000"


class SheetFormat(StrEnum):
    MARKDOWN = "markdown"
    HTML = "html"
    JSON = "json"


class ExportFormat(StrEnum):
    YAML = "yaml"
    CSV = "csv"


def error_line(message: str) -> None:
    """One error on one line of stderr (the message is text, never markup)."""
    err.print(f"[bold red]error:[/] {escape(message)}", markup=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Say what went wrong in one line, and exit with ``code``."""
    error_line(message)
    raise typer.Exit(code)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment; the options given on the command line win."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
    except Exception as exc:  # pydantic's error names the variable
        fail(f"invalid settings: {exc}")


def _problems(exc: ValidationFailed) -> NoReturn:
    """Every problem on its own line ("FILE: where, field: what"), then what happened."""
    source = f"{exc.source}: " if exc.source else ""
    for p in exc.problems:
        where = ", ".join(str(x) for x in p.location)
        error_line(f"{source}{where + ': ' if where else ''}{p.message}")
    fail(f"{len(exc.problems)} problem(s); nothing was written")


@contextmanager
def _database() -> Iterator[Session]:
    """A unit of work on the configured database (committed when the command succeeds)."""
    from okrflow.store import make_engine, make_session_factory, unit_of_work
    from okrflow.store.migrate import current_revision, head_revision

    settings = load_settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        try:
            revision = current_revision(engine)
        except Exception as exc:
            fail(f"cannot open the database {engine.url.render_as_string()}: {exc}")
        if revision != head_revision():
            fail(
                f"the database is not at the current schema ({revision or 'empty'}): run `okrflow db upgrade`"
            )
        with unit_of_work(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def _org(session: Session, org: str | None) -> str:
    """The org named by id or name, or the only org there is."""
    from okrflow.store.tables import orgs

    rows = session.execute(select(orgs.c.id, orgs.c.name).order_by(orgs.c.id)).all()
    if org is not None:
        found = [i for i, name in rows if org in (i, name)]
        if len(found) != 1:
            fail(f"no org {org!r}" if not found else f"{len(found)} orgs are named {org!r}: pass the id")
        return found[0]
    if len(rows) == 1:
        return str(rows[0][0])
    if not rows:
        fail("the database holds no org yet: start `okrflow serve` once (or `okrflow serve --demo`)")
    fail(f"there are {len(rows)} orgs ({', '.join(i for i, _ in rows[:5])}...): pass --org")


def _cycle(session: Session, org_id: str, ref: str | None) -> Any:
    from okrflow.services.dashboards import current_cycle
    from okrflow.store import CycleStore

    if ref is None:
        return current_cycle(session, org_id, on=datetime.now(UTC))
    cycles = CycleStore(session).list(org_id)
    found = [c for c in cycles if c.id == ref] or [c for c in cycles if c.name == ref]
    if len(found) != 1:
        names = ", ".join(c.name for c in cycles[:6]) or "none"
        fail(f"no cycle {ref!r} (cycles: {names})" if not found else f"{len(found)} cycles are named {ref!r}")
    return found[0]


def _team(session: Session, org_id: str, ref: str | None) -> str | None:
    from okrflow.store import TeamStore

    if ref is None:
        return None
    teams = TeamStore(session).list(org_id)
    found = [t for t in teams if t.id == ref] or [t for t in teams if t.name == ref]
    if len(found) != 1:
        fail(f"no team {ref!r}" if not found else f"{len(found)} teams are named {ref!r}: pass the id")
    return found[0].id


OrgOption = Annotated[str | None, typer.Option("--org", help="Org id or name (default: the only org).")]


# ---------------------------------------------------------------- import / export


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="A YAML (.yaml/.yml) or CSV (.csv) file; see docs/cli.md.")],
    cycle: Annotated[str | None, typer.Option(help="Cycle id or name (overrides the file's).")] = None,
    org: OrgOption = None,
    check: Annotated[bool, typer.Option("--check", help="Only check the file; write nothing.")] = False,
) -> None:
    """Import a cycle's objectives, key results and tasks: all or nothing, every problem listed."""
    from okrflow.import_format import read_import_file
    from okrflow.importing import apply_import, plan_import

    try:
        data = read_import_file(path)
        with _database() as session:
            org_id = _org(session, org)
            plan = plan_import(session, org_id, data, cycle=cycle)
            if check:
                out.print(f"{path.name}: OK, {_summary(plan)} (nothing written: --check)")
                return
            with _progress() as progress:
                task = progress.add_task(f"importing {path.name}", total=plan.steps)
                result = apply_import(
                    session,
                    plan,
                    actor="system:import",
                    reason=f"imported from {path.name}",
                    on_step=lambda _: progress.advance(task),
                )
    except ValidationFailed as exc:
        _problems(exc)
    except OKRFlowError as exc:
        fail(exc.message)
    made = ", ".join(f"{n} {k.replace('_', ' ')}s" for k, n in result.created.items() if n) or "nothing"
    changed = ", ".join(f"{n} {k.replace('_', ' ')}s" for k, n in result.updated.items() if n) or "nothing"
    out.print(
        f"imported {path.name} into cycle {plan.cycle.name}: created {made}; updated {changed}; "
        f"{result.unchanged} unchanged"
    )


def _summary(plan: Any) -> str:
    counts = (
        f"{len(plan.objectives)} objectives, {len(plan.key_results)} key results, {len(plan.tasks)} tasks"
    )
    new = sum(
        1 for group in (plan.objectives, plan.key_results, plan.tasks) for p in group if p.existing is None
    )
    cycle = f"new cycle {plan.cycle.name}" if plan.new_cycle else f"cycle {plan.cycle.name}"
    return f"{counts} ({new} new) for {cycle}"


@contextmanager
def _progress() -> Iterator[Progress]:
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    with progress:
        yield progress


@app.command("export")
def export_command(
    cycle: Annotated[str | None, typer.Option(help="Cycle id or name (default: the current cycle).")] = None,
    fmt: Annotated[
        ExportFormat | None, typer.Option("--format", help="yaml or csv (default: from --output, else yaml).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default stdout).")
    ] = None,
    team: Annotated[
        str | None, typer.Option(help="Only this team (id or name) and the teams below it.")
    ] = None,
    org: OrgOption = None,
) -> None:
    """Export a cycle's objectives, key results and tasks in the format `okrflow import` reads."""
    from okrflow.exporting import export_cycle

    chosen = (
        fmt.value if fmt else ("csv" if output is not None and output.suffix.lower() == ".csv" else "yaml")
    )
    try:
        with _database() as session:
            org_id = _org(session, org)
            the_cycle = _cycle(session, org_id, cycle)
            text = export_cycle(
                session, org_id, the_cycle.id, fmt=chosen, team_id=_team(session, org_id, team)
            )
    except OKRFlowError as exc:
        fail(exc.message)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output} ({chosen}, cycle {the_cycle.name})")


# ---------------------------------------------------------------- the weekly sheet


@app.command("sheet")
def sheet_command(
    cycle: Annotated[str, typer.Option(help="Cycle id or name.")],
    week: Annotated[int, typer.Option(min=1, max=60, help="Week of the cycle, 1-based.")],
    team: Annotated[
        str | None, typer.Option(help="A team's sheet (id or name); default the org-wide one.")
    ] = None,
    lang: Annotated[Language | None, typer.Option(help="en or zh (default: the org's language).")] = None,
    fmt: Annotated[
        SheetFormat, typer.Option("--format", help="markdown, html or json.")
    ] = SheetFormat.MARKDOWN,
    org: OrgOption = None,
) -> None:
    """Print a weekly sheet: the one the review stored, or one built from the database now."""
    from okrflow.reports import render_html, render_json, render_markdown
    from okrflow.store import OrgStore

    try:
        with _database() as session:
            org_id = _org(session, org)
            the_cycle = _cycle(session, org_id, cycle)
            team_id = _team(session, org_id, team)
            sheet, stored = _sheet(session, org_id, the_cycle, week, team_id)
            language = lang.value if lang else OrgStore(session).get(org_id).language.value
    except OKRFlowError as exc:
        fail(exc.message)
    if not stored:
        err.print(f"(no stored sheet for week {week}: built from the database now)")
    if fmt is SheetFormat.JSON:
        typer.echo(render_json(sheet))
    elif fmt is SheetFormat.HTML:
        typer.echo(render_html(sheet, lang=language))
    else:
        typer.echo(render_markdown(sheet, lang=language))


def _sheet(session: Session, org_id: str, cycle: Any, week: int, team_id: str | None) -> tuple[Any, bool]:
    from okrflow.domain.calendar import local_instant, review_time, week_span
    from okrflow.domain.errors import NotFound
    from okrflow.reports import WeeklySheet, build_weekly_sheet
    from okrflow.store import FlagStore, SheetStore
    from okrflow.store.snapshot import load_snapshot

    try:
        record = SheetStore(session).get(org_id, cycle.id, week, scope=team_id or "org")
        return WeeklySheet.model_validate(record.content), True
    except NotFound:
        pass
    except ValueError:
        err.print("(the stored sheet is in an older format: building it again)")
    try:
        _, last = week_span(cycle, week)
    except ValueError as exc:
        fail(str(exc))
    at = review_time(cycle, week) or local_instant(cycle, last + timedelta(days=1))
    snapshot = load_snapshot(session, cycle.id, as_of=min(at, datetime.now(UTC)), org_id=org_id)
    flags = FlagStore(session).list_for_cycle(org_id, cycle.id, week=week)
    return build_weekly_sheet(snapshot, week=week, team_id=team_id, flags=flags), False


# ---------------------------------------------------------------- check-in over HTTP


def _value(text: str) -> float | None:
    if text.strip().lower() in ("-", "none", "null", ""):
        return None
    try:
        return float(text.replace(",", "").rstrip("%"))
    except ValueError:
        fail(f"VALUE: {text!r} is not a number (use - for a check-in without a value)")


@app.command("checkin")
def checkin_command(
    kr: Annotated[str, typer.Argument(help="The key result's id.")],
    value: Annotated[str, typer.Argument(help="The KR's value now (- for none).")],
    confidence: Annotated[int, typer.Option(min=0, max=10, help="How sure you are of reaching it, 0-10.")],
    note: Annotated[str, typer.Option(help="What happened this week.")] = "",
    blocker: Annotated[list[str] | None, typer.Option(help="A blocker (repeat for more).")] = None,
    next_priority: Annotated[
        list[str] | None, typer.Option("--next", help="A priority for next week (repeat for more).")
    ] = None,
    url: Annotated[str, typer.Option(envvar="OKRFLOW_API_URL", help="The okrflow server.")] = DEFAULT_API_URL,
    token: Annotated[
        str | None, typer.Option(envvar="OKRFLOW_TOKEN", help="Your API token (okrflow token create).")
    ] = None,
    idempotency_key: Annotated[
        str | None, typer.Option(help="Reuse to retry a check-in safely (default: a new one per call).")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the server.")] = 10.0,
) -> None:
    """Check in on a key result against a running server: the quickest way to report the week."""
    import httpx

    if not token:
        fail("no API token: set OKRFLOW_TOKEN or pass --token (create one with `okrflow token create`)")
    body = {
        "value": _value(value),
        "confidence": confidence,
        "note": note,
        "blockers": list(blocker or []),
        "next_priorities": list(next_priority or []),
    }
    key = idempotency_key or str(uuid.uuid4())
    endpoint = f"{url.rstrip('/')}/api/v1/key-results/{kr}/check-ins"
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    response = None
    for attempt in range(2):  # one retry on a dropped connection; the key makes it count once
        try:
            response = httpx.post(endpoint, json=body, headers=headers, timeout=timeout)
            break
        except httpx.TransportError as exc:
            if attempt == 1:
                fail(
                    f"cannot reach the okrflow server at {url} ({type(exc).__name__}): is it running? "
                    "(set OKRFLOW_API_URL or --url)"
                )
    assert response is not None
    if response.status_code >= 400:
        fail(_http_problem(response))
    data = response.json()
    shown = "no value" if body["value"] is None else f"value {data.get('value', body['value'])}"
    again = " (already recorded: this retry counted once)" if response.status_code == 200 else ""
    out.print(f"checked in on {kr}: {shown}, confidence {confidence}/10{again}")


def _http_problem(response: Any) -> str:
    try:
        problem = response.json()
        detail = problem.get("detail") or problem.get("title") or response.text
    except ValueError:
        detail = response.text.strip()[:200] or response.reason_phrase
    hint = ""
    if response.status_code == 401:
        hint = " (check OKRFLOW_TOKEN or --token)"
    return f"the server refused the check-in ({response.status_code}): {detail}{hint}"
