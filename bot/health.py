"""``python -m bot check``: is the database readable and writable, do the keys open every
stored secret, can SMSC be reached? Exit status 0 only when the bot could work."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import httpx

from bot.config import Settings
from bot.smsc import Endpoint, Region
from storage import CredentialsUnreadableError, Storage, StorageError
from storage.database import utcnow


class _RollBack(Exception):
    """Ends the probe's transaction: rolled back whole, it leaves nothing behind."""


async def run_check(settings: Settings, out: Any = None, *, smsc: bool = True) -> int:
    out = out or sys.stdout
    report: dict[str, Any] = {}
    try:
        keyring = settings.keyring()
        report["key"] = {"ok": True, "keys": len(keyring.key_ids), "current": keyring.current_id}
    except StorageError as error:
        report["key"] = {"ok": False, "error": str(error)}
        keyring = None
    if keyring is not None:
        try:
            storage = await Storage.open(settings.database_path, keyring)
        except StorageError as error:
            report["database"] = {"ok": False, "error": str(error)}
        else:
            try:
                report["database"] = await _database(storage, settings)
                report["credentials"] = await _credentials(storage)
            except StorageError as error:
                report["database"] = {"ok": False, "error": str(error)}
            finally:
                await storage.close()
    if smsc:
        report["smsc"] = await _reachability(settings)
    report["ok"] = _healthy(report)
    out.write(json.dumps(report, indent=2) + "\n")
    return 0 if report["ok"] else 1


def _healthy(report: dict[str, Any]) -> bool:
    local = all(
        report.get(part, {}).get("ok", False) for part in ("key", "database", "credentials")
    )
    # One region down leaves the chats of the others working; none answering leaves no chat.
    reachable = "smsc" not in report or any(target["ok"] for target in report["smsc"].values())
    return local and reachable


async def _database(storage: Storage, settings: Settings) -> dict[str, Any]:
    await _probe_write(storage)
    return {
        "ok": True,
        "path": str(settings.database_path),
        "schema_version": await storage.database.schema_version(),
        "chats": await storage.chats.count(),
    }


async def _probe_write(storage: Storage) -> None:
    """A row written and rolled back: reading succeeds where the bot could not work, on a
    read-only file or while another process holds the write lock past the busy timeout."""
    try:
        async with storage.database.transaction() as tx:
            await tx.execute(
                "INSERT INTO audit_log (chat_id, action, result, at) "
                "VALUES (0, 'health-check', 'probe', ?)",
                (utcnow(),),
            )
            raise _RollBack
    except _RollBack:
        pass


async def _credentials(storage: Storage) -> dict[str, Any]:
    rows = await storage.database.fetchall("SELECT chat_id FROM credentials")
    found = await storage.credentials.many([row["chat_id"] for row in rows])
    unreadable = sorted(k for k, v in found.items() if isinstance(v, CredentialsUnreadableError))
    return {"ok": not unreadable, "stored": len(found), "unreadable_chats": unreadable}


async def _reachability(settings: Settings) -> dict[str, Any]:
    if settings.smsc_base_url:
        targets = {"custom": Endpoint(settings.smsc_base_url).base_url}
    else:
        targets = {region.value: Endpoint.for_region(region).base_url for region in Region}
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as http:
        answers = await asyncio.gather(*(_answers(http, base) for base in targets.values()))
    return dict(zip(targets, answers, strict=True))


async def _answers(http: httpx.AsyncClient, base: str) -> dict[str, Any]:
    try:
        # Without credentials: any answer from the script proves it is reachable.
        response = await http.post(f"{base}/sys/balance.php", data={"fmt": "3"})
    except httpx.HTTPError as error:
        return {"ok": False, "error": type(error).__name__}
    return {"ok": response.status_code < 500, "status": response.status_code}
