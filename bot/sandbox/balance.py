"""``balance.php``: the account's balance, a string as the provider sends it."""

from __future__ import annotations

from aiohttp import web

from bot.sandbox.call import Call, Handler


async def balance(call: Call) -> web.Response:
    payload: dict[str, str] = {"balance": f"{call.account.balance:.2f}"}
    if call.flag("cur"):
        payload["currency"] = call.account.currency
    return call.answer(payload, "balance")


ACTIONS: dict[str, Handler] = {"": balance}
