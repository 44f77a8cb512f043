"""The storage layer on both engines: the same assertions on the data folder's SQLite file and on
a real PostgreSQL (tests/postgres.py), then PostgreSQL's own faults, the copy command, and a data
folder from before the layout was versioned."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import UTC, date, datetime

import psycopg
import pytest
from sqlalchemy import LargeBinary, String, Text, select, text

from erbium_zoom import storage, store
from erbium_zoom.__main__ import main
from erbium_zoom.activity import OUTCOME_UNKNOWN, ActivityLog
from erbium_zoom.attendance import EventRef, load_many
from erbium_zoom.config import Settings
from erbium_zoom.errors import ActivityUnavailable, DatabaseUnavailable, user_message
from erbium_zoom.guard import Guard
from erbium_zoom.models import Event, EventKind, NewRegistrant
from erbium_zoom.profiles import ProfileStore
from erbium_zoom.secret_store import SECRET_KEY_ENV, new_key
from erbium_zoom.simulator import DEFAULT_ACCOUNT_ID
from erbium_zoom.storage.schema import TABLES
from erbium_zoom.store import ReportStore, StoreUnavailable
from tests.conftest import FIXED_NOW, SIM_CREDENTIALS
from tests.postgres import PASSWORD
from tests.test_activity import ADMIN, EDITOR, pending_event, writes

ACCOUNT = store.account_key(SIM_CREDENTIALS, Settings())
WATCH_TABLES = ("notifications", "watch_checks", "watch_clients", "watch_runs")
CANARY = "CANARY-client-secret-5e1f0b"
LEGACY_SCHEMA = """
CREATE TABLE reports (account TEXT NOT NULL, kind TEXT NOT NULL, report_id TEXT NOT NULL,
    version INTEGER NOT NULL, saved_at TEXT NOT NULL, payload BLOB NOT NULL,
    PRIMARY KEY (account, kind, report_id, version));
CREATE TABLE heavy_calls (account TEXT NOT NULL, day TEXT NOT NULL, calls INTEGER NOT NULL,
    PRIMARY KEY (account, day));
CREATE TABLE activity (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, who TEXT NOT NULL,
    client TEXT NOT NULL, account_id TEXT NOT NULL, action TEXT NOT NULL, event_id TEXT NOT NULL,
    count INTEGER NOT NULL, registrant_ids TEXT NOT NULL, status TEXT NOT NULL,
    message TEXT NOT NULL);
CREATE INDEX activity_at ON activity (at);
PRAGMA user_version=1;
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> str:
    """An empty database's URL on each engine (what [storage] url would say)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'configured' / 'erbium.sqlite3'}"
    return request.getfixturevalue("postgres_server").new_database()


@pytest.fixture
def database(url) -> storage.Database:
    return storage.open_url(url)


@pytest.fixture
def no_keyring(monkeypatch):
    """A server without a secure keyring, with a key: secrets go to the encrypted store."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv(SECRET_KEY_ENV, new_key())


@pytest.fixture
def board_result(sim, client):
    board = sim.event_tagged("double_slash_uuid")
    ref = EventRef.from_event(Event.from_api(EventKind.MEETING, board))
    [result] = load_many(client, [ref], FIXED_NOW)
    return result


def every_stored_text(database: storage.Database) -> str:
    """Every text and binary value of every table, as one string (blobs decoded loosely, and
    the cache's compressed payloads decompressed)."""
    import zlib

    found = []
    with database.connect() as db:
        for table in TABLES:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | LargeBinary)]
            for row in db.execute(select(*columns)).all():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value)
                        try:
                            value = zlib.decompress(value)
                        except zlib.error:
                            pass
                        value = value.decode("utf-8", "replace")
                    found.append(str(value))
    return "\n".join(found)


# ---- the same assertions on both engines ---------------------------------------------------------


def test_a_new_database_gets_the_newest_layout(database):
    database.ready()
    assert database.version() == "0002"
    assert database.upgrade() == ("0002", "0002")  # again: nothing to do


def test_the_activity_record_on_either_engine(database):
    log = ActivityLog(database=database)
    first = log.append(who=EDITOR.who, action="approve", client="Acme", registrant_ids=["r1"])
    second = log.append(who=ADMIN.who, action="delete profile", client="Acme")
    assert second > first
    log.settle(first, "204 No Content", "done for jane@example.com", registrant_ids=["r1", "r2"])
    log.settle(first, "500 rewritten", "")  # settled once only
    entries = log.entries(ADMIN)
    assert [e.id for e in entries] == [second, first]
    assert entries[1].status == "204 No Content" and entries[1].registrant_ids == ("r1", "r2")
    assert entries[1].message == "done for [e-mail address]"
    assert entries[0].status == OUTCOME_UNKNOWN
    assert [e.who for e in log.entries(EDITOR)] == [EDITOR.who]
    assert entries[0].at.tzinfo is not None


def test_the_report_cache_and_heavy_counts_on_either_engine(database, board_result):
    kept = ReportStore(database=database)
    kept.put(ACCOUNT, board_result)
    kept.put(ACCOUNT, board_result)  # replaced, not doubled
    day = date(2026, 11, 29)
    for _ in range(3):
        kept.add_heavy(ACCOUNT, day)
    kept.add_heavy(ACCOUNT, day, 4)
    store.forget_open_stores()  # a restart: nothing in memory
    fresh = ReportStore(database=storage.open_url(database.url.render_as_string(False)))
    again = fresh.get(ACCOUNT, board_result.ref)
    assert again is not None and again.from_cache
    assert again.participants == board_result.participants
    assert fresh.count() == 1 and fresh.count(ACCOUNT) == 1 and fresh.count("other") == 0
    assert fresh.heavy_calls(ACCOUNT, day) == 7 and fresh.heavy_calls("other", day) == 0
    assert fresh.clear() == 1 and fresh.count() == 0
    assert fresh.heavy_calls(ACCOUNT, day) == 7  # a record, not a cache
    assert fresh.problem is None


def test_profiles_and_secrets_in_the_database_and_no_secret_in_clear_text(
    url, no_keyring, tmp_path
):
    secrets = {"storage": {"url": url}}
    profiles = ProfileStore(secrets=secrets, guard=Guard(ADMIN, ActivityLog(), "", ""))
    profiles.save("Acme Corp", "acc-1", "cid-1", CANARY, hosts="me", note="the big one")
    profiles.save("Globex", "acc-2", "cid-2", "another-Secret-77")
    assert not (tmp_path / "config" / "profiles.json").exists()  # in the database instead
    database = profiles.database()
    assert database is not None and profiles.storage().kind == "database"
    again = ProfileStore(secrets=secrets)
    assert [p.name for p in again.list()] == ["Acme Corp", "Globex"]
    acme = again.get("Acme Corp")
    assert (acme.account_id, acme.client_id, acme.hosts, acme.note) == (
        "acc-1",
        "cid-1",
        ("me",),
        "the big one",
    )
    assert again.secret(acme) == CANARY
    assert again.secret_status(acme).short == "stored (database)"
    ActivityLog(database=database).append(who=ADMIN.who, action="check", message=CANARY[:6])
    everything = every_stored_text(database)
    assert "Acme Corp" in everything  # the scan does see the tables' text
    assert CANARY not in everything and "another-Secret-77" not in everything
    assert PASSWORD not in everything
    assert again.rotate_key() == 2 and again.secret(acme) == CANARY
    again.delete("Globex")
    assert [p.name for p in ProfileStore(secrets=secrets).list()] == ["Acme Corp"]


def test_two_dashboards_changing_profiles_at_once_both_keep_their_change(url, no_keyring):
    secrets = {"storage": {"url": url}}
    first, second = ProfileStore(secrets=secrets), ProfileStore(secrets=secrets)
    first.save("Acme", "acc-1", "cid-1", CANARY)
    first.save("Initech", "acc-3", "cid-3", "third-Secret-1")
    stale = first._saved()  # noqa: SLF001 - what the first dashboard read a moment ago
    second.save("Globex", "acc-2", "cid-2", "another-Secret-77")
    second.delete("Initech")
    first._saved = lambda: stale  # its change is made on that stale view  # noqa: SLF001
    first.save("Acme Corp", "acc-1", "cid-1", None, replacing="Acme")
    assert [p.name for p in ProfileStore(secrets=secrets).list()] == ["Acme Corp", "Globex"]


def test_a_database_from_a_newer_erbium_zoom_is_refused_naming_the_setting(database):
    database.ready()
    with database.connect() as db:
        db.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    storage.forget()  # another process
    newer = storage.open_url(database.url.render_as_string(False))
    with pytest.raises(DatabaseUnavailable) as refused:
        newer.ready()
    words = user_message(refused.value)
    assert "newer erbium-zoom" in words and "version 9999" in words
    assert "[storage] url" in words and PASSWORD not in words
    with pytest.raises(StoreUnavailable, match=r"\[storage\] url"):
        ReportStore(database=newer)
    with pytest.raises(ActivityUnavailable, match="newer erbium-zoom"):
        ActivityLog(database=newer).append(who=EDITOR.who, action="approve")


# ---- PostgreSQL's own faults ---------------------------------------------------------------------


def test_a_wrong_password_is_said_naming_the_setting_never_showing_it(postgres_server):
    url = postgres_server.url(password="not-the-Password-91")
    database = storage.open_url(url)
    with pytest.raises(DatabaseUnavailable) as refused:
        database.ready()
    words = user_message(refused.value)
    assert "refused the sign-in" in words and "[storage] url" in words
    assert "not-the-Password-91" not in words and "***" in words
    assert "not-the-Password-91" not in repr(database)


def test_an_unreachable_server_from_the_environment_names_the_variable(monkeypatch):
    from tests.postgres import free_port

    url = f"postgresql://someone:Hidden-pw-3@127.0.0.1:{free_port()}/erbium"
    monkeypatch.setenv(storage.DATABASE_URL_ENV, url)
    with pytest.raises(StoreUnavailable) as refused:
        store.open_store()
    words = str(refused.value)
    assert "connection refused" in words and storage.DATABASE_URL_ENV in words
    assert "Hidden-pw-3" not in words
    with pytest.raises(ActivityUnavailable) as stopped:
        ActivityLog().append(who=EDITOR.who, action="approve")
    assert "Nothing was sent to Zoom" in user_message(stopped.value)
    assert storage.DATABASE_URL_ENV in user_message(stopped.value)


@pytest.mark.parametrize(
    "value", ["not a url at all", "mysql://u:Pw-1@h/db", "postgresql+nodriver://u:Pw-1@h/db"]
)
def test_a_url_that_cannot_be_used_is_said_naming_the_setting(value):
    with pytest.raises(DatabaseUnavailable) as refused:
        storage.current(environ={}, secrets={"storage": {"url": value}}).ready()
    words = user_message(refused.value)
    assert "[storage] url" in words and "Pw-1" not in words


def test_postgres_stopped_mid_session_then_back(
    postgres_server, sim, make_client, board_result, monkeypatch
):
    url = postgres_server.new_database()
    monkeypatch.setenv(storage.DATABASE_URL_ENV, url)
    kept = store.open_store()
    kept.put(ACCOUNT, board_result)
    log = ActivityLog()
    log.append(who=EDITOR.who, action="approve", client="Acme")
    event = pending_event(sim)
    client = make_client(sim, guard=Guard(EDITOR, log, "Acme Corp", DEFAULT_ACCOUNT_ID))
    postgres_server.stop()
    try:
        kept._memory.clear()  # noqa: SLF001 - read from the database, not this process's memory
        assert kept.get(ACCOUNT, board_result.ref) is None
        assert "report cache could not be used" in kept.problem
        assert PASSWORD not in kept.problem and storage.DATABASE_URL_ENV in kept.problem
        with pytest.raises(ActivityUnavailable) as stopped:
            client.add_registrant(
                EventKind.MEETING, event["id"], NewRegistrant("x@example.com", "X")
            )
        assert writes(sim) == []  # not on record, so not sent
        with pytest.raises(ActivityUnavailable, match="cannot be read"):
            log.entries(ADMIN)  # the Activity page shows this in words
        words = user_message(stopped.value)
        assert "Nothing was sent to Zoom" in words and storage.DATABASE_URL_ENV in words
        assert PASSWORD not in words
    finally:
        postgres_server.start()
    # Back: the next operations reconnect by themselves (a checked pool, new connections).
    assert kept.get(ACCOUNT, board_result.ref) is not None and kept.problem is None
    client.add_registrant(EventKind.MEETING, event["id"], NewRegistrant("y@example.com", "Y"))
    assert len(writes(sim)) == 1
    assert [e.action for e in log.entries(ADMIN)] == ["add", "approve"]


# ---- an old data folder, and copying it into PostgreSQL ------------------------------------------


def old_data_folder(folder, board_result) -> None:
    """A data folder as erbium-zoom left it before the layout was versioned."""
    folder.mkdir(parents=True, mode=0o700)
    with sqlite3.connect(folder / "cache.sqlite3") as db:
        db.executescript(LEGACY_SCHEMA)
        db.execute(
            "INSERT INTO activity (at, who, client, account_id, action, event_id, count, "
            "registrant_ids, status, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ("2026-11-30T10:00:00+00:00", EDITOR.who, "Acme", "acc-1", "approve", "9", 1, '["r"]')
            + ("204 No Content", ""),
        )
        db.execute(
            "INSERT INTO reports VALUES (?, ?, ?, ?, ?, ?)",
            (ACCOUNT, "meeting", board_result.ref.report_id, store.PAYLOAD_VERSION, "x")
            + (store.encode_result(board_result),),
        )
        db.execute("INSERT INTO heavy_calls VALUES (?, ?, ?)", (ACCOUNT, "2026-11-29", 12))


def test_an_old_data_folder_is_picked_up_in_place(isolated_data_dir, board_result):
    old_data_folder(isolated_data_dir, board_result)
    entries = ActivityLog().entries(ADMIN)
    assert [(e.who, e.status) for e in entries] == [(EDITOR.who, "204 No Content")]
    kept = store.open_store()
    assert kept.count() == 1 and kept.get(ACCOUNT, board_result.ref) is not None
    assert kept.heavy_calls(ACCOUNT, date(2026, 11, 29)) == 12
    assert storage.current().version() == "0002"
    later = ActivityLog().append(who=ADMIN.who, action="delete profile")
    assert later == entries[0].id + 1


def test_storage_upgrade_brings_an_old_data_folder_to_the_versioned_layout(
    isolated_data_dir, board_result, capsys
):
    old_data_folder(isolated_data_dir, board_result)
    assert main(["storage", "upgrade"]) == 0
    said = capsys.readouterr().out
    assert "had no versioned layout; it is now at version 0002" in said
    with sqlite3.connect(isolated_data_dir / "cache.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM activity").fetchone() == (1,)


def test_copy_moves_an_old_data_folder_into_postgres_with_matching_counts(
    postgres_server, isolated_data_dir, board_result, no_keyring, capsys, monkeypatch
):
    old_data_folder(isolated_data_dir, board_result)
    add = ["profiles", "add", "Acme", "--account-id", "acc-1", "--client-id", "cid-1"]
    assert main(add, stdin=io.StringIO(f"{CANARY}\n")) == 0  # profiles.json + the .enc file
    url = postgres_server.new_database()
    capsys.readouterr()
    assert main(["storage", "copy", "--to", url]) == 0
    said = capsys.readouterr()
    assert PASSWORD not in said.out + said.err
    shown = said.out.splitlines()[2 : 2 + len(TABLES)]
    lines = {line.split()[0]: line.split()[1:] for line in shown}
    assert lines == {
        "activity": ["2", "2"],  # the old entry and the profile's "add profile"
        "client_secrets": ["1", "1"],
        "heavy_calls": ["1", "1"],
        "profiles": ["1", "1"],
        "reports": ["1", "1"],
        # the watcher's tables: empty in a data folder it never ran on
        **{name: ["0", "0"] for name in WATCH_TABLES},
    }
    assert "Every count matches" in said.out
    # Copying again is refused, and changes nothing.
    assert main(["storage", "copy", "--to", url]) == 2
    assert "already holds data" in capsys.readouterr().err
    # The dashboard pointed at it finds everything, and the record goes on after the copied ids.
    monkeypatch.setenv(storage.DATABASE_URL_ENV, url)
    storage.forget()
    profiles = ProfileStore()
    assert profiles.secret(profiles.get("Acme")) == CANARY
    assert store.open_store().heavy_calls(ACCOUNT, date(2026, 11, 29)) == 12
    assert store.open_store().get(ACCOUNT, board_result.ref) is not None
    log = ActivityLog()
    newest = log.append(who=ADMIN.who, action="approve", at=datetime(2026, 12, 1, tzinfo=UTC))
    assert newest > max(e.id for e in log.entries(ADMIN) if e.id != newest)
    everything = every_stored_text(storage.current())
    assert CANARY not in everything
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone() == ("0002",)


def test_copy_without_the_key_of_the_secrets_file_copies_nothing(
    postgres_server, isolated_data_dir, no_keyring, capsys, monkeypatch
):
    add = ["profiles", "add", "Acme", "--account-id", "acc-1", "--client-id", "cid-1"]
    assert main(add, stdin=io.StringIO(f"{CANARY}\n")) == 0
    monkeypatch.delenv(SECRET_KEY_ENV)
    url = postgres_server.new_database()
    assert main(["storage", "copy", "--to", url]) == 2
    assert "no key is set" in capsys.readouterr().err
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as raw:
        assert raw.execute("SELECT COUNT(*) FROM profiles").fetchone() == (0,)


def test_storage_upgrade_command_on_the_configured_database(postgres_server, capsys, tmp_path):
    url = postgres_server.new_database()
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(f'[storage]\nurl = "{url}"\n')
    assert main(["storage", "upgrade", "--secrets-file", str(secrets_file)]) == 0
    said = capsys.readouterr().out
    assert "now at version 0002" in said and PASSWORD not in said and "***" in said
    assert main(["storage", "upgrade", "--secrets-file", str(secrets_file)]) == 0
    assert "nothing to do" in capsys.readouterr().out
    secrets_file.write_text(f'[storage]\nurl = "{postgres_server.url(password="wrong-Pw-5")}"\n')
    storage.forget()
    assert main(["storage", "upgrade", "--secrets-file", str(secrets_file)]) == 2
    err = capsys.readouterr().err
    assert "[storage] url" in err and "wrong-Pw-5" not in err and "Traceback" not in err


def test_without_a_database_profiles_stay_in_profiles_json(no_keyring, tmp_path, database):
    ProfileStore().save("Acme", "acc-1", "cid-1", CANARY)
    rows = json.loads((tmp_path / "config" / "profiles.json").read_text())["profiles"]
    assert [r["name"] for r in rows] == ["Acme"]
    assert ProfileStore().database() is None
    # Pointed at a database that does not have them yet: said, with the way to move them.
    moved = ProfileStore(secrets={"storage": {"url": database.url.render_as_string(False)}})
    assert moved.list() == []
    [notice] = moved.notices()
    assert "profiles.json holds 1 saved profile(s)" in notice and "storage copy" in notice
    assert PASSWORD not in notice


def test_the_environment_wins_over_the_secrets_file_and_nothing_set_is_the_data_folder():
    secrets = {"storage": {"url": "postgresql://a:b@file-host/db", "secret_keys": ["k"]}}
    env = {storage.DATABASE_URL_ENV: " postgresql://c:d@env-host/db "}
    assert storage.configured_url(secrets, env) == (
        "postgresql://c:d@env-host/db",
        storage.DATABASE_URL_ENV,
    )
    assert storage.configured_url(secrets, {}) == (
        "postgresql://a:b@file-host/db",
        storage.URL_SETTING,
    )
    assert storage.configured_url({"storage": {"secret_keys": ["k"]}}, {}) is None
    assert storage.configured(environ={}, secrets={}) is None
    assert storage.mask("postgresql://c:d-Secret@env-host/db") == "postgresql://c:***@env-host/db"
