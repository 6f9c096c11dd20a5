"""/watch: which notifications a chat gets, and how often its SMSC account is polled."""

from __future__ import annotations

from typing import Protocol

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.smsc import SmscClient
from handlers import args as parse
from handlers.admins import ChatAdmins
from handlers.audit import AuditNote
from handlers.callbacks import WatchToggle
from handlers.replies import edit_or_send
from handlers.routing import OwnCommands
from storage import ChatSettings, NotificationKind, Storage


class Baselines(Protocol):
    """Provided by the watcher: records what exists now, so that only later changes count."""

    async def take(self, chat_id: int, kind: NotificationKind, client: SmscClient) -> int: ...

    @property
    def interval(self) -> int: ...


router = Router(name=__name__)
router.message.filter(OwnCommands("watch"))


def _status(settings: ChatSettings, baselines: Baselines) -> tuple[str, InlineKeyboardMarkup]:
    def state(on: bool) -> str:
        return _("on") if on else _("off")

    interval = max(settings.poll_interval or 0, baselines.interval)
    lines = [
        _("<b>Notifications</b>"),
        _("Exports finished or failed: {state}").format(state=state(settings.notify_downloads)),
        _("Sender name status changes: {state}").format(state=state(settings.notify_senders)),
        _("Checked every {minutes} min.").format(minutes=max(1, round(interval / 60))),
    ]
    if settings.watch_paused:
        lines.append(_("⏸ Paused: SMSC rejected the credentials. /login again to resume."))
    keyboard = InlineKeyboardBuilder()
    keyboard.button(
        text=(_("Turn off exports") if settings.notify_downloads else _("Turn on exports")),
        callback_data=WatchToggle(kind="downloads", enabled=not settings.notify_downloads),
    )
    keyboard.button(
        text=(_("Turn off sender names") if settings.notify_senders else _("Turn on sender names")),
        callback_data=WatchToggle(kind="senders", enabled=not settings.notify_senders),
    )
    keyboard.adjust(1)
    return "\n".join(lines), keyboard.as_markup()


async def _switch(
    chat_id: int,
    kind: NotificationKind,
    enabled: bool,
    storage: Storage,
    smsc: SmscClient,
    baselines: Baselines,
    language: str,
) -> str:
    if enabled:
        # Notifications go out with no user to take a language from: keep the one in use now.
        if (await storage.settings.get(chat_id)).language is None:
            await storage.settings.set_language(chat_id, language)
        # The snapshot is taken before answering: every change after the answer is announced,
        # and what was already there is not.
        count = await baselines.take(chat_id, kind, smsc)
        await storage.settings.set_paused(chat_id, None)
        await storage.settings.set_notify(chat_id, kind, True)
        if kind is NotificationKind.DOWNLOADS:
            return _(
                "🔔 I will tell this chat when an export finishes or fails ({count} known now)."
            ).format(count=count)
        return _(
            "🔔 I will tell this chat when a sender name's status changes at any operator "
            "({count} names known now)."
        ).format(count=count)
    await storage.settings.set_notify(chat_id, kind, False)
    await storage.watch.forget(chat_id, kind)
    if kind is NotificationKind.DOWNLOADS:
        return _("🔕 No more notifications about exports.")
    return _("🔕 No more notifications about sender names.")


@router.message(Command("watch"), flags={"smsc": True})
async def watch(
    message: Message,
    command: CommandObject,
    storage: Storage,
    smsc: SmscClient,
    baselines: Baselines,
    bot: Bot,
    chat_admins: ChatAdmins,
    audit: AuditNote,
    i18n: I18n,
) -> None:
    args = parse.watch(command.args)
    if args.kind is None:
        text, markup = _status(await storage.settings.get(message.chat.id), baselines)
        await message.answer(text, reply_markup=markup)
        return
    if not await chat_admins.allowed(bot, message.chat, message.from_user):
        audit.result = "denied"
        await message.answer(_("Only administrators of this chat can change its notifications."))
        return
    audit.target = f"{args.kind} {args.minutes or ('on' if args.enabled else 'off')}"
    if args.kind == "every":
        assert args.minutes is not None
        await storage.settings.set_poll_interval(message.chat.id, args.minutes * 60)
        shortest = max(1, round(baselines.interval / 60))
        text = _("⏱ This chat's account will be checked every {minutes} min.").format(
            minutes=max(args.minutes, shortest)
        )
        if args.minutes < shortest:
            text += " " + _("(Not more often than the bot's setting of {minutes} min.)").format(
                minutes=shortest
            )
        await message.answer(text)
        return
    assert args.enabled is not None
    await message.answer(
        await _switch(
            message.chat.id,
            NotificationKind(args.kind),
            args.enabled,
            storage,
            smsc,
            baselines,
            i18n.current_locale,
        )
    )


@router.callback_query(
    WatchToggle.filter(F.kind.in_({"downloads", "senders"})), flags={"smsc": True, "admin": True}
)
async def watch_toggled(
    callback: CallbackQuery,
    callback_data: WatchToggle,
    storage: Storage,
    smsc: SmscClient,
    baselines: Baselines,
    audit: AuditNote,
    i18n: I18n,
) -> None:
    message = callback.message
    assert message is not None
    audit.target = f"{callback_data.kind} {'on' if callback_data.enabled else 'off'}"
    await callback.answer()
    note = await _switch(
        message.chat.id,
        NotificationKind(callback_data.kind),
        callback_data.enabled,
        storage,
        smsc,
        baselines,
        i18n.current_locale,
    )
    text, markup = _status(await storage.settings.get(message.chat.id), baselines)
    await edit_or_send(callback, f"{note}\n\n{text}", markup)
