"""Which requests are safe to share or repeat, and which provider limits each one counts against.

The provider answers error 9 past these limits (per login, per minute) and blocks the IP (error 4)
after many failing requests, so the client keeps under them itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

# 15 or more concurrent connections under one login get error 9.
MAX_CONCURRENT_PER_LOGIN = 14

IDENTICAL_LIMIT = 3
_IDENTICAL_LIMIT_BY_SCRIPT = {"balance": 10}

# Limits on any request of a kind, however its parameters differ.
_KIND_LIMITS: dict[tuple[str, str], int] = {
    ("documents", "add_account"): 1,
    ("documents", "chg_account"): 1,
    ("documents", "add_act"): 1,
    ("documents", "chg_act"): 1,
    ("senders", "add"): 5,
}

_READS = frozenset(
    {
        ("phones", "get"),
        ("phones", "get_group"),
        ("phones", "get_black"),
        ("mails", "get"),
        ("mails", "get_group"),
        ("mails", "get_black"),
        ("senders", "get"),
        ("documents", "get_account"),
        ("documents", "get_act"),
        ("downloads", "get_list"),
        ("downloads", "get_file"),
        ("balance", ""),
    }
)


@dataclass(frozen=True, slots=True)
class Operation:
    """One SMSC call: its script, its action flag, and the parameters without auth."""

    script: str
    action: str
    params: tuple[tuple[str, str], ...]
    # A stable name of the exact request, so that its window can be kept across restarts
    # without storing the parameters (phone numbers, names) themselves. Keyed: a phone
    # number is easily guessed, and an unkeyed digest of it would name it.
    key: str = field(default="", compare=False)

    @classmethod
    def build(
        cls, script: str, action: str, params: Mapping[str, str], *, names_key: bytes
    ) -> Operation:
        ordered = tuple(sorted(params.items()))
        # Not memoised: the parameters (phone numbers, names, comments) would stay in memory.
        material = repr((script, action, ordered)).encode()
        digest = hashlib.blake2b(material, key=names_key, digest_size=12)
        return cls(script, action, ordered, digest.hexdigest())

    @property
    def is_read(self) -> bool:
        """Reads change nothing: identical ones in flight can share one answer."""
        return (self.script, self.action) in _READS

    def limits(self) -> tuple[tuple[str, int], ...]:
        """The windows this request counts in: identical requests, and requests of its kind
        where SMSC limits a kind as a whole."""
        script, action = self.script, self.action
        rules = [(f"same:{self.key}", _IDENTICAL_LIMIT_BY_SCRIPT.get(script, IDENTICAL_LIMIT))]
        kind_limit = _KIND_LIMITS.get((script, action))
        if kind_limit is not None:
            rules.append((f"kind:{script}:{action}", kind_limit))
        return tuple(rules)


def clean_params(params: Mapping[str, object | None]) -> dict[str, str]:
    """Drop unset parameters and render the rest as the provider expects them."""
    rendered: dict[str, str] = {}
    for key, value in params.items():
        if value is None or value is False:
            continue
        if value is True:
            rendered[key] = "1"
        elif isinstance(value, (list, tuple)):
            rendered[key] = ",".join(str(item) for item in value)
        else:
            rendered[key] = str(value)
    return rendered
