"""The chat's settings and credentials read together for an update (one query on a shared
database): a handler in a private chat runs with them; in a group, where another administrator
may log the chat out meanwhile, credentials are read again right before the handler."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiogram.types import Chat

from bot.accounts import ChatAccounts
from bot.middlewares import SmscClientMiddleware
from bot.smsc import SmscTransport
from bot.smsc.factory import SmscFactory
from storage import AuthKind, Keyring, Storage, generate_key

OLD, NEW = "Old-Pa55-marker", "New-Pa55-marker"


@pytest.fixture
async def replicas(tmp_path: Path) -> Any:
    """Two processes on one database that caches nothing (as with PostgreSQL)."""
    key = generate_key()
    path = tmp_path / "shared.sqlite3"
    one = await Storage.open(path, Keyring.from_text(key), shared=True)
    other = await Storage.open(path, Keyring.from_text(key), shared=True)
    transport = SmscTransport()
    yield ChatAccounts(one, SmscFactory(transport, forced_base_url="http://127.0.0.1:9")), other
    await transport.aclose()
    await one.close()
    await other.close()


async def save(storage: Storage, chat_id: int, secret: str) -> None:
    await storage.credentials.save(
        chat_id, auth_kind=AuthKind.PASSWORD, secret=secret, login="acme", region="ru", set_by=1
    )


@pytest.mark.parametrize(
    ("kind", "chat_id", "expected"),
    [("private", 501, OLD), ("group", -502, NEW), ("supergroup", -1001234567503, NEW)],
)
async def test_credentials_changed_after_the_record_was_read(
    replicas: Any, kind: str, chat_id: int, expected: str
) -> None:
    accounts, other = replicas
    await save(other, chat_id, OLD)
    record = await accounts.record(chat_id)
    await save(other, chat_id, NEW)  # another administrator's /login, meanwhile
    seen: dict[str, Any] = {}

    async def handler(event: Any, data: dict[str, Any]) -> None:
        seen.update(data)

    data = {
        "event_chat": Chat(id=chat_id, type=kind),
        "chat_record": record,
        "handler": type("H", (), {"flags": {"smsc": True}})(),
    }
    await SmscClientMiddleware(accounts)(handler, object(), data)  # type: ignore[arg-type]
    assert seen["account"].secret == expected
