"""The one typed error tree of erbium-zoom, and the one place that turns errors into words.

Every failure the package can meet is raised as a subclass of :class:`ZoomError`. Zoom's own
``code`` and ``message`` are kept as they came; ``advice`` says, in words an account manager can
read out on a call, what to do next. No error ever holds the client secret or an access token.

    ZoomError
    ├── ConfigError             the credentials or settings given to us are unusable
    │   ├── SecretKeyError      ERBIUM_ZOOM_SECRET_KEY / [storage] secret_keys is not a key
    │   └── ReadOnlyProfile     a profile from the secrets file cannot be changed here
    ├── SecretStoreError        no secure place for Client Secrets, or the keyring refused
    │   └── SecretFileUnreadable  the encrypted secrets file: wrong key, or damaged
    ├── AccessDenied            this person's role does not allow it (nothing was sent)
    ├── NoClientChosen          no client to show: none picked (demo off), or a link's is not here
    ├── ActivityUnavailable     the activity record cannot be written (nothing was sent)
    ├── SharedLimitsUnavailable Redis for the shared rate limits cannot be reached (paced alone)
    ├── AuthError               the token endpoint refused (``field`` names what to fix)
    ├── ZoomUnreachable         network error or timeout: no answer from Zoom
    ├── WriteOutcomeUnknown     a change was sent but no clear answer came back
    └── ApiError                the REST API answered with an error body
        ├── TokenRejected       401 / 124 even after a fresh token
        ├── MissingScope        4711 / 4700 (``scopes`` parsed from the message)
        ├── PlanRequired        code 200: no permission, no Webinar plan, not a paid account
        ├── UserNotFound        1001 (the host e-mail or user ID is wrong)
        ├── EventNotFound       3001 (not found, expired, or not ended yet)
        ├── RegistrantNotFound  3000 / 3079 on a registrant
        ├── TooOld              12702 (older than Zoom keeps reports)
        ├── PageTokenExpired    300 on a next_page_token (they expire after 15 minutes)
        ├── RateLimited         429 (``limit_type`` "qps" or "daily", ``retry_at``)
        ├── ServerError         5xx
        └── InvalidResponse     a body that is not the JSON Zoom documents
"""

from __future__ import annotations

import re
from datetime import datetime


class ZoomError(Exception):
    """Base of every error erbium-zoom raises."""

    kind = "error"
    advice = "Try again; if it keeps happening, note the time and contact Erbium support."

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status

    def __str__(self) -> str:
        return user_message(self)


class ConfigError(ZoomError):
    """The credentials or settings are missing or malformed; nothing was sent to Zoom.

    There is no default advice: what to do depends on the case (a field left empty on the
    page, an environment variable, an unknown profile name, a malformed host), so the message
    says it, or the raiser passes ``advice`` that fits. A generic line here would be read under
    every one of them ("fill in the missing value" under "no profile named 'Nope'").
    """

    kind = "config"

    def __init__(self, message: str, *, field: str | None = None, advice: str | None = None):
        super().__init__(message)
        self.field = field
        self.advice = advice or ""


NEW_KEY_COMMAND = "python -m erbium_zoom profiles new-key"


class SecretKeyError(ConfigError):
    """A key in ERBIUM_ZOOM_SECRET_KEY or [storage] secret_keys is not a Fernet key.

    ``field`` names the setting; the message never repeats the key itself.
    """

    kind = "secret_key"

    def __init__(self, message: str, *, setting: str):
        super().__init__(message, field=setting)
        self.advice = (
            f"Each key is 44 characters of URL-safe base64; make one with `{NEW_KEY_COMMAND}` "
            "and list the keys comma-separated, newest first."
        )


class ReadOnlyProfile(ConfigError):
    """A profile from the secrets file ([profiles."NAME"]) is changed there, not here."""

    kind = "read_only"

    def __init__(self, message: str):
        super().__init__(message, field="name")
        self.advice = (
            "Profiles from configuration are changed in the secrets file that defines them; "
            "the dashboard and the profiles command only read them."
        )


class SecretStoreError(ZoomError):
    """No secure place for Client Secrets here, or the system keyring refused."""

    kind = "keyring"
    advice = (
        "To keep Client Secrets, use a system keyring (unlocked), or set "
        "ERBIUM_ZOOM_SECRET_KEY (or secret_keys in the secrets file's [storage] table) to "
        f"keep them in an encrypted file; make a key with `{NEW_KEY_COMMAND}`. Meanwhile use "
        "the ZOOM_* environment variables, .streamlit/secrets.toml, or enter the credentials "
        "for this browser session only."
    )

    def __init__(self, message: str, *, advice: str | None = None):
        super().__init__(message)
        if advice is not None:  # the class's advice is about having no place for secrets
            self.advice = advice


class AccessDenied(ZoomError):
    """The signed-in person's role does not allow this; nothing was read or sent."""

    kind = "access"
    advice = "Ask an admin of this dashboard for a role that allows it."

    def __init__(self, message: str, *, action: str | None = None, advice: str | None = None):
        super().__init__(message)
        self.action = action
        if advice is not None:
            self.advice = advice


class NoClientChosen(ZoomError):
    """No client to show: none is chosen and demo data is off, or a link names a client profile
    that is not here. Nothing is shown until one is picked (never another client's data)."""

    kind = "no_client"
    advice = "Pick a client in the sidebar."

    def __init__(self, message: str, *, missing: str | None = None):
        super().__init__(message)
        self.missing = missing


class ActivityUnavailable(ZoomError):
    """The activity record cannot be written, so the change was not sent (every change must be
    on record)."""

    kind = "activity"
    advice = (
        "Nothing was sent to Zoom. Make the data folder writable (ERBIUM_ZOOM_DATA_DIR), or "
        "move a damaged cache.sqlite3 aside, then try again."
    )

    def __init__(self, message: str, *, advice: str | None = None):
        super().__init__(message)
        if advice is not None:  # a database server's advice, not the data folder's
            self.advice = advice


class DatabaseUnavailable(ZoomError):
    """The storage database cannot be used: unreachable, a refused sign-in, a malformed URL, a
    layout from a newer erbium-zoom, or a damaged or unusable data file. The message shows the
    database's address with its password masked; ``advice`` names the setting to check."""

    kind = "storage"

    def __init__(self, message: str, *, advice: str, damaged: bool = False):
        super().__init__(message)
        self.advice = advice
        self.damaged = damaged  # a data file that is not a database (it can be moved aside)


class SharedLimitsUnavailable(ZoomError):
    """The Redis server that keeps every process's pace on Zoom's limits cannot be reached.

    Nothing is lost: each process paces alone meanwhile, at a safe share of Zoom's numbers, and
    goes back to Redis by itself when it answers. ``where`` names the server (host and port,
    never a password).
    """

    kind = "shared_limits"

    def __init__(self, message: str, *, where: str):
        super().__init__(message)
        self.where = where
        self.advice = (
            "Pages keep working, more slowly: this dashboard paces alone at half of Zoom's "
            "limits until Redis answers again, and then goes back to it by itself. Check that "
            f"the Redis server at {where} is running and reachable ([limits] redis_url in the "
            "secrets file, or ERBIUM_ZOOM_REDIS_URL)."
        )


class SecretFileUnreadable(SecretStoreError):
    """The encrypted secrets file cannot be decrypted with the keys given, or is damaged.

    Nothing is written to it while this lasts. ``setting`` names where the keys came from.
    """

    kind = "secret_file"

    def __init__(self, message: str, *, setting: str):
        super().__init__(message)
        self.setting = setting
        self.advice = (
            f"The file was left as it is. Put the key it was written with back into {setting} "
            "(newest key first, older ones after it); if that key is lost, move the file "
            "away and enter the Client Secrets again."
        )


# What each token-endpoint error points at. Zoom's `error` field is the key; the value is the
# field to fix and the advice. Sources: ../shared/docs/zoom-api.md §1 and user-needs.md §0.4.
AUTH_DIAGNOSES: dict[str, tuple[str | None, str]] = {
    "invalid_client": (
        "client_id/client_secret",
        "The Client ID or the Client Secret is wrong. Copy both again from the ERBIUM app's "
        "App Credentials page in the Zoom Marketplace (watch for stray spaces).",
    ),
    "invalid_request": (
        "account_id",
        "The Account ID is wrong. Copy it again from the ERBIUM app's App Credentials page "
        "(it is the first of the three values).",
    ),
    "unsupported_grant_type": (
        "app_type",
        "These credentials are not from a Server-to-Server OAuth app. In the Zoom Marketplace "
        "choose Develop → Build App → Server-to-Server OAuth and use that app's credentials.",
    ),
    "app_disabled": (
        "app_activation",
        "The ERBIUM app is not activated. In the Zoom Marketplace open the app, go to "
        "Activation and click 'Activate your app'.",
    ),
}


class AuthError(ZoomError):
    """The token endpoint refused the credentials; ``field`` says which one to fix."""

    kind = "auth"

    def __init__(
        self,
        message: str,
        *,
        error: str | None,
        status: int | None,
        code: int | None = None,
    ):
        super().__init__(message, code=code, status=status)
        self.error = error
        diagnosis = "app_disabled" if code == 4717 or _mentions_disabled(message) else error
        self.field, self.advice = AUTH_DIAGNOSES.get(
            diagnosis or "",
            (
                None,
                "Zoom refused the credentials. Check the Account ID, Client ID and Client "
                "Secret, and that the ERBIUM app is activated.",
            ),
        )
        if diagnosis == "app_disabled":
            self.error = "app_disabled"


def _mentions_disabled(message: str) -> bool:
    return "disabled" in message.lower() or "deactivated" in message.lower()


class ZoomUnreachable(ZoomError):
    """No answer from Zoom: DNS, connection refused, TLS or a timeout."""

    kind = "unreachable"
    advice = (
        "Check this machine's network connection (and the ERBIUM_ZOOM_OAUTH_URL / "
        "ERBIUM_ZOOM_API_URL settings, if set), then try again in a minute."
    )


class WriteOutcomeUnknown(ZoomError):
    """A change (add, delete, status update) was sent, but no clear answer came back.

    It is not sent again automatically: Zoom may have made the change, and repeating it can
    spend the registrant's daily allowance (3 adds, 10 status changes a day).
    """

    kind = "write_uncertain"
    advice = (
        "Zoom may or may not have made this change. Reload the registrant list to see whether "
        "it took effect before trying again."
    )


class ApiError(ZoomError):
    """Zoom's REST API answered with an error body ``{"code", "message"}``."""

    kind = "api"


class TokenRejected(ApiError):
    """Zoom rejected the access token even after a fresh one was fetched."""

    kind = "token_rejected"
    advice = "Zoom rejected a fresh access token. Check that the ERBIUM app is still activated."


_SCOPES_IN_MESSAGE = re.compile(r"scopes?\s*:?\s*\[([^\]]*)\]", re.IGNORECASE)


def parse_scopes_from_message(message: str) -> list[str]:
    """The scope names Zoom lists in '... does not contain scopes:[a, b].'"""
    match = _SCOPES_IN_MESSAGE.search(message)
    if not match:
        return []
    return [part.strip() for part in match.group(1).split(",") if part.strip()]


class MissingScope(ApiError):
    """The token lacks a scope this call needs (Zoom codes 4711 and 4700)."""

    kind = "missing_scope"

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None):
        super().__init__(message, code=code, status=status)
        self.scopes = parse_scopes_from_message(message)
        wanted = ", ".join(self.scopes) if self.scopes else "the scope this page needs"
        self.advice = (
            f"The ERBIUM app is missing a scope: {wanted}. Ask the client to add it under "
            "Scopes in the Zoom Marketplace (any one of the listed names is enough), then re-check."
        )


class PlanRequired(ApiError):
    """Zoom code 200: the plan or licence does not allow this (e.g. no Webinar add-on)."""

    kind = "plan"

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None):
        super().__init__(message, code=code, status=status)
        if "webinar" in message.lower():
            self.advice = (
                "This account has no Webinar licence for that user. Webinars need a Pro (or "
                "higher) account with the Webinar add-on assigned to the host."
            )
        else:
            self.advice = (
                "The client's Zoom plan or this user's licence does not allow this. Reports and "
                "registration need a paid (Pro or higher) plan and a licensed host."
            )


class UserNotFound(ApiError):
    """Zoom code 1001: the host e-mail or user ID does not exist on this account."""

    kind = "user_not_found"
    advice = (
        "Zoom does not know that host on this account. Enter the host's Zoom e-mail address "
        "or user ID (set ERBIUM_ZOOM_HOSTS, or the hosts field)."
    )


class EventNotFound(ApiError):
    """Zoom code 3001: the meeting or webinar does not exist, has expired, or has not ended."""

    kind = "event_not_found"
    advice = (
        "Zoom does not have that event: check the ID. Meeting IDs expire 30 days after last "
        "use, and reports exist only once the event has ended (about 30 minutes later)."
    )


class RegistrantNotFound(ApiError):
    """Zoom code 3000 / 3079 on a registrant call: no such registrant."""

    kind = "registrant_not_found"
    advice = "That registrant no longer exists on this event; reload the list."


class TooOld(ApiError):
    """Zoom code 12702: the event is older than Zoom keeps reports for."""

    kind = "too_old"
    advice = (
        "Zoom no longer keeps reports this old (participant reports go back at most a year, "
        "webinar reports about six months)."
    )


class PageTokenExpired(ApiError):
    """Zoom code 300 on a page token: the list took longer than Zoom keeps its page tokens."""

    kind = "page_token_expired"
    advice = (
        "Zoom's bookmark into this list expired (they last 15 minutes) before every page was "
        "read. Press Refresh to load the list again from the start."
    )


class RateLimited(ApiError):
    """HTTP 429. ``limit_type`` is "qps" or "daily"; ``retry_at`` when Zoom said."""

    kind = "rate_limited"

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        status: int | None = 429,
        limit_type: str = "qps",
        category: str | None = None,
        retry_at: datetime | None = None,
    ):
        super().__init__(message, code=code, status=status)
        self.limit_type = limit_type
        self.category = category
        self.retry_at = retry_at
        if limit_type == "daily":
            when = f" It resets at {retry_at:%Y-%m-%d %H:%M} UTC." if retry_at else ""
            self.advice = (
                f"The client's Zoom account has used its daily {category or 'API'} allowance, "
                f"shared by every app on the account.{when} Wait until then."
            )
        else:
            self.advice = (
                "Zoom is busy for this account (per-second limit). Wait a moment and retry."
            )


class ServerError(ApiError):
    """Zoom answered 5xx."""

    kind = "server_error"
    advice = "Zoom had a server error. Wait a minute and try again."


class InvalidResponse(ApiError):
    """Zoom answered something that is not the JSON it documents."""

    kind = "invalid_response"
    advice = (
        "Zoom sent an unreadable answer. Try again; if it persists, Zoom may be having trouble."
    )


# Zoom REST `code` → error class. HTTP status decides only where the code says nothing.
_CLASS_BY_CODE: dict[int, type[ApiError]] = {
    124: TokenRejected,
    4700: MissingScope,
    4711: MissingScope,
    200: PlanRequired,
    1001: UserNotFound,
    3001: EventNotFound,
    3079: RegistrantNotFound,
    12702: TooOld,
}


def api_error_from(status: int, code: int | None, message: str) -> ApiError:
    """Build the typed error for a REST error answer (not 429, which carries headers)."""
    if "does not contain scope" in message.lower():
        return MissingScope(message, code=code, status=status)
    if code == 3000 and "registrant" in message.lower():
        return RegistrantNotFound(message, code=code, status=status)
    if code == 300 and "page token" in message.lower():
        return PageTokenExpired(message, code=code, status=status)
    cls = _CLASS_BY_CODE.get(code or -1)
    if cls is None:
        cls = ServerError if status >= 500 else ApiError
    return cls(message, code=code, status=status)


def user_message(error: BaseException) -> str:
    """The text to show a person for any error: what happened, then what to do."""
    if not isinstance(error, ZoomError):
        return (
            "Something unexpected went wrong inside erbium-zoom. Try again; if it keeps "
            f"happening, report it with this: {type(error).__name__}."
        )
    said = error.message.strip()
    if error.code is not None:
        said = f"Zoom said: “{said.rstrip('.')}” (code {error.code})"
    elif isinstance(error, AuthError) and error.error:
        said = f"Zoom said: “{said.rstrip('.')}” ({error.error})"
    if said and not said.endswith("."):
        said += "."
    return f"{said} {error.advice}".strip()


def error_summary(error: BaseException) -> dict:
    """A JSON-ready description: kind, field (for auth/config errors) and message."""
    return {
        "kind": getattr(error, "kind", "internal"),
        "field": getattr(error, "field", None),
        "message": user_message(error),
    }
