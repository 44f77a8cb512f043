"""The tables of erbium-zoom's storage, one SQLAlchemy Core ``MetaData`` for both engines.

Times are ISO 8601 text in UTC (they sort as text and read back the same on SQLite and
PostgreSQL, and the tables of data folders made before this package keep their layout). No
column holds a secret in clear text: ``client_secrets.token`` is a Fernet token.

- ``activity``: the activity record (:mod:`erbium_zoom.activity`), appended, settled once;
- ``reports``: the report cache, finished events' attendance, compressed (:mod:`erbium_zoom.store`);
- ``heavy_calls``: Heavy calls per account and UTC day, for the daily cap;
- ``profiles``: saved client profiles (names, IDs, hosts, note; never the secret), used when a
  database is configured (the default keeps ``profiles.json``);
- ``client_secrets``: each app's Client Secret as a Fernet token, used when a database is
  configured, no secure keyring exists and keys are set (the default keeps
  ``client-secrets.enc``).

A new table (the watcher's history, say) is added here *and* in a new migration under
``migrations/versions``; ``storage copy`` and the tests' secret scan go over every table of this
``MetaData``, so they take it in without a change.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

activity = Table(
    "activity",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Text, nullable=False),
    Column("who", Text, nullable=False),
    Column("client", Text, nullable=False),
    Column("account_id", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("event_id", Text, nullable=False),
    Column("count", Integer, nullable=False),
    Column("registrant_ids", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("message", Text, nullable=False),
    Index("activity_at", "at"),
    sqlite_autoincrement=True,  # ids are never reused, as in the record's first layout
)

reports = Table(
    "reports",
    metadata,
    Column("account", String(400), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("report_id", String(200), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("saved_at", Text, nullable=False),
    Column("payload", LargeBinary, nullable=False),
)

heavy_calls = Table(
    "heavy_calls",
    metadata,
    Column("account", String(400), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("calls", Integer, nullable=False),
)

profiles = Table(
    "profiles",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("account_id", Text, nullable=False),
    Column("client_id", Text, nullable=False),
    Column("hosts", Text, nullable=False),  # a JSON list
    Column("note", Text, nullable=False),
)

client_secrets = Table(
    "client_secrets",
    metadata,
    Column("key", String(400), primary_key=True),  # ACCOUNT_ID:CLIENT_ID, as in the keyring
    Column("token", Text, nullable=False),  # Fernet token of the secret, never the secret
)

# What `storage copy` counts and compares, in the order it copies them.
TABLES = tuple(metadata.sorted_tables)
