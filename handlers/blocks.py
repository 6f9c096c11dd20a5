"""What a block is and how it changes, for /block, /unblock and the card alike.

The account's blacklist is read from its kept copy (:mod:`bot.account_copies`), and every
successful write goes into that copy: a reply says what the write did, from the copy, and
never depends on a read that SMSC might refuse. A block that would change an existing one
(another kind, another comment) is shown and asked about first; the comment is kept unless a
new one is given, and nothing is sent when nothing would change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aiogram.utils.i18n import gettext as _

from bot import display
from bot.account_copies import AccountCopies, block_entry, same_address
from bot.smsc import BlacklistEntry, BlockType, SmscClient
from bot.smsc.contacts import ContactBook
from bot.wording import block_type
from handlers.readers import Address


def book_for(smsc: SmscClient, is_email: bool) -> ContactBook:
    return smsc.mails if is_email else smsc.phones


def in_another_case(listed: Iterable[str], address: str) -> str | None:
    """The one listed address that is ``address`` written in another case, if there is one."""
    same = [each for each in listed if each.casefold() == address.casefold()]
    return same[0] if len(same) == 1 and same[0] != address else None


def code(value: str) -> str:
    return f"<code>{display.escaped(value)}</code>"


@dataclass(frozen=True, slots=True)
class BlockPlan:
    """A block asked for, next to the entry the address has now (if any)."""

    address: Address
    kind: BlockType
    comment: str  # what would be sent: the new comment, else the current one
    current: BlacklistEntry | None

    @property
    def unchanged(self) -> bool:
        current = self.current
        return current is not None and (current.type, current.comment) == (self.kind, self.comment)

    @property
    def changes_a_block(self) -> bool:
        return self.current is not None and not self.unchanged

    def change(self) -> BlockChange:
        """What a confirmation keeps of it."""
        return BlockChange(self.address, self.kind, self.comment)


@dataclass(frozen=True, slots=True)
class BlockChange:
    """A change of a block waiting for a Yes: the entry is read again when it comes."""

    address: Address
    kind: BlockType
    comment: str


async def current_block(
    copies: AccountCopies,
    smsc: SmscClient,
    address: Address,
    *,
    stale_ok: bool = False,
    refresh: bool = False,
) -> BlacklistEntry | None:
    """The address's entry, wherever it is in the blacklist (the whole list is kept)."""
    kept = await copies.blacklist(smsc, mail=address.is_email, stale_ok=stale_ok, refresh=refresh)
    return next((e for e in kept.records if same_address(e.phone, address.value)), None)


async def plan_block(
    copies: AccountCopies,
    smsc: SmscClient,
    address: Address,
    kind: BlockType,
    comment: str | None,
) -> BlockPlan:
    current = await current_block(copies, smsc, address)
    kept = comment if comment is not None else (current.comment if current else "")
    return BlockPlan(address, kind, kept, current)


async def carry_out(copies: AccountCopies, smsc: SmscClient, plan: BlockPlan) -> BlacklistEntry:
    """Send the block; the entry it made, already in the kept copy."""
    address = plan.address
    value = plan.current.phone if plan.current is not None else address.value
    entry_id = await book_for(smsc, address.is_email).block(value, plan.kind, plan.comment or None)
    entry = block_entry(entry_id, value, plan.kind, plan.comment)
    await copies.blocked(smsc, entry, mail=address.is_email)
    return entry


def entry_text(entry: BlacklistEntry) -> str:
    """How an entry reads: its kind in words, and its comment."""
    kind = block_type(entry.type)
    if entry.comment:
        return f"{kind} — “{display.shown(entry.comment, display.COMMENT)}”"
    return kind


def blocked_sentence(entry: BlacklistEntry) -> str:
    return _("⛔ {phone} is blacklisted: {kind}.").format(
        phone=code(entry.phone), kind=entry_text(entry)
    )


def already_sentence(entry: BlacklistEntry) -> str:
    return _("{phone} is already blacklisted: {kind}. Nothing was changed.").format(
        phone=code(entry.phone), kind=entry_text(entry)
    )


def change_question(plan: BlockPlan) -> str:
    assert plan.current is not None
    wanted = block_entry(plan.current.id, plan.current.phone, plan.kind, plan.comment)
    return _("{phone} is blacklisted: {now}.\nChange it to: {then}?").format(
        phone=code(plan.current.phone), now=entry_text(plan.current), then=entry_text(wanted)
    )


def unblock_question(address: Address, current: BlacklistEntry | None) -> str:
    question = _("Remove {phone} from the blacklist? Messages to it will be sent again.").format(
        phone=code(address.value)
    )
    if current is not None:
        question += "\n" + _("Now: {kind}.").format(kind=entry_text(current))
    return question


async def unblock_address(copies: AccountCopies, smsc: SmscClient, address: Address) -> str:
    """Remove the address's entry; the address as SMSC listed it. An e-mail address kept in
    another case (IVAN@EXAMPLE.COM) is unblocked as it is listed: the pages do not say whether
    SMSC matches addresses in any case."""
    value = address.value
    if address.is_email:
        current = await current_block(copies, smsc, address, stale_ok=True)
        value = current.phone if current is not None else value
    await book_for(smsc, address.is_email).unblock(value)
    await copies.unblocked(smsc, value, mail=address.is_email)
    return value
