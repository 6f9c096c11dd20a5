"""Which requests are safe to share or repeat, and which provider limits each one counts against.

The provider answers error 9 past these limits (per login, per minute) and blocks the IP (error 4)
after many failing requests, so the client keeps under them itself.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

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

    @classmethod
    def build(cls, script: str, action: str, params: Mapping[str, str]) -> Operation:
        return cls(script, action, tuple(sorted(params.items())))

    @property
    def is_read(self) -> bool:
        """Reads change nothing: identical ones in flight can share one answer."""
        return (self.script, self.action) in _READS

    def limits(self) -> list[tuple[Hashable, int]]:
        identical = _IDENTICAL_LIMIT_BY_SCRIPT.get(self.script, IDENTICAL_LIMIT)
        rules: list[tuple[Hashable, int]] = [(("same", self), identical)]
        kind_limit = _KIND_LIMITS.get((self.script, self.action))
        if kind_limit is not None:
            rules.append((("kind", self.script, self.action), kind_limit))
        return rules
