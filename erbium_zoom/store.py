"""The report cache: finished events' attendance and Heavy calls per day.

Kept in the storage database (:mod:`erbium_zoom.storage`): by default the SQLite file
``cache.sqlite3`` under the user's data folder (platformdirs' ``user_data_path("erbium-zoom")``,
``~/.local/share/erbium-zoom`` on Linux; ``ERBIUM_ZOOM_DATA_DIR`` moves it), or PostgreSQL when
``[storage] url`` or ``ERBIUM_ZOOM_DATABASE_URL`` is set. It holds attendance (names and e-mails
of real people), so the folder is created readable by its owner alone (0700) and the file always
is (0600); a file owned by someone else is refused. ``ERBIUM_ZOOM_CACHE=off`` turns the cache off
altogether.

What is kept, keyed by the account (Account ID, Client ID, sign-in and API URLs; never the
secret) and the event (kind and report ID, that is the occurrence's UUID or the numeric ID):

- results that can no longer change (:func:`erbium_zoom.attendance.is_final`), so a later visit
  or a restart shows them without a call to Zoom;
- the number of Heavy calls this dashboard made per account and UTC day, for the daily cap.

Reading a large report back means building every row again (about 10 ms per 1,200-row event), so
the results read or written in this process are also kept in memory, up to ``MEMORY_ROWS`` rows
(least recently used go first): a later visit to the same dashboard process takes them from
there, a restart from the file.

A damaged or unreadable file, or a database server that cannot be reached, is reported in words
(:class:`StoreUnavailable`, or ``problem`` after opening) and the dashboard works without it;
the next operation tries again, so it recovers by itself. Thread-safe. No streamlit.
"""

from __future__ import annotations

import json
import os
import threading
import zlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import delete, func, select

from erbium_zoom import storage
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
from erbium_zoom.errors import DatabaseUnavailable
from erbium_zoom.models import EventKind, Participant, Registrant
from erbium_zoom.storage.database import upsert
from erbium_zoom.storage.schema import heavy_calls, reports

CACHE_ENV = "ERBIUM_ZOOM_CACHE"
PAYLOAD_VERSION = 1  # how a result is encoded; part of every report's key
OFF_WORDS = frozenset({"off", "0", "false", "no"})
MEMORY_ROWS = 250_000  # participant and registrant rows kept decoded in memory (~100 MB)


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


# ---- the store -------------------------------------------------------------------------------


class ReportStore:
    """The report cache in a storage database: ``database``, else the SQLite file at ``path``.
    Raises :class:`StoreUnavailable` when it cannot be used."""

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        memory_rows: int = MEMORY_ROWS,
        database: storage.Database | None = None,
    ):
        self.database = database or storage.sqlite_file(path or default_path())
        self.path = self.database.path  # the SQLite file, or None for a database server
        self.problem: str | None = None  # the last operation's error, in words (None: it worked)
        self._memory: OrderedDict[tuple, tuple[int, AttendanceResult]] = OrderedDict()
        self._memory_rows = 0
        self._memory_limit = memory_rows
        self._memory_lock = threading.Lock()
        try:
            self.database.ready(check_file=True)
        except DatabaseUnavailable as error:
            raise StoreUnavailable(self._words(error)) from None

    def __repr__(self) -> str:
        return f"ReportStore({self.database.shown!r})"

    def _words(self, error: DatabaseUnavailable) -> str:
        if error.damaged:
            return (
                f"The report cache {self.path} is damaged or not a cache file ({error.message}) "
                "Attendance loads from Zoom without it; “Clear cached reports” starts a new one."
            )
        return (
            f"The report cache could not be used: {error.message} Attendance loads from Zoom "
            f"without it meanwhile. {error.advice}"
        )

    def _run(self, work, default=None):
        """``work(connection)`` in one transaction; an error is noted in ``problem``, not
        raised (the default is returned), and a later success clears it."""
        try:
            with self.database.connect() as db:
                found = work(db)
        except DatabaseUnavailable as error:
            self.problem = self._words(error)
            return default
        self.problem = None
        return found

    # ---- reports -------------------------------------------------------------------------

    def get(self, account: str, ref: EventRef) -> AttendanceResult | None:
        """The kept result for the event, or None."""
        key = (account, ref.kind.value, ref.report_id)
        with self._memory_lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key][1]
        query = select(reports.c.payload).where(
            reports.c.account == account,
            reports.c.kind == ref.kind.value,
            reports.c.report_id == ref.report_id,
            reports.c.version == PAYLOAD_VERSION,
        )
        payload = self._run(lambda db: db.execute(query).scalar())
        if payload is None:
            return None
        try:
            result = decode_result(payload)
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
        row = {
            "account": account,
            "kind": ref.kind.value,
            "report_id": ref.report_id,
            "version": PAYLOAD_VERSION,
            "saved_at": _when(result.loaded_at) or "",
            "payload": encode_result(result),
        }
        self._run(lambda db: upsert(db, reports, row))
        self._remember((account, ref.kind.value, ref.report_id), replace(result, from_cache=True))

    def count(self, account: str | None = None) -> int:
        """How many results are kept (for one account, or in all)."""
        query = select(func.count()).select_from(reports)
        if account is not None:
            query = query.where(reports.c.account == account)
        return self._run(lambda db: db.execute(query).scalar(), 0) or 0

    def clear(self) -> int:
        """Forget every kept result (Heavy-call counts stay: they are a record, not a cache)."""
        removed = self.count()
        with self._memory_lock:
            self._memory.clear()
            self._memory_rows = 0
        self._run(lambda db: db.execute(delete(reports)))
        if self.database.kind == "sqlite" and self.problem is None:
            self._vacuum()
        return removed

    def _vacuum(self) -> None:
        """Give the file's space back (outside a transaction, which VACUUM needs)."""
        try:
            raw = self.database.engine.raw_connection()
            try:
                raw.driver_connection.execute("VACUUM")
            finally:
                raw.close()
        except Exception:  # noqa: BLE001 - a busy file keeps its size; nothing is lost
            pass

    # ---- Heavy calls ---------------------------------------------------------------------

    def add_heavy(self, account: str, day: date, calls: int = 1) -> None:
        row = {"account": account, "day": day.isoformat(), "calls": calls}
        self._run(
            lambda db: upsert(
                db, heavy_calls, row, lambda new: {"calls": heavy_calls.c.calls + new.calls}
            )
        )

    def heavy_calls(self, account: str, day: date) -> int:
        query = select(heavy_calls.c.calls).where(
            heavy_calls.c.account == account, heavy_calls.c.day == day.isoformat()
        )
        return self._run(lambda db: db.execute(query).scalar(), 0) or 0

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


_open: dict[str, ReportStore] = {}
_open_guard = threading.Lock()


def open_store(path: Path | None = None) -> ReportStore:
    """The process's store in the database in use (:func:`erbium_zoom.storage.current`), or in
    the SQLite file at ``path``; opened once (again when the file was moved away)."""
    try:
        database = storage.sqlite_file(path) if path is not None else storage.current()
    except DatabaseUnavailable as error:  # a URL that cannot be used
        raise StoreUnavailable(
            f"The report cache cannot be used: {error.message} {error.advice}"
        ) from None
    with _open_guard:
        store = _open.get(database.shown)
        if store is None or (database.path is not None and not database.path.exists()):
            store = ReportStore(database=database)
            _open[database.shown] = store
        return store


def reset_store(path: Path | None = None) -> ReportStore:
    """Move the unusable cache file aside and start an empty one; Heavy counts start again.

    Moved, not deleted: the same file holds the activity record (:mod:`erbium_zoom.activity`),
    which is never thrown away; ``cache.sqlite3.damaged-<UTC time>`` keeps it for a look.
    A database server is not reset here (the store is just opened again).
    """
    database = storage.sqlite_file(path) if path is not None else storage.current()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    with _open_guard:
        _open.pop(database.shown, None)
        if database.path is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                current = Path(f"{database.path}{suffix}")
                if current.exists():
                    current.replace(Path(f"{database.path}.damaged-{stamp}{suffix}"))
    return open_store(path)


def count_heavy_call(quota: str, day: date) -> None:
    """Persist one Heavy call of an account (rate limiters call this from loading threads)."""
    if cache_enabled():
        try:
            open_store().add_heavy(quota, day)
        except StoreUnavailable:
            pass  # the page says the file is unusable; the count stays in memory


HEAVY_SHARED, HEAVY_STORED, HEAVY_PROCESS = "shared", "stored", "process"


def heavy_today(limiter, quota: str | None) -> tuple[int, str]:
    """The Heavy meter: the account's Heavy calls today (UTC) and whose they are. From Redis
    when the limits are shared (``HEAVY_SHARED``: every process on the account); else from the
    storage's count (``HEAVY_STORED``: every process using this storage); else, with no
    ``quota`` (the demo), the cache off or unusable, this process's own (``HEAVY_PROCESS``)."""
    if limiter.sharing:
        return limiter.heavy_today(), HEAVY_SHARED
    if quota is not None and cache_enabled():
        try:
            return open_store().heavy_calls(quota, datetime.now(UTC).date()), HEAVY_STORED
        except StoreUnavailable:
            pass
    return limiter.heavy_today(), HEAVY_PROCESS


def forget_open_stores() -> None:
    """Drop the opened stores (tests; a moved data folder)."""
    with _open_guard:
        _open.clear()
    storage.forget()
