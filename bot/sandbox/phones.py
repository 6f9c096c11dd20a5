"""``phones.php`` and ``mails.php``: contacts, groups and the blacklist of one address book."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.sandbox.call import Call, Handler, SmscFail
from bot.sandbox.state import SbBlacklisted, SbContact, SbGroup, split_addresses


async def add_contact(call: Call) -> web.Response:
    addresses = split_addresses(call.text(call.field, required=True))
    for address in addresses:
        call.check_address(address)
    groups = _group_ids(call)
    for address in addresses:
        if call.book.find_contact(address):
            raise SmscFail(5, "contact already exists")
    contact = SbContact(
        call.account.new_id(),
        ",".join(addresses),
        call.text("name"),
        groups,
        call.text("fnm"),
        call.text("lnm"),
        call.text("mnm"),
        call.text("bd"),
        call.text("myid"),
        call.text("cmt"),
        call.text("tags"),
        call.text("pho"),
    )
    call.book.contacts[contact.id] = contact
    return call.answer({"id": contact.id}, call.field)


def _group_ids(call: Call) -> list[int]:
    raw = call.text("grp")
    if not raw:
        return []
    try:
        ids = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise SmscFail(1) from None
    if any(group_id not in call.book.groups for group_id in ids):
        raise SmscFail(3, "group not found")
    return ids


async def change_contact(call: Call) -> web.Response:
    contact = call.book.find_contact(call.address())
    if contact is None:
        raise SmscFail(3)
    new = call.text(f"new_{call.field}")
    if new:
        for address in split_addresses(new):
            call.check_address(address)
        contact.address = ",".join(split_addresses(new))
    for key, attr in (
        ("name", "name"),
        ("fnm", "first_name"),
        ("lnm", "last_name"),
        ("mnm", "middle_name"),
        ("bd", "birthday"),
        ("cmt", "comment"),
        ("tags", "tags"),
        ("pho", "other"),
        ("myid", "my_id"),
    ):
        if key in call.params:
            setattr(contact, attr, call.text(key))
    # The page documents grp for a contact being created only: a change leaves the groups as
    # they are (move_group changes them).
    return call.ok()


async def delete_contact(call: Call) -> web.Response:
    contact = call.book.find_contact(call.address())
    if contact is None:
        raise SmscFail(3)
    del call.book.contacts[contact.id]
    return call.ok()


async def list_contacts(call: Call) -> web.Response:
    group = call.int_param("grp")
    # after_id is the internal id (int_id), never the one the customer assigned.
    after = call.int_param("after_id") or 0
    count = call.count(1000)
    address, fio, search = call.text(call.field), call.text("fio").lower(), call.text("search")
    found = []
    for contact in sorted(call.book.contacts.values(), key=lambda c: c.id):
        if contact.id <= after:
            continue
        if group is not None and group not in contact.groups:
            continue
        if address and address not in split_addresses(contact.address):
            continue
        names = " ".join(
            (contact.name, contact.first_name, contact.last_name, contact.middle_name)
        ).lower()
        if fio and fio not in names:
            continue
        if search and search.lower() not in names and search.lstrip("+") not in contact.address:
            continue
        found.append(contact)
        if len(found) >= count:
            break
    if not found:
        raise SmscFail(3)
    return call.answer([_contact_row(call, c) for c in found], "contact")


def _contact_row(call: Call, contact: SbContact) -> dict[str, Any]:
    other = "mail_other" if call.script == "mails" else "phone_other"
    # The sample shows "group" bare: one id as a number, several as "1,2".
    groups: Any = ",".join(str(g) for g in contact.groups)
    if len(contact.groups) == 1:
        groups = contact.groups[0]
    row: dict[str, Any] = {
        call.field: contact.address,
        "name": contact.name,
        "group": groups,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "middle_name": contact.middle_name,
        "birthday": contact.birthday,
        # The page: "id контакту, призначений Клієнтом" - the customer's own id, usually blank.
        "id": contact.my_id,
        "comments": contact.comment,
        "tags": contact.tags,
        other: contact.other,
    }
    if call.dialect.contact_int_id:
        row["int_id"] = contact.id
    return row


async def add_group(call: Call) -> web.Response:
    name = call.text("name", required=True)
    if any(g.name == name for g in call.book.groups.values()):
        raise SmscFail(5, "group already exists")
    group = SbGroup(call.account.new_id(), name, call.text("num"))
    call.book.groups[group.id] = group
    return call.answer({"id": group.id}, "group")


def _group(call: Call) -> SbGroup:
    group = call.book.groups.get(call.int_param("grp", required=True) or 0)
    if group is None:
        raise SmscFail(3, "group not found")
    return group


async def rename_group(call: Call) -> web.Response:
    _group(call).name = call.text("name", required=True)
    return call.ok()


async def delete_group(call: Call) -> web.Response:
    group = _group(call)
    del call.book.groups[group.id]
    for contact in call.book.contacts.values():
        if group.id in contact.groups:
            contact.groups.remove(group.id)
    return call.ok()


async def move_group(call: Call) -> web.Response:
    mode = call.int_param("move_group")
    group = _group(call)
    contact = call.book.find_contact(call.address())
    if contact is None:
        raise SmscFail(3)
    if mode == 1:
        contact.groups = [group.id]
    elif mode == 2:
        if group.id not in contact.groups:
            contact.groups.append(group.id)
    elif mode == 3:
        if group.id not in contact.groups:
            raise SmscFail(3, "contact is not in this group")
        contact.groups.remove(group.id)
    else:
        raise SmscFail(1)
    return call.ok()


async def list_groups(call: Call) -> web.Response:
    kind = call.int_param("type")
    wanted = 1 if call.script == "mails" else 0
    if kind is not None and kind != wanted:
        raise SmscFail(3)
    groups = sorted(call.book.groups.values(), key=lambda g: g.id)
    if not groups:
        raise SmscFail(3)
    return call.answer(
        [
            {
                "id": g.id,
                "name": g.name,
                "number": g.number,
                "cnt": str(sum(1 for c in call.book.contacts.values() if g.id in c.groups)),
            }
            for g in groups
        ],
        "group",
    )


async def block(call: Call) -> web.Response:
    address = call.address()
    kind = call.int_param("type") or 0
    if kind not in (0, 1, 2):
        raise SmscFail(1)
    existing = call.book.find_blacklisted(address)
    if existing is not None:
        existing.type, existing.comment = kind, call.text("cmt")
        return call.answer({"id": existing.id}, call.field)
    entry = SbBlacklisted(call.account.new_id(), address, kind, call.text("cmt"))
    call.book.blacklist[entry.id] = entry
    return call.answer({"id": entry.id}, call.field)


async def unblock(call: Call) -> web.Response:
    entry = call.book.find_blacklisted(call.address())
    if entry is None:
        raise SmscFail(3)
    del call.book.blacklist[entry.id]
    return call.ok()


async def list_blacklist(call: Call) -> web.Response:
    before = call.int_param("prev_id")
    count = call.count(1000)
    entries = [
        e
        for e in sorted(call.book.blacklist.values(), key=lambda e: -e.id)
        if before is None or e.id < before
    ][:count]
    if not entries:
        raise SmscFail(3)
    return call.answer(
        [
            {"id": e.id, call.field: e.address, "type": e.type, "comment": e.comment}
            for e in entries
        ],
        "record",
    )


ACTIONS: dict[str, Handler] = {
    "add": add_contact,
    "chg": change_contact,
    "del": delete_contact,
    "get": list_contacts,
    "add_group": add_group,
    "chg_group": rename_group,
    "del_group": delete_group,
    "move_group": move_group,
    "get_group": list_groups,
    "add_black": block,
    "del_black": unblock,
    "get_black": list_blacklist,
}
