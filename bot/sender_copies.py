"""An account's sender names kept as its blacklists and groups are (:mod:`bot.account_copies`):
read once a window, updated from the bot's own writes (add, change, delete, a confirmed code),
read again when older than SMSC's window or when a person presses Refresh.

A reseller's sub-client has names of its own: each sub-client's list is a copy of its own, and
the sub-clients the bot has seen work on an account are kept too, so that a dialog can offer
them as buttons (SMSC has no call that lists them).
"""

from __future__ import annotations

from pydantic import BaseModel

from bot.account_copies import AccountCopies, Kept
from bot.smsc import OperatorRegistration, Sender, SenderStatus, SmscClient
from bot.smsc.models import OperatorStatus, SenderFile

# Sender names read at once; a longer list is shown as far as this and said to go on.
SENDERS_READ = 1000
# Sub-clients offered at most, the most recently used first.
MAX_SUB_CLIENTS = 20


class SubClient(BaseModel):
    login: str


def _key(smsc: SmscClient, what: str, user: str | None = None) -> str:
    return f"{smsc.account.key}|{what}|{user or ''}"


async def senders(
    copies: AccountCopies, smsc: SmscClient, *, user: str | None, refresh: bool = False
) -> Kept[Sender]:
    """Every sender name of the account (or of its sub-client ``user``), newest first."""

    async def read() -> tuple[list[Sender], bool]:
        found = await smsc.senders.list(operators=True, files=True, count=SENDERS_READ, user=user)
        return found, len(found) < SENDERS_READ

    return await copies.read(_key(smsc, "senders", user), Sender, read, refresh=refresh)


async def sender_added(
    copies: AccountCopies,
    smsc: SmscClient,
    sender_id: int,
    name: str,
    *,
    user: str | None,
    operators: tuple[OperatorRegistration, ...] = (),
    document: str | None = None,
) -> None:
    """SMSC took a new name: it waits for moderation, and each operator asked for for its
    registration."""
    added = Sender.model_validate(
        {
            "id": sender_id,
            "sender": name,
            "status": SenderStatus.MODERATION,
            "operators": {op.value: OperatorStatus.AWAITING_REGISTRATION for op in operators},
            "files": [SenderFile(file=document)] if document else [],
        }
    )

    def add(records: tuple[Sender, ...]) -> tuple[Sender, ...]:
        return (added, *(each for each in records if each.id != sender_id))

    await copies.change(_key(smsc, "senders", user), Sender, add)


def _named(sender: Sender, name: str | None, sender_id: int | None) -> bool:
    return sender.id == sender_id if sender_id is not None else sender.name == name


async def sender_document_added(
    copies: AccountCopies,
    smsc: SmscClient,
    document: str,
    *,
    name: str | None,
    sender_id: int | None,
    user: str | None,
) -> None:
    """A name got a new supporting document: the operators check it."""

    def attach(records: tuple[Sender, ...]) -> tuple[Sender, ...]:
        return tuple(
            each.model_copy(update={"files": (*each.files, SenderFile(file=document))})
            if _named(each, name, sender_id)
            else each
            for each in records
        )

    await copies.change(_key(smsc, "senders", user), Sender, attach)


async def sender_deleted(
    copies: AccountCopies,
    smsc: SmscClient,
    *,
    name: str | None,
    sender_id: int | None,
    user: str | None,
) -> None:
    def remove(records: tuple[Sender, ...]) -> tuple[Sender, ...]:
        return tuple(each for each in records if not _named(each, name, sender_id))

    await copies.change(_key(smsc, "senders", user), Sender, remove)


async def sender_confirmed(
    copies: AccountCopies, smsc: SmscClient, name: str, *, user: str | None
) -> None:
    """A digital name's code was right: SMSC allows the name."""

    def allow(records: tuple[Sender, ...]) -> tuple[Sender, ...]:
        return tuple(
            each.model_copy(update={"status": SenderStatus.ALLOWED})
            if _named(each, name, None)
            else each
            for each in records
        )

    await copies.change(_key(smsc, "senders", user), Sender, allow)


# -- sub-clients seen ----------------------------------------------------------------------


async def sub_clients(copies: AccountCopies, smsc: SmscClient) -> list[str]:
    """The sub-clients the bot has seen SMSC accept on this account, most recent first."""
    kept = await copies.kept(_key(smsc, "sub-clients"), SubClient)
    return [each.login for each in kept.records] if kept else []


async def sub_client_seen(copies: AccountCopies, smsc: SmscClient, login: str) -> None:
    await _keep_sub_clients(copies, smsc, login, seen=True)


async def sub_client_unknown(copies: AccountCopies, smsc: SmscClient, login: str) -> None:
    """SMSC says there is no such sub-client: it is offered no more."""
    await _keep_sub_clients(copies, smsc, login, seen=False)


async def _keep_sub_clients(
    copies: AccountCopies, smsc: SmscClient, login: str, *, seen: bool
) -> None:
    def keep(kept: Kept[SubClient] | None) -> Kept[SubClient] | None:
        if kept is None and not seen:
            return None
        others = [each for each in (kept.records if kept else ()) if each.login != login]
        records = ([SubClient(login=login)] if seen else []) + others
        read_at = kept.read_at if kept else 0.0
        return Kept(read_at, tuple(records[:MAX_SUB_CLIENTS]))

    # The bot's own memory, which no read from SMSC makes again: a store out of reach for a
    # moment costs this one change, not every sub-client seen.
    await copies.update(_key(smsc, "sub-clients"), SubClient, keep, keep_on_failure=True)
