"""The activity record: every change made on a client's Zoom account, every profile change, and
every refused sign-in or action, appended to the ``activity`` table of the data folder's SQLite
file (``cache.sqlite3`` beside the report cache, see :mod:`erbium_zoom.store`).

An entry says when (UTC), who (the signed-in e-mail, or "local user"), which client (profile
name and Account ID), what (the action, the event ID, the number and IDs of the registrants) and
Zoom's answer (status and message, or "outcome unknown"). A change is written *before* it is
sent, as "outcome unknown", and its answer filled in afterwards: a change that cannot be put on
record is not sent (:class:`~erbium_zoom.errors.ActivityUnavailable`), and one whose answer never
came stays "outcome unknown". Entries are never deleted or rewritten here, only their outcome
settled once. An entry never holds a secret, a token or a registrant's e-mail address: e-mail
addresses in Zoom's messages are masked.

Who may read what is decided here too: admins see everyone's entries, others their own.
The record is kept even with ``ERBIUM_ZOOM_CACHE=off`` (it is a record, not a cache).
No streamlit.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from erbium_zoom import datadir
from erbium_zoom.access import Action, Person
from erbium_zoom.errors import ActivityUnavailable

OUTCOME_UNKNOWN = "outcome unknown"
REFUSED = "refused"
_EMAIL = re.compile(r"[^\s@<>(),;:\"']+@[^\s@<>(),;:\"']+")
MAX_MESSAGE = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS activity (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    client TEXT NOT NULL,
    account_id TEXT NOT NULL,
    action TEXT NOT NULL,
    event_id TEXT NOT NULL,
    count INTEGER NOT NULL,
    registrant_ids TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS activity_at ON activity (at);
"""


def mask_emails(text: str) -> str:
    """Zoom's messages can quote a registrant's address; the record never keeps one."""
    return _EMAIL.sub("[e-mail address]", text or "")


@dataclass(frozen=True)
class Entry:
    """One line of the record."""

    id: int
    at: datetime
    who: str
    client: str
    account_id: str
    action: str
    event_id: str
    count: int
    registrant_ids: tuple[str, ...]
    status: str
    message: str


@dataclass(frozen=True)
class Filters:
    """What the Activity page narrows the record to; empty fields do not narrow."""

    who: str = ""
    client: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None


class ActivityLog:
    """The ``activity`` table. Every write opens its own connection (thread-safe)."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path is not None else datadir.default_path()
        self._ready = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ActivityLog({str(self.path)!r})"

    def _connect(self) -> sqlite3.Connection:
        try:
            with self._lock:
                if not self._ready:
                    datadir.owner_only_file(self.path)
                    with closing(self._open()) as db:
                        db.executescript(_SCHEMA)
                    self._ready = True
            return self._open()
        except (OSError, sqlite3.Error, datadir.StoreUnavailable) as error:
            raise ActivityUnavailable(
                f"The activity record in {self.path} cannot be used ({_reason(error)})."
            ) from None

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=datadir.BUSY_TIMEOUT, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    # ---- writing ---------------------------------------------------------------------------

    def append(
        self,
        *,
        who: str,
        action: str,
        client: str = "",
        account_id: str = "",
        event_id: str | int = "",
        registrant_ids: Sequence[str] = (),
        count: int | None = None,
        status: str = OUTCOME_UNKNOWN,
        message: str = "",
        at: datetime | None = None,
    ) -> int:
        """Add one entry; its ID. Raises ActivityUnavailable when it cannot be written."""
        ids = [str(i) for i in registrant_ids]
        row = (
            (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds"),
            who,
            client,
            account_id,
            action,
            str(event_id or ""),
            len(ids) if count is None else count,
            json.dumps(ids),
            status,
            mask_emails(message)[:MAX_MESSAGE],
        )
        try:
            with closing(self._connect()) as db:
                cursor = db.execute(
                    "INSERT INTO activity (at, who, client, account_id, action, event_id, count, "
                    "registrant_ids, status, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
                return int(cursor.lastrowid)
        except sqlite3.Error as error:
            raise ActivityUnavailable(
                f"The activity record in {self.path} cannot be written ({_reason(error)})."
            ) from None

    def settle(
        self, entry_id: int, status: str, message: str, registrant_ids: Sequence[str] = ()
    ) -> None:
        """Fill in Zoom's answer for an entry written as "outcome unknown" (once only).

        ``registrant_ids`` adds the IDs Zoom gave back (an added registrant's new ID).
        Failing to write the answer is not raised: the change was made, and the entry stays
        "outcome unknown", which is true of what the record knows.
        """
        try:
            with closing(self._connect()) as db:
                if registrant_ids:
                    ids = json.dumps([str(i) for i in registrant_ids])
                    db.execute(
                        "UPDATE activity SET registrant_ids=?, count=? WHERE id=? AND status=?",
                        (ids, len(registrant_ids), entry_id, OUTCOME_UNKNOWN),
                    )
                db.execute(
                    "UPDATE activity SET status=?, message=? WHERE id=? AND status=?",
                    (status, mask_emails(message)[:MAX_MESSAGE], entry_id, OUTCOME_UNKNOWN),
                )
        except (sqlite3.Error, ActivityUnavailable):
            pass

    def refusal(self, person: Person, action: str, message: str, **where) -> None:
        """Record a refused sign-in or action; a record that cannot be written does not stop
        the refusal."""
        try:
            self.append(who=person.who, action=action, status=REFUSED, message=message, **where)
        except ActivityUnavailable:
            pass

    # ---- reading ---------------------------------------------------------------------------

    def entries(self, viewer: Person, filters: Filters = Filters()) -> list[Entry]:
        """The entries ``viewer`` may see (admins: everyone's; others: their own), newest
        first, narrowed by ``filters`` (dates are UTC days, both ends included)."""
        viewer.require(Action.READ)
        own = None if viewer.may(Action.SEE_ALL_ACTIVITY) else viewer.who
        since = filters.since and datetime.combine(filters.since, time(), UTC).isoformat()
        until = filters.until and datetime.combine(filters.until + timedelta(days=1), time(), UTC)
        conditions = [
            ("who = ?", own),
            ("who = ?", filters.who),
            ("client = ?", filters.client),
            ("action = ?", filters.action),
            ("at >= ?", since),
            ("at < ?", until and until.isoformat()),
        ]
        used = [(clause, value) for clause, value in conditions if value]
        where = " AND ".join(clause for clause, _ in used) or "1=1"
        sql = f"SELECT * FROM activity WHERE {where} ORDER BY id DESC"
        params = [value for _, value in used]
        if not self.path.exists():
            return []
        with closing(self._connect()) as db:
            rows = db.execute(sql, params).fetchall()
        return [
            Entry(
                id=row[0],
                at=datetime.fromisoformat(row[1]),
                who=row[2],
                client=row[3],
                account_id=row[4],
                action=row[5],
                event_id=row[6],
                count=row[7],
                registrant_ids=tuple(json.loads(row[8])),
                status=row[9],
                message=row[10],
            )
            for row in rows
        ]


def _reason(error: BaseException) -> str:
    return getattr(error, "strerror", None) or str(error) or type(error).__name__
