"""Server-to-Server OAuth: fetch an account's access token, diagnose refusals, cache tokens.

One token per (account ID, client ID) is kept until 60 s before it expires and shared by every
client object in the process, safely across threads: Zoom historically invalidated older tokens
when a new one was minted, so minting sparingly protects the client's own production use of the
same app. The secret is never a cache key: an entry remembers a salted fingerprint of the secret
it was minted with, so a changed (or mistyped) secret never reuses another secret's token.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx

from erbium_zoom.config import DEFAULT_API_URL, Credentials, Settings
from erbium_zoom.errors import AuthError, InvalidResponse, ServerError, ZoomUnreachable
from erbium_zoom.models import TokenInfo

TOKEN_REFRESH_MARGIN = 60  # seconds before expiry a token is no longer handed out
DEFAULT_EXPIRES_IN = 3599  # what Zoom sends in practice; used when expires_in is missing

_FINGERPRINT_SALT = os.urandom(16)  # per process: fingerprints are useless outside it


def secret_fingerprint(secret: str) -> str:
    """A salted one-way digest, to tell secrets apart without keeping them as keys."""
    return hmac.new(_FINGERPRINT_SALT, secret.encode(), hashlib.sha256).hexdigest()


class TokenCache:
    """Access tokens per (oauth URL, account ID, client ID), thread-safe.

    Each key has its own lock, so concurrent requests for one account mint one token between
    them while other accounts are not held up.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str, str], tuple[str, TokenInfo]] = {}
        self._locks: dict[tuple[str, str, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def lock_for(self, key: tuple[str, str, str]) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def get(self, key, fingerprint: str, now: datetime) -> TokenInfo | None:
        with self._guard:
            entry = self._entries.get(key)
        if entry is None or entry[0] != fingerprint:
            return None
        token = entry[1]
        if now >= token.expires_at - timedelta(seconds=TOKEN_REFRESH_MARGIN):
            return None
        return token

    def put(self, key, fingerprint: str, token: TokenInfo) -> None:
        with self._guard:
            self._entries[key] = (fingerprint, token)

    def discard(self, key, token: TokenInfo | None = None) -> None:
        """Forget the key's token (only if it is still ``token``, when given)."""
        with self._guard:
            entry = self._entries.get(key)
            if entry and (token is None or entry[1].access_token == token.access_token):
                del self._entries[key]

    def clear(self) -> None:
        with self._guard:
            self._entries.clear()


SHARED_TOKEN_CACHE = TokenCache()


def api_base_for(token: TokenInfo, settings: Settings) -> str:
    """The REST base: the configured URL, else the token's regional api_url, else global."""
    if settings.api_url:
        return settings.api_url.rstrip("/")
    if token.api_url:
        parts = urlsplit(token.api_url)
        host = (parts.hostname or "").lower()
        if parts.scheme == "https" and (host == "zoom.us" or host.endswith(".zoom.us")):
            return f"https://{parts.netloc}/v2"
    return DEFAULT_API_URL


def request_token(
    http: httpx.Client,
    credentials: Credentials,
    settings: Settings,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> TokenInfo:
    """POST the account_credentials grant and return the token, or raise a diagnosed error."""
    try:
        response = http.post(
            settings.oauth_url,
            auth=(credentials.client_id, credentials.client_secret),
            data={"grant_type": "account_credentials", "account_id": credentials.account_id},
        )
    except httpx.TimeoutException as exc:
        raise ZoomUnreachable(
            f"Zoom's sign-in service did not answer in time ({_url(settings)})."
        ) from exc
    except httpx.HTTPError as exc:
        raise ZoomUnreachable(
            f"Could not connect to Zoom's sign-in service ({_url(settings)})."
        ) from exc
    fetched_at = now()
    body = _json_or_none(response)
    if response.status_code >= 500:
        raise ServerError(
            f"Zoom's sign-in service answered HTTP {response.status_code}.",
            status=response.status_code,
        )
    if response.status_code != 200:
        body = body if isinstance(body, dict) else {}
        reason = str(body.get("reason") or body.get("message") or f"HTTP {response.status_code}")
        code = body.get("code") if isinstance(body.get("code"), int) else None
        raise AuthError(reason, error=body.get("error"), status=response.status_code, code=code)
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        raise InvalidResponse(
            "Zoom's sign-in service answered without an access token.", status=200
        )
    try:
        expires_in = int(body.get("expires_in") or DEFAULT_EXPIRES_IN)
    except (TypeError, ValueError):
        expires_in = DEFAULT_EXPIRES_IN
    return TokenInfo(
        access_token=body["access_token"],
        scope=str(body.get("scope") or ""),
        expires_in=expires_in,
        api_url=body.get("api_url") if isinstance(body.get("api_url"), str) else None,
        fetched_at=fetched_at,
        expires_at=fetched_at + timedelta(seconds=expires_in),
    )


def _url(settings: Settings) -> str:
    parts = urlsplit(settings.oauth_url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _json_or_none(response: httpx.Response):
    try:
        return response.json()
    except ValueError:
        return None
