"""Several ``smsc-bot --webhook`` processes on one PostgreSQL database and one Redis, with the
fake Bot API and the SMSC sandbox: what the replica tests and ``bench.replicas`` drive.

Updates are posted to the replicas in turn, as a load balancer would; one that a replica
cannot take (it died, or answers 500 because another has it in hand) goes to the next, as
Telegram sends an update again until a webhook answers 200.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bot.sandbox import SandboxServer
from tests.e2e.harness import ROOT, BotProcess
from tests.fakes.telegram import Call, FakeTelegram
from tests.services import free_port

SECRET = "replica-secret-0123456789"
HOOK_PATH = "/tg/hook"


@dataclass
class Replica:
    name: str
    process: BotProcess
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        proc = self.process.process
        return proc is not None and proc.returncode is None

    def won_watch(self) -> int:
        """How many times this replica's log says it took the watcher's lease."""
        return sum(
            1
            for line in self.process.log.splitlines()
            if '"lease won"' in line and ":watch" in line
        )


@dataclass
class Cluster:
    workdir: Path
    telegram: FakeTelegram
    sandbox: SandboxServer
    database_url: str
    redis_url: str
    key: str
    env: dict[str, str] = field(default_factory=dict)
    replicas: list[Replica] = field(default_factory=list)
    _turn: itertools.count[int] = field(default_factory=itertools.count)
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _environment(self, port: int) -> dict[str, str]:
        return {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "ENCRYPTION_KEYS": self.key,
            # Every replica is told the same public address, as behind a load balancer.
            "WEBHOOK_URL": f"https://bot.example{HOOK_PATH}",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_PORT": str(port),
            "REPLICA_LEASE": "3",
            **self.env,
        }

    async def add(self) -> Replica:
        """A new replica, returned once it answers on /healthz."""
        name = f"r{next(self._names)}"
        workdir = self.workdir / name
        workdir.mkdir()
        port = free_port()
        process = BotProcess(
            workdir, self.telegram, self.sandbox.base_url, **self._environment(port)
        )
        log = process.log_path.open("ab")
        process.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "--webhook",
            cwd=ROOT,
            env=process.env,
            stdout=log,
            stderr=log,
        )
        log.close()
        replica = Replica(name, process, port)
        await self._healthy(replica)
        self.replicas.append(replica)
        return replica

    async def _healthy(self, replica: Replica, timeout: float = 60) -> None:
        async with aiohttp.ClientSession() as http:
            for _ in range(int(timeout / 0.05)):
                if not replica.running:
                    raise AssertionError(f"{replica.name} exited:\n{replica.process.log[-3000:]}")
                try:
                    async with http.get(f"{replica.base}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError(f"{replica.name} never answered:\n{replica.process.log[-3000:]}")

    @property
    def live(self) -> list[Replica]:
        return [r for r in self.replicas if r.running]

    async def post(self, update: dict[str, Any], *, attempts: int = 200) -> Replica:
        """Post an update as Telegram would until a replica answers 200; returns that one."""
        body = json.dumps(update)
        headers = {
            "X-Telegram-Bot-Api-Secret-Token": SECRET,
            "Content-Type": "application/json",
        }
        async with aiohttp.ClientSession() as http:
            for _ in range(attempts):
                live = self.live
                if not live:
                    raise AssertionError("no replica is running")
                replica = live[next(self._turn) % len(live)]
                try:
                    async with http.post(
                        replica.base + HOOK_PATH, data=body, headers=headers
                    ) as response:
                        if response.status == 200:
                            return replica
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError(f"no replica took update {update['update_id']}")

    async def say(self, chat_id: int, user_id: int, text: str) -> Replica:
        return await self.post(self.telegram.message_update(chat_id, user_id, text))

    async def press(self, call: Call, button_text: str, user_id: int) -> Replica:
        return await self.post(self.telegram.callback_update(call, button_text, user_id))

    def leader(self) -> Replica | None:
        """The live replica that took the watcher's lease last (by its log)."""
        holders = [r for r in self.live if r.won_watch()]
        if not holders:
            return None
        return max(holders, key=lambda r: r.process.log.rfind('"lease won"'))

    async def wait_leader(self, timeout: float = 30, other_than: Replica | None = None) -> Replica:
        for _ in range(int(timeout / 0.05)):
            leader = self.leader()
            if leader is not None and leader is not other_than:
                return leader
            await asyncio.sleep(0.05)
        logs = "\n".join(r.process.log[-1500:] for r in self.replicas)
        raise AssertionError(f"no replica leads the watcher:\n{logs}")

    def kill(self, replica: Replica, sig: signal.Signals = signal.SIGKILL) -> None:
        assert replica.process.process is not None
        replica.process.process.send_signal(sig)

    async def stop(self) -> None:
        for replica in self.replicas:
            proc = replica.process.process
            if proc is not None and proc.returncode is None:
                proc.send_signal(signal.SIGCONT)
        await asyncio.gather(*(r.process.stop() for r in self.replicas))


def deliveries(telegram: FakeTelegram, since: int = 0) -> Counter[tuple[int, str]]:
    """Notifications sent, by chat and text: a count above one is a notification doubled."""
    sent: Counter[tuple[int, str]] = Counter()
    for call in telegram.calls[since:]:
        if call.method in ("sendMessage", "sendDocument") and call.chat_id is not None:
            sent[(call.chat_id, call.text)] += 1
    return sent
