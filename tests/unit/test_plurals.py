"""Every count the bot shows agrees with its number, in each language's own plural forms."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from aiogram.utils.i18n import I18n
from babel.messages.pofile import read_po

from bot.assembly.app import LOCALES
from bot.smsc import AddressBlockedError
from handlers import watch_args
from handlers.durations import (
    TimeUnit,
    hours_phrase,
    interval_phrase,
    minutes_phrase,
    seconds_phrase,
)
from handlers.number_readings import length_problem
from handlers.phones import WrongLength
from handlers.sentences import smsc_error_sentence

SLAVIC_PLURALS = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
    "(n%100<10 || n%100>=20) ? 1 : 2);"
)
# A number after which a placeholder stands for a count of something named by the next word.
COUNTED = re.compile(r"\{(count|minutes|seconds|hours|digits|limit)\} (?!MB\b)[^\W\d_]")


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return I18n(path=LOCALES, default_locale="en", domain="messages")


@pytest.fixture(params=["ru", "uk"])
def slavic(request: pytest.FixtureRequest, i18n: I18n) -> Iterator[str]:
    with i18n.context(), i18n.use_locale(request.param):
        yield request.param


def catalog(language: str):  # type: ignore[no-untyped-def]
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_russian_and_ukrainian_catalogs_have_three_plural_forms(language: str) -> None:
    cat = catalog(language)
    assert cat.plural_forms.replace(" ", "") == SLAVIC_PLURALS.replace(" ", "")
    for message in cat:
        if isinstance(message.id, tuple):
            assert len(message.string) == 3, message.id
            assert all(message.string), message.id


def test_english_has_two_plural_forms() -> None:
    assert catalog("en").plural_forms.replace(" ", "") == "nplurals=2;plural=(n!=1);"


def test_no_count_is_shown_without_plural_forms() -> None:
    template = read_po((LOCALES / "messages.pot").open("rb"))
    singular_only = [m.id for m in template if isinstance(m.id, str) and COUNTED.search(m.id)]
    assert singular_only == []


EXPECTED = {
    "ru": {
        minutes_phrase: ["1 минуту", "2 минуты", "5 минут", "11 минут", "21 минуту"],
        hours_phrase: ["1 час", "2 часа", "5 часов", "11 часов", "21 час"],
        seconds_phrase: ["1 секунду", "2 секунды", "5 секунд", "11 секунд", "21 секунду"],
    },
    "uk": {
        minutes_phrase: ["1 хвилину", "2 хвилини", "5 хвилин", "11 хвилин", "21 хвилину"],
        hours_phrase: ["1 годину", "2 години", "5 годин", "11 годин", "21 годину"],
        seconds_phrase: ["1 секунду", "2 секунди", "5 секунд", "11 секунд", "21 секунду"],
    },
}
COUNTS = (1, 2, 5, 11, 21)


def test_each_duration_takes_the_form_of_its_number(slavic: str) -> None:
    for phrase, forms in EXPECTED[slavic].items():
        assert [phrase(n) for n in COUNTS] == forms


# What each counted text says for 1, 2, 5, 11 and 21, in Russian and Ukrainian.
COUNTED_TEXTS = {
    ("{count} contact", "{count} contacts"): {
        "ru": ["1 контакт", "2 контакта", "5 контактов", "11 контактов", "21 контакт"],
        "uk": ["1 контакт", "2 контакти", "5 контактів", "11 контактів", "21 контакт"],
    },
    (
        "a Russian number (+7 and {digits} digit)",
        "a Russian number (+7 and {digits} digits)",
    ): {
        "ru": ["и 1 цифра)", "и 2 цифры)", "и 5 цифр)", "и 11 цифр)", "и 21 цифра)"],
        "uk": ["і 1 цифра)", "і 2 цифри)", "і 5 цифр)", "і 11 цифр)", "і 21 цифра)"],
    },
    (
        "{what} is too long: at most {limit} character.",
        "{what} is too long: at most {limit} characters.",
    ): {
        "ru": ["1 символа.", "2 символов.", "5 символов.", "11 символов.", "21 символа."],
        "uk": ["1 символу.", "2 символів.", "5 символів.", "11 символів.", "21 символу."],
    },
    (
        "🔔 I will tell this chat when an export finishes or fails ({count} export known now).",
        "🔔 I will tell this chat when an export finishes or fails ({count} exports known now).",
    ): {
        "ru": [
            "известна 1 выгрузка)",
            "известны 2 выгрузки)",
            "известно 5 выгрузок)",
            "известно 11 выгрузок)",
            "известна 21 выгрузка)",
        ],
        "uk": [
            "відоме 1 вивантаження)",
            "відомі 2 вивантаження)",
            "відомо 5 вивантажень)",
            "відомо 11 вивантажень)",
            "відоме 21 вивантаження)",
        ],
    },
}


@pytest.mark.parametrize("msgids", list(COUNTED_TEXTS), ids=lambda ids: ids[0][:30])
def test_counted_texts_read_right_for_each_number(
    slavic: str, i18n: I18n, msgids: tuple[str, str]
) -> None:
    rendered = [
        i18n.gettext(*msgids, n).format(count=n, digits=n, limit=n, what="x") for n in COUNTS
    ]
    for text, expected in zip(rendered, COUNTED_TEXTS[msgids][slavic], strict=True):
        assert expected in text


def test_each_plural_text_takes_the_form_of_its_number(slavic: str, i18n: I18n) -> None:
    """Every plural text in the catalog: 1 and 21 share a form, 2 its own, 5 and 11 another."""
    for message in catalog(slavic):
        if not isinstance(message.id, tuple):
            continue
        singular, plural = message.id
        rendered = [i18n.gettext(singular, plural, n) for n in COUNTS]
        one, two, five, eleven, twenty_one = rendered
        assert one == twenty_one == message.string[0], singular
        assert two == message.string[1], singular
        assert five == eleven == message.string[2], singular
        assert len({one, two, five}) >= 2 or singular.startswith("…"), singular


def test_a_watch_interval_is_said_with_its_number(slavic: str) -> None:
    wait = {"ru": "через 21 минуту", "uk": "через 21 хвилину"}[slavic]
    assert wait in smsc_error_sentence(AddressBlockedError(retry_after=21 * 60), None)
    every = {"ru": "раз в 3 часа", "uk": "раз на 3 години"}[slavic]
    args = watch_args.watch("every 3 часа")
    assert args.minutes is not None
    assert interval_phrase(args.minutes, args.unit) in every


def test_a_number_too_short_counts_its_digits(slavic: str) -> None:
    misfit = WrongLength(country="ru", code="7", digits=10, expected=11)
    said = length_problem("7999000777", misfit)
    assert {"ru": "+7 и 10 цифр", "uk": "+7 і 10 цифр"}[slavic] in said
    misfit = WrongLength(country=None, code="44", digits=4, expected=4 + 2 + 2)
    assert {"ru": "и 6 цифр", "uk": "і 6 цифр"}[slavic] in length_problem("4412", misfit)


@pytest.mark.parametrize(
    ("minutes", "unit", "said"),
    [
        (180, TimeUnit.HOUR, "3 hours"),
        (180, None, "3 hours"),
        (180, TimeUnit.MINUTE, "180 minutes"),
        (90, None, "90 minutes"),
        (60, None, "1 hour"),
        (1, None, "1 minute"),
        (1440, TimeUnit.DAY, "1 day"),
        (1440, None, "1 day"),
        (1440, TimeUnit.HOUR, "24 hours"),
    ],
)
def test_an_interval_in_the_unit_given_or_the_largest_exact_one(
    i18n: I18n, minutes: int, unit: TimeUnit | None, said: str
) -> None:
    with i18n.context():
        assert interval_phrase(minutes, unit) == said
