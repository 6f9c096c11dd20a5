"""What was last read of an account's lists, kept, and kept up to date by the bot's own writes.

SMSC answers at most three identical requests a minute per login. A person on a phone looks a
number up, taps Block, looks up the next one: read afresh each time, every card would re-read
the whole blacklist and the third one a minute would be refused. So the blacklists, the groups
and the contact books are read once and kept per account, and each successful write of the bot
(block, unblock, add, delete, move, rename) is applied to the copy instead of reading again.
Sender names are kept the same way (:mod:`bot.sender_copies`).

A copy is served while it is younger than SMSC's window; older, it is read again when
something needs it (or at once when a person asks to refresh). What someone changes in the
cabinet meanwhile shows within that window.

An account here is one set of credentials (:class:`bot.smsc.Account`): chats on the same
credentials share copies, and a copy never serves other credentials. Copies live in a
:class:`CopyStore` (:mod:`bot.copy_store`): in this process's memory by default; the interface
is asynchronous and works on whole copies so that a store shared by several processes can take
its place.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from bot.copy_store import CopyStore, Kept, M, MemoryCopyStore
from bot.smsc import BlacklistEntry, BlockType, Contact, Group, SmscClient
from bot.smsc.contacts import MAX_PAGE, ContactBook

__all__ = ["AccountCopies", "CopyStore", "Kept", "M", "MemoryCopyStore"]

# Pages read of one blacklist at most: 50,000 entries, fifty requests.
MAX_PAGES = 50
# Pages read of an address book at most: a larger book is looked up a number at a time.
MAX_BOOK_PAGES = 5
# Tries of one change against others changing the same copy at that moment.
UPDATE_ATTEMPTS = 5


class AccountCopies:
    """The kept lists of every account. ``fresh_for`` is SMSC's window."""

    def __init__(
        self,
        store: CopyStore | None = None,
        *,
        fresh_for: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store or MemoryCopyStore()
        self.fresh_for = fresh_for
        self._clock = clock
        # Copies being read from SMSC by this process, and the changes made here meanwhile.
        self._reading: dict[str, _Reading] = {}

    # -- the blacklists ----------------------------------------------------------------------

    async def blacklist(
        self, smsc: SmscClient, *, mail: bool, refresh: bool = False, stale_ok: bool = False
    ) -> Kept[BlacklistEntry]:
        """The whole blacklist of numbers (or of e-mail addresses), newest first.

        ``stale_ok``: any copy will do, however old (what a reply after a write shows: the
        write's result, never a read that might be refused).
        """
        book = _book(smsc, mail)
        return await self.read(
            _key(smsc, "black", book),
            BlacklistEntry,
            lambda: _whole_blacklist(book),
            refresh=refresh,
            stale_ok=stale_ok,
        )

    async def blocked(self, smsc: SmscClient, entry: BlacklistEntry, *, mail: bool) -> None:
        """SMSC accepted a block. An entry SMSC changed keeps its place (its id); a new one
        is the newest."""

        def add(records: tuple[BlacklistEntry, ...]) -> tuple[BlacklistEntry, ...]:
            if any(each.id == entry.id for each in records):
                return tuple(entry if each.id == entry.id else each for each in records)
            return (entry, *(each for each in records if not same_address(each.phone, entry.phone)))

        await self.change(_key(smsc, "black", _book(smsc, mail)), BlacklistEntry, add)

    async def unblocked(self, smsc: SmscClient, address: str, *, mail: bool) -> None:
        def remove(records: tuple[BlacklistEntry, ...]) -> tuple[BlacklistEntry, ...]:
            return tuple(each for each in records if not same_address(each.phone, address))

        await self.change(_key(smsc, "black", _book(smsc, mail)), BlacklistEntry, remove)

    # -- groups ------------------------------------------------------------------------------

    async def groups(
        self, smsc: SmscClient, *, mail: bool, refresh: bool = False, stale_ok: bool = False
    ) -> Kept[Group]:
        book = _book(smsc, mail)

        async def read() -> tuple[list[Group], bool]:
            return await book.groups(), True

        return await self.read(
            _key(smsc, "groups", book), Group, read, refresh=refresh, stale_ok=stale_ok
        )

    async def group_saved(self, smsc: SmscClient, group: Group, *, mail: bool) -> None:
        """A group was created or renamed; its contact count stays as it was."""

        def save(records: tuple[Group, ...]) -> tuple[Group, ...]:
            old = next((each for each in records if each.id == group.id), None)
            if old is None:
                return (*records, group)
            renamed = old.model_copy(update={"name": group.name})
            return tuple(renamed if each.id == group.id else each for each in records)

        await self.change(_key(smsc, "groups", _book(smsc, mail)), Group, save)

    async def group_deleted(self, smsc: SmscClient, group_id: int, *, mail: bool) -> None:
        def remove(records: tuple[Group, ...]) -> tuple[Group, ...]:
            return tuple(each for each in records if each.id != group_id)

        await self.change(_key(smsc, "groups", _book(smsc, mail)), Group, remove)
        # Its contacts are in one group fewer.
        await self.change(
            _key(smsc, "contacts", _book(smsc, mail)),
            Contact,
            lambda records: tuple(_without_group(each, group_id) for each in records),
        )

    # -- contacts ----------------------------------------------------------------------------

    async def contacts(
        self, smsc: SmscClient, *, mail: bool, refresh: bool = False, stale_ok: bool = False
    ) -> Kept[Contact]:
        """The whole address book when SMSC lets it be paged to its end; ``complete`` False
        when it could not be (no internal ids to page by, or more pages than kept)."""
        book = _book(smsc, mail)
        return await self.read(
            _key(smsc, "contacts", book),
            Contact,
            lambda: _whole_book(book),
            refresh=refresh,
            stale_ok=stale_ok,
        )

    async def contact_saved(self, smsc: SmscClient, contact: Contact, *, mail: bool) -> None:
        """A contact was added or changed: what the bot sent is what SMSC keeps."""

        def save(records: tuple[Contact, ...]) -> tuple[Contact, ...]:
            others = tuple(c for c in records if not same_address(c.address, contact.address))
            return (*others, contact)

        await self.change(_key(smsc, "contacts", _book(smsc, mail)), Contact, save)

    async def contact_deleted(self, smsc: SmscClient, address: str, *, mail: bool) -> None:
        def remove(records: tuple[Contact, ...]) -> tuple[Contact, ...]:
            return tuple(c for c in records if not same_address(c.address, address))

        await self.change(_key(smsc, "contacts", _book(smsc, mail)), Contact, remove)

    async def forget(self, smsc: SmscClient, what: str, *, mail: bool) -> None:
        """A write whose result the bot cannot tell (or that failed in a way that shows the
        copy is wrong): the copy goes, and the next use reads afresh."""
        await self.store.drop(_key(smsc, what, _book(smsc, mail)))

    async def kept(self, key: str, model: type[M]) -> Kept[M] | None:
        """The copy under ``key`` as it is, however old; None without one."""
        _version, kept = await self.store.load(key, model)
        return kept

    # -- the mechanics -----------------------------------------------------------------------

    async def read(
        self,
        key: str,
        model: type[M],
        fetch: Callable[[], Awaitable[tuple[list[M], bool]]],
        *,
        refresh: bool,
        stale_ok: bool = False,
    ) -> Kept[M]:
        """The copy under ``key``, read with ``fetch`` when there is none, when it is older
        than the window (unless ``stale_ok``) or when ``refresh`` asks for it."""
        if not refresh:
            _version, kept = await self.store.load(key, model)
            if kept is not None and (stale_ok or self._fresh(kept)):
                return kept
        async with self.store.exclusive(key):
            version, kept = await self.store.load(key, model)
            # Read by another while this one waited its turn: SMSC's budget is spent once.
            if kept is not None and not refresh and (stale_ok or self._fresh(kept)):
                return kept
            read_at = self._clock()
            reading = self._reading[key] = _Reading(version)
            try:
                records, complete = await fetch()
            finally:
                del self._reading[key]
            fetched = Kept(read_at, tuple(records), complete)
            # This process's writes meanwhile, which the read may have missed, go on top of it
            # (they are idempotent). A write elsewhere meanwhile: the read is not kept.
            made: Kept[M] | None = fetched
            for write in reading.writes:
                made = write(made)
            if made is None:
                return fetched
            await self.store.save(key, made, expected=reading.version)
            return made

    def _fresh(self, kept: Kept[Any]) -> bool:
        return self._clock() - kept.read_at < self.fresh_for

    async def change(
        self, key: str, model: type[M], edit: Callable[[tuple[M, ...]], tuple[M, ...]]
    ) -> None:
        """Apply a write to the copy, if there is one. Edits are idempotent: a read that
        already holds the write's result (it raced it) gains nothing from it twice."""

        def changed(kept: Kept[M] | None) -> Kept[M] | None:
            return None if kept is None else replace(kept, records=edit(kept.records))

        await self.update(key, model, changed)

    async def update(
        self, key: str, model: type[M], make: Callable[[Kept[M] | None], Kept[M] | None]
    ) -> None:
        """Replace the copy with what ``make`` makes of it, again if another process changed
        it meanwhile. With no copy, ``make`` returning None still counts as a change: a read
        on its way, which may have missed this write, is kept only with the write applied
        (when it is this process's) or not at all."""
        # First from the copy as this process last saw it, which no one else has changed in
        # most cases: one round trip to a shared store, not two. Else as it is now.
        seen = self.store.seen(key)
        for attempt in range(UPDATE_ATTEMPTS):
            version, kept = seen if seen and not attempt else await self.store.load(key, model)
            saved = await self.store.save(key, make(kept), expected=version)
            if saved is not None:
                reading = self._reading.get(key)
                if reading is not None and reading.version == version:
                    reading.writes.append(make)
                    reading.version = saved
                return
        await self.store.drop(key)  # changed elsewhere all the time: read afresh when used


@dataclass(slots=True)
class _Reading:
    """A read from SMSC on its way: the version it will replace, moved on by each write of
    this process meanwhile (``writes``, to apply to what the read brings)."""

    version: str
    writes: list[Callable[[Any], Any]] = field(default_factory=list)


def same_address(listed: str, address: str) -> bool:
    """One number or e-mail address however SMSC or a person wrote it (``+7…`` or ``7…``, an
    address in another case)."""
    return listed.lstrip("+").casefold() == address.lstrip("+").casefold()


def _book(smsc: SmscClient, mail: bool) -> ContactBook:
    return smsc.mails if mail else smsc.phones


def _key(smsc: SmscClient, what: str, book: ContactBook) -> str:
    return f"{smsc.account.key}|{what}|{book.script}"


def _without_group(contact: Contact, group_id: int) -> Contact:
    if group_id not in contact.groups:
        return contact
    return contact.model_copy(update={"groups": tuple(g for g in contact.groups if g != group_id)})


async def _whole_blacklist(book: ContactBook) -> tuple[list[BlacklistEntry], bool]:
    """Every entry, a thousand at a time: ``prev_id`` gives those added before a given one."""
    entries: list[BlacklistEntry] = []
    before: int | None = None
    for _ in range(MAX_PAGES):
        page = await book.blacklist(prev_id=before, count=MAX_PAGE)
        entries += page
        if len(page) < MAX_PAGE:
            return entries, True
        before = min(entry.id for entry in page)
    return entries, False


async def _whole_book(book: ContactBook) -> tuple[list[Contact], bool]:
    """Every contact, a thousand at a time by the internal id; a full page without one to
    page by leaves the copy incomplete."""
    contacts: list[Contact] = []
    after: int | None = None
    for _ in range(MAX_BOOK_PAGES):
        page = await book.list(after_id=after, count=MAX_PAGE)
        contacts += page
        if len(page) < MAX_PAGE:
            return contacts, True
        ids = [contact.int_id for contact in page if contact.int_id is not None]
        if len(ids) < len(page):
            return contacts, False
        after = max(ids)
    return contacts, False


def block_entry(
    entry_id: int, address: str, kind: BlockType, comment: str | None
) -> BlacklistEntry:
    """The entry a successful block made, as a list would show it."""
    return BlacklistEntry(id=entry_id, phone=address, type=kind, comment=comment or "")
