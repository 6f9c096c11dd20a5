"""Settings from the environment (and a ``.env`` file), checked at start-up."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage import Keyring, NoKeyConfiguredError, parse_keys
from storage.crypto import KEYGEN_COMMAND
from storage.database import POSTGRES_SCHEMES

MIN_PRODUCTION_INTERVAL = 60
# Telegram's rule for setWebhook's secret_token; anything else it refuses only at start-up.
WEBHOOK_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr
    telegram_api_url: str | None = None
    smsc_base_url: str | None = None
    database_path: Path = Path("data/smsc-bot.sqlite3")
    # PostgreSQL instead of the SQLite file, for several replicas on one database.
    database_url: SecretStr | None = None
    encryption_keys: SecretStr | None = None
    encryption_keys_file: Path | None = None
    watch_interval: int = Field(default=300, ge=1, le=86_400)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"

    # Operational knobs; the defaults suit the real provider.
    smsc_timeout: float = Field(default=20.0, gt=0, le=300)
    smsc_rate_window: float = Field(default=60.0, gt=0, le=3600)
    smsc_max_wait: float = Field(default=3.0, ge=0, le=120)
    smsc_ip_block_backoff: float = Field(default=600.0, gt=0, le=86_400)
    telegram_file_limit_mb: int = Field(default=50, ge=1, le=2000)
    watch_concurrency: int = Field(default=50, ge=1, le=1000)
    updates_concurrency: int = Field(default=64, ge=1, le=10_000)
    # Against a fake Bot API only (tests, benchmarks): every Telegram retry wait times this.
    telegram_wait_scale: float = Field(default=1.0, gt=0, le=1)

    # Several replicas: what they share (limits, dialogs, copies, leases) lives here.
    redis_url: SecretStr | None = None
    # How long a replica's lease (the watcher, polling) outlives its last renewal.
    replica_lease: float = Field(default=30.0, ge=0.3, le=600)

    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value()
        head, _, tail = token.partition(":")
        if not head.isdigit() or len(tail) < 10:
            raise ValueError("must look like 123456789:AA... (as @BotFather gives it)")
        return value

    @field_validator("telegram_api_url", "smsc_base_url", "webhook_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        # The value is never quoted back: a URL may carry a password, and a bad one used to
        # surface only inside a request error, next to the bot token.
        try:
            parts = urlsplit(value)
            port = parts.port
        except ValueError:
            raise ValueError("is not a valid URL (check brackets and the port)") from None
        if not parts.hostname:
            raise ValueError("names no host")
        if port == 0:
            raise ValueError("has port 0")
        if any(char.isspace() or not char.isprintable() for char in value):
            raise ValueError("holds spaces or control characters")
        return value

    @field_validator("telegram_api_url", "smsc_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        # Paths are appended to these ("/bot<token>/getMe"): after a query or a fragment the
        # token would travel as a query string; aiogram formats braces as placeholders.
        if value is not None and any(char in value for char in "?#{}"):
            raise ValueError("must be a base address, without ?, #, { or }")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not WEBHOOK_SECRET_SHAPE.fullmatch(value.get_secret_value()):
            raise ValueError(
                "must be 1 to 256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)"
            )
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        # Never quoted back: the URL may carry Redis's password.
        if not value.get_secret_value().strip().startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        return SecretStr(_postgres_url(value.get_secret_value().strip()))

    @model_validator(mode="after")
    def _webhook(self) -> Settings:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("WEBHOOK_SECRET is required when WEBHOOK_URL is set")
        return self

    def keyring(self) -> Keyring:
        text = ""
        if self.encryption_keys is not None:
            text = self.encryption_keys.get_secret_value()
        elif self.encryption_keys_file is not None:
            try:
                text = self.encryption_keys_file.read_text()
            except OSError as error:
                raise NoKeyConfiguredError(
                    f"ENCRYPTION_KEYS_FILE {self.encryption_keys_file} cannot be read "
                    f"({error.strerror})"
                ) from None
        return Keyring(parse_keys(text)) if text.strip() else Keyring([])

    def database(self) -> str | Path:
        """Where storage lives: PostgreSQL's URL when DATABASE_URL is set, else the SQLite file."""
        return self.database_url.get_secret_value() if self.database_url else self.database_path

    def secrets(self) -> list[str]:
        """Values the log filter must never let through."""
        found = [self.bot_token.get_secret_value()]
        if self.webhook_secret:
            found.append(self.webhook_secret.get_secret_value())
        for url in (self.redis_url, self.database_url):
            password = urlsplit(url.get_secret_value()).password if url else None
            if password:
                found.append(password)
        if self.encryption_keys:
            found += [k.strip() for k in self.encryption_keys.get_secret_value().split(",")]
        return [s for s in found if len(s) >= 6]

    @property
    def telegram_file_limit(self) -> int:
        return self.telegram_file_limit_mb * 1024 * 1024

    def log_interval_warning(self, log: logging.Logger) -> None:
        if self.watch_interval < MIN_PRODUCTION_INTERVAL:
            log.warning(
                "WATCH_INTERVAL below 60 s: for tests and demos only",
                extra={"watch_interval": self.watch_interval},
            )


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line naming it."""


def _postgres_url(text: str) -> str:
    # Never quoted back: the URL may carry the database's password.
    if not text.startswith(POSTGRES_SCHEMES):
        raise ValueError("must start with postgresql:// or postgres://")
    try:
        port = urlsplit(text).port
    except ValueError:
        raise ValueError("is not a valid URL (check brackets and the port)") from None
    if port == 0:
        raise ValueError("has port 0")
    if any(char.isspace() or not char.isprintable() for char in text):
        raise ValueError("holds spaces or control characters")
    return text


def check_database_url(text: str, name: str) -> str:
    """A PostgreSQL URL given elsewhere than in DATABASE_URL (``name`` says where)."""
    try:
        return _postgres_url(text.strip())
    except ValueError as error:
        raise ConfigError(f"{name} is malformed: {error}") from None


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise ConfigError(describe(error)) from None


def describe(error: ValidationError) -> str:
    first = error.errors()[0]
    name = "_".join(str(part) for part in first["loc"]).upper()
    message = first["msg"].removeprefix("Value error, ")
    if not name:
        # A check across settings: its message names them.
        return message
    if first["type"] == "missing":
        return f"{name} is required: set it in the environment or in .env"
    return f"{name} is malformed: {message}"


def require_webhook_url(settings: Settings) -> None:
    if not settings.webhook_url:
        raise ConfigError("WEBHOOK_URL is required with --webhook")


def key_hint() -> str:
    return f"make one with `{KEYGEN_COMMAND}` and put it in ENCRYPTION_KEYS"
