"""``okrflow critique FILE [--json] [--llm] [--lang zh|en]``: findings for every draft in a file.

Mount it on the main CLI with ``main_app.command("critique")(critique_command)``, or merge ``app``
below with ``main_app.add_typer(app)`` (no name). ``python -m okrflow.critique.command critique FILE``
runs it alone.
Exit status: 0 when every draft was critiqued (findings or not), 2 when the file cannot be read.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from okrflow.domain.errors import OKRFlowError, ValidationFailed
from okrflow.domain.model import Language, Severity

from .assistant import critique_draft
from .contract import Critic, Critique
from .draft import Draft
from .draft_files import load_drafts
from .heuristic import HeuristicCritic
from .messages import target_label

_SEVERITY_STYLE = {
    Severity.INFO: "cyan",
    Severity.WARNING: "yellow",
    Severity.RISK: "red",
    Severity.CRITICAL: "bold red",
}
_HEAD = {
    Language.ZH: ("位置", "级别", "代码", "问题", "建议", "没有发现问题。", "得分"),
    Language.EN: ("Where", "Severity", "Code", "Finding", "Suggestion", "No findings.", "score"),
}


def critique_command(
    file: Annotated[Path, typer.Argument(help="A YAML, JSON or JSON-lines file holding one draft or many.")],
    json_output: Annotated[
        bool, typer.Option("--json", help="Print one JSON result per draft, in order, instead of tables.")
    ] = False,
    llm: Annotated[
        bool, typer.Option("--llm", help="Add the LLM critic's findings (OKRFLOW_LLM_BASE_URL etc.).")
    ] = False,
    lang: Annotated[
        Language | None, typer.Option("--lang", help="Language of findings; detected per draft if omitted.")
    ] = None,
) -> None:
    """Critique the OKR drafts in FILE: findings with a suggestion each, in the draft's language."""
    err = Console(stderr=True)
    try:
        drafts = load_drafts(file)
    except ValidationFailed as exc:
        err.print(f"[red]error:[/] {exc.source or file}: invalid drafts", highlight=False, soft_wrap=True)
        for problem in exc.problems:
            err.print(f"  {exc.source or file}: {problem}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except OKRFlowError as exc:
        err.print(f"[red]error:[/] {exc.message}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None

    llm_critic: Critic | None = None
    if llm:
        from okrflow.runtime.settings import Settings

        from .llm import build_llm_critic  # imported here: the heuristic path does not need openai

        llm_critic = build_llm_critic(Settings())
    critiques = asyncio.run(_critique_all(drafts, llm=llm, llm_critic=llm_critic, lang=lang))

    if json_output:
        results = [_result(i, d, c) for i, (d, c) in enumerate(zip(drafts, critiques, strict=True))]
        typer.echo(json.dumps(results, ensure_ascii=False, indent=2))
        return
    out = Console()
    for i, (draft, critique) in enumerate(zip(drafts, critiques, strict=True)):
        _print_table(out, i, draft, critique)


async def _critique_all(
    drafts: list[Draft], *, llm: bool, llm_critic: Critic | None, lang: Language | None
) -> list[Critique]:
    heuristic = HeuristicCritic()
    return [
        await critique_draft(d, critic=heuristic, llm=llm, llm_critic=llm_critic, lang=lang) for d in drafts
    ]


def _result(index: int, draft: Draft, critique: Critique) -> dict[str, object]:
    return {
        "index": index,
        "id": draft.id,
        "objective": draft.objective.title,
        **critique.model_dump(mode="json"),
    }


def _print_table(out: Console, index: int, draft: Draft, critique: Critique) -> None:
    where, severity, code, finding, suggestion, none, score = _HEAD[critique.lang]
    name = f"{draft.id} · " if draft.id else ""
    title = Text(f"[{index + 1}] {name}{draft.objective.title}  ", style="bold")
    title.append(f"{score} {critique.score}/100", style="green" if critique.score >= 80 else "yellow")
    out.print(title)
    if not critique.findings:
        out.print(f"  {none}", style="green")
    else:
        table = Table(show_lines=False, expand=True)
        table.add_column(where, no_wrap=True)
        table.add_column(severity, no_wrap=True)
        table.add_column(code, no_wrap=True)
        table.add_column(finding, ratio=3, overflow="fold")
        table.add_column(suggestion, ratio=3, overflow="fold")
        for f in critique.findings:
            style = _SEVERITY_STYLE[f.severity]
            table.add_row(
                target_label(f.target, critique.lang),
                Text(f.severity.value, style=style),
                f.code.value,
                f.message,
                f.suggestion,
            )
        out.print(table)
    for rewrite in critique.rewrites:
        out.print(f"  → {target_label(rewrite.target, critique.lang)}: {rewrite.text}", highlight=False)
    if critique.note:
        out.print(f"  {critique.note}", style="yellow", highlight=False)
    out.print()


app = typer.Typer(add_completion=False, help="The OKR drafting assistant.")


@app.callback()
def _group() -> None:
    """The OKR drafting assistant (a group, so that ``critique`` stays a sub-command when mounted)."""


app.command("critique")(critique_command)


if __name__ == "__main__":
    app()
