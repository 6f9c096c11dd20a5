"""``python -m bot check``: is the database readable, do the keys open every stored secret,
can SMSC be reached? Exit status 0 when the bot can run (SMSC being down is only reported)."""

from __future__ import annotations

import json
import sys
from typing import Any

import httpx

from bot.config import Settings
from bot.smsc import Endpoint, Region
from storage import CredentialsUnreadableError, Storage, StorageError


async def run_check(settings: Settings, out: Any = None, *, smsc: bool = True) -> int:
    out = out or sys.stdout
    report: dict[str, Any] = {}
    healthy = True
    try:
        keyring = settings.keyring()
        report["key"] = {"ok": True, "keys": len(keyring.key_ids), "current": keyring.current_id}
    except StorageError as error:
        report["key"] = {"ok": False, "error": str(error)}
        healthy = False
        keyring = None
    if keyring is not None:
        try:
            storage = await Storage.open(settings.database_path, keyring)
        except StorageError as error:
            report["database"] = {"ok": False, "error": str(error)}
            healthy = False
        else:
            try:
                report["database"] = {
                    "ok": True,
                    "path": str(settings.database_path),
                    "schema_version": await storage.database.schema_version(),
                    "chats": await storage.chats.count(),
                }
                report["credentials"] = await _credentials(storage)
                healthy = healthy and report["credentials"]["ok"]
            finally:
                await storage.close()
    if smsc:
        report["smsc"] = await _reachability(settings)
    report["ok"] = healthy
    out.write(json.dumps(report, indent=2) + "\n")
    return 0 if healthy else 1


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
    results: dict[str, Any] = {}
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as http:
        for name, base in targets.items():
            try:
                # Without credentials: any answer from the script proves it is reachable.
                response = await http.post(f"{base}/sys/balance.php", data={"fmt": "3"})
                results[name] = {"ok": response.status_code < 500, "status": response.status_code}
            except httpx.HTTPError as error:
                results[name] = {"ok": False, "error": type(error).__name__}
    return results
