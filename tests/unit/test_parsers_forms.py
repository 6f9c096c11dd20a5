"""What people type that reads as one value: an interval with its unit in any of the bot's
languages, a number searched for as people write it, quotes around a name. The parsers alone;
that a value read reaches SMSC or the settings is tested once per form through the dispatcher
(tests/integration/test_handlers_more_operations.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiogram.utils.i18n import I18n

from bot.assembly.app import LOCALES
from handlers import contacts_args, groups_args, senders_args, watch_args
from handlers.durations import TimeUnit


@pytest.fixture(autouse=True)
def i18n() -> Iterator[None]:
    with I18n(path=LOCALES, default_locale="en", domain="messages").context():
        yield


@pytest.mark.parametrize(
    ("text", "minutes", "unit"),
    [
        ("every 90", 90, None),
        ("every 2h", 120, TimeUnit.HOUR),
        ("Every 5 min", 5, TimeUnit.MINUTE),
        ("every 3 часа", 180, TimeUnit.HOUR),
        ("every 1 годину", 60, TimeUnit.HOUR),
        ("every 15хв", 15, TimeUnit.MINUTE),
        ("every 21 минуту", 21, TimeUnit.MINUTE),
        # A day is the longest interval, said as people say it.
        ("every 1 day", 1440, TimeUnit.DAY),
        ("every 1 сутки", 1440, TimeUnit.DAY),
        ("every 1 день", 1440, TimeUnit.DAY),
        ("every 1 доба", 1440, TimeUnit.DAY),
        ("every 1d", 1440, TimeUnit.DAY),
    ],
)
def test_a_watch_interval_with_its_unit(text: str, minutes: int, unit: TimeUnit | None) -> None:
    assert watch_args.watch(text) == watch_args.WatchArgs(
        watch_args.WatchKind.EVERY, minutes=minutes, unit=unit
    )


@pytest.mark.parametrize(
    ("search", "sent_as"),
    [
        ("+7 999 100", "7999100"),
        ("8 (999) 100-00-00", "79991000000"),
        ("７９９９１００", "7999100"),
    ],
)
def test_a_number_searched_as_people_write_it(search: str, sent_as: str) -> None:
    assert contacts_args.contacts(search) == contacts_args.ContactsQuery(sent_as, None, False)


def test_quotes_around_a_name_are_not_part_of_it() -> None:
    assert groups_args.renamegroup('1 "VIP clients"') == ("1", "VIP clients")
    assert groups_args.addgroup("«Партнёры»") == "Партнёры"


def test_quotes_around_a_contact_field_are_not_part_of_it() -> None:
    edited = contacts_args.editcontact('79991000000 name="Ivan Petrov" comment=«VIP»')
    assert edited.changes == {"name": "Ivan Petrov", "comment": "VIP"}


def test_a_sender_name_with_a_space_goes_in_quotes() -> None:
    assert senders_args.addsender('"My Shop" our own shop') == senders_args.AddSenderArgs(
        "My Shop", "our own shop"
    )
    edited = senders_args.editsender("«Pizza24» new comment")
    assert edited == senders_args.EditSenderArgs(
        senders_args.SenderRef("Pizza24", None), "new comment"
    )


@pytest.mark.parametrize("day", ["29.02.2024", "31.12.1999", "01.01.2000", "３０.０４.１９９０"])
def test_a_birthday_that_exists_is_taken(day: str) -> None:
    edited = contacts_args.editcontact(f"79991000000 birthday={day}")
    assert edited.changes == {
        "birthday": day.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    }
