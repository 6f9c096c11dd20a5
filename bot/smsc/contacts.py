"""Contacts, groups and the blacklist: ``phones.php``, and ``mails.php`` for e-mail addresses."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.smsc._resource import Resource
from bot.smsc.models import BlacklistEntry, BlockType, Contact, Group

if TYPE_CHECKING:
    from bot.smsc.client import SmscClient

MAX_PAGE = 1000


class ContactBook(Resource):
    """One address book; ``phones.php`` and ``mails.php`` share the protocol but not the names."""

    def __init__(self, client: SmscClient, script: str, field: str, group_type: int) -> None:
        super().__init__(client)
        self.script = script
        self._field = field
        self._group_type = group_type

    async def add(
        self,
        addresses: Iterable[str],
        *,
        name: str | None = None,
        groups: Iterable[int] = (),
        last_name: str | None = None,
        first_name: str | None = None,
        middle_name: str | None = None,
        birthday: str | None = None,
        my_id: str | None = None,
        comment: str | None = None,
        tags: str | None = None,
        other: str | None = None,
    ) -> int:
        return await self._created_id(
            "add",
            {
                self._field: ",".join(addresses),
                "name": name,
                "grp": list(groups) or None,
                "lnm": last_name,
                "fnm": first_name,
                "mnm": middle_name,
                "bd": birthday,
                "myid": my_id,
                "cmt": comment,
                "tags": tags,
                "pho": other,
            },
        )

    async def change(
        self,
        address: str,
        *,
        new_address: str | None = None,
        name: str | None = None,
        groups: Iterable[int] | None = None,
        comment: str | None = None,
        tags: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        middle_name: str | None = None,
        birthday: str | None = None,
        other: str | None = None,
        made: builtins.list[str] | None = None,
    ) -> None:
        """Only what is given changes; an empty string clears a field, no groups leaves the
        contact in none. It takes a call for the fields and one for each group: ``made`` gets
        the action of each SMSC accepted, which tells after a failure whether any was."""
        made = [] if made is None else made
        fields = {
            f"new_{self._field}": new_address,
            "name": name,
            "cmt": comment,
            "tags": tags,
            "fnm": first_name,
            "lnm": last_name,
            "mnm": middle_name,
            "bd": birthday,
            "pho": other,
        }
        if any(value is not None for value in fields.values()):
            await self._call("chg", {self._field: address, **fields})
            made.append("chg")
        if groups is not None:
            await self.set_groups(new_address or address, list(groups), made=made)

    async def set_groups(
        self, address: str, groups: builtins.list[int], *, made: builtins.list[str] | None = None
    ) -> None:
        """Make ``groups`` the contact's groups. The page documents ``grp`` on ``chg`` only for
        a contact being created: groups change with ``move_group``, the first group a move
        (it becomes the only one), each other one an addition. ``made``: as for :meth:`change`."""
        made = [] if made is None else made
        if groups:
            first, *others = dict.fromkeys(groups)
            await self.move_to_group(address, first)
            made.append("move_group")
            for group_id in others:
                await self.add_to_group(address, group_id)
                made.append("move_group")
            return
        # No groups at all: out of each one it is in now.
        for contact in await self.list(address=address):
            for group_id in contact.groups:
                await self.remove_from_group(address, group_id)
                made.append("move_group")

    async def delete(self, address: str) -> None:
        await self._call("del", {self._field: address})

    async def list(
        self,
        *,
        group: int | None = None,
        address: str | None = None,
        fio: str | None = None,
        search: str | None = None,
        after_id: int | None = None,
        count: int | None = None,
    ) -> builtins.list[Contact]:
        return await self._list(
            "get",
            {
                "grp": group,
                self._field: address,
                "fio": fio,
                "search": search,
                "after_id": after_id,
                "cnt": _page_size(count),
            },
            Contact,
        )

    async def groups(self) -> builtins.list[Group]:
        return await self._list("get_group", {"type": self._group_type}, Group)

    async def add_group(self, name: str, *, number: str | None = None) -> int:
        return await self._created_id(
            "add_group", {"name": name, "num": number, "type": self._group_type}
        )

    async def rename_group(self, group_id: int, name: str) -> None:
        await self._call("chg_group", {"grp": group_id, "name": name})

    async def delete_group(self, group_id: int) -> None:
        await self._call("del_group", {"grp": group_id})

    async def move_to_group(self, address: str, group_id: int) -> None:
        """Make ``group_id`` the contact's only group."""
        await self._call("move_group", {"grp": group_id, self._field: address}, flag=1)

    async def add_to_group(self, address: str, group_id: int) -> None:
        await self._call("move_group", {"grp": group_id, self._field: address}, flag=2)

    async def remove_from_group(self, address: str, group_id: int) -> None:
        await self._call("move_group", {"grp": group_id, self._field: address}, flag=3)

    async def block(
        self, address: str, block_type: BlockType = BlockType.ALL, comment: str | None = None
    ) -> int:
        return await self._created_id(
            "add_black", {self._field: address, "type": int(block_type), "cmt": comment}
        )

    async def unblock(self, address: str) -> None:
        await self._call("del_black", {self._field: address})

    async def blacklist(
        self, *, prev_id: int | None = None, count: int | None = None
    ) -> builtins.list[BlacklistEntry]:
        return await self._list(
            "get_black", {"prev_id": prev_id, "cnt": _page_size(count)}, BlacklistEntry
        )


def _page_size(count: int | None) -> int | None:
    if count is None:
        return None
    if not 1 <= count <= MAX_PAGE:
        raise ValueError(f"a page holds 1 to {MAX_PAGE} records")
    return count
