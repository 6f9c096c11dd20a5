"""Reading SMSC's answers: JSON at fmt=3, the error forms, and files told apart from errors.

Errors arrive with HTTP 200 in any of several forms, labels disagree with bytes (UTF-8 labelled
windows-1251), and no page names the content type of a PDF or a CSV. So answers are judged by
their bytes, never by the ``Content-Type`` header alone.
"""

from __future__ import annotations

import email.policy
import json
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from bot.smsc.errors import SmscBadResponseError, api_error

_PLAIN_ERROR = re.compile(rb"^\s*ERROR\s*=\s*(\d+)\s*(?:\((.*)\))?", re.DOTALL)
# A UTF-8 byte-order mark: some servers put one before a JSON answer; it is no part of it.
_BOM = b"\xef\xbb\xbf"
# Enough of a body's start to tell a file from an error answer or an HTML page.
HEAD_BYTES = 512


def without_bom(body: bytes) -> bytes:
    """The body without a leading UTF-8 byte-order mark (after any whitespace)."""
    stripped = body.lstrip()
    return stripped[len(_BOM) :] if stripped.startswith(_BOM) else body


def decode_text(body: bytes) -> str:
    # Every request asks for charset=utf-8, yet answers have been seen labelled windows-1251:
    # trust what was asked for and fall back only when the bytes are not UTF-8 at all.
    body = without_bom(body)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1251", errors="replace")


def raise_for_error(payload: Any, script: str) -> None:
    if isinstance(payload, dict) and ("error_code" in payload or "error" in payload):
        raise api_error(_code(payload.get("error_code")), str(payload.get("error", "")), script)


def _code(raw: Any) -> int:
    try:
        return int(float(str(raw).strip()))
    except (TypeError, ValueError, OverflowError):
        return 0


def _raise_plain_error(body: bytes, script: str) -> None:
    plain = _PLAIN_ERROR.match(without_bom(body[: HEAD_BYTES * 8]))
    if plain:
        text = decode_text(plain.group(2) or b"").strip()
        raise api_error(int(plain.group(1)), text, script)


def parse_json_answer(body: bytes, script: str) -> Any:
    """Decode a fmt=3 answer, raising the matching error class for any error form."""
    _raise_plain_error(body, script)
    try:
        payload = json.loads(decode_text(body))
    except ValueError:
        raise SmscBadResponseError(
            f"SMSC sent a body that is not JSON on {script}.php ({len(body)} bytes)"
        ) from None
    raise_for_error(payload, script)
    return payload


def listing_body(body: bytes, script: str) -> bytes:
    """A list answer's bytes, as they came, once it is clear they are no error answer.

    Kept unparsed: the watcher compares answers by digest and parses only those that changed.
    """
    body = without_bom(body)
    if body.lstrip()[:1] != b"[":
        parse_json_answer(body, script)  # raises for every error form and for garbage
    return body


def looks_like_answer(head: bytes) -> bool:
    """True when a body that should be a file starts like an error answer or a web page."""
    head = without_bom(head)
    start = head.lstrip()[:1]
    return start in (b"{", b"<") or _PLAIN_ERROR.match(head) is not None


def refuse_non_file(body: bytes, script: str) -> None:
    """Raise for a body that is an error answer (any form) or HTML where a file was expected.

    Call it with the whole body when :func:`looks_like_answer` said yes for its start.
    """
    _raise_plain_error(body, script)
    stripped = without_bom(body).lstrip()
    if stripped[:1] == b"{":
        try:
            payload = json.loads(decode_text(stripped))
        except ValueError:
            payload = None
        raise_for_error(payload, script)
    raise SmscBadResponseError(
        f"SMSC sent a page or an answer where a file was expected on {script}.php"
    )


def is_pdf(body: bytes) -> bool:
    # The PDF format allows a little junk before its header; real files start with it.
    return b"%PDF-" in body[:1024]


@dataclass(slots=True)
class RawAnswer:
    content_type: str
    body: bytes

    @property
    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip().lower()


def parse_multipart(answer: RawAnswer, script: str) -> list[EmailMessage]:
    """Split a multipart answer into its parts with the standard MIME parser.

    A body that starts with a boundary line is read as multipart even when its label says
    otherwise, since no page promises the label.
    """
    content_type = answer.content_type
    if not answer.media_type.startswith("multipart/"):
        first_line = answer.body.lstrip().split(b"\r\n", 1)[0].split(b"\n", 1)[0]
        if not first_line.startswith(b"--") or len(first_line) < 3:
            raise SmscBadResponseError(f"SMSC did not send a multipart answer on {script}.php")
        boundary = first_line[2:].strip().decode("latin-1")
        content_type = f'multipart/mixed; boundary="{boundary}"'
    header = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=email.policy.HTTP).parsebytes(header + answer.body.lstrip())
    if not message.is_multipart():
        raise SmscBadResponseError(f"SMSC sent a malformed multipart answer on {script}.php")
    return [part for part in message.iter_parts() if isinstance(part, EmailMessage)]
