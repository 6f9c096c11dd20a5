"""Dependencies point one way: handlers -> bot.smsc, storage; bot assembles them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(package: Path) -> set[tuple[str, str]]:
    found = set()
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update((alias.name, str(path.relative_to(ROOT))) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add((node.module, str(path.relative_to(ROOT))))
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("storage", ("aiogram", "bot", "handlers")),
        ("bot/smsc", ("aiogram", "storage", "handlers", "bot.sandbox", "bot.app")),
    ],
)
def test_package_does_not_import(package: str, forbidden: tuple[str, ...]) -> None:
    offenders = [
        (module, where)
        for module, where in imported_modules(ROOT / package)
        if any(module == f or module.startswith(f + ".") for f in forbidden)
        and not module.startswith("bot.smsc")
    ]
    assert offenders == []
