"""The watcher's report summaries of ended events, and the workbook by e-mail.

Real receivers on 127.0.0.1: a webhook (``json://``, tests/test_watch.py's Receiver) and an SMTP
server (aiosmtpd) that Apprise sends ``mailto://`` to; the e-mail is parsed and its .xlsx read
back with openpyxl. Zoom is the simulator; the watcher's clock is set to a day after the
simulated account's "Data Privacy Masterclass" webinar ended.
"""

from __future__ import annotations

import argparse
import email
import io
import json
import os
import socket
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from streamlit.testing.v1 import AppTest

from erbium_zoom import attendance, store, urlstate, watch_reports
from erbium_zoom.attendance import AttendanceResult, EventRef, EventState
from erbium_zoom.config import Credentials, Settings
from erbium_zoom.errors import ConfigError
from erbium_zoom.models import EventKind, parse_time
from erbium_zoom.notify import settings_from_secrets
from erbium_zoom.profiles import ProfileStore
from erbium_zoom.simulator import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    SimulatedZoom,
    category_of,
    serve,
)
from erbium_zoom.watch_command import build_watcher
from erbium_zoom.watch_history import PENDING, SENT, WatchHistory
from tests.conftest import FIXED_NOW
from tests.test_watch import HOOK_TOKEN, Receiver

ROOT = Path(__file__).resolve().parents[1]
CLIENT = "Acme Corp"
DASHBOARD = "https://zoom.agency.example"
FROM, TEAM, OTHER_TEAM = (
    "watcher@agency.example",
    "acme-team@agency.example",
    "globex@agency.example",
)


# ---- receivers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """An SMTP server on 127.0.0.1 (aiosmtpd), which keeps every message it is given; it can
    be stopped and started again on the same port."""

    def __init__(self):
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []
        self.port = free_port()
        self.controller: Controller | None = None
        self.start()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def url(self, to: str) -> str:
        # Plain SMTP without TLS or login (mode=insecure), as a local relay takes it.
        return f"mailto://127.0.0.1:{self.port}?from={FROM}&to={to}&mode=insecure"


@pytest.fixture
def mailbox():
    running = Mailbox()
    yield running
    running.stop()


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.stop()


# ---- the simulated client and the watcher ------------------------------------------------------


def masterclass_end(sim: SimulatedZoom) -> datetime:
    event = sim.event_tagged("slash_uuid")  # the Data Privacy Masterclass, a past webinar
    return parse_time(event["start_time"]) + timedelta(minutes=event["duration"])


def hosts(sim: SimulatedZoom) -> tuple[str, ...]:
    return tuple(host["email"] for host in sim.hosts)


def save_profile(sim: SimulatedZoom) -> None:
    """The client's profile, with every host of the account (the masterclass is not "me"'s)."""
    ProfileStore().save(
        CLIENT, DEFAULT_ACCOUNT_ID, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, hosts=hosts(sim)
    )


@pytest.fixture
def sim(memory_keyring) -> SimulatedZoom:
    simulated = SimulatedZoom("full", now=FIXED_NOW)
    save_profile(simulated)
    return simulated


def secrets(tmp_path, *urls: str) -> str:
    path = tmp_path / "secrets.toml"
    path.write_text(
        # [watch] days = 0: no upcoming-event checks (their calls and alerts are not this
        # file's; tests/test_watch_events.py has them).
        "[watch]\ndays = 0\n"
        f'[notify]\ndashboard_url = "{DASHBOARD}"\nurls = [\n' + ",\n".join(urls) + "\n]\n"
    )
    return str(path)


def hook_entry(receiver: Receiver) -> str:
    """The webhook, for connection messages and report summaries of every client."""
    return f'{{ url = "{receiver.url}", kinds = ["connection", "report"] }}'


def email_entry(mailbox: Mailbox, to: str, client: str) -> str:
    return (
        f'{{ url = "{mailbox.url(to)}", kinds = ["report"], clients = ["{client}"], '
        'attach = "workbook" }'
    )


def watch_pass(sim: SimulatedZoom, secrets_file: str, now: datetime):
    """One pass of a watcher as `watch --once --secrets-file FILE` builds it (a new one each
    time: a restarted watcher), with Zoom in-process and the watcher's clock at ``now``."""
    args = argparse.Namespace(secrets_file=secrets_file, plan="pro")
    watcher = build_watcher(args, dict(os.environ), sim.transport())
    return watcher.run_pass(now=lambda: now)


def history() -> WatchHistory:
    from erbium_zoom import storage

    return WatchHistory(storage.current())


def loaded_masterclass(sim: SimulatedZoom, now: datetime) -> AttendanceResult:
    """The event as the Attendance page loads it (for the expected numbers)."""
    from erbium_zoom.client import ZoomClient

    event = sim.event_tagged("slash_uuid")
    credentials = Credentials(DEFAULT_ACCOUNT_ID, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    with ZoomClient(credentials, Settings(), transport=sim.transport()) as client:
        past = attendance.load_past_events(client, hosts(sim))
        [ref] = [ref for ref in past.refs if ref.uuid == event["uuid"]]
        return attendance.load_event_attendance(client, ref, now)


def report_calls(sim: SimulatedZoom) -> list[str]:
    return [c.path for c in sim.calls if "/report/" in c.path and "/meetings/0/" not in c.path]


# ---- the summary and the workbook --------------------------------------------------------------


def test_a_final_report_goes_once_to_each_destination_the_workbook_only_to_the_clients_email(
    tmp_path, sim, receiver, mailbox
):
    now = masterclass_end(sim) + timedelta(days=1)
    path = secrets(
        tmp_path,
        hook_entry(receiver),  # every client: the summary, no attachment
        email_entry(mailbox, TEAM, CLIENT),
        email_entry(mailbox, OTHER_TEAM, "Globex"),  # another client's recipients: nothing
    )
    report = watch_pass(sim, path, now)
    assert report.sent == 2 and report.waiting == 0, report.problems
    assert "report summaries queued: Data Privacy Masterclass" in report.outcomes[0].line

    # The cost of a summary, once per event (README): its details (Light), its report (Heavy)
    # and its three registrant lists (Medium), after the check and two lists per host.
    asked = sim.calls[4 + 2 * len(hosts(sim)) :]
    assert [category_of(c.method, c.path) for c in asked] == ["Light", "Heavy", *["Medium"] * 3]
    # Counted by the Heavy meter the dashboard shows: the plan probe and the report.
    quota = store.quota_key(
        Credentials(DEFAULT_ACCOUNT_ID, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET), Settings()
    )
    assert store.open_store().heavy_calls(quota, datetime.now(UTC).date()) == 2

    expected = watch_reports.analyse(CLIENT, loaded_masterclass(sim, now))
    summary, steps = expected.analysis.summary, expected.steps
    [hooked] = receiver.received
    assert hooked["title"] == f"Attendance report: {CLIENT}: Data Privacy Masterclass" + (
        f" ({expected.result.ref.start:%d %b %Y} UTC)"
    )
    text = hooked["message"]
    assert (
        f"Registered: {steps.registered} · Approved: {steps.approved} · Attended: "
        f"{steps.attended} · Stayed: {steps.stayed} · Attendance rate: "
        f"{summary.attendance_rate:.1%}"
    ) in text
    assert hooked["attachments"] == [] and "Attached:" not in text
    link = text.rsplit("Attendance page: ", 1)[1].strip()
    assert link.startswith(f"{DASHBOARD}/attendance?client=Acme%20Corp&event=webinar%3A%2F")
    assert_no_attendee_email(text, sim)

    [(to, mail)] = mailbox.received
    assert to == [TEAM] and mail["Subject"] == hooked["title"]
    assert_no_attendee_email(mail.get_body(("plain", "html")).get_content(), sim)
    [attached] = list(mail.iter_attachments())
    ref = expected.result.ref
    assert attached.get_filename() == f"attendance-{attendance.file_stem(ref)}.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(attached.get_content()))
    assert book.sheetnames == [
        "Summary",
        "1 People Data Privacy Mastercla",  # 31 characters: Excel's limit
        "1 Absentees Data Privacy Master",
    ]
    header, row = [[c.value for c in r] for r in book["Summary"].iter_rows(max_row=2)]
    shown = dict(zip(header, row, strict=True))
    assert shown["Event"] == expected.label and shown["State"] == "Loaded"
    assert (shown["Approved"], shown["Attendees"]) == (steps.approved, summary.attendees)
    assert shown["Attendance rate (%)"] == round(100 * summary.attendance_rate, 1)
    people = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    absentees = list(book.worksheets[2].iter_rows(min_row=2, values_only=True))
    assert len(people) == summary.participants and len(absentees) == summary.absentees
    reported = {row["user_email"] for row in sim.participants("webinar", ref.uuid)} - {""}
    assert {row[1] for row in people} - {None} == reported

    # The next passes: nothing again, and the report comes from the cache (no Heavy call).
    before = len(report_calls(sim))
    for later in (now + timedelta(minutes=15), now + timedelta(hours=5)):
        again = watch_pass(sim, path, later)
        assert again.sent == 0 and "report summaries" not in again.outcomes[0].line
    assert len(report_calls(sim)) == before
    assert len(receiver.received) == 1 and len(mailbox.received) == 1
    assert [m.status for m in history().outbox()] == [SENT, SENT]


def assert_no_attendee_email(text: str, sim: SimulatedZoom) -> None:
    assert "@" not in text  # no attendee's (nor any) e-mail address
    for row in sim.participants("webinar", sim.event_tagged("slash_uuid")["uuid"]):
        assert not row["user_email"] or row["user_email"] not in text


def test_a_failed_email_is_kept_and_sent_once_by_the_restarted_watcher_from_the_cache(
    tmp_path, sim, receiver, mailbox
):
    now = masterclass_end(sim) + timedelta(days=1)
    path = secrets(tmp_path, hook_entry(receiver), email_entry(mailbox, TEAM, CLIENT))
    mailbox.stop()  # the SMTP server is down
    first = watch_pass(sim, path, now)
    assert first.sent == 1 and first.waiting == 1 and len(receiver.received) == 1
    [problem] = first.problems
    assert f"mailto://127.0.0.1:{mailbox.port}/… did not take it" in problem
    assert "It is kept and tried again at the next pass." in problem and FROM not in problem
    statuses = {m.shown.split(":")[0]: (m.status, m.attempts) for m in history().outbox()}
    assert statuses == {"json": (SENT, 1), "mailto": (PENDING, 1)}

    mailbox.start()
    heavy = len(report_calls(sim))
    second = watch_pass(sim, path, now + timedelta(minutes=15))  # a new watcher: restarted
    assert second.sent == 1 and second.problems == []
    assert len(report_calls(sim)) == heavy  # the workbook was made from the report cache
    [(to, mail)] = mailbox.received
    [attached] = list(mail.iter_attachments())
    assert openpyxl.load_workbook(io.BytesIO(attached.get_content())).sheetnames[0] == "Summary"
    watch_pass(sim, path, now + timedelta(minutes=30))
    assert len(mailbox.received) == 1 and len(receiver.received) == 1
    assert [m.status for m in history().outbox()] == [SENT, SENT]


def test_without_the_report_cache_a_kept_email_loads_the_report_again_then_goes_once(
    tmp_path, sim, mailbox, monkeypatch
):
    monkeypatch.setenv(store.CACHE_ENV, "off")
    now = masterclass_end(sim) + timedelta(days=1)
    path = secrets(tmp_path, email_entry(mailbox, TEAM, CLIENT))
    mailbox.stop()
    assert watch_pass(sim, path, now).waiting == 1
    mailbox.start()
    heavy = len(report_calls(sim))
    second = watch_pass(sim, path, now + timedelta(minutes=15))
    assert second.sent == 1 and second.problems == []
    assert len(report_calls(sim)) == heavy + 1  # loaded again from Zoom, for the workbook
    [(_, mail)] = mailbox.received
    assert len(list(mail.iter_attachments())) == 1
    assert watch_pass(sim, path, now + timedelta(minutes=30)).sent == 0
    assert len(mailbox.received) == 1


def test_no_report_destination_costs_no_call_and_a_fresh_event_waits_for_its_report(
    tmp_path, sim, receiver
):
    now = masterclass_end(sim) + timedelta(days=1)
    plain = f'"{receiver.url}"'  # every kind but report summaries, which are asked for
    assert watch_pass(sim, secrets(tmp_path, plain), now).sent == 0
    assert len(sim.calls) == 4  # the connection check's own calls only (tests/test_watch.py)
    sim.calls.clear()
    # One hour after the end the report may still change: the hosts' past events are listed
    # (the README's cost per pass: two Medium calls per host), no report is asked for.
    soon = masterclass_end(sim) + timedelta(hours=1)
    report = watch_pass(sim, secrets(tmp_path, hook_entry(receiver)), soon)
    assert report.sent == 0 and receiver.received == []
    listed = [(c.path, c.query.get("type"), category_of(c.method, c.path)) for c in sim.calls[4:]]
    assert listed == [
        (f"/v2/users/{quote(host, safe='@')}/{plural}", kind, "Medium")
        for host in hosts(sim)
        for plural, kind in (("webinars", "scheduled"), ("meetings", "previous_meetings"))
    ]


def test_the_summary_has_the_numbers_the_attendance_page_shows_when_its_link_is_opened(
    tmp_path, receiver, memory_keyring, monkeypatch
):
    """The message's link opened in the dashboard (the client's profile, its simulated Zoom
    on loopback): the page shows the event with the numbers the message gives."""
    # The page decides "ended" on the real clock; this simulated account is anchored on it.
    sim = SimulatedZoom("full", now=datetime.now(UTC).replace(second=0, microsecond=0))
    save_profile(sim)
    with serve(sim) as server:
        monkeypatch.setenv("ERBIUM_ZOOM_OAUTH_URL", server.oauth_url)
        monkeypatch.setenv("ERBIUM_ZOOM_API_URL", server.api_url)
        args = argparse.Namespace(secrets_file=secrets(tmp_path, hook_entry(receiver)), plan="pro")
        watcher = build_watcher(args, dict(os.environ), None)
        watcher.run_pass(now=lambda: masterclass_end(sim) + timedelta(days=2))
        [message] = receiver.received
        text = message["message"]
        link = urlsplit(text.rsplit("Attendance page: ", 1)[1].strip())
        assert link.path == "/attendance"

        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.query_params.update(parse_qs(link.query))
        at.switch_page("pages/attendance.py").run()  # as a browser opens the link
        assert not at.exception
    assert [s.value for s in at.subheader][0].startswith("Webinar: Data Privacy Masterclass")
    shown = {m.label: m.value for m in at.metric}
    captions = [c.value for c in at.caption]
    registered = sum(int(shown[k]) for k in ("Approved", "Pending", "Denied"))
    funnel_words = next(c for c in captions if c.startswith(f"{registered:,} registered → "))
    assert funnel_words in text  # registered → approved → attended → stayed, in the page's words
    assert f"Registered: {registered} · Approved: {shown['Approved']} ·" in text
    assert f"Attendance rate: {shown['Attendance rate']}" in text
    assert f"{shown['Unique attendees']} unique attendees in all" in text
    assert next(c for c in captions if c.startswith("Attendance rate =")) in text


# ---- pure parts ---------------------------------------------------------------------------------


def test_the_link_opens_the_attendance_page_with_the_client_and_the_event():
    ref = EventRef(EventKind.WEBINAR, 81234567890, "/ab+cD//efGHijKLmnOPqr==", "Topic")
    link = watch_reports.attendance_link(DASHBOARD, "Acme & Co", ref)
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{DASHBOARD}/attendance"
    values = parse_qs(parts.query)
    assert urlstate.event_keys(urlstate.EVENT).read(values).value == [ref.key]
    assert urlstate.read_client(values, ["Acme & Co"], {}).profile == "Acme & Co"
    words = watch_reports.attendance_link("", "Acme", ref)
    assert "set [notify] dashboard_url" in words and ref.key in words


def test_which_events_may_be_summarised():
    end = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)
    single = EventRef(
        EventKind.WEBINAR, 81234567890, "u" * 22, "T", end - timedelta(hours=1), 60, 5
    )
    series = EventRef(
        EventKind.MEETING, 81234567890, "v" * 22, "S", end - timedelta(hours=1), 60, 8
    )
    assert watch_reports.may_be_final(single, end + attendance.FINAL_AFTER)
    assert not watch_reports.may_be_final(single, end + timedelta(hours=1))  # may still change
    assert not watch_reports.may_be_final(series, end + timedelta(days=1))  # never final
    assert watch_reports.recent(single, end + timedelta(days=7))
    assert not watch_reports.recent(single, end + timedelta(days=7, minutes=1))
    cached = AttendanceResult(single, EventState.READY, from_cache=True)
    assert watch_reports.final(cached, end + timedelta(days=1))


MAIL_URL = f"mailto://127.0.0.1:25?from={FROM}&to=a@b.example&mode=insecure"


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        (
            {"url": MAIL_URL, "attach": "workbook"},
            "The 2nd entry of [notify] urls in the secrets file asks for the workbook "
            "(attach = 'workbook') but names no clients",
        ),
        (
            {
                "url": MAIL_URL,
                "attach": "workbook",
                "kinds": ["connection"],
                "clients": ["Acme"],
            },
            'only report messages carry, but its kinds do not name "report"',
        ),
        (
            {"url": MAIL_URL, "attach": "pdf", "clients": ["A"]},
            "attach = 'pdf' is not something to attach",
        ),
    ],
)
def test_an_entry_that_would_send_the_workbook_to_everyone_is_refused(entry, said):
    with pytest.raises(ConfigError) as raised:
        settings_from_secrets({"notify": {"urls": ["json://127.0.0.1:1/all", entry]}})
    assert said in str(raised.value)
    assert "a@b.example" not in str(raised.value)  # the entry named, never its URL
    fine = settings_from_secrets(
        {
            "notify": {
                "urls": [{**entry, "attach": "workbook", "kinds": ["report"], "clients": ["A"]}]
            }
        }
    )
    assert [d.attach for d in fine.for_message("report", "A")] == ["workbook"]
    assert fine.for_message("report", "B") == []


def test_the_hook_token_never_shows(tmp_path, sim, receiver):
    report = watch_pass(
        sim, secrets(tmp_path, hook_entry(receiver)), masterclass_end(sim) + timedelta(days=1)
    )
    assert HOOK_TOKEN not in json.dumps([o.line for o in report.outcomes] + report.problems)


def test_the_readmes_workbook_example_sends_the_workbook_to_acme_only():
    import re
    import tomllib

    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("**The workbook by e-mail.**") :]
    example = tomllib.loads(re.search(r"```toml\n(.*?)```", section, re.S)[1])
    settings = settings_from_secrets(example)
    for_acme = settings.for_message("report", "Acme Corp")
    assert [(d.shown.split(":")[0], d.attach) for d in for_acme] == [
        ("json", None),
        ("mailtos", "workbook"),
    ]
    assert [d.attach for d in settings.for_message("report", "Globex")] == [None]
    assert "PASSWORD" not in str(for_acme)
