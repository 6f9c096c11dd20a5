"""The Docker instructions keep one encryption key: made once into a file, read from the file."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bot.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456789:TEST-fake-token-for-config-tests-0"


def docker_section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("### Docker\n", 1)[1].split("\n## ", 1)[0]


def shell_lines(text: str) -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    return " ".join(blocks).replace("\\\n", " ").splitlines()


def test_the_readme_makes_the_key_once_and_mounts_it_as_a_file() -> None:
    lines = shell_lines(docker_section())
    [started] = [line for line in lines if "docker run -d" in line]
    assert "ENCRYPTION_KEYS_FILE=/run/secrets/" in started
    assert re.search(r"-v \S+:/run/secrets/\S+:ro", started)
    assert "ENCRYPTION_KEYS=" not in started.replace("ENCRYPTION_KEYS_FILE=", "")
    assert any(re.search(r"keygen\s*>\s*\S+", line) for line in lines)


def test_no_docker_command_makes_a_key_inline() -> None:
    for text in (
        docker_section(),
        (ROOT / "Dockerfile").read_text(),
        (ROOT / "README.md").read_text(),
    ):
        assert not re.search(r"\$\(\s*docker run[^)]*keygen", text)
        assert "-e ENCRYPTION_KEYS=" not in text


def test_the_readme_says_what_a_lost_key_costs() -> None:
    section = docker_section()
    assert "If the key is lost" in section
    assert "/login` again" in section
    assert "smsc-bot check" in section
    assert "secrets:" in section  # the Compose form


def test_the_file_keygen_writes_is_the_key_the_bot_reads(tmp_path: Path) -> None:
    made = subprocess.run(
        [sys.executable, "-m", "bot", "keygen"], capture_output=True, text=True, check=True
    ).stdout
    keys = tmp_path / "smsc-bot.keys"
    keys.write_text(made)
    keyring = load_settings(bot_token=TOKEN, encryption_keys_file=keys).keyring()
    assert len(keyring.key_ids) == 1
    assert keyring.open(1, keyring.seal(1, "secret")) == "secret"
