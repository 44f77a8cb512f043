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
- ``watch_clients``, ``watch_checks``, ``watch_runs``, ``notifications``: the watcher's
  (:mod:`erbium_zoom.watch`): each client's counted connection state and since when, every
  check's outcome, the watcher's own runs, and the messages it sends (kept until sent,
  never twice). Destinations are kept as a hash and a masked form, never the URL itself.

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

watch_clients = Table(
    "watch_clients",
    metadata,
    Column("client", String(200), primary_key=True),  # the profile name
    Column("account_id", Text, nullable=False),
    Column("state", Text, nullable=False),  # counted state ("" before the first one counts)
    Column("details", Text, nullable=False),  # JSON: missing scopes, field, plan areas, words
    Column("since", Text, nullable=False),  # when the counted state began ("" when none)
    Column("last_check", Text, nullable=False),
    Column("observed", Text, nullable=False),  # the last pass's state, counted or not yet
    Column("observed_details", Text, nullable=False),
    Column("observed_since", Text, nullable=False),  # first of the passes in a row that saw it
    Column("observed_count", Integer, nullable=False),  # passes in a row that saw it
)

watch_checks = Table(
    "watch_checks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client", String(200), nullable=False),
    Column("checked_at", Text, nullable=False),
    Column("state", Text, nullable=False),  # what this check saw
    Column("counted", Text, nullable=False),  # the client's counted state after it
    Column("details", Text, nullable=False),
    Index("watch_checks_client_at", "client", "checked_at"),
    sqlite_autoincrement=True,
)

watch_runs = Table(
    "watch_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", Text, nullable=False),
    Column("finished_at", Text, nullable=False),  # "" while running (or when it died)
    Column("status", Text, nullable=False),  # running, ok, problems, failed, interrupted
    Column("clients", Integer, nullable=False),
    Column("problems", Text, nullable=False),  # JSON list of sentences
    sqlite_autoincrement=True,
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(400), nullable=False, unique=True),  # one change, one destination
    Column("client", String(200), nullable=False),
    Column("kind", String(40), nullable=False),  # connection (pace, approvals … later)
    Column("destination", String(64), nullable=False),  # a hash of the URL, never the URL
    Column("shown", Text, nullable=False),  # the URL masked, for messages and the dashboard
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("status", String(20), nullable=False),  # pending, sending, sent, dropped
    Column("attempts", Integer, nullable=False),
    Column("last_attempt", Text, nullable=False),
    Column("sent_at", Text, nullable=False),
    Column("last_error", Text, nullable=False),
    Index("notifications_status", "status"),
    sqlite_autoincrement=True,
)

# What `storage copy` counts and compares, in the order it copies them.
TABLES = tuple(metadata.sorted_tables)
