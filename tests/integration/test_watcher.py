"""The watcher against the sandbox and the fake Bot API, one sweep at a time, on a clock the
test moves: no test waits for a scheduler."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiogram import Bot

from bot.accounts import ChatAccounts
from bot.assembly.app import build_i18n
from bot.sandbox import Fault, SandboxServer
from bot.smsc import RateLimiter, SmscTransport
from bot.smsc.aiohttp_transport import AiohttpTransport
from bot.smsc.factory import SmscFactory
from bot.telegram import build_bot
from bot.watcher import Baselines, Notifier, PollTimes, Watcher
from bot.watcher.service import AUTH_FAILURES_BEFORE_PAUSE
from storage import AuthKind, Keyring, NotificationKind, SeenTask, Storage, generate_key
from tests.conftest import LOGIN, PASSWORD, RATE_WINDOW
from tests.fakes.telegram import FakeTelegram
from tests.integration.bot_harness import TOKEN
from tests.watch_state import seen_senders, seen_tasks, was_delivered

INTERVAL = 60
# Telegram's waits, shortened: the fake Bot API asks for whole seconds as the real one does.
WAIT_SCALE = 0.01
SMSC_TIMEOUT = 0.5


class Clock:
    """Real time, which a test can move forward at once: waits inside the limiter still end,
    and a jump of an interval opens every window as real time would."""

    def __init__(self) -> None:
        self._offset = 1000.0 - time.monotonic()

    @property
    def now(self) -> float:
        return time.monotonic() + self._offset

    @now.setter
    def now(self, value: float) -> None:
        self._offset = value - time.monotonic()

    def __call__(self) -> float:
        return self.now


@dataclass
class Rig:
    storage: Storage
    factory: SmscFactory
    telegram: FakeTelegram
    sandbox: SandboxServer
    clock: Clock
    keyring: Keyring
    transport: SmscTransport
    bot: Bot
    accounts: ChatAccounts

    def watcher(self, accounts: ChatAccounts | None = None, **options: Any) -> Watcher:
        notifier = Notifier(
            self.bot,
            chat_gap=0.0,
            per_second=1000.0,
            on_migrate=self.accounts.migrate,
        )
        return Watcher(
            self.storage,
            accounts or self.accounts,
            notifier,
            build_i18n(),
            # A watcher of its own, as a process of its own: when chats were polled included.
            baselines=Baselines(self.storage, PollTimes(INTERVAL, self.clock)),
            **options,
        )

    async def watch(
        self,
        chat_id: int,
        *kinds: NotificationKind,
        login: str = LOGIN,
        password: str = PASSWORD,
        watcher: Watcher | None = None,
    ) -> None:
        await self.storage.credentials.save(
            chat_id,
            auth_kind=AuthKind.PASSWORD,
            secret=password,
            login=login,
            base_url=self.sandbox.base_url,
            set_by=1,
        )
        stored = await self.storage.credentials.get(chat_id)
        assert stored is not None
        client = self.accounts.client(stored, max_wait=None)
        for kind in kinds:
            await (watcher or self.watcher()).baselines.take(chat_id, kind, client)
            await self.storage.settings.set_notify(chat_id, kind, True)

    def messages(self, chat_id: int, since: int = 0) -> list[str]:
        return [
            c.text
            for c in self.telegram.calls[since:]
            if c.chat_id == chat_id and c.method in {"sendMessage", "sendDocument"}
        ]


@pytest.fixture
async def rig(
    telegram: FakeTelegram, sandbox: SandboxServer, database_target: str | Path
) -> AsyncIterator[Rig]:
    async with open_rig(telegram, sandbox, database_target) as opened:
        yield opened


@contextlib.asynccontextmanager
async def open_rig(
    telegram: FakeTelegram, sandbox: SandboxServer, database_target: str | Path
) -> AsyncIterator[Rig]:
    keyring = Keyring.from_text(generate_key())
    # On SQLite and on PostgreSQL: the watch state and deliveries are the watcher's repositories.
    storage = await Storage.open(database_target, keyring)
    # One clock for the watcher, the limiter and the provider: a sweep an interval later finds
    # every window open again on both sides, as it would in real time.
    clock = Clock()
    sandbox.clock = clock
    transport = SmscTransport(
        limiter=RateLimiter(window=RATE_WINDOW, clock=clock), timeout=httpx.Timeout(SMSC_TIMEOUT)
    )
    factory = SmscFactory(transport, forced_base_url=sandbox.base_url)
    bot = build_bot(TOKEN, api_url=telegram.base_url, wait_scale=WAIT_SCALE)
    accounts = ChatAccounts(storage, factory)
    yield Rig(storage, factory, telegram, sandbox, clock, keyring, transport, bot, accounts)
    await bot.session.close()
    await transport.aclose()
    await storage.close()


async def test_finished_export_is_announced_once_with_its_csv(rig: Rig) -> None:
    await rig.watch(501, NotificationKind.DOWNLOADS)
    watcher = rig.watcher()
    assert (await watcher.sweep()).notifications == 0  # done before watching: not announced
    rig.sandbox.state.set_task_status(LOGIN, 4, 2, size=5000)
    rig.clock.now += INTERVAL
    report = await watcher.sweep()
    assert report.notifications == 1
    [document] = rig.telegram.find("sendDocument", chat_id=501)
    name, content = document.files["document"]
    assert name == "sent_2026_11.csv"
    assert len(content) == 5000
    assert content.startswith(b"id;phone;sender")
    assert "sent_2026_11" in document.text
    assert "is ready" in document.text
    rig.clock.now += INTERVAL
    assert (await watcher.sweep()).notifications == 0


async def test_failed_and_cancelled_exports_are_announced_without_a_file(rig: Rig) -> None:
    await rig.watch(502, NotificationKind.DOWNLOADS)
    rig.sandbox.state.set_task_status(LOGIN, 3, 4)
    rig.sandbox.state.set_task_status(LOGIN, 4, 3)
    watcher = rig.watcher()
    assert (await watcher.sweep()).notifications == 2
    texts = rig.messages(502)
    assert any("failed at SMSC" in t and "sent_2026_10" in t for t in texts)
    assert any("was cancelled" in t and "sent_2026_11" in t for t in texts)
    assert rig.telegram.find("sendDocument", chat_id=502) == []


async def test_progress_without_an_outcome_is_recorded_silently(rig: Rig) -> None:
    await rig.watch(503, NotificationKind.DOWNLOADS)
    rig.sandbox.state.set_task_status(LOGIN, 4, 1)
    watcher = rig.watcher()
    assert (await watcher.sweep()).notifications == 0
    assert (await seen_tasks(rig.storage, 503))[4].status == 1
    rig.sandbox.state.add_task(LOGIN, "brand_new_done", 2, size=100)
    rig.clock.now += INTERVAL
    assert (await watcher.sweep()).notifications == 1


async def test_operator_status_change_names_the_operator_and_both_statuses(rig: Rig) -> None:
    await rig.watch(504, NotificationKind.SENDERS)
    watcher = rig.watcher()
    await watcher.sweep()
    rig.sandbox.state.set_operator_status(LOGIN, 2, "mts_step", 2)
    rig.clock.now += INTERVAL
    assert (await watcher.sweep()).notifications == 1
    [text] = rig.messages(504)
    assert "MyShop" in text
    assert "MTS: sent for registration → approved" in text
    rig.clock.now += INTERVAL
    assert (await watcher.sweep()).notifications == 0


async def test_moderation_new_and_deleted_names_are_told_within_one_interval(rig: Rig) -> None:
    await rig.watch(505, NotificationKind.SENDERS)
    watcher = rig.watcher()
    await watcher.sweep()
    rig.sandbox.state.set_sender_status(LOGIN, 2, 1)
    added = rig.sandbox.state.add_sender(LOGIN, "Fresh", operators={"mega_step": 0})
    rig.sandbox.state.remove_sender(LOGIN, 3)
    rig.clock.now += INTERVAL
    await watcher.sweep()
    texts = rig.messages(505)
    assert any("Moderation: awaiting moderation → allowed" in t for t in texts)
    assert any(
        "New sender name <b>Fresh</b>" in t and "MegaFon: awaiting registration" in t for t in texts
    )
    assert any("The sender name <b>Pizza24</b> was deleted" in t for t in texts)
    # The whole list every time: from_date promises only the names changed at an operator.
    senders_calls = [r for r in rig.sandbox.requests if r.script == "senders"]
    assert all("from_date" not in call.form_keys for call in senders_calls)
    rig.clock.now += INTERVAL
    await watcher.sweep()
    assert sum("Fresh" in t for t in rig.messages(505)) == 1
    assert added.id in await seen_senders(rig.storage, 505)


async def test_an_account_without_changes_is_not_compared_again(rig: Rig) -> None:
    await rig.watch(508, NotificationKind.SENDERS)
    watcher = rig.watcher()
    kind = NotificationKind.SENDERS

    async def digest() -> str | None:
        return (await rig.storage.watch.snapshot([508])).baselines[(508, kind)].digest

    await watcher.sweep()
    taken = await digest()
    assert taken is not None
    for _ in range(3):
        rig.clock.now += INTERVAL
        assert (await watcher.sweep()).notifications == 0
        assert await digest() == taken
    rig.sandbox.state.set_operator_status(LOGIN, 2, "mts_step", 2)
    rig.clock.now += INTERVAL
    assert (await watcher.sweep()).notifications == 1
    for _ in range(2):
        rig.clock.now += INTERVAL
        assert (await watcher.sweep()).notifications == 0
    [text] = rig.messages(508)
    assert "MTS: sent for registration → approved" in text


async def test_two_chats_on_one_login_share_one_poll(rig: Rig) -> None:
    await rig.watch(506, NotificationKind.DOWNLOADS)
    await rig.watch(-100506, NotificationKind.DOWNLOADS)
    rig.sandbox.state.set_task_status(LOGIN, 4, 2, size=300)
    rig.sandbox.requests.clear()
    report = await rig.watcher().sweep()
    assert report.logins == 1
    assert report.notifications == 2
    assert [(r.script, r.action) for r in rig.sandbox.requests] == [
        ("downloads", "get_list"),
        ("downloads", "get_file"),
    ]
    [private] = rig.telegram.find("sendDocument", chat_id=506)
    [group] = rig.telegram.find("sendDocument", chat_id=-100506)
    # One upload; the other chat got the uploaded file by its id.
    sources = sorted(call.params["document"][:5] for call in (private, group))
    assert sources == ["attac", "sent-"]


async def test_restart_between_change_and_poll_announces_exactly_once(rig: Rig) -> None:
    await rig.watch(507, NotificationKind.DOWNLOADS, NotificationKind.SENDERS)
    first = rig.watcher()
    await first.sweep()
    rig.sandbox.state.set_task_status(LOGIN, 4, 4)
    rig.sandbox.state.set_operator_status(LOGIN, 1, "bee_step", 3)
    # The bot goes down and comes back: a new watcher on the same database.
    restarted = rig.watcher()
    assert (await restarted.sweep()).notifications == 2
    again = rig.watcher()
    assert (await again.sweep()).notifications == 0
    texts = rig.messages(507)
    assert sum("failed at SMSC" in t for t in texts) == 1
    assert sum("Beeline: approved → rejected" in t for t in texts) == 1


async def test_429_is_waited_out_and_the_message_delivered(rig: Rig) -> None:
    await rig.watch(508, NotificationKind.DOWNLOADS)
    rig.sandbox.state.set_task_status(LOGIN, 4, 4)
    rig.telegram.fail("sendMessage", 429, retry_after=3)
    report = await rig.watcher().sweep()
    assert report.notifications == 1
    attempts = rig.telegram.find("sendMessage", chat_id=508)
    assert len(attempts) == 2
    assert attempts[1].at - attempts[0].at >= 3 * WAIT_SCALE
    assert await was_delivered(rig.storage, 508, NotificationKind.DOWNLOADS, "4", "4")


async def test_undelivered_notification_is_retried_next_sweep(rig: Rig) -> None:
    await rig.watch(509, NotificationKind.DOWNLOADS)
    rig.sandbox.state.set_task_status(LOGIN, 4, 3)
    rig.telegram.fail("sendMessage", 500, times=3)
    watcher = rig.watcher()
    assert (await watcher.sweep()).notifications == 0
    assert (await seen_tasks(rig.storage, 509))[4].status == 0
    rig.clock.now += INTERVAL
    assert (await watcher.sweep()).notifications == 1


async def test_a_login_timing_out_does_not_delay_another(rig: Rig) -> None:
    rig.sandbox.state.add_account("slowpoke", "pw")
    await rig.watch(510, NotificationKind.DOWNLOADS, login="slowpoke", password="pw")
    await rig.watch(511, NotificationKind.DOWNLOADS)
    rig.sandbox.set_fault(Fault("slow", delay=2 * SMSC_TIMEOUT), login="slowpoke")
    rig.sandbox.state.set_task_status(LOGIN, 4, 4)
    rig.sandbox.state.set_task_status("slowpoke", 4, 4)
    started = time.monotonic()
    report = await rig.watcher().sweep()
    [announced] = rig.telegram.find("sendMessage", chat_id=511)
    # Announced before the slow login's poll could even time out.
    assert announced.at - started < SMSC_TIMEOUT
    assert time.monotonic() - started >= SMSC_TIMEOUT
    assert report.notifications == 1
    assert rig.telegram.find("sendMessage", chat_id=510) == []
    # The slow login's change is not lost: it goes out once SMSC answers again.
    rig.sandbox.clear_faults()
    rig.clock.now += INTERVAL
    assert (await rig.watcher().sweep()).notifications == 1


async def test_rejected_credentials_pause_watching_and_tell_once(rig: Rig) -> None:
    rig.sandbox.state.add_account("expired", "old-password")
    await rig.watch(512, NotificationKind.DOWNLOADS, login="expired", password="old-password")
    rig.sandbox.state.accounts["expired"].password = "changed-in-the-cabinet"
    watcher = rig.watcher()
    for _ in range(AUTH_FAILURES_BEFORE_PAUSE + 2):
        await watcher.sweep()
        rig.clock.now += INTERVAL
    texts = rig.messages(512)
    assert len(texts) == 1
    assert "paused" in texts[0]
    assert "Send /login again to resume them" in texts[0]
    assert "administrator" not in texts[0]
    assert (await rig.storage.settings.get(512)).watch_paused
    polls = [r for r in rig.sandbox.requests if r.login == "expired" and r.script == "downloads"]
    assert len(polls) == AUTH_FAILURES_BEFORE_PAUSE + 1  # the baseline, then three failures


async def test_a_paused_group_is_told_an_administrator_logs_in_again(rig: Rig) -> None:
    rig.sandbox.state.add_account("expired", "old-password")
    await rig.watch(-512, NotificationKind.DOWNLOADS, login="expired", password="old-password")
    rig.sandbox.state.accounts["expired"].password = "changed-in-the-cabinet"
    watcher = rig.watcher()
    for _ in range(AUTH_FAILURES_BEFORE_PAUSE + 1):
        await watcher.sweep()
        rig.clock.now += INTERVAL
    [told] = rig.messages(-512)
    assert "An administrator can /login again to resume them" in told


async def test_chat_that_blocked_the_bot_stops_being_watched(rig: Rig) -> None:
    await rig.watch(513, NotificationKind.DOWNLOADS)
    rig.telegram.blocked_chats.add(513)
    rig.sandbox.state.set_task_status(LOGIN, 4, 4)
    await rig.watcher().sweep()
    settings = await rig.storage.settings.get(513)
    assert not settings.notify_downloads


async def test_export_over_the_limit_gets_a_message_instead(rig: Rig) -> None:
    await rig.watch(514, NotificationKind.DOWNLOADS)
    rig.sandbox.state.set_task_status(LOGIN, 4, 2, size=4096)
    await rig.watcher(file_limit=1024).sweep()
    [text] = rig.messages(514)
    assert "too large to attach" in text
    assert "/download 4" in text


async def test_per_chat_interval_lengthens_polling(rig: Rig) -> None:
    await rig.watch(515, NotificationKind.DOWNLOADS)
    await rig.storage.settings.set_poll_interval(515, 3 * INTERVAL)
    watcher = rig.watcher()
    assert (await watcher.sweep()).logins == 1
    rig.clock.now += INTERVAL
    assert (await watcher.sweep()).logins == 0
    rig.clock.now += 2 * INTERVAL
    assert (await watcher.sweep()).logins == 1


async def test_notifications_use_the_chat_language(rig: Rig) -> None:
    await rig.watch(516, NotificationKind.SENDERS)
    await rig.storage.settings.set_language(516, "uk")
    watcher = rig.watcher()
    await watcher.sweep()
    rig.sandbox.state.set_operator_status(LOGIN, 2, "mts_step", 2)
    rig.clock.now += INTERVAL
    await watcher.sweep()
    [text] = rig.messages(516)
    assert "МТС: надіслано на реєстрацію → допущено" in text


async def test_group_migration_is_followed(rig: Rig) -> None:
    await rig.watch(-517, NotificationKind.DOWNLOADS)
    rig.sandbox.state.set_task_status(LOGIN, 4, 4)
    rig.telegram.migrations[-517] = -1000000000517
    await rig.watcher().sweep()
    assert rig.messages(-1000000000517)
    assert (await rig.storage.credentials.get(-1000000000517)) is not None
    assert (await rig.storage.credentials.get(-517)) is None


async def test_sweeps_in_flight_never_overlap_the_limiter(rig: Rig) -> None:
    for chat in range(520, 530):
        await rig.watch(chat, NotificationKind.DOWNLOADS, NotificationKind.SENDERS)
    rig.sandbox.latency = 0.02
    await asyncio.gather(rig.watcher().sweep(), rig.watcher().sweep())
    assert rig.sandbox.error9_count == 0


@pytest.mark.parametrize(
    "fault",
    [
        Fault("slow", delay=2 * SMSC_TIMEOUT),
        Fault("http500"),
        Fault("garbage"),
        Fault("error", code=4),
        Fault("error", code=9),
        Fault("reset"),
    ],
    ids=["slow", "http500", "garbage", "error4", "error9", "reset"],
)
async def test_no_sweep_dies_and_no_notification_is_lost(rig: Rig, fault: Fault) -> None:
    await rig.watch(530, NotificationKind.DOWNLOADS, NotificationKind.SENDERS)
    rig.sandbox.state.set_task_status(LOGIN, 4, 4)
    rig.sandbox.state.set_operator_status(LOGIN, 2, "mts_step", 2)
    rig.sandbox.set_fault(fault)
    watcher = rig.watcher()
    report = await watcher.sweep()
    assert report.notifications == 0
    assert report.failures == 0
    rig.sandbox.clear_faults()
    rig.clock.now += 16 * 60  # past the IP-block backoff, for error 4
    assert (await watcher.sweep()).notifications == 2
    rig.clock.now += INTERVAL
    assert (await watcher.sweep()).notifications == 0


async def test_a_chat_without_a_baseline_gets_one_from_the_sweep(rig: Rig) -> None:
    await rig.watch(540)
    for chat in (540, 541):
        if chat == 541:
            await rig.watch(541)
        for kind in NotificationKind:
            await rig.storage.settings.set_notify(chat, kind, True)
    watcher = rig.watcher()
    rig.sandbox.requests.clear()
    assert (await watcher.sweep()).notifications == 0
    assert [r.action for r in rig.sandbox.requests] == ["get_list", "get"]  # no extra request
    for chat in (540, 541):
        assert len(await seen_tasks(rig.storage, chat)) == 6
        assert len(await seen_senders(rig.storage, chat)) == 4
    rig.sandbox.state.set_task_status(LOGIN, 4, 4)
    rig.clock.now += INTERVAL
    assert (await watcher.sweep()).notifications == 2


async def test_a_sweep_in_parts_takes_every_baseline_and_tells_every_change(rig: Rig) -> None:
    """Chats are read and written a part at a time; five logins in parts of two, polled
    concurrently (the report counts what every one of them sent)."""
    logins = [f"part{n}" for n in range(5)]
    for n, login in enumerate(logins):
        rig.sandbox.state.add_account(login, "pw")
        for chat in (600 + 2 * n, 601 + 2 * n):
            await rig.storage.credentials.save(
                chat,
                auth_kind=AuthKind.PASSWORD,
                secret="pw",
                login=login,
                base_url=rig.sandbox.base_url,
                set_by=1,
            )
            await rig.storage.settings.set_notify(chat, NotificationKind.DOWNLOADS, True)
    watcher = rig.watcher(part_size=2)
    first = await watcher.sweep()
    assert (first.logins, first.chats, first.notifications, first.failures) == (5, 10, 0, 0)
    tasks = {login: rig.sandbox.state.add_task(login, f"export of {login}") for login in logins}
    for login, task in tasks.items():
        rig.sandbox.state.set_task_status(login, task.id, 4)
    rig.clock.now += INTERVAL
    second = await watcher.sweep()
    assert (second.notifications, second.failures) == (10, 0)
    for n in range(5):
        for chat in (600 + 2 * n, 601 + 2 * n):
            assert len(rig.messages(chat)) == 1
    rig.clock.now += INTERVAL
    assert (await watcher.sweep()).notifications == 0  # every part recorded what it told


async def test_a_login_without_a_free_slot_is_skipped_and_polled_first_next_time(
    rig: Rig,
) -> None:
    rig.sandbox.state.add_account("busy", "pw")
    await rig.watch(550, login="busy", password="pw")
    # The baseline straight from the provider's state: no request spent on it.
    tasks = rig.sandbox.state.accounts["busy"].tasks.values()
    await rig.storage.watch.replace_download_baseline(
        550, [SeenTask(t.id, t.name, t.status) for t in tasks]
    )
    await rig.storage.settings.set_notify(550, NotificationKind.DOWNLOADS, True)
    await rig.watch(551, NotificationKind.DOWNLOADS)
    rig.sandbox.state.set_task_status("busy", 4, 4)
    rig.sandbox.state.set_task_status(LOGIN, 4, 4)
    watcher = rig.watcher(concurrency=1)
    rig.clock.now += INTERVAL
    # Someone used all of "busy"'s identical list requests for this minute.
    stored = await rig.storage.credentials.get(550)
    assert stored is not None
    busy = rig.accounts.client(stored, max_wait=None)
    for _ in range(3):
        await busy.downloads.listing()  # the very request the watcher sends
    rig.sandbox.requests.clear()
    report = await watcher.sweep()
    # Nobody waited for "busy"'s window: it would have been polled in this sweep.
    assert report.notifications == 1
    assert rig.messages(551)
    assert rig.messages(550) == []
    assert [r.login for r in rig.sandbox.requests if r.action == "get_list"] == [LOGIN]

    rig.clock.now += INTERVAL
    rig.sandbox.requests.clear()
    assert (await watcher.sweep()).notifications == 1
    assert rig.messages(550)
    assert next(r.login for r in rig.sandbox.requests if r.action == "get_list") == "busy"


async def test_the_first_poll_after_a_baseline_does_not_repeat_its_request(rig: Rig) -> None:
    watcher = rig.watcher()
    await rig.watch(552, NotificationKind.DOWNLOADS, watcher=watcher)
    rig.sandbox.requests.clear()
    await watcher.sweep()
    assert rig.sandbox.requests == []
    rig.sandbox.state.set_task_status(LOGIN, 4, 4)
    rig.clock.now += INTERVAL
    assert (await watcher.sweep()).notifications == 1


class OddRecords(httpx.AsyncBaseTransport):
    """The network edge, answering as the real service might: one unreadable export in the
    list, beside the good ones."""

    def __init__(self) -> None:
        self._inner = AiohttpTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        body = await response.aread()
        if b"get_list=1" in request.content:
            tasks = json.loads(body)
            tasks.insert(0, {"id": "not-a-number", "name": "odd", "status": "2"})
            body = json.dumps(tasks).encode()
        return httpx.Response(response.status_code, headers=response.headers, content=body)

    async def aclose(self) -> None:
        await self._inner.aclose()


async def test_one_unreadable_record_does_not_stop_a_logins_notifications(rig: Rig) -> None:
    await rig.watch(553, NotificationKind.DOWNLOADS)
    rig.sandbox.state.set_task_status(LOGIN, 4, 3)
    async with SmscTransport(
        limiter=RateLimiter(window=RATE_WINDOW, clock=rig.clock), network=OddRecords()
    ) as odd:
        watcher = Watcher(
            rig.storage,
            ChatAccounts(rig.storage, SmscFactory(odd, forced_base_url=rig.sandbox.base_url)),
            Notifier(rig.bot, chat_gap=0.0, per_second=1000.0),
            build_i18n(),
            baselines=Baselines(rig.storage, PollTimes(INTERVAL, rig.clock)),
        )
        report = await watcher.sweep()
    assert report.failures == 0
    assert report.notifications == 1
    [text] = rig.messages(553)
    assert "was cancelled" in text


async def test_a_quiet_sweep_leaves_nothing_for_the_garbage_collector(rig: Rig) -> None:
    # Each sweep makes a client per login; a reference cycle among them (a client keeping
    # resources that point back at it) left thousands a sweep for the collector, and the
    # memory of a 10,000-chat bot grew between collections.
    for chat_id in (801, 802):
        await rig.watch(chat_id, NotificationKind.DOWNLOADS, NotificationKind.SENDERS)
    rig.sandbox.state.add_account("second", "pw2")
    await rig.watch(803, NotificationKind.DOWNLOADS, login="second", password="pw2")
    watcher = rig.watcher()
    await watcher.sweep()
    rig.clock.now += INTERVAL
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        report = await watcher.sweep()
        gc.collect()
        left = sorted({type(thing).__qualname__ for thing in gc.garbage})
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert (report.logins, report.polls, report.failures) == (2, 3, 0)
    assert left == []


async def test_credentials_changed_between_sweeps_are_the_ones_polled(rig: Rig) -> None:
    """Rows are decrypted again only when they change; a change made anywhere (here straight
    in the repository, as a key rotation or a script would) is seen by the next sweep."""
    rig.sandbox.state.add_account("other", "pw-other")
    await rig.watch(820, NotificationKind.DOWNLOADS)
    await rig.watch(821, NotificationKind.DOWNLOADS)
    watcher = rig.watcher()
    await watcher.sweep()

    async def polled_logins() -> list[str]:
        rig.clock.now += INTERVAL
        rig.sandbox.requests.clear()
        report = await watcher.sweep()
        assert report.failures == 0
        return sorted(r.login or "" for r in rig.sandbox.requests)

    assert await polled_logins() == [LOGIN]  # both chats, one account, one poll
    await rig.storage.credentials.save(
        821,
        auth_kind=AuthKind.PASSWORD,
        secret="pw-other",
        login="other",
        base_url=rig.sandbox.base_url,
        set_by=1,
    )
    assert await polled_logins() == [LOGIN, "other"]
    # Stored again as they were (a repeated /login): a new row, the same account.
    await rig.storage.credentials.save(
        820,
        auth_kind=AuthKind.PASSWORD,
        secret=PASSWORD,
        login=LOGIN,
        base_url=rig.sandbox.base_url,
        set_by=1,
    )
    assert await polled_logins() == [LOGIN, "other"]
    # A row that can no longer be read stops that chat's polls, and only that chat's.
    async with rig.storage.database.transaction() as tx:
        await tx.execute("UPDATE credentials SET secret = ? WHERE chat_id = 821", (b"\x00",))
    assert await polled_logins() == [LOGIN]
    await rig.storage.credentials.delete(820)
    assert await polled_logins() == []


async def test_an_export_past_the_first_page_of_tasks_is_told(rig: Rig) -> None:
    for n in range(1100):
        rig.sandbox.state.add_task(LOGIN, f"old_{n}", status=2, size=10)
    late = rig.sandbox.state.add_task(LOGIN, "the_new_one", status=1)
    await rig.watch(830, NotificationKind.DOWNLOADS)
    watcher = rig.watcher()
    await watcher.sweep()
    late.status, late.size = 2, 300
    rig.clock.now += INTERVAL
    assert (await watcher.sweep()).notifications == 1
    [document] = rig.telegram.find("sendDocument", chat_id=830)
    assert "the_new_one" in document.text


@pytest.mark.parametrize(
    "quirks",
    [
        {"status": ""},
        {"status": "n/a"},
        {"mts_step_status": "n/a"},
        {"files": [{"file": "trademark.pdf", "fid": 7, "fstatus": "", "fcomment": ""}]},
    ],
)
async def test_an_unreadable_record_keeps_its_last_known_state(
    rig: Rig, quirks: dict[str, object]
) -> None:
    await rig.watch(509, NotificationKind.SENDERS)
    watcher = rig.watcher()
    await watcher.sweep()  # the first poll is a complete list
    myshop = rig.sandbox.state.accounts[LOGIN].senders[2]
    myshop.quirks = quirks
    rig.sandbox.state.remove_sender(LOGIN, 4)
    rig.clock.now += INTERVAL
    await watcher.sweep()  # complete, with MyShop's record unreadable
    [text] = rig.messages(509)
    assert "The sender name <b>79991234567</b> was deleted" in text
    assert 2 in await seen_senders(rig.storage, 509)
    myshop.quirks = {}
    rig.sandbox.state.set_operator_status(LOGIN, 2, "mts_step", 2)
    since = len(rig.telegram.calls)
    rig.clock.now += INTERVAL
    await watcher.sweep()  # readable again: compared with what was last known
    [text] = rig.messages(509, since)
    assert (
        text == "🏷 The sender name <b>MyShop</b> changed:\n• MTS: sent for registration → approved"
    )


async def test_a_list_with_a_record_without_an_id_tells_no_deletion(rig: Rig) -> None:
    await rig.watch(510, NotificationKind.SENDERS)
    watcher = rig.watcher()
    await watcher.sweep()
    myshop = rig.sandbox.state.accounts[LOGIN].senders[2]
    myshop.quirks = {"id": ""}
    rig.sandbox.state.remove_sender(LOGIN, 4)
    rig.clock.now += INTERVAL
    await watcher.sweep()  # which name is missing cannot be told: none is
    assert rig.messages(510) == []
    myshop.quirks = {}
    rig.clock.now += INTERVAL
    await watcher.sweep()  # read whole: now the deletion shows
    [text] = rig.messages(510)
    assert "The sender name <b>79991234567</b> was deleted" in text


async def test_unknown_operator_keys_are_escaped_in_notifications(rig: Rig) -> None:
    await rig.watch(511, NotificationKind.SENDERS)
    watcher = rig.watcher()
    await watcher.sweep()
    rig.sandbox.state.set_operator_status(LOGIN, 2, "new<op>", 2)
    rig.sandbox.state.set_operator_status(LOGIN, 2, "a&b", 1)
    rig.clock.now += INTERVAL
    await watcher.sweep()
    [text] = rig.messages(511)
    assert "• new&lt;op&gt;: — → approved" in text
    assert "• a&amp;b: — → sent for registration" in text


async def test_a_name_unreadable_when_watching_began_is_never_told_as_new(rig: Rig) -> None:
    myshop = rig.sandbox.state.accounts[LOGIN].senders[2]
    myshop.quirks = {"status": "n/a"}
    await rig.watch(511, NotificationKind.SENDERS)  # the baseline cannot read MyShop
    watcher = rig.watcher()
    myshop.quirks = {}
    rig.clock.now += INTERVAL
    assert (await watcher.sweep()).notifications == 0  # readable now: taken in silently
    assert rig.messages(511) == []
    assert (await seen_senders(rig.storage, 511))[2].name == "MyShop"
    rig.sandbox.state.set_operator_status(LOGIN, 2, "mts_step", 2)
    rig.clock.now += INTERVAL
    assert (await watcher.sweep()).notifications == 1
    [text] = rig.messages(511)
    assert "MTS: sent for registration → approved" in text
