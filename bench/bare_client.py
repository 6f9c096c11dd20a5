"""The floor under the watcher sweep: a bare aiohttp session sending the requests a sweep sent,
``concurrency`` at a time, each answer read whole and nothing more (but a look for an error).
What is left between it and the ideal is this machine's: its event loop, its sockets, the
sandbox sharing its cores.

Its own process, so that neither its memory nor its CPU is counted as the bot's. Reads the
requests (JSON lines: URL, body as latin-1, headers) from the file named, then sends them all
once for each line on stdin and prints a JSON line with the round's wall and CPU seconds.

    python -m bench.bare_client REQUESTS CONCURRENCY
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import deque
from pathlib import Path

import aiohttp


async def main(path: Path, concurrency: int) -> None:
    requests = [
        (url, body.encode("latin-1"), headers)
        for url, body, headers in map(json.loads, path.read_text().splitlines())
    ]
    connector = aiohttp.TCPConnector(limit=concurrency * 2, limit_per_host=0)
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker(pending: deque[tuple[str, bytes, dict[str, str]]]) -> None:
            while pending:
                url, body, headers = pending.popleft()
                async with session.post(url, data=body, headers=headers) as response:
                    answer = await response.read()
                # An error answer would make the floor a false one (error 9 is quick to send).
                if response.status != 200 or b'"error' in answer[:200]:
                    errors.append(response.status)

        while await loop.run_in_executor(None, sys.stdin.readline):
            pending = deque(requests)
            errors: list[int] = []
            started, cpu = time.perf_counter(), time.process_time()
            await asyncio.gather(*(worker(pending) for _ in range(concurrency)))
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            figures = {"wall": wall, "cpu": cpu, "requests": len(requests), "errors": len(errors)}
            print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
