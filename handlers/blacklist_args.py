"""The blacklist's grammar: /block, /unblock, /blacklist."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.utils.i18n import gettext as _

from bot.smsc import BlockType
from handlers.readers import (
    MAX_COMMENT,
    Address,
    ArgumentError,
    address,
    address_readings,
    free_text,
    require,
    words_of,
)

_BLOCK_TYPES = {"all": BlockType.ALL, "mass": BlockType.MASS, "single": BlockType.SINGLE}


@dataclass(frozen=True, slots=True)
class BlockArgs:
    address: Address
    block_type: BlockType
    comment: str | None


def usage_block() -> str:
    return _("/block <phone-or-email> [all|mass|single] [comment…]")


def block(text: str | None, region: str | None = None) -> tuple[BlockArgs, ...]:
    """Every reading: a number typed in groups may end where the comment begins."""
    usage = usage_block()
    words = words_of(text)
    require(words, 1, usage)

    def then(target: Address, rest: list[str]) -> BlockArgs:
        block_type = BlockType.ALL
        if rest and rest[0].lower() in _BLOCK_TYPES:
            block_type, rest = _BLOCK_TYPES[rest[0].lower()], rest[1:]
        return BlockArgs(target, block_type, free_text(rest, MAX_COMMENT, _("The comment"), usage))

    return address_readings(words, usage, region, then)


def usage_unblock() -> str:
    return _("/unblock <phone-or-email>")


def unblock(text: str | None, region: str | None = None) -> Address:
    return address(text, usage_unblock(), region)


def usage_blacklist() -> str:
    return _("/blacklist  ·  /blacklist mail for e-mail addresses")


def blacklist(text: str | None) -> bool:
    """True for the e-mail blacklist."""
    words = [w.lower() for w in words_of(text)]
    if not words:
        return False
    if words in (["mail"], ["email"], ["e-mail"], ["mails"]):
        return True
    raise ArgumentError(_("Say mail for the e-mail blacklist, or nothing."), usage_blacklist())
