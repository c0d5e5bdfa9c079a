"""Pure code stays pure: the domain, the heuristic critic, rules and prompts import no I/O layers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE_DIRS = ["okrflow/domain", "okrflow/critique", "rules", "prompts"]
FORBIDDEN = ("sqlalchemy", "temporalio", "openai", "okrflow.store", "activities", "api")


def pure_modules() -> list[Path]:
    found = []
    for d in PURE_DIRS:
        for path in sorted((ROOT / d).rglob("*.py")):
            if d == "okrflow/critique" and path.name.startswith("llm"):
                continue  # the LLM client is the critique package's one adapter
            found.append(path)
    return found


def imported_names(source: str, module: str) -> list[tuple[int, str]]:
    """Every module a source file imports, as absolute dotted names with their line numbers.

    ``module`` is the file's dotted module name, used to resolve relative imports. For
    ``from a import b`` both ``a`` and ``a.b`` are listed, since ``b`` may be a module.
    """
    package = module.split(".")[:-1]
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            head = ".".join([*base, *(node.module.split(".") if node.module else [])])
            if head:
                out.append((node.lineno, head))
            out.extend((node.lineno, f"{head}.{alias.name}" if head else alias.name) for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            out.append((node.lineno, node.args[0].value))
    return out


def forbidden_imports(source: str, module: str) -> list[str]:
    return [
        f"line {line}: {name}"
        for line, name in imported_names(source, module)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    ]


def module_name(path: Path) -> str:
    # okrflow/domain/__init__.py -> okrflow.domain.__init__, whose package is okrflow.domain
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def test_the_walk_finds_the_domain_modules() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in pure_modules()}
    assert {"okrflow/domain/model.py", "okrflow/domain/progress.py", "okrflow/domain/calendar.py"} <= names


@pytest.mark.parametrize("path", pure_modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_pure_modules_import_no_database_workflow_llm_or_api_code(path: Path) -> None:
    assert forbidden_imports(path.read_text(encoding="utf-8"), module_name(path)) == []


@pytest.mark.parametrize(
    "source",
    [
        "import sqlalchemy",
        "import temporalio.workflow as wf",
        "from openai import OpenAI",
        "from okrflow.store import tables",
        "from okrflow import store",
        "from ..store.tables import Task",
        "import activities.store",
        "from api.app import create_app",
        "def f():\n    import sqlalchemy.orm",
        "import importlib\nimportlib.import_module('temporalio')",
    ],
)
def test_the_check_catches_every_way_of_importing_a_forbidden_layer(source: str) -> None:
    assert forbidden_imports(source, "okrflow.domain.example") != []


@pytest.mark.parametrize(
    "source",
    [
        "from okrflow.domain.model import Task",
        "from . import model",
        "from .errors import ValidationFailed",
        "import apis_are_fine_when_named_differently",
        "from okrflow.storefront import x",
    ],
)
def test_the_check_lets_pure_imports_through(source: str) -> None:
    assert forbidden_imports(source, "okrflow.domain.example") == []
