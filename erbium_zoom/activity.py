"""The activity record: every change made on a client's Zoom account, every profile change, and
every refused sign-in or action, appended to the ``activity`` table of the storage database
(:mod:`erbium_zoom.storage`: the data folder's ``cache.sqlite3`` by default, PostgreSQL when
``[storage] url`` or ``ERBIUM_ZOOM_DATABASE_URL`` is set).

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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import insert, select, update

from erbium_zoom import storage
from erbium_zoom.access import Action, Person
from erbium_zoom.errors import ActivityUnavailable, DatabaseUnavailable
from erbium_zoom.storage.schema import activity

OUTCOME_UNKNOWN = "outcome unknown"
REFUSED = "refused"
_EMAIL = re.compile(r"[^\s@<>(),;:\"']+@[^\s@<>(),;:\"']+")
MAX_MESSAGE = 500


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
    """The ``activity`` table of a storage database: ``database``, else the SQLite file at
    ``path``, else the database in use (:func:`erbium_zoom.storage.current`)."""

    def __init__(self, path: Path | str | None = None, *, database: storage.Database | None = None):
        self.problem: DatabaseUnavailable | None = None  # a URL that cannot be used
        if database is None:
            try:
                database = storage.sqlite_file(path) if path is not None else storage.current()
            except DatabaseUnavailable as error:  # said at the first use, which it stops
                self.problem = error
        self.database = database
        self.path = database.path if database else None  # the SQLite file; None for a server
        self.where = str(self.path) if self.path else database.shown if database else "nowhere"

    def __repr__(self) -> str:
        return f"ActivityLog({self.where!r})"

    def _database(self) -> storage.Database:
        if self.problem is not None:
            raise self.problem
        return self.database

    def _unavailable(self, error: DatabaseUnavailable, doing: str) -> ActivityUnavailable:
        # The default advice (the data folder) fits the SQLite file; a server has its own.
        advice = None if self.path else f"Nothing was sent to Zoom. {error.advice}"
        said = error.message[:1].lower() + error.message[1:]
        return ActivityUnavailable(f"The activity record cannot be {doing}: {said}", advice=advice)

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
            with self._database().connect() as db:
                done = db.execute(insert(activity).values(dict(zip(_COLUMNS, row, strict=True))))
                return int(done.inserted_primary_key[0])
        except DatabaseUnavailable as error:
            raise self._unavailable(error, "written") from None

    def settle(
        self, entry_id: int, status: str, message: str, registrant_ids: Sequence[str] = ()
    ) -> None:
        """Fill in Zoom's answer for an entry written as "outcome unknown" (once only).

        ``registrant_ids`` adds the IDs Zoom gave back (an added registrant's new ID).
        Failing to write the answer is not raised: the change was made, and the entry stays
        "outcome unknown", which is true of what the record knows.
        """
        pending = (activity.c.id == entry_id) & (activity.c.status == OUTCOME_UNKNOWN)
        try:
            with self._database().connect() as db:
                if registrant_ids:
                    ids = json.dumps([str(i) for i in registrant_ids])
                    db.execute(
                        update(activity)
                        .where(pending)
                        .values(registrant_ids=ids, count=len(registrant_ids))
                    )
                db.execute(
                    update(activity)
                    .where(pending)
                    .values(status=status, message=mask_emails(message)[:MAX_MESSAGE])
                )
        except DatabaseUnavailable:
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
            (activity.c.who, own),
            (activity.c.who, filters.who),
            (activity.c.client, filters.client),
            (activity.c.action, filters.action),
        ]
        query = select(activity).order_by(activity.c.id.desc())
        for column, value in conditions:
            if value:
                query = query.where(column == value)
        if since:
            query = query.where(activity.c.at >= since)
        if until:
            query = query.where(activity.c.at < until.isoformat())
        if self.path is not None and not self.path.exists():
            return []  # nothing recorded yet: the file is made by the first entry
        try:
            with self._database().connect() as db:
                rows = db.execute(query).all()
        except DatabaseUnavailable as error:
            raise self._unavailable(error, "read") from None
        return [
            Entry(
                id=row.id,
                at=datetime.fromisoformat(row.at),
                who=row.who,
                client=row.client,
                account_id=row.account_id,
                action=row.action,
                event_id=row.event_id,
                count=row.count,
                registrant_ids=tuple(json.loads(row.registrant_ids)),
                status=row.status,
                message=row.message,
            )
            for row in rows
        ]


_COLUMNS = (
    "at",
    "who",
    "client",
    "account_id",
    "action",
    "event_id",
    "count",
    "registrant_ids",
    "status",
    "message",
)
