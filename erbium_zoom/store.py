"""The report cache on this computer: finished events' attendance and Heavy calls per day.

One SQLite file, ``cache.sqlite3`` under the user's data folder (platformdirs'
``user_data_path("erbium-zoom")``, ``~/.local/share/erbium-zoom`` on Linux;
``ERBIUM_ZOOM_DATA_DIR`` moves it). It holds attendance (names and e-mails of real people), so
the folder is created readable by its owner alone (0700) and the file always is (0600); a file
owned by someone else is refused. ``ERBIUM_ZOOM_CACHE=off`` turns the file off altogether.

What is kept, keyed by the account (Account ID, Client ID, sign-in and API URLs; never the
secret) and the event (kind and report ID, that is the occurrence's UUID or the numeric ID):

- results that can no longer change (:func:`erbium_zoom.attendance.is_final`), so a later visit
  or a restart shows them without a call to Zoom;
- the number of Heavy calls this dashboard made per account and UTC day, for the daily cap.

Reading a large report back means building every row again (about 10 ms per 1,200-row event), so
the results read or written in this process are also kept in memory, up to ``MEMORY_ROWS`` rows
(least recently used go first): a later visit to the same dashboard process takes them from
there, a restart from the file.

A damaged or unreadable file is reported in words (:class:`StoreUnavailable`) and the dashboard
works without it. Thread-safe: one SQLite connection per operation. No streamlit, no network.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import zlib
from collections import OrderedDict
from collections.abc import Mapping
from contextlib import closing
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from erbium_zoom.attendance import AttendanceResult, EventRef, EventState
from erbium_zoom.config import Credentials, Settings
from erbium_zoom.datadir import (  # noqa: F401 - re-exported: the store's own names
    BUSY_TIMEOUT,
    DATA_DIR_ENV,
    FILE_NAME,
    StoreUnavailable,
    default_path,
    owner_only_file,
)
from erbium_zoom.models import EventKind, Participant, Registrant

CACHE_ENV = "ERBIUM_ZOOM_CACHE"
SCHEMA_VERSION = 1  # the tables' layout (PRAGMA user_version); another one is rebuilt
PAYLOAD_VERSION = 1  # how a result is encoded; part of every report's key
OFF_WORDS = frozenset({"off", "0", "false", "no"})
MEMORY_ROWS = 250_000  # participant and registrant rows kept decoded in memory (~100 MB)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    account TEXT NOT NULL,
    kind TEXT NOT NULL,
    report_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    saved_at TEXT NOT NULL,
    payload BLOB NOT NULL,
    PRIMARY KEY (account, kind, report_id, version)
);
CREATE TABLE IF NOT EXISTS heavy_calls (
    account TEXT NOT NULL,
    day TEXT NOT NULL,
    calls INTEGER NOT NULL,
    PRIMARY KEY (account, day)
);
"""


def cache_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """False when ``ERBIUM_ZOOM_CACHE`` is off (or 0, false, no)."""
    env = os.environ if environ is None else environ
    return (env.get(CACHE_ENV) or "").strip().lower() not in OFF_WORDS


def account_key(credentials: Credentials, settings: Settings) -> str:
    """What reports are filed under: the app on the account at that Zoom, never the secret."""
    return json.dumps(
        [credentials.account_id, credentials.client_id, settings.oauth_url, settings.api_url or ""]
    )


def quota_key(credentials: Credentials, settings: Settings) -> str:
    """What Heavy calls are counted under: the account (every app on it shares the cap)."""
    return json.dumps([credentials.account_id, settings.oauth_url, settings.api_url or ""])


# ---- encoding a result -----------------------------------------------------------------------


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def encode_result(result: AttendanceResult) -> bytes:
    """A loaded (READY) result as compressed compact JSON: rows as arrays, not objects."""
    if result.state is not EventState.READY:
        raise ValueError("only loaded results are kept")
    ref = result.ref
    body = {
        "ref": [
            ref.kind.value,
            ref.event_id,
            ref.uuid,
            ref.topic,
            _when(ref.start),
            ref.duration,
            ref.type,
            ref.approval_type,
            ref.added,
            ref.note,
        ],
        "participants": [
            [
                p.participant_user_id,
                p.user_id,
                p.name,
                p.user_email,
                _when(p.join_time),
                _when(p.leave_time),
                p.duration,
                p.registrant_id,
                p.status,
                p.failover,
            ]
            for p in result.participants
        ],
        "registrants": None
        if result.registrants is None
        else {
            status: [
                [r.id, r.email, r.first_name, r.last_name, r.status, _when(r.create_time)]
                + [r.join_url]
                for r in rows
            ]
            for status, rows in result.registrants.items()
        },
        "registration": result.registration,
        "loaded_at": _when(result.loaded_at),
    }
    return zlib.compress(json.dumps(body, separators=(",", ":")).encode(), 1)


def decode_result(payload: bytes) -> AttendanceResult:
    """The result :func:`encode_result` made, marked as coming from the cache."""
    body = json.loads(zlib.decompress(payload))
    kind, event_id, uuid, topic, start, duration, type_, approval, added, note = body["ref"]
    ref = EventRef(
        EventKind(kind),
        event_id,
        uuid,
        topic,
        _parse(start),
        duration,
        type_,
        approval,
        added,
        note,
    )
    participants = tuple(
        Participant(puid, uid, name, email, _parse(joined), _parse(left), seconds, rid, st, fo)
        for puid, uid, name, email, joined, left, seconds, rid, st, fo in body["participants"]
    )
    registrants = body["registrants"]
    if registrants is not None:
        registrants = {
            status: tuple(
                Registrant(rid, email, first, last, st, _parse(created), join)
                for rid, email, first, last, st, created, join in rows
            )
            for status, rows in registrants.items()
        }
    return AttendanceResult(
        ref,
        EventState.READY,
        participants=participants,
        registrants=registrants,
        registration=body["registration"],
        loaded_at=_parse(body["loaded_at"]),
        from_cache=True,
    )


# ---- the file --------------------------------------------------------------------------------


class ReportStore:
    """The SQLite cache file. Raises :class:`StoreUnavailable` when it cannot be used."""

    def __init__(self, path: Path | str, *, memory_rows: int = MEMORY_ROWS):
        self.path = Path(path)
        self.problem: str | None = None  # the last error met after opening, in words
        self._memory: OrderedDict[tuple, tuple[int, AttendanceResult]] = OrderedDict()
        self._memory_rows = 0
        self._memory_limit = memory_rows
        self._memory_lock = threading.Lock()
        try:
            owner_only_file(self.path)
            with closing(self._connect()) as db:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version not in (0, SCHEMA_VERSION):
                    # A cache from another version of the dashboard: rebuilt, not migrated.
                    db.executescript(
                        "DROP TABLE IF EXISTS reports; DROP TABLE IF EXISTS heavy_calls;"
                    )
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as error:
            raise StoreUnavailable(
                f"The report cache {self.path} is damaged or not a cache file ({error}). "
                "Attendance loads from Zoom without it; “Clear cached reports” starts a new one."
            ) from error
        except OSError as error:
            raise StoreUnavailable(
                f"The report cache {self.path} cannot be opened ({error.strerror or error}). "
                "Attendance loads from Zoom without it."
            ) from error

    def __repr__(self) -> str:
        return f"ReportStore({str(self.path)!r})"

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    def _run(self, sql: str, params: tuple = (), *, many: bool = False):
        """One statement in its own connection; an error is noted in ``problem``, not raised."""
        try:
            with closing(self._connect()) as db:
                cursor = db.execute(sql, params)
                return cursor.fetchall() if many else cursor.fetchone()
        except sqlite3.Error as error:
            self.problem = (
                f"The report cache {self.path} could not be used ({error}); attendance loads "
                "from Zoom meanwhile."
            )
            return [] if many else None

    # ---- reports -------------------------------------------------------------------------

    def get(self, account: str, ref: EventRef) -> AttendanceResult | None:
        """The kept result for the event, or None."""
        key = (account, ref.kind.value, ref.report_id)
        with self._memory_lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key][1]
        row = self._run(
            "SELECT payload FROM reports WHERE account=? AND kind=? AND report_id=? AND version=?",
            (account, ref.kind.value, ref.report_id, PAYLOAD_VERSION),
        )
        if row is None:
            return None
        try:
            result = decode_result(row[0])
        except (ValueError, KeyError, TypeError, zlib.error):
            return None  # written by a broken or other version: asked again and overwritten
        self._remember(key, result)
        return result

    def _remember(self, key: tuple, result: AttendanceResult) -> None:
        """Keep a decoded result in memory, dropping the least recently used over the limit."""
        rows = len(result.participants) + sum(len(r) for r in (result.registrants or {}).values())
        with self._memory_lock:
            if key in self._memory:
                self._memory_rows -= self._memory.pop(key)[0]
            if rows > self._memory_limit:
                return
            self._memory[key] = (rows, result)
            self._memory_rows += rows
            while self._memory_rows > self._memory_limit:
                self._memory_rows -= self._memory.popitem(last=False)[1][0]

    def put(self, account: str, result: AttendanceResult) -> None:
        """Keep a loaded result, filed under its event (its report ID does not change)."""
        ref = result.ref
        self._run(
            "INSERT OR REPLACE INTO reports VALUES (?, ?, ?, ?, ?, ?)",
            (
                account,
                ref.kind.value,
                ref.report_id,
                PAYLOAD_VERSION,
                _when(result.loaded_at) or "",
                encode_result(result),
            ),
        )
        self._remember((account, ref.kind.value, ref.report_id), replace(result, from_cache=True))

    def count(self, account: str | None = None) -> int:
        """How many results are kept (for one account, or in all)."""
        if account is None:
            row = self._run("SELECT COUNT(*) FROM reports")
        else:
            row = self._run("SELECT COUNT(*) FROM reports WHERE account=?", (account,))
        return row[0] if row else 0

    def clear(self) -> int:
        """Forget every kept result (Heavy-call counts stay: they are a record, not a cache)."""
        removed = self.count()
        with self._memory_lock:
            self._memory.clear()
            self._memory_rows = 0
        self._run("DELETE FROM reports")
        self._run("VACUUM")
        return removed

    # ---- Heavy calls ---------------------------------------------------------------------

    def add_heavy(self, account: str, day: date, calls: int = 1) -> None:
        self._run(
            "INSERT INTO heavy_calls VALUES (?, ?, ?) "
            "ON CONFLICT(account, day) DO UPDATE SET calls = calls + excluded.calls",
            (account, day.isoformat(), calls),
        )

    def heavy_calls(self, account: str, day: date) -> int:
        row = self._run(
            "SELECT calls FROM heavy_calls WHERE account=? AND day=?", (account, day.isoformat())
        )
        return row[0] if row else 0

    def for_account(self, account: str) -> AccountReports:
        return AccountReports(self, account)


class AccountReports:
    """One account's view of the store: what :func:`erbium_zoom.attendance.load_many` uses."""

    def __init__(self, store: ReportStore, account: str):
        self.store = store
        self.account = account

    def get(self, ref: EventRef) -> AttendanceResult | None:
        return self.store.get(self.account, ref)

    def put(self, result: AttendanceResult) -> None:
        self.store.put(self.account, result)

    def count(self) -> int:
        return self.store.count(self.account)


_open: dict[Path, ReportStore] = {}
_open_guard = threading.Lock()


def open_store(path: Path | None = None) -> ReportStore:
    """The process's store for ``path`` (the default file when None), opened once."""
    path = Path(path or default_path()).expanduser().absolute()
    with _open_guard:
        store = _open.get(path)
        if store is None or not path.exists():
            store = ReportStore(path)
            _open[path] = store
        return store


def reset_store(path: Path | None = None) -> ReportStore:
    """Move the unusable cache file aside and start an empty one; Heavy counts start again.

    Moved, not deleted: the same file holds the activity record (:mod:`erbium_zoom.activity`),
    which is never thrown away; ``cache.sqlite3.damaged-<UTC time>`` keeps it for a look.
    """
    path = Path(path or default_path()).expanduser().absolute()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    with _open_guard:
        _open.pop(path, None)
        for suffix in ("", "-wal", "-shm", "-journal"):
            current = Path(f"{path}{suffix}")
            if current.exists():
                current.replace(Path(f"{path}.damaged-{stamp}{suffix}"))
    return open_store(path)


def count_heavy_call(quota: str, day: date) -> None:
    """Persist one Heavy call of an account (rate limiters call this from loading threads)."""
    if cache_enabled():
        try:
            open_store().add_heavy(quota, day)
        except StoreUnavailable:
            pass  # the page says the file is unusable; the count stays in memory


def forget_open_stores() -> None:
    """Drop the opened stores (tests; a moved data folder)."""
    with _open_guard:
        _open.clear()
