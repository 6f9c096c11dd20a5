"""How a chat authenticates to SMSC: a login with a password, or an API key."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from bot.smsc.regions import Endpoint


@dataclass(frozen=True, slots=True)
class Credentials:
    """Login + password, or an API key alone. Secrets stay out of ``repr()`` and ``str()``."""

    login: str | None = None
    password: str | None = field(default=None, repr=False)
    apikey: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.apikey:
            if self.password:
                raise ValueError("give either an API key or a login with a password, not both")
        elif not (self.login and self.password):
            raise ValueError("an SMSC login needs a password (or use an API key instead)")

    def fingerprint(self, key: bytes) -> str:
        """Equal for exactly these credentials and no others: the login as written and the
        secret. Keyed, so that a fingerprint kept in memory or in the database cannot be
        checked against guesses of the secret (or of a password typed where the login
        belongs) by anyone without ``key``."""
        kind = "apikey" if self.apikey else "password"
        login = self.login or ""
        secret = self.apikey or self.password or ""
        material = f"{kind}|{len(login)}:{login}|{secret}".encode()
        return hashlib.blake2b(material, key=key, digest_size=16).hexdigest()

    def auth_params(self) -> dict[str, str]:
        if self.apikey:
            return {"apikey": self.apikey}
        assert self.login is not None
        assert self.password is not None
        return {"login": self.login, "psw": self.password}

    def __repr__(self) -> str:
        secret = "apikey=***" if self.apikey else "password=***"
        return f"Credentials(login={self.login!r}, {secret})"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class Account:
    """One set of credentials at one SMSC site: what may share answers in flight, limiter
    windows and kept copies. Two chats share an account only when their credentials are the
    same, secret included: a chat whose password went stale is an account of its own, whose
    requests fail, and never reads through another chat's.

    ``key`` names it without the secret (the site and a keyed fingerprint): fit for logs, the
    limiter's journal and cache keys.
    """

    endpoint: Endpoint
    credentials: Credentials = field(repr=False)
    key: str
    # The SMSC login whose limits the requests count against: SMSC counts identical requests
    # and connections per login, whichever password or chat sent them. A login is looked up in
    # any case; an API key names no login, so it is its own.
    budget: str

    @classmethod
    def of(cls, endpoint: Endpoint, credentials: Credentials, names_key: bytes) -> Account:
        # One name per site, however the address was written (https://SMSC.ru/, www2.smsc.ru).
        site = endpoint.site
        key = f"{site}|{credentials.fingerprint(names_key)}"
        budget = key
        if credentials.login and not credentials.apikey:
            material = f"login|{credentials.login.casefold()}".encode()
            budget = (
                f"{site}|{hashlib.blake2b(material, key=names_key, digest_size=16).hexdigest()}"
            )
        return cls(endpoint, credentials, key, budget)
