"""From a chat's stored credentials to a ready SMSC client."""

from __future__ import annotations

from bot.smsc import Credentials, SmscClient
from bot.smsc.factory import SmscFactory
from storage import AuthKind, ChatCredentials


def client_for(
    factory: SmscFactory, stored: ChatCredentials, *, max_wait: float | None = -1.0
) -> SmscClient:
    """``max_wait`` -1 keeps the factory's default (short, for people waiting in a chat)."""
    if stored.auth_kind is AuthKind.APIKEY:
        credentials = Credentials(login=stored.login, apikey=stored.secret)
    else:
        credentials = Credentials(login=stored.login, password=stored.secret)
    return factory.client(
        credentials, region=stored.region, base_url=stored.base_url, max_wait=max_wait
    )
