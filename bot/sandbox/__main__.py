"""``python -m bot.sandbox --port N [--login L --password P] [--apikey K] [--rate-window S]
[--dialect plain|quirks|spare | --quirks]``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal

from bot.sandbox import DEFAULT_LOGIN, DEFAULT_PASSWORD, DIALECTS, SandboxServer, SandboxState


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089, help="0 picks a free port")
    parser.add_argument("--login", default=DEFAULT_LOGIN)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--apikey", default=None)
    parser.add_argument(
        "--rate-window",
        type=float,
        default=60.0,
        help="seconds of the provider's rate window (60 as the real one)",
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    parser.add_argument(
        "--accounts",
        type=int,
        default=0,
        help="also create accounts user1..userN (each password is its login), for load tests",
    )
    parser.add_argument(
        "--dialect",
        choices=sorted(DIALECTS),
        default="plain",
        help="how answers are worded where the pages allow several forms (bot/sandbox/dialects.py)",
    )
    parser.add_argument(
        "--quirks",
        action="store_const",
        const="quirks",
        dest="dialect",
        help="the same as --dialect quirks: values quoted as in the samples, odd content types",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="print only a JSON line with the URL, and keep no record of requests",
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    state = SandboxState()
    state.add_account(args.login, args.password, apikey=args.apikey)
    for number in range(1, args.accounts + 1):
        state.add_account(f"user{number}", f"user{number}")
    server = SandboxServer(
        state,
        host=args.host,
        port=args.port,
        rate_window=args.rate_window,
        latency=args.latency,
        dialect=DIALECTS[args.dialect],
    )
    server.record_requests = not args.quiet
    url = await server.start()
    if args.quiet:
        print(json.dumps({"url": url}), flush=True)
    else:
        print(f"SMSC sandbox on {url} (account {args.login!r}); Ctrl+C stops it", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> None:
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
