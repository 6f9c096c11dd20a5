"""Settings that could only fail later, inside a request, are refused at start with their name."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings

TOKEN = "123456789:TEST-fake-token-for-config-tests-0"
HOOK = "http://127.0.0.1:8443/hook"


def refusal(**settings: object) -> str:
    with pytest.raises(ConfigError) as raised:
        load_settings(bot_token=TOKEN, **settings)
    return str(raised.value)


@pytest.mark.parametrize("name", ["telegram_api_url", "smsc_base_url", "webhook_url"])
@pytest.mark.parametrize(
    "value",
    [
        "http://[::1",
        "http://[::1/bot",
        "http://127.0.0.1:99999",
        "http://127.0.0.1:port",
        "http://:8081",
        "https:///path",
        "http://user:pa55word@:8081",
        "http://127.0.0.1:8081/a b",
    ],
)
def test_a_malformed_url_is_named_and_not_quoted(name: str, value: str) -> None:
    message = refusal(**{name: value}, webhook_secret="s3cret")
    assert message.startswith(f"{name.upper()} is malformed: ")
    assert value not in message
    assert "pa55word" not in message


@pytest.mark.parametrize("name", ["telegram_api_url", "smsc_base_url"])
@pytest.mark.parametrize(
    "value",
    ["http://127.0.0.1:8081?x=1", "http://127.0.0.1:8081/#top", "http://127.0.0.1:8081/{x}"],
)
def test_a_base_address_takes_no_query_fragment_or_placeholder(name: str, value: str) -> None:
    message = refusal(**{name: value})
    assert message == f"{name.upper()} is malformed: must be a base address, without ?, #, {{ or }}"


@pytest.mark.parametrize(
    "value", ["http://127.0.0.1:8081", "https://api.example.org/", "http://[::1]:8081/base"]
)
def test_a_well_formed_url_is_kept(value: str) -> None:
    settings = load_settings(bot_token=TOKEN, telegram_api_url=value)
    assert settings.telegram_api_url == value.rstrip("/")


@pytest.mark.parametrize(
    "secret",
    ["with space", "ключ", "semi;colon", "quote'd", "dot.ted", "x" * 257, "tab\there"],
)
def test_a_webhook_secret_telegram_would_refuse_is_named(secret: str) -> None:
    message = refusal(webhook_url=HOOK, webhook_secret=secret)
    assert message.startswith("WEBHOOK_SECRET is malformed: ")
    assert "A-Z, a-z, 0-9, _ and -" in message
    assert secret not in message


@pytest.mark.parametrize("secret", ["a", "x" * 256, "Az09_-", "webhook-secret-0123456789"])
def test_a_webhook_secret_in_telegram_s_alphabet_is_accepted(secret: str) -> None:
    settings = load_settings(bot_token=TOKEN, webhook_url=HOOK, webhook_secret=secret)
    assert settings.webhook_secret is not None
    assert settings.webhook_secret.get_secret_value() == secret


@pytest.mark.parametrize("secret", [None, ""])
def test_a_webhook_without_a_secret_says_which_setting_is_missing(secret: str | None) -> None:
    assert refusal(webhook_url=HOOK, webhook_secret=secret) == (
        "WEBHOOK_SECRET is required when WEBHOOK_URL is set"
    )


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("mysql://bot:pa55word@db/smsc", "must start with postgresql:// or postgres://"),
        ("sqlite:///data/bot.sqlite3", "must start with postgresql:// or postgres://"),
        ("postgresql://bot:pa55word@db:99999/smsc", "is not a valid URL"),
        ("postgresql://bot:pa55word@db:0/smsc", "has port 0"),
        ("postgresql://bot:pa55word@db/sm sc", "holds spaces or control characters"),
    ],
)
def test_a_database_url_that_is_not_postgresql_is_named_and_not_quoted(
    value: str, why: str
) -> None:
    message = refusal(database_url=value)
    assert message.startswith(f"DATABASE_URL is malformed: {why}")
    assert "pa55word" not in message


def test_a_database_url_keeps_its_password_out_of_sight_but_in_the_log_filter() -> None:
    url = "postgresql://bot:pa55word-db@db.internal:5432/smsc"
    settings = load_settings(bot_token=TOKEN, database_url=url)
    assert settings.database() == url
    assert "pa55word" not in repr(settings)
    assert "pa55word-db" in settings.secrets()
    # Without it, the SQLite file.
    assert load_settings(bot_token=TOKEN, database_url=" ").database() == settings.database_path
