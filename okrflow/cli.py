"""The `okrflow` command.

Errors are one clear line on stderr and a non-zero exit; long work shows a progress bar.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from okrflow.commands import error_line, fail, load_settings, out
from okrflow.domain.errors import OKRFlowError
from okrflow.runtime.settings import Settings

app = typer.Typer(
    name="okrflow",
    help="okrflow: an OKR cadence engine. Run `okrflow serve --demo` to start with a demo organisation.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database administration.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
org_app = typer.Typer(help="Organisations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(org_app, name="org")


def say(message: str) -> None:
    """A line for people; never wrapped, so a token or URL can be copied whole."""
    out.print(message, markup=False)


@app.command()
def serve(
    demo: Annotated[bool, typer.Option(help="Load a generated demo organisation on first start.")] = False,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 8000).")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Data directory (default .okrflow).")] = None,
    demo_people: Annotated[int, typer.Option(help="Size of the demo organisation.")] = 120,
) -> None:
    """Start everything in one process: the Temporal dev server, a worker and the API."""
    from okrflow.runtime.bootstrap import prepare_database
    from okrflow.runtime.serve import run_serve

    settings = load_settings(host=host, port=port, data_dir=data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    _logging()
    prepared = prepare_database(settings, demo=demo, demo_people=demo_people, echo=say)
    asyncio.run(run_serve(settings, echo=say, start_cycles=prepared.new_cycles))


@app.command()
def api(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Run only the HTTP API (against OKRFLOW_DATABASE_URL and OKRFLOW_TEMPORAL_ADDRESS)."""
    from okrflow.runtime.serve import run_api

    settings = load_settings(host=host, port=port)
    _require_temporal(settings)
    _logging()
    asyncio.run(run_api(settings, echo=say))


@app.command()
def worker() -> None:
    """Run only a Temporal worker on the okrflow task queue."""
    from okrflow.runtime.serve import run_worker

    settings = load_settings()
    _require_temporal(settings)
    _logging()
    asyncio.run(run_worker(settings, echo=say))


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply the database migrations."""
    from okrflow.store.migrate import current_revision, upgrade

    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = upgrade(settings.resolved_database_url, revision=revision)
    say(f"database at revision {current_revision(engine)}")


@token_app.command("create")
def token_create(
    person: Annotated[str, typer.Argument(help="The person's handle or id.")],
    name: Annotated[str, typer.Option(help="A label for the token.")] = "cli",
    org: Annotated[str | None, typer.Option(help="Org id, when the handle is not unique.")] = None,
) -> None:
    """Create an API token for a person and print it once."""
    from okrflow.runtime.bootstrap import create_token

    settings = load_settings()
    plaintext = create_token(settings, person=person, name=name, org_id=org)
    say(plaintext)


@org_app.command("create")
def org_create(
    org_id: Annotated[str, typer.Argument(help="A short id for the organisation, e.g. acme.")],
    name: Annotated[str, typer.Option(help="Its display name.")],
    admin: Annotated[str, typer.Option(help="Handle of the first admin.")] = "admin",
    admin_name: Annotated[str, typer.Option(help="The first admin's display name.")] = "Administrator",
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Asia/Shanghai.")] = "UTC",
    language: Annotated[str, typer.Option(help="zh or en.")] = "en",
) -> None:
    """Create an organisation with its first admin, and print the admin's API token once."""
    from okrflow.runtime.bootstrap import create_org

    plaintext = create_org(
        load_settings(),
        org_id=org_id,
        name=name,
        timezone=timezone,
        language=language,
        admin_handle=admin,
        admin_name=admin_name,
    )
    say(f"organisation {org_id} created; the admin token (shown only now): {plaintext}")


def _require_temporal(settings: Settings) -> None:
    if settings.embedded_temporal:
        fail("OKRFLOW_TEMPORAL_ADDRESS is not set; `okrflow serve` runs an embedded server instead")


def _logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("okrflow").setLevel(logging.INFO)


def _live_snapshot(cycle_id: str | None) -> object:
    """The configured database's cycle (default: the one running now), as of now, for rule dry-runs."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from okrflow.services.dashboards import current_cycle
    from okrflow.store import make_engine, make_session_factory, unit_of_work
    from okrflow.store.migrate import current_revision
    from okrflow.store.snapshot import load_snapshot
    from okrflow.store.tables import cycles, orgs

    settings = load_settings()
    now = datetime.now(UTC)
    engine = make_engine(settings.resolved_database_url)
    if current_revision(engine) is None:
        fail(
            "the database has no okrflow schema yet: run `okrflow db upgrade` (or `okrflow serve`), "
            "or use --demo"
        )
    with unit_of_work(make_session_factory(engine)) as session:
        if cycle_id is None:
            org_ids = list(session.scalars(select(orgs.c.id).order_by(orgs.c.id)))
            if len(org_ids) != 1:
                fail(
                    "pass --cycle: the database holds several organisations"
                    if org_ids
                    else "the database holds no organisation yet; use --demo"
                )
            cycle_id = current_cycle(session, org_ids[0], on=now).id
        elif session.scalar(select(cycles.c.id).where(cycles.c.id == cycle_id)) is None:
            fail(f"no cycle {cycle_id!r} in {settings.resolved_database_url.split('://')[0]} database")
        return load_snapshot(session, cycle_id, as_of=now)


def _mount_features() -> None:
    """Commands that live beside their feature: the drafting assistant, rules, import/export and more."""
    from okrflow.commands import app as commands
    from okrflow.critique.command import critique_command
    from rules.command import build_app

    app.command("critique")(critique_command)
    app.registered_commands.extend(commands.registered_commands)
    app.add_typer(build_app(_live_snapshot), name="rules")  # type: ignore[arg-type]


_mount_features()


def main() -> None:
    try:
        app()
    except OKRFlowError as exc:
        error_line(exc.message)
        sys.exit(1)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        hint = "is OKRFLOW_DATABASE_URL right, and did `okrflow db upgrade` run?"
        error_line(f"the database failed: {reason} ({hint})")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
