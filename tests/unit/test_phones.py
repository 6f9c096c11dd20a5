"""Phone numbers as people type them, read in one place for every command and the card."""

from __future__ import annotations

import pytest

from handlers.phones import looks_like_phone, phone_number


@pytest.mark.parametrize(
    ("typed", "region", "number"),
    [
        ("+7 999 000-77-66", None, "79990007766"),
        ("8 (999) 000 77 66", "ru", "79990007766"),
        ("8-999-000-77-66", "kz", "79990007766"),
        ("79990007766", None, "79990007766"),
        ("999 000 77 66", "ru", "79990007766"),  # a mobile without its country code
        ("7 701 123 45 67", "kz", "77011234567"),
        ("050 123 45 67", "ua", "380501234567"),
        ("+380 (50) 123-45-67", "ru", "380501234567"),
        ("00 44 20 7946 0958", "com", "442079460958"),
        ("+44 20 7946 0958", "com", "442079460958"),
        ("+７ ９９９ ０００-７７-６６", None, "79990007766"),
        ("٧٩٩٩٠٠٠٧٧٦٦", None, "79990007766"),
        ("+7\u00a0999\u2009000–77–66", None, "79990007766"),
        ("\u202a+7 (999) 000-77-66\u202c", None, "79990007766"),  # an iPhone's copy
        ("\u200e+79990007766\u200f", None, "79990007766"),
        ("\ufeff7\u200b999\u20600007766", None, "79990007766"),
    ],
)
def test_every_common_form_reads_as_international_digits(
    typed: str, region: str | None, number: str
) -> None:
    assert phone_number(typed, region) == number
    assert looks_like_phone(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "12ab",
        "123",
        "+",
        "8 (999)",
        "0501234567 ext 5",
        "+0 999 000 77 66",
        "7" * 16,
        "1-800-FLOWERS",
    ],
)
def test_what_cannot_be_a_number_is_refused(typed: str) -> None:
    assert phone_number(typed, "ru") is None
    assert not looks_like_phone(typed)


def test_a_national_form_needs_its_region() -> None:
    # 050… is Ukrainian; read for Russia it is no number at all, never a guess.
    assert phone_number("050 123 45 67", "ua") == "380501234567"
    assert phone_number("050 123 45 67", "ru") is None
