"""``python -m bot.sandbox --port N [--login L --password P] [--apikey K] [--rate-window S]``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from bot.sandbox import DEFAULT_LOGIN, DEFAULT_PASSWORD, SandboxServer, SandboxState


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
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
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    state = SandboxState()
    state.add_account(args.login, args.password, apikey=args.apikey)
    server = SandboxServer(
        state, host=args.host, port=args.port, rate_window=args.rate_window, latency=args.latency
    )
    url = await server.start()
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
