"""A notification that went out while the database was away is recorded once it is back, for
as long as its claim holds; past that the failure is the sweep's (the claim runs out, and the
notification goes out again: never lost)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.watcher.claims import RECORD_RETRY, Claims, InHand
from storage import (
    Claim,
    DatabaseUnavailableError,
    Keyring,
    NotificationKind,
    Storage,
    generate_key,
)


class Outage:
    """The database away for ``seconds`` of a clock that the waits move."""

    def __init__(self, seconds: float) -> None:
        self.now = 0.0
        self.until = seconds
        self.writes = 0

    async def sleep(self, seconds: float) -> None:
        self.now += seconds

    async def write(self) -> None:
        self.writes += 1
        if self.now < self.until:
            raise DatabaseUnavailableError("PostgreSQL restarting")


@pytest.fixture
async def storage(tmp_path: Path) -> Storage:
    return await Storage.open(tmp_path / "c.sqlite3", Keyring.from_text(generate_key()))


def in_hand(until: float) -> InHand:
    return InHand(Claim(1, 0, "r1|1"), NotificationKind.DOWNLOADS, "1", "2", until)


async def test_a_record_waits_out_a_short_outage(storage: Storage) -> None:
    outage = Outage(seconds=3)
    claims = Claims(storage, lambda: "r1|1", 60, clock=lambda: outage.now, sleep=outage.sleep)
    await claims.record(in_hand(60), outage.write)
    assert outage.now >= 3
    assert outage.writes == int(3 / RECORD_RETRY) + 1
    await storage.close()


async def test_a_record_gives_up_when_its_claim_would_run_out(storage: Storage) -> None:
    outage = Outage(seconds=600)
    claims = Claims(storage, lambda: "r1|1", 60, clock=lambda: outage.now, sleep=outage.sleep)
    with pytest.raises(DatabaseUnavailableError):
        await claims.record(in_hand(60), outage.write)
    assert outage.now < 60
    await storage.close()
