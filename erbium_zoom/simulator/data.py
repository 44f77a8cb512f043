"""The simulated account's data model: events, their occurrences, registrants.

builder.py fills these from a seed; account.py serves them. An :class:`_Event` is a webinar
or meeting with its occurrences (:class:`_Instance`, each with its UUID and participant
report rows) and its registrants (dicts with Zoom's field names, made by :func:`_registrant`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

REGISTRANT_STATUSES = ("approved", "pending", "denied")

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


def _iso(moment: datetime) -> str:
    """Zoom's timestamp format: ISO-8601 UTC with a Z (whole seconds)."""
    # isoformat rather than strftime: the same text, several times faster for large reports.
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat() + "Z"


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
