"""Typed rows for what Zoom returns: small frozen dataclasses built from Zoom's JSON.

Pure: no I/O. Field names follow Zoom's; unknown fields are ignored, absent ones become None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    """Webinars and meetings share most endpoints under a different path segment."""

    WEBINAR = "webinar"
    MEETING = "meeting"

    @property
    def plural(self) -> str:
        return f"{self.value}s"

    @property
    def title(self) -> str:
        return self.value.capitalize()


REGISTRANT_STATUSES: tuple[str, ...] = ("approved", "pending", "denied")
STATUS_ACTIONS: tuple[str, ...] = ("approve", "deny", "cancel")


def parse_time(value: Any) -> datetime | None:
    """Zoom's ISO-8601 UTC strings ('2025-03-15T10:00:00Z') as aware datetimes."""
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Event:
    """A webinar or a meeting, from a list or a get."""

    kind: EventKind
    id: int
    uuid: str
    topic: str
    type: int | None
    start_time: datetime | None
    duration: int | None  # minutes
    timezone: str | None
    join_url: str | None
    host_id: str | None
    agenda: str | None = None
    created_at: datetime | None = None
    host_email: str | None = None
    registration_url: str | None = None
    approval_type: int | None = None  # 0 auto, 1 manual, 2 no registration
    status: str | None = None
    registrants_restrict_number: int | None = None  # webinars: 0 or None, no cap

    @property
    def registration_enabled(self) -> bool | None:
        """None when unknown (list answers do not carry settings)."""
        if self.approval_type is None:
            return True if self.registration_url else None
        return self.approval_type in (0, 1)

    @classmethod
    def from_api(cls, kind: EventKind, data: dict) -> Event:
        settings = data.get("settings") or {}
        return cls(
            kind=kind,
            id=_int(data.get("id")) or 0,
            uuid=str(data.get("uuid") or ""),
            topic=str(data.get("topic") or ""),
            type=_int(data.get("type")),
            start_time=parse_time(data.get("start_time")),
            duration=_int(data.get("duration")),
            timezone=data.get("timezone"),
            join_url=data.get("join_url"),
            host_id=data.get("host_id"),
            agenda=data.get("agenda"),
            created_at=parse_time(data.get("created_at")),
            host_email=data.get("host_email"),
            registration_url=data.get("registration_url"),
            approval_type=_int(settings.get("approval_type")),
            status=data.get("status"),
            registrants_restrict_number=_int(settings.get("registrants_restrict_number")),
        )


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of a recurring webinar or meeting."""

    occurrence_id: str
    start_time: datetime
    duration: int | None  # minutes
    status: str | None

    @classmethod
    def from_api(cls, data: dict) -> Occurrence | None:
        start = parse_time(data.get("start_time")) if isinstance(data, dict) else None
        if start is None:
            return None
        return cls(
            occurrence_id=str(data.get("occurrence_id") or ""),
            start_time=start,
            duration=_int(data.get("duration")),
            status=data.get("status"),
        )


@dataclass(frozen=True)
class Registrant:
    """One registrant of a webinar or meeting."""

    id: str
    email: str
    first_name: str
    last_name: str
    status: str
    create_time: datetime | None
    join_url: str | None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @classmethod
    def from_api(cls, data: dict, status: str | None = None) -> Registrant:
        return cls(
            id=str(data.get("id") or ""),
            email=str(data.get("email") or ""),
            first_name=str(data.get("first_name") or ""),
            last_name=str(data.get("last_name") or ""),
            status=str(data.get("status") or status or ""),
            create_time=parse_time(data.get("create_time")),
            join_url=data.get("join_url"),
        )


@dataclass(frozen=True)
class RegistrantCounts:
    """Registrants per status, from ``total_records``."""

    approved: int
    pending: int
    denied: int

    @property
    def total(self) -> int:
        return self.approved + self.pending + self.denied


@dataclass(frozen=True)
class NewRegistrant:
    """What to send when adding a registrant (Zoom requires email and first_name)."""

    email: str
    first_name: str
    last_name: str = ""

    def to_api(self) -> dict:
        body = {"email": self.email.strip(), "first_name": self.first_name.strip()}
        if self.last_name.strip():
            body["last_name"] = self.last_name.strip()
        return body


@dataclass(frozen=True)
class AddedRegistrant:
    """Zoom's 201 answer to adding a registrant."""

    event_id: int
    registrant_id: str
    join_url: str | None
    topic: str | None

    @classmethod
    def from_api(cls, data: dict) -> AddedRegistrant:
        return cls(
            event_id=_int(data.get("id")) or 0,
            registrant_id=str(data.get("registrant_id") or ""),
            join_url=data.get("join_url"),
            topic=data.get("topic"),
        )


@dataclass(frozen=True)
class SkippedRegistrant:
    """A selected registrant a status change was not sent for, and why (in words)."""

    registrant: Registrant
    reason: str


@dataclass(frozen=True)
class StatusUpdateResult:
    """What a registrant status update did: how many, in how many calls of at most 30, and
    which selected registrants it was not sent for (see :mod:`erbium_zoom.registrant_actions`)."""

    action: str
    updated: int
    calls: int
    skipped: tuple[SkippedRegistrant, ...] = ()


@dataclass(frozen=True)
class Participant:
    """One join session from a participant report (a rejoin is another row)."""

    participant_user_id: str
    user_id: str
    name: str
    user_email: str
    join_time: datetime | None
    leave_time: datetime | None
    duration: int  # seconds, for this join session
    registrant_id: str
    status: str | None
    failover: bool = False

    @classmethod
    def from_api(cls, data: dict) -> Participant:
        return cls(
            participant_user_id=str(data.get("participant_user_id") or data.get("id") or ""),
            user_id=str(data.get("user_id") or ""),
            name=str(data.get("name") or ""),
            user_email=str(data.get("user_email") or ""),
            join_time=parse_time(data.get("join_time")),
            leave_time=parse_time(data.get("leave_time")),
            duration=_int(data.get("duration")) or 0,
            registrant_id=str(data.get("registrant_id") or ""),
            status=data.get("status"),
            failover=bool(data.get("failover", False)),
        )


@dataclass(frozen=True)
class TokenInfo:
    """A Server-to-Server OAuth token. ``access_token`` never shows in a repr."""

    access_token: str = field(repr=False)
    scope: str
    expires_in: int
    api_url: str | None
    fetched_at: datetime
    expires_at: datetime


@dataclass
class ChangeOutcome:
    """Zoom's answer to one change, filled in by the call (for the activity record)."""

    status: str = ""
    message: str = ""
    registrant_ids: list[str] = field(default_factory=list)

    def answered(self, status: int, reason: str) -> None:
        self.status = f"{status} {reason}".strip()
