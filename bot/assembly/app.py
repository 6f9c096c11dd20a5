"""Builds everything and wires it together. It assembles; it does not decide."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from aiogram import Bot, Dispatcher
from aiogram.utils.i18n import I18n

from bot.account_copies import AccountCopies
from bot.accounts import ChatAccounts
from bot.admins import ChatAdmins
from bot.assembly.leadership import PollingLease, WatchLeadership
from bot.assembly.replicas import Replicas, connect, kept_windows
from bot.assembly.ui_commands import set_commands
from bot.config import Settings
from bot.dialog_storage import DialogStorage
from bot.logs import current_context
from bot.middlewares import (
    AdminOnlyMiddleware,
    AuditMiddleware,
    ChatLocaleMiddleware,
    CopyChangesMiddleware,
    EventLogMiddleware,
    SmscClientMiddleware,
)
from bot.smsc import RateLimiter, SmscTransport
from bot.smsc.factory import SmscFactory
from bot.smsc.failures import Failure
from bot.smsc.limiter import Limiter
from bot.telegram import build_bot, check_telegram
from bot.watcher import Baselines, Notifier, PollTimes, Watcher
from handlers import KNOWN_COMMANDS, routers
from handlers.memo import Memo
from storage import Storage, WrongKeyError

log = logging.getLogger("bot")

LOCALES = Path(__file__).resolve().parents[1] / "locales"
SHUTDOWN_GRACE = 15.0


def record_smsc_call(script: str, action: str, outcome: str, seconds: float) -> None:
    """Adds each SMSC call to the update's log line, and logs it on its own at DEBUG."""
    entry = f"{script}.{action or 'call'}:{outcome}:{round(seconds * 1000)}ms"
    calls = current_context().get("_smsc_calls")
    if isinstance(calls, list):
        calls.append(entry)
    log.debug(
        "smsc call",
        extra={
            "script": script,
            "action": action,
            "outcome": outcome,
            "duration_ms": round(seconds * 1000, 1),
        },
    )


async def restored_limiter(settings: Settings, storage: Storage) -> RateLimiter:
    """The limiter with the windows and address blocks the last process left in the database:
    a restart must not let a fourth identical request out within the provider's minute."""
    limiter = RateLimiter(
        window=settings.smsc_rate_window,
        journal=storage.limits,
        address_backoff=settings.smsc_ip_block_backoff,
    )
    stamps, blocks = await kept_windows(storage)
    live = limiter.restore(
        stamps,
        blocks,
        [Failure(f.site, f.who, f.code, f.at) for f in await storage.limits.failures()],
    )
    if live or blocks:
        log.info("smsc limits restored", extra={"stamps": live, "blocked_sites": len(blocks)})
    return limiter


def build_i18n() -> I18n:
    return I18n(path=LOCALES, default_locale="en", domain="messages")


@dataclass
class Application:
    settings: Settings
    bot: Bot
    dispatcher: Dispatcher
    storage: Storage
    transport: SmscTransport
    watcher: Watcher
    i18n: I18n
    updates: EventLogMiddleware
    run_watcher: bool = True
    replicas: Replicas | None = None
    leadership: WatchLeadership = field(default_factory=lambda: WatchLeadership(None))
    polling: PollingLease | None = field(default=None, init=False)
    closed: bool = field(default=False, init=False)

    async def on_startup(self) -> None:
        await check_telegram(self.bot)
        try:
            await set_commands(self.bot, self.i18n)
        except Exception as error:
            # The menu is a convenience: the bot works without it.
            log.warning(
                "could not set the command menu",
                extra={"error": type(error).__name__, "detail": str(error)},
            )
        if self.run_watcher:
            self.settings.log_interval_warning(log)
            self.leadership.start(self.watcher)
        log.info("bot started", extra={"watch_interval": self.settings.watch_interval})

    async def on_shutdown(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            if self.polling is not None:
                await self.polling.stop()
            # Before the database goes (a sweep writing into a closing database would leave
            # half a transaction behind): the sends under way are recorded, nothing new is
            # sent, and then the lease goes (the next leader waits for it).
            await self.leadership.stop()
            await self.watcher.stop()
            # Polling has stopped, but updates already taken may still be running.
            if not await self.updates.drained(SHUTDOWN_GRACE):
                log.warning(
                    "shutting down with updates still running",
                    extra={"in_flight": self.updates.in_flight},
                )
            if self.replicas is not None:
                # Answers still being stamped write to the journal: before the database goes.
                await self.replicas.settled()
            await self.transport.aclose()
        finally:
            await self.storage.close()
            if self.replicas is not None:
                await self.replicas.close()
        log.info("bot stopped")

    async def close(self) -> None:
        """Whatever is still open, after a start-up that failed half-way (aiogram runs no
        shutdown when its startup hook raised): an open database keeps the process alive."""
        try:
            await self.on_shutdown()
        finally:
            await self.bot.session.close()

    async def run_polling(self) -> None:
        if self.replicas is not None:
            self.polling = PollingLease(
                self.replicas.lease("polling"), self.dispatcher.stop_polling
            )
            await self.polling.take()
        await self.dispatcher.start_polling(
            self.bot,
            allowed_updates=self.dispatcher.resolve_used_update_types(),
            # Every update is its own task; unbounded, a flood would exhaust the process.
            tasks_concurrency_limit=self.settings.updates_concurrency,
        )


async def check_keys(storage: Storage, *, allow_unreadable: bool) -> None:
    """Refuse to start when the keys open none of the stored secrets: that is a wrong
    ENCRYPTION_KEYS, and running would answer every chat "log in again"."""
    total, readable = await storage.credentials.readable()
    if total and not readable and not allow_unreadable:
        raise WrongKeyError(
            f"ENCRYPTION_KEYS opens none of the {total} stored credentials: is it the right "
            "key? (--allow-unreadable starts anyway)"
        )
    if readable < total:
        log.warning(
            "stored credentials the keys cannot open",
            extra={"unreadable": total - readable, "stored": total},
        )


async def build_application(
    settings: Settings,
    *,
    bot: Bot | None = None,
    smsc_network: httpx.AsyncBaseTransport | None = None,
    run_watcher: bool = True,
    allow_unreadable: bool = False,
) -> Application:
    """``bot`` replaces the Telegram session (the demo's terminal, benchmarks); ``smsc_network``
    only how SMSC's bytes travel (benchmarks answer there at once)."""
    keyring = settings.keyring()
    storage = await Storage.open(
        settings.database(),
        keyring,
        rate_window=settings.smsc_rate_window,
        # Replicas: another process may change any row at any time.
        shared=settings.redis_url is not None,
    )
    replicas: Replicas | None = None
    try:
        await check_keys(storage, allow_unreadable=allow_unreadable)
        replicas = await connect(settings)
        return await assemble(
            settings,
            storage,
            bot=bot,
            smsc_network=smsc_network,
            run_watcher=run_watcher,
            replicas=replicas,
        )
    except BaseException:
        # An open database's thread would keep the process alive after the error.
        await storage.close()
        if replicas is not None:
            await replicas.close()
        raise


def build_dispatcher(
    settings: Settings,
    storage: Storage,
    accounts: ChatAccounts,
    i18n: I18n,
    replicas: Replicas | None = None,
) -> tuple[Dispatcher, EventLogMiddleware]:
    """The dispatcher: what every handler may name, the per-update middlewares, the routers."""
    admins = ChatAdmins()
    claims = replicas.claims() if replicas else None
    # What was last read of each account's lists, updated by the bot's own writes.
    store = replicas.copies() if replicas else None
    copies = AccountCopies(store, fresh_for=settings.smsc_rate_window)
    if replicas is None:
        dispatcher = Dispatcher(storage=DialogStorage(storage))
    else:
        dispatcher = Dispatcher(
            storage=replicas.dialogs(storage),
            events_isolation=replicas.isolation(claims, store, replicas.records()),
        )
    dispatcher.workflow_data.update(
        accounts=accounts,
        memo=Memo(shared=replicas.memo_store() if replicas else None),
        copies=copies,
        chat_admins=admins,
        file_limit=settings.telegram_file_limit,
    )
    updates = EventLogMiddleware(KNOWN_COMMANDS)
    dispatcher.update.outer_middleware(updates)
    if claims is not None:
        dispatcher.update.outer_middleware(claims)
    ChatLocaleMiddleware(i18n, accounts).setup(dispatcher)
    for observer in (dispatcher.message, dispatcher.callback_query, dispatcher.edited_message):
        observer.middleware(CopyChangesMiddleware(copies))
        observer.middleware(AuditMiddleware(storage.audit))
        observer.middleware(AdminOnlyMiddleware(admins))
        observer.middleware(SmscClientMiddleware(accounts))
    dispatcher.include_routers(*routers())
    return dispatcher, updates


def build_smsc(
    settings: Settings, limiter: Limiter, network: httpx.AsyncBaseTransport | None
) -> tuple[SmscTransport, SmscFactory]:
    transport = SmscTransport(
        limiter=limiter,
        names_key=settings.keyring().derive("smsc request names"),
        timeout=httpx.Timeout(settings.smsc_timeout, connect=min(5.0, settings.smsc_timeout)),
        network=network,
        on_call=record_smsc_call,
    )
    factory = SmscFactory(
        transport, forced_base_url=settings.smsc_base_url, max_wait=settings.smsc_max_wait
    )
    return transport, factory


def build_watcher(
    settings: Settings,
    storage: Storage,
    accounts: ChatAccounts,
    bot: Bot,
    i18n: I18n,
    baselines: Baselines,
    leadership: WatchLeadership,
) -> Watcher:
    return Watcher(
        storage,
        accounts,
        Notifier(bot, on_migrate=accounts.migrate),
        i18n,
        baselines=baselines,
        concurrency=settings.watch_concurrency,
        file_limit=settings.telegram_file_limit,
        leading=leadership.leading,
        holder=leadership.holder,
        # A claim outlives the lease of the replica that made it: its successor leaves the
        # notifications that replica may have been sending until then.
        claim_lease=4 * settings.replica_lease,
    )


async def assemble(
    settings: Settings,
    storage: Storage,
    *,
    bot: Bot | None,
    smsc_network: httpx.AsyncBaseTransport | None,
    run_watcher: bool,
    replicas: Replicas | None = None,
) -> Application:
    limiter: Limiter = (
        replicas.limiter(storage) if replicas else await restored_limiter(settings, storage)
    )
    transport, factory = build_smsc(settings, limiter, smsc_network)
    if bot is None:
        bot = build_bot(
            settings.bot_token.get_secret_value(),
            api_url=settings.telegram_api_url,
            wait_scale=settings.telegram_wait_scale,
        )
    i18n = build_i18n()
    # The watcher's record of when each chat was polled, shared with /watch: the request a
    # new watch makes for its baseline is the chat's first poll.
    baselines = Baselines(storage, PollTimes(settings.watch_interval))
    accounts = ChatAccounts(
        storage,
        factory,
        baselines=baselines,
        attempts=replicas.attempts(storage) if replicas else None,
        records=replicas.records() if replicas else None,
    )
    leadership = WatchLeadership(replicas.watch_lease() if replicas else None)
    watcher = build_watcher(settings, storage, accounts, bot, i18n, baselines, leadership)

    dispatcher, updates = build_dispatcher(settings, storage, accounts, i18n, replicas)
    app = Application(
        settings,
        bot,
        dispatcher,
        storage,
        transport,
        watcher,
        i18n,
        updates,
        run_watcher,
        replicas=replicas,
        leadership=leadership,
    )
    dispatcher.startup.register(app.on_startup)
    dispatcher.shutdown.register(app.on_shutdown)
    return app
