"""Where the SMSC API lives: the provider's regional sites and custom mirrors."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Region(StrEnum):
    RU = "ru"
    UA = "ua"
    KZ = "kz"
    COM = "com"


# The provider's own libraries fall back to a www2 host of the same domain on a connection
# error; smsc.ua publishes no backup host.
_HOSTS: dict[Region, tuple[str, tuple[str, ...]]] = {
    Region.RU: ("https://smsc.ru", ("https://www2.smsc.ru",)),
    Region.UA: ("https://smsc.ua", ()),
    Region.KZ: ("https://smsc.kz", ("https://www2.smsc.kz",)),
    Region.COM: ("https://smscentre.com", ("https://www2.smscentre.com",)),
}


_REGION_OF_SITE = {base.split("://", 1)[1]: region for region, (base, _) in _HOSTS.items()}


class Endpoint:
    """A base URL to call and the backup hosts to try when it cannot be reached, each written
    one way (``https://SMSC.RU/`` is ``https://SMSC.RU``). Read-only; equal when the addresses
    are."""

    __slots__ = ("_backups", "_base_url", "_site")

    def __init__(self, base_url: str, backups: Iterable[str] = ()) -> None:
        self._base_url = _normalise(base_url)
        self._backups = tuple(_normalise(url) for url in backups)
        self._site = _site(self._base_url)

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def backups(self) -> tuple[str, ...]:
        return self._backups

    @property
    def site(self) -> str:
        """The provider's site, however the address was written: ``smsc.ru`` for
        ``https://smsc.ru``, ``https://SMSC.RU/`` and the backup host ``https://www2.smsc.ru``."""
        return self._site

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Endpoint):
            return NotImplemented
        return (self._base_url, self._backups) == (other._base_url, other._backups)

    def __hash__(self) -> int:
        return hash((self._base_url, self._backups))

    def __repr__(self) -> str:
        return f"Endpoint(base_url={self._base_url!r}, backups={self._backups!r})"

    @classmethod
    def for_region(cls, region: Region | str) -> Endpoint:
        base, backups = _HOSTS[Region(region)]
        return cls(base, backups)

    @staticmethod
    def script_url(base: str, script: str) -> str:
        return f"{base}/sys/{script}.php"

    @property
    def hosts(self) -> tuple[str, ...]:
        return (self.base_url, *self.backups)

    @property
    def region(self) -> Region | None:
        """The provider's region this address belongs to; None for a custom mirror."""
        return _REGION_OF_SITE.get(self.site)


def _site(url: str) -> str:
    host = url.split("://", 1)[-1].split("/", 1)[0].lower()
    name, colon, port = host.partition(":")
    if colon and port in ("80", "443"):
        host = name
    head, dot, rest = host.partition(".")
    if dot and rest and (head == "www" or (head.startswith("www") and head[3:].isdigit())):
        host = rest
    return host


def _normalise(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"an SMSC base URL must start with http:// or https://, got {url!r}")
    return url
