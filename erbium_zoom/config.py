"""Credentials and settings: from the environment or from what a person typed.

Pure: reads a mapping (``os.environ`` by default), never the network. The client secret lives
only in :class:`Credentials`, whose repr hides it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from erbium_zoom.errors import ConfigError

DEFAULT_OAUTH_URL = "https://zoom.us/oauth/token"
DEFAULT_API_URL = "https://api.zoom.us/v2"
DEFAULT_HOSTS: tuple[str, ...] = ("me",)

# Zoom's Account IDs, Client IDs and secrets are ~20-40 printable ASCII characters; anything far
# longer or outside printable ASCII is a paste accident, refused before it is sent.
MAX_CREDENTIAL_LENGTH = 256
_PRINTABLE_ASCII = re.compile(r"[\x21-\x7e]+")
_EMAIL = re.compile(r"[^@\s,]+@[^@\s,]+\.[^@\s,]+")
_USER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")

FIELD_LABELS = {
    "account_id": "Account ID",
    "client_id": "Client ID",
    "client_secret": "Client Secret",
}


@dataclass(frozen=True)
class Credentials:
    """One client's Server-to-Server OAuth app. ``client_secret`` never shows in a repr."""

    account_id: str
    client_id: str
    client_secret: str = field(repr=False)

    @property
    def cache_key(self) -> tuple[str, str]:
        """What tokens and cached data are keyed on: never the secret."""
        return (self.account_id, self.client_id)


@dataclass(frozen=True)
class Settings:
    """Where Zoom is, and whose events to list."""

    oauth_url: str = DEFAULT_OAUTH_URL
    api_url: str | None = None  # set → wins over the token's api_url
    hosts: tuple[str, ...] = DEFAULT_HOSTS
    timeout: float = 20.0


def clean_credentials(
    account_id: str | None, client_id: str | None, client_secret: str | None
) -> tuple[Credentials, list[str]]:
    """Strip stray whitespace (a common copy-paste slip), reporting it; refuse empty fields."""
    values = {"account_id": account_id, "client_id": client_id, "client_secret": client_secret}
    warnings = []
    cleaned = {}
    for name, raw in values.items():
        value = (raw or "").strip()
        if raw and value != raw:
            warnings.append(
                f"The {FIELD_LABELS[name]} had spaces or line breaks at its start or end; "
                "they were removed."
            )
        cleaned[name] = value
    empty = [FIELD_LABELS[name] for name, value in cleaned.items() if not value]
    if empty:
        raise ConfigError(
            f"Missing {', '.join(empty)}: all three of Account ID, Client ID and Client Secret "
            "are needed.",
            field=next(name for name, value in cleaned.items() if not value),
        )
    for name, value in cleaned.items():
        label = FIELD_LABELS[name]
        if any(ch.isspace() for ch in value):
            raise ConfigError(
                f"The {label} contains a space or line break in the middle; "
                "copy it again from the Zoom Marketplace.",
                field=name,
            )
        if len(value) > MAX_CREDENTIAL_LENGTH:
            raise ConfigError(
                f"The {label} is {len(value):,} characters long; Zoom's are about 20 to 40. "
                "Copy just that value from the Zoom Marketplace.",
                field=name,
            )
        if not _PRINTABLE_ASCII.fullmatch(value):
            raise ConfigError(
                f"The {label} contains characters Zoom credentials never have (letters with "
                "accents, symbols, invisible characters). Copy it again from the Zoom Marketplace.",
                field=name,
            )
    return Credentials(**cleaned), warnings


def parse_hosts(raw: str | None) -> tuple[str, ...]:
    """Comma-separated host e-mails or user IDs; empty means the default ``me``.

    Raises ConfigError naming the entries that are neither an e-mail nor a Zoom user ID.
    """
    hosts = tuple(part.strip() for part in (raw or "").replace(";", ",").split(",") if part.strip())
    bad = [h for h in hosts if not (h == "me" or _EMAIL.fullmatch(h) or _USER_ID.fullmatch(h))]
    if bad:
        shown = ", ".join(repr(h[:60]) for h in bad[:5])
        raise ConfigError(
            f"Not a host e-mail or Zoom user ID: {shown}. Enter e-mail addresses (or user IDs) "
            "separated by commas.",
            field="hosts",
        )
    return hosts or DEFAULT_HOSTS


def settings_from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings named in the README, from the environment."""
    env = os.environ if environ is None else environ
    return Settings(
        oauth_url=(env.get("ERBIUM_ZOOM_OAUTH_URL") or DEFAULT_OAUTH_URL).strip(),
        api_url=(env.get("ERBIUM_ZOOM_API_URL") or "").strip().rstrip("/") or None,
        hosts=parse_hosts(env.get("ERBIUM_ZOOM_HOSTS")),
    )


def credentials_from_env(
    environ: Mapping[str, str] | None = None,
) -> tuple[Credentials | None, list[str]]:
    """ZOOM_ACCOUNT_ID / ZOOM_CLIENT_ID / ZOOM_CLIENT_SECRET, or None when none is set.

    Raises ConfigError when some but not all are set: a half configuration is a mistake to
    report, not a reason to fall back to demo data.
    """
    env = os.environ if environ is None else environ
    raw = [env.get(f"ZOOM_{name.upper()}") for name in FIELD_LABELS]
    if not any((value or "").strip() for value in raw):
        return None, []
    return clean_credentials(*raw)


SECRETS_SECTION = "zoom"


def credentials_from_secrets(
    secrets: Mapping | None,
) -> tuple[Credentials | None, tuple[str, ...] | None, list[str]]:
    """The ``[zoom]`` table of .streamlit/secrets.toml: credentials, hosts and warnings.

    None when the file or the table is absent; ConfigError when the table is incomplete.
    """
    section = (secrets or {}).get(SECRETS_SECTION) if secrets else None
    if not section:
        return None, None, []
    raw = [section.get(name) for name in FIELD_LABELS]
    if not any(str(value or "").strip() for value in raw):
        return None, None, []
    try:
        credentials, warnings = clean_credentials(*(str(v) if v else None for v in raw))
    except ConfigError as error:
        raise ConfigError(
            f".streamlit/secrets.toml [zoom]: {error.message}", field=error.field
        ) from None
    hosts = section.get("hosts")
    if isinstance(hosts, list | tuple):
        hosts = ",".join(str(h) for h in hosts)
    return credentials, (parse_hosts(hosts) if hosts else None), warnings
