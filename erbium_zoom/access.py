"""Who may use the dashboard and what each person may do: sign-in, roles, and exposure.

The decision is made here, in the core, from plain values: the secrets file as a mapping (its
``[auth]`` and ``[access]`` tables), the address the server listens on and the environment.
Pages only hide what a role cannot use; the control is :meth:`Person.require`, which the Zoom
client and the profile store call before they read a client's data or change anything.

- **No ``[auth]`` table** (one person on their own computer): the dashboard serves loopback
  only, and whoever reaches it is the "local user" with every right. On any other address, or
  on loopback behind a reverse proxy (its requests carry ``X-Forwarded-For``), it refuses
  everything unless ``ERBIUM_ZOOM_ALLOW_ANONYMOUS=1`` (trusted networks only).
- **``[auth]``** (Streamlit's ``st.login``): nothing is shown before sign-in; then the e-mail
  is looked up in ``[access]`` (``admins``, ``editors``, ``viewers``: addresses or ``@domain``,
  case-insensitive, whole address or whole domain). Anyone on no list is refused. An ``[auth]``
  or ``[access]`` table that is missing or malformed lets nobody in, and says which setting to fix.
- **Demo data** (the simulated Zoom account, shown when no client is chosen) is on without
  sign-in and off with it, unless the secrets file says otherwise (``[demo] enabled = true`` or
  ``false``): on a team's dashboard, someone working on a client must not be shown made-up data.

Every refusal names its real cause: the secrets file that was read (or where none was found),
the line and column of a TOML error, the keys missing or still the template's placeholder.

No streamlit here, no I/O.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum, IntEnum

from erbium_zoom.errors import AccessDenied
from erbium_zoom.secrets_file import PLACEHOLDER, SecretsSource

ALLOW_ANONYMOUS_ENV = "ERBIUM_ZOOM_ALLOW_ANONYMOUS"
LOCAL_USER = "local user"
AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")
CALLBACK_PATH = "/oauth2callback"  # Streamlit's sign-in answers there
ACCESS_LISTS = ("admins", "editors", "viewers")
_YES = frozenset({"1", "true", "yes", "on"})


class Role(IntEnum):
    """Each role can do everything the one below it can."""

    VIEWER = 1
    EDITOR = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class Action(Enum):
    """What a person may be allowed to do, with the least role that allows it."""

    READ = ("read clients' data", Role.VIEWER)
    CHANGE_REGISTRANTS = ("change registrants", Role.EDITOR)
    CHECK_CREDENTIALS = ("check credentials typed on the Connection page", Role.EDITOR)
    MANAGE_PROFILES = ("add, edit, rename or delete client profiles", Role.ADMIN)
    SEE_ALL_ACTIVITY = ("see everyone's activity", Role.ADMIN)

    def __init__(self, words: str, least: Role):
        self.words = words
        self.least = least


@dataclass(frozen=True)
class Person:
    """Who is using this session: a signed-in e-mail with its role, or the local user."""

    who: str
    role: Role | None
    signed_in: bool = False

    def may(self, action: Action) -> bool:
        return self.role is not None and self.role >= action.least

    def require(self, action: Action) -> None:
        """Raise AccessDenied unless this person's role allows ``action``."""
        if not self.may(action):
            role = f"a {self.role.label}" if self.role else "not on the access lists"
            raise AccessDenied(
                f"{self.who} is {role} and may not {action.words}.", action=action.name
            )


LOCAL_PERSON = Person(LOCAL_USER, Role.ADMIN, signed_in=False)


class Mode(Enum):
    """How the dashboard is being served, which decides who gets in."""

    LOCAL = "local"  # no sign-in, loopback only: the local user
    ANONYMOUS = "anonymous"  # no sign-in on a network address, explicitly allowed
    EXPOSED = "exposed"  # no sign-in on a network address: refused
    SIGN_IN = "sign-in"  # [auth] and [access] are usable
    MISCONFIGURED = "misconfigured"  # [auth] present but it or [access] is unusable: refused


@dataclass(frozen=True)
class AccessPolicy:
    """The [access] table: who has which role."""

    admins: tuple[str, ...] = ()
    editors: tuple[str, ...] = ()
    viewers: tuple[str, ...] = ()

    def role_for(self, email: str | None) -> Role | None:
        """The highest role whose list names the whole address or its whole domain."""
        address = (email or "").strip().lower()
        local, at, domain = address.rpartition("@")
        if not local or not at or not domain:
            return None
        for role, entries in (
            (Role.ADMIN, self.admins),
            (Role.EDITOR, self.editors),
            (Role.VIEWER, self.viewers),
        ):
            if address in entries or f"@{domain}" in entries:
                return role
        return None


@dataclass(frozen=True)
class Deployment:
    """The decision for this server: its mode, the roles, and what to fix when refused."""

    mode: Mode
    address: str
    policy: AccessPolicy | None = None
    problem: str = ""  # words naming the setting to fix (EXPOSED, MISCONFIGURED)
    warnings: tuple[str, ...] = field(default_factory=tuple)
    demo: bool = True  # demo data when no client is chosen ([demo] enabled)

    @property
    def sign_in(self) -> bool:
        return self.mode in (Mode.SIGN_IN, Mode.MISCONFIGURED)

    @property
    def open_to_local_user(self) -> bool:
        return self.mode in (Mode.LOCAL, Mode.ANONYMOUS)

    def person(self, user: Mapping | None) -> Person | None:
        """The person for Streamlit's user info (``st.user``); None before sign-in.

        Without sign-in the local user (every right) when the mode lets anyone in, else a
        person with no role. A provider that says the e-mail is unverified gets no role.
        """
        if not self.sign_in:
            return LOCAL_PERSON if self.open_to_local_user else Person(LOCAL_USER, None)
        user = user or {}
        if not user.get("is_logged_in"):
            return None
        email = str(user.get("email") or "").strip()
        who = email or str(user.get("sub") or "someone without an e-mail address")
        if self.mode is not Mode.SIGN_IN or self.policy is None or not email:
            return Person(who, None, signed_in=True)
        if user.get("email_verified") is False:
            return Person(who, None, signed_in=True)
        return Person(who, self.policy.role_for(email), signed_in=True)


def is_loopback(address: str | None) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1; an empty address means every interface."""
    text = (address or "").strip().strip("[]").lower()
    if text == "localhost":
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False


def _where(source: SecretsSource | None) -> str:
    """The secrets file in words: which one was read, or where none was found."""
    return "the secrets file (.streamlit/secrets.toml)" if source is None else source.words


def _no_auth(secrets: Mapping | None, source: SecretsSource | None) -> str:
    """Why there is no [auth] table: no secrets file at all, or a file without one."""
    if secrets is None and source is not None and not source.found:
        return f"No secrets file was found (looked at {source.looked_at}; {source.origin})."
    where = _where(source)
    return f"{where[0].upper()}{where[1:]} has no [auth] table."


def parse_access(table: object, where: str) -> AccessPolicy:
    """The [access] table as a policy; ValueError in words naming what to fix."""
    if not isinstance(table, Mapping):
        raise ValueError(
            f"Sign-in is on but {where} has no [access] table, so nobody is allowed in. Add "
            '[access] with admins = ["you@example.com"], editors = [...] and viewers = [...].'
        )
    unknown = sorted(set(table) - set(ACCESS_LISTS))
    if unknown:
        raise ValueError(
            f"[access] in {where} has {', '.join(map(repr, unknown))}, which is not one of "
            "admins, editors, viewers; nobody is allowed in until it is fixed."
        )
    lists: dict[str, tuple[str, ...]] = {}
    for name in ACCESS_LISTS:
        raw = table.get(name, [])
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list | tuple) or not all(isinstance(e, str) for e in raw):
            raise ValueError(
                f"[access] {name} in {where} must be a list of e-mail addresses or @domains, "
                f'like {name} = ["ana@example.com", "@example.com"]; nobody is allowed in.'
            )
        entries = []
        for entry in raw:
            cleaned = entry.strip().lower()
            local, at, domain = cleaned.rpartition("@")
            if not at or "." not in domain or " " in cleaned or "@" in local:
                raise ValueError(
                    f"[access] {name} in {where} lists {entry[:80]!r}, which is neither an "
                    "e-mail address nor an @domain; nobody is allowed in until it is fixed."
                )
            entries.append(cleaned)
        lists[name] = tuple(entries)
    policy = AccessPolicy(**lists)
    if not any(lists.values()):
        raise ValueError(f"[access] in {where} lists nobody, so nobody is allowed in.")
    return policy


def demo_setting(secrets: Mapping | None, where: str, *, sign_in: bool) -> tuple[bool, str]:
    """Whether demo data is offered, from ``[demo] enabled`` (on without sign-in, off with
    it, by default); and, when the setting is malformed, words saying so (the default holds)."""
    default = not sign_in
    table = (secrets or {}).get("demo")
    if table is None:
        return default, ""
    enabled = table.get("enabled") if isinstance(table, Mapping) else None
    if isinstance(enabled, bool):
        return enabled, ""
    state = "on" if default else "off"
    return default, (
        f"[demo] in {where} should say enabled = true or enabled = false (without quotes); "
        f"until it does, demo data stays {state}."
    )


def _auth_problem(auth: object, where: str) -> str:
    """What is wrong with the [auth] table, in words ("" when sign-in can work)."""
    if not isinstance(auth, Mapping):
        return (
            f"[auth] in {where} must be a table (a line [auth] followed by its keys), not a "
            f"{type(auth).__name__}, so sign-in cannot work and nobody is allowed in."
        )
    missing = [key for key in AUTH_KEYS if not str(auth.get(key) or "").strip()]
    if missing:
        return (
            f"[auth] in {where} lacks {', '.join(missing)}, so sign-in cannot work and "
            "nobody is allowed in. Add them as the README's “Deploying for the team” shows."
        )
    unfilled = [key for key in AUTH_KEYS if str(auth.get(key)).strip() == PLACEHOLDER]
    if unfilled:
        return (
            f"[auth] in {where} still has the template's {PLACEHOLDER} for "
            f"{', '.join(unfilled)}, so nobody is allowed in. Fill them in as the README's "
            "“Deploying for the team” says."
        )
    redirect = str(auth.get("redirect_uri")).strip().rstrip("/")
    if not redirect.endswith(CALLBACK_PATH):
        return (
            f"[auth] redirect_uri in {where} must be the dashboard's address followed by "
            f"{CALLBACK_PATH} (as registered with the identity provider), so nobody is allowed "
            "in until it is fixed."
        )
    return ""


def decide(
    secrets: Mapping | None,
    server_address: str | None,
    environ: Mapping[str, str] | None = None,
    *,
    secrets_problem: str = "",
    source: SecretsSource | None = None,
    proxied: str = "",
) -> Deployment:
    """Decide the mode from the secrets, the listening address and the environment.

    ``secrets_problem``: the secrets file exists but could not be read, in a sentence naming it
    (and the line and column of a TOML error); refused, since it may hold [auth].
    ``source``: which secrets file was read, or where none was found, for the messages.
    ``proxied``: why the requests look forwarded by a reverse proxy ("" when they do not); a
    loopback address behind a proxy is no longer this machine only.
    """
    env = os.environ if environ is None else environ
    where = _where(source)
    address = (server_address or "").strip()
    if secrets_problem:
        return Deployment(
            Mode.MISCONFIGURED,
            address,
            problem=f"{secrets_problem.rstrip()} Until it is fixed, nobody is allowed in.",
        )
    auth = (secrets or {}).get("auth")
    demo, demo_warning = demo_setting(secrets, where, sign_in=auth is not None)
    demo_warnings = (demo_warning,) if demo_warning else ()
    if auth is None:
        if is_loopback(address) and not proxied:
            return Deployment(Mode.LOCAL, address, warnings=demo_warnings, demo=demo)
        shown = address or "every network interface"
        served = f"reached through a reverse proxy ({proxied})" if proxied else f"served on {shown}"
        if (env.get(ALLOW_ANONYMOUS_ENV) or "").strip().lower() in _YES:
            return Deployment(
                Mode.ANONYMOUS,
                address,
                warnings=(
                    f"This dashboard is {served} without sign-in ({ALLOW_ANONYMOUS_ENV}=1): "
                    "anyone who can reach it can use every client's data. Trusted networks "
                    "only.",
                    *demo_warnings,
                ),
                demo=demo,
            )
        local_only = "" if proxied else ", or serve it on localhost only (server.address)"
        return Deployment(
            Mode.EXPOSED,
            address,
            problem=f"This dashboard is {served} without sign-in, so it shows nothing. "
            f"{_no_auth(secrets, source)} Set up sign-in with an [auth] and an [access] table "
            f"in {where} (see the README, “Deploying for the team”){local_only}. "
            f"On a trusted network, {ALLOW_ANONYMOUS_ENV}=1 lifts this refusal.",
        )
    problem = _auth_problem(auth, where)
    if problem:
        return Deployment(Mode.MISCONFIGURED, address, problem=problem)
    try:
        policy = parse_access((secrets or {}).get("access"), where)
    except ValueError as error:
        return Deployment(Mode.MISCONFIGURED, address, problem=str(error))
    return Deployment(Mode.SIGN_IN, address, policy=policy, warnings=demo_warnings, demo=demo)
