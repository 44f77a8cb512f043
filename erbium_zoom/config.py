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


FILL_IN_ADVICE = "Fill in the missing value and check again."
ENV_NAMES = {name: f"ZOOM_{name.upper()}" for name in FIELD_LABELS}


def _missing_words(values: Mapping[str, str], labels: Mapping[str, str]) -> str:
    """What is missing and what is given ("Client ID is missing (Account ID acc-1 and Client
    Secret are given)"), so a half-filled configuration is recognised. The Account ID is shown
    as it is on every page; the secret is only said to be given."""
    missing = [labels[name] for name, value in values.items() if not value]
    given = [
        f"{labels[name]} {value}"
        if name == "account_id" and len(value) <= 64 and _PRINTABLE_ASCII.fullmatch(value)
        else labels[name]
        for name, value in values.items()
        if value
    ]
    said = f"{_and(missing)} {'is' if len(missing) == 1 else 'are'} missing"
    if given:
        said += f" ({_and(given)} {'is' if len(given) == 1 else 'are'} given)"
    return f"{said}: all three of {_and(list(labels.values()))} are needed."


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def clean_credentials(
    account_id: str | None,
    client_id: str | None,
    client_secret: str | None,
    *,
    labels: Mapping[str, str] = FIELD_LABELS,
    missing_advice: str = FILL_IN_ADVICE,
) -> tuple[Credentials, list[str]]:
    """Strip stray whitespace (a common copy-paste slip), reporting it; refuse empty fields.

    ``labels`` name the three values where they came from (the page's fields by default, or
    the environment variables); ``missing_advice`` says how to supply a missing one there
    (``{missing}`` in it becomes the missing values' names).
    """
    values = {"account_id": account_id, "client_id": client_id, "client_secret": client_secret}
    warnings = []
    cleaned = {}
    for name, raw in values.items():
        value = (raw or "").strip()
        if raw and value != raw:
            warnings.append(
                f"The {labels[name]} had spaces or line breaks at its start or end; "
                "they were removed."
            )
        cleaned[name] = value
    if not all(cleaned.values()):
        raise ConfigError(
            _missing_words(cleaned, labels),
            field=next(name for name, value in cleaned.items() if not value),
            advice=missing_advice.format(
                missing=_and([labels[name] for name, value in cleaned.items() if not value])
            ),
        )
    for name, value in cleaned.items():
        label = labels[name]
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


HOSTS_FORM = (
    "Each host is a Zoom user's e-mail address (name@company.example), a Zoom user ID "
    "(letters, digits, - and _) or me (the account owner), separated by commas."
)


def _host_problem(host: str) -> str | None:
    """What is wrong with one host entry, in words; None when it is usable."""
    if host == "me" or _EMAIL.fullmatch(host) or _USER_ID.fullmatch(host):
        return None
    shown = repr(host[:60] + ("…" if len(host) > 60 else ""))
    if any(ch.isspace() for ch in host):
        return f"{shown} has a space in it (a missing comma?)"
    if "@" in host:
        return f"{shown} is not a complete e-mail address"
    if len(host) > 64:
        return f"{shown} is too long for a Zoom user ID"
    return f"{shown} has characters a Zoom user ID never has"


def parse_hosts(raw: str | None, *, where: str | None = None) -> tuple[str, ...]:
    """Comma-separated host e-mails or user IDs; empty means the default ``me``.

    Raises ConfigError saying what is wrong with each entry that is neither an e-mail nor a
    Zoom user ID, and the form expected; ``where`` names the setting it came from.
    """
    hosts = tuple(part.strip() for part in (raw or "").replace(";", ",").split(",") if part.strip())
    problems = [problem for problem in map(_host_problem, hosts) if problem]
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        said = "; ".join(problems[:5]) + more
        raise ConfigError(
            f"{where}: {said}." if where else f"Hosts: {said}.",
            field="hosts",
            advice=HOSTS_FORM,
        )
    return hosts or DEFAULT_HOSTS


def settings_from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings named in the README, from the environment."""
    env = os.environ if environ is None else environ
    return Settings(
        oauth_url=(env.get("ERBIUM_ZOOM_OAUTH_URL") or DEFAULT_OAUTH_URL).strip(),
        api_url=(env.get("ERBIUM_ZOOM_API_URL") or "").strip().rstrip("/") or None,
        hosts=parse_hosts(env.get("ERBIUM_ZOOM_HOSTS"), where="ERBIUM_ZOOM_HOSTS"),
    )


def credentials_from_env(
    environ: Mapping[str, str] | None = None,
) -> tuple[Credentials | None, list[str]]:
    """ZOOM_ACCOUNT_ID / ZOOM_CLIENT_ID / ZOOM_CLIENT_SECRET, or None when none is set.

    Raises ConfigError when some but not all are set: a half configuration is a mistake to
    report, not a reason to fall back to demo data.
    """
    env = os.environ if environ is None else environ
    raw = [env.get(ENV_NAMES[name]) for name in FIELD_LABELS]
    if not any((value or "").strip() for value in raw):
        return None, []
    return clean_credentials(
        *raw,
        labels=ENV_NAMES,
        missing_advice="Set {missing} too (the values are on the ERBIUM app's App "
        "Credentials page in the Zoom Marketplace), or unset the other ZOOM_* variables to use a "
        "client profile or demo data; then start again.",
    )


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
        credentials, warnings = clean_credentials(
            *(str(v) if v else None for v in raw),
            labels={name: name for name in FIELD_LABELS},
            missing_advice="Add {missing} to the [zoom] table, or remove the table to use "
            "a client profile or demo data.",
        )
    except ConfigError as error:
        raise ConfigError(
            f".streamlit/secrets.toml [zoom]: {error.message}",
            field=error.field,
            advice=error.advice,
        ) from None
    hosts = section.get("hosts")
    if isinstance(hosts, list | tuple):
        hosts = ",".join(str(h) for h in hosts)
    where = ".streamlit/secrets.toml [zoom] hosts"
    return credentials, (parse_hosts(hosts, where=where) if hosts else None), warnings
