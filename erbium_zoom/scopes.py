"""The 17 scopes the ERBIUM app needs, and the check of a token's scope string against them.

Pure data and pure functions: no I/O. Endpoints, classic equivalents and rate categories come
from Zoom's OpenAPI spec (``x-granular-scopes`` / ``x-macro-scopes``), see
../shared/docs/zoom-api.md §2.
"""

from __future__ import annotations

from dataclasses import dataclass

GROUPS: tuple[str, ...] = ("webinar", "meeting", "report")
GROUP_TITLES = {"webinar": "Webinar", "meeting": "Meeting", "report": "Report"}

GRANTED = "granted"
CLASSIC = "classic"
MISSING = "missing"


@dataclass(frozen=True)
class RequiredScope:
    """One scope the ERBIUM app must be granted, with what it unlocks."""

    name: str
    group: str
    method: str | None
    path: str | None
    classic: str | None
    unlocks: str

    @property
    def endpoint(self) -> str | None:
        return f"{self.method} {self.path}" if self.method else None


def _scope(name, group, method, path, classic, unlocks) -> RequiredScope:
    return RequiredScope(name, group, method, path, classic, unlocks)


NO_ENDPOINT_NOTE = (
    "Required by Erbium, but no Zoom endpoint could be confirmed for this scope (it is not in "
    "Zoom's API spec). If the Marketplace scope picker does not offer it, tell Erbium support."
)

REQUIRED_SCOPES: tuple[RequiredScope, ...] = (
    _scope(
        "webinar:read:webinar:admin",
        "webinar",
        "GET",
        "/webinars/{webinarId}",
        "webinar:read:admin",
        "Webinar details",
    ),
    _scope(
        "webinar:read:list_webinars:admin",
        "webinar",
        "GET",
        "/users/{userId}/webinars",
        "webinar:read:admin",
        "Listing webinars (Events page)",
    ),
    _scope(
        "webinar:read:registrant:admin",
        "webinar",
        "GET",
        "/webinars/{webinarId}/registrants/{registrantId}",
        "webinar:read:admin",
        "One webinar registrant's details",
    ),
    _scope(
        "webinar:read:list_registrants:admin",
        "webinar",
        "GET",
        "/webinars/{webinarId}/registrants",
        "webinar:read:admin",
        "Webinar registrant lists and counts",
    ),
    _scope(
        "webinar:write:registrant:admin",
        "webinar",
        "POST",
        "/webinars/{webinarId}/registrants",
        "webinar:write:admin",
        "Adding webinar registrants",
    ),
    _scope(
        "webinar:delete:registrant:admin",
        "webinar",
        "DELETE",
        "/webinars/{webinarId}/registrants/{registrantId}",
        "webinar:write:admin",
        "Deleting webinar registrants",
    ),
    _scope(
        "webinar:update:registrant_status:admin",
        "webinar",
        "PUT",
        "/webinars/{webinarId}/registrants/status",
        "webinar:write:admin",
        "Approving, denying and cancelling webinar registrants",
    ),
    _scope(
        "meeting:read:meeting:admin",
        "meeting",
        "GET",
        "/meetings/{meetingId}",
        "meeting:read:admin",
        "Meeting details",
    ),
    _scope(
        "meeting:read:list_meetings:admin",
        "meeting",
        "GET",
        "/users/{userId}/meetings",
        "meeting:read:admin",
        "Listing meetings (Events page)",
    ),
    _scope(
        "meeting:read:registrant:admin",
        "meeting",
        "GET",
        "/meetings/{meetingId}/registrants/{registrantId}",
        "meeting:read:admin",
        "One meeting registrant's details",
    ),
    _scope(
        "meeting:read:list_registrants:admin",
        "meeting",
        "GET",
        "/meetings/{meetingId}/registrants",
        "meeting:read:admin",
        "Meeting registrant lists and counts",
    ),
    _scope("meeting:write:participant:admin", "meeting", None, None, None, NO_ENDPOINT_NOTE),
    _scope(
        "meeting:write:registrant:admin",
        "meeting",
        "POST",
        "/meetings/{meetingId}/registrants",
        "meeting:write:admin",
        "Adding meeting registrants",
    ),
    _scope(
        "meeting:delete:registrant:admin",
        "meeting",
        "DELETE",
        "/meetings/{meetingId}/registrants/{registrantId}",
        "meeting:write:admin",
        "Deleting meeting registrants",
    ),
    _scope(
        "meeting:update:registrant_status:admin",
        "meeting",
        "PUT",
        "/meetings/{meetingId}/registrants/status",
        "meeting:write:admin",
        "Approving, denying and cancelling meeting registrants",
    ),
    _scope(
        "report:read:list_webinar_participants:admin",
        "report",
        "GET",
        "/report/webinars/{webinarId}/participants",
        "report:read:admin",
        "Webinar attendance (Attendance page)",
    ),
    _scope(
        "report:read:list_meeting_participants:admin",
        "report",
        "GET",
        "/report/meetings/{meetingId}/participants",
        "report:read:admin",
        "Meeting attendance (Attendance page)",
    ),
)

SCOPES_BY_NAME = {scope.name: scope for scope in REQUIRED_SCOPES}
CLASSIC_SCOPES = tuple(sorted({s.classic for s in REQUIRED_SCOPES if s.classic}))


@dataclass(frozen=True)
class ScopeStatus:
    """The verdict on one required scope for one token."""

    scope: RequiredScope
    status: str  # GRANTED | CLASSIC | MISSING

    @property
    def satisfied(self) -> bool:
        return self.status != MISSING

    @property
    def note(self) -> str | None:
        return NO_ENDPOINT_NOTE if self.scope.endpoint is None else None


@dataclass(frozen=True)
class ScopeReport:
    """All 17 verdicts for one token's scope string."""

    statuses: tuple[ScopeStatus, ...]

    @property
    def missing(self) -> list[str]:
        return [s.scope.name for s in self.statuses if not s.satisfied]

    @property
    def ok(self) -> bool:
        return not self.missing

    def group_counts(self) -> dict[str, tuple[int, int]]:
        """{"webinar": (satisfied, total), ...} in GROUPS order."""
        counts = {}
        for group in GROUPS:
            in_group = [s for s in self.statuses if s.scope.group == group]
            counts[group] = (sum(s.satisfied for s in in_group), len(in_group))
        return counts

    def summary(self) -> str:
        """E.g. 'Webinar 7/7 · Meeting 6/8 · Report 0/2'."""
        return " · ".join(
            f"{GROUP_TITLES[group]} {done}/{total}"
            for group, (done, total) in self.group_counts().items()
        )


def parse_scope_string(scope: str | None) -> set[str]:
    """The token's ``scope`` field is one space-separated string; it may be absent."""
    return set((scope or "").split())


def classify_scopes(scope: str | None) -> ScopeReport:
    """Each required scope is granted, satisfied by its classic scope, or missing."""
    granted = parse_scope_string(scope)
    statuses = []
    for required in REQUIRED_SCOPES:
        if required.name in granted:
            status = GRANTED
        elif required.classic and required.classic in granted:
            status = CLASSIC
        else:
            status = MISSING
        statuses.append(ScopeStatus(required, status))
    return ScopeReport(tuple(statuses))
