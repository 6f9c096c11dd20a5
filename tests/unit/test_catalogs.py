"""The gettext catalogs: complete in every language, placeholders intact, compiled files current."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "bot" / "locales"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
TAG = re.compile(r"</?(?:b|i|u|s|code|pre)>")


def catalog(language: str, suffix: str = "po"):  # type: ignore[no-untyped-def]
    path = LOCALES / language / "LC_MESSAGES" / f"messages.{suffix}"
    with path.open("rb") as handle:
        return read_po(handle) if suffix == "po" else read_mo(handle)


def forms(text: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """A message's texts: one, or each plural form."""
    return (text,) if isinstance(text, str) else tuple(text)


def key(msgid: str | tuple[str, ...] | list[str]) -> str:
    return forms(msgid)[0]


def test_template_is_current(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "__",
            "-k",
            "_",
            "--no-location",
            "--omit-header",
            "--sort-output",
            "-o",
            str(fresh),
            "handlers",
            "bot",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    expected = {key(m.id) for m in read_po(io.BytesIO(fresh.read_bytes())) if m.id}
    committed = {key(m.id) for m in read_po((LOCALES / "messages.pot").open("rb")) if m.id}
    assert expected == committed, "run the pybabel commands in the README"


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_every_message_is_translated_with_the_same_placeholders(language: str) -> None:
    template = {key(m.id) for m in read_po((LOCALES / "messages.pot").open("rb")) if m.id}
    translated = {key(m.id): (forms(m.id), forms(m.string)) for m in catalog(language) if m.id}
    assert set(translated) == template
    for msgid, (ids, texts) in translated.items():
        for text in texts:
            assert text, f"untranslated: {msgid!r}"
            # Every form says the same: its placeholders are the plural msgid's.
            original = ids[-1]
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(original)), msgid
            if not msgid.startswith("/"):  # usage lines are escaped: <code> is a placeholder
                assert sorted(TAG.findall(text)) == sorted(TAG.findall(original)), msgid


@pytest.mark.parametrize("language", ["en", "ru", "uk"])
def test_compiled_catalog_matches_its_source(language: str) -> None:
    source = {
        key(m.id): forms(m.string) for m in catalog(language) if m.id and any(forms(m.string))
    }
    # An untranslated plural is compiled with its msgid's forms: the same as none.
    compiled = {
        key(m.id): forms(m.string)
        for m in catalog(language, "mo")
        if m.id
        and any(forms(m.string))
        and (isinstance(m.id, str) or forms(m.string) != forms(m.id))
    }
    assert compiled == source
