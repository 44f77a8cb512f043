"""The watcher's reminders while a client stays broken, and its daily digest.

Configuration, in the secrets file's ``[notify]`` table (beside ``urls``)::

    [notify]
    remind_every = "24h"     # the default; "off" (or false) for no reminder; 1h to 30d
    digest = "08:00"         # a daily digest at the first pass from 08:00 UTC; off by default

**Reminders.** While a client's counted connection state stays broken, a reminder goes once per
``remind_every`` since the state began: the broken message's own words (the same title and
body, what to do, the Connection page, the message to send the client for missing scopes) with
"Still" and how long it has lasted. Its outbox key is the change's key and the period's number
(``CLIENT|SINCE|STATE|reminder|N|DESTINATION``): the outbox's unique key makes it once per period
and state, across restarts and watchers running at once. A watcher that did not run for days
sends one reminder, for the current period, not one per missed period. Reminders go where the
broken message goes: the destinations that take ``connection`` messages for the client.

**The daily digest.** At the first pass on or after ``digest`` (a UTC time) each day (up to
``DIGEST_LATE`` after it, past midnight too), one message per destination that takes the
``digest`` kind (every destination without ``kinds``, or one naming ``digest``), listing each
of its clients (all, or its ``clients``): the state and
since when, the last check; what needs the team (the broken ones, with what to do and the
link); and the messages that could not be sent (kept to retry, or left unknown or dropped in
the last day). Its key is its day and the destination: one a day, however many passes. A
digest missed by more than ``DIGEST_LATE`` is not sent late.

Both are queued in the outbox before the pass sends it (:func:`queue_scheduled`), so they are
sent, retried and shown like every other message. No streamlit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from erbium_zoom.errors import ConfigError
from erbium_zoom.notify import (
    KIND_CONNECTION,
    KIND_DIGEST,
    NOTIFY_TABLE,
    Message,
    NotifySettings,
    addressed,
    compose,
    page_link,
)
from erbium_zoom.watch import STATE_LABELS, Change, ClientState
from erbium_zoom.watch_history import DROPPED, PENDING, UNKNOWN, Outgoing, WatchHistory

DEFAULT_REMIND_EVERY = timedelta(hours=24)
MIN_REMIND_EVERY = timedelta(hours=1)  # more often is a page, not a reminder
MAX_REMIND_EVERY = timedelta(days=30)
OFF_WORDS = ("off", "no", "none", "never", "false", "")
DIGEST_CLIENT = "all clients"  # the outbox's client of a digest ("A message about all clients")
FAILED_LOOKBACK = timedelta(days=1)  # unknown and dropped messages shown in the digest
# A digest is sent this late at most (no pass between its time and midnight, say): one missed
# by longer (the watcher was off, or the digest was just turned on) waits for its next time.
DIGEST_LATE = timedelta(hours=12)
_UNITS = {"m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Schedule:
    """When reminders and the digest go: ``remind_every`` (None: off), ``digest`` (None: off)."""

    remind_every: timedelta | None = DEFAULT_REMIND_EVERY
    digest: time | None = None


def _period(value) -> timedelta | None:
    where = f"[{NOTIFY_TABLE}] remind_every in the secrets file"
    if value is False or (isinstance(value, str) and value.strip().lower() in OFF_WORDS):
        return None
    found = re.fullmatch(r"\s*(\d+)\s*([mhd])\s*", value.lower()) if isinstance(value, str) else 0
    if not found:
        raise ConfigError(
            f"{where} is {value!r}: not a period.",
            field=where,
            advice='Write it like "24h", "12h", "90m" or "2d", or "off" for no reminder.',
        )
    period = timedelta(seconds=int(found[1]) * _UNITS[found[2]])
    if not MIN_REMIND_EVERY <= period <= MAX_REMIND_EVERY:
        raise ConfigError(
            f"{where} is {value!r}: out of range.",
            field=where,
            advice='Give 1h to 30d (the default is "24h"), or "off" for no reminder.',
        )
    return period


def _digest_time(value) -> time | None:
    where = f"[{NOTIFY_TABLE}] digest in the secrets file"
    if value is None or value is False:
        return None
    if isinstance(value, str) and value.strip().lower() in OFF_WORDS:
        return None
    found = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value) if isinstance(value, str) else None
    if not found or int(found[1]) > 23 or int(found[2]) > 59:
        raise ConfigError(
            f"{where} is {value!r}: not a time of day.",
            field=where,
            advice='Write a UTC time like "08:00" (24-hour clock), or leave it out for none.',
        )
    return time(int(found[1]), int(found[2]))


def schedule_from_secrets(secrets: Mapping | None) -> Schedule:
    """``remind_every`` and ``digest`` of ``[notify]``; ConfigError in words when malformed."""
    table = (secrets or {}).get(NOTIFY_TABLE) or {}
    if not isinstance(table, Mapping):
        return Schedule()  # notify.settings_from_secrets says what is wrong with the table
    remind = table.get("remind_every", "24h")
    return Schedule(_period(remind), _digest_time(table.get("digest")))


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%a %d %b %Y %H:%M UTC")


def duration(span: timedelta) -> str:
    """``2 days 3 hours``, ``5 hours``, ``40 minutes``: how long a state has lasted."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)

    def unit(number: int, word: str) -> str:
        return f"{number} {word}{'s' if number != 1 else ''}"

    if days:
        return unit(days, "day") + (f" {unit(hours, 'hour')}" if hours else "")
    if hours:
        return unit(hours, "hour") + (f" {unit(minutes, 'minute')}" if minutes else "")
    return unit(minutes, "minute")


def _broken_since(state: ClientState) -> Change | None:
    """The change that made the client's counted state broken, as the watcher keyed it."""
    counted, since = state.counted, state.since
    if counted is None or not counted.broken or since is None:
        return None
    key = f"{state.client}|{since.isoformat()}|{counted.state}"  # watch.count's key
    return Change(state.client, state.account_id, None, counted, since, key=key)


# ---- reminders -------------------------------------------------------------------------------


def reminders(
    state: ClientState, now: datetime, every: timedelta | None, settings: NotifySettings
) -> list[Outgoing]:
    """The reminder due for this client's broken state now (one per destination), if any."""
    change = _broken_since(state)
    if change is None or every is None or now < change.at + every:
        return []
    number = int((now - change.at) / every)  # the period it is in: one reminder each
    message = compose(change, settings.dashboard_url)
    reminder = Message(
        f"Still: {message.title}",
        f"Still not fixed, {duration(now - change.at)} on (a reminder every "
        f"{duration(every)} while it lasts).\n\n{message.body}",
        KIND_CONNECTION,
    )
    return addressed(f"{change.key}|reminder|{number}", state.client, reminder, settings)


# ---- the daily digest ------------------------------------------------------------------------


def _digest_due(now: datetime, at: time | None) -> date | None:
    """The day of the digest due at ``now`` (the latest ``at`` before it, if no more than
    ``DIGEST_LATE`` ago), or None."""
    if at is None:
        return None
    now = now.astimezone(UTC)
    moment = datetime.combine(now.date(), at, tzinfo=UTC)
    if moment > now:
        moment -= timedelta(days=1)  # e.g. 23:50 seen by the pass at 00:00: yesterday's
    return moment.date() if now - moment <= DIGEST_LATE else None


def _client_line(state: ClientState | None, name: str) -> str:
    if state is None or state.counted is None:
        seen = state.observed.state if state is not None and state.observed else None
        label = STATE_LABELS.get(seen, seen) if seen else "not checked yet"
        return f"- {name}: {label} (not counted yet)"
    counted = state.counted
    detail = ", ".join(counted.missing or counted.areas)
    line = f"- {name}: {STATE_LABELS.get(counted.state, counted.state)}"
    line += f" ({detail})" if detail else ""
    if state.since is not None:
        line += f", since {_when(state.since)}"
    if state.last_check is not None:
        line += f"; last check {_when(state.last_check)}"
    return line


def _failed(history: WatchHistory, now: datetime) -> list:
    """Messages that could not be sent: kept to retry, or given up in the last day."""
    recent = now - FAILED_LOOKBACK
    return [
        message
        for message in history.outbox(PENDING, UNKNOWN, DROPPED)
        if (message.status == PENDING and message.last_error)
        or (
            message.status != PENDING
            and message.last_attempt is not None
            and message.last_attempt >= recent
        )
    ]


def compose_digest(
    states: Mapping[str, ClientState],
    clients: Iterable[str],
    failed: Iterable,
    now: datetime,
    dashboard_url: str = "",
) -> tuple[str, str]:
    """(title, body) of the digest of these clients at ``now``."""
    names = sorted(clients, key=str.lower)
    broken = [n for n in names if n in states and _broken_since(states[n]) is not None]
    day = now.astimezone(UTC).strftime("%a %d %b %Y")
    many = len(names)
    needing = f"{len(broken)} need{'s' if len(broken) == 1 else ''} the team"
    title = f"Daily digest, {day}: {many} client{'s' if many != 1 else ''}, " + (
        needing if broken else "all well"
    )
    parts = [f"The watcher's digest at {_when(now)}."]
    if broken:
        lines = []
        for name in broken:
            message = compose(_broken_since(states[name]), dashboard_url)
            headline = message.title.split(": ", 2)[-1]  # "Action needed: NAME: headline"
            lines.append(
                f"- {name}: {headline}, since {_when(states[name].since)} "
                f"({duration(now - states[name].since)}). {page_link(dashboard_url, name)}"
            )
        parts.append("Needs the team:\n" + "\n".join(lines))
    else:
        parts.append("Needs the team: nothing; every client's connection works.")
    parts.append("Every client:\n" + "\n".join(_client_line(states.get(n), n) for n in names))
    failures = [
        f"- about {m.client} to {m.shown}: {m.last_error or m.status}"
        + (" (kept, tried again at the next pass)" if m.status == PENDING else "")
        for m in failed
    ]
    parts.append(
        "Messages that could not be sent:\n" + "\n".join(failures)
        if failures
        else "Messages that could not be sent: none."
    )
    return title, "\n\n".join(parts)


def digests(
    history: WatchHistory,
    clients: Iterable[str],
    now: datetime,
    at: time | None,
    settings: NotifySettings,
) -> list[Outgoing]:
    """Today's digest for each destination that takes it, once ``at`` has passed today."""
    day = _digest_due(now, at)
    if day is None:
        return []
    names = list(clients)
    takers = [d for d in settings.destinations if d.kinds is None or KIND_DIGEST in d.kinds]
    if not takers:
        return []
    states = history.states()
    failed = _failed(history, now)
    queued = []
    for destination in takers:
        mine = [n for n in names if destination.clients is None or n in destination.clients]
        if not mine:
            continue
        title, body = compose_digest(
            states,
            mine,
            [m for m in failed if destination.clients is None or m.client in mine],
            now,
            settings.dashboard_url,
        )
        queued.append(
            Outgoing(
                key=f"digest|{day.isoformat()}|{destination.id}",
                client=DIGEST_CLIENT,
                kind=KIND_DIGEST,
                destination=destination.id,
                shown=destination.shown,
                title=title,
                body=body,
            )
        )
    return queued


def queue_scheduled(
    history: WatchHistory,
    settings: NotifySettings,
    schedule: Schedule,
    clients: Iterable[str],
    now: datetime,
) -> int:
    """Queue the reminders due now and today's digest (each once: the outbox's keys); returns
    how many were newly queued."""
    names = list(clients)
    states = history.states()
    messages = [
        message
        for name in names
        if name in states
        for message in reminders(states[name], now, schedule.remind_every, settings)
    ]
    messages += digests(history, names, now, schedule.digest, settings)
    return history.queue(messages, now) if messages else 0
