"""``python -m erbium_zoom watch --once`` / ``--every 15m``: the watcher's passes.

A pass checks every client profile (saved, and from the secrets file) the way the Connection
page does (:func:`erbium_zoom.check.check_with_client` with the plan probes: one token request
and three read-only calls), keeps each outcome in the storage layer
(:class:`erbium_zoom.watch_history.WatchHistory`), queues a message for each change of a
client's counted state (:mod:`erbium_zoom.watch`'s blip rule), and the reminders and the daily
digest that are due (:mod:`erbium_zoom.watch_reminders`), and sends what the outbox holds
(:mod:`erbium_zoom.notify`). With the same ZoomClient, a connected client's upcoming events and
every client's Heavy quota are checked too (:mod:`erbium_zoom.watch_events`, loaded by
:mod:`erbium_zoom.watch_events_load`), and its ended events' report summaries
(:mod:`erbium_zoom.watch_reports`); each of their alerts is queued once.

Access: the watcher runs as the server's local user, like every command here
(:data:`erbium_zoom.access.LOCAL_PERSON`: whoever has the server's shell can read the secrets
anyway). It only reads, through the same guard as the dashboard (a refusal would be on the
activity record); its messages go only to the destinations the secrets file names.

Zoom's limits: each account's calls go through that account's rate limiter and Heavy meter, as
the dashboard's do. With shared limits (``[limits] redis_url``) the limiter takes its slots in
Redis with every dashboard. Without, it paces at ``WATCH_SHARE`` of the plan's per-second
numbers (at least 1 a second), and a dashboard beside a watcher in use at the rest
(:func:`dashboard_plan`), so that
the two together never send more than Zoom's numbers.

Exit codes: 0 every client is connected and every message went; 1 a client needs attention
(its connection, an event, its quota), or a message waits to be retried; 2 the watcher could
not do its work (no profiles, the configuration, the storage). Ctrl-C or SIGTERM stops it (130).
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx

from erbium_zoom import ratelimit, shared_limits, storage
from erbium_zoom.access import LOCAL_PERSON
from erbium_zoom.activity import ActivityLog
from erbium_zoom.check import CheckResult, check_with_client
from erbium_zoom.client import ZoomClient
from erbium_zoom.errors import ConfigError, ZoomError, user_message
from erbium_zoom.profiles import Profile, ProfileStore
from erbium_zoom.ratelimit import PLANS, Plan
from erbium_zoom.secrets_file import load
from erbium_zoom.watch import CONNECTED, STATE_LABELS, UNREACHABLE, UNREACHABLE_PASSES, observe
from erbium_zoom.watch_history import Run, WatchHistory

if TYPE_CHECKING:
    from erbium_zoom.notify import NotifySettings
    from erbium_zoom.watch_events import WatchSettings
    from erbium_zoom.watch_reminders import Schedule
    from erbium_zoom.watch_reports import ReportSource

EXIT_ALL_WELL = 0
EXIT_ATTENTION = 1
EXIT_CANNOT_WATCH = 2

WATCH_SHARE = 0.1  # of each per-second number, when the limits are not shared through Redis
WATCHER_IN_USE = timedelta(hours=25)  # a watcher that ran this recently takes its share
MIN_INTERVAL = 60  # seconds: a pass costs Zoom calls, and connections do not change faster
MAX_INTERVAL = 24 * 3600
_UNITS = {"s": 1, "m": 60, "h": 3600}


def interval(text: str) -> int:
    """An argparse type: ``90s``, ``15m``, ``1h`` (a bare number is minutes), in seconds."""
    found = re.fullmatch(r"\s*(\d+)\s*([smh]?)\s*", text.lower())
    if not found:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an interval: write it like 15m, 90s or 1h"
        )
    seconds = int(found[1]) * _UNITS[found[2] or "m"]
    if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
        raise argparse.ArgumentTypeError(
            f"{text} is out of range: give 1m to 24h (each pass costs Zoom calls)"
        )
    return seconds


def add_watch_parser(commands, add_secrets_file_option, positive) -> None:
    watch = commands.add_parser(
        "watch",
        help="check every client profile and notify changes",
        description="One pass over every client profile (--once), or one every interval "
        "(--every 15m) until Ctrl-C. Exit 0: all connected; 1: a client needs attention or a "
        "message waits to be retried; 2: the watcher cannot work.",
    )
    when = watch.add_mutually_exclusive_group(required=True)
    when.add_argument("--once", action="store_true", help="one pass, then stop")
    when.add_argument("--every", type=interval, metavar="INTERVAL", help="e.g. 15m, 1h")
    watch.add_argument(
        "--passes", type=positive, metavar="N", help="with --every: stop after N passes"
    )
    watch.add_argument(
        "--days",
        type=int,
        metavar="N",
        help="upcoming events checked: those of the next N days (default: [watch] days in the "
        "secrets file, else 14; 0: none)",
    )
    watch.add_argument(
        "--plan",
        choices=list(PLANS),
        default=ratelimit.DEFAULT_PLAN.key,
        help="the clients' Zoom plan, for the rate limits (default: pro, the lower)",
    )
    add_secrets_file_option(watch)


def watcher_plan(plan: Plan, shared: bool) -> Plan:
    """The pace the watcher keeps: the plan's, shared through Redis with every process on the
    account; else ``WATCH_SHARE`` of each per-second number (at least 1), the rest left to the
    dashboards. The daily Heavy cap is the account's either way."""
    if shared:
        return plan
    per_second = {c: max(1, int(n * WATCH_SHARE)) for c, n in plan.per_second.items()}
    return Plan(plan.key, f"{plan.name} (the watcher's share)", per_second, plan.heavy_daily)


def watcher_in_use(runs: Sequence[Run], now: datetime) -> bool:
    """Whether a watcher works beside the dashboards: its last run (``runs`` newest first)
    started within ``WATCHER_IN_USE`` (a day's interval, the longest ``--every``, and an hour)."""
    return bool(runs) and now - runs[0].started_at < WATCHER_IN_USE


def dashboard_plan(plan: Plan, shared: bool, watcher: bool = True) -> Plan:
    """The pace a dashboard keeps beside the watcher: the plan's when shared through Redis, or
    when no ``watcher`` is in use (:func:`watcher_in_use`); else the plan less the watcher's
    share of each per-second number, so that the two paced alone stay within Zoom's numbers
    together. Same name: the page shows the plan chosen."""
    if shared or not watcher:
        return plan
    watcher = watcher_plan(plan, shared=False)
    per_second = {c: n - watcher.per_second[c] for c, n in plan.per_second.items()}
    return Plan(plan.key, plan.name, per_second, plan.heavy_daily)


@dataclass
class ClientOutcome:
    profile: str
    line: str
    attention: bool
    problems: list[str] = field(default_factory=list)  # the event checks' (in words)


@dataclass
class PassReport:
    outcomes: list[ClientOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    sent: int = 0
    waiting: int = 0

    @property
    def exit_code(self) -> int:
        attention = any(o.attention for o in self.outcomes) or self.waiting
        return EXIT_ATTENTION if attention else EXIT_ALL_WELL


@dataclass
class Watcher:
    """What one pass needs: the profiles, the storage, where messages go, Zoom's limits."""

    store: ProfileStore
    history: WatchHistory
    notify: NotifySettings
    log: ActivityLog
    plan: Plan
    redis_url: str | None
    environ: Mapping[str, str] | None = None
    transport: httpx.BaseTransport | None = None  # tests: a simulator in-process
    events: WatchSettings | None = None  # the upcoming-event checks ([watch]); None: defaults
    reports: ReportSource | None = field(default=None, repr=False)  # the pass's loaded reports
    # A preview (the demo's watcher view): messages are composed and kept in the outbox, and
    # nothing is sent; whatever a pass would send, of any kind, is read from the outbox.
    preview: bool = False
    schedule: Schedule | None = None  # reminders and the digest (None: reminders by default)

    def _open(self, profile: Profile):
        """(the connection, a ZoomClient through the dashboard's machinery), or (None, the
        check's result saying why not)."""
        # Imported here: they bring pandas, which the other commands need not load.
        from erbium_zoom.connection import account_limiter, guard_for, resolve_connection

        try:
            credentials = self.store.credentials(profile)
            connection, _ = resolve_connection(
                None,
                profile=profile,
                profile_credentials=credentials,
                environ=self.environ,
                person=LOCAL_PERSON,
            )
        except ZoomError as error:  # a secret that cannot be read: said like any check
            return None, CheckResult(
                account_id=profile.account_id, profile=profile.name, error=error
            )
        limiter = account_limiter(
            connection, watcher_plan(self.plan, self.redis_url is not None), self.redis_url
        )
        guard = guard_for(connection, LOCAL_PERSON, self.log)
        client = ZoomClient(
            connection.credentials,
            connection.settings,
            transport=self.transport,
            limiter=limiter,
            guard=guard,
        )
        return connection, client

    def run_pass(self, now=None) -> PassReport:
        """Check every profile, keep the outcomes, queue and send the messages."""
        from erbium_zoom.notify import send_pending  # (pandas, Apprise: only when watching)
        from erbium_zoom.watch_reports import ReportSource

        clock = now or (lambda: datetime.now(UTC))
        report = PassReport()
        self.reports = ReportSource(self.store, self.environ)
        run_id = self.history.start_run(clock())
        status = "failed"
        try:
            profiles = self.store.list(in_use=True)
            report.problems.extend(self.store.notices())
            if not profiles:
                raise ConfigError(
                    f"No client profiles to watch: none is saved in {self.store.list_where()}, "
                    'and none comes from the secrets file ([profiles."NAME"] tables).',
                    field="profile",
                    advice="Add one with `python -m erbium_zoom profiles add` or on the All "
                    "clients page.",
                )
            for profile in profiles:
                outcome = self._watch_one(profile, clock())
                report.outcomes.append(outcome)
                report.problems.extend(outcome.problems)
            self._queue_scheduled([p.name for p in profiles], clock())
            if not self.preview:
                sending = send_pending(
                    self.history, self.notify, clock(), attachments=self.reports.attachments
                )
                report.sent = sending.sent
                report.waiting = sending.failed
                report.problems.extend(sending.problems or [])
            status = "problems" if report.problems else "ok"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        except ZoomError as error:
            report.problems.append(user_message(error))
            raise
        finally:
            try:
                self.history.finish_run(
                    run_id, clock(), status, len(report.outcomes), report.problems
                )
            except ZoomError:
                pass  # the pass's own error is the one to say
        return report

    def _queue_scheduled(self, clients: list[str], now: datetime) -> None:
        """Reminders for clients still broken, and the daily digest (watch_reminders)."""
        from erbium_zoom.watch_reminders import Schedule, queue_scheduled

        queue_scheduled(self.history, self.notify, self.schedule or Schedule(), clients, now)

    def _watch_one(self, profile: Profile, now: datetime) -> ClientOutcome:
        connection, opened = self._open(profile)
        if connection is None:
            return self._count(profile, observe(opened), now)
        with opened as client:  # one client: the connection check, then the events on it
            seen = observe(check_with_client(client, profile=profile.name, with_plan=True))
            outcome = self._count(profile, seen, now)
            self._watch_events(profile, connection, client, seen.state == CONNECTED, outcome, now)
            if seen.state == CONNECTED:
                self._watch_reports(profile, connection, client, outcome, now)
        return outcome

    def _watch_reports(self, profile, connection, client, outcome: ClientOutcome, now) -> None:
        """Ended events' report summaries, queued once each (:mod:`erbium_zoom.watch_reports`)."""
        from erbium_zoom.watch_reports import watch_reports

        summary = watch_reports(
            client, connection, profile.name, self.history, self.notify, self.reports, now
        )
        outcome.problems.extend(summary.problems)
        if summary.queued:
            outcome.line += f"; report summaries queued: {', '.join(summary.events)}"

    def _watch_events(
        self, profile, connection, client, connected: bool, outcome: ClientOutcome, now
    ) -> None:
        """The upcoming-event checks (when the connection works) and the Heavy quota: their
        alerts queued once each (:mod:`erbium_zoom.watch_events`), said on the client's line."""
        from erbium_zoom import store
        from erbium_zoom.watch_events import WatchSettings
        from erbium_zoom.watch_events_load import event_alerts, outgoing, quota_check

        settings = self.events or WatchSettings()
        link = self.notify.dashboard_url
        alerts, problems = [], []
        if connected:  # else the event calls would fail as the check did
            alerts, problems = event_alerts(
                client, profile.name, connection.settings.hosts, now, settings, link
            )
        heavy = None
        if client.limiter is not None:  # (the demo's simulated accounts have no limits)
            quota = store.quota_key(connection.credentials, connection.settings)
            heavy = quota_check(
                client.limiter, self.plan, quota, profile.account_id, profile.name, now, link
            )
        alerts += [heavy] if heavy is not None else []
        new = self.history.queue([m for a in alerts for m in outgoing(a, self.notify)], now)
        for alert in alerts:
            outcome.line += f"; {alert.line}"
        if alerts:
            outcome.attention = True
            if new:
                outcome.line += f" ({new} new message{'s' if new != 1 else ''})"
        outcome.problems.extend(problems)

    def _count(self, profile: Profile, seen, now: datetime) -> ClientOutcome:
        from erbium_zoom.notify import outgoing

        state, change = self.history.record(
            profile.name,
            profile.account_id,
            seen,
            now,
            lambda change: outgoing(change, self.notify),
        )
        counted = state.counted
        label = STATE_LABELS.get(seen.state, seen.state)
        if seen.state == UNREACHABLE and counted is not None and counted.state != UNREACHABLE:
            line = (
                f"{label} ({state.observed_count} of {UNREACHABLE_PASSES} passes in a row "
                "before it counts); still counted as "
                f"{STATE_LABELS.get(counted.state, counted.state)}"
            )
        elif counted is None:
            line = f"{label} (counts after {UNREACHABLE_PASSES} passes in a row)"
        else:
            line = STATE_LABELS.get(counted.state, counted.state)
            detail = ", ".join(counted.missing or counted.areas)
            if counted.field and not detail:
                from erbium_zoom.views import FIELD_TO_FIX

                detail = FIELD_TO_FIX.get(counted.field, counted.field)
            if detail:
                line += f": {detail}"
            if state.since is not None:
                line += f", since {state.since:%Y-%m-%d %H:%M} UTC"
        if change is not None:
            line += " (changed: notified)" if self.notify.destinations else " (changed)"
        attention = counted is None or counted.state != CONNECTED
        return ClientOutcome(profile.name, line, attention)


def print_report(report: PassReport, started: datetime, notify: NotifySettings) -> None:
    many = len(report.outcomes)
    print(f"Watch pass at {started:%Y-%m-%d %H:%M} UTC: {many} client{'s' if many != 1 else ''}")
    for outcome in report.outcomes:
        print(f"  {outcome.profile}: {outcome.line}")
    if notify.destinations:
        shown = ", ".join(d.shown for d in notify.destinations)
        said = f"Notifications: {report.sent} sent"
        if report.waiting:
            said += f", {report.waiting} kept to retry next pass"
        print(f"{said} (to {shown}).")
    else:
        print("Notifications: none configured ([notify] urls in the secrets file).")
    for problem in report.problems:
        print(f"warning: {problem}", file=sys.stderr)
    sys.stdout.flush()


def _sleep(seconds: float) -> None:
    """Waiting between passes (Ctrl-C interrupts it); tests replace it."""
    time.sleep(seconds)


@contextmanager
def _stopped_by_sigterm():
    """``systemctl stop`` and ``kill`` send SIGTERM: stop as Ctrl-C does (the run is kept as
    interrupted, the outbox as it was), not in the middle of writing."""

    def stop(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread (a test calling main from one): as it was
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def build_watcher(
    args: argparse.Namespace,
    environ: Mapping[str, str] | None,
    transport: httpx.BaseTransport | None,
) -> Watcher:
    from erbium_zoom.notify import settings_from_secrets
    from erbium_zoom.watch_events import settings_from_secrets as watch_settings
    from erbium_zoom.watch_reminders import schedule_from_secrets

    secrets, source = load(args.secrets_file, environ)
    storage.configure(secrets)
    database = storage.current(environ, secrets)
    return Watcher(
        store=ProfileStore(secrets=secrets, environ=environ, secrets_source=source),
        history=WatchHistory(database),
        notify=settings_from_secrets(secrets),
        log=ActivityLog(database=database),
        plan=PLANS[args.plan],
        redis_url=shared_limits.redis_url(secrets, environ),
        environ=environ,
        transport=transport,
        events=watch_settings(secrets, getattr(args, "days", None)),
        schedule=schedule_from_secrets(secrets),
    )


def run_watch(
    args: argparse.Namespace,
    environ: Mapping[str, str] | None,
    transport: httpx.BaseTransport | None,
) -> int:
    watcher = build_watcher(args, environ, transport)
    with _stopped_by_sigterm():
        return _run(watcher, args)


def _run(watcher: Watcher, args: argparse.Namespace) -> int:
    if args.once:
        started = datetime.now(UTC)
        report = watcher.run_pass()
        print_report(report, started, watcher.notify)
        return report.exit_code
    done, code = 0, EXIT_ALL_WELL
    while True:
        started = datetime.now(UTC)
        try:
            report = watcher.run_pass()
        except ZoomError as error:  # said, and tried again at the next pass
            print(f"error: {user_message(error)}", file=sys.stderr, flush=True)
            code = EXIT_CANNOT_WATCH
        else:
            print_report(report, started, watcher.notify)
            code = report.exit_code
        done += 1
        if args.passes is not None and done >= args.passes:
            return code
        _sleep(args.every)
