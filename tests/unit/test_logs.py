"""The token and the configured secrets leave no trace in a log line, tracebacks included, nor
in the one line the entry point prints when start-up fails in a way nobody foresaw."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

import bot.assembly.main as entry
from bot.logs import configure_logging
from storage import generate_key

TOKEN = "123456789:TEST-fake-token-for-log-tests-0000000"
WEBHOOK_SECRET = "webhook-secret-for-log-tests"
URL = f"http://[::1/bot{TOKEN}/getMe"


@pytest.fixture(autouse=True)
def root_handlers() -> Iterator[None]:
    root = logging.getLogger()
    kept, level = list(root.handlers), root.level
    yield
    root.handlers[:] = kept
    root.setLevel(level)


def failing_request() -> None:
    try:
        raise ConnectionError(f"cannot connect to {URL}")
    except ConnectionError as error:
        raise ValueError(f"Invalid URL {URL}, secret_token={WEBHOOK_SECRET}") from error


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_tracebacks_are_redacted(fmt: str) -> None:
    stream = io.StringIO()
    # The webhook secret is not configured here: its field name gives it away.
    configure_logging("DEBUG", fmt, [TOKEN], stream=stream)
    log = logging.getLogger("bot.test")
    try:
        failing_request()
    except ValueError:
        log.exception("request failed")
    text = stream.getvalue()
    assert "Traceback" in text
    assert "ConnectionError" in text  # the chained exception is there, redacted too
    for secret in (TOKEN, TOKEN.partition(":")[2], WEBHOOK_SECRET):
        assert secret not in text


def test_an_unforeseen_error_is_one_redacted_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("ENCRYPTION_KEYS", generate_key())
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("LOG_FORMAT", "text")
    monkeypatch.setenv("WEBHOOK_SECRET", WEBHOOK_SECRET)
    # Nothing known raises it: the last resort is for what was not foreseen.
    monkeypatch.setattr(entry, "execute", lambda *_: failing_request())
    with pytest.raises(SystemExit) as exited:
        entry.main([])
    assert exited.value.code == 1
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.startswith("smsc-bot: ")]
    assert lines == [
        "smsc-bot: stopped by an unexpected error: "
        "ValueError: Invalid URL http://[::1/bot***/getMe, secret_token=***"
    ]
    assert "Traceback" in err  # at DEBUG the log has the details, redacted too
    for secret in (TOKEN, TOKEN.partition(":")[2], WEBHOOK_SECRET):
        assert secret not in out + err
