"""/watch's grammar: which notifications, on or off, and how often a chat is polled."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from aiogram.utils.i18n import gettext as _

from handlers.durations import TimeUnit
from handlers.phones import ascii_digits
from handlers.readers import ArgumentError, clip, words_of

MIN_CHAT_INTERVAL_MINUTES = 1
MAX_CHAT_INTERVAL_MINUTES = 24 * 60


class WatchKind(StrEnum):
    DOWNLOADS = "downloads"
    SENDERS = "senders"
    EVERY = "every"


@dataclass(frozen=True, slots=True)
class WatchArgs:
    kind: WatchKind | None  # None: show the status
    enabled: bool | None = None
    minutes: int | None = None
    # The unit the interval was given in; None for a bare number.
    unit: TimeUnit | None = None


def usage_watch() -> str:
    return _(
        "/watch  ·  /watch downloads on|off  ·  /watch senders on|off  ·  /watch every <interval>"
    )


def watch(text: str | None) -> WatchArgs:
    usage = usage_watch()
    words = [ascii_digits(w).lower() for w in words_of(text)]
    if not words:
        return WatchArgs(None)
    if words[0] == "every" and len(words) in (2, 3):
        # "5 min" is one interval, "5 5" no interval at all.
        unit_apart = len(words) == 3 and words[2].rstrip(".").isalpha()
        interval = _interval("".join(words[1:])) if len(words) == 2 or unit_apart else None
        minutes, unit = interval or (None, None)
        if minutes is None or not (
            MIN_CHAT_INTERVAL_MINUTES <= minutes <= MAX_CHAT_INTERVAL_MINUTES
        ):
            raise ArgumentError(
                _(
                    "The interval is from {low} min to {high} h (a day), in minutes, hours or "
                    "days: 15 min, 2 h, 1 day."
                ).format(
                    low=MIN_CHAT_INTERVAL_MINUTES,
                    high=MAX_CHAT_INTERVAL_MINUTES // TimeUnit.HOUR,
                ),
                usage,
            )
        return WatchArgs(WatchKind.EVERY, minutes=minutes, unit=unit)
    if len(words) != 2:
        raise ArgumentError(_("Give what to watch and on or off."), usage)
    kind, value = words
    if kind not in {WatchKind.DOWNLOADS, WatchKind.SENDERS}:
        raise ArgumentError(
            _("I can watch “downloads” or “senders”, not “{value}”.").format(value=clip(kind)),
            usage,
        )
    if value not in {"on", "off"}:
        raise ArgumentError(_("Say on or off, not “{value}”.").format(value=clip(value)), usage)
    return WatchArgs(WatchKind(kind), enabled=value == "on")


# "15", "15m", "15 min", "2h", "2 hours", "1 day", in the bot's three languages.
_INTERVAL = re.compile(r"^([0-9]{1,5})([^\W\d_]*)$")
_UNITS = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), TimeUnit.MINUTE),
    **dict.fromkeys(("мин", "минут", "минуты", "минута", "минуту"), TimeUnit.MINUTE),
    **dict.fromkeys(("хв", "хвилин", "хвилини", "хвилина", "хвилину"), TimeUnit.MINUTE),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), TimeUnit.HOUR),
    **dict.fromkeys(("ч", "час", "часа", "часов"), TimeUnit.HOUR),
    **dict.fromkeys(("год", "година", "години", "годин", "годину"), TimeUnit.HOUR),
    # A day is the longest interval there is; "1 сутки" and "1 доба" are how many say it.
    **dict.fromkeys(("d", "day", "days"), TimeUnit.DAY),
    **dict.fromkeys(("д", "дн", "день", "дня", "дней", "сут", "сутки", "суток"), TimeUnit.DAY),
    **dict.fromkeys(("дні", "днів", "доба", "добу", "доби", "діб"), TimeUnit.DAY),
}


def _interval(text: str) -> tuple[int, TimeUnit | None] | None:
    """Minutes, and the unit they were given in (None: a bare number, read as minutes)."""
    match = _INTERVAL.match(text.rstrip("."))
    if match is None:
        return None
    count, word = int(match.group(1)), match.group(2)
    if not word:
        return count, None
    unit = _UNITS.get(word)
    return None if unit is None else (count * unit, unit)
