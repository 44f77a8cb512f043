"""The account's generated data: hosts, people, events, registrants and participant reports.

Everything comes from one ``random.Random(seed)`` anchored at ``now``, in a fixed order, so
one (seed, now) pair always gives the same account; :func:`_generated_account` builds it once
per (seed, now, workload) and SimulatedZoom copies what can change (the registrants).
"""

from __future__ import annotations

import base64
import functools
import random
import string
from datetime import UTC, datetime, timedelta

from erbium_zoom.simulator.data import (
    Workload,
    _Event,
    _Instance,
    _iso,
    _registrant,
)

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
