"""A property: whatever command text people or attackers type (any case, any Unicode space or
digit, any @suffix), the dispatcher never fails unhandled, and the secret of a /login never
appears in a reply, a log line, the audit log, a request to SMSC or a database page.

/login comes in every shape people type it: misspelt, under another name, on the wrong
keyboard layout, glued to the login or to the secret, with another key for the slash; and
credentials come after a command that reads no words. Whatever the shape, the message is
deleted; only /login itself ever sends what follows it to SMSC."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from handlers.commands import KNOWN_COMMANDS, TAKE_NO_ARGUMENTS
from tests.fakes.telegram import BOT_USERNAME
from tests.integration.bot_harness import Harness, text_of

SPACES = [" ", "\u00a0", "\u3000", "\u2003", "\t", "  "]
DIGITS = "0123456789７９٠١٢٣٤٥٦٧۴"
WORDS = st.text(alphabet=st.sampled_from("abcXYZ+-_.@/()" + DIGITS), min_size=0, max_size=12)
# A secret no reply could contain by chance: a marker and random characters.
SECRETS = st.text(
    alphabet=st.sampled_from("abcdefghijkmnpqrstuvwxyzABCDEFGH23456789!#$%&*/-_"),
    min_size=8,
    max_size=16,
).map(lambda s: "Qz" + s)


LOGIN_SHAPE = re.compile(r"^[A-Za-z0-9_.@+-]{1,64}$")
# /login as people type it, and what may glue it to the secret (nothing only where the word is
# unmistakable: "pass" begins "passport").
LOGIN_FORMS = {
    "login": ["", ":", "_", ".", ","],
    "logn": [":", "_"],
    "логин": ["", ":", ","],
    "Вход": [":", "."],
    "пароль": ["", "_"],
    "password": ["", ":"],
    "pass": [":", "."],
    "apikey": ["", "_"],
    "auth": [":", ","],
    "дщпшт": ["", ":", "."],  # "login" with the Russian layout on
    "kjuby": ["", "_", "."],  # "логин" with the Latin layout on
    "логін": ["", ":"],
    "вхід": ["_"],
    "connect": [],
    "key": [],
    "підключити": [],
}
# Keys people press for the slash.
SLASHES = ["/", "/", ".", "\\"]
# A login as people have them.
LOGINS = st.text(alphabet=st.sampled_from("abcdefxyz0123_."), min_size=1, max_size=10).map(
    lambda s: "u" + s
)


def cased(word: str, pattern: list[bool]) -> str:
    return "".join(
        c.upper() if up else c.lower() for c, up in zip(word, pattern * 20, strict=False)
    )


@st.composite
def command_texts(draw: st.DrawFn) -> tuple[str, str | None, bool]:
    """The text, the secret in it if it carries one, and whether it is /login itself."""
    name = draw(st.sampled_from(sorted(KNOWN_COMMANDS | set(LOGIN_FORMS) | {"nosuch", ""})))
    pattern = draw(st.lists(st.booleans(), min_size=1, max_size=5))
    suffix = draw(st.sampled_from(["", f"@{BOT_USERNAME}", f"@{BOT_USERNAME.upper()}", "@"]))
    words = draw(st.lists(WORDS, max_size=4))
    secret, slash = None, "/"
    head = cased(name, pattern)
    if name in LOGIN_FORMS:
        secret = draw(SECRETS)
        slash = draw(st.sampled_from(SLASHES))
        glue = draw(st.sampled_from([None, *LOGIN_FORMS[name]]))
        if glue is None:
            words.insert(draw(st.integers(0, len(words))), secret)
        elif draw(st.booleans()):
            # The login glued on, the secret a word of its own: /login:demo P.
            head += glue + draw(LOGINS)
            words = [secret]
        else:
            head += glue + secret
    elif name in TAKE_NO_ARGUMENTS and draw(st.booleans()):
        # A secret no sentence holds (a digit in it), after a login or alone.
        secret = draw(SECRETS) + "7"
        words = [draw(LOGINS), secret] if draw(st.booleans()) else [secret]
    text = slash + head + suffix
    for word in words:
        text += draw(st.sampled_from(SPACES)) + word
    return text, secret, name == "login" and slash + head == "/" + cased(name, pattern)


def database_bytes(harness: Harness) -> bytes:
    path = Path(harness.app.storage.database.name)
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


@example(typed=("/login Qz!secret#1 demo", "Qz!secret#1", True), in_group=False)
@example(typed=("/LOGIN@SMSC_TEST_BOT\u00a0Qz$wapped ru", "Qz$wapped", True), in_group=True)
@example(typed=("/loginQz@glued", "Qz@glued", False), in_group=False)
@example(typed=("/login:demo Qz#apart", "Qz#apart", False), in_group=True)
@example(typed=("/дщпшт demo Qz#layout", "Qz#layout", False), in_group=True)
@example(typed=(".дщпшт demo Qz#dot", "Qz#dot", False), in_group=True)
@example(typed=("\\login demo Qz#back", "Qz#back", False), in_group=False)
@example(typed=("/account demo Qz7after", "Qz7after", False), in_group=True)
@example(typed=("/key Qz7k3y-key", "Qz7k3y-key", False), in_group=False)
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(typed=command_texts(), in_group=st.booleans())
async def test_any_command_text_is_handled_and_a_login_secret_stays_secret(
    harness: Harness,
    logged: pytest.LogCaptureFixture,
    typed: tuple[str, str | None, bool],
    in_group: bool,
) -> None:
    text, secret, is_login = typed
    chat, user = (-1007777, 7778) if in_group else (7777, 7777)
    harness.telegram.admins[-1007777].add(7778)
    logged.clear()
    # The harness lives across examples, and a shrinking run repeats a secret: only this
    # example's requests count.
    before = len(harness.sandbox.requests)
    calls = await harness.say(chat, text, user_id=user)
    requests = harness.sandbox.requests[before:]
    replies = text_of(calls)
    assert "Something went wrong" not in replies
    assert not [r for r in logged.records if r.getMessage() == "unhandled error"]
    if secret is None:
        return
    methods = [c.method for c in calls]
    assert "deleteMessage" in methods
    assert methods.index("deleteMessage") < methods.index("sendMessage")
    await harness.app.storage.audit.flush()
    await harness.app.storage.limits.flush()
    assert secret not in replies
    assert secret not in logged.text
    assert secret.casefold() not in logged.text.casefold()
    # Only a word that passed as a login may travel as one (and a typo like that cannot be
    # told from a real login); one that did not is never sent.
    if not LOGIN_SHAPE.match(secret):
        assert all(r.login != secret for r in requests)
    if not is_login:
        sent_to_smsc = [" ".join([r.login or "", *r.params.values()]) for r in requests]
        assert not [each for each in sent_to_smsc if secret in each]
    for entry in await harness.app.storage.audit.recent(chat, limit=500):
        assert secret not in f"{entry.action} {entry.target} {entry.result}"
    assert secret.encode() not in database_bytes(harness)
    assert secret.casefold().encode() not in database_bytes(harness)
