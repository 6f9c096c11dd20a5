"""How a chat authenticates to SMSC: a login with a password, or an API key."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


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

    @property
    def identity(self) -> str:
        """A stable name for rate limiting and logs; an API key is only ever shown hashed."""
        if self.apikey:
            digest = hashlib.sha256(self.apikey.encode()).hexdigest()[:12]
            return f"apikey:{digest}"
        return f"login:{self.login}"

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
