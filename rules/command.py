"""`okrflow rules check FILE` and `okrflow rules dry-run FILE`: a typer sub-app the CLI mounts.

    app.add_typer(build_app(load_snapshot), name="rules")

``load_snapshot(cycle_id)`` supplies live data for a dry-run (the CLI reads it from the
store; ``None`` means the current cycle). Without a loader, or with ``--demo``, the dry-run
uses a generated organisation. Both commands only read: nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from okrflow.domain.errors import InvalidRules
from okrflow.domain.model import Language, Phase
from okrflow.domain.snapshot import CycleSnapshot
from rules.dryrun import dry_run_file
from rules.load import check_file

__all__ = ["SnapshotLoader", "build_app"]

SnapshotLoader = Callable[[str | None], CycleSnapshot]


def _demo_snapshot(seed: int, people: int) -> CycleSnapshot:
    from okrflow.synthetic import generate_org  # the generator is only needed for demos

    return generate_org(seed=seed, people=people).snapshot()


def build_app(load_snapshot: SnapshotLoader | None = None) -> typer.Typer:
    """The `rules` command group; ``load_snapshot`` reads live data for dry-runs."""
    app = typer.Typer(help="Check and dry-run rule files.", no_args_is_help=True)
    out = Console()
    err = Console(stderr=True)

    def report_invalid(exc: InvalidRules) -> typer.Exit:
        for p in exc.problems:
            err.print(f"[bold red]error:[/] {exc.source}: {p}", highlight=False, soft_wrap=True, markup=True)
        return typer.Exit(1)

    @app.command("check")
    def check(path: Annotated[Path, typer.Argument(help="The rule file (YAML or JSON).")]) -> None:
        """Validate a rule file: schema, rule ids, CEL conditions and message templates."""
        try:
            compiled = check_file(path)
        except InvalidRules as exc:
            raise report_invalid(exc) from None
        scopes = sorted({cr.rule.scope.value for cr in compiled.rules})
        out.print(f"{path.name}: {len(compiled.rules)} rules OK ({', '.join(scopes)})", highlight=False)

    @app.command("dry-run")
    def dry_run_cmd(
        path: Annotated[Path, typer.Argument(help="The draft rule file (YAML or JSON).")],
        cycle: Annotated[str | None, typer.Option(help="Cycle id (default: the current cycle).")] = None,
        week: Annotated[int | None, typer.Option(help="Pretend it is this week of the cycle.")] = None,
        phase: Annotated[Phase | None, typer.Option(help="Pretend the cycle is in this phase.")] = None,
        lang: Annotated[Language, typer.Option(help="Language of the report.")] = Language.EN,
        as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
        demo: Annotated[
            bool, typer.Option(help="Use a generated organisation instead of live data.")
        ] = False,
        demo_seed: Annotated[int, typer.Option(help="Seed of the generated organisation.")] = 7,
        demo_people: Annotated[int, typer.Option(help="Size of the generated organisation.")] = 120,
    ) -> None:
        """Show which subjects each rule of a draft would flag, with the facts that made it true."""
        snapshot = (
            _demo_snapshot(demo_seed, demo_people) if demo or load_snapshot is None else load_snapshot(cycle)
        )
        try:
            report = dry_run_file(path, snapshot, week=week, phase=phase)
        except InvalidRules as exc:
            raise report_invalid(exc) from None
        if as_json:
            print(report.model_dump_json(indent=2))
        else:
            out.print(report.to_text(lang), highlight=False, markup=False, soft_wrap=True)

    return app


app = build_app()


if __name__ == "__main__":
    app()
