"""What a page's address keeps, so that a reload shows the same view and a copied link opens it.

The client, the hosts, the events, the date window and each page's main choices are kept in the
address's query parameters, with one naming scheme on every page:

    client=Acme%20Corp             a client profile, by name
    demo=missing_scopes            or a demo client, by its scenario
    hosts=ana@acme.example,me      the hosts typed in the sidebar
    event=webinar:81234567890      an event by kind and ID (a past one by its occurrence's UUID);
                                   repeated for several
    compare=webinar:…              past events compared (Registration pace)
    from=2026-12-01&to=2026-12-31  a date window
    kind=webinar, q=…, status=pending, who=…, action=…   a page's own choices

Pure: no streamlit. Writing gives the values to put in the address: names of profiles and demo
clients, hosts, event IDs, dates and choices, never a credential (typed credentials stay out,
and the page says that such a view cannot be shared). Reading takes the values a link came with,
which can be anything: each is checked against what exists here, and what cannot be used is
said in words (markdown-escaped, since a link is not to be trusted) and left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from erbium_zoom.attendance import EventRef, InvalidEventRef, parse_event_text
from erbium_zoom.config import parse_hosts
from erbium_zoom.errors import ConfigError
from erbium_zoom.models import EventKind

T = TypeVar("T")

CLIENT = "client"
DEMO = "demo"
HOSTS = "hosts"
EVENT = "event"
COMPARE = "compare"
FROM = "from"
TO = "to"
KIND = "kind"
SEARCH = "q"
STATUS = "status"
WHO = "who"
ACTION = "action"
# Kept by the sidebar on every page; the others belong to the page the address is of.
CLIENT_PARAMS = (CLIENT, DEMO, HOSTS)

Values = Mapping[str, Sequence[str]]  # parameter → its values, as the address has them
Params = dict[str, list[str] | None]  # parameter → values to put in the address (None: none)

_SHOWN_LENGTH = 60
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def shown(value: str) -> str:
    """A value from a link, fit to be said on the page: shortened, without control
    characters, and markdown-escaped (a link must not add links or formatting)."""
    text = "".join(ch if ch.isprintable() else " " for ch in value).strip()
    if len(text) > _SHOWN_LENGTH:
        text = text[: _SHOWN_LENGTH - 1] + "…"
    return "“" + _MARKDOWN.sub(r"\\\1", text) + "”"


@dataclass(frozen=True)
class Read(Generic[T]):
    """What a link's values gave: a value to use (None: nothing usable, keep the default), and
    what could not be used, in words."""

    value: T | None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Field(Generic[T]):
    """One choice kept in the address under one or more parameters."""

    params: tuple[str, ...]
    read: Callable[[Values], Read[T]]
    write: Callable[[T], Params]


def _first(values: Values, param: str) -> str | None:
    found = [v for v in values.get(param, ()) if v.strip()]
    return found[0].strip() if found else None


def _all(values: Values, param: str) -> list[str]:
    return [v.strip() for v in values.get(param, ()) if v.strip()]


# ---- the client ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientChoice:
    """The client a link asks for: a profile that is here, a profile that is not (``missing``),
    or a demo client; and what could not be used, in words."""

    profile: str | None = None
    missing: str | None = None
    demo: str | None = None
    hosts: str | None = None
    problems: tuple[str, ...] = ()


def read_client(
    values: Values,
    profiles: Sequence[str],
    demo_clients: Mapping[str, str],
    *,
    demo_allowed: bool = True,
) -> ClientChoice:
    """The client and hosts of a link (``client`` wins over ``demo``).

    ``profiles``: the names of the profiles here; ``demo_clients``: scenario → name. A profile
    that is not here is returned as ``missing``: the page then asks for a client rather than
    show another one's data.
    """
    problems: list[str] = []
    profile = missing = demo = hosts = None
    name = _first(values, CLIENT)
    scenario = _first(values, DEMO)
    if name is not None:
        if name in profiles:
            profile = name
        else:
            missing = name
    elif scenario is not None:
        if not demo_allowed:
            problems.append("This link shows demo data, which is off on this dashboard.")
        elif scenario in demo_clients:
            demo = scenario
        else:
            problems.append(
                f"This link asks for the demo client {shown(scenario)}, which does not exist; "
                "the first demo client is shown. The demo clients are: "
                + ", ".join(demo_clients)
                + "."
            )
    raw_hosts = _first(values, HOSTS)
    if raw_hosts is not None:
        try:
            hosts = ", ".join(parse_hosts(raw_hosts))
        except ConfigError:
            problems.append(
                f"This link's hosts {shown(raw_hosts)} are not host e-mails or Zoom user IDs, "
                "so they are left out and the client's own hosts are used."
            )
    return ClientChoice(profile, missing, demo, hosts, tuple(problems))


def client_params(
    profile: str | None, demo: str | None, hosts: Sequence[str] | None = None
) -> Params:
    """The client and the typed hosts as the address keeps them (a view with no profile and no
    demo client, such as typed credentials or the environment's, names no client)."""
    return {
        CLIENT: [profile] if profile else None,
        DEMO: [demo] if demo and not profile else None,
        HOSTS: [",".join(hosts)] if hosts else None,
    }


# ---- a page's choices ----------------------------------------------------------------------


def choice(
    param: str, options: Sequence[Any], what: str, spell: Callable[[Any], str] = str
) -> Field[Any]:
    """One of ``options``, spelt in the address by ``spell`` (matched without regard to case)."""
    by_spelling = {spell(option).casefold(): option for option in options}

    def read(values: Values) -> Read[Any]:
        value = _first(values, param)
        if value is None:
            return Read(None)
        if value.casefold() in by_spelling:
            return Read(by_spelling[value.casefold()])
        return Read(None, (_not_here(value, what),))

    def write(value: Any) -> Params:
        return {param: [spell(value)] if value not in (None, "") else None}

    return Field((param,), read, write)


def choices(
    param: str, options: Sequence[Any], what: str, spell: Callable[[Any], str] = str
) -> Field[list]:
    """Some of ``options`` (the parameter repeated), in the address's order."""
    one = choice(param, options, what, spell)

    def read(values: Values) -> Read[list]:
        found: list = []
        problems: list[str] = []
        for value in _all(values, param):
            result = one.read({param: [value]})
            problems += result.problems
            if result.value is not None and result.value not in found:
                found.append(result.value)
        return Read(found or None, tuple(problems))

    def write(value: Sequence[Any]) -> Params:
        return {param: [spell(v) for v in value or ()] or None}

    return Field((param,), read, write)


def _not_here(value: str, what: str) -> str:
    return f"This link asks for {what} {shown(value)}, which is not here, so it is left out."


def event_key(text: str) -> str:
    """An event as the address names it, checked: "webinar:81234567890" (kind, then the ID's
    digits or an occurrence's UUID), or a bare ID or UUID. ValueError says what is wrong."""
    kind, colon, ref = text.strip().partition(":")
    if not colon:
        kind, ref = "", kind
    elif kind.lower() not in {k.value for k in EventKind}:
        raise ValueError(
            f"The link's event {shown(text)} is not of the form webinar:ID or meeting:ID."
        )
    try:
        ref = parse_event_text(ref)
    except InvalidEventRef:
        raise ValueError(
            f"The link's event {shown(text)} is not a Zoom meeting or webinar ID (9 to 12 "
            "digits) nor an occurrence's UUID."
        ) from None
    return f"{kind.lower()}:{ref}" if kind else ref


def _event_ref(key: str) -> str:
    return key.partition(":")[2] or key


def events(
    param: str,
    options: Sequence[str],
    what: str = "the event",
    *,
    single: bool = False,
    limit: int | None = None,
) -> Field[Any]:
    """Events among ``options`` (keys "kind:ID-or-UUID"); a bare ID or UUID matches the option
    with it. ``single``: the value is one key, else a list of at most ``limit`` keys."""
    limit = 1 if single else limit

    def read(values: Values) -> Read[Any]:
        found: list[str] = []
        problems: list[str] = []
        asked = _all(values, param)
        if limit is not None and len(asked) > limit and not single:
            problems.append(
                f"This link names {len(asked)} events for {param}=; only the first {limit} "
                "are used."
            )
        for value in asked[:limit]:
            try:
                key = event_key(value)
            except ValueError as error:
                problems.append(f"{error} It is left out.")
                continue
            match = key if key in options else None
            if match is None and ":" not in key:
                match = next((o for o in options if _event_ref(o) == key), None)
            if match is None:
                problems.append(
                    f"This link asks for {what} {shown(value)}, which is not among the "
                    "client's events listed here (it may be over, or another client's), so "
                    "it is left out."
                )
            elif match not in found:
                found.append(match)
        if not found:
            return Read(None, tuple(problems))
        return Read(found[0] if single else found, tuple(problems))

    def write(value: Any) -> Params:
        keys = [value] if isinstance(value, str) else list(value or ())
        return {param: [k for k in keys if k] or None}

    return Field((param,), read, write)


def event_keys(param: str) -> Field[list[str]]:
    """Any well-formed events, "kind:ID-or-UUID" (a page that can add events it does not
    list); a bare ID says its kind is needed."""

    def read(values: Values) -> Read[list[str]]:
        found: list[str] = []
        problems: list[str] = []
        for value in _all(values, param):
            try:
                key = event_key(value)
            except ValueError as error:
                problems.append(f"{error} It is left out.")
                continue
            if ":" not in key:
                problems.append(
                    f"The link's event {shown(value)} does not say whether it is a webinar or "
                    "a meeting (webinar:ID or meeting:ID), so it is left out."
                )
            elif key not in found:
                found.append(key)
        return Read(found or None, tuple(problems))

    return Field((param,), read, lambda keys: {param: list(keys or ()) or None})


def linked_refs(keys: Sequence[str], known: Sequence[EventRef]) -> list[EventRef]:
    """A link's events (keys from :func:`event_keys`) as references: a known one by its key, or
    by kind and ID (its most recent occurrence: ``known`` is most recent first); any other as
    if typed in by its ID or UUID."""
    by_key = {ref.key: ref for ref in known}
    by_id: dict[str, EventRef] = {}
    for ref in known:
        if ref.event_id is not None:
            by_id.setdefault(f"{ref.kind.value}:{ref.event_id}", ref)
    found: list[EventRef] = []
    for key in keys:
        ref = by_key.get(key) or by_id.get(key)
        if ref is None:
            kind, _, typed = key.partition(":")
            ref = EventRef.from_text(EventKind(kind), typed)
        if ref not in found:
            found.append(ref)
    return found


def window() -> Field[tuple]:
    """A date window: ``from`` and ``to`` as YYYY-MM-DD (``from`` alone: one day picked so
    far). The value is a tuple of one or two dates, as a range date picker gives it."""

    def day(values: Values, param: str, problems: list[str]) -> date | None:
        text = _first(values, param)
        if text is None:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            problems.append(
                f"This link's {param}={shown(text)} is not a date written YYYY-MM-DD, so the "
                "page's own dates are used."
            )
            return None

    def read(values: Values) -> Read[tuple]:
        problems: list[str] = []
        first, last = day(values, FROM, problems), day(values, TO, problems)
        if problems:
            return Read(None, tuple(problems))
        if first is None and last is None:
            return Read(None)
        if first is None:
            said = f"This link gives an end date ({last}) without a start date (from=YYYY-MM-DD)"
            return Read(None, (f"{said}, so the page's own dates are used.",))
        if last is None:
            return Read((first,))
        if last < first:
            return Read(
                None,
                (
                    f"This link's dates end ({last}) before they start ({first}), so the "
                    "page's own dates are used.",
                ),
            )
        return Read((first, last))

    def write(value: Sequence[date]) -> Params:
        days = list(value or ())
        return {
            FROM: [days[0].isoformat()] if days else None,
            TO: [days[1].isoformat()] if len(days) > 1 else None,
        }

    return Field((FROM, TO), read, write)


def text(param: str, limit: int = 200) -> Field[str]:
    """Free text (a search): control characters dropped, at most ``limit`` characters."""

    def read(values: Values) -> Read[str]:
        value = _first(values, param)
        if value is None:
            return Read(None)
        cleaned = "".join(ch for ch in value if ch.isprintable())[:limit]
        return Read(cleaned or None)

    return Field((param,), read, lambda value: {param: [value] if value else None})
