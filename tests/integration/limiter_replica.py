"""One replica's requests through the shared limiter, in its own process, for the replica tests.

    python -m tests.integration.limiter_replica REDIS_URL PREFIX SANDBOX_URL NAMES_KEY MODE TASKS

MODE ``identical``: TASKS identical group lists one after another, none waiting for a window.
MODE ``spread``:
TASKS different searches, at once. Prints one JSON line: how many were answered and refused.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from redis.asyncio import Redis

from bot.smsc import (
    ClientRateLimitError,
    Credentials,
    Endpoint,
    LimiterUnavailableError,
    SmscClient,
    SmscError,
    SmscTransport,
)
from bot.smsc.redis_limiter import RedisLimiter
from tests.conftest import LOGIN, PASSWORD


async def main(redis_url: str, prefix: str, base: str, names: str, mode: str, tasks: int) -> None:
    redis = Redis.from_url(redis_url)
    limiter = RedisLimiter(redis, window=60.0, prefix=prefix)
    outcome: dict[str, Any] = {"answered": 0, "refused": 0, "unavailable": 0, "errors": []}
    async with SmscTransport(limiter=limiter, names_key=bytes.fromhex(names)) as transport:
        wait = 0.0 if mode == "identical" else None
        client = SmscClient(transport, Credentials(LOGIN, PASSWORD), Endpoint(base), max_wait=wait)

        async def one(n: int) -> None:
            try:
                if mode == "identical":
                    await client.phones.groups()
                else:
                    await client.phones.list(search=f"name{n}")
                outcome["answered"] += 1
            except ClientRateLimitError:
                outcome["refused"] += 1
            except LimiterUnavailableError:
                outcome["unavailable"] += 1
            except SmscError as error:
                outcome["errors"].append(type(error).__name__)

        if mode == "identical":
            # One after another: identical reads at the same moment would share one request.
            for n in range(tasks):
                await one(n)
        else:
            await asyncio.gather(*(one(n) for n in range(tasks)))
    await redis.aclose()
    print(json.dumps(outcome), flush=True)


if __name__ == "__main__":
    url, prefix, base, names, mode, tasks = sys.argv[1:7]
    asyncio.run(main(url, prefix, base, names, mode, int(tasks)))
