"""Every list arrives, however long it and its fields are: Telegram refuses a message over
4,096 characters or with HTML it cannot parse, and the person then gets nothing."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from bot.sandbox.state import Account, SbBlacklisted, SbContact, SbFile, SbGroup, SbSender, SbTask
from tests.conftest import LOGIN, PASSWORD
from tests.fakes.telegram import Call
from tests.fakes.telegram_text import TEXT_LIMIT, plain_text, utf16_length
from tests.integration.bot_harness import Harness, sent

USER = 7701
ITEMS = 500
LONG = 400


def long_text(tag: str) -> str:
    """``LONG`` characters, starting with ``tag`` and with markup and entities that a careless
    clip would cut in half."""
    return (f"{tag} <b>&amp; “q” & <i>" + "é&<>" * LONG)[:LONG]


@pytest.fixture
async def logged_in(harness: Harness) -> Harness:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    return harness


def account(harness: Harness) -> Account:
    return harness.sandbox.state.accounts[LOGIN]


async def every_page(harness: Harness, command: str) -> list[Call]:
    """The list's first message and each page reached by pressing Next to the end."""
    [first] = sent(await harness.say(USER, command))
    pages = [first]
    while any("Next" in b["text"] for b in pages[-1].buttons()):
        calls = await harness.press(pages[-1], "Next", user_id=USER)
        [edited] = [c for c in calls if c.method == "editMessageText"]
        pages.append(edited)
        assert len(pages) <= ITEMS, "paging never ends"
    return pages


def assert_delivered(harness: Harness, pages: list[Call]) -> None:
    assert harness.telegram.refusals() == []
    for page in pages:
        shown = plain_text(page.text, page.params.get("parse_mode"))
        assert utf16_length(shown) <= TEXT_LIMIT
        assert "…" in shown  # the long fields are clipped, not cut off with the message


def assert_each_once(pages: list[Call], marks: list[str]) -> None:
    text = "\n".join(page.text for page in pages)
    assert [mark for mark in marks if text.count(mark) != 1] == []


async def test_groups(logged_in: Harness) -> None:
    book = account(logged_in).phones
    book.groups.clear()
    for n in range(1, ITEMS + 1):
        book.groups[n] = SbGroup(n, long_text(f"G{n}"), long_text("№"))
    account(logged_in).mails.groups[9001] = SbGroup(9001, long_text("Mail"), "")
    pages = await every_page(logged_in, "/groups")
    assert_delivered(logged_in, pages)
    marks = [f"<b>G{n} " for n in range(1, ITEMS + 1)]
    assert_each_once(pages, [*marks, "✉️ <b>Mail "])
    assert " id " not in "".join(page.text for page in pages)  # every name is its own
    assert "&lt;b&gt;&amp;amp;" in pages[0].text  # escaped, never taken as markup


async def test_senders(logged_in: Harness) -> None:
    senders = account(logged_in).senders
    senders.clear()
    for n in range(1, ITEMS + 1):
        senders[n] = SbSender(
            n,
            long_text(f"S{n}"),
            n % 3,
            {"mts_step": 2, "mega_step": 3, long_text("new<op>"): 1},
            files=[
                SbFile(n, long_text("doc"), 1, long_text("moderator says"))
                for _ in range(8 if n % 25 == 0 else 1)
            ],
        )
    pages = await every_page(logged_in, "/senders")
    assert_delivered(logged_in, pages)
    assert_each_once(pages, [f"(id {n})" for n in range(1, ITEMS + 1)])
    assert "new&lt;op&gt;" in pages[0].text
    assert "…and 3 more" in "".join(p.text for p in pages)  # eight documents, five shown


@pytest.mark.parametrize(
    ("command", "script"), [("/blacklist", "phones"), ("/blacklist mail", "mails")]
)
async def test_blacklist(logged_in: Harness, command: str, script: str) -> None:
    book = account(logged_in).book(script)
    book.blacklist.clear()
    addresses = [
        f"u{n}.{'x' * 300}@example.com" if script == "mails" else f"7999{n:07d}"
        for n in range(1, ITEMS + 1)
    ]
    for n, address in enumerate(addresses, start=1):
        book.blacklist[n] = SbBlacklisted(n, address, n % 3, long_text(f"C{n}"))
    pages = await every_page(logged_in, command)
    assert_delivered(logged_in, pages)
    marks = [f"u{n}.xxx" for n in range(1, ITEMS + 1)] if script == "mails" else addresses
    assert_each_once(pages, marks)


async def test_contacts(logged_in: Harness) -> None:
    book = account(logged_in).phones
    book.contacts.clear()
    book.groups.clear()
    for n in range(1, 13):
        book.groups[n] = SbGroup(n, long_text(f"G{n}"))
    for n in range(1, ITEMS + 1):
        book.contacts[n] = SbContact(
            n, f"7999{n:07d}", long_text(f"P{n}"), list(range(1, 13)), comment=long_text("c")
        )
    pages = await every_page(logged_in, "/contacts")
    assert_delivered(logged_in, pages)
    assert_each_once(pages, [f"7999{n:07d}" for n in range(1, ITEMS + 1)])
    assert "…and 7 more" in pages[0].text  # twelve groups, five named


async def test_downloads(logged_in: Harness) -> None:
    tasks = account(logged_in).tasks
    tasks.clear()
    for n in range(1, ITEMS + 1):
        tasks[n] = SbTask(n, long_text(f"T{n}"), n % 5, datetime(2026, 9, 1))
    pages = await every_page(logged_in, "/downloads")
    assert_delivered(logged_in, pages)
    assert_each_once(pages, [f"<b>{n}</b> T{n} " for n in range(1, ITEMS + 1)])


async def test_back_returns_to_the_page_before(logged_in: Harness) -> None:
    senders = account(logged_in).senders
    for n in range(100, 160):
        files = [SbFile(n, "doc.pdf", 1, long_text("why")) for _ in range(n % 6)]
        senders[n] = SbSender(n, f"Name{n}", 1, {"mts_step": 2}, files=files)
    pages = await every_page(logged_in, "/senders")
    assert len({len(page.text) for page in pages}) > 1  # pages end where the text is full
    for before, page in itertools.pairwise(pages):
        calls = await logged_in.press(page, "Back", user_id=USER)
        [back] = [c for c in calls if c.method == "editMessageText"]
        assert back.text == before.text


async def test_empty_lists_say_how_to_begin(logged_in: Harness) -> None:
    account(logged_in).phones.groups.clear()
    account(logged_in).mails.groups.clear()
    account(logged_in).senders.clear()
    [groups] = sent(await logged_in.say(USER, "/groups"))
    assert "/addgroup &lt;name&gt;" in groups.text
    [senders] = sent(await logged_in.say(USER, "/senders"))
    assert "/addsender &lt;name&gt;" in senders.text
    assert logged_in.telegram.refusals() == []
