"""/lang's grammar: the languages the bot speaks."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from handlers.readers import ArgumentError, words_of

LANGUAGES = ("en", "ru", "uk")


def usage_lang() -> str:
    return _("/lang [en|ru|uk]")


def lang(text: str | None) -> str | None:
    words = [w.lower() for w in words_of(text)]
    if not words:
        return None
    if len(words) > 1 or words[0] not in LANGUAGES:
        raise ArgumentError(_("Choose en, ru or uk."), usage_lang())
    return words[0]
