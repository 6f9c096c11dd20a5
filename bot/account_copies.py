"""What was last read of an account's lists, kept, and kept up to date by the bot's own writes.

SMSC answers at most three identical requests a minute per login. A person on a phone looks a
number up, taps Block, looks up the next one: read afresh each time, every card would re-read
the whole blacklist and the third one a minute would be refused. So the blacklists, the groups
and the contact books are read once and kept per account, and each successful write of the bot
(block, unblock, add, delete, move, rename) is applied to the copy instead of reading again.
Sender names are kept the same way (:mod:`bot.sender_copies`). A group's contact count is the
one thing a write does not set outright: it is counted again where shown (:class:`KeptGroup`).

A copy is served while it is younger than SMSC's window; older, it is read again when
something needs it (or at once when a person asks to refresh). What someone changes in the
cabinet meanwhile shows within that window.

An account here is one set of credentials (:class:`bot.smsc.Account`): chats on the same
credentials share copies, and a copy never serves other credentials. Copies live in a
:class:`CopyStore` (:mod:`bot.copy_store`): in this process's memory by default; the interface
is asynchronous and works on whole copies so that a store shared by several processes can take
its place. How copies are read and changed is :mod:`bot.kept_copies`'s.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import replace

from bot.copy_store import CopyStore, Kept, M, MemoryCopyStore
from bot.kept_copies import KeptCopies
from bot.smsc import BlacklistEntry, BlockType, Contact, Group, SmscClient, SmscError
from bot.smsc.contacts import MAX_PAGE, ContactBook

__all__ = ["AccountCopies", "CopyStore", "Kept", "KeptGroup", "M", "MemoryCopyStore"]

log = logging.getLogger(__name__)

# Pages read of one blacklist at most: 50,000 entries, fifty requests.
MAX_PAGES = 50
# Pages read of an address book at most: a larger book is looked up a number at a time.
MAX_BOOK_PAGES = 5

# Makes a contact as SMSC keeps it after a write of the one it kept before.
ContactEdit = Callable[[Contact], Contact]


class KeptGroup(Group):
    """A group as its kept copy holds it. ``counted`` goes False when the bot's own writes
    move contacts into or out of the group: its ``count`` is then SMSC's from before them.

    Why not add and subtract one: a change to a copy must be idempotent (a read that raced
    the write may already hold it, and gets the change again), and "one more in VIP" made
    twice is two more. Marking a count as changed is the same made once or twice; where counts
    are shown (:meth:`AccountCopies.counted_groups`), a changed one is counted in the kept
    address book, which the same writes keep up to date with idempotent changes (a group
    added to a contact's groups, taken from them, made the only one). Only in a book read no
    earlier than the groups, though: one read before lacks what the cabinet changed between
    the two reads, which the groups' counts hold.
    """

    counted: bool = True


class AccountCopies(KeptCopies):
    """The kept lists of every account. ``fresh_for`` is SMSC's window."""

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
    ) -> Kept[KeptGroup]:
        """The groups; a count may be out of date (see :class:`KeptGroup`)."""
        book = _book(smsc, mail)

        async def read() -> tuple[list[KeptGroup], bool]:
            return [_kept_group(group) for group in await book.groups()], True

        return await self.read(
            _key(smsc, "groups", book), KeptGroup, read, refresh=refresh, stale_ok=stale_ok
        )

    async def counted_groups(
        self, smsc: SmscClient, *, mail: bool, refresh: bool = False
    ) -> tuple[KeptGroup, ...]:
        """The groups with their contacts counted as SMSC would count them now: as read, or,
        where the bot's own writes changed a count since, in the kept address book (read
        whole if need be), else read again. A count SMSC will not give just now stays not
        counted (shown without it): the groups are still shown."""
        groups = await self.groups(smsc, mail=mail, refresh=refresh)
        if all(group.counted for group in groups.records):
            return groups.records
        book = await self.kept(_key(smsc, "contacts", _book(smsc, mail)), Contact)
        counted = _counted_in(groups, book)
        if all(group.counted for group in counted):
            return counted
        try:
            return await self._counted_afresh(smsc, groups, book, mail=mail)
        except SmscError as error:
            log.warning(
                "group counts not read again; shown without them",
                extra={"error": type(error).__name__},
            )
            return counted

    async def groups_as_kept(self, smsc: SmscClient, *, mail: bool) -> tuple[KeptGroup, ...]:
        """The kept groups (none without a copy), their changed counts counted where the kept
        address book can tell, the others left not counted: nothing is read from SMSC."""
        groups = await self.kept(_key(smsc, "groups", _book(smsc, mail)), KeptGroup)
        if groups is None:
            return ()
        if all(group.counted for group in groups.records):
            return groups.records
        return _counted_in(
            groups, await self.kept(_key(smsc, "contacts", _book(smsc, mail)), Contact)
        )

    async def _counted_afresh(
        self,
        smsc: SmscClient,
        groups: Kept[KeptGroup],
        kept: Kept[Contact] | None,
        *,
        mail: bool,
    ) -> tuple[KeptGroup, ...]:
        """Counted in the address book read now, if it may be kept whole: a book read again
        is newer than the groups, and counts the next changes too without a read. A book
        already known too large to be kept whole is not paged again to learn so again: the
        groups are read again instead, as they are when it turns out too large."""
        if kept is None or kept.complete:
            book = await self.contacts(smsc, mail=mail, refresh=kept is not None)
            if book.complete and book.read_at >= groups.read_at:
                return _recounted(groups.records, book.records)
        return (await self.groups(smsc, mail=mail, refresh=True)).records

    async def group_saved(self, smsc: SmscClient, group: Group, *, mail: bool) -> None:
        """A group was created or renamed; its contact count stays as it was."""

        def save(records: tuple[KeptGroup, ...]) -> tuple[KeptGroup, ...]:
            old = next((each for each in records if each.id == group.id), None)
            if old is None:
                return (*records, _kept_group(group))
            renamed = old.model_copy(update={"name": group.name})
            return tuple(renamed if each.id == group.id else each for each in records)

        await self.change(_key(smsc, "groups", _book(smsc, mail)), KeptGroup, save)

    async def group_deleted(self, smsc: SmscClient, group_id: int, *, mail: bool) -> None:
        def remove(records: tuple[KeptGroup, ...]) -> tuple[KeptGroup, ...]:
            return tuple(each for each in records if each.id != group_id)

        await self.change(_key(smsc, "groups", _book(smsc, mail)), KeptGroup, remove)
        # Its contacts are in one group fewer.
        await self.change(
            _key(smsc, "contacts", _book(smsc, mail)),
            Contact,
            lambda records: tuple(_without_group(each, group_id) for each in records),
        )

    async def counts_changed(
        self, smsc: SmscClient, group_ids: Collection[int] | None, *, mail: bool
    ) -> None:
        """Contacts joined or left these groups (None: perhaps any): their counts are counted
        again where shown."""

        def mark(records: tuple[KeptGroup, ...]) -> tuple[KeptGroup, ...]:
            return tuple(
                each.model_copy(update={"counted": False})
                if each.counted and (group_ids is None or each.id in group_ids)
                else each
                for each in records
            )

        await self.change(_key(smsc, "groups", _book(smsc, mail)), KeptGroup, mark)

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
        """A contact was added (as SMSC lists it: its addresses in one); the counts of its
        groups changed."""

        # Any record holding one of its addresses is this contact as read before, in whatever
        # order or form SMSC wrote them there.
        addresses = re.split(r"[,;\s]+", contact.address)

        def save(records: tuple[Contact, ...]) -> tuple[Contact, ...]:
            return (*(c for c in records if not _holds_any(c, addresses)), contact)

        await self.change(_key(smsc, "contacts", _book(smsc, mail)), Contact, save)
        if contact.groups:
            await self.counts_changed(smsc, contact.groups, mail=mail)

    async def contact_changed(
        self,
        smsc: SmscClient,
        addresses: Collection[str],
        edit: ContactEdit,
        *,
        mail: bool,
        groups_touched: Collection[int] | None = (),
    ) -> None:
        """SMSC changed the contact that holds one of ``addresses`` (its address before the
        change, and a new one if it got one): ``edit`` makes the new contact of the old, the
        same when made again. The groups it joined or left (``groups_touched``; None: perhaps
        any) are counted again where shown."""

        def make(kept: Kept[Contact] | None) -> Kept[Contact] | None:
            if kept is None:
                return None
            if not any(_holds_any(c, addresses) for c in kept.records):
                # SMSC has a contact a whole copy lacks (added elsewhere): the copy is wrong.
                return None if kept.complete else kept
            records = tuple(edit(c) if _holds_any(c, addresses) else c for c in kept.records)
            return replace(kept, records=records)

        await self.update(_key(smsc, "contacts", _book(smsc, mail)), Contact, make)
        if groups_touched is None or groups_touched:
            await self.counts_changed(smsc, groups_touched, mail=mail)

    async def contact_deleted(self, smsc: SmscClient, address: str, *, mail: bool) -> None:
        """The contact that held ``address`` is gone, and from the counts of its groups."""

        def remove(records: tuple[Contact, ...]) -> tuple[Contact, ...]:
            return tuple(c for c in records if not holds_address(c, address))

        await self.change(_key(smsc, "contacts", _book(smsc, mail)), Contact, remove)
        await self.counts_changed(smsc, None, mail=mail)

    async def forget(self, smsc: SmscClient, what: str, *, mail: bool) -> None:
        """A write whose result the bot cannot tell (or that failed in a way that shows the
        copy is wrong): the copy goes, and the next use reads afresh."""
        await self.drop(_key(smsc, what, _book(smsc, mail)))


def same_address(listed: str, address: str) -> bool:
    """One number or e-mail address however SMSC or a person wrote it (``+7…`` or ``7…``, an
    address in another case)."""
    return listed.lstrip("+").casefold() == address.lstrip("+").casefold()


def counted(group: Group) -> bool:
    """Whether the group's count is SMSC's now: one the bot's own writes changed since, that
    could not be counted again (not without a read, or SMSC refused it), is to be left out
    rather than shown wrong."""
    return not isinstance(group, KeptGroup) or group.counted


def _counted_in(groups: Kept[KeptGroup], book: Kept[Contact] | None) -> tuple[KeptGroup, ...]:
    """Changed counts counted in the kept address book when it is whole and read no earlier
    than the groups (see :class:`KeptGroup`); the others left as they are."""
    if book is None or not book.complete or book.read_at < groups.read_at:
        return groups.records
    return _recounted(groups.records, book.records)


def holds_address(contact: Contact, address: str) -> bool:
    """One contact may hold several numbers, separated as SMSC allows."""
    return any(same_address(part, address) for part in re.split(r"[,;\s]+", contact.address))


def _holds_any(contact: Contact, addresses: Collection[str]) -> bool:
    return any(holds_address(contact, address) for address in addresses if address)


def joining(group_id: int) -> ContactEdit:
    """The contact added to a group (``move_group`` 2)."""
    return lambda c: c if group_id in c.groups else _in(c, (*c.groups, group_id))


def leaving(group_id: int) -> ContactEdit:
    """The contact taken out of a group (``move_group`` 3)."""
    return lambda c: _in(c, tuple(each for each in c.groups if each != group_id))


def only_in(group_ids: Collection[int]) -> ContactEdit:
    """The contact in these groups alone (``move_group`` 1, then 2 for each other one)."""
    return lambda c: _in(c, tuple(dict.fromkeys(group_ids)))


def _in(contact: Contact, groups: tuple[int, ...]) -> Contact:
    return contact.model_copy(update={"groups": groups})


def _recounted(groups: tuple[KeptGroup, ...], book: tuple[Contact, ...]) -> tuple[KeptGroup, ...]:
    """The groups, each changed count counted in ``book``."""
    members = Counter(group for contact in book for group in set(contact.groups))
    return tuple(
        group
        if group.counted
        else group.model_copy(update={"count": members[group.id], "counted": True})
        for group in groups
    )


def _kept_group(group: Group) -> KeptGroup:
    return KeptGroup.model_validate(group.model_dump(by_alias=True))


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
