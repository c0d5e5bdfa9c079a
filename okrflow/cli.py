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
from rich.console import Console

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
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")

out = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def load_settings(**overrides: object) -> Settings:
    try:
        values = {k: v for k, v in overrides.items() if v is not None}
        return Settings(**values)  # type: ignore[arg-type]
    except Exception as exc:  # pydantic's error names the variable
        raise fail(f"invalid settings: {exc}") from None


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
    prepare_database(settings, demo=demo, demo_people=demo_people, echo=out.print)
    asyncio.run(run_serve(settings, echo=out.print))


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
    asyncio.run(run_api(settings, echo=out.print))


@app.command()
def worker() -> None:
    """Run only a Temporal worker on the okrflow task queue."""
    from okrflow.runtime.serve import run_worker

    settings = load_settings()
    _require_temporal(settings)
    _logging()
    asyncio.run(run_worker(settings, echo=out.print))


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply the database migrations."""
    from okrflow.store.migrate import current_revision, upgrade

    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = upgrade(settings.resolved_database_url, revision=revision)
    out.print(f"database at revision {current_revision(engine)}")


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
    out.print(plaintext, highlight=False)


def _require_temporal(settings: Settings) -> None:
    if settings.embedded_temporal:
        raise fail("OKRFLOW_TEMPORAL_ADDRESS is not set; `okrflow serve` runs an embedded server instead")


def _logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("okrflow").setLevel(logging.INFO)


def _mount_optional() -> None:
    """Sub-commands that live beside their feature (critique, rules, ...)."""
    import importlib

    for module, attr, name in (
        ("okrflow.critique.command", "app", "critique"),
        ("rules.command", "app", "rules"),
        ("okrflow.commands", "app", None),
    ):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):
                continue
            raise
        sub = getattr(mod, attr)
        if name is None:
            for cmd in sub.registered_commands:
                app.registered_commands.append(cmd)
        elif sub.registered_commands and len(sub.registered_commands) == 1 and not sub.registered_groups:
            cmd = sub.registered_commands[0]
            cmd.name = name
            app.registered_commands.append(cmd)
        else:
            app.add_typer(sub, name=name)


_mount_optional()


def main() -> None:
    try:
        app()
    except OKRFlowError as exc:
        err.print(f"[bold red]error:[/] {exc.message}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
