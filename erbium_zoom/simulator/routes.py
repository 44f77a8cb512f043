"""The route table: which handler answers each (method, path) of Zoom's REST API.

A :class:`_Route` gives the method, a pattern for the raw path (percent-escapes intact), the
path as Zoom's OpenAPI document writes it (which finds the route's scope among
:data:`erbium_zoom.scopes.REQUIRED_SCOPES`), the rate-limit category and the handler. The
token endpoint is not here: ``SimulatedZoom.handle`` sends ``/oauth/token`` to oauth.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from erbium_zoom.scopes import REQUIRED_SCOPES, RequiredScope
from erbium_zoom.simulator.events import _get_event, _list_events
from erbium_zoom.simulator.registrants import (
    _add_registrant,
    _delete_registrant,
    _get_registrant,
    _list_registrants,
    _update_status,
)
from erbium_zoom.simulator.reports import _report

if TYPE_CHECKING:
    from erbium_zoom.simulator.account import SimulatedZoom


LIGHT, MEDIUM, HEAVY = "Light", "Medium", "Heavy"


# handler(sim, request, match, path, query, kind): ``match`` holds the pattern's named groups
# (raw, still percent-encoded), ``path`` is the raw path without the query string, ``query``
# the decoded query parameters, ``kind`` "webinar" or "meeting" (see _kind_of).
Handler = Callable[
    ["SimulatedZoom", httpx.Request, re.Match, str, dict[str, str], str], httpx.Response
]


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern
    spec_path: str  # with <plural> and <kind> placeholders
    category: str
    handler: Handler

    def scope(self, kind: str) -> RequiredScope:
        path = self.spec_path.replace("<plural>", f"{kind}s").replace("<kind>", kind)
        return _SCOPE_BY_ENDPOINT[(self.method, path)]


_SCOPE_BY_ENDPOINT = {(s.method, s.path): s for s in REQUIRED_SCOPES if s.method}
_EVENT = r"/v2/(?P<plural>webinars|meetings)/(?P<eid>[^/]+)"
_ROUTES = (
    _Route(
        "GET",
        re.compile(r"/v2/users/(?P<user>[^/]+)/(?P<plural>webinars|meetings)"),
        "/users/{userId}/<plural>",
        MEDIUM,
        _list_events,
    ),
    _Route("GET", re.compile(_EVENT), "/<plural>/{<kind>Id}", LIGHT, _get_event),
    _Route(
        "GET",
        re.compile(_EVENT + "/registrants"),
        "/<plural>/{<kind>Id}/registrants",
        MEDIUM,
        _list_registrants,
    ),
    _Route(
        "POST",
        re.compile(_EVENT + "/registrants"),
        "/<plural>/{<kind>Id}/registrants",
        LIGHT,
        _add_registrant,
    ),
    _Route(
        "PUT",
        re.compile(_EVENT + "/registrants/status"),
        "/<plural>/{<kind>Id}/registrants/status",
        MEDIUM,
        _update_status,
    ),
    _Route(
        "GET",
        re.compile(_EVENT + "/registrants/(?P<rid>[^/]+)"),
        "/<plural>/{<kind>Id}/registrants/{registrantId}",
        LIGHT,
        _get_registrant,
    ),
    _Route(
        "DELETE",
        re.compile(_EVENT + "/registrants/(?P<rid>[^/]+)"),
        "/<plural>/{<kind>Id}/registrants/{registrantId}",
        LIGHT,
        _delete_registrant,
    ),
    # ".+" so that an unencoded '/' in a UUID still reaches the handler, which refuses it.
    _Route(
        "GET",
        re.compile(r"/v2/report/(?P<plural>webinars|meetings)/(?P<eid>.+)/participants"),
        "/report/<plural>/{<kind>Id}/participants",
        HEAVY,
        _report,
    ),
)


def category_of(method: str, path: str) -> str | None:
    """Zoom's rate category of a request to ``path`` (raw, with /v2), None off the REST API."""
    route, _ = _match_route(method.upper(), path.partition("?")[0])
    return route.category if route is not None else None


def _match_route(method: str, path: str) -> tuple[_Route | None, re.Match | None]:
    """The route for (method, path); (None, match) when only the method is wrong."""
    path_match = None
    for route in _ROUTES:
        match = route.pattern.fullmatch(path)
        if match is None:
            continue
        if route.method == method:
            return route, match
        path_match = path_match or match
    return None, path_match


def _kind_of(match: re.Match) -> str:
    """ "webinar" or "meeting" from the path's <plural> group; "" for a route without one."""
    plural = match.groupdict().get("plural")
    return plural[:-1] if plural else ""
