"""The direct path's form encoding is urlencode's, byte for byte, for any text at all."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from hypothesis import given
from hypothesis import strategies as st

from bot.smsc.transport import form_body

TEXT = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ["", "demo", "user_1.x~-", "a b", "+7 (999) 000-11-22", "пароль", "a&b=c", "%41", "\n"]
)


@given(st.dictionaries(TEXT, TEXT, max_size=8))
def test_form_body_is_urlencode(form: dict[str, str]) -> None:
    body = form_body(form)
    assert body == urlencode(form).encode("ascii")
    assert dict(parse_qsl(body.decode(), keep_blank_values=True)) == form
