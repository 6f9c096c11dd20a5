"""A list behind page buttons, as another replica reads it back from JSON: every kind of record
SMSC sends (in each of the sandbox's dialects), with what the list was fetched for, comes back
equal; a list of another kind, or JSON of another shape, reads as nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.account_copies import KeptGroup
from bot.smsc import SmscClient
from handlers.callbacks import PageKind
from handlers.contact_list import Found
from handlers.contacts_args import ContactsQuery
from handlers.paging import Listed, _as_json, _read, _Shown

OWNER = (7, "account-key")
# Each way the sandbox can word an answer: what comes back must be what was read, whatever it was.
pytestmark = pytest.mark.parametrize("dialect", ["plain", "quirks", "spare"], indirect=True)


def through_json(listed: Listed[Any], about: Any) -> _Shown | None:
    shared = json.loads(json.dumps(_as_json(_Shown(listed, OWNER))))
    return _read(shared, listed.kind, about)


async def test_every_kind_of_list_reads_back_equal(client: SmscClient) -> None:
    groups = await client.phones.groups()
    contacts = await client.phones.list()
    found = Found(ContactsQuery("Ivan", 2, False), {g.id: g for g in groups})
    # As /groups shows them: one count the bot's own writes changed, not counted again.
    kept_groups = [
        KeptGroup.model_validate({**g.model_dump(by_alias=True), "counted": n > 0})
        for n, g in enumerate(groups)
    ]
    lists: list[tuple[Listed[Any], Any]] = [
        (Listed(PageKind.CONTACTS, contacts, "<b>Contacts</b>", False, found, 77, 10), Found),
        (Listed(PageKind.GROUPS, [(g, False, True) for g in kept_groups], "G", True, None), None),
        (Listed(PageKind.BLACKLIST, await client.phones.blacklist(), "B", True, None), None),
        (
            Listed(
                PageKind.SENDERS,
                await client.senders.list(operators=True, files=True),
                "S",
                True,
                "client1",
            ),
            str | None,
        ),
        (Listed(PageKind.DOWNLOADS, await client.downloads.list(), "D", True, None), None),
    ]
    for listed, about in lists:
        assert listed.records, listed.kind
        shown = through_json(listed, about)
        assert shown is not None, listed.kind
        assert shown.owner == OWNER
        back = shown.listed
        assert list(back.records) == list(listed.records), listed.kind
        assert (back.title, back.complete, back.about, back.beyond, back.offset) == (
            listed.title,
            listed.complete,
            listed.about,
            listed.beyond,
            listed.offset,
        )


async def test_a_list_of_another_kind_or_shape_reads_as_nothing(client: SmscClient) -> None:
    listed = Listed(PageKind.BLACKLIST, await client.phones.blacklist(), "B", True, None)
    shared = _as_json(_Shown(listed, OWNER))
    assert _read(shared, PageKind.CONTACTS, None) is None
    assert _read({**shared, "records": [{"id": "x"}]}, PageKind.BLACKLIST, None) is None
    assert _read({"kind": "b"}, PageKind.BLACKLIST, None) is None
    assert _read(None, PageKind.BLACKLIST, None) is None
