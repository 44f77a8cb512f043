"""The watcher's notifications: where they go (``[notify]`` in the secrets file), what they say,
and sending them through Apprise (Slack, Microsoft Teams, e-mail, webhooks and many more).

Configuration, in the secrets file::

    [notify]
    dashboard_url = "https://zoom.agency.example"     # for the links in messages
    urls = [
        "slack://T000AAAAA/B000BBBBB/XXXXXXXXXXXXXXXXXXXXXXXX",   # everything goes here
        { url = "json://hooks.agency.example/zoom", kinds = ["connection"], clients = ["Acme"] },
    ]

An entry is an Apprise URL (every kind of message but ``report``, every client), or a table with
``url`` and, to route, ``kinds`` (``connection``; ``pace``, ``approvals`` and ``quota`` from
:mod:`erbium_zoom.watch_events`; ``report`` from :mod:`erbium_zoom.watch_reports`; ``digest`` from
:mod:`erbium_zoom.watch_reminders`) and
``clients`` (profile names). A notification URL holds a token of its own: it is shown only
masked (:func:`mask`), and kept in the outbox only as a hash and its masked form.
Report summaries go only to entries whose ``kinds`` name ``report`` (``OPT_IN_KINDS``).
``attach = "workbook"`` (with ``kinds = ["report"]`` and ``clients``) sends a report summary with
the Attendance page's workbook attached (:mod:`erbium_zoom.watch_reports`); an entry without
``clients`` is refused, so that a workbook of attendees goes only to the client's recipients.

Messages (:func:`compose`) go only on a change of a client's counted state (broken, fixed),
say what happened, since when, what to do, and link to the client's Connection page; for
missing scopes they hold the exact message the Connection page writes for the client
(:func:`erbium_zoom.views.client_message`). They hold no secret, token or attendee e-mail: the
connection check reads none of those into its words.

:func:`send_pending` sends what the outbox holds, one message per destination; one that fails
stays and is tried again next pass. No streamlit.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit

from erbium_zoom.check import PLAN_GAPS
from erbium_zoom.errors import ConfigError
from erbium_zoom.views import FIELD_TO_FIX, client_message
from erbium_zoom.watch import (
    CANNOT_AUTHENTICATE,
    NO_PLAN,
    NOT_ACTIVATED,
    NOT_CHECKED,
    SCOPES_MISSING,
    STATE_LABELS,
    UNREACHABLE,
    UNREACHABLE_PASSES,
    Change,
    Observation,
)
from erbium_zoom.watch_history import PENDING, SENDING, Outgoing, Queued, WatchHistory

NOTIFY_TABLE = "notify"
KIND_CONNECTION = "connection"
KIND_DIGEST = "digest"  # the daily digest (erbium_zoom.watch_reminders)
KINDS = (KIND_CONNECTION, "pace", "approvals", "report", "quota", KIND_DIGEST)
SETTING = "[notify] urls in the secrets file"
STUCK_AFTER = timedelta(minutes=10)  # a message "sending" this long: its watcher stopped
KIND_REPORT = "report"
# Kinds an entry gets only when its kinds name them: a summary of every ended event is not an
# alert, and a webhook set up for alerts should not fill with them.
OPT_IN_KINDS = frozenset({KIND_REPORT})
ATTACH_WORKBOOK = "workbook"  # [notify] urls entry: attach = "workbook" (report messages)
ATTACH_CHOICES = (ATTACH_WORKBOOK,)


def mask(url: str) -> str:
    """A notification URL as it may be shown: Apprise's private form (tokens and passwords
    elided), its scheme and host only; never the path or query, which can hold a token."""
    import apprise

    plugin = apprise.Apprise.instantiate(url)
    if not plugin:
        scheme = urlsplit(url).scheme if "://" in url else ""
        return f"{scheme}://…" if scheme else "(a notification URL that cannot be read)"
    private = urlsplit(plugin.url(privacy=True))
    path = "/…" if private.path.strip("/") else ""
    return f"{private.scheme}://{private.netloc}{path}"


def destination_id(url: str) -> str:
    """What the outbox keeps instead of the URL: a hash of it."""
    return hashlib.sha256(url.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Destination:
    """One notification URL and what it takes (None: every kind, every client)."""

    url: str
    kinds: frozenset[str] | None = None
    clients: frozenset[str] | None = None
    attach: str | None = None  # ATTACH_WORKBOOK: report messages carry the event's workbook

    def __repr__(self) -> str:
        return f"Destination({self.shown!r})"

    @property
    def id(self) -> str:
        return destination_id(self.url)

    @property
    def shown(self) -> str:
        return mask(self.url)

    def takes(self, kind: str, client: str) -> bool:
        wanted = kind not in OPT_IN_KINDS if self.kinds is None else kind in self.kinds
        return wanted and (self.clients is None or client in self.clients)


@dataclass(frozen=True, repr=False)
class PreviewDestination(Destination):
    """Where a preview's messages "go" (the demo's watcher view): every kind, every client, and
    nowhere: nothing is sent to it, and it has no URL to show or to leak."""

    url: str = ""

    def __repr__(self) -> str:
        return "PreviewDestination()"

    @property
    def id(self) -> str:
        return "preview"

    @property
    def shown(self) -> str:
        return "(a preview: not sent)"


@dataclass(frozen=True)
class NotifySettings:
    destinations: tuple[Destination, ...] = ()
    dashboard_url: str = ""

    def for_message(self, kind: str, client: str) -> list[Destination]:
        return [d for d in self.destinations if d.takes(kind, client)]


def preview_settings(dashboard_url: str = "") -> NotifySettings:
    """Settings for a preview: every message of every kind composed once, for nobody (a
    :class:`Watcher` with ``preview`` never sends; the outbox shows what would go)."""
    return NotifySettings((PreviewDestination(kinds=frozenset(KINDS)),), dashboard_url)


def _ordinal(number: int) -> str:
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number if number < 20 else number % 10, "th")
    return f"{number}{suffix}"


def _names(value, what: str, where: str) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {what} must be a list of names.", field=SETTING)
    return frozenset(value)


def settings_from_secrets(secrets: Mapping | None) -> NotifySettings:
    """``[notify]`` of the secrets file. Raises ConfigError naming the entry, never its URL."""
    import apprise

    table = (secrets or {}).get(NOTIFY_TABLE) or {}
    if not isinstance(table, Mapping):
        raise ConfigError("[notify] in the secrets file must be a table.", field=SETTING)
    urls = table.get("urls") or []
    if isinstance(urls, str):
        urls = [urls]
    if not isinstance(urls, Sequence):
        raise ConfigError("[notify] urls must be a list of notification URLs.", field=SETTING)
    destinations = []
    for number, entry in enumerate(urls, start=1):
        where = f"The {_ordinal(number)} entry of {SETTING}"
        options: Mapping = {}
        if isinstance(entry, Mapping):
            options, entry = entry, entry.get("url")
        if not isinstance(entry, str) or not entry.strip():
            raise ConfigError(f"{where} has no URL.", field=SETTING)
        url = entry.strip()
        if not apprise.Apprise.instantiate(url):
            scheme = urlsplit(url).scheme or "(none)"
            raise ConfigError(
                f"{where} is not a notification URL Apprise can use (its scheme is {scheme}: "
                "unknown, or the rest does not have the form that service needs).",
                field=SETTING,
                advice="Write it as Apprise documents for the service (e.g. slack://…, "
                "msteams://…, mailtos://…, json://host/path), then run the watcher again.",
            )
        kinds = _names(options.get("kinds"), "kinds", where)
        unknown = sorted((kinds or frozenset()) - set(KINDS))
        if unknown:
            raise ConfigError(
                f"{where} names kinds that do not exist: {', '.join(unknown)} "
                f"(kinds: {', '.join(KINDS)}).",
                field=SETTING,
            )
        clients = _names(options.get("clients"), "clients", where)
        attach = _attach(options.get("attach"), kinds, clients, url, where)
        destinations.append(Destination(url, kinds, clients, attach))
    dashboard_url = str(table.get("dashboard_url") or "").strip().rstrip("/")
    return NotifySettings(tuple(destinations), dashboard_url)


def _attach(
    value, kinds: frozenset[str] | None, clients: frozenset[str] | None, url: str, where: str
) -> str | None:
    """An entry's ``attach``: checked, so that a workbook of attendees never goes to a
    destination that takes every client's messages."""
    import apprise

    if value is None:
        return None
    if value not in ATTACH_CHOICES:
        raise ConfigError(
            f"{where}: attach = {str(value)[:40]!r} is not something to attach "
            f"(attach = {', '.join(repr(c) for c in ATTACH_CHOICES)}).",
            field=SETTING,
        )
    if not clients:
        raise ConfigError(
            f"{where} asks for the workbook (attach = {value!r}) but names no clients: the "
            "workbook holds attendees' names and e-mails, so it goes only to recipients "
            "configured for a client.",
            field=SETTING,
            advice='Add clients = ["Client name", …] to that entry (the profile names), or '
            "remove attach.",
        )
    if kinds is None or KIND_REPORT not in kinds:
        raise ConfigError(
            f"{where} asks for the workbook (attach = {value!r}), which only report messages "
            'carry, but its kinds do not name "report".',
            field=SETTING,
            advice='Add "report" to its kinds, or remove attach.',
        )
    if not getattr(apprise.Apprise.instantiate(url), "attachment_support", False):
        raise ConfigError(
            f"{where} asks for the workbook (attach = {value!r}), but its service cannot "
            "carry attachments.",
            field=SETTING,
            advice="Use an e-mail URL (mailto://, mailtos://) for the workbook.",
        )
    return value


# ---- what a message says -------------------------------------------------------------------


def page_link(dashboard_url: str, client: str) -> str:
    """The client's Connection page (the dashboard's first page), or what to open without
    a dashboard_url."""
    if not dashboard_url:
        return (
            f"the Connection page of the dashboard with the client profile {client!r} "
            "(set [notify] dashboard_url to get a link here)"
        )
    return f"{dashboard_url}/?client={quote(client, safe='')}"


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%a %d %b %Y %H:%M UTC")


def _problem(seen: Observation) -> tuple[str, str]:
    """(the headline, what happened and what to do) for a broken state."""
    if seen.state == SCOPES_MISSING:
        count = len(seen.missing)
        return (
            f"{count} scope{'s' if count != 1 else ''} missing: {', '.join(seen.missing)}",
            "The client's ERBIUM app lacks the scopes above, so the parts of the dashboard "
            "that need them fail. Send the client the message below, then re-check on the "
            "Connection page.",
        )
    if seen.state == CANNOT_AUTHENTICATE:
        fix = FIELD_TO_FIX.get(seen.field or "", seen.field or "")
        return (
            f"cannot authenticate ({fix})" if fix else "cannot authenticate",
            f"Zoom refused the client's credentials. {seen.message} If the client regenerated "
            "the Client Secret, an admin enters the new one on the All clients page.",
        )
    if seen.state == NOT_ACTIVATED:
        return ("the ERBIUM app is not activated", seen.message)
    if seen.state == NO_PLAN:
        gaps = "; ".join(PLAN_GAPS.get(area, f"{area}: not on the plan") for area in seen.areas)
        return (
            f"the Zoom plan lacks {', '.join(seen.areas)}",
            f"{gaps[0].upper()}{gaps[1:]}. {seen.message}",
        )
    if seen.state == UNREACHABLE:
        return (
            "Zoom cannot be reached",
            f"{UNREACHABLE_PASSES} checks in a row got no usable answer from Zoom. {seen.message}",
        )
    if seen.state == NOT_CHECKED:
        return (
            "the watcher cannot check it",
            f"{seen.message} The watcher runs as the server's user: it reads Client Secrets "
            "from the same store as the dashboard.",
        )
    return (STATE_LABELS.get(seen.state, seen.state), seen.message)


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    kind: str = KIND_CONNECTION


def compose(change: Change, dashboard_url: str = "") -> Message:
    """The message for one change of a client's connection."""
    link = page_link(dashboard_url, change.client)
    if change.fixed:
        was = ""
        if change.before is not None:
            was = f" (it was: {_problem(change.before)[0]}"
            was += f", since {_when(change.before_since)})" if change.before_since else ")"
        body = (
            f"Since {_when(change.at)} the Zoom connection of {change.client} works again: "
            f"a token with all 17 scopes, and the plan's areas available{was}. Nothing to do.\n\n"
            f"Connection page: {link}"
        )
        return Message(f"Fixed: {change.client} is connected again", body)
    headline, words = _problem(change.after)
    body = (
        f"Since {_when(change.at)}, {change.client} (Zoom account {change.account_id}): "
        f"{headline}.\n\n{words}\n\nConnection page: {link}"
    )
    if change.after.state == SCOPES_MISSING:
        body += "\n\nThe message to send the client:\n\n" + client_message(change.after.missing)
    return Message(f"Action needed: {change.client}: {headline}", body)


def addressed(key: str, client: str, message: Message, settings: NotifySettings) -> list[Outgoing]:
    """``message`` once per destination that takes its kind and client, for the outbox; each
    keyed ``key`` and the destination, so that it is queued once, ever."""
    return [
        Outgoing(
            key=f"{key}|{destination.id}",
            client=client,
            kind=message.kind,
            destination=destination.id,
            shown=destination.shown,
            title=message.title,
            body=message.body,
        )
        for destination in settings.for_message(message.kind, client)
    ]


def outgoing(change: Change, settings: NotifySettings) -> list[Outgoing]:
    """The change's message, once per destination that takes it (for the outbox)."""
    return addressed(change.key, change.client, compose(change, settings.dashboard_url), settings)


# ---- sending -------------------------------------------------------------------------------


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0  # kept, tried again next pass
    dropped: int = 0
    unknown: int = 0  # left "sending" by a watcher that stopped: not sent again
    problems: list[str] | None = None


def _scrubbed(text: str, url: str) -> str:
    """Apprise's words with every part of the URL but its scheme and host taken out."""
    parts = urlsplit(url)
    keep = {parts.scheme, parts.hostname or ""}
    for piece in sorted(re.split(r"[/:@?&=#+]+", url), key=len, reverse=True):
        if len(piece) >= 3 and piece not in keep:
            text = text.replace(piece, "…")
    return text


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message (built at send time: the outbox keeps no file)."""

    name: str
    content: bytes = field(repr=False)
    mimetype: str


# What a message sends along to a destination: files, or why they cannot be had now (the
# message then stays in the outbox, to be tried again at the next pass).
Attachments = Callable[[Queued, Destination], "list[Attachment] | str"]


def _deliver(url: str, title: str, body: str, files: Sequence[Attachment] = ()) -> str | None:
    """Send one message; None when the destination took it, else why not (no URL in it)."""
    import apprise
    from apprise.attachment.memory import AttachMemory

    said: list[str] = []

    def heard(entry, _plugin=None) -> None:
        if entry.level in ("WARNING", "ERROR", "CRITICAL"):
            said.append(entry.message)

    sender = apprise.Apprise()
    if not sender.add(url):
        return "Apprise cannot use this URL"
    attach = None
    if files:
        attach = apprise.AppriseAttachment()
        for file in files:
            attach.add(AttachMemory(content=file.content, name=file.name, mimetype=file.mimetype))
    if sender.notify(body=body, title=title, attach=attach, log_callback=heard):
        return None
    reason = _scrubbed(said[0], url).rstrip(".") if said else "no reason given"
    return f"it was refused or not answered ({reason[:200]})"


def send_pending(
    history: WatchHistory,
    settings: NotifySettings,
    now: datetime | None = None,
    attachments: Attachments | None = None,
) -> SendReport:
    """Send every pending message of the outbox; a failure stays pending, said in words.
    ``attachments`` gives the files of a message to a destination that asked for them
    (``attach``), or why they cannot be had now (the message then stays pending)."""
    now = now or datetime.now(UTC)
    report = SendReport(problems=[])
    by_id = {d.id: d for d in settings.destinations}
    for message in history.outbox(SENDING):
        if message.last_attempt and now - message.last_attempt < STUCK_AFTER:
            continue  # another watcher is sending it now
        reason = (
            f"A message about {message.client} to {message.shown} may not have been sent: the "
            "watcher stopped while sending it. It is not sent again, so that it never arrives "
            "twice; check the destination."
        )
        if history.give_up_sending(message.id, reason):
            report.unknown += 1
            report.problems.append(reason)
    for message in history.outbox(PENDING):
        destination = by_id.get(message.destination)
        if destination is None:
            history.drop(message.id, f"{message.shown} is no longer in {SETTING}.")
            report.dropped += 1
            report.problems.append(
                f"A message about {message.client} was not sent: its destination "
                f"{message.shown} is no longer in {SETTING}."
            )
            continue
        if not history.claim(message.id, now):
            continue  # another watcher took it
        try:
            files: list[Attachment] | str = []
            if destination.attach and attachments is not None:
                files = attachments(message, destination)
            if isinstance(files, str):  # the file cannot be had now: kept, tried next pass
                refused = files
            else:
                refused = _deliver(destination.url, message.title, message.body, files)
        except Exception as error:  # a plugin's fault: kept, said without the URL
            refused = f"Apprise failed ({type(error).__name__})"
        if isinstance(files, str):
            reason = f"it was not sent to {message.shown}: {files}"
        else:
            reason = f"{message.shown} did not take it: {refused}" if refused else ""
        if not refused:
            history.settle(message.id, now, None)
            report.sent += 1
        else:
            history.settle(message.id, now, reason)
            report.failed += 1
            report.problems.append(
                f"A message about {message.client} could not be sent: {reason} (attempt "
                f"{message.attempts + 1}). It is kept and tried again at the next pass."
            )
    return report
