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
    expected = {m.id for m in read_po(io.BytesIO(fresh.read_bytes())) if m.id}
    committed = {m.id for m in read_po((LOCALES / "messages.pot").open("rb")) if m.id}
    assert expected == committed, "run the pybabel commands in the README"


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_every_message_is_translated_with_the_same_placeholders(language: str) -> None:
    template = {m.id for m in read_po((LOCALES / "messages.pot").open("rb")) if m.id}
    translated = {m.id: m.string for m in catalog(language) if m.id}
    assert set(translated) == template
    for msgid, string in translated.items():
        # A plural entry: every form has the placeholders of the plural msgid.
        source = msgid[-1] if isinstance(msgid, tuple) else msgid
        for text in string if isinstance(string, tuple) else (string,):
            assert text, f"untranslated: {msgid!r}"
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)), msgid
            if not source.startswith("/"):  # usage lines are escaped: <code> is a placeholder
                assert sorted(TAG.findall(text)) == sorted(TAG.findall(source)), msgid


@pytest.mark.parametrize("language", ["en", "ru", "uk"])
def test_compiled_catalog_matches_its_source(language: str) -> None:
    def entries(messages):  # type: ignore[no-untyped-def]
        # Plural entries: tuples in a .po, lists in a .mo; an untranslated one is compiled as
        # its msgids.
        return {
            _same(m.id): _same(m.string)
            for m in messages
            if m.id and any(_same(m.string)) and _same(m.string) != _same(m.id)
        }

    assert entries(catalog(language, "mo")) == entries(catalog(language))


def _same(value: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
    return value if isinstance(value, str) else tuple(value)
