"""Dependencies point one way: handlers -> bot -> storage; bot.smsc and storage stand alone.

Only the assembly (the ``bot.assembly`` package: ``app``, ``ui_commands``) imports
``handlers``; the demo and the webhook reach them only through ``bot.assembly.app``. No router
module imports another: what two routers share lives in a lower module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ASSEMBLY = {str(path.relative_to(ROOT)) for path in (ROOT / "bot" / "assembly").glob("*.py")}


def imported_modules(package: Path) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update((alias.name, str(path.relative_to(ROOT))) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add((node.module, str(path.relative_to(ROOT))))
    return found


def offenders(package: str, forbidden: tuple[str, ...], allowed: set[str]) -> list[tuple[str, str]]:
    return sorted(
        (module, where)
        for module, where in imported_modules(ROOT / package)
        if any(module == f or module.startswith(f + ".") for f in forbidden)
        and where not in allowed
    )


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("storage", ("aiogram", "bot", "handlers")),
        (
            "bot/smsc",
            ("aiogram", "storage", "handlers", "bot.sandbox", "bot.assembly.app", "bot.watcher"),
        ),
        ("bot/sandbox", ("aiogram", "storage", "handlers", "bot.smsc", "bot.assembly.app")),
        ("bot", ("handlers",)),
    ],
)
def test_package_does_not_import(package: str, forbidden: tuple[str, ...]) -> None:
    assert offenders(package, forbidden, ASSEMBLY) == []


def test_handlers_never_take_the_database() -> None:
    # Handlers get a ready client and the chat's account service from middlewares and workflow
    # data; only their types come from storage.
    taking = []
    for path in (ROOT / "handlers").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = {a.arg for a in (*node.args.args, *node.args.kwonlyargs)}
                if names & {"storage", "database"}:
                    taking.append(f"{path.name}:{node.name}")
    assert not offenders("handlers", ("aiosqlite", "sqlite3"), set())
    assert taking == []


def router_modules() -> set[str]:
    """Modules of ``handlers`` that define a router: ``def router()``."""
    found = set()
    for path in (ROOT / "handlers").glob("*.py"):
        tree = ast.parse(path.read_text())
        if any(
            isinstance(node, ast.FunctionDef) and node.name.endswith("router") for node in tree.body
        ):
            found.add(f"handlers.{path.stem}")
    return found


def test_no_router_module_imports_another() -> None:
    routers = router_modules()
    assert "handlers.blacklist" in routers  # the test looks where routers are
    crossing = []
    for path in (ROOT / "handlers").glob("*.py"):
        here = f"handlers.{path.stem}"
        if here not in routers:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
                if node.module == "handlers":
                    names = [f"handlers.{alias.name}" for alias in node.names]
                crossing += [(here, name) for name in names if name in routers and name != here]
    assert crossing == []


# Modules of one purpose, functions that fit on a screen: a newcomer reads a module whole.
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


@pytest.mark.parametrize("package", ["bot", "handlers", "storage"])
def test_modules_and_functions_stay_small(package: str) -> None:
    too_long = []
    for path in sorted((ROOT / package).rglob("*.py")):
        source = path.read_text()
        where = str(path.relative_to(ROOT))
        if source.count("\n") > MAX_MODULE_LINES:
            too_long.append(f"{where}: {source.count(chr(10))} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{where}: {node.name} is {length} lines")
    assert too_long == []
