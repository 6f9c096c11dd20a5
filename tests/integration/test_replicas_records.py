"""Two replicas on one Redis and one database: each keeps a private chat's record (its language,
its credentials) while no replica changes it, and the chat's next update on any replica hears a
change made through another at once: a logout, a login, a language. A group's record is kept
too, its credentials read again before the handler. (Skipped with one line where there is no
Redis.)"""

from __future__ import annotations

from pathlib import Path

from bot.assembly.replicas import Replicas
from bot.sandbox import SandboxServer
from storage import AuthKind
from tests.conftest import LOGIN, PASSWORD
from tests.integration.bot_harness import Harness, sent, text_of
from tests.integration.two_replicas import replicas_on, two_replicas
from tests.redis_service import OwnRedis

__all__ = ["two_replicas"]

USER = 7951
ADMIN = 7952
GROUP = -1_007_951


def replicas_of(harness: Harness) -> Replicas:
    replicas = harness.app.replicas
    assert replicas is not None
    return replicas


async def test_a_logout_on_one_replica_stops_the_next_command_on_the_other(
    two_replicas: tuple[Harness, Harness],
) -> None:
    first, second = two_replicas
    await first.say(USER, f"/login {LOGIN} {PASSWORD}")
    assert "1871.62" in text_of(await second.say(USER, "/account"))  # the second keeps it now
    question = sent(await first.say(USER, "/logout"))[-1]
    assert "Logged out" in text_of(await first.press(question, "Yes", user_id=USER))

    reached = len(second.sandbox.reached())
    assert "not connected to SMSC" in text_of(await second.say(USER, "/block 79161234567"))
    assert "not connected to SMSC" in text_of(await second.say(USER, "/account"))
    assert second.sandbox.reached()[reached:] == []


async def test_a_login_and_a_language_chosen_on_one_replica_are_used_on_the_other_at_once(
    two_replicas: tuple[Harness, Harness],
) -> None:
    first, second = two_replicas
    assert "not connected to SMSC" in text_of(await second.say(USER, "/account"))
    await first.say(USER, f"/login {LOGIN} {PASSWORD}")
    assert "1871.62" in text_of(await second.say(USER, "/account"))
    assert "Balance" in text_of(await first.say(USER, "/account"))

    await second.say(USER, "/lang uk")
    assert "Баланс" in text_of(await first.say(USER, "/account"))
    await first.say(USER, "/lang en")
    assert "Balance" in text_of(await second.say(USER, "/account"))


async def test_a_record_is_kept_until_its_version_changes(
    two_replicas: tuple[Harness, Harness],
) -> None:
    first, second = two_replicas
    await first.say(USER, f"/login {LOGIN} {PASSWORD}")
    assert "Balance" in text_of(await second.say(USER, "/account"))
    # Behind every replica's back (the bot never writes so): the second does not read it...
    await second.app.storage.settings.set_language(USER, "uk")
    assert "Balance" in text_of(await second.say(USER, "/account"))
    # ...until the version no longer matches: here Redis lost it.
    replicas = replicas_of(second)
    assert await replicas.redis.delete(replicas.records().version_key(USER)) == 1
    assert "Баланс" in text_of(await second.say(USER, "/account"))


async def test_a_groups_record_is_kept_but_its_credentials_are_read_before_the_handler(
    two_replicas: tuple[Harness, Harness],
) -> None:
    """Another administrator's /logout may land while a member's command waits for Telegram:
    a group's credentials are read again right before the handler, whatever is kept."""
    first, second = two_replicas
    first.telegram.admins[GROUP].add(ADMIN)
    await first.app.storage.credentials.save(
        GROUP,
        auth_kind=AuthKind.PASSWORD,
        secret=PASSWORD,
        login=LOGIN,
        base_url=first.sandbox.base_url,
        set_by=ADMIN,
    )
    assert "1871.62" in text_of(await second.say(GROUP, "/account", user_id=USER))
    await first.say(GROUP, "/lang uk", user_id=ADMIN)
    assert "Баланс" in text_of(await second.say(GROUP, "/account", user_id=USER))
    # Behind every replica's back (the bot never writes so): kept, and not read again...
    await second.app.storage.settings.set_language(GROUP, "en")
    assert "Баланс" in text_of(await second.say(GROUP, "/account", user_id=USER))
    # ...but credentials are: wiped behind its back, they are not used.
    await second.app.storage.credentials.delete(GROUP)
    reached = len(second.sandbox.reached())
    assert "ще не під'єднано" in text_of(
        await second.say(GROUP, "/block 79161234567", user_id=USER)
    )
    assert second.sandbox.reached()[reached:] == []


async def test_a_replica_that_reaches_a_restored_redis_reads_the_record_again(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """Redis restarted from a snapshot taken before a change: the version is back to the one
    the second replica kept the record with."""
    own = OwnRedis(tmp_path)
    await own.start()
    try:
        async with replicas_on(own.url, sandbox, tmp_path) as (first, second):
            await first.say(USER, f"/login {LOGIN} {PASSWORD}")
            assert "Balance" in text_of(await second.say(USER, "/account"))
            replicas = replicas_of(second)
            version_key = replicas.records().version_key(USER)
            before = await replicas.redis.get(version_key)
            assert before is not None
            await first.say(USER, "/lang uk")
            await own.restart()
            await replicas.redis.set(version_key, before)  # as the snapshot held it
            assert "Баланс" in text_of(await second.say(USER, "/account"))
    finally:
        await own.stop()
