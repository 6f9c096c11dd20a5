"""Builds per-chat clients on the shared transport."""

from __future__ import annotations

from enum import Enum
from typing import Literal

from bot.smsc.client import SmscClient
from bot.smsc.credentials import Credentials
from bot.smsc.regions import Endpoint, Region
from bot.smsc.transport import SmscTransport


class _Unset(Enum):
    UNSET = "unset"


# "Not given": the factory's own default, distinct from None ("wait as long as needed").
UNSET = _Unset.UNSET
MaxWait = float | None | Literal[_Unset.UNSET]


class SmscFactory:
    """``forced_base_url`` sends every chat to one address (a mirror, the sandbox, tests)."""

    def __init__(
        self,
        transport: SmscTransport,
        *,
        forced_base_url: str | None = None,
        max_wait: float | None = None,
    ) -> None:
        self.transport = transport
        self.forced_base_url = forced_base_url
        self.max_wait = max_wait

    def endpoint(self, region: str | None, base_url: str | None = None) -> Endpoint:
        return _endpoint(self.forced_base_url or base_url or None, region)

    def client(
        self,
        credentials: Credentials,
        *,
        region: str | None = None,
        base_url: str | None = None,
        max_wait: MaxWait = UNSET,
        untried: bool = False,
    ) -> SmscClient:
        """``max_wait`` unset keeps the factory's default; None waits as long as needed."""
        return SmscClient(
            self.transport,
            credentials,
            self.endpoint(region, base_url),
            max_wait=self.max_wait if max_wait is UNSET else max_wait,
            untried=untried,
        )


def _endpoint(base_url: str | None, region: str | None) -> Endpoint:
    if base_url:
        return Endpoint(base_url)
    return Endpoint.for_region(Region(region or Region.RU))
