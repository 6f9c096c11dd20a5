"""The fake Bot API refuses what Telegram refuses: without that, a reply Telegram would drop
passes every test."""

from __future__ import annotations

import pytest

from tests.fakes.telegram_text import Refused, check, plain_text


@pytest.mark.parametrize(
    ("text", "caption", "why"),
    [
        ("x" * 4097, False, "message is too long"),
        ("😀" * 2049, False, "message is too long"),  # 4,098 UTF-16 code units
        ("<b>" + "x" * 4097 + "</b>", False, "message is too long"),
        ("x" * 1025, True, "caption is too long"),
        ("Create one with /addgroup <name>.", False, "can't parse entities"),
        ("Tom & Jerry", False, "can't parse entities"),
        ("<b>bold", False, "can't parse entities"),
        ("<b><i>x</b></i>", False, "can't parse entities"),
        ("</b>", False, "can't parse entities"),
        ("a < b", False, "can't parse entities"),
        ("   ", False, "text is empty"),
    ],
)
def test_refused(text: str, caption: bool, why: str) -> None:
    with pytest.raises(Refused, match=why):
        check(text, "HTML", caption=caption)


@pytest.mark.parametrize(
    "text",
    [
        "x" * 4096,
        "<b>" + "x" * 4096 + "</b>",  # the limit counts what is shown, not the markup
        "&lt;name&gt; &amp; &quot;q&quot; &#39; &#x41;",
        '<a href="https://t.me/x?start=1&amp;a=2">link</a> <code>a &gt; b</code>',
        "a > b",
    ],
)
def test_accepted(text: str) -> None:
    check(text, "HTML")


def test_plain_text_without_a_parse_mode_is_taken_as_it_is() -> None:
    assert plain_text("a < b & <name>", None) == "a < b & <name>"
    assert plain_text("<b>&lt;1&gt;</b>", "HTML") == "<1>"
