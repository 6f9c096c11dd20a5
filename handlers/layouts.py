"""Text typed on the wrong keyboard layout, read as it was meant.

Russian and Ukrainian keyboards put Cyrillic letters on the keys of the Latin ones: ``/дщпшт``
is ``/login`` typed with the Russian layout on, ``/kjuby`` is ``/логин`` typed with the Latin
one. Each reading maps every key it knows and leaves anything else as it is.
"""

from __future__ import annotations

_LATIN = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_RUSSIAN = "йцукенгшщзхъфывапролджэячсмитьбюё"
# The Ukrainian layout differs on three keys: і for ы, ї for ъ, є for э.
_UKRAINIAN = "йцукенгшщзхїфівапролджєячсмитьбю'"

_CYRILLIC_TO_LATIN = str.maketrans(_RUSSIAN + _UKRAINIAN[:-1] + "ґ", _LATIN + _LATIN[:-1] + "\\")
_LATIN_TO_RUSSIAN = str.maketrans(_LATIN, _RUSSIAN)
_LATIN_TO_UKRAINIAN = str.maketrans(_LATIN[:-1], _UKRAINIAN[:-1])


def readings(word: str) -> tuple[str, ...]:
    """``word`` (case-folded) as typed, and as it reads on the other layouts, each once."""
    word = word.casefold()
    found = [word]
    for table in (_CYRILLIC_TO_LATIN, _LATIN_TO_RUSSIAN, _LATIN_TO_UKRAINIAN):
        other = word.translate(table)
        if other not in found:
            found.append(other)
    return tuple(found)
