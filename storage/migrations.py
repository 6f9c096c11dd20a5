"""The schema, as ordered migrations. ``PRAGMA user_version`` records how many have run.

Never edit a released migration: add the next one. Each runs in its own transaction.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3

MIGRATIONS: tuple[str, ...] = (
    # 1: chats, their credentials and settings, the audit log.
    """
    CREATE TABLE chats (
        chat_id    INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL
    );
    CREATE TABLE credentials (
        chat_id    INTEGER PRIMARY KEY REFERENCES chats(chat_id) ON DELETE CASCADE,
        region     TEXT,
        base_url   TEXT,
        login      TEXT,
        auth_kind  TEXT NOT NULL CHECK (auth_kind IN ('password', 'apikey')),
        key_id     TEXT NOT NULL,
        nonce      BLOB NOT NULL,
        secret     BLOB NOT NULL,
        set_by     INTEGER NOT NULL,
        set_at     TEXT NOT NULL,
        CHECK (region IS NOT NULL OR base_url IS NOT NULL)
    );
    CREATE TABLE chat_settings (
        chat_id          INTEGER PRIMARY KEY REFERENCES chats(chat_id) ON DELETE CASCADE,
        language         TEXT,
        notify_downloads INTEGER NOT NULL DEFAULT 0,
        notify_senders   INTEGER NOT NULL DEFAULT 0,
        poll_interval    INTEGER
    );
    CREATE TABLE audit_log (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        chat_id INTEGER NOT NULL,
        user_id INTEGER,
        action  TEXT NOT NULL,
        target  TEXT,
        result  TEXT NOT NULL,
        at      TEXT NOT NULL
    );
    CREATE INDEX audit_log_chat ON audit_log(chat_id, id);
    """,
    # 2: what the watchers last saw, per chat.
    """
    CREATE TABLE watched_downloads (
        chat_id INTEGER NOT NULL REFERENCES chats(chat_id) ON DELETE CASCADE,
        task_id INTEGER NOT NULL,
        name    TEXT NOT NULL,
        status  INTEGER NOT NULL,
        PRIMARY KEY (chat_id, task_id)
    ) WITHOUT ROWID;
    CREATE TABLE watched_senders (
        chat_id   INTEGER NOT NULL REFERENCES chats(chat_id) ON DELETE CASCADE,
        sender_id INTEGER NOT NULL,
        name      TEXT NOT NULL,
        status    INTEGER NOT NULL,
        operators TEXT NOT NULL,
        PRIMARY KEY (chat_id, sender_id)
    ) WITHOUT ROWID;
    CREATE TABLE watch_baselines (
        chat_id INTEGER NOT NULL REFERENCES chats(chat_id) ON DELETE CASCADE,
        kind    TEXT NOT NULL CHECK (kind IN ('downloads', 'senders')),
        taken_at TEXT NOT NULL,
        PRIMARY KEY (chat_id, kind)
    ) WITHOUT ROWID;
    """,
    # 3: delivered notifications, and logins whose watching is paused after repeated failures.
    """
    CREATE TABLE deliveries (
        chat_id      INTEGER NOT NULL REFERENCES chats(chat_id) ON DELETE CASCADE,
        kind         TEXT NOT NULL,
        item         TEXT NOT NULL,
        change       TEXT NOT NULL,
        message_id   INTEGER,
        delivered_at TEXT NOT NULL,
        PRIMARY KEY (chat_id, kind, item, change)
    ) WITHOUT ROWID;
    ALTER TABLE chat_settings ADD COLUMN watch_paused TEXT;
    """,
    # 4: the SMSC limiter's last window and the address blocks, kept across restarts.
    """
    CREATE TABLE smsc_stamps (
        bucket TEXT NOT NULL,
        rule   TEXT NOT NULL,
        lim    INTEGER NOT NULL,
        at     REAL NOT NULL
    );
    CREATE INDEX smsc_stamps_at ON smsc_stamps(at);
    CREATE TABLE smsc_address_blocks (
        site    TEXT PRIMARY KEY,
        until   REAL NOT NULL,
        backoff REAL NOT NULL
    ) WITHOUT ROWID;
    """,
    # 5: where a group that became a supergroup went, for dialogs still aimed at the old id.
    """
    CREATE TABLE chat_moves (
        old_id   INTEGER PRIMARY KEY,
        new_id   INTEGER NOT NULL,
        moved_at TEXT NOT NULL
    );
    """,
    # 6: the digest of the last answer a chat's watch has fully taken in (see storage.watch).
    """
    ALTER TABLE watch_baselines ADD COLUMN digest TEXT;
    """,
    # 7: open dialogs (aiogram's FSM: a state and data that never hold a secret), so that a
    # restart does not close them; and what is left of login dialogs and of the bot's login
    # prompts in groups, so that a secret sent after them is still recognised (storage.dialogs).
    """
    CREATE TABLE dialogs (
        key        TEXT PRIMARY KEY,
        state      TEXT,
        data       TEXT NOT NULL,
        updated_at REAL NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE login_windows (
        chat_id     INTEGER NOT NULL,
        user_id     INTEGER NOT NULL,
        target_chat INTEGER NOT NULL,
        opened_at   REAL NOT NULL,
        PRIMARY KEY (chat_id, user_id)
    ) WITHOUT ROWID;
    CREATE TABLE login_prompts (
        chat_id    INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        sent_at    REAL NOT NULL,
        PRIMARY KEY (chat_id, message_id)
    ) WITHOUT ROWID;
    CREATE INDEX login_prompts_sent ON login_prompts(sent_at);
    """,
    # 8: wrong secrets counted per user and per chat, so that a restart does not give back the
    # budget of failed logins (storage.login_attempts).
    """
    CREATE TABLE login_attempts (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL,
        chat_id INTEGER NOT NULL,
        at      REAL NOT NULL
    );
    CREATE INDEX login_attempts_at ON login_attempts(at);
    """,
    # 9: failing SMSC answers of the last while (see bot.smsc.failures), kept across restarts:
    # a crash loop must not forget how near the address is to being blocked.
    """
    CREATE TABLE smsc_failures (
        site TEXT NOT NULL,
        who  TEXT NOT NULL,
        code INTEGER NOT NULL,
        at   REAL NOT NULL
    );
    CREATE INDEX smsc_failures_at ON smsc_failures(at);
    """,
    # 10: deliveries claimed before they are sent; the generation of each chat's account.
    # Deliveries were kept as history; from now on a row stands only for an item's last change
    # (a claim refuses one recorded meanwhile), so the history goes.
    """
    ALTER TABLE chats ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE delivery_claims (
        chat_id INTEGER NOT NULL REFERENCES chats(chat_id) ON DELETE CASCADE,
        kind    TEXT NOT NULL,
        item    TEXT NOT NULL,
        change  TEXT NOT NULL,
        holder  TEXT NOT NULL,
        until   REAL NOT NULL,
        PRIMARY KEY (chat_id, kind, item, change)
    ) WITHOUT ROWID;
    DELETE FROM deliveries;
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)

# Every table and its columns, as SQLite's catalogue names them.
COLUMNS_SQL = (
    "SELECT m.name, c.name FROM sqlite_master AS m, pragma_table_info(m.name) AS c "
    "WHERE m.type = 'table' AND m.name != 'sqlite_sequence'"
)


@functools.cache
def expected_columns() -> frozenset[tuple[str, str]]:
    """Every table and column the migrations make, read from a scratch database: what each
    engine's schema must hold at this version."""
    with contextlib.closing(sqlite3.connect(":memory:")) as scratch:
        for script in MIGRATIONS:
            scratch.executescript(script)
        return frozenset(scratch.execute(COLUMNS_SQL).fetchall())


def expected_tables() -> list[str]:
    """The tables, each after the ones it refers to (chats first)."""
    tables = sorted({table for table, _ in expected_columns()})
    return sorted(tables, key=lambda table: table != "chats")
