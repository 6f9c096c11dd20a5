"""``python -m bot check``: is the database readable and writable, do the keys open every
stored secret, can SMSC be reached, has SMSC blocked this server's address? Exit status 0 only
when the bot could work.

Reaching SMSC is tested with a GET of the site's own root page, never with an API call: an API
call without credentials is an erroneous request (error 2), and SMSC blocks an address that
sends many of them, so a health check run every few seconds would itself get the bot blocked.
A block SMSC already imposed (error 4) arrives with HTTP 200 and cannot be seen from outside
without such a call: the limiter's journal in the database says whether one is in force.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from bot.config import Settings
from bot.smsc import Endpoint, Region
from storage import CredentialsUnreadableError, Storage, StorageError, StoredBlock
from storage.database import utcnow


class _RollBack(Exception):
    """Ends the probe's transaction: rolled back whole, it leaves nothing behind."""


def _provider_regions() -> dict[str, Endpoint]:
    return {region.value: Endpoint.for_region(region) for region in Region}


async def run_check(
    settings: Settings,
    out: Any = None,
    *,
    smsc: bool = True,
    regions: Mapping[str, Endpoint] | None = None,
) -> int:
    """``regions``: the addresses of SMSC's regional sites (the provider's by default), each
    checked unless ``SMSC_BASE_URL`` sends every chat to one address."""
    out = out or sys.stdout
    report: dict[str, Any] = {}
    try:
        keyring = settings.keyring()
        report["key"] = {"ok": True, "keys": len(keyring.key_ids), "current": keyring.current_id}
    except StorageError as error:
        report["key"] = {"ok": False, "error": str(error)}
        keyring = None
    blocks: list[StoredBlock] = []
    if keyring is not None:
        try:
            storage = await Storage.open(settings.database(), keyring)
        except StorageError as error:
            report["database"] = {"ok": False, "error": str(error)}
        else:
            try:
                report["database"] = await _database(storage)
                report["credentials"] = await _credentials(storage)
                _stamps, blocks = await storage.limits.recent()
            except StorageError as error:
                report["database"] = {"ok": False, "error": str(error)}
            finally:
                await storage.close()
    if smsc:
        report["smsc"] = await _reachability(settings, regions or _provider_regions(), blocks)
    report["ok"] = _healthy(report)
    out.write(json.dumps(report, indent=2) + "\n")
    return 0 if report["ok"] else 1


def _healthy(report: dict[str, Any]) -> bool:
    local = all(
        report.get(part, {}).get("ok", False) for part in ("key", "database", "credentials")
    )
    if "smsc" not in report:
        return local
    targets = report["smsc"].values()
    # One region down leaves the chats of the others working; none answering leaves no chat.
    # A block is this server's own doing, and lasts: the operator must hear of it.
    reachable = any(target["ok"] for target in targets)
    blocked = any("blocked_until" in target for target in targets)
    return local and reachable and not blocked


async def _database(storage: Storage) -> dict[str, Any]:
    await _probe_write(storage)
    return {
        "ok": True,
        "engine": storage.database.engine,
        # A file's path, or PostgreSQL's address without its password.
        "path": storage.database.name,
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


async def _reachability(
    settings: Settings, regions: Mapping[str, Endpoint], blocks: Iterable[StoredBlock]
) -> dict[str, Any]:
    if settings.smsc_base_url:
        targets = {"custom": Endpoint(settings.smsc_base_url)}
    else:
        targets = dict(regions)
    blocked = {block.site: block.until for block in blocks}
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as http:
        answers = await asyncio.gather(
            *(_answers(http, target, blocked.pop(target.site, None)) for target in targets.values())
        )
    report = dict(zip(targets, answers, strict=True))
    # A block at a site no target names now (an earlier SMSC_BASE_URL) is still reported.
    report.update({site: _blocked(until) for site, until in blocked.items()})
    return report


async def _answers(
    http: httpx.AsyncClient, target: Endpoint, blocked_until: float | None
) -> dict[str, Any]:
    if blocked_until is not None:
        return _blocked(blocked_until)
    unreachable = ""
    # Requests go to a region's backup host when its main one cannot be reached (one retry,
    # as bot.smsc.transport makes): either answering leaves the region's chats working.
    for base in target.hosts[:2]:
        try:
            # The site's root page, headers only: any answer proves it reachable, and it is
            # no API call, so it can never count as a failing one.
            async with http.stream("GET", f"{base}/") as response:
                status = response.status_code
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            unreachable = type(error).__name__
            continue
        except httpx.HTTPError as error:
            return {"ok": False, "error": type(error).__name__}
        return {"ok": status < 500, "status": status}
    return {"ok": False, "error": unreachable}


def _blocked(until: float) -> dict[str, Any]:
    return {
        "ok": False,
        "error": "SMSC has blocked this server's address",
        "blocked_until": datetime.fromtimestamp(until, UTC).isoformat(timespec="seconds"),
    }
