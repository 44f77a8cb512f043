"""The watcher's history in the storage layer: each client's counted state and since when,
every check, the watcher's runs, and its outbox of notifications.

One transaction per client and pass reads the client's row, counts the new state
(:func:`erbium_zoom.watch.count`), writes the row and the check, and puts the change's messages
in the outbox: a watcher stopped at any point either did all of it or none, so a restarted one
never notifies a change twice. A message is sent by whoever claims it first (``pending`` to
``sending`` in one statement), then marked ``sent``; one that failed goes back to ``pending``
with its error and is tried again at the next pass. One left ``sending`` by a watcher that died
while sending it is not sent again (it may have arrived), and is reported instead.

Tables in :mod:`erbium_zoom.storage.schema`; times are ISO 8601 text in UTC. No streamlit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, insert, select, update

from erbium_zoom.storage.database import Database, upsert
from erbium_zoom.storage.schema import notifications, watch_checks, watch_clients, watch_runs
from erbium_zoom.watch import Change, ClientState, Observation, count

KEEP_CHECKS = timedelta(days=90)  # every check is kept this long (the pages show 30 days)
PENDING, SENDING, SENT, DROPPED = "pending", "sending", "sent", "dropped"
UNKNOWN = "unknown"  # left "sending" by a watcher that stopped: it may have arrived


def _at(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""


def _when(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Outgoing:
    """One message for one destination, to put in the outbox."""

    key: str  # the change's key and the destination: unique
    client: str
    kind: str
    destination: str  # a hash of the URL
    shown: str  # the URL masked
    title: str
    body: str


@dataclass(frozen=True)
class Queued:
    """A message in the outbox."""

    id: int
    key: str
    client: str
    kind: str
    destination: str
    shown: str
    title: str
    body: str
    status: str
    attempts: int
    last_error: str
    sent_at: datetime | None
    last_attempt: datetime | None = None


@dataclass(frozen=True)
class Run:
    id: int
    started_at: datetime
    finished_at: datetime | None
    status: str
    clients: int
    problems: tuple[str, ...]


def _state(row) -> ClientState:
    return ClientState(
        client=row.client,
        account_id=row.account_id,
        counted=Observation.from_json(row.state, row.details) if row.state else None,
        since=_when(row.since),
        last_check=_when(row.last_check),
        observed=Observation.from_json(row.observed, row.observed_details)
        if row.observed
        else None,
        observed_since=_when(row.observed_since),
        observed_count=row.observed_count,
    )


class WatchHistory:
    """The watcher's tables in one storage database."""

    def __init__(self, database: Database):
        self.database = database

    def __repr__(self) -> str:
        return f"WatchHistory({self.database.shown!r})"

    # ---- clients --------------------------------------------------------------------------

    def states(self) -> dict[str, ClientState]:
        with self.database.connect() as db:
            rows = db.execute(select(watch_clients)).all()
        return {row.client: _state(row) for row in rows}

    def state(self, client: str) -> ClientState | None:
        return self.states().get(client)

    def record(
        self,
        client: str,
        account_id: str,
        seen: Observation,
        now: datetime,
        messages: Callable[[Change], Sequence[Outgoing]] = lambda change: (),
    ) -> tuple[ClientState, Change | None]:
        """Count what this pass saw, keep it, and queue the change's messages: all at once."""
        with self.database.connect("cannot keep the watcher's history") as db:
            query = select(watch_clients).where(watch_clients.c.client == client)
            if db.dialect.name == "postgresql":
                query = query.with_for_update()  # two watchers at once: one counts at a time
            row = db.execute(query).first()
            previous = _state(row) if row is not None else None
            state, change = count(previous, seen, now, client, account_id)
            counted = state.counted
            upsert(
                db,
                watch_clients,
                {
                    "client": client,
                    "account_id": account_id,
                    "state": counted.state if counted else "",
                    "details": counted.to_json() if counted else "{}",
                    "since": _at(state.since),
                    "last_check": _at(now),
                    "observed": seen.state,
                    "observed_details": seen.to_json(),
                    "observed_since": _at(state.observed_since),
                    "observed_count": state.observed_count,
                },
            )
            db.execute(
                insert(watch_checks).values(
                    client=client,
                    checked_at=_at(now),
                    state=seen.state,
                    counted=counted.state if counted else "",
                    details=seen.to_json(),
                )
            )
            if change is not None:
                for message in messages(change):
                    self._queue(db, message, now)
        return state, change

    def _queue(self, db, message: Outgoing, now: datetime) -> bool:
        exists = select(notifications.c.id).where(notifications.c.key == message.key)
        if db.execute(exists).first() is not None:
            return False  # queued before: never twice
        db.execute(
            insert(notifications).values(
                key=message.key,
                client=message.client,
                kind=message.kind,
                destination=message.destination,
                shown=message.shown,
                title=message.title,
                body=message.body,
                created_at=_at(now),
                status=PENDING,
                attempts=0,
                last_attempt="",
                sent_at="",
                last_error="",
            )
        )
        return True

    def queue(self, messages: Sequence[Outgoing], now: datetime) -> int:
        """Queue messages outside a change (reminders, the digest): each key once, ever.
        Returns how many were new."""
        with self.database.connect("cannot keep the watcher's outbox") as db:
            return sum(self._queue(db, message, now) for message in messages)

    def checks(self, client: str) -> list[tuple[datetime, str, str]]:
        """(checked at, state seen, state counted) of every check of ``client``, oldest first."""
        with self.database.connect() as db:
            rows = db.execute(
                select(watch_checks.c.checked_at, watch_checks.c.state, watch_checks.c.counted)
                .where(watch_checks.c.client == client)
                .order_by(watch_checks.c.id)
            ).all()
        return [(datetime.fromisoformat(at), state, counted) for at, state, counted in rows]

    # ---- runs ------------------------------------------------------------------------------

    def start_run(self, now: datetime) -> int:
        """A new run, kept as running until finished; checks older than KEEP_CHECKS go."""
        with self.database.connect("cannot keep the watcher's history") as db:
            db.execute(
                delete(watch_checks).where(watch_checks.c.checked_at < _at(now - KEEP_CHECKS))
            )
            result = db.execute(
                insert(watch_runs).values(
                    started_at=_at(now), finished_at="", status="running", clients=0, problems="[]"
                )
            )
            return int(result.inserted_primary_key[0])

    def finish_run(
        self, run_id: int, now: datetime, status: str, clients: int, problems: Sequence[str]
    ) -> None:
        with self.database.connect("cannot keep the watcher's history") as db:
            db.execute(
                update(watch_runs)
                .where(watch_runs.c.id == run_id)
                .values(
                    finished_at=_at(now),
                    status=status,
                    clients=clients,
                    problems=json.dumps(list(problems)),
                )
            )

    def runs(self, limit: int = 20) -> list[Run]:
        """The latest runs, newest first."""
        with self.database.connect() as db:
            rows = db.execute(select(watch_runs).order_by(watch_runs.c.id.desc()).limit(limit))
            return [
                Run(
                    row.id,
                    datetime.fromisoformat(row.started_at),
                    _when(row.finished_at),
                    row.status,
                    row.clients,
                    tuple(json.loads(row.problems or "[]")),
                )
                for row in rows
            ]

    # ---- the outbox ------------------------------------------------------------------------

    def outbox(self, *statuses: str) -> list[Queued]:
        """Messages with these statuses (all when none given), oldest first."""
        query = select(notifications).order_by(notifications.c.id)
        if statuses:
            query = query.where(notifications.c.status.in_(statuses))
        with self.database.connect() as db:
            rows = db.execute(query).all()
        return [
            Queued(
                row.id,
                row.key,
                row.client,
                row.kind,
                row.destination,
                row.shown,
                row.title,
                row.body,
                row.status,
                row.attempts,
                row.last_error,
                _when(row.sent_at),
                _when(row.last_attempt),
            )
            for row in rows
        ]

    def claim(self, message_id: int, now: datetime) -> bool:
        """Take a pending message to send it; False when another watcher took it first."""
        with self.database.connect("cannot keep the watcher's outbox") as db:
            done = db.execute(
                update(notifications)
                .where(and_(notifications.c.id == message_id, notifications.c.status == PENDING))
                .values(
                    status=SENDING,
                    attempts=notifications.c.attempts + 1,
                    last_attempt=_at(now),
                )
            )
            return done.rowcount == 1

    def settle(self, message_id: int, now: datetime, error: str | None) -> None:
        """After sending: ``sent``, or back to ``pending`` with the error (tried next pass)."""
        values = (
            {"status": SENT, "sent_at": _at(now), "last_error": ""}
            if error is None
            else {"status": PENDING, "last_error": error}
        )
        with self.database.connect("cannot keep the watcher's outbox") as db:
            db.execute(update(notifications).where(notifications.c.id == message_id).values(values))

    def give_up_sending(self, message_id: int, reason: str) -> bool:
        """A message left ``sending``: ``unknown`` (never sent again, shown with ``reason``)."""
        with self.database.connect("cannot keep the watcher's outbox") as db:
            done = db.execute(
                update(notifications)
                .where(and_(notifications.c.id == message_id, notifications.c.status == SENDING))
                .values(status=UNKNOWN, last_error=reason)
            )
            return done.rowcount == 1

    def drop(self, message_id: int, reason: str) -> None:
        """Give a message up (its destination is no longer configured), saying why."""
        with self.database.connect("cannot keep the watcher's outbox") as db:
            db.execute(
                update(notifications)
                .where(and_(notifications.c.id == message_id, notifications.c.status == PENDING))
                .values(status=DROPPED, last_error=reason)
            )
