"""A simulated Zoom account: the test double behind demo mode, the tests and ``simulate``.

:class:`SimulatedZoom` answers Zoom's Server-to-Server OAuth token endpoint and the REST
endpoints erbium-zoom uses, with Zoom's field names, status codes, error bodies, pagination,
rate-limit headers and UUID double-encoding rules (see ../shared/docs/zoom-api.md). Its data
(hosts, webinars, meetings, registrants, participant reports) is generated from a seed and
anchored at ``now``, so one (seed, now) pair always gives the same account.

Use it in-process through :meth:`SimulatedZoom.transport` (an ``httpx.MockTransport`` that
answers any host, routing on the path) or over real HTTP on loopback through :func:`serve`.
Faults (rate limits, expiring tokens, 5xx, malformed JSON, latency) are injected with
:class:`Faults`; the clock and ``sleep`` are injected too, so tests never really wait.

This module must not import streamlit, must not reach any non-loopback address, and needs only
the standard library and httpx. Where zoom-api.md marks Zoom's behaviour UNCONFIRMED, the
choice made here is a labelled best guess.
"""

from __future__ import annotations

import base64
import functools
import ipaddress
import json
import math
import random
import re
import socket
import socketserver
import string
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote

import httpx

from erbium_zoom.scopes import CLASSIC_SCOPES, REQUIRED_SCOPES, RequiredScope

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "SCENARIOS",
    "TAGS",
    "Faults",
    "Scenario",
    "SimCall",
    "SimulatedZoom",
    "SimulatorServer",
    "Workload",
    "category_of",
    "scenario_from_name",
    "serve",
]

DEFAULT_ACCOUNT_ID = "sim-account-0001"
DEFAULT_CLIENT_ID = "simClientId0001"
DEFAULT_CLIENT_SECRET = "simClientSecret0001"

DEFAULT_API_URL = "https://api.zoom.us"
MAX_PAGE_SIZE = 300
DEFAULT_PAGE_SIZE = 30
PAGE_TOKEN_TTL = 15 * 60  # Zoom: "This token's expiration period is 15 minutes."
REPORT_DELAY = timedelta(minutes=30)  # reports are "not ready" this long after the end
REPORT_RETENTION = timedelta(days=365)  # older → 12702 "Can not access ... a year ago."
ADDS_PER_REGISTRANT_PER_DAY = 3  # Zoom: "Add a registrant: 3 per day per registrant"
MAX_STATUS_BATCH = 30

LIGHT, MEDIUM, HEAVY = "Light", "Medium", "Heavy"

ALL_SCOPES: tuple[str, ...] = tuple(scope.name for scope in REQUIRED_SCOPES)
AUTH_FAILURES = ("invalid_client", "invalid_request", "app_disabled", "unsupported_grant_type")
REGISTRANT_STATUSES = ("approved", "pending", "denied")
STATUS_ACTIONS = {"approve": "approved", "deny": "denied", "cancel": None}

# The tags on ``SimulatedZoom.events`` rows that mark the events tests are built around.
TAGS: dict[str, str] = {
    "upcoming": "starts after now; listed by type=upcoming",
    "live": "started before now and not over (meeting); report → 3001",
    "large": "past webinar with >1,000 registrants and >1,000 participant rows",
    "slash_uuid": "past event whose UUID starts with '/' (must be double-encoded)",
    "double_slash_uuid": "past event whose UUID contains '//' (must be double-encoded)",
    "same_name": "report has two different people with the same name",
    "recurring": "type 8 meeting series: several past occurrences, each with its own UUID",
    "no_registration": "past meeting without registration (approval_type 2)",
    "not_ready": "ended ~10 minutes before now: report → 404/3001",
    "too_old": "~13 months old, not listed, reachable by ID: report → 400/12702",
}


# ---------------------------------------------------------------------------------------------
# Scenarios and faults


@dataclass(frozen=True)
class Scenario:
    """What kind of app the simulated client has: its granted scopes, or how its auth fails."""

    name: str
    description: str
    granted_scopes: tuple[str, ...]
    auth_failure: str | None = None
    webinar_plan: bool = True

    def __post_init__(self) -> None:
        if self.auth_failure is not None and self.auth_failure not in AUTH_FAILURES:
            raise ValueError(
                f"auth_failure must be None or one of {', '.join(AUTH_FAILURES)}; "
                f"got {self.auth_failure!r}"
            )


def _all_but(*missing: str) -> tuple[str, ...]:
    return tuple(name for name in ALL_SCOPES if name not in missing)


SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        Scenario(
            "full", "A correctly set-up app: all 17 granular scopes, Webinar plan.", ALL_SCOPES
        ),
        Scenario(
            "classic",
            "An older app with classic scopes only; everything works except "
            "meeting:write:participant:admin, which has no classic equivalent.",
            tuple(CLASSIC_SCOPES),
        ),
        Scenario(
            "missing_scopes",
            "An app missing the meeting registrant-list and status scopes and both report scopes.",
            _all_but(
                "meeting:read:list_registrants:admin",
                "meeting:update:registrant_status:admin",
                "report:read:list_webinar_participants:admin",
                "report:read:list_meeting_participants:admin",
            ),
        ),
        Scenario(
            "wrong_secret",
            "The Client ID or Client Secret is wrong (invalid_client).",
            ALL_SCOPES,
            auth_failure="invalid_client",
        ),
        Scenario(
            "wrong_account",
            "The Account ID is wrong (invalid_request).",
            ALL_SCOPES,
            auth_failure="invalid_request",
        ),
        Scenario(
            "disabled_app",
            "The app is deactivated (code 4717; shape UNCONFIRMED).",
            ALL_SCOPES,
            auth_failure="app_disabled",
        ),
        Scenario(
            "wrong_app_type",
            "Credentials of a non-S2S app (unsupported_grant_type).",
            ALL_SCOPES,
            auth_failure="unsupported_grant_type",
        ),
        Scenario(
            "no_webinar_plan",
            "All scopes, but the account has no Webinar add-on.",
            ALL_SCOPES,
            webinar_plan=False,
        ),
    )
}


def scenario_from_name(name: str) -> Scenario:
    """A SCENARIOS key, or ``missing:scope_a,scope_b`` (all 17 scopes minus those)."""
    if name in SCENARIOS:
        return SCENARIOS[name]
    if name.startswith("missing:"):
        wanted = [part.strip() for part in name.removeprefix("missing:").split(",")]
        wanted = [part for part in wanted if part]
        unknown = [part for part in wanted if part not in ALL_SCOPES]
        if unknown or not wanted:
            raise ValueError(
                f"Unknown scope(s) in {name!r}: {', '.join(unknown) or '(none given)'}. "
                f"Known scopes: {', '.join(ALL_SCOPES)}."
            )
        return Scenario(name, f"All scopes except {', '.join(wanted)}.", _all_but(*wanted))
    raise ValueError(
        f"Unknown scenario {name!r}. Valid names: {', '.join(SCENARIOS)}, "
        "or 'missing:<scope>,<scope>' for an app lacking those scopes."
    )


QPS_WINDOWS = ("clock", "sliding")  # how Faults.qps_limits are counted


@dataclass
class Faults:
    """Trouble to inject; everything is off by default.

    The simulator reads these live, so a test may change them between requests;
    ``server_errors`` and ``malformed_json`` count down as they are used.
    """

    qps_limits: dict[str, int] = field(default_factory=dict)  # category → per second
    # "clock": per second of the server's clock (x.000 to x.999); "sliding": a request is
    # refused when its category had qps_limits admitted in the 1.0 s before it (at admission).
    # Zoom does not document its window: "sliding" is the strictest reading.
    qps_window: str = "clock"
    daily_limits: dict[str, int] = field(default_factory=dict)  # category → per UTC day
    qps_retry_after: bool = False  # Zoom's documented QPS 429 carries no Retry-After
    latency: float = 0.0  # seconds slept (through the injected sleep) per request
    token_ttl: int = 3599  # the expires_in handed out
    expire_tokens_after: int | None = None  # after N successful API calls, old tokens expire
    server_errors: int = 0  # the next N API requests answer 500/502/503
    malformed_json: int = 0  # the next N API requests answer 200 with truncated JSON
    fault_paths: str | None = None  # limit server_errors/malformed_json to matching paths

    def __post_init__(self) -> None:
        if self.qps_window not in QPS_WINDOWS:
            raise ValueError(
                f"Unknown QPS window {self.qps_window!r}; use {' or '.join(QPS_WINDOWS)}."
            )


@dataclass(frozen=True)
class Workload:
    """A benchmark account in place of the demo data: the owner's past webinars only.

    ``webinars`` webinars that ended days ago, each with exactly ``rows`` participant-report
    rows (rejoins included: a rejoin is another row) and its registrants per status. Built
    in a second or two for the defaults (40 webinars of 1,200 rows).
    """

    webinars: int = 40
    rows: int = 1200
    approved: int = 1100
    pending: int = 60
    denied: int = 40


@dataclass(frozen=True)
class SimCall:
    """One request the simulator answered; ``path`` is raw (still percent-encoded)."""

    method: str
    path: str
    query: dict[str, str]
    status: int


# ---------------------------------------------------------------------------------------------
# Generated data


@dataclass
class _Instance:
    """One occurrence of an event: its own UUID, times and participant report rows."""

    uuid: str
    start: datetime
    duration: int  # minutes
    rows: list[dict] = field(default_factory=list)  # always with registrant_id

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration)


@dataclass
class _Event:
    kind: str  # "webinar" | "meeting"
    id: int
    topic: str
    host: dict
    type: int
    timezone: str
    duration: int
    agenda: str
    created_at: datetime
    approval_type: int  # 0 auto, 1 manual, 2 no registration
    password: str
    registration_slug: str
    instances: list[_Instance]  # chronological; the last is the current (or only) one
    upcoming_starts: list[datetime] = field(default_factory=list)  # recurring only
    listed: bool = True
    tags: tuple[str, ...] = ()
    registrants: dict[str, dict] = field(default_factory=dict)  # id → registrant, in order

    @property
    def plural(self) -> str:
        return f"{self.kind}s"

    @property
    def current(self) -> _Instance:
        return self.instances[-1]

    @property
    def registration(self) -> bool:
        return self.approval_type in (0, 1)

    @property
    def recurring(self) -> bool:
        return self.type in (8, 9)

    @property
    def join_url(self) -> str:
        return f"https://us06web.zoom.us/j/{self.id}?pwd={self.registration_slug[:16]}"

    @property
    def registration_url(self) -> str | None:
        if not self.registration:
            return None
        if self.kind == "webinar":
            return f"https://us06web.zoom.us/webinar/register/WN_{self.registration_slug}"
        return f"https://us06web.zoom.us/meeting/register/{self.registration_slug}"


# Approximate standard-time offsets: enough to put local office hours at plausible UTC times
# (start_time is UTC anyway), and identical on every machine, unlike a tz database.
_TZ_OFFSETS = {
    "America/New_York": -5,
    "America/Los_Angeles": -8,
    "Europe/Paris": 1,
    "Europe/London": 0,
    "Asia/Tokyo": 9,
    "Australia/Sydney": 10,
}

_HOSTS = (
    ("Avery", "Quinn", "America/New_York"),
    ("Mathilde", "Roux", "Europe/Paris"),
    ("Kenji", "Sato", "Asia/Tokyo"),
    ("Priya", "Raman", "America/Los_Angeles"),
)

_FIRST_NAMES = (
    "Aaliyah Aaron Abigail Adam Adrian Aisha Alan Alice Amara Amelia Ana Andre Angela Anika "
    "Arjun Ava Beatriz Ben Bianca Carlos Caroline Chen Chloe Chris Clara Daniel Deepa Diego "
    "Elena Eli Emma Ethan Fatima Felix Fiona Gabriel Grace Hana Hannah Hiro Ian Ines Isaac "
    "Jack James Jana Javier Jin Julia Kai Karen Kofi Laila Lars Laura Leo Lina Lucas Maria "
    "Marta Mateo Maya Mei Mohammed Nadia Naomi Nikhil Noah Olga Oliver Omar Paula Pedro Rafael "
    "Rin Rosa Ryan Sara Sean Sofia Tariq Tom Uma Victor Wei Yara Yusuf Zoe"
).split()
_LAST_NAMES = (
    "Adams Ahmed Alvarez Andersen Baker Bauer Bianchi Brown Campbell Chen Costa Dubois Eriksen "
    "Evans Fischer Garcia Gonzalez Gupta Hansen Hughes Ito Jensen Johnson Kaur Kim Kowalski "
    "Kumar Larsen Lopez Martin Meyer Moreau Murphy Nakamura Nguyen Novak Okafor Olsen Park "
    "Patel Perez Petrov Rossi Santos Schmidt Silva Singh Smith Suzuki Tanaka Taylor Thomas "
    "Tran Walker Wang Weber Williams Wilson Wong Yamamoto Zhang"
).split()
_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com", "corp.example.org")
_ORGS = (
    "",
    "",
    "Northwind Traders",
    "Contoso",
    "Fabrikam",
    "Tailspin Toys",
    "Litware",
    "Adventure Works",
    "Wide World Importers",
)
_JOBS = ("", "", "Analyst", "Engineer", "Manager", "Director", "Consultant", "Teacher")
_COUNTRIES = ("US", "US", "FR", "JP", "GB", "DE", "CA", "AU", "IN", "BR")
_GUEST_NAMES = (
    "iPhone",
    "Galaxy S24",
    "Conference Room 3B",
    "Guest",
    "Call-in User",
    "Boardroom TV",
    "Sam",
    "Pixel 9",
    "Training Room",
    "Zoom User",
)


# Upcoming events: kind, topic, host (index into _HOSTS, whose time zone the event uses),
# days from now, local start, minutes, approval_type, registrants (approved, pending, denied).
_UPCOMING_PLAN = (
    ("webinar", "Erbium Product Update: Spring Release", 0, 6, "11:00", 60, 0, (74, 0, 2)),
    ("webinar", "Bien démarrer avec Erbium", 1, 12, "10:30", 45, 1, (28, 9, 3)),
    ("webinar", "Erbium for APAC Teams", 2, 20, "14:00", 60, 0, (55, 0, 0)),
    ("webinar", "Security & Compliance Deep Dive", 0, 27, "13:00", 90, 1, (84, 31, 5)),
    ("webinar", "Customer Success Roundtable", 3, 41, "09:00", 60, 2, (0, 0, 0)),
    ("webinar", "Year-End Roadmap Preview", 1, 55, "16:00", 60, 0, (10, 0, 0)),
    ("meeting", "Onboarding: Northwind Traders", 0, 2, "10:00", 45, 2, (0, 0, 0)),
    ("meeting", "Quarterly Business Review", 1, 9, "15:00", 60, 1, (8, 3, 1)),
    ("meeting", "Tokyo Partner Sync", 2, 15, "09:30", 30, 2, (0, 0, 0)),
    ("meeting", "Office Hours: Reporting API", 3, 18, "08:00", 60, 0, (25, 0, 0)),
    ("meeting", "Implementation Workshop", 0, 33, "13:30", 90, 0, (30, 0, 1)),
    ("meeting", "Board Prep", 1, 47, "11:00", 60, 2, (0, 0, 0)),
)


def _iso(moment: datetime) -> str:
    """Zoom's timestamp format: ISO-8601 UTC with a Z (whole seconds)."""
    # isoformat rather than strftime: the same text, several times faster for large reports.
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def _zoom_weekday(moment: datetime) -> str:
    # Zoom numbers weekdays 1 = Sunday … 7 = Saturday; Python's Monday is 0.
    return str((moment.weekday() + 1) % 7 + 1)


class _Builder:
    """Generates the whole account from one ``random.Random``: same seed, same account."""

    def __init__(self, rng: random.Random, now: datetime):
        self.rng = rng
        self.now = now
        self.ids: set[int] = set()
        self.uuids: set[str] = set()
        self.emails: set[str] = set()
        self.hosts: list[dict] = []
        self.events: list[_Event] = []
        self.people: list[dict] = []

    # -- identifiers ------------------------------------------------------------------------

    def opaque(self, nbytes: int = 16) -> str:
        """A URL-safe id like Zoom's user and registrant ids (22 characters for 16 bytes)."""
        return base64.urlsafe_b64encode(self.rng.randbytes(nbytes)).decode().rstrip("=")

    def event_id(self) -> int:
        while True:
            value = self.rng.randint(81_000_000_000, 99_999_999_999)
            if value not in self.ids:
                self.ids.add(value)
                return value

    def uuid(self, shape: str = "plain") -> str:
        """A 22-character base64 UUID plus '=='; ``shape`` forces a leading '/' or a '//'."""
        while True:
            value = base64.b64encode(self.rng.randbytes(16)).decode()
            if shape == "leading_slash":
                value = "/" + value[1:]
            elif shape == "double_slash":
                value = value[:9] + "//" + value[11:]
            plain_ok = not value.startswith("/") and "//" not in value
            if value not in self.uuids and (shape != "plain" or plain_ok):
                if shape == "double_slash" and value.startswith("/"):
                    continue
                self.uuids.add(value)
                return value

    def start(self, days: int, at: str, host: int) -> datetime:
        """``at`` ("HH:MM") in the host's time zone, ``days`` from now, as UTC."""
        day = (self.now + timedelta(days=days)).date()
        hour, minute = (int(part) for part in at.split(":"))
        local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
        return local - timedelta(hours=_TZ_OFFSETS[self.hosts[host]["timezone"]])

    # -- people -----------------------------------------------------------------------------

    def person(self, first: str, last: str, domain: str | None = None) -> dict:
        domain = domain or self.rng.choice(_DOMAINS)
        base = f"{first}.{last}".lower()
        email, n = f"{base}@{domain}", 2
        while email in self.emails:
            email, n = f"{base}{n}@{domain}", n + 1
        self.emails.add(email)
        # About a quarter join without signing in to Zoom: no participant_user_id then.
        logged_in = self.rng.random() < 0.75
        return {
            "first_name": first,
            "last_name": last,
            "email": email,
            "participant_user_id": self.opaque() if logged_in else "",
            "country": self.rng.choice(_COUNTRIES),
            "org": self.rng.choice(_ORGS),
            "job_title": self.rng.choice(_JOBS),
        }

    def build_people(self, count: int) -> None:
        for _ in range(count):
            self.people.append(
                self.person(self.rng.choice(_FIRST_NAMES), self.rng.choice(_LAST_NAMES))
            )

    def build_hosts(self) -> None:
        for first, last, tz in _HOSTS:
            email = f"{first}.{last}@example.com".lower()
            self.emails.add(email)
            self.hosts.append(
                {
                    "id": self.opaque(),
                    "email": email,
                    "first_name": first,
                    "last_name": last,
                    "type": 2,  # licensed
                    "timezone": tz,
                }
            )

    # -- events -----------------------------------------------------------------------------

    def event(
        self,
        kind: str,
        topic: str,
        host: int,
        start: datetime,
        duration: int,
        approval_type: int,
        *,
        uuid_shape: str = "plain",
        tags: tuple[str, ...] = (),
        listed: bool = True,
        type_: int | None = None,
    ) -> _Event:
        host_row = self.hosts[host]
        created_before = min(start, self.now) - timedelta(hours=1)
        created_at = created_before - timedelta(
            days=self.rng.randint(3, 40), minutes=self.rng.randint(0, 600)
        )
        event = _Event(
            kind=kind,
            id=self.event_id(),
            topic=topic,
            host=host_row,
            type=type_ or (5 if kind == "webinar" else 2),
            timezone=host_row["timezone"],
            duration=duration,
            agenda=f"{topic}. Hosted by {host_row['first_name']} {host_row['last_name']}. "
            "Bring your questions: the last ten minutes are open Q&A.",
            created_at=created_at.replace(second=0),
            approval_type=approval_type,
            password="".join(self.rng.choices(string.ascii_letters + string.digits, k=6)),
            registration_slug=self.opaque(),
            instances=[_Instance(self.uuid(uuid_shape), start, duration)],
            listed=listed,
            tags=tags,
        )
        if start > self.now:
            event.tags += ("upcoming",)
        self.events.append(event)
        return event

    def register(self, event: _Event, people: list[dict], statuses: list[str]) -> list[dict]:
        """Registrants with Zoom's fields; create_time between creation and start (or now)."""
        latest = min(event.current.start, self.now) - timedelta(minutes=30)
        span = max(int((latest - event.created_at).total_seconds()), 60)
        made = []
        for person, status in zip(people, statuses, strict=True):
            registrant = _registrant(
                self.opaque(),
                person,
                status,
                event.created_at + timedelta(seconds=self.rng.randint(0, span)),
                event,
                self.opaque(32),
                self.rng.randint(100_000, 999_999),
            )
            registrant["_person"] = person
            event.registrants[registrant["id"]] = registrant
            made.append(registrant)
        return made

    def attend(
        self,
        event: _Event,
        instance: _Instance,
        attendees: list[dict],
        guests: int,
        *,
        late: float = 0.1,
        early: float = 0.1,
        rejoin: float = 0.1,
    ) -> None:
        """Participant report rows: one per join session, as Zoom's report has them.

        The first three attendees are always a rejoiner, a late joiner and an early leaver,
        so every report has each case; the rest are random.
        """
        rng = self.rng
        start, end = instance.start, instance.end
        sessions: list[tuple[datetime, datetime, str, str, str, str]] = []
        host = event.host
        host_name = f"{host['first_name']} {host['last_name']}"
        sessions.append(
            (start - timedelta(minutes=5), end, host_name, host["email"], host["id"], "")
        )
        people = [(registrant["_person"], registrant["id"]) for registrant in attendees]
        for n in range(guests):
            name = _GUEST_NAMES[n % len(_GUEST_NAMES)]
            if n >= len(_GUEST_NAMES):
                name = f"{name} {n // len(_GUEST_NAMES) + 1}"
            people.append(
                ({"first_name": name, "last_name": "", "email": "", "participant_user_id": ""}, "")
            )
        for index, (person, registrant_id) in enumerate(people):
            join = start + timedelta(seconds=rng.randint(-240, 150))
            leave = end - timedelta(seconds=rng.randint(0, 240))
            roll = rng.random()
            is_late = index == 1 or (index > 2 and roll < late)
            is_early = index == 2 or (index > 2 and late <= roll < late + early)
            if is_late:
                join = start + timedelta(minutes=rng.randint(10, max(11, instance.duration // 2)))
            if is_early:
                leave = start + timedelta(minutes=rng.randint(5, max(6, instance.duration // 2)))
            if leave <= join + timedelta(minutes=1):
                leave = join + timedelta(minutes=rng.randint(2, 10))
            segments = [(join, leave)]
            if index == 0 or (index > 2 and rng.random() < rejoin):
                segments = _split_session(rng, join, leave, rng.randint(1, 2))
            name = f"{person['first_name']} {person['last_name']}".strip()
            for seg_join, seg_leave in segments:
                sessions.append(
                    (
                        seg_join,
                        seg_leave,
                        name,
                        person["email"],
                        person["participant_user_id"],
                        registrant_id,
                    )
                )
        sessions.sort(key=lambda session: session[0])
        first_user_id = rng.randint(16_000_000, 34_000_000)
        for n, (join, leave, name, email, puid, registrant_id) in enumerate(sessions):
            instance.rows.append(
                {
                    "id": puid,
                    "user_id": str(first_user_id + n),  # new for every join
                    "name": name,
                    "user_email": email,
                    "join_time": _iso(join),
                    "leave_time": _iso(leave),
                    "duration": int((leave - join).total_seconds()),
                    "registrant_id": registrant_id,
                    "failover": False,
                    "status": "in_meeting",
                    "customer_key": "",
                    "participant_user_id": puid,
                    "bo_mtg_id": "",
                }
            )

    def statuses(self, approved: int, pending: int, denied: int) -> list[str]:
        out = ["approved"] * approved + ["pending"] * pending + ["denied"] * denied
        self.rng.shuffle(out)
        return out

    def with_registrants(
        self,
        event: _Event,
        approved: int,
        pending: int = 0,
        denied: int = 0,
        first: list[dict] | None = None,
    ) -> list[dict]:
        """Registers people (``first`` ones first, approved); returns the approved ones."""
        first = first or []
        total = approved + pending + denied
        others = self.rng.sample(self.people, total - len(first))
        statuses = ["approved"] * len(first) + self.statuses(approved - len(first), pending, denied)
        made = self.register(event, first + others, statuses)
        return [registrant for registrant in made if registrant["status"] == "approved"]

    def build(self) -> None:
        """The whole account; the order of these calls is part of what the seed determines."""
        rng = self.rng
        self.build_hosts()
        self.build_people(1500)

        for kind, topic, host, days, at, minutes, approval, counts in _UPCOMING_PLAN:
            upcoming = self.event(kind, topic, host, self.start(days, at, host), minutes, approval)
            if any(counts):
                self.with_registrants(upcoming, *counts)
        live_start = self.now - timedelta(minutes=20)
        self.event("meeting", "Daily Support Stand-up", 3, live_start, 60, 2, tags=("live",))

        # fmt: off
        # (The event calls below are laid out by hand: one event's arguments per line or two.)

        # A weekly series (type 8): four past occurrences with their own UUIDs and reports,
        # the next one in two days. Registration covers every occurrence.
        anchor = self.start(2, "12:00", 0)
        series = self.event("meeting", "Weekly Customer Office Hours", 0, anchor, 60, 0,
                            tags=("recurring",), type_=8)
        series.created_at = anchor - timedelta(days=45)
        past = [_Instance(self.uuid(), anchor + timedelta(days=7 * k), 60) for k in range(-4, 0)]
        series.instances = past + series.instances
        series.upcoming_starts = [anchor + timedelta(days=7 * k) for k in range(6)]
        approved = self.with_registrants(series, 44, 0, 3)
        for n, instance in enumerate(past):
            self.attend(series, instance, rng.sample(approved, 22 + 4 * n), guests=n % 3)

        # Past webinars.
        big = self.event(
            "webinar", "Erbium Annual Summit Keynote", 0, self.start(-24, "12:00", 0), 120, 1,
            tags=("large",),
        )
        approved = self.with_registrants(big, 1180, 80, 30)
        # 960 attendees + 40 guests + the host = 1,001 rows before any rejoin.
        self.attend(big, big.current, rng.sample(approved, 960), guests=40, rejoin=0.15)

        twins = [
            self.person("Jordan", "Lee", "example.com"),
            self.person("Jordan", "Lee", "example.org"),
        ]
        masterclass = self.event(
            "webinar", "Data Privacy Masterclass", 1, self.start(-41, "14:00", 1), 60, 1,
            uuid_shape="leading_slash", tags=("slash_uuid", "same_name"),
        )
        approved = self.with_registrants(masterclass, 70, 12, 8, first=twins)
        attendees = approved[2:]
        rng.shuffle(attendees)
        self.attend(
            masterclass, masterclass.current, attendees[:48] + approved[:2], guests=6,
            late=0.15, early=0.15, rejoin=0.2,
        )

        for topic, host, days, approval, counts, attending in (
            ("Getting Started with Dashboards", 2, -97, 0, (60, 0, 2), 41),
            ("Q4 Kickoff", 0, -140, 1, (35, 4, 2), 27),
        ):
            webinar = self.event("webinar", topic, host, self.start(days, "12:00", host), 60,
                                 approval)
            approved = self.with_registrants(webinar, *counts)
            self.attend(webinar, webinar.current, rng.sample(approved, attending), guests=2)
        too_old = self.event(
            "webinar", "Launch Event 2025", 0, self.start(-395, "12:00", 0), 60, 0,
            tags=("too_old",), listed=False,
        )
        approved = self.with_registrants(too_old, 30)
        self.attend(too_old, too_old.current, rng.sample(approved, 20), guests=1)

        # Past meetings.
        board = self.event(
            "meeting", "Customer Advisory Board", 0, self.start(-33, "11:00", 0), 90, 1,
            uuid_shape="double_slash", tags=("double_slash_uuid",),
        )
        approved = self.with_registrants(board, 30, 6, 4)
        self.attend(board, board.current, rng.sample(approved, 21), guests=2)
        renewal = self.event("meeting", "Renewal Planning", 2, self.start(-75, "10:00", 2), 60, 0)
        approved = self.with_registrants(renewal, 18, 0, 1)
        self.attend(renewal, renewal.current, rng.sample(approved, 12), guests=1)
        retro = self.event(
            "meeting", "Internal Retrospective", 1, self.start(-10, "16:00", 1), 45, 2,
            tags=("no_registration",),
        )
        self._walk_ins(retro, 7)
        # Ended ten minutes ago: its report is not ready yet.
        review = self.event(
            "meeting", "Support Escalation Review", 0, self.now - timedelta(minutes=40), 30, 2,
            tags=("not_ready",),
        )
        self._walk_ins(review, 5)
        legacy = self.event(
            "meeting", "Legacy Kickoff Call", 3, self.start(-400, "09:00", 3), 60, 2,
            tags=("too_old",), listed=False,
        )
        self._walk_ins(legacy, 6)
        # fmt: on

    def build_workload(self, workload: Workload) -> None:
        """The benchmark account: see :class:`Workload`."""
        self.build_hosts()
        registered = workload.approved + workload.pending + workload.denied
        self.build_people(max(1500, registered + 100))
        for n in range(workload.webinars):
            start = self.start(-(2 + 3 * n), "12:00", 0)
            topic = f"Customer Training #{workload.webinars - n}"
            webinar = self.event("webinar", topic, 0, start, 60, n % 2)
            counts = (workload.approved, workload.pending, workload.denied)
            approved = self.with_registrants(webinar, *counts)
            attendees = approved[: workload.rows]
            # Every attendee gives a row or more (rejoins), the host one; guests fill up the
            # rest, then the report is cut to exactly ``rows`` (the latest joins go).
            guests = max(0, workload.rows - len(attendees) - 1)
            self.attend(webinar, webinar.current, attendees, guests=guests, rejoin=0.15)
            del webinar.current.rows[workload.rows :]

    def _walk_ins(self, event: _Event, count: int) -> None:
        """Report rows for a meeting without registration: people and a guest, no ids."""
        people = [{"_person": person, "id": ""} for person in self.rng.sample(self.people, count)]
        self.attend(event, event.current, people, guests=1)


@functools.lru_cache(maxsize=8)
def _generated_account(
    seed: int, now: datetime, workload: Workload | None = None
) -> tuple[tuple[dict, ...], tuple[_Event, ...]]:
    """The account for (seed, now), built once: generation takes tens of milliseconds."""
    builder = _Builder(random.Random(seed), now)
    if workload is None:
        builder.build()
    else:
        builder.build_workload(workload)
    events = sorted(builder.events, key=lambda e: (e.current.start, e.id))
    return tuple(builder.hosts), tuple(events)


def _split_session(
    rng: random.Random, join: datetime, leave: datetime, cuts: int
) -> list[tuple[datetime, datetime]]:
    """One stay split into ``cuts + 1`` join sessions with short gaps (a rejoin each)."""
    seconds = int((leave - join).total_seconds())
    if seconds < 600:
        return [(join, leave)]
    points = sorted(rng.sample(range(120, seconds - 120), cuts))
    segments, current = [], join
    for point in points:
        cut = join + timedelta(seconds=point)
        if cut <= current + timedelta(seconds=30):
            continue
        segments.append((current, cut))
        current = cut + timedelta(seconds=rng.randint(20, 180))
    segments.append((current, max(leave, current + timedelta(seconds=60))))
    return segments


def _registrant(
    registrant_id: str,
    person: dict,
    status: str,
    created: datetime,
    event: _Event,
    ticket: str,
    pin: int,
) -> dict:
    """A registrant with Zoom's field names (unset profile fields are "", as Zoom sends)."""
    registrant = {
        "id": registrant_id,
        "first_name": person["first_name"],
        "last_name": person.get("last_name", ""),
        "email": person["email"],
        "address": "",
        "city": "",
        "country": person.get("country", ""),
        "zip": "",
        "state": "",
        "phone": "",
        "industry": "",
        "org": person.get("org", ""),
        "job_title": person.get("job_title", ""),
        "purchasing_time_frame": "",
        "role_in_purchase_process": "",
        "no_of_employees": "",
        "comments": "",
        "custom_questions": [],
        "status": status,
        "create_time": _iso(created),
        "join_url": f"https://us06web.zoom.us/w/{event.id}?tk={ticket}",
    }
    if event.kind == "meeting":
        registrant["participant_pin_code"] = pin
    return registrant


# ---------------------------------------------------------------------------------------------
# Routing


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern
    spec_path: str  # with <plural> and <kind> placeholders
    category: str
    handler: str

    def scope(self, kind: str) -> RequiredScope:
        path = self.spec_path.replace("<plural>", f"{kind}s").replace("<kind>", kind)
        return _SCOPE_BY_ENDPOINT[(self.method, path)]


_SCOPE_BY_ENDPOINT = {(s.method, s.path): s for s in REQUIRED_SCOPES if s.method}
_EVENT = r"/v2/(?P<plural>webinars|meetings)/(?P<eid>[^/]+)"
_ROUTES = (
    _Route(
        "GET",
        re.compile(r"/v2/users/(?P<user>[^/]+)/(?P<plural>webinars|meetings)"),
        "/users/{userId}/<plural>",
        MEDIUM,
        "_list_events",
    ),
    _Route("GET", re.compile(_EVENT), "/<plural>/{<kind>Id}", LIGHT, "_get_event"),
    _Route(
        "GET",
        re.compile(_EVENT + "/registrants"),
        "/<plural>/{<kind>Id}/registrants",
        MEDIUM,
        "_list_registrants",
    ),
    _Route(
        "POST",
        re.compile(_EVENT + "/registrants"),
        "/<plural>/{<kind>Id}/registrants",
        LIGHT,
        "_add_registrant",
    ),
    _Route(
        "PUT",
        re.compile(_EVENT + "/registrants/status"),
        "/<plural>/{<kind>Id}/registrants/status",
        MEDIUM,
        "_update_status",
    ),
    _Route(
        "GET",
        re.compile(_EVENT + "/registrants/(?P<rid>[^/]+)"),
        "/<plural>/{<kind>Id}/registrants/{registrantId}",
        LIGHT,
        "_get_registrant",
    ),
    _Route(
        "DELETE",
        re.compile(_EVENT + "/registrants/(?P<rid>[^/]+)"),
        "/<plural>/{<kind>Id}/registrants/{registrantId}",
        LIGHT,
        "_delete_registrant",
    ),
    # ".+" so that an unencoded '/' in a UUID still reaches the handler, which refuses it.
    _Route(
        "GET",
        re.compile(r"/v2/report/(?P<plural>webinars|meetings)/(?P<eid>.+)/participants"),
        "/report/<plural>/{<kind>Id}/participants",
        HEAVY,
        "_report",
    ),
)

_WEBINAR_PLAN_MISSING = (
    "Webinar plan is missing. You must subscribe to the webinar plan and enable webinars for "
    "this user in order to perform this action."
)
_BAD_GATEWAY_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


def _decode_event_ref(raw: str) -> str | None:
    """The meeting/webinar ID or UUID in a raw path segment, decoded as Zoom does.

    Zoom decodes once. A UUID that starts with '/' or contains '//' must arrive
    double-encoded; if it arrives single-encoded (or unencoded) Zoom cannot route it, which
    is answered here as None (→ 404/3001). Other UUIDs may contain '+', '/' and '=' and
    decode once; a double-encoded one is decoded a second time.
    """
    if "/" in raw:
        return None
    once = unquote(raw)
    if once.startswith("/") or "//" in once:
        return None
    return unquote(once) if "%" in once else once


def _json_response(status: int, body: object, headers: dict | None = None) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json;charset=UTF-8", **(headers or {})},
    )


def _error(status: int, code: int, message: str, **extra: object) -> httpx.Response:
    """Zoom's REST error body: always {"code": int, "message": str} (+ "errors" sometimes)."""
    return _json_response(status, {"code": code, "message": message, **extra})


def _oauth_error(reason: str, error: str, **extra: object) -> httpx.Response:
    """The token endpoint's different error shape: {"reason", "error"}."""
    return _json_response(400, {"reason": reason, "error": error, **extra})


def _next_midnight(day: date) -> str:
    return _iso(datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1))


def _page_size(query: dict[str, str]) -> int:
    try:
        size = int(query.get("page_size", DEFAULT_PAGE_SIZE))
    except ValueError:
        return DEFAULT_PAGE_SIZE
    if size < 1:
        return DEFAULT_PAGE_SIZE
    return min(size, MAX_PAGE_SIZE)  # Zoom clamps rather than refusing


@dataclass
class _Token:
    serial: int
    issued_at: float
    ttl: int
    scopes: frozenset[str]


@dataclass
class _PageToken:
    path: str
    params: dict[str, str]
    offset: int
    issued_at: float


# ---------------------------------------------------------------------------------------------
# The simulated account


class SimulatedZoom:
    """A deterministic simulated Zoom account answering the token endpoint and REST API.

    What tests read: ``calls`` (every request in order, as :class:`SimCall`),
    ``api_calls()``, ``tokens_issued``, ``hosts``, ``events``, ``event_tagged()`` /
    ``events_tagged()`` (tags in :data:`TAGS`), ``registrants()`` and ``participants()``.

    Two times: ``now`` anchors the data (what is upcoming, ended, not ready, too old) and
    stays fixed; ``clock`` drives what moves while it runs (token expiry, rate-limit windows,
    the UTC day, page-token expiry, new registrants' create_time).

    ``workload`` (a :class:`Workload`) replaces the demo data with the benchmark's account.

    Simplifications: the meeting list's ``from``/``to`` and every ``occurrence_id`` are
    ignored; a recurring meeting has one registrant list for the whole series.
    """

    def __init__(
        self,
        scenario: str | Scenario = "full",
        *,
        seed: int = 7,
        faults: Faults | None = None,
        now: datetime | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        account_id: str = DEFAULT_ACCOUNT_ID,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        workload: Workload | None = None,
    ):
        self.scenario = scenario if isinstance(scenario, Scenario) else scenario_from_name(scenario)
        self.seed = seed
        self.faults = faults or Faults()
        if now is None:
            now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        elif now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        self.now = now.astimezone(UTC)
        self.clock = clock
        self.sleep = sleep
        self.account_id = account_id
        self.client_id = client_id
        self.client_secret = client_secret
        # What the token's api_url says; serve() points it at the loopback server so a client
        # that follows api_url never leaves the machine.
        self.api_url = DEFAULT_API_URL
        self.calls: list[SimCall] = []
        self.tokens_issued = 0

        self._lock = threading.RLock()
        # Runtime randomness (tokens, new registrant ids) has its own stream, so the data is
        # the same whatever requests are made.
        self._runtime_rng = random.Random(f"erbium-zoom-simulator:{seed}:runtime")
        self.workload = workload
        hosts, events = _generated_account(seed, self.now, workload)
        self._hosts = list(hosts)
        # Only registrants ever change, so each simulator gets its own copy of those and
        # shares the rest (report rows are copied whenever they are handed out).
        self._events = [
            replace(
                event,
                registrants={
                    rid: {**r, "custom_questions": list(r["custom_questions"])}
                    for rid, r in event.registrants.items()
                },
            )
            for event in events
        ]
        self._by_id = {(e.kind, e.id): e for e in self._events}
        self._by_uuid = {
            (e.kind, instance.uuid): (e, instance) for e in self._events for instance in e.instances
        }
        self._tokens: dict[str, _Token] = {}
        self._page_tokens: dict[str, _PageToken] = {}
        self._qps_counts: dict[tuple[str, int], int] = {}
        self._qps_admitted: dict[str, deque[float]] = {}  # category → admissions, last 1 s
        self._daily_counts: dict[tuple[str, date], int] = {}
        self._adds: dict[tuple[str, int, str, date], int] = {}
        self._server_errors_sent = 0
        self._api_successes = 0
        self._expired_through = 0  # tokens with serial <= this are expired (expire_tokens_after)
        self._requests = 0

    # -- public accessors for tests -------------------------------------------------------

    @property
    def hosts(self) -> list[dict]:
        """The account's users; the first one is the owner that ``me`` resolves to."""
        return [dict(host) for host in self._hosts]

    @property
    def events(self) -> list[dict]:
        """Every event (listed or not) as a dict, with ``tags`` and ``instances``.

        In dashboard order: live and upcoming events soonest first, then past events most
        recent first (so the ~13-month-old ones come last).
        """
        with self._lock:

            def order(event: _Event) -> tuple[int, float]:
                start = event.current.start.timestamp()
                return (0, start) if event.current.end > self.now else (1, -start)

            return [self._event_row(event) for event in sorted(self._events, key=order)]

    def events_tagged(self, tag: str, kind: str | None = None) -> list[dict]:
        """The events carrying a tag from TAGS, optionally of one kind."""
        if tag not in TAGS:
            raise ValueError(f"Unknown tag {tag!r}. Tags: {', '.join(TAGS)}.")
        return [
            row
            for row in self.events
            if tag in row["tags"] and (kind is None or row["kind"] == kind)
        ]

    def event_tagged(self, tag: str, kind: str | None = None) -> dict:
        """The first event carrying ``tag`` (see TAGS)."""
        found = self.events_tagged(tag, kind)
        if not found:
            raise LookupError(f"No {kind or 'event'} tagged {tag!r}.")
        return found[0]

    def registrants(self, kind: str, event_id: int, status: str | None = None) -> list[dict]:
        """The event's registrants as Zoom lists them, optionally of one status."""
        with self._lock:
            event = self._by_id[(kind, int(event_id))]
            return [
                self._registrant_view(event, r, single=False)
                for r in event.registrants.values()
                if status in (None, r["status"])
            ]

    def participants(self, kind: str, event_id_or_uuid: int | str) -> list[dict]:
        """Every row the participant report gives (all pages, with ``registrant_id``).

        A numeric ID means the latest occurrence that has ended, a UUID that occurrence.
        Empty when Zoom would refuse the report: not ended, ended less than 30 minutes ago,
        or more than a year old.
        """
        with self._lock:
            ref = str(event_id_or_uuid)
            if ref.isdigit():
                instance = self._latest_ended(self._by_id[(kind, int(ref))])
            else:
                instance = self._by_uuid[(kind, ref)][1]
            if instance is None or not self._reportable(instance):
                return []
            return [dict(row) for row in instance.rows]

    def issued_tokens(self) -> list[str]:
        """Every access token handed out so far (tests scan outputs for them)."""
        with self._lock:
            return list(self._tokens)

    def api_calls(self, path_contains: str = "") -> list[SimCall]:
        """The calls to ``/v2/...`` whose raw path contains ``path_contains``."""
        with self._lock:
            return [
                call
                for call in self.calls
                if call.path.startswith("/v2") and path_contains in call.path
            ]

    def transport(self) -> httpx.MockTransport:
        """An httpx transport answering every host from this account (routes on the path)."""
        return httpx.MockTransport(self.handle)

    # -- the entry point ------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request as Zoom would. Thread-safe."""
        request.read()
        if self.faults.latency:
            # Outside the lock, so that concurrent requests overlap as they would for real.
            self.sleep(self.faults.latency)
        raw = request.url.raw_path.decode("ascii", "replace")
        path, _, raw_query = raw.partition("?")
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        with self._lock:
            if path == "/oauth/token":
                response = self._token_endpoint(request, query)
            elif path.startswith("/v2/"):
                response = self._api(request, path, query)
            else:
                response = _error(404, 404, "Not Found")
            self.calls.append(SimCall(request.method, path, query, response.status_code))
        return response

    # -- token endpoint -------------------------------------------------------------------

    def _token_endpoint(self, request: httpx.Request, query: dict[str, str]) -> httpx.Response:
        if request.method != "POST":
            return _json_response(405, {"reason": "Method Not Allowed", "error": "invalid_request"})
        params = dict(query)  # Zoom takes the parameters in the query string or the body
        if request.content:
            params.update(
                parse_qsl(request.content.decode("utf-8", "replace"), keep_blank_values=True)
            )
        failure = self.scenario.auth_failure
        if (
            _basic_auth(request.headers.get("authorization"))
            != (self.client_id, self.client_secret)
            or failure == "invalid_client"
        ):
            return _oauth_error("Invalid client_id or client_secret", "invalid_client")
        if params.get("grant_type") != "account_credentials" or (
            failure == "unsupported_grant_type"
        ):
            return _oauth_error("unsupported grant type", "unsupported_grant_type")
        if params.get("account_id") != self.account_id or failure == "invalid_request":
            return _oauth_error("Bad Request", "invalid_request")
        if failure == "app_disabled":
            # UNCONFIRMED shape: Zoom's OAuth error table lists 4717 "The app has been disabled".
            return _oauth_error("The app has been disabled", "invalid_request", code=4717)
        self.tokens_issued += 1
        token = (
            "eyJzdiI6IjAwMDAwMSIsImFsZyI6IkhTNTEyIn0." + self._opaque(96) + "." + self._opaque(43)
        )
        self._tokens[token] = _Token(
            self.tokens_issued,
            self.clock(),
            self.faults.token_ttl,
            frozenset(self.scenario.granted_scopes),
        )
        return _json_response(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": self.faults.token_ttl,
                "scope": " ".join(self.scenario.granted_scopes),
                "api_url": self.api_url,
            },
        )

    def _opaque(self, length: int) -> str:
        alphabet = string.ascii_letters + string.digits + "-_"
        return "".join(self._runtime_rng.choices(alphabet, k=length))

    # -- REST pipeline --------------------------------------------------------------------

    def _api(self, request: httpx.Request, path: str, query: dict[str, str]) -> httpx.Response:
        self._requests += 1
        tracking = {"x-zm-trackingid": f"v=2.0;clid=us06;rid=SIM_{self._requests:08d}"}
        route, match = _match_route(request.method, path)
        if route is None:
            if match is not None:
                return _error(405, 405, "Method Not Allowed")
            return _error(404, 404, "Not Found")
        headers = {"X-RateLimit-Category": route.category, **tracking}
        kind = match["plural"][:-1]

        # In Zoom's order: a failing gateway answers before the token is looked at; limits
        # count only authenticated calls; scope and plan are checked before the work is done.
        token = None
        response = self._injected_fault(path)
        if response is None:
            token, response = self._authenticate(request, query)
        if response is None:
            response, limit_headers = self._admit(route.category)
            headers.update(limit_headers)
        if response is None:
            response = self._authorise(token, route, kind)
        if response is None:
            response = getattr(self, route.handler)(request, match, path, query, kind)
            if 200 <= response.status_code < 300:
                self._count_success()
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    def _injected_fault(self, path: str) -> httpx.Response | None:
        fault_paths = self.faults.fault_paths
        if fault_paths and fault_paths not in path:
            return None
        if self.faults.server_errors > 0:
            self.faults.server_errors -= 1
            status = (500, 502, 503)[self._server_errors_sent % 3]
            self._server_errors_sent += 1
            if status == 502:
                # A gateway in front of the API answers this one, in HTML.
                return httpx.Response(
                    502, content=_BAD_GATEWAY_HTML, headers={"Content-Type": "text/html"}
                )
            return _error(status, 500, "Internal Error")
        if self.faults.malformed_json > 0:
            self.faults.malformed_json -= 1
            whole = json.dumps(
                {
                    "page_size": 30,
                    "total_records": 2,
                    "next_page_token": "",
                    "registrants": [{"id": "x", "email": "a@example.com"}],
                }
            )
            return httpx.Response(
                200,
                content=whole[: len(whole) // 2].encode(),
                headers={"Content-Type": "application/json;charset=UTF-8"},
            )
        return None

    def _authenticate(
        self, request: httpx.Request, query: dict[str, str]
    ) -> tuple[_Token | None, httpx.Response | None]:
        """The bearer token, or the 401/124 Zoom gives for a missing, unknown or expired one."""
        if "access_token" in query:
            return None, _error(
                401,
                124,
                "Invalid access token, this access token is not supported "
                "as query parameter string.",
            )
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if not header:
            return None, _error(401, 124, "Requires an access token.")
        token = self._tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            return None, _error(401, 124, "Invalid access token.")
        if token.serial <= self._expired_through or self.clock() >= token.issued_at + token.ttl:
            return None, _error(401, 124, "Access token is expired.")
        return token, None

    def _admit(self, category: str) -> tuple[httpx.Response | None, dict[str, str]]:
        """Apply the configured per-second and per-day limits for this category."""
        qps = self.faults.qps_limits.get(category)
        daily = self.faults.daily_limits.get(category)
        if qps is None and daily is None:
            return None, {}
        moment = self.clock()
        second = math.floor(moment)
        day = datetime.fromtimestamp(moment, UTC).date()
        used_today = self._daily_counts.get((category, day), 0)
        recent = self._qps_admitted.setdefault(category, deque())
        while recent and moment - recent[0] >= 1.0:
            recent.popleft()
        if self.faults.qps_window == "sliding":
            used_now = len(recent)
        else:
            used_now = self._qps_counts.get((category, second), 0)
        if daily is not None and used_today >= daily:
            return _error(
                429,
                429,
                f"You have exceeded the daily rate limit ({daily}) of {category} API requests "
                "permitted for this account. You may resume these requests at GMT 00:00:00.",
            ), _daily_headers(daily, day)
        if qps is not None and used_now >= qps:
            headers = {
                "X-RateLimit-Type": "QPS",
                "X-RateLimit-Limit": str(qps),
                "X-RateLimit-Remaining": "0",
            }
            if self.faults.qps_retry_after:
                headers["Retry-After"] = "1"
            return _error(
                429,
                429,
                "You have reached the maximum per-second rate limit for this API. Try again later.",
            ), headers
        self._daily_counts[(category, day)] = used_today + 1
        self._qps_counts[(category, second)] = self._qps_counts.get((category, second), 0) + 1
        recent.append(moment)
        for key in [key for key in self._qps_counts if key[1] < second - 1]:
            del self._qps_counts[key]  # only the current window matters
        if daily is not None:
            return None, {
                "X-RateLimit-Limit": str(daily),
                "X-RateLimit-Remaining": str(daily - used_today - 1),
            }
        return None, {
            "X-RateLimit-Limit": str(qps),
            "X-RateLimit-Remaining": str(qps - used_now - 1),
        }

    def _authorise(self, token: _Token, route: _Route, kind: str) -> httpx.Response | None:
        """4711 when neither the granular scope nor its classic one was granted; then the plan."""
        scope = route.scope(kind)
        if scope.name not in token.scopes and scope.classic not in token.scopes:
            return _error(
                400,
                4711,
                "Invalid access token, does not contain scopes:"
                f"[{scope.name}, {scope.name.removesuffix(':admin')}].",
            )
        if kind == "webinar" and not self.scenario.webinar_plan:
            return _error(400, 200, _WEBINAR_PLAN_MISSING)
        return None

    def _count_success(self) -> None:
        self._api_successes += 1
        if self.faults.expire_tokens_after is not None and (
            self._api_successes == self.faults.expire_tokens_after
        ):
            self._expired_through = self.tokens_issued

    # -- helpers --------------------------------------------------------------------------

    def _state(self, event: _Event) -> str:
        current = event.current
        if current.start > self.now:
            return "upcoming"
        if current.end > self.now:
            return "live"
        return "ended"

    def _reportable(self, instance: _Instance) -> bool:
        return (
            instance.end <= self.now - REPORT_DELAY
            and instance.start >= self.now - REPORT_RETENTION
        )

    def _latest_ended(self, event: _Event) -> _Instance | None:
        ended = [instance for instance in event.instances if instance.end <= self.now]
        return ended[-1] if ended else None

    def _find_host(self, user: str) -> dict | None:
        if user == "me":
            return self._hosts[0]
        for host in self._hosts:
            if user == host["id"] or user.lower() == host["email"]:
                return host
        return None

    def _numeric_event(self, raw: str, kind: str) -> tuple[_Event | None, httpx.Response | None]:
        ref = unquote(raw)
        if not ref.isdigit():
            return None, _error(400, 300, f"Invalid {kind} ID.")
        event = self._by_id.get((kind, int(ref)))
        if event is None:
            return None, _error(404, 3001, f"{kind.capitalize()} does not exist: {ref}.")
        return event, None

    def _utc_day(self) -> date:
        return datetime.fromtimestamp(self.clock(), UTC).date()

    def _paginate(
        self,
        path: str,
        query: dict[str, str],
        items: list[dict],
        key: str,
        *,
        page_number: bool,
        view: Callable[[dict], dict] | None = None,
    ) -> httpx.Response:
        """One page of ``items`` with Zoom's pagination fields and a bound next_page_token.

        ``view`` turns each item of the page (only those) into what is sent.
        """
        size = _page_size(query)
        token = query.get("next_page_token", "")
        params = {name: value for name, value in query.items() if name != "next_page_token"}
        if token:
            issued = self._page_tokens.get(token)
            # The token is bound to the path and every other parameter it was issued for.
            if (
                issued is None
                or issued.path != path
                or issued.params != params
                or self.clock() - issued.issued_at > PAGE_TOKEN_TTL
            ):
                return _error(400, 300, "The next page token is invalid or expired.")
            offset = issued.offset
        else:
            try:
                offset = max(int(query.get("page_number", 1)) - 1, 0) * size
            except ValueError:
                offset = 0
        page = items[offset : offset + size]
        if view is not None:
            page = [view(item) for item in page]
        next_token = ""
        if offset + size < len(items):
            next_token = "".join(
                self._runtime_rng.choices(string.ascii_letters + string.digits, k=32)
            )
            self._page_tokens[next_token] = _PageToken(path, params, offset + size, self.clock())
        body: dict = {
            "next_page_token": next_token,
            "page_count": math.ceil(len(items) / size),
            "page_size": size,
            "total_records": len(items),
        }
        if page_number:
            body["page_number"] = offset // size + 1
        body[key] = page
        return _json_response(200, body)

    # -- views ----------------------------------------------------------------------------

    def _event_row(self, event: _Event) -> dict:
        current = event.current
        return {
            "kind": event.kind,
            "id": event.id,
            "uuid": current.uuid,
            "topic": event.topic,
            "host_id": event.host["id"],
            "host_email": event.host["email"],
            "start_time": _iso(current.start),
            "duration": event.duration,
            "timezone": event.timezone,
            "type": event.type,
            "agenda": event.agenda,
            "created_at": _iso(event.created_at),
            "join_url": event.join_url,
            "approval_type": event.approval_type,
            "registration_url": event.registration_url,
            "state": self._state(event),
            "listed": event.listed,
            "tags": event.tags,
            "instances": [
                {
                    "uuid": i.uuid,
                    "start_time": _iso(i.start),
                    "duration": i.duration,
                    "ended": i.end <= self.now,
                    "reportable": self._reportable(i),
                    "participant_rows": len(i.rows),
                }
                for i in event.instances
            ],
            "registrant_counts": {
                status: sum(r["status"] == status for r in event.registrants.values())
                for status in REGISTRANT_STATUSES
            },
        }

    def _list_item(self, event: _Event, instance: _Instance | None = None) -> dict:
        instance = instance or event.current
        item = {
            "uuid": instance.uuid,
            "id": event.id,
            "host_id": event.host["id"],
            "topic": event.topic,
            "type": event.type,
            "start_time": _iso(instance.start),
            "duration": event.duration,
            "timezone": event.timezone,
            "agenda": event.agenda[:250],  # Zoom truncates the agenda in lists
            "created_at": _iso(event.created_at),
            "join_url": event.join_url,
        }
        if event.kind == "webinar":
            item["is_simulive"] = False
        return item

    def _detail(self, event: _Event, instance: _Instance | None, show_previous: bool) -> dict:
        body = self._list_item(event, instance)
        body["agenda"] = event.agenda
        body["host_email"] = event.host["email"]
        body["password"] = event.password
        body["start_url"] = f"https://us06web.zoom.us/s/{event.id}?zak=simulated-host-key"
        if event.registration:
            body["registration_url"] = event.registration_url
        host_name = f"{event.host['first_name']} {event.host['last_name']}"
        settings: dict = {
            "host_video": True,
            "approval_type": event.approval_type,
            "audio": "both",
            "auto_recording": "none",
            "close_registration": False,
            "show_share_button": True,
            "allow_multiple_devices": True,
            "registrants_confirmation_email": True,
            "registrants_email_notification": True,
            "contact_name": host_name,
            "contact_email": event.host["email"],
            "meeting_authentication": False,
            "alternative_hosts": "",
            "enforce_login": False,
        }
        if event.registration:
            settings["registration_type"] = 1
        if event.kind == "webinar":
            settings.update(
                panelists_video=True,
                practice_session=False,
                hd_video=False,
                on_demand=False,
                post_webinar_survey=False,
                email_language="en-US",
            )
        else:
            settings.update(
                participant_video=False,
                join_before_host=False,
                mute_upon_entry=True,
                waiting_room=not event.registration,
                use_pmi=False,
                email_notification=True,
            )
            body["status"] = "started" if self._state(event) == "live" else "waiting"
            body["pre_schedule"] = False
        body["settings"] = settings
        body["creation_source"] = "web_portal"
        if event.recurring:
            starts = [i.start for i in event.instances[:-1]] if show_previous else []
            starts += [s for s in event.upcoming_starts if s > self.now]
            body["occurrences"] = [
                {
                    "occurrence_id": str(int(s.timestamp() * 1000)),
                    "start_time": _iso(s),
                    "duration": event.duration,
                    "status": "available",
                }
                for s in starts
            ]
            body["recurrence"] = {
                "type": 2,
                "repeat_interval": 1,
                "weekly_days": _zoom_weekday(event.current.start),
                "end_times": len(event.instances) - 1 + len(event.upcoming_starts),
            }
        return body

    def _registrant_view(self, event: _Event, registrant: dict, *, single: bool) -> dict:
        view = {name: value for name, value in registrant.items() if not name.startswith("_")}
        view["custom_questions"] = [dict(q) for q in registrant["custom_questions"]]
        if single and event.kind == "webinar":
            view["language"] = "en-US"
        return view

    # -- handlers -------------------------------------------------------------------------

    def _list_events(self, request, match, path, query, kind) -> httpx.Response:
        user = unquote(match["user"])
        host = self._find_host(user)
        if host is None:
            return _error(404, 1001, f"User does not exist: {user}.")
        choice = query.get("type", "scheduled")
        wanted = {
            "scheduled": ("upcoming", "live", "ended"),
            "upcoming": ("upcoming", "live"),
        }
        if kind == "meeting":
            wanted.update(
                live=("live",), upcoming_meetings=("upcoming", "live"), previous_meetings=("ended",)
            )
        if choice not in wanted:
            return _error(
                400,
                300,
                "Invalid field.",
                errors=[{"field": "type", "message": f"Invalid value: {choice}."}],
            )
        items = [
            self._list_item(event)
            for event in self._events
            if event.kind == kind
            and event.host is host
            and event.listed
            and self._state(event) in wanted[choice]
        ]
        return self._paginate(path, query, items, f"{kind}s", page_number=True)

    def _get_event(self, request, match, path, query, kind) -> httpx.Response:
        raw = match["eid"]
        ref = _decode_event_ref(raw)
        event, instance = None, None
        if ref is not None and ref.isdigit():
            event = self._by_id.get((kind, int(ref)))
        elif ref is not None:
            event, instance = self._by_uuid.get((kind, ref), (None, None))
        if event is None:
            return _error(404, 3001, f"{kind.capitalize()} does not exist: {ref or unquote(raw)}.")
        show_previous = query.get("show_previous_occurrences", "").lower() == "true"
        return _json_response(200, self._detail(event, instance, show_previous))

    def _list_registrants(self, request, match, path, query, kind) -> httpx.Response:
        event, error = self._numeric_event(match["eid"], kind)
        if error:
            return error
        status = query.get("status", "approved")
        if status not in REGISTRANT_STATUSES:
            return _error(
                400,
                300,
                "Invalid field.",
                errors=[{"field": "status", "message": f"Invalid value: {status}."}],
            )
        # An event without registration simply has no registrants here (UNCONFIRMED: Zoom may
        # answer an error instead).
        items = [r for r in event.registrants.values() if r["status"] == status]
        return self._paginate(
            path,
            query,
            items,
            "registrants",
            page_number=True,
            view=lambda r: self._registrant_view(event, r, single=False),
        )

    def _get_registrant(self, request, match, path, query, kind) -> httpx.Response:
        event, error = self._numeric_event(match["eid"], kind)
        if error:
            return error
        registrant_id = unquote(match["rid"])
        registrant = event.registrants.get(registrant_id)
        if registrant is None:
            return _registrant_not_found(kind, registrant_id)
        return _json_response(200, self._registrant_view(event, registrant, single=True))

    def _add_registrant(self, request, match, path, query, kind) -> httpx.Response:
        event, error = self._numeric_event(match["eid"], kind)
        if error:
            return error
        if not event.registration:
            return _registration_off(event)
        if kind == "webinar" and self._state(event) == "ended" and not event.recurring:
            # The spec lists 3038 for webinars only; for meetings it documents no such error.
            return _error(
                400,
                3038,
                "Webinar is over, you cannot register now. If you have "
                "any questions, contact the webinar host.",
            )
        body = _json_body(request)
        if not isinstance(body, dict):
            return _error(400, 300, "Request Body should be a valid JSON object.")
        problems = []
        email = body.get("email")
        if not isinstance(email, str) or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            problems.append({"field": "email", "message": "Invalid field."})
        first_name = body.get("first_name")
        if not isinstance(first_name, str) or not first_name.strip():
            problems.append({"field": "first_name", "message": "Invalid field."})
        if problems:
            return _error(400, 300, "Validation Failed.", errors=problems)
        if email.lower() == event.host["email"]:
            return _error(400, 3027, "Host cannot register.")
        key = (kind, event.id, email.lower(), self._utc_day())
        if self._adds.get(key, 0) >= ADDS_PER_REGISTRANT_PER_DAY:
            refused = _error(
                429,
                429,
                f"You have exceeded the daily rate limit ({ADDS_PER_REGISTRANT_PER_DAY}) of Add "
                f"{kind} registrant API requests permitted for this particular registrant. "
                "You may resume these requests at GMT 00:00:00.",
            )
            # These override the category's Limit/Remaining: the limit hit is this one.
            refused.headers.update(_daily_headers(ADDS_PER_REGISTRANT_PER_DAY, key[3]))
            return refused
        self._adds[key] = self._adds.get(key, 0) + 1
        registrant = next(
            (r for r in event.registrants.values() if r["email"].lower() == email.lower()), None
        )
        if registrant is None:
            # Registering the same e-mail again returns the existing registration, as Zoom does.
            person = {
                "first_name": first_name.strip(),
                "last_name": str(body.get("last_name") or "").strip(),
                "email": email.strip(),
                "country": str(body.get("country") or ""),
                "org": str(body.get("org") or ""),
                "job_title": str(body.get("job_title") or ""),
            }
            registrant = _registrant(
                self._opaque(22),
                person,
                "approved" if event.approval_type == 0 else "pending",
                datetime.fromtimestamp(self.clock(), UTC),
                event,
                self._opaque(43),
                self._runtime_rng.randint(100_000, 999_999),
            )
            event.registrants[registrant["id"]] = registrant
        answer = {
            "id": event.id,
            "registrant_id": registrant["id"],
            "join_url": registrant["join_url"],
            "topic": event.topic,
            "start_time": _iso(event.current.start),
        }
        if event.recurring:
            answer["occurrences"] = [
                {
                    "occurrence_id": str(int(s.timestamp() * 1000)),
                    "start_time": _iso(s),
                    "duration": event.duration,
                    "status": "available",
                }
                for s in event.upcoming_starts
                if s > self.now
            ]
        if kind == "meeting":
            answer["participant_pin_code"] = registrant["participant_pin_code"]
        return _json_response(201, answer)

    def _delete_registrant(self, request, match, path, query, kind) -> httpx.Response:
        event, error = self._numeric_event(match["eid"], kind)
        if error:
            return error
        registrant_id = unquote(match["rid"])
        if registrant_id not in event.registrants:
            return _registrant_not_found(kind, registrant_id)
        del event.registrants[registrant_id]
        return httpx.Response(204)

    def _update_status(self, request, match, path, query, kind) -> httpx.Response:
        event, error = self._numeric_event(match["eid"], kind)
        if error:
            return error
        if not event.registration:
            return _registration_off(event)
        body = _json_body(request)
        if not isinstance(body, dict):
            return _error(400, 300, "Request Body should be a valid JSON object.")
        action = body.get("action")
        if action not in STATUS_ACTIONS:
            return _error(
                400,
                300,
                "Validation Failed.",
                errors=[{"field": "action", "message": "Invalid field."}],
            )
        wanted = body.get("registrants")
        if (
            not isinstance(wanted, list)
            or not wanted
            or not all(isinstance(entry, dict) for entry in wanted)
        ):
            return _error(
                400,
                300,
                "Validation Failed.",
                errors=[{"field": "registrants", "message": "Invalid field."}],
            )
        if len(wanted) > MAX_STATUS_BATCH:
            return _error(400, 300, "The number of registrants can not exceed 30.")
        by_email = {r["email"].lower(): r for r in event.registrants.values()}
        for entry in wanted:
            registrant = event.registrants.get(str(entry.get("id") or "")) or by_email.get(
                str(entry.get("email") or "").lower()
            )
            if registrant is None:
                continue  # Zoom answers 204 and skips unknown registrants
            new_status = STATUS_ACTIONS[action]
            if new_status is None:
                del event.registrants[registrant["id"]]
            else:
                registrant["status"] = new_status
        return httpx.Response(204)

    def _report(self, request, match, path, query, kind) -> httpx.Response:
        raw = match["eid"]
        ref = _decode_event_ref(raw)
        shown = ref if ref is not None else unquote(raw)
        if kind == "webinar":
            not_found = _error(404, 3001, f'Webinar "{shown}" not found or has expired')
        else:
            not_found = _error(404, 3001, f"Meeting {shown} not found or has expired.")
        if ref is None:
            return not_found
        if ref.isdigit():
            event = self._by_id.get((kind, int(ref)))
            instance = self._latest_ended(event) if event else None
        else:
            event, instance = self._by_uuid.get((kind, ref), (None, None))
        if event is None or instance is None:
            return not_found
        if instance.start < self.now - REPORT_RETENTION:
            article = "a webinar" if kind == "webinar" else "meeting"
            return _error(400, 12702, f"Can not access {article} a year ago.")
        if instance.end > self.now - REPORT_DELAY:
            return not_found  # not ended, or ended too recently for the report to exist
        include = {part.strip() for part in query.get("include_fields", "").split(",")}

        def view(row: dict) -> dict:
            row = dict(row)
            if "registrant_id" not in include:
                del row["registrant_id"]
            return row

        return self._paginate(
            path, query, instance.rows, "participants", page_number=False, view=view
        )


def _registration_off(event: _Event) -> httpx.Response:
    """Code 3000 on an event without registration, in the spec's words for each kind."""
    if event.kind == "webinar":
        return _error(
            400, 3000, f"This webinar does not have registration as required: {event.id}."
        )
    return _error(400, 3000, "Cannot access meeting info.")


def _registrant_not_found(kind: str, registrant_id: str) -> httpx.Response:
    if kind == "webinar":
        return _error(404, 3079, f"This registrant does not exist: {registrant_id}.")
    return _error(404, 3000, f"Registrant {registrant_id} was not found.")


def _daily_headers(limit: int, day: date) -> dict[str, str]:
    return {
        "X-RateLimit-Type": "Daily-limit",
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": "0",
        "Retry-After": _next_midnight(day),
    }


def _json_body(request: httpx.Request) -> object:
    try:
        return json.loads(request.content or b"null")
    except ValueError:
        return None


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except ValueError:
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None


def category_of(method: str, path: str) -> str | None:
    """Zoom's rate category of a request to ``path`` (raw, with /v2), None off the REST API."""
    route, _ = _match_route(method.upper(), path.partition("?")[0])
    return route.category if route is not None else None


def _match_route(method: str, path: str) -> tuple[_Route | None, re.Match | None]:
    """The route for (method, path); (None, match) when only the method is wrong."""
    path_match = None
    for route in _ROUTES:
        match = route.pattern.fullmatch(path)
        if match is None:
            continue
        if route.method == method:
            return route, match
        path_match = path_match or match
    return None, path_match


# ---------------------------------------------------------------------------------------------
# The loopback HTTP server


class _RequestHandler(BaseHTTPRequestHandler):
    """Turns each HTTP request into an httpx.Request for the simulator, raw path intact."""

    sim: SimulatedZoom
    protocol_version = "HTTP/1.1"

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host, port = self.server.server_address[:2]
        netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        try:
            # self.path is the request target exactly as sent: percent-escapes are kept.
            request = httpx.Request(
                self.command,
                f"http://{netloc}{self.path}",
                headers=list(self.headers.items()),
                content=body,
            )
            response = self.sim.handle(request)
            content = response.content
            status, headers = response.status_code, response.headers.multi_items()
        except Exception as exc:  # a simulator bug must not kill the server thread
            content = json.dumps({"code": 500, "message": f"Simulator error: {exc!r}"}).encode()
            status, headers = 500, [("Content-Type", "application/json")]
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward

    def log_message(self, format: str, *args: object) -> None:
        """Silenced: the default writes a line to stderr per request."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse lookup that can wait on DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), port


class _HTTPServerV6(_HTTPServer):
    address_family = socket.AF_INET6


def _loopback(host: str) -> str:
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        raise ValueError(
            f"The simulator serves on loopback only (127.0.0.1, ::1); refusing host {host!r}."
        )
    return str(address)


class SimulatorServer:
    """A real HTTP server on loopback answering from a SimulatedZoom, in a daemon thread."""

    def __init__(self, sim: SimulatedZoom, host: str = "127.0.0.1", port: int = 0):
        host = _loopback(host)
        handler = type("SimRequestHandler", (_RequestHandler,), {"sim": sim})
        server_class = _HTTPServerV6 if ":" in host else _HTTPServer
        self._httpd = server_class((host, port), handler)
        bound_port = self._httpd.server_address[1]
        netloc = f"[{host}]:{bound_port}" if ":" in host else f"{host}:{bound_port}"
        self.sim = sim
        self.host = host
        self.port = bound_port
        self.url = f"http://{netloc}"
        self.oauth_url = self.url + "/oauth/token"
        self.api_url = self.url + "/v2"
        sim.api_url = self.url  # the token's api_url now points here, not at zoom.us
        self._closed = False
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"zoom-simulator-{bound_port}",
            daemon=True,
        )
        self._thread.start()

    def close(self) -> None:
        """Stop serving, close the socket and join the thread. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def wait(self) -> None:
        """Block until Ctrl-C (for the CLI), then close."""
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.close()

    def __enter__(self) -> SimulatorServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def serve(sim: SimulatedZoom, host: str = "127.0.0.1", port: int = 0) -> SimulatorServer:
    """Serve ``sim`` over HTTP on a loopback address (port 0 picks a free port)."""
    return SimulatorServer(sim, host, port)
