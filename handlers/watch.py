"""/watch: which notifications a chat gets, and how often its SMSC account is polled.

Reading the state is for anyone; changing it is for administrators (the ``admin`` flag), and
turning a notification off works even when the chat's credentials cannot be decrypted.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, Chat, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.accounts import ChatAccounts
from bot.audit import AuditNote
from bot.relogin import credentials_unreadable
from bot.replies import edit_or_send
from bot.smsc import SmscClient
from handlers import watch_args as parse
from handlers.callbacks import WatchToggle
from handlers.durations import interval_phrase
from handlers.routing import command, own_commands_only
from storage import ChatSettings, NotificationKind


def _status(settings: ChatSettings, shortest: int) -> tuple[str, InlineKeyboardMarkup]:
    def state(on: bool) -> str:
        return _("on") if on else _("off")

    interval = max(settings.poll_interval or 0, shortest)
    lines = [
        _("<b>Notifications</b>"),
        _("Exports finished or failed: {state}").format(state=state(settings.notify_downloads)),
        _("Sender name status changes: {state}").format(state=state(settings.notify_senders)),
        _("Checked every {interval}.").format(
            interval=interval_phrase(max(1, round(interval / 60)))
        ),
    ]
    if settings.watch_paused:
        lines.append(_("⏸ Paused: SMSC rejected the credentials. /login again to resume."))
    keyboard = InlineKeyboardBuilder()
    keyboard.button(
        text=(_("Turn off exports") if settings.notify_downloads else _("Turn on exports")),
        callback_data=WatchToggle(
            kind=NotificationKind.DOWNLOADS, enabled=not settings.notify_downloads
        ),
    )
    keyboard.button(
        text=(_("Turn off sender names") if settings.notify_senders else _("Turn on sender names")),
        callback_data=WatchToggle(
            kind=NotificationKind.SENDERS, enabled=not settings.notify_senders
        ),
    )
    keyboard.adjust(1)
    return "\n".join(lines), keyboard.as_markup()


async def _switch(
    chat: Chat,
    kind: NotificationKind,
    enabled: bool,
    accounts: ChatAccounts,
    smsc: SmscClient | None,
    language: str,
) -> str:
    chat_id = chat.id
    if enabled:
        if smsc is None:
            return credentials_unreadable(chat)
        count = await accounts.watch(chat_id, kind, smsc, language=language)
        if kind is NotificationKind.DOWNLOADS:
            return ngettext(
                "🔔 I will tell this chat when an export finishes or fails ({count} export "
                "known now).",
                "🔔 I will tell this chat when an export finishes or fails ({count} exports "
                "known now).",
                count,
            ).format(count=count)
        return ngettext(
            "🔔 I will tell this chat when a sender name's status changes at any operator "
            "({count} name known now).",
            "🔔 I will tell this chat when a sender name's status changes at any operator "
            "({count} names known now).",
            count,
        ).format(count=count)
    await accounts.unwatch(chat_id, kind)
    if kind is NotificationKind.DOWNLOADS:
        return _("🔕 No more notifications about exports.")
    return _("🔕 No more notifications about sender names.")


async def show_watch(message: Message, accounts: ChatAccounts) -> None:
    shortest = accounts.baselines.interval
    text, markup = _status(await accounts.settings(message.chat.id), shortest)
    await message.answer(text, reply_markup=markup)


async def change_watch(
    message: Message,
    command: CommandObject,
    accounts: ChatAccounts,
    smsc: SmscClient | None,
    audit: AuditNote,
    i18n: I18n,
) -> None:
    args = parse.watch(command.args)
    audit.target = f"{args.kind} {args.minutes or ('on' if args.enabled else 'off')}"
    if args.kind is parse.WatchKind.EVERY:
        assert args.minutes is not None
        await accounts.set_poll_interval(message.chat.id, args.minutes * 60)
        shortest = max(1, round(accounts.baselines.interval / 60))
        text = _("⏱ This chat's account will be checked every {interval}.").format(
            interval=interval_phrase(max(args.minutes, shortest), args.unit)
        )
        if args.minutes < shortest:
            text += " " + _("(Not more often than the bot's setting: every {interval}.)").format(
                interval=interval_phrase(shortest)
            )
        await message.answer(text)
        return
    assert args.kind is not None
    assert args.enabled is not None
    await message.answer(
        await _switch(
            message.chat,
            NotificationKind(args.kind.value),
            args.enabled,
            accounts,
            smsc,
            i18n.current_locale,
        )
    )


async def watch_toggled(
    callback: CallbackQuery,
    callback_data: WatchToggle,
    accounts: ChatAccounts,
    smsc: SmscClient | None,
    audit: AuditNote,
    i18n: I18n,
) -> None:
    message = callback.message
    assert message is not None
    audit.target = f"{callback_data.kind} {'on' if callback_data.enabled else 'off'}"
    await callback.answer()
    note = await _switch(
        message.chat,
        callback_data.kind,
        callback_data.enabled,
        accounts,
        smsc,
        i18n.current_locale,
    )
    text, markup = _status(await accounts.settings(message.chat.id), accounts.baselines.interval)
    await edit_or_send(callback, f"{note}\n\n{text}", markup)


def router() -> Router:
    router = Router(name=__name__)
    # With words it changes something (administrators only); without, it shows the state.
    router.message.register(
        change_watch,
        command("watch", magic=F.args),
        flags={"smsc": "optional", "admin": True},
    )
    router.message.register(show_watch, command("watch"), flags={"smsc": True})
    router.callback_query.register(
        watch_toggled, WatchToggle.filter(), flags={"smsc": "optional", "admin": True}
    )
    return own_commands_only(router)
