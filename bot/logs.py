"""Structured logs, one line per event, with every secret redacted in every logger.

The redaction filter sits on the handler, so it also covers httpx (which logs request lines),
aiogram (whose Bot API URLs contain the token) and aiosqlite.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

REDACTED = "***"

_context: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "smsc_bot_log_context", default=MappingProxyType({})
)

_PATTERNS = (
    # psw=..., apikey=..., token=... in query strings and form bodies
    re.compile(r"(?i)\b(psw|password|apikey|api_key|secret|secret_token|token)=([^&\s\"',;]+)"),
    # "psw": "...", 'apikey': '...' in reprs and JSON
    re.compile(
        r"(?i)([\"'](?:psw|password|apikey|api_key|secret|secret_token)[\"']\s*:\s*)"
        r"([\"'])(.*?)\2"
    ),
    # a Bot API token anywhere, /bot<token>/ URLs included
    re.compile(r"\b\d{5,12}:[A-Za-z0-9_-]{30,}\b"),
)

_STANDARD = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Fields added to every record logged inside the block (chat id, command, ...)."""
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> Mapping[str, Any]:
    return _context.get()


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = {s for s in secrets if s}

    def add(self, *secrets: str) -> None:
        self._secrets.update(s for s in secrets if s and len(s) >= 4)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        text = _PATTERNS[0].sub(lambda m: f"{m.group(1)}={REDACTED}", text)
        text = _PATTERNS[1].sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}{m.group(2)}", text)
        return _PATTERNS[2].sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """Renders each record's message and fields, then scrubs them."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in current_context().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        record.msg = self.redactor(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.redactor(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, self.redactor(value))
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                payload[key] = value
        if record.exc_text:
            payload["exception"] = record.exc_text
        return json.dumps(payload, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(
            f"{key}={value}"
            for key, value in vars(record).items()
            if key not in _STANDARD and not key.startswith("_")
        )
        line = f"{self.formatTime(record)} {record.levelname:<7} {record.name}: "
        line += record.getMessage()
        if fields:
            line += f" [{fields}]"
        if record.exc_text:
            line += "\n" + record.exc_text
        return line


def configure_logging(
    level: str = "INFO", fmt: str = "json", secrets: Iterable[str] = (), stream: Any = None
) -> Redactor:
    redactor = Redactor(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RedactingFilter(redactor))
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # These log every statement or every request line; their DEBUG adds nothing we need.
    logging.getLogger("aiosqlite").setLevel(max(logging.INFO, root.level))
    # httpx logs every request line at INFO: useful when debugging, noise otherwise.
    logging.getLogger("httpx").setLevel(
        logging.DEBUG if root.level <= logging.DEBUG else logging.WARNING
    )
    logging.getLogger("apscheduler").setLevel(max(logging.INFO, root.level))
    logging.getLogger("tzlocal").setLevel(max(logging.INFO, root.level))
    logging.getLogger("asyncio").setLevel(max(logging.INFO, root.level))
    return redactor
