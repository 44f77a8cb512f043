"""The watcher's upcoming-event checks (pace, approvals, registration that cannot work) and the
Heavy quota: the pure rules, then passes against the simulator with a real webhook receiver,
and the pace numbers of a message read back on the Registration pace page (AppTest)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from erbium_zoom import pace, store
from erbium_zoom.__main__ import main
from erbium_zoom.config import Credentials, Settings
from erbium_zoom.errors import ConfigError
from erbium_zoom.models import Event, EventKind, Registrant
from erbium_zoom.profiles import ProfileStore
from erbium_zoom.ratelimit import category_for
from erbium_zoom.simulator import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    SimulatedZoom,
)
from erbium_zoom.watch_events import (
    BEHIND_BELOW,
    FULL,
    HOST_CANNOT_HOST,
    MEETING_REGISTRANT_CAP,
    NO_LINK,
    OVER,
    Compared,
    Upcoming,
    WatchSettings,
    approvals_alert,
    link,
    pace_alert,
    pace_verdict,
    quota_alert,
    registration_alerts,
    settings_from_secrets,
    waiting,
)
from tests.test_pages import APP, texts
from tests.test_watch import Receiver

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
DASHBOARD = "https://zoom.agency.example"

# ---- settings --------------------------------------------------------------------------------


def test_settings_default_read_from_the_secrets_file_and_days_from_the_command_line():
    assert settings_from_secrets({}) == WatchSettings(14, 24, "UTC")
    table = {"watch": {"days": 7, "approval_hours": 12, "timezone": "Europe/Paris"}}
    assert settings_from_secrets(table) == WatchSettings(7, 12, "Europe/Paris")
    assert settings_from_secrets(table, days=0).days == 0  # --days wins; 0: no event checks
    for bad, said in (
        ({"days": -1}, "[watch] days"),
        ({"days": "14"}, "[watch] days"),
        ({"approval_hours": 0}, "[watch] approval_hours"),
        ({"timezone": "Europe/Pariss"}, "not a time zone"),
    ):
        with pytest.raises(ConfigError, match=said.replace("[", r"\[").replace("]", r"\]")):
            settings_from_secrets({"watch": bad})


# ---- behind pace ---------------------------------------------------------------------------


def registrant(n: int, created: datetime | None, status: str = "approved") -> Registrant:
    return Registrant(f"r{n}", f"person{n}@example.com", "Pat", f"Doe{n}", status, created, None)


def registered(days_before_start: list[int], start: datetime, status="approved") -> list:
    """One registrant per entry, on the day that many days before ``start``."""
    return [
        registrant(n, start - timedelta(days=d, hours=1), status)
        for n, d in enumerate(days_before_start)
    ]


def past_curve(label: str, days: list[int], start_days_ago: int) -> pace.PaceCurve:
    start = NOW - timedelta(days=start_days_ago)
    return pace.pace_curve(registered(days, start), start, "UTC", label=label)


def upcoming_curve(registrations: int, days_to_go: int) -> pace.PaceCurve:
    start = NOW + timedelta(days=days_to_go)
    # every registration today: by the end of today, ``registrations``
    people = [registrant(n, NOW - timedelta(hours=1)) for n in range(registrations)]
    return pace.pace_curve(people, start, "UTC", label="Launch", today=TODAY)


# Two past events of 40 and 100 registrations, with half of each by 10 days before the start.
HALF_BY_TEN = [
    past_curve("Spring", [20] * 20 + [1] * 20, 30),
    past_curve("Autumn", [15] * 50 + [2] * 50, 60),
]


def test_the_verdict_is_the_pace_pages_projection_against_the_median_final():
    curve = upcoming_curve(30, 10)
    verdict = pace_verdict(curve, HALF_BY_TEN)
    projected = pace.projection(curve, HALF_BY_TEN)  # what the page draws and says
    assert verdict.share == projected.share == 50
    assert verdict.final == projected.final == 60  # 30 registered ÷ 50 %
    assert verdict.median_final == 70  # the median of 40 and 100
    assert round(verdict.percent) == 86 and not verdict.behind
    behind = pace_verdict(upcoming_curve(17, 10), HALF_BY_TEN)  # 34 of 70: 48.6 %
    assert behind.behind and behind.percent < BEHIND_BELOW
    assert not pace_verdict(upcoming_curve(18, 10), HALF_BY_TEN).behind  # 36 of 70: 51 %


def test_no_registrations_yet_is_behind_and_too_few_comparisons_say_nothing():
    verdict = pace_verdict(upcoming_curve(0, 10), HALF_BY_TEN)
    assert verdict.final == 0 and verdict.behind and verdict.share == 50
    assert pace_verdict(upcoming_curve(5, 10), HALF_BY_TEN[:1]) is None
    empty = past_curve("Nobody", [], 90)  # no registrations by then: not a comparison
    assert pace_verdict(upcoming_curve(5, 10), [HALF_BY_TEN[0], empty]) is None


def webinar(**changes) -> Event:
    values = dict(
        kind=EventKind.WEBINAR,
        id=81234567890,
        uuid="abc==",
        topic="Launch",
        type=5,
        start_time=NOW + timedelta(days=10),
        duration=60,
        timezone="UTC",
        join_url=None,
        host_id="h1",
        registration_url="https://us06web.zoom.us/webinar/register/WN_x",
        approval_type=0,
    )
    values.update(changes)
    return Event(**values)


def test_the_pace_message_holds_the_pages_sentences_and_links_the_events_compared():
    curve = upcoming_curve(10, 10)
    compared = [Compared("webinar:u1==", HALF_BY_TEN[0]), Compared("webinar:u/2", HALF_BY_TEN[1])]
    item = Upcoming(webinar(), tuple(registrant(n, NOW) for n in range(10)))
    alert = pace_alert("Acme Corp", item, curve, compared, "UTC", DASHBOARD)
    assert alert.kind == "pace" and alert.key == "Acme Corp|pace|webinar:81234567890"
    assert pace.pace_sentence(curve, HALF_BY_TEN) in alert.body
    assert pace.share_summary(curve, HALF_BY_TEN) in alert.body
    assert "would end with about 20, 29 % of their median final of 70" in alert.body
    assert alert.body.endswith(
        f"Registration pace page: {DASHBOARD}/pace?client=Acme+Corp&event=webinar%3A81234567890"
        "&compare=webinar%3Au1%3D%3D&compare=webinar%3Au%2F2"
    )
    assert "@" not in alert.body + alert.title
    assert pace_alert("Acme Corp", item, upcoming_curve(30, 10), compared, "UTC") is None


# ---- approvals -----------------------------------------------------------------------------


def test_registrants_waiting_longer_than_the_hours_oldest_first_with_its_key():
    people = (
        registrant(1, NOW - timedelta(hours=30), "pending"),
        registrant(2, NOW - timedelta(hours=80), "pending"),
        registrant(3, NOW - timedelta(hours=2), "pending"),  # not long yet
        registrant(4, None, "pending"),  # no time: cannot be said to wait
        registrant(5, NOW - timedelta(hours=90), "approved"),
    )
    assert [r.id for r in waiting(people, NOW, 24)] == ["r2", "r1"]
    item = Upcoming(webinar(approval_type=1), people)
    alert = approvals_alert("Acme Corp", item, NOW, 24, "UTC", DASHBOARD)
    assert alert.kind == "approvals" and alert.key.endswith("|webinar:81234567890|r2")
    assert "2 registrants have waited more than 24 hours" in alert.body
    assert "the longest has waited 3 days" in alert.body and "4 are pending in all" in alert.body
    assert (
        f"{DASHBOARD}/registrants?client=Acme+Corp&event=webinar%3A81234567890&status=pending"
        in alert.body
    )
    assert "@" not in alert.body and "Doe" not in alert.body  # no attendee's e-mail or name
    # The oldest approved while another still waits: a new key, so told again about that one.
    later = Upcoming(item.event, people[:1] + people[2:])
    assert approvals_alert("Acme Corp", later, NOW, 24, "UTC").key.endswith("|r1")
    assert approvals_alert("Acme Corp", Upcoming(item.event, people[2:4]), NOW, 24, "UTC") is None


# ---- registration that cannot work ---------------------------------------------------------


def rules(item: Upcoming) -> list[str]:
    return [a.key.rsplit("|", 1)[1] for a in registration_alerts("Acme", item, NOW, "UTC")]


def test_what_makes_registration_unreachable():
    ok = Upcoming(webinar(), ())
    assert rules(ok) == []
    over = webinar(start_time=NOW - timedelta(hours=3), duration=60)
    assert rules(Upcoming(over, ())) == [OVER]
    series = webinar(start_time=NOW - timedelta(hours=3), type=9)  # its next occurrence comes
    assert rules(Upcoming(series, ())) == []
    capped = webinar(registrants_restrict_number=2)
    two = (registrant(1, NOW), registrant(2, NOW, "pending"))
    assert rules(Upcoming(capped, two)) == [FULL]
    assert rules(Upcoming(capped, (registrant(1, NOW), registrant(2, NOW, "denied")))) == []
    meeting = webinar(kind=EventKind.MEETING, type=2)
    many = tuple(registrant(n, NOW) for n in range(MEETING_REGISTRANT_CAP))
    assert rules(Upcoming(meeting, many)) == [FULL]
    assert rules(Upcoming(webinar(registration_url=None), ())) == [NO_LINK]
    assert rules(Upcoming(webinar(), None, 3161)) == [HOST_CANNOT_HOST]
    no_registration = webinar(approval_type=2, registration_url=None, start_time=over.start_time)
    assert rules(Upcoming(no_registration, None)) == []
    [alert] = registration_alerts("Acme", Upcoming(capped, two), NOW, "UTC", DASHBOARD)
    assert alert.kind == "approvals" and "2 registrants for a cap of 2" in alert.body
    assert f"{DASHBOARD}/events?client=Acme&event=webinar%3A81234567890" in alert.body


# ---- the Heavy quota -----------------------------------------------------------------------


def test_the_quota_alert_from_eighty_percent_once_per_account_and_day():
    assert quota_alert("Acme", "acc", 23_999, None, 30_000, "Pro", NOW) is None
    alert = quota_alert("Acme", "acc", 24_000, None, 30_000, "Pro", NOW, DASHBOARD)
    assert alert.kind == "quota" and alert.key == "quota|acc|2026-12-04"
    assert "24,000 of the 30,000 Heavy calls a day (Pro) are spent today, 80 %" in alert.body
    assert "until 00:00 UTC (12 hours from now)" in alert.body
    assert f"{DASHBOARD}/attendance?client=Acme" in alert.body
    said = quota_alert("Acme", "acc", 10, 3_000, 30_000, "Pro", NOW)  # Zoom knows more
    assert "27,000 of the 30,000" in said.body and "Zoom itself said 3,000" in said.body
    tomorrow = quota_alert("Acme", "acc", 24_000, None, 30_000, "Pro", NOW + timedelta(days=1))
    assert tomorrow.key == "quota|acc|2026-12-05"


def test_a_link_without_a_dashboard_url_says_what_to_open():
    assert link("", "pace", "Registration pace", [("client", "A")]).startswith(
        "the Registration pace page of the dashboard (set [notify] dashboard_url"
    )


# ---- passes against the simulator, a real receiver, the page -------------------------------


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.stop()


@pytest.fixture
def northwind(memory_keyring):
    """The demo's Northwind account, anchored at this minute (the pace page's today is the
    real one), watched as two profiles: the owner's events, and Mathilde Roux's."""
    sim = SimulatedZoom("full", now=datetime.now(UTC).replace(second=0, microsecond=0))
    profiles = ProfileStore()
    secret = DEFAULT_CLIENT_SECRET
    profiles.save("Northwind", DEFAULT_ACCOUNT_ID, DEFAULT_CLIENT_ID, secret)
    profiles.save(
        "Northwind EU", DEFAULT_ACCOUNT_ID, DEFAULT_CLIENT_ID, secret, hosts=sim.hosts[1]["email"]
    )
    return sim


def watch_pass(capsys, sim, secrets) -> tuple[int, str, str]:
    argv = ["watch", "--once", "--secrets-file", str(secrets)]
    code = main(argv, environ=dict(os.environ), transport=sim.transport())
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and DEFAULT_CLIENT_SECRET not in out + err
    return code, out, err


def test_two_passes_tell_each_alert_once_with_the_numbers_of_the_pace_page(
    capsys, northwind, receiver, tmp_path
):
    sim = northwind
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        f'[notify]\nurls = ["{receiver.url}"]\ndashboard_url = "{DASHBOARD}"\n\n'
        "[watch]\ndays = 14\napproval_hours = 24\n"
    )
    quota = store.quota_key(
        Credentials(DEFAULT_ACCOUNT_ID, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET), Settings()
    )
    store.open_store().add_heavy(quota, datetime.now(UTC).date(), 24_500)  # a busy day

    before = len(sim.calls)
    code, out, err = watch_pass(capsys, sim, secrets)
    assert code == 1
    titles = sorted(message["title"] for message in receiver.received)
    spring = next(e for e in sim.events if e["topic"].startswith("Spring Catalogue"))
    french = next(e for e in sim.events if e["topic"].startswith("Bien démarrer"))
    review = next(e for e in sim.events if e["topic"] == "Quarterly Business Review")
    assert [t.split(":")[0] for t in titles] == [
        "Approvals waiting",
        "Approvals waiting",
        "Behind pace",
        "Heavy quota",
    ]
    by_kind = {}
    for message in receiver.received:
        by_kind.setdefault(message["title"].split(":")[0], []).append(message)
    [heavy] = by_kind["Heavy quota"]  # one account behind both profiles: one message
    assert heavy["title"] == "Heavy quota: Northwind: 82 % of today's 30,000"
    waits = {m["title"].split(": ")[2].split(" (")[0]: m for m in by_kind["Approvals waiting"]}
    french_pending = len(sim.registrants("webinar", french["id"], "pending"))
    review_pending = len(sim.registrants("meeting", review["id"], "pending"))
    assert set(waits) == {
        f"{french_pending} for {french['topic']}",
        f"{review_pending} for {review['topic']}",
    }
    for text, event in ((f"{french_pending} for", french), (f"{review_pending} for", review)):
        [message] = [m for k, m in waits.items() if k.startswith(text)]
        assert (
            f"{DASHBOARD}/registrants?client=Northwind+EU&event={event['kind']}%3A{event['id']}"
            "&status=pending" in message["message"]
        )
    assert "; behind pace: Spring Catalogue" in out
    assert "9 waiting for approval over 24 h: Bien démarrer" in out

    # The second pass finds the same: nothing new is sent.
    first = list(receiver.received)
    code, out, _ = watch_pass(capsys, sim, secrets)
    assert code == 1 and receiver.received == first and "Notifications: 0 sent" in out
    for message in receiver.received:
        text = json.dumps(message)
        assert "@example." not in text and DEFAULT_CLIENT_SECRET not in text  # no attendee e-mail

    # What the checks cost: no Heavy call and no token request beyond the connection check's.
    calls = sim.calls[before:]
    assert [c.path for c in calls].count("/oauth/token") == 4  # the connection checks' only
    assert sum("/report/" in c.path for c in calls) == 2 * 2  # the plan probe's only
    starts = [n for n, c in enumerate(calls) if c.path == "/oauth/token"] + [len(calls)]
    costs = []
    for first, end in zip(starts, starts[1:], strict=False):
        added = [category_for(c.method, c.path.removeprefix("/v2")) for c in calls[first + 4 : end]]
        costs.append((added.count("Light"), added.count("Medium"), added.count("Heavy")))
    # The owner's: 3 events within 14 days (3 Light); 2 lists, registrants of the 2 taking
    # registrations (6), 2 past lists and the two past webinars compared (the keynote's 1,180
    # approved registrants take 4 pages: 6, then 3): 19 Medium. Mathilde's: 2 events taking
    # registrations (2 Light; 2 + 6 Medium), then 2 past lists and 2 past events (6 Medium),
    # one of each kind, too few to judge a pace. The second pass costs the same.
    assert costs == [(3, 19, 0), (2, 16, 0)] * 2

    # The pace numbers equal the Registration pace page's for the same event and comparisons.
    [behind] = by_kind["Behind pace"]
    assert spring["topic"] in behind["title"]
    address = behind["message"].rsplit("Registration pace page: ", 1)[1].strip()
    params = parse_qsl(urlsplit(address).query)
    assert params[:2] == [("client", "Northwind"), ("event", f"webinar:{spring['id']}")]
    compare = [value for name, value in params if name == "compare"]
    page = AppTest.from_file(APP, default_timeout=30)
    page.session_state["demo_scenario"] = "full"
    page.session_state["demo_accounts"] = {"full": sim}  # the same account, as the demo
    page.query_params.update({"demo": "full", "event": f"webinar:{spring['id']}"})
    page.query_params["compare"] = compare
    page.switch_page("pages/pace.py").run()
    assert not page.exception
    assert page.multiselect(key="pace_past").value == compare
    [sentence] = [t for t in texts(page, "markdown") if "registered with" in t]
    assert sentence.strip("*") in behind["message"]
    page.radio(key="pace_scale").set_value("share").run()
    [shares] = [t for t in texts(page, "caption") if "Share of final registrations" in t]
    summary = shares[shares.index("Share of final registrations") :]
    assert summary in behind["message"]


def test_days_zero_checks_no_event_and_the_quota_stays_quiet_below_eighty(
    capsys, northwind, receiver, tmp_path
):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[notify]\nurls = ["{receiver.url}"]\n\n[watch]\ndays = 0\n')
    before = len(northwind.calls)
    code, out, _ = watch_pass(capsys, northwind, secrets)
    assert code == 0 and receiver.received == []
    assert len(northwind.calls) - before == 2 * 4  # the connection check only, per profile


def test_a_host_zoom_does_not_know_is_told_once_and_the_rest_still_watched(
    capsys, memory_keyring, receiver, tmp_path
):
    sim = SimulatedZoom("full", now=datetime.now(UTC).replace(second=0, microsecond=0))
    gone = "left.company@northwindtraders.com"
    ProfileStore().save(
        "Northwind",
        DEFAULT_ACCOUNT_ID,
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
        hosts=f"me, {gone}",
    )
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[notify]\nurls = ["{receiver.url}"]\n')
    watch_pass(capsys, sim, secrets)
    code, out, _ = watch_pass(capsys, sim, secrets)
    assert code == 1 and f"host unknown to Zoom: {gone}" in out
    titles = [m["title"] for m in receiver.received]
    assert (
        titles.count(f"Registration cannot work: Northwind: the host {gone} is unknown to Zoom")
        == 1
    )
    [message] = [m for m in receiver.received if gone in m["title"]]
    assert "Update the client profile's hosts on the All clients page" in message["message"]
    assert "set [notify] dashboard_url to get a link here" in message["message"]
    assert any(t.startswith("Behind pace: Northwind: Spring Catalogue") for t in titles)
