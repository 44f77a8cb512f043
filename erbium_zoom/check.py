"""The connection check: can these credentials get a token, and does it carry the 17 scopes?

Used by ``python -m erbium_zoom check`` and by the dashboard. One fresh token request per check
(Zoom lags a few seconds behind scope changes, so a cached token would show stale scopes); no
other call. Exit codes: 0 all scopes satisfied, 1 authenticated with scopes missing, 2 cannot
authenticate or the configuration is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

from erbium_zoom.auth import TokenCache
from erbium_zoom.client import ZoomClient
from erbium_zoom.config import Credentials, Settings
from erbium_zoom.errors import (
    ConfigError,
    EventNotFound,
    MissingScope,
    PlanRequired,
    SecretStoreError,
    ZoomError,
    error_summary,
    user_message,
)
from erbium_zoom.profiles import Profile, ProfileStore
from erbium_zoom.scopes import CLASSIC, GRANTED, GROUP_TITLES, GROUPS, ScopeReport

EXIT_OK = 0
EXIT_SCOPES_MISSING = 1
EXIT_CANNOT_AUTHENTICATE = 2


@dataclass
class CheckResult:
    """The outcome of checking one set of credentials."""

    account_id: str
    profile: str | None = None
    report: ScopeReport | None = None
    api_url: str | None = None
    expires_at: datetime | None = None
    error: BaseException | None = None
    warnings: list[str] = field(default_factory=list)
    checked_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    plan: list[PlanProbe] = field(default_factory=list)  # filled when asked for

    @property
    def ok(self) -> bool:
        return self.error is None and self.report is not None and self.report.ok

    @property
    def exit_code(self) -> int:
        if self.error is not None or self.report is None:
            return EXIT_CANNOT_AUTHENTICATE
        return EXIT_OK if self.report.ok else EXIT_SCOPES_MISSING

    def to_dict(self) -> dict:
        """The JSON shape documented in the README (one entry of ``results``)."""
        statuses = self.report.statuses if self.report else ()
        return {
            "profile": self.profile,
            "ok": self.ok,
            "account_id": self.account_id,
            "api_url": self.api_url,
            "scopes": [
                {"scope": s.scope.name, "group": s.scope.group, "status": s.status}
                for s in statuses
            ],
            "missing": self.report.missing if self.report else [],
            "error": error_summary(self.error) if self.error is not None else None,
        }


def check_credentials(
    credentials: Credentials,
    settings: Settings | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
    token_cache: TokenCache | None = None,
    profile: str | None = None,
    warnings: list[str] | None = None,
    with_plan: bool = False,
) -> CheckResult:
    """Fetch a fresh token and classify its scopes. Never raises a ZoomError: it is recorded."""
    with ZoomClient(credentials, settings, transport=transport, token_cache=token_cache) as client:
        return check_with_client(client, profile=profile, warnings=warnings, with_plan=with_plan)


def check_with_client(
    client: ZoomClient,
    *,
    profile: str | None = None,
    warnings: list[str] | None = None,
    with_plan: bool = False,
) -> CheckResult:
    """The check through an existing client (its fresh token then serves later calls).

    ``with_plan`` adds the three plan probes (3 read-only calls) once authenticated.
    """
    result = CheckResult(
        account_id=client.credentials.account_id, profile=profile, warnings=list(warnings or [])
    )
    try:
        token, report = client.check_scopes(fresh=True)
    except ZoomError as error:
        result.error = error
        return result
    result.report = report
    result.api_url = token.api_url
    result.expires_at = token.expires_at
    if with_plan:
        result.plan = check_plan(client, client.settings.hosts[0])
    return result


def check_profile(
    store: ProfileStore,
    profile: Profile,
    settings: Settings | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
    token_cache: TokenCache | None = None,
    with_plan: bool = False,
) -> CheckResult:
    """Check one saved profile (with its hosts); a keyring failure is recorded like any error."""
    base = settings or Settings()
    settings = Settings(base.oauth_url, base.api_url, profile.hosts, base.timeout)
    try:
        credentials = store.credentials(profile)
    except ZoomError as error:
        return CheckResult(account_id=profile.account_id, profile=profile.name, error=error)
    return check_credentials(
        credentials,
        settings,
        transport=transport,
        token_cache=token_cache,
        profile=profile.name,
        with_plan=with_plan,
    )


def overall_exit_code(results: list[CheckResult]) -> int:
    """The worst exit code among several checks."""
    return max((r.exit_code for r in results), default=EXIT_CANNOT_AUTHENTICATE)


STATUS_LABELS = {GRANTED: "granted", CLASSIC: "classic", "missing": "MISSING"}


def format_check_text(result: CheckResult) -> str:
    """A readable checklist for a terminal."""
    if result.account_id:
        title = f"Zoom connection check for account {result.account_id}"
        if result.profile:
            title += f" (profile {result.profile})"
    elif result.profile:
        title = f"Zoom connection check for profile {result.profile}"
    else:
        title = "Zoom connection check"
    lines = [title]
    if result.error is not None:
        # Configuration and secret-store errors stop before Zoom is asked anything.
        asked = not isinstance(result.error, ConfigError | SecretStoreError)
        said = "Cannot authenticate" if asked else "Not checked"
        lines.append(f"{said}: {user_message(result.error)}")
        return "\n".join(lines)
    report = result.report
    assert report is not None
    lines.append(
        f"Connected. API region: {result.api_url or 'not given (global https://api.zoom.us)'}."
        + (f" Token expires {result.expires_at:%Y-%m-%d %H:%M} UTC." if result.expires_at else "")
    )
    lines.append(report.summary())
    for group in GROUPS:
        lines.append("")
        lines.append(GROUP_TITLES[group])
        for status in report.statuses:
            if status.scope.group != group:
                continue
            label = STATUS_LABELS[status.status]
            extra = f" (through {status.scope.classic})" if status.status == CLASSIC else ""
            lines.append(f"  [{label:^7}] {status.scope.name}{extra}: {status.scope.unlocks}")
    lines.append("")
    if report.missing:
        lines.append(f"Missing scopes ({len(report.missing)}): {', '.join(report.missing)}")
        lines.append(
            "Ask the client to add them: Zoom Marketplace → Manage → the ERBIUM app → Scopes → "
            "Add Scopes → Continue, then Activate your app, and check again."
        )
    else:
        lines.append("All 17 scopes are in place.")
    return "\n".join(lines)


# ---- plan check ---------------------------------------------------------------------------

PLAN_OK = "available"
PLAN_MISSING = "plan"
PLAN_SCOPE = "scope"
PLAN_ERROR = "error"

# What a probe's area missing from the plan means, and what the client must do (the Status
# column of All clients; the probe's message has Zoom's words).
PLAN_GAPS = {
    "Webinars": "no Webinar add-on: ask the client to add it to their Zoom plan and assign it "
    "to the host",
    "Meetings": "meetings not allowed for this host: ask the client to give the host a licence",
    "Reports": "no participant reports: ask the client for a paid (Pro or higher) Zoom plan",
}

# A meeting ID that cannot exist: a report call for it answers "not found" when reports are
# available to this account, and code 200 when the plan does not include them.
REPORT_PROBE_ID = "0"


@dataclass(frozen=True)
class PlanProbe:
    """One read-only call that shows whether the plan allows an area of the dashboard."""

    area: str
    status: str  # PLAN_OK | PLAN_MISSING | PLAN_SCOPE | PLAN_ERROR
    message: str
    error_kind: str = ""  # the error's kind (ZoomError.kind), for the watcher's blip rule

    @property
    def ok(self) -> bool:
        return self.status == PLAN_OK


def _probe(area: str, call, available: str, not_found_means_ok: bool = False) -> PlanProbe:
    try:
        call()
    except PlanRequired as error:
        return PlanProbe(area, PLAN_MISSING, user_message(error), error.kind)
    except MissingScope as error:
        return PlanProbe(
            area,
            PLAN_SCOPE,
            f"Not checked: a scope is missing ({', '.join(error.scopes)}).",
            error.kind,
        )
    except EventNotFound:
        if not_found_means_ok:
            return PlanProbe(area, PLAN_OK, available)
        raise
    except ZoomError as error:
        return PlanProbe(area, PLAN_ERROR, user_message(error), error.kind)
    return PlanProbe(area, PLAN_OK, available)


def check_plan(client: ZoomClient, host: str = "me") -> list[PlanProbe]:
    """One read-only call each for webinars, meetings and reports (3 calls)."""
    user = quote(host, safe="@")
    one = {"type": "upcoming", "page_size": 1}
    return [
        _probe(
            "Webinars",
            lambda: client.get_json(f"/users/{user}/webinars", one),
            "Webinars are available (Pro or higher with the Webinar add-on).",
        ),
        _probe(
            "Meetings",
            lambda: client.get_json(f"/users/{user}/meetings", one),
            "Meetings are available.",
        ),
        _probe(
            "Reports",
            lambda: client.get_json(
                f"/report/meetings/{REPORT_PROBE_ID}/participants", {"page_size": 1}
            ),
            "Participant reports are available (paid plan).",
            not_found_means_ok=True,
        ),
    ]
