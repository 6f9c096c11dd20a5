"""``python -m bot`` (or ``smsc-bot``): run the bot, or one of its maintenance commands."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.config import ConfigError, Settings, key_hint, load_settings, require_webhook_url
from bot.logs import Redactor, configure_logging
from bot.startup import StartupError
from storage import NoKeyConfiguredError, StorageError, generate_key

log = logging.getLogger("bot")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="smsc-bot", description="A Telegram chat-ops bot for SMSC customers."
    )
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=["run", "demo", "keygen", "rotate-keys", "check", "migrate-db"],
        help="run (default): the bot with long polling; demo: try it on the embedded sandbox; "
        "keygen: print a new encryption key; rotate-keys: re-encrypt stored credentials "
        "with the newest key; check: report database, key and SMSC reachability; "
        "migrate-db: copy the SQLite database into PostgreSQL (--to)",
    )
    parser.add_argument(
        "--to",
        metavar="URL",
        help="migrate-db: the PostgreSQL database to copy into (postgresql://...; "
        "DATABASE_URL when left out)",
    )
    parser.add_argument(
        "--webhook",
        action="store_true",
        help="serve a webhook (WEBHOOK_URL, WEBHOOK_SECRET) instead of polling",
    )
    parser.add_argument(
        "--allow-unreadable",
        action="store_true",
        help="start even when the encryption keys open none of the stored credentials",
    )
    parser.add_argument(
        "--skip-smsc",
        action="store_true",
        help="check: leave out SMSC reachability (for container health checks)",
    )
    return parser.parse_args(argv)


def fail(message: str, code: int = 2) -> None:
    print(f"smsc-bot: {message}", file=sys.stderr)
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.command == "keygen":
        print(generate_key())
        return
    if args.command == "demo":
        from bot.assembly.demo import main as demo_main

        demo_main()
        return
    redact = Redactor()
    try:
        settings = load_settings()
        if args.command == "run" and args.webhook:
            require_webhook_url(settings)
        redact = configure_logging(settings.log_level, settings.log_format, settings.secrets())
        execute(args, settings)
    except ConfigError as error:
        fail(f"configuration error: {error}")
    except NoKeyConfiguredError as error:
        fail(
            f"{error}"
            if "ENCRYPTION_KEYS_FILE" in str(error)
            else f"no encryption key configured: {key_hint()}"
        )
    except StorageError as error:
        fail(redact(f"storage error: {error}"), 1)
    except StartupError as error:
        fail(redact(str(error)), 1)
    except KeyboardInterrupt:
        pass
    except Exception as error:
        # Python's own report would be a traceback, and an exception's text may hold the
        # token (aiohttp quotes Bot API URLs): one line, redacted; the traceback at DEBUG.
        log.debug("stopped by an unexpected error", exc_info=True)
        fail(redact(f"stopped by an unexpected error: {one_line(error)}"), 1)


def execute(args: argparse.Namespace, settings: Settings) -> None:
    if args.command == "rotate-keys":
        asyncio.run(rotate_keys(settings))
    elif args.command == "check":
        from bot.assembly.health import run_check

        raise SystemExit(asyncio.run(run_check(settings, smsc=not args.skip_smsc)))
    elif args.command == "migrate-db":
        from bot.assembly.migrate_db import migrate_db

        asyncio.run(migrate_db(settings, args.to))
    else:
        asyncio.run(
            run(
                settings,
                webhook=args.webhook or bool(settings.webhook_url),
                allow_unreadable=args.allow_unreadable,
            )
        )


def one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


async def run(settings: Settings, *, webhook: bool, allow_unreadable: bool = False) -> None:
    from bot.assembly.app import build_application

    app = await build_application(settings, allow_unreadable=allow_unreadable)
    try:
        if webhook:
            from bot.assembly.webhook import run_webhook

            await run_webhook(app)
        else:
            await app.run_polling()
    finally:
        await app.close()


async def rotate_keys(settings: Settings) -> None:
    from storage import Storage

    storage = await Storage.open(settings.database(), settings.keyring())
    try:
        report = await storage.credentials.rotate()
    finally:
        await storage.close()
    print(f"re-encrypted {report.changed} chat(s) with the newest key")
    if report.unreadable:
        ids = ", ".join(str(chat_id) for chat_id in report.unreadable)
        fail(
            f"{len(report.unreadable)} chat(s) could not be decrypted with any configured key "
            f"and were left as they are: {ids}",
            1,
        )


if __name__ == "__main__":
    main()
