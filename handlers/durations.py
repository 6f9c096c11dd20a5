"""Lengths of time as people say them: "3 hours", "1 минуту", "5 хвилин".

Every phrase here is what follows "every", "in" or "for" ("через", "раз в", "на"): Russian and
Ukrainian put the noun in the accusative there, which is what their catalogs give.
"""

from __future__ import annotations

from enum import IntEnum

from aiogram.utils.i18n import ngettext


class TimeUnit(IntEnum):
    """A unit of an interval, by its length in minutes."""

    MINUTE = 1
    HOUR = 60
    DAY = 24 * 60


def minutes_phrase(count: int) -> str:
    return ngettext("{count} minute", "{count} minutes", count).format(count=count)


def hours_phrase(count: int) -> str:
    return ngettext("{count} hour", "{count} hours", count).format(count=count)


def days_phrase(count: int) -> str:
    return ngettext("{count} day", "{count} days", count).format(count=count)


def seconds_phrase(count: int) -> str:
    return ngettext("{count} second", "{count} seconds", count).format(count=count)


def largest_exact_unit(minutes: int) -> TimeUnit:
    """The longest unit that measures ``minutes`` without a remainder."""
    longest_first = sorted(TimeUnit, reverse=True)
    return next(
        (unit for unit in longest_first if minutes and minutes % unit == 0), TimeUnit.MINUTE
    )


def interval_phrase(minutes: int, unit: TimeUnit | None = None) -> str:
    """``minutes`` in ``unit`` when it measures them exactly, else in the largest unit that does."""
    if unit is None or minutes % unit:
        unit = largest_exact_unit(minutes)
    if unit is TimeUnit.DAY:
        return days_phrase(minutes // TimeUnit.DAY)
    if unit is TimeUnit.HOUR:
        return hours_phrase(minutes // TimeUnit.HOUR)
    return minutes_phrase(minutes)
