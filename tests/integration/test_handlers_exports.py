"""Exports on a phone: a download button for each finished one, Refresh, an export found by its
file's name, and a running one that says so and offers to tell when it is ready."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox import SandboxServer, SandboxState
from bot.sandbox.state import SbSender
from storage import AuthKind, NotificationKind
from tests.conftest import LOGIN, PASSWORD
from tests.fakes.telegram import Call, FakeTelegram
from tests.integration.bot_harness import Harness, close_harness, open_harness, sent, text_of
from tests.watch_state import seen_tasks

USER = 8101
GROUP = -1008101
ADMIN, MEMBER = 8111, 8112


@pytest.fixture
async def logged_in(harness: Harness) -> Harness:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    return harness


@pytest.fixture
async def team(harness: Harness) -> Harness:
    harness.telegram.admins[GROUP].add(ADMIN)
    await harness.app.storage.credentials.save(
        GROUP,
        auth_kind=AuthKind.PASSWORD,
        secret=PASSWORD,
        login=LOGIN,
        base_url=harness.sandbox.base_url,
        set_by=ADMIN,
    )
    return harness


def get_lists(harness: Harness) -> int:
    return sum(1 for r in harness.sandbox.requests if r.action == "get_list")


async def test_downloads_has_a_button_per_finished_export_that_sends_it(
    logged_in: Harness,
) -> None:
    [listing] = sent(await logged_in.say(USER, "/downloads"))
    labels = [b["text"] for b in listing.buttons()]
    # Exports 1 and 2 are finished; 3 runs, 4 waits, 5 was cancelled, 6 failed.
    assert [label for label in labels if label.startswith("⬇")] == [
        "⬇ 2 sent_2026_09",
        "⬇ 1 sent_2026_08",
    ]
    calls = await logged_in.press(listing, "⬇ 2", user_id=USER)
    [document] = sent(calls, "sendDocument")
    assert document.files["document"][0] == "sent_2026_09.csv"
    assert len(document.files["document"][1]) == 48_000
    assert "Export 2." in document.text


async def test_refresh_reads_the_list_again(logged_in: Harness) -> None:
    [listing] = sent(await logged_in.say(USER, "/downloads"))
    assert not any(b["text"].startswith("⬇ 3") for b in listing.buttons())
    logged_in.sandbox.state.set_task_status(LOGIN, 3, 2)
    before = get_lists(logged_in)
    calls = await logged_in.press(listing, "Refresh", user_id=USER)
    assert get_lists(logged_in) == before + 1
    [edited] = [c for c in calls if c.method == "editMessageText"]
    assert "⬇ 3 sent_2026_10" in [b["text"] for b in edited.buttons()]
    assert "Refresh" in edited.buttons()[-1]["text"]


async def test_senders_refresh_reads_the_names_again(logged_in: Harness) -> None:
    [listing] = sent(await logged_in.say(USER, "/senders"))
    assert "Shop2" not in listing.text
    logged_in.sandbox.state.accounts[LOGIN].senders[9] = SbSender(9, "Shop2", 1)
    calls = await logged_in.press(listing, "Refresh", user_id=USER)
    [edited] = [c for c in calls if c.method == "editMessageText"]
    assert "Shop2" in edited.text
    assert "Refresh" in edited.buttons()[-1]["text"]


async def test_a_sub_clients_senders_are_refreshed_for_that_sub_client(
    logged_in: Harness,
) -> None:
    names = logged_in.sandbox.state.accounts[LOGIN].client_senders
    names["client1"] = {1: SbSender(1, "ClientShop", 1)}
    [listing] = sent(await logged_in.say(USER, "/senders user=client1"))
    assert "ClientShop" in listing.text
    names["client1"][2] = SbSender(2, "ClientShop2", 1)
    logged_in.sandbox.requests.clear()
    calls = await logged_in.press(listing, "Refresh", user_id=USER)
    assert [r.params.get("user") for r in logged_in.sandbox.requests] == ["client1"]
    [edited] = [c for c in calls if c.method == "editMessageText"]
    assert "ClientShop2" in edited.text
    assert "of client1" in edited.text


@pytest.mark.parametrize("typed", ["sent_2026_09.csv", "SENT_2026_09.CSV", "Sent_2026_09"])
async def test_an_export_is_found_by_its_name_or_its_file_in_any_case(
    logged_in: Harness, typed: str
) -> None:
    [document] = sent(await logged_in.say(USER, f"/download {typed}"), "sendDocument")
    assert len(document.files["document"][1]) == 48_000


async def test_an_export_has_one_file_name_however_it_is_asked_for(logged_in: Harness) -> None:
    names = set()
    for typed in ("2", "sent_2026_09", "SENT_2026_09.CSV", "٢"):
        [document] = sent(await logged_in.say(USER, f"/download {typed}"), "sendDocument")
        names.add(document.files["document"][0])
    [listing] = sent(await logged_in.say(USER, "/downloads"))
    [document] = sent(await logged_in.press(listing, "⬇ 2", user_id=USER), "sendDocument")
    names.add(document.files["document"][0])
    assert names == {"sent_2026_09.csv"}


async def test_an_export_s_file_name_is_safe_to_show(logged_in: Harness) -> None:
    logged_in.sandbox.state.accounts[LOGIN].tasks[1].name = "../x\u202ecod.exe"
    [document] = sent(await logged_in.say(USER, "/download 1"), "sendDocument")
    assert document.files["document"][0] == ".._xcod.exe.csv"


async def test_a_running_export_says_so_and_offers_to_tell_when_ready(
    logged_in: Harness,
) -> None:
    calls = await logged_in.say(USER, "/download 3")
    assert sent(calls, "sendDocument") == []
    [reply] = [c for c in sent(calls) if "running" in c.text]
    assert reply.text == "⏳ Export 3 (sent_2026_10) is still running."
    storage = logged_in.app.storage
    assert not (await storage.settings.get(USER)).notify_downloads

    calls = await logged_in.press(reply, "Tell me when it is ready", user_id=USER)
    assert "I will tell this chat when export 3 is ready" in text_of(calls)
    # On as /watch downloads on turns it on: what exists now is the baseline.
    assert (await storage.settings.get(USER)).notify_downloads
    seen = await seen_tasks(storage, USER)
    assert (seen[3].status, seen[2].status) == (1, 2)

    # Pressed again, with the watch on: nothing is read again.
    before = get_lists(logged_in)
    calls = await logged_in.press(reply, "Tell me when it is ready", user_id=USER)
    assert "Notifications about exports are on" in text_of(calls)
    assert get_lists(logged_in) == before


async def test_an_export_that_finished_before_the_press_is_sent_at_once(
    logged_in: Harness,
) -> None:
    [reply] = [c for c in sent(await logged_in.say(USER, "/download 4")) if "waiting" in c.text]
    logged_in.sandbox.state.set_task_status(LOGIN, 4, 2, size=3000)
    calls = await logged_in.press(reply, "Tell me when it is ready", user_id=USER)
    [document] = sent(calls, "sendDocument")
    assert len(document.files["document"][1]) == 3000


async def test_an_export_that_failed_before_the_press_is_told_at_once(logged_in: Harness) -> None:
    [reply] = [c for c in sent(await logged_in.say(USER, "/download 3")) if "running" in c.text]
    logged_in.sandbox.state.set_task_status(LOGIN, 3, 4)
    calls = await logged_in.press(reply, "Tell me when it is ready", user_id=USER)
    assert "The export 3 is not finished: it is failed." in text_of(calls)


async def test_in_a_group_only_an_administrator_turns_notifications_on(team: Harness) -> None:
    def running(calls: list[Call]) -> Call:
        return next(c for c in sent(calls) if "still running" in c.text)

    reply = running(await team.say(GROUP, "/download 3", user_id=MEMBER))
    calls = await team.press(reply, "Tell me when it is ready", user_id=MEMBER)
    assert "Only administrators of this chat can turn on notifications" in text_of(calls)
    assert not (await team.app.storage.settings.get(GROUP)).notifies(NotificationKind.DOWNLOADS)
    reply = running(await team.say(GROUP, "/download 3", user_id=MEMBER))
    calls = await team.press(reply, "Tell me when it is ready", user_id=ADMIN)
    assert "I will tell this chat when export 3 is ready" in text_of(calls)
    assert (await team.app.storage.settings.get(GROUP)).notifies(NotificationKind.DOWNLOADS)


@pytest.fixture
async def minute(tmp_path: Path, telegram: FakeTelegram) -> AsyncIterator[Harness]:
    """SMSC's real minute on both sides: a fourth identical request in it is refused."""
    state = SandboxState()
    state.add_account(LOGIN, PASSWORD)
    async with SandboxServer(state, rate_window=60.0) as sandbox:
        harness = await open_harness(telegram, sandbox, tmp_path, smsc_rate_window=60.0)
        await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
        yield harness
        await close_harness(harness)


@pytest.mark.parametrize("typed", ["2", "sent_2026_09"])
async def test_an_export_keeps_its_name_when_the_list_cannot_be_read_again(
    minute: Harness, typed: str
) -> None:
    # Three looks at the list spend SMSC's minute for it: the name comes from what was read.
    for _look in range(3):
        await minute.say(USER, "/downloads")
    before = get_lists(minute)
    [document] = sent(await minute.say(USER, f"/download {typed}"), "sendDocument")
    assert document.files["document"][0] == "sent_2026_09.csv"
    assert get_lists(minute) == before  # the kept list named it, at no request


async def test_an_export_finished_since_the_list_was_read_is_named_from_it(
    minute: Harness,
) -> None:
    await minute.say(USER, "/downloads")
    minute.sandbox.state.set_task_status(LOGIN, 3, 2)
    before = get_lists(minute)
    [document] = sent(await minute.say(USER, "/download 3"), "sendDocument")
    # Export 3 was running when the list was read: done now, its name is the same.
    assert document.files["document"][0] == "sent_2026_10.csv"
    assert get_lists(minute) == before


async def test_an_export_the_kept_list_lacks_is_looked_up(minute: Harness) -> None:
    await minute.say(USER, "/downloads")
    new = minute.sandbox.state.add_task(LOGIN, "made_just_now", 2, size=100)
    before = get_lists(minute)
    [document] = sent(await minute.say(USER, f"/download {new.id}"), "sendDocument")
    assert document.files["document"][0] == "made_just_now.csv"
    assert get_lists(minute) == before + 1
