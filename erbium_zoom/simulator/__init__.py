"""A simulated Zoom account: the test double behind demo mode, the tests and ``simulate``.

:class:`SimulatedZoom` answers Zoom's Server-to-Server OAuth token endpoint and the REST
endpoints erbium-zoom uses, with Zoom's field names, status codes, error bodies, pagination,
rate-limit headers and UUID double-encoding rules (see ../shared/docs/zoom-api.md). Its data
(hosts, webinars, meetings, registrants, participant reports) is generated from a seed and
anchored at ``now``, so one (seed, now) pair always gives the same account.

Use it in-process through :meth:`SimulatedZoom.transport` (an ``httpx.MockTransport`` that
answers any host, routing on the path) or over real HTTP on loopback through :func:`serve`.
Faults (rate limits, expiring tokens, 5xx, malformed JSON, latency) are injected with
:class:`Faults`; the clock and ``sleep`` are injected too, so tests never really wait.

The package, one module per role::

    transport() / server.py ──► account.SimulatedZoom.handle(request)
        /oauth/token ──► oauth.py (scenarios.py: the app's scopes or auth failure)
        /v2/...      ──► routes.py: the route table (method, path → category, handler)
                         then faults.py (5xx, bad JSON, QPS and daily limits), the token,
                         the scope and plan, then the route's handler:
                         events.py · registrants.py · reports.py
                         (answers shaped with responses.py)
    the data: builder.py generates data.py's events and registrants from (seed, now) and
              the company whose account it is (companies.py: the demo agency's clients)

To add an endpoint, say ``GET /users/{userId}``:

1. Write its handler in the module of its family (a new family gets a new module, such as
   ``users.py``), as a function ``_get_user(sim, request, match, path, query, kind)`` that
   returns an ``httpx.Response``. ``match`` holds the route pattern's named groups, still
   percent-encoded (``unquote(match["user"])``); ``sim`` is the SimulatedZoom, with the
   helpers handlers share (``sim._find_host``, ``sim._numeric_event``, ``sim._paginate``);
   answer with ``responses._json_response`` or, for Zoom's errors (status, code and message
   from its OpenAPI document), ``responses._error``. It may change only the registrants:
   the rest of the data is shared between simulators.
2. Add a ``_Route`` to ``_ROUTES`` in routes.py and import the handler there: the method,
   the pattern of the raw path (``re.compile(r"/v2/users/(?P<user>[^/]+)")``), the path as
   Zoom's OpenAPI document writes it (``"/users/{userId}"``), the category its "Rate Limit
   Label" gives (``LIGHT``) and the handler. A path under ``/v2/webinars`` and
   ``/v2/meetings`` at once takes ``(?P<plural>webinars|meetings)`` and ``<plural>`` /
   ``<kind>`` in the spec path, and its handler gets ``kind``; otherwise ``kind`` is "".
   The first route whose pattern matches the whole path with the method wins.
3. The token, rate limits, faults, the scope check (4711) and the call log come with the
   route. The scope is the one ``erbium_zoom.scopes.REQUIRED_SCOPES`` lists for that method
   and spec path, and the scenarios grant from that list: ``GET /users/{userId}`` needs
   ``user:read:user:admin``, not among the 17, so it must be added to scopes.py first (the
   dashboard then asks clients for it); ``test_every_route_has_a_scope`` fails until it is.
4. Test it in tests/test_simulator.py, and add it to the OpenAPI conformance cases there
   (``test_openapi_success_body_matches_spec``).

This package must not import streamlit, must not reach any non-loopback address, and needs
only the standard library and httpx. Where zoom-api.md marks Zoom's behaviour UNCONFIRMED,
the choice made here is a labelled best guess.
"""

from erbium_zoom.simulator.account import SimCall, SimulatedZoom
from erbium_zoom.simulator.builder import (  # a test clears its cache
    _generated_account as _generated_account,
)
from erbium_zoom.simulator.companies import COMPANIES, SCENARIO_COMPANIES, Company, company_for
from erbium_zoom.simulator.data import TAGS, Workload
from erbium_zoom.simulator.faults import QPS_WINDOWS, Faults
from erbium_zoom.simulator.routes import category_of
from erbium_zoom.simulator.scenarios import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    SCENARIOS,
    Scenario,
    scenario_from_name,
)
from erbium_zoom.simulator.server import SimulatorServer, serve

__all__ = [
    "COMPANIES",
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "SCENARIOS",
    "SCENARIO_COMPANIES",
    "TAGS",
    "Faults",
    "QPS_WINDOWS",
    "Scenario",
    "SimCall",
    "SimulatedZoom",
    "SimulatorServer",
    "Workload",
    "Company",
    "category_of",
    "company_for",
    "scenario_from_name",
    "serve",
]
