"""The account's generated data: hosts, people, events, registrants and participant reports.

A company (companies.py) says whose account it is: its hosts, its audience and the plan of its
events. Everything else comes from one ``random.Random`` (the seed plus the company's offset)
anchored at ``now``, in a fixed order, so one (company, seed, now) always gives the same
account; :func:`_generated_account` builds it once per (company, seed, now, workload) and
SimulatedZoom copies what can change (the registrants).
"""

from __future__ import annotations

import base64
import functools
import random
import string
from datetime import UTC, datetime, timedelta

from erbium_zoom.simulator.companies import COMPANIES, DEFAULT_COMPANY, Company, Slot
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
    "America/Toronto": -5,
    "America/Chicago": -6,
    "America/Denver": -7,
    "America/Los_Angeles": -8,
    "America/Sao_Paulo": -3,
    "Europe/London": 0,
    "Europe/Paris": 1,
    "Europe/Berlin": 1,
    "Europe/Madrid": 1,
    "Europe/Stockholm": 1,
    "Asia/Kolkata": 5.5,
    "Asia/Singapore": 8,
    "Asia/Tokyo": 9,
    "Australia/Sydney": 10,
}

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
# Registrants come from outside the client (its customers and partners): reserved domains.
_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com", "corp.example.org")
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


class _Builder:
    """Generates the whole account from one ``random.Random``: same seed, same account."""

    def __init__(self, rng: random.Random, now: datetime, company: Company):
        self.rng = rng
        self.now = now
        self.company = company
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

    def starts(self, slot: Slot) -> datetime:
        return self.start(slot.days, slot.at, slot.host)

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
        audience = self.company.audience
        return {
            "first_name": first,
            "last_name": last,
            "email": email,
            "participant_user_id": self.opaque() if logged_in else "",
            "country": self.rng.choice(audience.countries),
            "org": self.rng.choice(audience.orgs),
            "job_title": self.rng.choice(audience.jobs),
        }

    def build_people(self, count: int) -> None:
        for _ in range(count):
            self.people.append(
                self.person(self.rng.choice(_FIRST_NAMES), self.rng.choice(_LAST_NAMES))
            )

    def build_hosts(self) -> None:
        for first, last, tz in self.company.hosts:
            email = f"{first}.{last}@{self.company.domain}".lower()
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
            agenda=f"{topic}. Hosted by {host_row['first_name']} {host_row['last_name']}, "
            f"{self.company.name}. Bring your questions: the last ten minutes are open Q&A.",
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

    def past(
        self,
        kind: str,
        slot: Slot,
        *,
        start: datetime | None = None,
        uuid_shape: str = "plain",
        tags: tuple[str, ...] = (),
        listed: bool = True,
        **attendance: float,
    ) -> _Event:
        """A past event of the plan with its registrants and report (or its walk-ins)."""
        start = start or self.starts(slot)
        event = self.event(
            kind,
            slot.topic,
            slot.host,
            start,
            slot.minutes,
            slot.approval,
            uuid_shape=uuid_shape,
            tags=tags,
            listed=listed,
        )
        if event.registration:
            approved = self.with_registrants(event, *slot.counts)
            attendees = self.rng.sample(approved, slot.attending)
            self.attend(event, event.current, attendees, slot.guests, **attendance)
        else:
            self._walk_ins(event, slot.attending, slot.guests)
        return event

    def build(self) -> None:
        """The whole account; the order of these calls is part of what the seed determines."""
        rng, plan = self.rng, self.company
        self.build_hosts()
        self.build_people(plan.people_needed)

        for kind, slots in (
            ("webinar", plan.upcoming_webinars),
            ("meeting", plan.upcoming_meetings),
        ):
            for slot in slots:
                upcoming = self.event(
                    kind, slot.topic, slot.host, self.starts(slot), slot.minutes, slot.approval
                )
                if any(slot.counts):
                    self.with_registrants(upcoming, *slot.counts)
        live = plan.live
        live_start = self.now - timedelta(minutes=20)
        self.event("meeting", live.topic, live.host, live_start, live.minutes, 2, tags=("live",))

        # fmt: off
        # (The event calls below are laid out by hand: one event's arguments per line or two.)

        # A weekly series (type 8): four past occurrences with their own UUIDs and reports,
        # then the next one. Registration covers every occurrence.
        weekly = plan.series
        anchor = self.starts(weekly)
        series = self.event("meeting", weekly.topic, weekly.host, anchor, weekly.minutes,
                            weekly.approval, tags=("recurring",), type_=8)
        series.created_at = anchor - timedelta(days=45)
        past = [_Instance(self.uuid(), anchor + timedelta(days=7 * k), weekly.minutes)
                for k in range(-4, 0)]
        series.instances = past + series.instances
        series.upcoming_starts = [anchor + timedelta(days=7 * k) for k in range(6)]
        approved = self.with_registrants(series, *weekly.counts)
        for n, instance in enumerate(past):
            self.attend(series, instance, rng.sample(approved, weekly.attending + 4 * n),
                        guests=n % 3)

        # Past webinars.
        self.past("webinar", plan.keynote, tags=("large",), rejoin=0.15)

        # Two different people with one name register first (both approved, both attend).
        first, last = plan.namesakes
        twins = [self.person(first, last, "example.com"), self.person(first, last, "example.org")]
        slot = plan.masterclass
        masterclass = self.event(
            "webinar", slot.topic, slot.host, self.starts(slot), slot.minutes, slot.approval,
            uuid_shape="leading_slash", tags=("slash_uuid", "same_name"),
        )
        approved = self.with_registrants(masterclass, *slot.counts, first=twins)
        attendees = approved[2:]
        rng.shuffle(attendees)
        self.attend(
            masterclass, masterclass.current, attendees[:slot.attending] + approved[:2],
            guests=slot.guests, late=0.15, early=0.15, rejoin=0.2,
        )
        for slot in plan.past_webinars:
            self.past("webinar", slot)
        self.past("webinar", plan.old_webinar, tags=("too_old",), listed=False)

        # Past meetings.
        self.past("meeting", plan.board, uuid_shape="double_slash", tags=("double_slash_uuid",))
        for slot in plan.past_meetings:
            self.past("meeting", slot)
        self.past("meeting", plan.walk_in, tags=("no_registration",))
        # Ended ten minutes ago: its report is not ready yet.
        ended = self.now - timedelta(minutes=plan.just_ended.minutes + 10)
        self.past("meeting", plan.just_ended, start=ended, tags=("not_ready",))
        self.past("meeting", plan.old_meeting, tags=("too_old",), listed=False)
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

    def _walk_ins(self, event: _Event, count: int, guests: int) -> None:
        """Report rows for a meeting without registration: people and guests, no ids."""
        people = [{"_person": person, "id": ""} for person in self.rng.sample(self.people, count)]
        self.attend(event, event.current, people, guests=guests)


@functools.lru_cache(maxsize=16)  # the six demo clients, and a few more for the tests
def _generated_account(
    seed: int, now: datetime, workload: Workload | None = None, company: str = DEFAULT_COMPANY
) -> tuple[tuple[dict, ...], tuple[_Event, ...]]:
    """The company's account for (seed, now), built once: generation takes tens of milliseconds."""
    plan = COMPANIES[company]
    builder = _Builder(random.Random(seed + plan.seed_offset), now, plan)
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
