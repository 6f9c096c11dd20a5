"""The documented operations that had no command, and what a phone user notices."""

from __future__ import annotations

import pytest

from tests.conftest import LOGIN, PASSWORD
from tests.integration.bot_harness import Harness, sent, text_of

USER = 7601


@pytest.fixture
async def logged_in(harness: Harness) -> Harness:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    return harness


def account(harness: Harness):  # type: ignore[no-untyped-def]
    return harness.sandbox.state.accounts[LOGIN]


async def test_email_blacklist(logged_in: Harness) -> None:
    reply = text_of(await logged_in.say(USER, "/block spam@example.com mass no newsletters"))
    assert "spam@example.com" in reply
    entry = account(logged_in).mails.find_blacklisted("spam@example.com")
    assert (entry.type, entry.comment) == (1, "no newsletters")
    listed = text_of(await logged_in.say(USER, "/blacklist mail"))
    assert "E-mail blacklist" in listed
    assert "spam@example.com" in listed
    assert "spam@example.com" not in text_of(await logged_in.say(USER, "/blacklist"))
    [question] = sent(await logged_in.say(USER, "/unblock spam@example.com"))
    await logged_in.press(question, "Yes", user_id=USER)
    assert account(logged_in).mails.find_blacklisted("spam@example.com") is None


@pytest.mark.parametrize(
    ("kind", "language", "said"),
    [
        ("all", "en", "all messages blocked"),
        ("mass", "en", "mass mailings blocked, one-off messages still sent"),
        ("single", "en", "one-off messages blocked, mass mailings still sent"),
        ("all", "ru", "заблокированы все сообщения"),
        ("mass", "ru", "заблокированы массовые рассылки, отдельные сообщения отправляются"),
        ("single", "ru", "заблокированы отдельные сообщения, массовые рассылки отправляются"),
        ("all", "uk", "заблоковано всі повідомлення"),
        ("mass", "uk", "заблоковано масові розсилки, окремі повідомлення надсилаються"),
        ("single", "uk", "заблоковано окремі повідомлення, масові розсилки надсилаються"),
    ],
)
async def test_a_blacklist_entry_says_what_it_blocks_and_what_it_lets_through(
    logged_in: Harness, kind: str, language: str, said: str
) -> None:
    blocked = text_of(await logged_in.say(USER, f"/block 79161230000 {kind}", language=language))
    assert said in blocked
    assert said in text_of(await logged_in.say(USER, "/blacklist", language=language))
    assert said in text_of(await logged_in.say(USER, "+7 916 123-00-00", language=language))
    assert "single messages" not in blocked


async def test_a_birthday_yet_to_come_is_refused_with_the_form_to_use(
    logged_in: Harness,
) -> None:
    logged_in.sandbox.requests.clear()
    reply = text_of(await logged_in.say(USER, "/editcontact 8 999 100-11-11 birthday=01.01.2099"))
    assert "“01.01.2099” has not come yet" in reply
    assert "dd.mm.yyyy, like 28.02.1990" in reply
    assert logged_in.sandbox.requests == []
    assert account(logged_in).phones.find_contact("79991001111").birthday != "01.01.2099"


async def test_editcontact_changes_every_documented_field(logged_in: Harness) -> None:
    reply = text_of(
        await logged_in.say(
            USER,
            "/editcontact 8 999 100-11-11 name=Olga S. first=Olga last=Smirnova-Ivanova "
            "middle=Petrovna birthday=02.03.1991 comment=prefers e-mail tags=vip other=79990000099 "
            "grp=2,3 new=79990001111",
        )
    )
    assert "changed" in reply
    assert "Staff, VIP" in reply
    book = account(logged_in).phones
    assert book.find_contact("79991001111") is None
    contact = book.find_contact("79990001111")
    assert contact is not None
    assert (contact.name, contact.first_name, contact.last_name, contact.middle_name) == (
        "Olga S.",
        "Olga",
        "Smirnova-Ivanova",
        "Petrovna",
    )
    assert (contact.birthday, contact.comment, contact.tags, contact.other) == (
        "02.03.1991",
        "prefers e-mail",
        "vip",
        "79990000099",
    )
    assert contact.groups == [2, 3]


async def test_renamegroup_and_lists_name_groups(logged_in: Harness) -> None:
    assert "Key customers" in text_of(await logged_in.say(USER, "/renamegroup 1 Key customers"))
    assert account(logged_in).phones.groups[1].name == "Key customers"
    listing = text_of(await logged_in.say(USER, "/contacts Olga"))
    assert "Key customers" in listing
    added = text_of(await logged_in.say(USER, "/addcontact 79165550077 Kim grp=3"))
    assert "Groups: VIP" in added


async def test_contacts_by_group_and_by_name(logged_in: Harness) -> None:
    staff = text_of(await logged_in.say(USER, "/contacts grp=2"))
    assert "in Staff" in staff
    assert "of 5" in staff  # every fifth sample contact is staff
    assert "Olga" not in staff
    by_first_name = text_of(await logged_in.say(USER, "/contacts Olga"))
    assert "Olga Smirnova" in by_first_name
    by_number = text_of(await logged_in.say(USER, "/contacts 7999100"))
    assert "79991000000" in by_number


async def test_long_lists_say_how_many(logged_in: Harness) -> None:
    [reply] = sent(await logged_in.say(USER, "/contacts"))
    assert "1–10 of 22" in reply.text
    assert "1–5 of 5" in text_of(await logged_in.say(USER, "/blacklist"))
    assert "1–4 of 4" in text_of(await logged_in.say(USER, "/senders"))


async def test_downloads_page_past_the_first_screen(logged_in: Harness) -> None:
    for n in range(15):
        logged_in.sandbox.state.add_task(LOGIN, f"extra_{n}", 2, size=10)
    [reply] = sent(await logged_in.say(USER, "/downloads"))
    assert "1–10 of 21" in reply.text
    assert "extra_14" in reply.text  # newest first
    page = await logged_in.press(reply, "Next", user_id=USER)
    assert "11–20 of 21" in text_of(page)
    assert "extra_4" in text_of(page)


async def test_sender_commands_for_a_sub_client(logged_in: Harness) -> None:
    clients = account(logged_in).client_senders
    [dialog] = sent(await logged_in.say(USER, "/addsender Client1Shop for the shop user=client1"))
    calls = await logged_in.press(dialog, "Continue", user_id=USER)
    [step] = [c for c in calls if c.method == "editMessageText"]
    await logged_in.press(step, "Submit without", user_id=USER)
    [(sender_id, sender)] = clients["client1"].items()
    assert (sender.name, sender.comment) == ("Client1Shop", "for the shop")
    assert "Client1Shop" not in {s.name for s in account(logged_in).senders.values()}
    assert "Client1Shop" in text_of(await logged_in.say(USER, "/senders user=client1"))
    await logged_in.say(USER, "/editsender Client1Shop new comment user=client1")
    assert sender.comment == "new comment"
    [question] = sent(await logged_in.say(USER, f"/delsender {sender_id} user=client1"))
    await logged_in.press(question, "Yes", user_id=USER)
    assert clients["client1"] == {}
    # SMSC answers an unknown sub-client as it answers an empty list.
    assert "no sender names" in text_of(await logged_in.say(USER, "/senders user=client9"))


async def test_email_sender_address(logged_in: Harness) -> None:
    reply = text_of(await logged_in.say(USER, "/addsender news@shop.example Shop news desk"))
    assert "E-mail sender address news@shop.example added" in reply
    added = next(s for s in account(logged_in).senders.values() if s.name == "news@shop.example")
    assert added.comment == "Shop news desk"


async def test_editsender_comment_and_a_new_document(logged_in: Harness) -> None:
    myshop = account(logged_in).senders[2]
    calls = await logged_in.say(USER, "/editsender MyShop online shop, now with delivery")
    assert "comment of <b>MyShop</b> is changed" in text_of(calls)
    assert myshop.comment == "online shop, now with delivery"
    [prompt] = sent(calls)
    calls = await logged_in.upload(
        USER, USER, b"%PDF-1.4 cert", "certificate.pdf", reply_to=prompt.result
    )
    assert "certificate.pdf" in text_of(calls)
    assert "certificate.pdf" in [f.file for f in myshop.files]


async def test_a_dialog_left_with_data_of_another_shape_says_so_and_sends_nothing(
    logged_in: Harness,
) -> None:
    [prompt] = sent(await logged_in.say(USER, "/editsender MyShop"))
    dialog = logged_in.app.dispatcher.fsm.get_context(logged_in.app.bot, USER, USER)
    await dialog.set_data({"sender": "MyShop"})  # as an older version might have left it
    calls = await logged_in.upload(
        USER, USER, b"%PDF-1.4 cert", "certificate.pdf", reply_to=prompt.result
    )
    assert "This dialog has expired. Start again with /editsender." in text_of(calls)
    assert [r for r in logged_in.sandbox.reached() if r.action == "chg"] == []
    assert await dialog.get_state() is None


async def test_a_sender_registration_whose_dialog_data_is_gone_sends_nothing(
    logged_in: Harness,
) -> None:
    [dialog] = sent(await logged_in.say(USER, "/addsender NewShop"))
    calls = await logged_in.press(dialog, "Continue", user_id=USER)
    step = next(c for c in calls if c.method == "editMessageText")
    context = logged_in.app.dispatcher.fsm.get_context(logged_in.app.bot, USER, USER)
    await context.set_data({})
    calls = await logged_in.press(step, "Submit without", user_id=USER)
    assert "This button has expired" in text_of(calls)
    assert [r for r in logged_in.sandbox.reached() if r.action == "add"] == []
    assert await context.get_state() is None


async def test_sendcode_passes_site_and_site_name(logged_in: Harness) -> None:
    await logged_in.say(USER, "/sendcode 79991234567 site=SMSC site_name=shop.example")
    [request] = [r for r in logged_in.sandbox.requests if r.action == "send_code"]
    assert (request.params["site"], request.params["site_name"]) == ("SMSC", "shop.example")


async def test_start_is_short_with_quick_keys(logged_in: Harness) -> None:
    [start] = sent(await logged_in.say(USER, "/start"))
    assert len(start.text.splitlines()) == 3
    keys = [k["text"] for row in start.markup["keyboard"] for k in row]  # type: ignore[index]
    assert keys == ["/contacts", "/blacklist", "/senders", "/downloads", "/account", "/help"]


async def test_start_again_in_a_connected_chat_says_so(harness: Harness) -> None:
    first = text_of(await harness.say(USER, "/start"))
    assert "/login connects this chat" in first
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    [again] = sent(await harness.say(USER, "/start"))
    assert "This chat is connected to SMSC as demo." in again.text
    assert "/login" not in again.text
    assert again.markup is not None
    assert again.markup["keyboard"][0][0]["text"] == "/contacts"


@pytest.mark.parametrize("typed", ["/menu", "/Menu", "/меню", "/ьутг", "menu", "Меню", "меню?"])
async def test_menu_is_answered_with_the_keys_of_the_usual_actions(
    logged_in: Harness, typed: str
) -> None:
    [reply] = sent(await logged_in.say(USER, typed))
    assert "My menu is the keys under the message field" in reply.text
    keys = [k["text"] for row in reply.markup["keyboard"] for k in row]  # type: ignore[index]
    assert keys == ["/contacts", "/blacklist", "/senders", "/downloads", "/account", "/help"]


@pytest.mark.parametrize(
    ("typed", "language", "said"),
    [
        ("/settings", "en", "/lang for the language, /watch for notifications"),
        ("/preferences", "en", "/lang for the language"),
        ("/настройки", "ru", "/lang для языка, /watch для уведомлений"),
        ("/налаштування", "uk", "/lang для мови, /watch для сповіщень"),
        # Without the slash, in a private chat, the same.
        ("settings", "en", "/lang for the language, /watch for notifications"),
        ("Настройки", "ru", "/lang для языка, /watch для уведомлений"),
        ("налаштування", "uk", "/lang для мови, /watch для сповіщень"),
    ],
)
async def test_settings_is_answered_with_lang_and_watch(
    logged_in: Harness, typed: str, language: str, said: str
) -> None:
    assert said in text_of(await logged_in.say(USER, typed, language=language))


async def test_menu_or_settings_in_a_sentence_is_not_taken_for_them(logged_in: Harness) -> None:
    reply = text_of(await logged_in.say(USER, "menu please"))
    assert "I work with commands" in reply
    assert "My menu" not in reply


async def test_account_names_the_site_not_a_url(logged_in: Harness) -> None:
    reply = text_of(await logged_in.say(USER, "/account"))
    assert "http://" not in reply
    assert "127.0.0.1" in reply


async def test_an_export_named_in_another_case_is_found(logged_in: Harness) -> None:
    # The sandbox, like the provider's pages, matches a name exactly; the bot finds the one
    # export whose name differs only in case, and says why an unfinished one has no file.
    calls = await logged_in.say(USER, "/download Sent_2026_09")
    [document] = sent(calls, "sendDocument")
    assert document.files["document"][0] == "sent_2026_09.csv"
    assert document.files["document"][1].startswith(b"id;phone;")
    assert "Export 4 (sent_2026_11) is waiting to start." in text_of(
        await logged_in.say(USER, "/download SENT_2026_11")
    )
    assert "Export 3 (sent_2026_10) is still running." in text_of(
        await logged_in.say(USER, "/download sent_2026_10")
    )
    assert "no finished export nosuch" in text_of(await logged_in.say(USER, "/download nosuch"))


async def test_an_unknown_export_name_is_told_even_when_the_list_is_rate_limited(
    logged_in: Harness,
) -> None:
    for attempt in range(5):  # the list is asked for each time: more than its limit a minute
        reply = text_of(await logged_in.say(USER, f"/download nosuch{attempt}"))
        assert f"no finished export nosuch{attempt}" in reply
        assert "try again" not in reply
    assert logged_in.sandbox.error9_count == 0


async def test_a_watch_interval_with_its_unit(logged_in: Harness) -> None:
    # Every other way to write an interval: tests/unit/test_parsers_forms.py.
    reply = text_of(await logged_in.say(USER, "/watch every 3 часа"))
    settings = await logged_in.app.storage.settings.get(USER)
    assert settings.poll_interval == 180 * 60
    assert "checked every 3 hours." in reply
    assert "Checked every 3 hours." in text_of(await logged_in.say(USER, "/watch"))


@pytest.mark.parametrize(
    ("language", "said", "status"),
    [
        ("ru", "проверяться раз в 3 часа.", "Проверка раз в 3 часа."),
        ("uk", "перевірятиметься раз на 3 години.", "Перевірка раз на 3 години."),
    ],
)
async def test_a_watch_interval_is_answered_in_the_unit_given(
    logged_in: Harness, language: str, said: str, status: str
) -> None:
    reply = text_of(await logged_in.say(USER, "/watch every 3 часа", language=language))
    assert said in reply
    assert status in text_of(await logged_in.say(USER, "/watch", language=language))
    minutes = text_of(await logged_in.say(USER, "/watch every 180 min", language=language))
    assert {"ru": "раз в 180 минут.", "uk": "раз на 180 хвилин."}[language] in minutes


@pytest.mark.parametrize(
    ("typed", "language", "said"),
    [
        ("/watch every 1 day", "en", "checked every 1 day."),
        ("/watch every 1 сутки", "ru", "проверяться раз в 1 день."),
        ("/watch every 1 доба", "uk", "перевірятиметься раз на 1 день."),
    ],
)
async def test_a_watch_interval_of_a_day_is_taken(
    logged_in: Harness, typed: str, language: str, said: str
) -> None:
    reply = text_of(await logged_in.say(USER, typed, language=language))
    assert said in reply
    assert (await logged_in.app.storage.settings.get(USER)).poll_interval == 24 * 60 * 60


async def test_quotes_around_a_name_are_not_part_of_it(logged_in: Harness) -> None:
    await logged_in.say(USER, '/renamegroup 1 "VIP clients"')
    await logged_in.say(USER, "/addgroup «Партнёры»")
    names = {g.name for g in account(logged_in).phones.groups.values()}
    assert {"VIP clients", "Партнёры"} <= names
    assert not any(q in name for name in names for q in '"«»')


async def test_a_number_searched_as_people_write_it(logged_in: Harness) -> None:
    # Every other way to write a number searched for: tests/unit/test_parsers_forms.py.
    reply = text_of(await logged_in.say(USER, "/contacts +7 999 100"))
    assert "79991000000" in reply
    asked = [r.params.get("search") for r in logged_in.sandbox.requests if r.script == "phones"]
    assert "7999100" in asked


async def test_quotes_around_a_contact_field_are_not_part_of_it(logged_in: Harness) -> None:
    await logged_in.say(USER, '/editcontact 79991000000 name="Ivan Petrov" comment=«VIP»')
    [contact] = [
        c for c in account(logged_in).phones.contacts.values() if c.address == "79991000000"
    ]
    assert (contact.name, contact.comment) == ("Ivan Petrov", "VIP")


async def test_a_sender_name_with_a_space_goes_in_quotes(logged_in: Harness) -> None:
    reply = text_of(await logged_in.say(USER, '/addsender "My Shop" our own shop'))
    assert "Registering the sender name <b>My Shop</b>." in reply
    reply = text_of(await logged_in.say(USER, "/editsender «Pizza24» new comment"))
    assert "comment of <b>Pizza24</b> is changed" in reply
    [pizza] = [s for s in account(logged_in).senders.values() if s.name == "Pizza24"]
    assert pizza.comment == "new comment"


async def test_a_number_copied_with_direction_marks_is_blocked(logged_in: Harness) -> None:
    await logged_in.say(USER, "/block \u202a+79161234567\u202c copied from an iPhone")
    assert account(logged_in).phones.find_blacklisted("79161234567") is not None


async def test_an_email_kept_in_another_case_is_unblocked_and_deleted(logged_in: Harness) -> None:
    await logged_in.say(USER, "/block IVAN@EXAMPLE.COM")
    await logged_in.say(USER, "/addcontact Kate@Mail.RU Kate")
    [question] = sent(await logged_in.say(USER, "/unblock ivan@example.com"))
    reply = text_of(await logged_in.press(question, "Yes", user_id=USER))
    assert "IVAN@EXAMPLE.COM removed from the blacklist" in reply
    assert account(logged_in).mails.find_blacklisted("IVAN@EXAMPLE.COM") is None
    [question] = sent(await logged_in.say(USER, "/delcontact kate@mail.ru"))
    assert "Kate@Mail.RU deleted" in text_of(await logged_in.press(question, "Yes", user_id=USER))
    assert not [c for c in account(logged_in).mails.contacts.values() if c.name == "Kate"]
    # An address that is not there in any case is still "no such record".
    [question] = sent(await logged_in.say(USER, "/unblock nobody@example.com"))
    assert "error 3" in text_of(await logged_in.press(question, "Yes", user_id=USER))
