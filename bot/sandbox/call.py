"""One request as a script handler sees it: the account, the parameters, and ways to answer."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.sandbox.dialects import Dialect
from bot.sandbox.formats import render_answer
from bot.sandbox.state import Account, AddressBook, SandboxState

_PHONE = re.compile(r"^\+?\d{7,15}$")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")

TEXTS = {
    1: "parameters error",
    2: "authorise error",
    3: "no records found",
    4: "IP temporarily blocked",
    5: "operation failed",
    6: "sub-client not found",
    7: "invalid number",
    8: "message to the number cannot be delivered",
    9: "duplicate request, wait a minute",
    10: "code already sent, try again in 8 hours",
    11: "wrong code",
}


class SmscFail(Exception):
    def __init__(self, code: int, text: str | None = None) -> None:
        self.code = code
        self.text = text or TEXTS.get(code, "error")
        super().__init__(self.text)


def is_set(value: str | None) -> bool:
    """A flag is on when given and not ``0``: ``get=0`` asks for nothing, as at the provider."""
    return bool(value and value.strip() and value.strip() != "0")


@dataclass
class Call:
    state: SandboxState
    account: Account
    script: str
    params: dict[str, str]
    upload: bytes | None
    fmt: int
    dialect: Dialect
    charset: str

    def answer(self, payload: Any, item_tag: str = "item") -> web.Response:
        body, content_type = render_answer(self.fmt, self.dialect.values(payload), item_tag)
        if self.fmt == 3:
            body = self.dialect.json_text(body, self.charset)
            content_type = self.dialect.json_type
        return encoded(body, content_type, self.charset)

    def ok(self) -> web.Response:
        return self.answer({"result": "OK"})

    def flag(self, key: str) -> bool:
        return is_set(self.params.get(key))

    def int_param(self, key: str, *, required: bool = False) -> int | None:
        raw = self.params.get(key, "").strip()
        if not raw:
            if required:
                raise SmscFail(1)
            return None
        if not raw.lstrip("-").isdigit():
            raise SmscFail(1)
        return int(raw)

    def text(self, key: str, *, required: bool = False) -> str:
        value = self.params.get(key, "").strip()
        if required and not value:
            raise SmscFail(1)
        return value

    @property
    def book(self) -> AddressBook:
        return self.account.book(self.script)

    @property
    def field(self) -> str:
        return "mail" if self.script == "mails" else "phone"

    def address(self, key: str | None = None) -> str:
        value = self.text(key or self.field, required=True)
        self.check_address(value)
        return value

    def check_address(self, value: str) -> None:
        pattern = _EMAIL if self.script == "mails" else _PHONE
        if not pattern.match(value):
            raise SmscFail(1, f"invalid {self.field}")

    def count(self, maximum: int) -> int:
        count = self.int_param("cnt")
        if count is None:
            return maximum
        if not 1 <= count <= maximum:
            raise SmscFail(1)
        return count


# Marks a response that goes out with no Content-Type at all (aiohttp would add one).
NO_CONTENT_TYPE = "X-Sandbox-No-Content-Type"


def typed(response: web.StreamResponse, content_type: str | None, charset: str) -> None:
    """Label a response verbatim: the label may disagree with the bytes, as the real one's does."""
    if content_type is None:
        response.headers[NO_CONTENT_TYPE] = "1"
    else:
        response.headers["Content-Type"] = content_type.format(charset=charset)


def encoded(body: str, content_type: str | None, charset: str) -> web.Response:
    """The body in the charset the request asked for (windows-1251 when it asked for none)."""
    response = web.Response(body=body.encode(charset, errors="replace"))
    typed(response, content_type, charset)
    return response


Handler = Callable[[Call], Awaitable[web.StreamResponse]]
