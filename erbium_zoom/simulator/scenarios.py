"""What kind of app the simulated client has: its credentials, granted scopes or auth failure.

A :class:`Scenario` is chosen by name (``SCENARIOS``, or ``missing:SCOPE,SCOPE`` through
:func:`scenario_from_name`); the token endpoint (oauth.py) grants its scopes or fails as it
says, and the request pipeline (account.py) refuses what those scopes and plan do not allow.
"""

from __future__ import annotations

from dataclasses import dataclass

from erbium_zoom.scopes import CLASSIC_SCOPES, REQUIRED_SCOPES

DEFAULT_ACCOUNT_ID = "sim-account-0001"
DEFAULT_CLIENT_ID = "simClientId0001"
DEFAULT_CLIENT_SECRET = "simClientSecret0001"

ALL_SCOPES: tuple[str, ...] = tuple(scope.name for scope in REQUIRED_SCOPES)
AUTH_FAILURES = ("invalid_client", "invalid_request", "app_disabled", "unsupported_grant_type")


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
