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
import re
import signal
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from bot.sandbox import SandboxServer
from storage import AuthKind, NotificationKind, Storage
from tests.e2e.harness import ROOT, BotProcess
from tests.fakes.telegram import Call, FakeTelegram
from tests.postgres_service import free_port

SECRET = "replica-secret-0123456789"
EXPORT_NAME = re.compile(r"export_team\d+_\d+")
HOOK_PATH = "/tg/hook"


@dataclass
class Replica:
    name: str
    process: BotProcess
    port: int
    # How far its log was read, and its last event of the watcher's lease ("won"/"lost", when).
    _read: int = 0
    _lease_event: tuple[str, str] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        proc = self.process.process
        return proc is not None and proc.returncode is None

    def watching_since(self) -> str | None:
        """When this replica last won the watcher's lease, if it has not lost it since (by its
        log, read on from where it was last read; the replicas' time stamps compare)."""
        with self.process.log_path.open("rb") as log:
            log.seek(self._read)
            fresh = log.read()
        complete = fresh.rfind(b"\n") + 1
        self._read += complete
        for line in fresh[:complete].decode(errors="replace").splitlines():
            if "lease:watcher" in line and ('"lease won"' in line or '"lease lost"' in line):
                event = json.loads(line)
                self._lease_event = (event["event"], event["ts"])
        if self._lease_event is None or self._lease_event[0] != "lease won":
            return None
        return self._lease_event[1]


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
        # Without them (empty), one process on SQLite: the embedded setup, to compare with.
        shared = {"DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url}
        return {
            **{name: url for name, url in shared.items() if url},
            "ENCRYPTION_KEYS": self.key,
            # Every replica is told the same public address, as behind a load balancer.
            "WEBHOOK_URL": f"https://bot.example{HOOK_PATH}",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_PORT": str(port),
            "REPLICA_LEASE": "3",
            # Debug lines would be most of what the test reads to find the leader.
            "LOG_LEVEL": "INFO",
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

    async def post_once(self, replica: Replica, update: dict[str, Any]) -> bool:
        """Post an update to one replica, once: whether it answered 200."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        try:
            async with (
                aiohttp.ClientSession() as http,
                http.post(replica.base + HOOK_PATH, json=update, headers=headers) as response,
            ):
                return response.status == 200
        except aiohttp.ClientError:
            return False

    async def say(self, chat_id: int, user_id: int, text: str) -> Replica:
        return await self.post(self.telegram.message_update(chat_id, user_id, text))

    async def press(self, call: Call, button_text: str, user_id: int) -> Replica:
        return await self.post(self.telegram.callback_update(call, button_text, user_id))

    def leader(self) -> Replica | None:
        """The live replica that took the watcher's lease last and has not lost it."""
        holders = [(since, r) for r in self.live if (since := r.watching_since()) is not None]
        if not holders:
            return None
        return max(holders, key=lambda held: held[0])[1]

    async def wait_leader(self, timeout: float = 30, other_than: Replica | None = None) -> Replica:
        for _ in range(int(timeout / 0.1)):
            leader = self.leader()
            if leader is not None and leader is not other_than:
                return leader
            await asyncio.sleep(0.1)
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


@dataclass
class Watched:
    """Chats watching exports and sender names, over several SMSC logins of the sandbox."""

    chats: dict[int, str]  # chat id -> login
    password: str = "Replica-Pa55"

    @classmethod
    def spread(cls, chats: int, logins: int, first_chat: int = 700_001) -> Watched:
        return cls({first_chat + n: f"team{n % logins}" for n in range(chats)})

    @property
    def logins(self) -> list[str]:
        return sorted(set(self.chats.values()))

    async def store(self, storage: Storage, sandbox: SandboxServer) -> None:
        """The accounts in the sandbox, and the chats logged in and watching (as /login and
        /watch would leave them), written before the replicas start."""
        for login in self.logins:
            sandbox.state.add_account(login, self.password)
        for chat_id, login in self.chats.items():
            await storage.chats.connect(
                chat_id,
                auth_kind=AuthKind.PASSWORD,
                secret=self.password,
                set_by=chat_id,
                login=login,
                region=None,
                base_url=sandbox.base_url,
            )
            await storage.settings.set_language(chat_id, "en")
            for kind in NotificationKind:
                await storage.settings.set_notify(chat_id, kind, True)

    async def wait_baselines(self, database_url: str, timeout: float = 60) -> None:
        """Until every chat has both baselines: the watcher took what exists as known."""
        want = 2 * len(self.chats)
        connection = await asyncpg.connect(database_url)
        try:
            for _ in range(int(timeout / 0.1)):
                if await connection.fetchval("SELECT count(*) FROM watch_baselines") >= want:
                    return
                await asyncio.sleep(0.1)
        finally:
            await connection.close()
        raise AssertionError("the watcher never took every chat's baseline")

    def change(self, sandbox: SandboxServer, round_: int) -> set[tuple[int, str]]:
        """An export finishes and a sender name moves at an operator in every login; returns
        the notifications each chat must get (chat, the words that tell it)."""
        expected: set[tuple[int, str]] = set()
        for login in self.logins:
            task = sandbox.state.add_task(login, f"export_{login}_{round_}", 0)
            sandbox.state.set_task_status(login, task.id, 2, size=64)
            sandbox.state.set_operator_status(login, 2, "tele2_step", 2 + round_ % 2)
        for chat_id, login in self.chats.items():
            expected.add((chat_id, f"export_{login}_{round_}"))
            expected.add((chat_id, f"MyShop#{round_}"))
        return expected


def outcome(
    telegram: FakeTelegram, expected: set[tuple[int, str]], since: int, round_: int
) -> tuple[set[tuple[int, str]], Counter[tuple[int, str]]]:
    """What of ``expected`` arrived, and how many times each."""
    got: Counter[tuple[int, str]] = Counter()
    for call in telegram.calls[since:]:
        if call.chat_id is None or call.method not in ("sendMessage", "sendDocument"):
            continue
        export = EXPORT_NAME.search(call.text)
        if export is not None:
            got[(call.chat_id, export.group(0))] += 1
        elif "MyShop" in call.text and "Tele2" in call.text:
            got[(call.chat_id, f"MyShop#{round_}")] += 1
    return {key for key in expected if key in got}, got


async def wait_delivered(
    telegram: FakeTelegram,
    expected: set[tuple[int, str]],
    since: int,
    round_: int,
    timeout: float = 120,
) -> Counter[tuple[int, str]]:
    for _ in range(int(timeout / 0.1)):
        arrived, counts = outcome(telegram, expected, since, round_)
        if arrived == expected:
            return counts
        await asyncio.sleep(0.1)
    arrived, _ = outcome(telegram, expected, since, round_)
    raise AssertionError(f"{len(expected - arrived)} of {len(expected)} notifications lost")
