"""Tests for erbium_zoom.simulator: the simulated Zoom account must behave like Zoom.

Nothing here really sleeps or reads the wall clock: the clock and sleep are injected, and the
loopback-server tests bind 127.0.0.1 only.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx
import jsonschema
import pytest

from erbium_zoom import simulator
from erbium_zoom.connection import DEMO_CLIENT_NAMES, DEMO_SCENARIOS
from erbium_zoom.errors import parse_scopes_from_message
from erbium_zoom.scopes import REQUIRED_SCOPES, classify_scopes
from erbium_zoom.simulator import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    SCENARIO_COMPANIES,
    SCENARIOS,
    TAGS,
    Faults,
    Scenario,
    SimCall,
    SimulatedZoom,
    SimulatorServer,
    company_for,
    scenario_from_name,
    serve,
)
from erbium_zoom.simulator.routes import _ROUTES

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
OAUTH_URL = "https://zoom.us/oauth/token"
API = "https://api.zoom.us/v2"
PLAN_MISSING = (
    "Webinar plan is missing. You must subscribe to the webinar plan and enable webinars for "
    "this user in order to perform this action."
)


class FakeClock:
    """An injected clock that only moves when a test says so."""

    def __init__(self, start: float = NOW.timestamp()):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Api:
    """A tiny Zoom caller over the simulator's MockTransport (not the project's client)."""

    def __init__(self, sim: SimulatedZoom):
        self.sim = sim
        self.http = httpx.Client(transport=sim.transport())
        self.token: str | None = None

    def fetch_token(self, **overrides: str) -> httpx.Response:
        data = {"grant_type": "account_credentials", "account_id": DEFAULT_ACCOUNT_ID}
        data.update(overrides)
        return self.http.post(OAUTH_URL, data=data, auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET))

    def login(self) -> str:
        response = self.fetch_token()
        assert response.status_code == 200, response.text
        self.token = response.json()["access_token"]
        return self.token

    def call(self, method: str, path: str, *, token: str | None = None, **kwargs) -> httpx.Response:
        token = token or self.token or self.login()
        headers = {"Authorization": f"Bearer {token}"}
        return self.http.request(method, API + path, headers=headers, **kwargs)

    def get(self, path: str, **params) -> httpx.Response:
        return self.call("GET", path, params=params)


def make_sim(scenario: str | Scenario = "full", **kwargs) -> SimulatedZoom:
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("clock", FakeClock())
    kwargs.setdefault("sleep", _never_sleep)
    return SimulatedZoom(scenario, **kwargs)


def _never_sleep(seconds: float) -> None:
    raise AssertionError(f"unexpected sleep({seconds})")


def encode_uuid(uuid: str) -> str:
    """Zoom's rule: encode once; twice when the UUID starts with '/' or contains '//'."""
    once = quote(uuid, safe="")
    return quote(once, safe="") if uuid.startswith("/") or "//" in uuid else once


def pick(
    sim: SimulatedZoom, kind: str, *, state: str | None = None, approval_type: int | None = None
) -> dict:
    for event in sim.events:
        if event["kind"] != kind or (state and event["state"] != state):
            continue
        if approval_type is not None and event["approval_type"] != approval_type:
            continue
        if event["type"] == 8:  # the recurring series is picked by its tag
            continue
        return event
    raise LookupError(f"no {kind} with state={state} approval_type={approval_type}")


def fetch_all(api: Api, path: str, key: str, **params) -> tuple[list[dict], int]:
    """Every item across pages, keeping the params; returns (items, pages)."""
    items, pages, token = [], 0, ""
    while True:
        query = dict(params, next_page_token=token) if token else dict(params)
        response = api.get(path, **query)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body[key]
        pages += 1
        token = body["next_page_token"]
        if not token:
            return items, pages


@pytest.fixture(scope="module")
def shared() -> Api:
    """One read-only account for the tests that change nothing."""
    api = Api(make_sim())
    api.login()
    return api


@pytest.fixture()
def api() -> Api:
    """A fresh account for tests that change data or count calls."""
    return Api(make_sim())


# --- scenarios ---------------------------------------------------------------------------


def test_scenarios_required_names_exist():
    for name in (
        "full",
        "classic",
        "missing_scopes",
        "wrong_secret",
        "wrong_account",
        "disabled_app",
        "wrong_app_type",
        "no_webinar_plan",
    ):
        assert scenario_from_name(name) is SCENARIOS[name]


def test_scenario_full_grants_all_17_granular_scopes():
    granted = SCENARIOS["full"].granted_scopes
    assert len(granted) == 17
    assert set(granted) == {scope.name for scope in REQUIRED_SCOPES}


def test_scenario_classic_lacks_only_participant_write():
    report = classify_scopes(" ".join(SCENARIOS["classic"].granted_scopes))
    assert report.missing == ["meeting:write:participant:admin"]
    assert set(SCENARIOS["classic"].granted_scopes) == {
        "webinar:read:admin",
        "webinar:write:admin",
        "meeting:read:admin",
        "meeting:write:admin",
        "report:read:admin",
    }


def test_scenario_missing_scopes_lacks_the_four_documented_scopes():
    report = classify_scopes(" ".join(SCENARIOS["missing_scopes"].granted_scopes))
    assert set(report.missing) == {
        "meeting:read:list_registrants:admin",
        "meeting:update:registrant_status:admin",
        "report:read:list_webinar_participants:admin",
        "report:read:list_meeting_participants:admin",
    }


def test_scenario_no_webinar_plan_has_all_scopes_but_no_plan():
    scenario = SCENARIOS["no_webinar_plan"]
    assert len(scenario.granted_scopes) == 17 and scenario.webinar_plan is False


def test_scenario_from_name_missing_prefix_removes_listed_scopes():
    scenario = scenario_from_name("missing:webinar:read:webinar:admin,meeting:read:meeting:admin")
    assert set(SCENARIOS["full"].granted_scopes) - set(scenario.granted_scopes) == {
        "webinar:read:webinar:admin",
        "meeting:read:meeting:admin",
    }


def test_scenario_from_name_unknown_lists_valid_names():
    with pytest.raises(ValueError) as caught:
        scenario_from_name("nope")
    for name in SCENARIOS:
        assert name in str(caught.value)
    assert "missing:" in str(caught.value)


def test_scenario_from_name_missing_with_unknown_scope_is_refused():
    with pytest.raises(ValueError, match="not:a:scope"):
        scenario_from_name("missing:not:a:scope")


def test_scenario_rejects_unknown_auth_failure():
    with pytest.raises(ValueError, match="auth_failure"):
        Scenario("x", "x", (), auth_failure="teapot")


# --- token endpoint ----------------------------------------------------------------------


def test_token_success_returns_zoom_fields(api):
    response = api.fetch_token()
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"access_token", "token_type", "expires_in", "scope", "api_url"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3599
    assert set(body["scope"].split()) == set(SCENARIOS["full"].granted_scopes)
    assert body["api_url"] == "https://api.zoom.us"
    assert len(body["access_token"]) > 40
    assert api.sim.tokens_issued == 1
    assert api.sim.calls == [SimCall("POST", "/oauth/token", {}, 200)]


def test_token_each_request_issues_a_new_token(api):
    first, second = api.fetch_token().json(), api.fetch_token().json()
    assert first["access_token"] != second["access_token"]
    assert api.sim.tokens_issued == 2


def test_token_accepts_parameters_in_query_string(api):
    response = api.http.post(
        OAUTH_URL,
        params={"grant_type": "account_credentials", "account_id": DEFAULT_ACCOUNT_ID},
        auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
    )
    assert response.status_code == 200
    assert api.sim.calls[-1].query == {
        "grant_type": "account_credentials",
        "account_id": DEFAULT_ACCOUNT_ID,
    }


def test_token_wrong_secret_is_invalid_client(api):
    response = api.http.post(
        OAUTH_URL,
        data={"grant_type": "account_credentials", "account_id": DEFAULT_ACCOUNT_ID},
        auth=(DEFAULT_CLIENT_ID, "not-the-secret"),
    )
    assert response.status_code == 400
    assert response.json() == {
        "reason": "Invalid client_id or client_secret",
        "error": "invalid_client",
    }


def test_token_missing_basic_auth_is_invalid_client(api):
    response = api.http.post(
        OAUTH_URL, data={"grant_type": "account_credentials", "account_id": DEFAULT_ACCOUNT_ID}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"


def test_token_wrong_account_id_is_invalid_request(api):
    response = api.fetch_token(account_id="someone-else")
    assert response.status_code == 400
    assert response.json() == {"reason": "Bad Request", "error": "invalid_request"}


def test_token_other_grant_type_is_unsupported(api):
    response = api.fetch_token(grant_type="client_credentials")
    assert response.status_code == 400
    assert response.json() == {
        "reason": "unsupported grant type",
        "error": "unsupported_grant_type",
    }


@pytest.mark.parametrize(
    ("scenario", "body"),
    [
        (
            "wrong_secret",
            {"reason": "Invalid client_id or client_secret", "error": "invalid_client"},
        ),
        ("wrong_account", {"reason": "Bad Request", "error": "invalid_request"}),
        (
            "disabled_app",
            {"reason": "The app has been disabled", "error": "invalid_request", "code": 4717},
        ),
        ("wrong_app_type", {"reason": "unsupported grant type", "error": "unsupported_grant_type"}),
    ],
)
def test_token_scenario_failure_despite_correct_credentials(scenario, body):
    api = Api(make_sim(scenario))
    response = api.fetch_token()
    assert response.status_code == 400
    assert response.json() == body
    assert api.sim.tokens_issued == 0


def test_token_ttl_fault_sets_expires_in():
    api = Api(make_sim(faults=Faults(token_ttl=120)))
    assert api.fetch_token().json()["expires_in"] == 120


def test_token_scope_string_follows_scenario():
    api = Api(make_sim("classic"))
    assert api.fetch_token().json()["scope"].split() == list(SCENARIOS["classic"].granted_scopes)


# --- access tokens on the REST API -------------------------------------------------------


def test_api_without_token_is_401_124(api):
    response = api.http.get(API + "/users/me/meetings")
    assert response.status_code == 401
    assert response.json()["code"] == 124


def test_api_unknown_token_is_401_invalid(api):
    response = api.call("GET", "/users/me/meetings", token="eyJ-made-up")
    assert response.status_code == 401
    assert response.json() == {"code": 124, "message": "Invalid access token."}


def test_api_token_in_query_string_is_refused(api):
    token = api.login()
    response = api.http.get(API + "/users/me/meetings", params={"access_token": token})
    assert response.status_code == 401
    assert "query parameter" in response.json()["message"]


def test_api_tokens_expire_after_n_successful_requests():
    api = Api(make_sim(faults=Faults(expire_tokens_after=2)))
    old = api.login()
    assert api.get("/users/me/meetings").status_code == 200
    assert api.get("/users/me/meetings").status_code == 200
    expired = api.call("GET", "/users/me/meetings", token=old)
    assert expired.status_code == 401
    assert expired.json() == {"code": 124, "message": "Access token is expired."}
    fresh = api.login()
    assert api.call("GET", "/users/me/meetings", token=fresh).status_code == 200


def test_api_token_expires_when_clock_passes_ttl():
    clock = FakeClock()
    api = Api(make_sim(clock=clock))
    api.login()
    clock.advance(3598)
    assert api.get("/users/me/webinars").status_code == 200
    clock.advance(1)
    response = api.get("/users/me/webinars")
    assert response.status_code == 401
    assert response.json() == {"code": 124, "message": "Access token is expired."}


# --- scopes and plan ---------------------------------------------------------------------


def test_scope_missing_gives_4711_naming_both_scopes():
    api = Api(make_sim("missing_scopes"))
    event = pick(api.sim, "meeting", approval_type=1)
    response = api.get(f"/meetings/{event['id']}/registrants")
    assert response.status_code == 400
    assert response.json() == {
        "code": 4711,
        "message": "Invalid access token, does not contain scopes:"
        "[meeting:read:list_registrants:admin, meeting:read:list_registrants].",
    }
    assert parse_scopes_from_message(response.json()["message"])[0] == (
        "meeting:read:list_registrants:admin"
    )


def test_scope_missing_report_scope_blocks_only_that_report():
    sim = make_sim("missing:report:read:list_meeting_participants:admin")
    api = Api(sim)
    meeting = sim.event_tagged("double_slash_uuid")
    webinar = sim.event_tagged("large")
    assert api.get(f"/report/meetings/{meeting['id']}/participants").json()["code"] == 4711
    assert api.get(f"/report/webinars/{webinar['id']}/participants").status_code == 200


def test_scope_classic_scopes_satisfy_endpoints():
    sim = make_sim("classic")
    api = Api(sim)
    meeting = sim.event_tagged("double_slash_uuid")
    upcoming = pick(sim, "webinar", state="upcoming", approval_type=0)
    assert api.get("/users/me/meetings").status_code == 200
    assert api.get(f"/meetings/{meeting['id']}/registrants").status_code == 200
    assert api.get(f"/report/meetings/{meeting['id']}/participants").status_code == 200
    added = api.call(
        "POST",
        f"/webinars/{upcoming['id']}/registrants",
        json={"email": "c@example.com", "first_name": "C"},
    )
    assert added.status_code == 201


def test_every_route_has_a_scope():
    """Each route, for each kind it serves, is the endpoint of one of the 17 scopes, and the
    routes cover every scope that has an endpoint (a new route needs its scope first)."""
    routed, unscoped = set(), []
    for route in _ROUTES:
        kinds = ("webinar", "meeting") if "plural" in route.pattern.groupindex else ("",)
        for kind in kinds:
            try:
                routed.add(route.scope(kind).name)
            except KeyError:
                unscoped.append(f"{route.method} {route.spec_path} ({kind or 'no kind'})")
    assert unscoped == []
    assert routed == {scope.name for scope in REQUIRED_SCOPES if scope.method}


WEBINAR_CALLS = [
    ("GET", "/users/me/webinars"),
    ("GET", "/webinars/{id}"),
    ("GET", "/webinars/{id}/registrants"),
    ("GET", "/webinars/{id}/registrants/abc"),
    ("POST", "/webinars/{id}/registrants"),
    ("DELETE", "/webinars/{id}/registrants/abc"),
    ("PUT", "/webinars/{id}/registrants/status"),
    ("GET", "/report/webinars/{id}/participants"),
]


@pytest.mark.parametrize(("method", "path"), WEBINAR_CALLS)
def test_plan_missing_blocks_every_webinar_endpoint(method, path):
    sim = make_sim("no_webinar_plan")
    event = sim.event_tagged("large")
    body = {
        "email": "a@example.com",
        "first_name": "A",
        "action": "approve",
        "registrants": [{"id": "abc"}],
    }
    response = Api(sim).call(
        method, path.format(id=event["id"]), json=body if method in ("POST", "PUT") else None
    )
    assert response.status_code == 400
    assert response.json() == {"code": 200, "message": PLAN_MISSING}


def test_plan_missing_leaves_meetings_working():
    sim = make_sim("no_webinar_plan")
    meeting = sim.event_tagged("double_slash_uuid")
    api = Api(sim)
    assert api.get("/users/me/meetings").status_code == 200
    assert api.get(f"/report/meetings/{meeting['id']}/participants").status_code == 200


# --- listing and getting events ----------------------------------------------------------


def test_list_upcoming_returns_only_upcoming_or_live(shared):
    for host in shared.sim.hosts:
        for plural in ("webinars", "meetings"):
            body = shared.get(f"/users/{host['id']}/{plural}", type="upcoming").json()
            states = {e["id"]: e["state"] for e in shared.sim.events}
            assert {states[item["id"]] for item in body[plural]} <= {"upcoming", "live"}
    upcoming = shared.get("/users/me/meetings", type="upcoming").json()["meetings"]
    assert upcoming and all(m["start_time"] > "2026-11-29T12" for m in upcoming)


def test_list_scheduled_includes_recent_past_but_not_too_old(shared):
    ids = set()
    for host in shared.sim.hosts:
        ids |= {w["id"] for w in shared.get(f"/users/{host['id']}/webinars").json()["webinars"]}
    assert shared.sim.event_tagged("large")["id"] in ids
    assert shared.sim.event_tagged("too_old", "webinar")["id"] not in ids


def test_list_previous_meetings_are_all_ended(shared):
    ids = set()
    for host in shared.sim.hosts:
        body = shared.get(f"/users/{host['id']}/meetings", type="previous_meetings").json()
        ids |= {m["id"] for m in body["meetings"]}
    states = {e["id"]: e["state"] for e in shared.sim.events}
    assert ids and {states[i] for i in ids} == {"ended"}
    assert shared.sim.event_tagged("not_ready")["id"] in ids


def test_list_live_meetings_are_in_progress(shared):
    live = shared.sim.event_tagged("live")
    hosts = {h["id"]: h for h in shared.sim.hosts}
    body = shared.get(f"/users/{hosts[live['host_id']]['email']}/meetings", type="live").json()
    assert [m["id"] for m in body["meetings"]] == [live["id"]]


def test_list_me_and_email_resolve_to_owner(shared):
    owner = shared.sim.hosts[0]
    by_me = shared.get("/users/me/webinars").json()
    by_id = shared.get(f"/users/{owner['id']}/webinars").json()
    by_email = shared.get(f"/users/{quote(owner['email'])}/webinars").json()
    assert by_me["webinars"] and by_me == by_id == by_email
    assert {w["host_id"] for w in by_me["webinars"]} == {owner["id"]}


def test_list_unknown_user_is_404_1001(shared):
    response = shared.get("/users/nobody@example.com/meetings")
    assert response.status_code == 404
    assert response.json() == {"code": 1001, "message": "User does not exist: nobody@example.com."}


def test_list_invalid_type_is_400(shared):
    response = shared.get("/users/me/webinars", type="live")
    assert response.status_code == 400 and response.json()["code"] == 300


def test_get_event_has_settings_and_registration_url(shared):
    for event in shared.sim.events:
        body = shared.get(f"/{event['kind']}s/{event['id']}").json()
        assert body["id"] == event["id"]
        assert body["host_email"] == event["host_email"]
        assert body["settings"]["approval_type"] == event["approval_type"]
        assert ("registration_url" in body) == (event["approval_type"] in (0, 1))


def test_get_event_unknown_id_is_404_3001(shared):
    assert shared.get("/meetings/12345").json() == {
        "code": 3001,
        "message": "Meeting does not exist: 12345.",
    }
    assert shared.get("/webinars/12345").json() == {
        "code": 3001,
        "message": "Webinar does not exist: 12345.",
    }
    assert shared.get("/webinars/12345").status_code == 404


def test_get_event_by_double_encoded_uuid(shared):
    event = shared.sim.event_tagged("slash_uuid")
    body = shared.get(f"/webinars/{encode_uuid(event['uuid'])}").json()
    assert body["id"] == event["id"] and body["uuid"] == event["uuid"]


def test_get_recurring_meeting_lists_upcoming_occurrences(shared):
    series = shared.sim.event_tagged("recurring")
    body = shared.get(f"/meetings/{series['id']}").json()
    assert body["type"] == 8
    assert body["occurrences"] and all(
        o["start_time"] > "2026-11-29T12" for o in body["occurrences"]
    )
    assert body["start_time"] == body["occurrences"][0]["start_time"]


# --- pagination --------------------------------------------------------------------------


def test_pagination_next_page_token_returns_following_page(shared):
    event = shared.sim.event_tagged("large")
    first = shared.get(f"/webinars/{event['id']}/registrants", page_size=300).json()
    second = shared.get(
        f"/webinars/{event['id']}/registrants",
        page_size=300,
        next_page_token=first["next_page_token"],
    ).json()
    approved = shared.sim.registrants("webinar", event["id"], "approved")
    assert first["total_records"] == len(approved) > 1000
    assert [r["id"] for r in first["registrants"]] == [r["id"] for r in approved[:300]]
    assert [r["id"] for r in second["registrants"]] == [r["id"] for r in approved[300:600]]
    assert (first["page_number"], second["page_number"]) == (1, 2)
    assert first["page_count"] == 4


def test_pagination_token_rejected_when_a_param_is_dropped(shared):
    event = shared.sim.event_tagged("large")
    path = f"/report/webinars/{event['id']}/participants"
    first = shared.get(path, page_size=300, include_fields="registrant_id").json()
    response = shared.get(path, page_size=300, next_page_token=first["next_page_token"])
    assert response.status_code == 400
    assert response.json() == {"code": 300, "message": "The next page token is invalid or expired."}


def test_pagination_token_rejected_when_a_param_changes(shared):
    event = shared.sim.event_tagged("large")
    path = f"/webinars/{event['id']}/registrants"
    first = shared.get(path, status="pending", page_size=10).json()
    response = shared.get(
        path, status="approved", page_size=10, next_page_token=first["next_page_token"]
    )
    assert response.status_code == 400 and response.json()["code"] == 300


def test_pagination_token_rejected_on_another_path(shared):
    large = shared.sim.event_tagged("large")
    first = shared.get(f"/webinars/{large['id']}/registrants", page_size=5).json()
    other = shared.sim.event_tagged("slash_uuid")
    response = shared.get(
        f"/webinars/{other['id']}/registrants",
        page_size=5,
        next_page_token=first["next_page_token"],
    )
    assert response.status_code == 400


def test_pagination_page_size_above_300_is_clamped(shared):
    event = shared.sim.event_tagged("large")
    body = shared.get(f"/report/webinars/{event['id']}/participants", page_size=1000).json()
    assert body["page_size"] == 300 and len(body["participants"]) == 300


def test_pagination_default_page_size_is_30(shared):
    event = shared.sim.event_tagged("large")
    body = shared.get(f"/webinars/{event['id']}/registrants").json()
    assert body["page_size"] == 30 and len(body["registrants"]) == 30


def test_pagination_large_report_spans_several_pages(shared):
    event = shared.sim.event_tagged("large")
    rows, pages = fetch_all(
        shared,
        f"/report/webinars/{event['id']}/participants",
        "participants",
        page_size=300,
        include_fields="registrant_id",
    )
    assert len(rows) > 1000
    assert pages == -(-len(rows) // 300) >= 4
    assert rows == shared.sim.participants("webinar", event["id"])
    assert len({row["user_id"] for row in rows}) == len(rows)


def test_pagination_last_page_token_is_empty(shared):
    event = shared.sim.event_tagged("double_slash_uuid")
    body = shared.get(f"/meetings/{event['id']}/registrants", page_size=300).json()
    assert body["next_page_token"] == "" and body["page_count"] == 1


# --- participant reports and UUIDs -------------------------------------------------------


@pytest.mark.parametrize("tag", ["slash_uuid", "double_slash_uuid"])
def test_report_double_encoded_slash_uuid_is_accepted(shared, tag):
    event = shared.sim.event_tagged(tag)
    response = shared.get(
        f"/report/{event['kind']}s/{encode_uuid(event['uuid'])}/participants",
        page_size=300,
        include_fields="registrant_id",
    )
    assert response.status_code == 200
    assert response.json()["participants"] == shared.sim.participants(event["kind"], event["uuid"])


@pytest.mark.parametrize("tag", ["slash_uuid", "double_slash_uuid"])
def test_report_single_encoded_slash_uuid_is_404_3001(shared, tag):
    event = shared.sim.event_tagged(tag)
    once = quote(event["uuid"], safe="")
    response = shared.get(f"/report/{event['kind']}s/{once}/participants")
    assert response.status_code == 404
    assert response.json()["code"] == 3001


def test_report_unencoded_slash_uuid_is_404_3001(shared):
    event = shared.sim.event_tagged("double_slash_uuid")
    response = shared.get(f"/report/meetings/{event['uuid']}/participants")
    assert response.status_code == 404 and response.json()["code"] == 3001


def test_report_plain_uuid_single_encoded_is_accepted(shared):
    event = shared.sim.event_tagged("large")
    assert not event["uuid"].startswith("/") and "//" not in event["uuid"]
    response = shared.get(f"/report/webinars/{quote(event['uuid'], safe='')}/participants")
    assert response.status_code == 200
    assert shared.sim.api_calls()[-1].path.count("%") >= 2  # '==' arrived encoded


def test_report_include_fields_adds_registrant_id(shared):
    event = shared.sim.event_tagged("slash_uuid")
    rows = shared.get(
        f"/report/webinars/{event['id']}/participants",
        include_fields="registrant_id",
        page_size=300,
    ).json()["participants"]
    assert all("registrant_id" in row for row in rows)
    assert any(row["registrant_id"] for row in rows)


def test_report_without_include_fields_has_no_registrant_id(shared):
    event = shared.sim.event_tagged("slash_uuid")
    rows = shared.get(f"/report/webinars/{event['id']}/participants", page_size=300).json()[
        "participants"
    ]
    assert rows and all("registrant_id" not in row for row in rows)


def test_report_row_fields_are_zooms(shared):
    event = shared.sim.event_tagged("double_slash_uuid")
    row = shared.get(f"/report/meetings/{event['id']}/participants").json()["participants"][0]
    assert set(row) == {
        "id",
        "participant_user_id",
        "user_id",
        "name",
        "user_email",
        "join_time",
        "leave_time",
        "duration",
        "status",
        "failover",
        "customer_key",
        "bo_mtg_id",
    }
    assert row["status"] == "in_meeting" and row["failover"] is False
    joined = datetime.fromisoformat(row["join_time"].replace("Z", "+00:00"))
    left = datetime.fromisoformat(row["leave_time"].replace("Z", "+00:00"))
    assert row["duration"] == (left - joined).total_seconds()


def test_report_numeric_id_covers_latest_occurrence(shared):
    series = shared.sim.event_tagged("recurring")
    ended = [i for i in series["instances"] if i["ended"]]
    assert len(ended) >= 3 and len({i["uuid"] for i in series["instances"]}) == len(
        series["instances"]
    )
    rows = shared.get(
        f"/report/meetings/{series['id']}/participants",
        page_size=300,
        include_fields="registrant_id",
    ).json()["participants"]
    assert rows == shared.sim.participants("meeting", ended[-1]["uuid"])
    assert rows != shared.sim.participants("meeting", ended[0]["uuid"])


def test_report_each_occurrence_has_its_own_report(shared):
    series = shared.sim.event_tagged("recurring")
    totals = []
    for instance in series["instances"]:
        if instance["ended"]:
            body = shared.get(f"/report/meetings/{encode_uuid(instance['uuid'])}/participants")
            assert body.status_code == 200
            totals.append(body.json()["total_records"])
    assert totals == [i["participant_rows"] for i in series["instances"] if i["ended"]]
    assert len(set(totals)) > 1


def test_report_not_ready_event_is_404_3001(shared):
    event = shared.sim.event_tagged("not_ready")
    ended = datetime.fromisoformat(event["start_time"].replace("Z", "+00:00")) + timedelta(
        minutes=event["duration"]
    )
    assert timedelta(minutes=5) <= NOW - ended <= timedelta(minutes=15)
    response = shared.get(f"/report/meetings/{event['id']}/participants")
    assert response.status_code == 404
    assert response.json() == {
        "code": 3001,
        "message": f"Meeting {event['id']} not found or has expired.",
    }


def test_report_upcoming_webinar_is_404_with_webinar_wording(shared):
    event = pick(shared.sim, "webinar", state="upcoming")
    response = shared.get(f"/report/webinars/{event['id']}/participants")
    assert response.status_code == 404
    assert response.json() == {
        "code": 3001,
        "message": f'Webinar "{event["id"]}" not found or has expired',
    }


def test_report_live_meeting_is_404_3001(shared):
    event = shared.sim.event_tagged("live")
    assert shared.get(f"/report/meetings/{event['id']}/participants").json()["code"] == 3001


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("meeting", "Can not access meeting a year ago."),
        ("webinar", "Can not access a webinar a year ago."),
    ],
)
def test_report_too_old_event_is_400_12702(shared, kind, message):
    event = shared.sim.event_tagged("too_old", kind)
    assert event["listed"] is False
    response = shared.get(f"/report/{kind}s/{event['id']}/participants")
    assert response.status_code == 400
    assert response.json() == {"code": 12702, "message": message}


# --- the generated data ------------------------------------------------------------------
# Every demo client's account keeps the promises of TAGS: tests built around a tag work on any.


@pytest.fixture(scope="module", params=list(SCENARIO_COMPANIES))
def account(request) -> SimulatedZoom:
    """Each demo client's account in turn (read-only), named by its scenario."""
    return make_sim(request.param)


def test_data_every_tag_has_an_event(account):
    for tag in TAGS:
        assert account.events_tagged(tag), tag


def test_data_hosts_are_several_on_the_clients_domain_with_owner_first(account):
    hosts = account.hosts
    assert len(hosts) >= 3
    assert all(h["email"].endswith("@" + account.company.domain) for h in hosts)
    owned = {e["host_id"] for e in account.events}
    assert hosts[0]["id"] in owned and len(owned) >= 3
    assert {e["host_email"] for e in account.events} <= {h["email"] for h in hosts}


def test_data_upcoming_events_within_60_days_in_several_timezones(account):
    upcoming = account.events_tagged("upcoming")
    assert len(upcoming) >= 10
    assert {e["kind"] for e in upcoming} == {"webinar", "meeting"}
    limit = (NOW + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert all(e["start_time"] <= limit for e in upcoming)
    assert len({e["timezone"] for e in upcoming}) >= 3
    assert {e["approval_type"] for e in upcoming} == {0, 1, 2}


def test_data_default_client_hosts_in_new_york_paris_and_tokyo(shared):
    upcoming = shared.sim.events_tagged("upcoming")
    assert {"America/New_York", "Europe/Paris", "Asia/Tokyo"} <= {e["timezone"] for e in upcoming}


def test_data_uuid_shapes(account):
    events = account.events
    assert account.event_tagged("slash_uuid")["uuid"].startswith("/")
    assert "//" in account.event_tagged("double_slash_uuid")["uuid"]
    plain = [e["uuid"] for e in events if not {"slash_uuid", "double_slash_uuid"} & set(e["tags"])]
    assert all(re.fullmatch(r"[A-Za-z0-9+/]{22}==", u) for u in plain)
    assert not any(u.startswith("/") or "//" in u for u in plain)


def test_data_large_event_has_over_1000_registrants_and_rows(account):
    event = account.event_tagged("large")
    assert len(account.registrants("webinar", event["id"], "approved")) > 1000
    assert len(account.participants("webinar", event["id"])) > 1000


def test_data_past_registrants_have_all_three_statuses(account):
    for tag in ("large", "slash_uuid", "double_slash_uuid"):
        event = account.event_tagged(tag)
        assert all(count > 0 for count in event["registrant_counts"].values()), tag


def test_data_report_has_rejoins_guests_late_and_early(account):
    event = account.event_tagged("slash_uuid")
    rows = account.participants("webinar", event["id"])
    start = datetime.fromisoformat(event["start_time"].replace("Z", "+00:00"))
    end = start + timedelta(minutes=event["duration"])
    per_registrant: dict[str, list[dict]] = {}
    for row in rows:
        if row["registrant_id"]:
            per_registrant.setdefault(row["registrant_id"], []).append(row)
    rejoiners = [r for r in per_registrant.values() if len(r) > 1]
    assert rejoiners and all(len({row["user_id"] for row in r}) == len(r) for r in rejoiners)
    guests = [row for row in rows if not row["user_email"]]
    assert guests and all(row["registrant_id"] == "" for row in guests)

    def at(value):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))

    assert any(at(row["join_time"]) > start + timedelta(minutes=9) for row in rows)
    assert any(at(row["leave_time"]) < end - timedelta(minutes=15) for row in rows)


def test_data_same_name_two_different_people(account):
    event = account.event_tagged("same_name")
    rows = [r for r in account.participants("webinar", event["id"]) if r["registrant_id"]]
    by_name: dict[str, set[str]] = {}
    for row in rows:
        by_name.setdefault(row["name"], set()).add(row["user_email"])
    assert any(len(emails) > 1 for emails in by_name.values())


def test_data_registrant_ids_link_to_approved_registrants(account):
    for tag in ("large", "slash_uuid", "recurring"):
        event = account.event_tagged(tag)
        approved = {r["id"]: r for r in account.registrants(event["kind"], event["id"], "approved")}
        attended = {
            row["registrant_id"]: row
            for row in account.participants(event["kind"], event["id"])
            if row["registrant_id"]
        }
        assert attended and set(attended) <= set(approved)
        assert set(approved) - set(attended), "some approved registrants never attend"
        assert all(row["user_email"] == approved[rid]["email"] for rid, row in attended.items())


def test_data_participants_empty_when_zoom_refuses_the_report(account):
    for tag in ("not_ready", "too_old", "live"):
        for event in account.events_tagged(tag):
            assert account.participants(event["kind"], event["id"]) == [], tag
            assert not any(i["reportable"] for i in event["instances"])
    assert account.event_tagged("not_ready")["instances"][0]["participant_rows"] > 0


def test_data_events_in_dashboard_order(account):
    events = account.events
    states = [e["state"] for e in events]
    assert states[0] == "live"
    coming = [e["start_time"] for e in events if e["state"] == "upcoming"]
    past = [e["start_time"] for e in events if e["state"] == "ended"]
    assert coming == sorted(coming) and past == sorted(past, reverse=True)
    assert states == sorted(states, key=["live", "upcoming", "ended"].index)
    assert {e["kind"] for e in events[-2:] if "too_old" in e["tags"]} == {"meeting", "webinar"}


def test_data_no_registration_meeting_has_no_registrant_ids(account):
    event = account.event_tagged("no_registration")
    rows = account.participants("meeting", event["id"])
    assert rows and all(row["registrant_id"] == "" for row in rows)


def test_data_same_seed_gives_same_data():
    first = make_sim(seed=11)
    simulator._generated_account.cache_clear()  # really generate twice, not share the cache
    second = make_sim(seed=11)
    assert first.events == second.events and first.hosts == second.hosts
    large = first.event_tagged("large")
    assert first.participants("webinar", large["id"]) == second.participants("webinar", large["id"])
    assert first.registrants("webinar", large["id"]) == second.registrants("webinar", large["id"])


def test_data_changes_stay_in_their_simulator():
    changed, fresh_before = Api(make_sim()), make_sim()
    event = changed.sim.event_tagged("slash_uuid")
    pending = changed.sim.registrants("webinar", event["id"], "pending")
    changed.call(
        "PUT",
        f"/webinars/{event['id']}/registrants/status",
        json={"action": "deny", "registrants": [{"id": r["id"]} for r in pending]},
    )
    assert changed.sim.registrants("webinar", event["id"], "pending") == []
    assert fresh_before.registrants("webinar", event["id"], "pending") == pending
    assert make_sim().registrants("webinar", event["id"], "pending") == pending


def test_data_other_seed_gives_other_data():
    assert make_sim(seed=1).events != make_sim(seed=2).events


def test_data_default_now_is_this_hour():
    sim = SimulatedZoom(sleep=_never_sleep, clock=FakeClock())
    assert sim.now.minute == sim.now.second == sim.now.microsecond == 0
    assert abs(sim.now - datetime.now(UTC)) < timedelta(hours=1, minutes=1)


# --- the demo agency's clients: each its own account --------------------------------------


@pytest.fixture(scope="module")
def demo_accounts() -> dict[str, SimulatedZoom]:
    """Every demo client's account, by scenario, for one seed."""
    return {scenario: make_sim(scenario) for scenario in SCENARIO_COMPANIES}


def test_demo_scenarios_are_six_different_clients():
    assert set(SCENARIO_COMPANIES) == set(DEMO_SCENARIOS)
    assert len(set(SCENARIO_COMPANIES.values())) == len(SCENARIO_COMPANIES)
    assert {company_for(s).name for s in DEMO_SCENARIOS} == set(DEMO_CLIENT_NAMES.values())
    assert company_for("wrong_account") == company_for("missing:meeting:read:meeting:admin")


def test_demo_clients_share_no_event_topic(demo_accounts):
    seen: dict[str, str] = {}
    for scenario, sim in demo_accounts.items():
        topics = [event["topic"] for event in sim.events]
        assert len(topics) == len(set(topics)), scenario
        for topic in topics:
            assert topic not in seen, f"{topic!r} is an event of {seen[topic]} and {scenario}"
            seen[topic] = scenario


def test_demo_clients_events_name_only_their_own_client(demo_accounts):
    names = {sim.company.name for sim in demo_accounts.values()}
    assert len(names) == len(demo_accounts)
    for sim in demo_accounts.values():
        others = names - {sim.company.name}
        for event in sim.events:
            words = f"{event['topic']} {event['agenda']}"
            assert [name for name in others if name in words] == [], event["topic"]
            assert "Erbium" not in words  # the dashboard's name is no client's event
            assert sim.company.name in event["agenda"]
            registrants = sim.registrants(event["kind"], event["id"])
            assert not {r["org"] for r in registrants} & others, event["topic"]


def test_demo_clients_hosts_are_on_their_own_domain(demo_accounts):
    domains = set()
    for sim in demo_accounts.values():
        domain = sim.company.domain
        domains.add(domain)
        assert all(host["email"].endswith(f"@{domain}") for host in sim.hosts)
        assert all(event["host_email"].endswith(f"@{domain}") for event in sim.events)
    assert len(domains) == len(demo_accounts)


def test_demo_clients_have_their_own_numbers(demo_accounts):
    def shape(sim: SimulatedZoom) -> list:
        return [(e["kind"], e["start_time"], e["registrant_counts"]) for e in sim.events]

    shapes = [shape(sim) for sim in demo_accounts.values()]
    assert all(a != b for n, a in enumerate(shapes) for b in shapes[n + 1 :])


@pytest.mark.parametrize("scenario", list(SCENARIO_COMPANIES))
def test_demo_client_generated_twice_is_the_same(scenario):
    first = make_sim(scenario, seed=5)
    simulator._generated_account.cache_clear()  # really generate twice, not share the cache
    second = make_sim(scenario, seed=5)
    assert first.company == second.company == company_for(scenario)
    assert first.events == second.events and first.hosts == second.hosts
    for event in first.events:
        kind, event_id = event["kind"], event["id"]
        assert first.registrants(kind, event_id) == second.registrants(kind, event_id)
        for instance in event["instances"]:
            uuid = instance["uuid"]
            assert first.participants(kind, uuid) == second.participants(kind, uuid)
    assert make_sim(scenario, seed=6).events != first.events


def test_company_can_be_chosen_apart_from_the_scenario():
    sim = make_sim("full", company="litware")
    assert sim.company.name == "Litware" and sim.scenario.name == "full"
    assert sim.hosts[0]["email"].endswith("@litwareinc.com")
    with pytest.raises(ValueError, match="Unknown company 'acme'.*northwind"):
        make_sim("full", company="acme")


# --- registrants -------------------------------------------------------------------------


def test_registrant_add_to_auto_approval_event_is_approved(api):
    event = pick(api.sim, "meeting", state="upcoming", approval_type=0)
    response = api.call(
        "POST",
        f"/meetings/{event['id']}/registrants",
        json={"email": "new.person@example.com", "first_name": "New", "last_name": "Person"},
    )
    body = response.json()
    assert response.status_code == 201
    assert body["id"] == event["id"] and body["topic"] == event["topic"]
    assert body["start_time"] == event["start_time"] and body["join_url"]
    added = api.get(f"/meetings/{event['id']}/registrants/{body['registrant_id']}").json()
    assert (added["status"], added["email"]) == ("approved", "new.person@example.com")


def test_registrant_add_to_manual_approval_event_is_pending(api):
    event = pick(api.sim, "webinar", state="upcoming", approval_type=1)
    body = api.call(
        "POST",
        f"/webinars/{event['id']}/registrants",
        json={"email": "p@example.com", "first_name": "P"},
    ).json()
    pending = api.sim.registrants("webinar", event["id"], "pending")
    assert body["registrant_id"] in {r["id"] for r in pending}


def test_registrant_add_requires_email_and_first_name(api):
    event = pick(api.sim, "meeting", state="upcoming", approval_type=0)
    before = api.sim.registrants("meeting", event["id"])
    response = api.call("POST", f"/meetings/{event['id']}/registrants", json={"last_name": "X"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 300
    assert {error["field"] for error in body["errors"]} == {"email", "first_name"}
    assert api.sim.registrants("meeting", event["id"]) == before


def test_registrant_add_to_event_without_registration_is_refused(api):
    event = pick(api.sim, "meeting", state="upcoming", approval_type=2)
    response = api.call(
        "POST",
        f"/meetings/{event['id']}/registrants",
        json={"email": "a@example.com", "first_name": "A"},
    )
    assert response.status_code == 400 and response.json()["code"] == 3000


def test_registrant_add_to_past_webinar_is_400_3038(api):
    event = api.sim.event_tagged("slash_uuid")
    response = api.call(
        "POST",
        f"/webinars/{event['id']}/registrants",
        json={"email": "late@example.com", "first_name": "Late"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == 3038


def test_registrant_add_by_host_is_400_3027(api):
    event = pick(api.sim, "webinar", state="upcoming", approval_type=0)
    response = api.call(
        "POST",
        f"/webinars/{event['id']}/registrants",
        json={"email": event["host_email"], "first_name": "Host"},
    )
    assert response.status_code == 400 and response.json()["code"] == 3027


def test_registrant_fourth_add_same_day_is_429():
    clock = FakeClock()
    api = Api(make_sim(clock=clock))
    event = pick(api.sim, "webinar", state="upcoming", approval_type=0)
    path = f"/webinars/{event['id']}/registrants"
    person = {"email": "Repeat@example.com", "first_name": "Re"}
    ids = {api.call("POST", path, json=person).json()["registrant_id"] for _ in range(3)}
    assert len(ids) == 1  # the same e-mail gets the same registration back
    before = api.sim.registrants("webinar", event["id"])
    refused = api.call("POST", path, json=person)
    assert refused.status_code == 429
    assert refused.json()["code"] == 429 and "daily" in refused.json()["message"]
    assert refused.headers["X-RateLimit-Type"] == "Daily-limit"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["Retry-After"] == "2026-11-30T00:00:00Z"
    assert api.sim.registrants("webinar", event["id"]) == before
    other = api.call("POST", path, json={"email": "other@example.com", "first_name": "O"})
    assert other.status_code == 201
    clock.advance(24 * 3600)
    api.login()  # the first token has expired by now
    assert api.call("POST", path, json=person).status_code == 201


def test_registrant_delete_is_204_then_404_3000(api):
    event = api.sim.event_tagged("double_slash_uuid")
    registrant = api.sim.registrants("meeting", event["id"], "denied")[0]
    path = f"/meetings/{event['id']}/registrants/{registrant['id']}"
    assert api.call("DELETE", path).status_code == 204
    assert registrant["id"] not in {r["id"] for r in api.sim.registrants("meeting", event["id"])}
    again = api.call("DELETE", path)
    assert again.status_code == 404
    assert again.json() == {
        "code": 3000,
        "message": f"Registrant {registrant['id']} was not found.",
    }


def test_registrant_webinar_unknown_is_404_3079(api):
    event = api.sim.event_tagged("large")
    response = api.call("DELETE", f"/webinars/{event['id']}/registrants/nobody")
    assert response.status_code == 404
    assert response.json() == {"code": 3079, "message": "This registrant does not exist: nobody."}
    assert api.get(f"/webinars/{event['id']}/registrants/nobody").json()["code"] == 3079


def test_registrant_status_approve_deny_cancel(api):
    event = api.sim.event_tagged("slash_uuid")
    pending = api.sim.registrants("webinar", event["id"], "pending")
    path = f"/webinars/{event['id']}/registrants/status"
    approve = api.call(
        "PUT", path, json={"action": "approve", "registrants": [{"id": pending[0]["id"]}]}
    )
    deny = api.call(
        "PUT", path, json={"action": "deny", "registrants": [{"email": pending[1]["email"]}]}
    )
    cancel = api.call(
        "PUT", path, json={"action": "cancel", "registrants": [{"id": pending[0]["id"]}]}
    )
    assert (approve.status_code, deny.status_code, cancel.status_code) == (204, 204, 204)
    status = {r["id"]: r["status"] for r in api.sim.registrants("webinar", event["id"])}
    assert pending[0]["id"] not in status  # approved, then its registration cancelled
    assert status[pending[1]["id"]] == "denied"


# Zoom's documented transitions: approve a pending or denied registrant; deny a pending or
# approved one; cancel "a previously approved registrant's registration" (gone from the lists).
# Anything else changes nothing and is still answered 204.
TRANSITIONS = [
    ("approve", "pending", "approved"),
    ("approve", "denied", "approved"),
    ("approve", "approved", "approved"),
    ("deny", "pending", "denied"),
    ("deny", "approved", "denied"),
    ("deny", "denied", "denied"),
    ("cancel", "approved", None),
    ("cancel", "pending", "pending"),
    ("cancel", "denied", "denied"),
]


@pytest.mark.parametrize(("action", "before", "after"), TRANSITIONS)
def test_registrant_status_transitions_as_zoom_documents(api, action, before, after):
    event = api.sim.event_tagged("large")
    person = api.sim.registrants("webinar", event["id"], before)[0]
    response = api.call(
        "PUT",
        f"/webinars/{event['id']}/registrants/status",
        json={"action": action, "registrants": [{"id": person["id"]}]},
    )
    assert response.status_code == 204
    status = {r["id"]: r["status"] for r in api.sim.registrants("webinar", event["id"])}
    assert status.get(person["id"]) == after


def test_registrant_status_more_than_30_is_rejected(api):
    event = api.sim.event_tagged("large")
    before = api.sim.registrants("webinar", event["id"])
    pending = api.sim.registrants("webinar", event["id"], "pending")[:31]
    response = api.call(
        "PUT",
        f"/webinars/{event['id']}/registrants/status",
        json={"action": "approve", "registrants": [{"id": r["id"]} for r in pending]},
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": 300,
        "message": "The number of registrants can not exceed 30.",
    }
    assert api.sim.registrants("webinar", event["id"]) == before


def test_registrant_status_needs_a_valid_action(api):
    event = api.sim.event_tagged("large")
    response = api.call(
        "PUT",
        f"/webinars/{event['id']}/registrants/status",
        json={"action": "promote", "registrants": [{"id": "x"}]},
    )
    assert response.status_code == 400 and response.json()["code"] == 300


def test_registrant_list_defaults_to_approved(shared):
    event = shared.sim.event_tagged("slash_uuid")
    body = shared.get(f"/webinars/{event['id']}/registrants", page_size=300).json()
    assert {r["status"] for r in body["registrants"]} == {"approved"}
    pending = shared.get(f"/webinars/{event['id']}/registrants", status="pending").json()
    assert pending["total_records"] == event["registrant_counts"]["pending"]


# --- rate limits -------------------------------------------------------------------------


def test_rate_limit_category_header_on_every_response():
    api = Api(make_sim("missing_scopes"))
    meeting = api.sim.event_tagged("double_slash_uuid")
    ok = api.get("/users/me/meetings")
    scope_error = api.get(f"/meetings/{meeting['id']}/registrants")
    unauthorised = api.call("GET", "/meetings/1", token="bad")
    report = api.get(f"/report/meetings/{meeting['id']}/participants")
    assert ok.headers["X-RateLimit-Category"] == "Medium"
    assert scope_error.headers["X-RateLimit-Category"] == "Medium"
    assert unauthorised.headers["X-RateLimit-Category"] == "Light"
    assert report.headers["X-RateLimit-Category"] == "Heavy"
    assert "X-RateLimit-Limit" not in ok.headers


def test_rate_limit_qps_429_with_headers_then_next_second_ok():
    clock = FakeClock()
    api = Api(make_sim(clock=clock, faults=Faults(qps_limits={"Medium": 2})))
    first, second = api.get("/users/me/meetings"), api.get("/users/me/meetings")
    assert (first.headers["X-RateLimit-Limit"], first.headers["X-RateLimit-Remaining"]) == (
        "2",
        "1",
    )
    assert second.headers["X-RateLimit-Remaining"] == "0"
    refused = api.get("/users/me/meetings")
    assert refused.status_code == 429
    assert refused.json() == {
        "code": 429,
        "message": "You have reached the maximum per-second "
        "rate limit for this API. Try again later.",
    }
    assert refused.headers["X-RateLimit-Type"] == "QPS"
    assert refused.headers["X-RateLimit-Category"] == "Medium"
    assert "Retry-After" not in refused.headers
    assert api.get("/meetings/1").status_code == 404  # Light is not limited
    clock.advance(1)
    assert api.get("/users/me/meetings").status_code == 200


def test_rate_limit_sliding_window_counts_the_second_before_each_request():
    clock = FakeClock(1_000.5)  # mid-second: a clock-second count would reset at 1001.0
    api = Api(make_sim(clock=clock, faults=Faults(qps_limits={"Medium": 2}, qps_window="sliding")))
    assert api.get("/users/me/meetings").headers["X-RateLimit-Remaining"] == "1"
    clock.advance(0.25)  # 1000.75 (binary fractions: the sums are exact)
    assert api.get("/users/me/meetings").headers["X-RateLimit-Remaining"] == "0"
    clock.advance(0.5)  # 1001.25: a new clock second, but two admitted in the last 1.0 s
    refused = api.get("/users/me/meetings")
    assert refused.status_code == 429 and refused.headers["X-RateLimit-Type"] == "QPS"
    clock.advance(0.125)  # 1001.375: the first is 0.875 s old, still in the window
    assert api.get("/users/me/meetings").status_code == 429
    clock.advance(0.125)  # 1001.5: the first is exactly 1.0 s old and out of the window
    allowed = api.get("/users/me/meetings")
    assert allowed.status_code == 200 and allowed.headers["X-RateLimit-Remaining"] == "0"
    assert api.get("/meetings/1").status_code == 404  # other categories are not counted


def test_rate_limits_count_a_request_when_it_arrived_not_when_its_thread_got_round_to_it():
    # Zoom's gateway counts a request when it arrives. A simulator thread woken late from the
    # latency (a busy machine) must not count its request later than it came: that would make
    # requests paced a second apart look closer together than they were.
    clock = FakeClock(1_000.0)
    first_may_go = threading.Event()
    sleeping = threading.Event()

    def sleep(seconds: float) -> None:
        if threading.current_thread().name == "late":
            sleeping.set()
            assert first_may_go.wait(10)

    sim = make_sim(
        clock=clock,
        sleep=sleep,
        faults=Faults(qps_limits={"Medium": 2}, qps_window="sliding", latency=0.2),
    )
    api = Api(sim)
    api.login()
    answers = {}
    late = threading.Thread(
        target=lambda: answers.setdefault("late", api.get("/users/me/meetings")), name="late"
    )
    late.start()  # arrives at 1000.0, then its thread sleeps long
    assert sleeping.wait(10)
    clock.advance(0.5)
    assert api.get("/users/me/meetings").status_code == 200  # arrives and is counted at 1000.5
    clock.advance(0.75)  # 1001.25: the late thread is handled now
    first_may_go.set()
    late.join(10)
    assert answers["late"].status_code == 200
    # In the second before 1001.25 only the one of 1000.5 arrived: one more may come.
    allowed = api.get("/users/me/meetings")
    assert allowed.status_code == 200 and allowed.headers["X-RateLimit-Remaining"] == "0"
    assert api.get("/users/me/meetings").status_code == 429


def test_rate_limit_clock_window_is_the_default_and_resets_each_second():
    clock = FakeClock(1_000.5)
    api = Api(make_sim(clock=clock, faults=Faults(qps_limits={"Medium": 2})))
    api.get("/users/me/meetings")
    clock.advance(0.25)
    api.get("/users/me/meetings")
    clock.advance(0.5)  # 1001.25: two in the last 1.0 s, yet a new clock second
    assert api.get("/users/me/meetings").status_code == 200


def test_unknown_qps_window_is_refused_in_words():
    with pytest.raises(ValueError, match="use clock or sliding"):
        Faults(qps_window="rolling")


def test_rate_limit_qps_retry_after_when_asked():
    api = Api(make_sim(faults=Faults(qps_limits={"Light": 1}, qps_retry_after=True)))
    event = api.sim.event_tagged("large")
    api.get(f"/webinars/{event['id']}")
    refused = api.get(f"/webinars/{event['id']}")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"


def test_rate_limit_daily_429_with_headers():
    clock = FakeClock()
    api = Api(make_sim(clock=clock, faults=Faults(daily_limits={"Heavy": 2})))
    event = api.sim.event_tagged("large")
    path = f"/report/webinars/{event['id']}/participants"
    assert api.get(path).headers["X-RateLimit-Remaining"] == "1"
    assert api.get(path).headers["X-RateLimit-Remaining"] == "0"
    refused = api.get(path)
    assert refused.status_code == 429
    assert refused.json() == {
        "code": 429,
        "message": "You have exceeded the daily rate limit (2) of Heavy API requests permitted "
        "for this account. You may resume these requests at GMT 00:00:00.",
    }
    assert refused.headers["X-RateLimit-Type"] == "Daily-limit"
    assert refused.headers["X-RateLimit-Limit"] == "2"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["Retry-After"] == "2026-11-30T00:00:00Z"
    clock.advance(12 * 3600)  # 00:00 UTC the next day
    api.login()
    assert api.get(path).status_code == 200


def test_rate_limit_refused_request_changes_nothing():
    api = Api(make_sim(faults=Faults(daily_limits={"Light": 0})))
    event = pick(api.sim, "meeting", state="upcoming", approval_type=0)
    before = api.sim.registrants("meeting", event["id"])
    response = api.call(
        "POST",
        f"/meetings/{event['id']}/registrants",
        json={"email": "z@example.com", "first_name": "Z"},
    )
    assert response.status_code == 429
    assert api.sim.registrants("meeting", event["id"]) == before


# --- injected faults ---------------------------------------------------------------------


def test_faults_server_errors_alternate_then_recover():
    api = Api(make_sim(faults=Faults(server_errors=3)))
    responses = [api.get("/users/me/meetings") for _ in range(4)]
    assert [r.status_code for r in responses] == [500, 502, 503, 200]
    assert responses[0].json() == {"code": 500, "message": "Internal Error"}
    assert responses[1].headers["Content-Type"].startswith("text/html")
    assert responses[2].json() == {"code": 500, "message": "Internal Error"}


def test_faults_malformed_json_is_truncated_200():
    api = Api(make_sim(faults=Faults(malformed_json=1)))
    broken = api.get("/users/me/meetings")
    assert broken.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.content)
    assert api.get("/users/me/meetings").json()["meetings"]


def test_faults_fault_paths_limits_where_faults_apply():
    api = Api(make_sim(faults=Faults(server_errors=1, fault_paths="/report/")))
    event = api.sim.event_tagged("large")
    assert api.get("/users/me/webinars").status_code == 200
    assert api.get(f"/report/webinars/{event['id']}/participants").status_code == 500
    assert api.get(f"/report/webinars/{event['id']}/participants").status_code == 200


def test_faults_can_be_changed_between_requests():
    api = Api(make_sim())
    assert api.get("/users/me/meetings").status_code == 200
    api.sim.faults.server_errors = 1
    assert api.get("/users/me/meetings").status_code == 500
    assert api.sim.faults.server_errors == 0
    assert api.get("/users/me/meetings").status_code == 200


def test_faults_latency_uses_injected_sleep():
    slept: list[float] = []
    api = Api(make_sim(faults=Faults(latency=0.25), sleep=slept.append))
    api.get("/users/me/meetings")
    assert slept == [0.25, 0.25]  # the token request and the API request


# --- bookkeeping and concurrency ---------------------------------------------------------


def test_calls_record_raw_path_query_and_status(api):
    event = api.sim.event_tagged("slash_uuid")
    encoded = encode_uuid(event["uuid"])
    api.get(f"/report/webinars/{encoded}/participants", include_fields="registrant_id")
    api.get("/meetings/1")
    assert api.sim.api_calls() == [
        SimCall(
            "GET",
            f"/v2/report/webinars/{encoded}/participants",
            {"include_fields": "registrant_id"},
            200,
        ),
        SimCall("GET", "/v2/meetings/1", {}, 404),
    ]
    assert "%252F" in api.sim.api_calls("/report/")[0].path
    assert len(api.sim.calls) == 3  # plus the token request


def test_handle_is_thread_safe(api):
    api.login()
    results: list[int] = []

    def worker():
        for _ in range(10):
            results.append(api.get("/users/me/meetings").status_code)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 80
    assert len(api.sim.api_calls()) == 80


# --- the loopback server -----------------------------------------------------------------


def test_server_answers_token_and_api_over_http():
    sim = make_sim()
    with serve(sim, port=0) as server:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
        assert server.oauth_url == server.url + "/oauth/token"
        assert server.api_url == server.url + "/v2"
        with httpx.Client(timeout=5) as http:
            token = http.post(
                server.oauth_url,
                data={"grant_type": "account_credentials", "account_id": DEFAULT_ACCOUNT_ID},
                auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
            ).json()
            assert token["api_url"] == server.url  # a client following api_url stays local
            event = sim.event_tagged("slash_uuid")
            response = http.get(
                f"{server.api_url}/report/webinars/{encode_uuid(event['uuid'])}/participants",
                headers={"Authorization": f"Bearer {token['access_token']}"},
            )
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Category"] == "Heavy"
        assert response.json()["total_records"] == len(sim.participants("webinar", event["uuid"]))
        assert "%252F" in sim.api_calls()[-1].path  # the raw path was kept
    assert not server._thread.is_alive()


def test_server_close_is_idempotent():
    server = SimulatorServer(make_sim(), "127.0.0.1", 0)
    server.close()
    server.close()
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url + "/v2/users/me/meetings", timeout=2)


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "example.com", "::"])
def test_server_refuses_non_loopback_host(host):
    with pytest.raises(ValueError, match="loopback"):
        serve(make_sim(), host=host)


# --- conformance with Zoom's OpenAPI spec ------------------------------------------------


@pytest.fixture(scope="module")
def spec(zoom_openapi_spec) -> dict:
    return zoom_openapi_spec


_FORMATS = jsonschema.FormatChecker()


@_FORMATS.checks("date-time", raises=ValueError)
def _zoom_date_time(value: object) -> bool:
    # Zoom writes UTC timestamps as 2025-03-15T10:00:00Z; anything else is a simulator bug.
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value):
        raise ValueError(f"not a Zoom UTC timestamp: {value!r}")
    return True


def _json_schema(node: object) -> object:
    """OpenAPI 3.0 schema → JSON Schema: ``nullable`` becomes a null type, x- keys go."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _json_schema(value) for key, value in node.items() if not key.startswith("x-")}
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def _properties(schema: dict) -> dict:
    found = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        found.update(_properties(part))
    return found


def _items(schema: dict) -> dict | None:
    if "items" in schema:
        return schema["items"]
    for part in schema.get("allOf", []):
        if (found := _items(part)) is not None:
            return found
    return None


def _undeclared(schema: dict, value: object, where: str = "$") -> list[str]:
    """Keys in the body that the spec does not declare (the sim must use Zoom's names)."""
    problems = []
    if isinstance(value, dict):
        declared = _properties(schema)
        for key, item in value.items():
            if declared and key not in declared:
                problems.append(f"{where}.{key}")
            elif key in declared:
                problems += _undeclared(declared[key], item, f"{where}.{key}")
    elif isinstance(value, list) and (items := _items(schema)) is not None:
        for n, item in enumerate(value[:50]):
            problems += _undeclared(items, item, f"{where}[{n}]")
    return problems


def _response_schema(spec: dict, path: str, method: str, status: str) -> dict:
    response = spec["paths"][path][method]["responses"][status]
    return response["content"]["application/json"]["schema"]


def _first(sim, kind, tag):
    return sim.event_tagged(tag, kind)


CONFORMANCE = [
    (
        "/users/{userId}/webinars",
        "get",
        "200",
        "webinars",
        lambda api: api.get("/users/me/webinars", page_size=300),
    ),
    (
        "/users/{userId}/meetings",
        "get",
        "200",
        "meetings",
        lambda api: api.get("/users/me/meetings", page_size=300),
    ),
    (
        "/webinars/{webinarId}",
        "get",
        "200",
        None,
        lambda api: api.get(f"/webinars/{_first(api.sim, 'webinar', 'large')['id']}"),
    ),
    (
        "/meetings/{meetingId}",
        "get",
        "200",
        None,
        lambda api: api.get(
            f"/meetings/{_first(api.sim, 'meeting', 'recurring')['id']}",
            show_previous_occurrences="true",
        ),
    ),
    (
        "/webinars/{webinarId}/registrants",
        "get",
        "200",
        "registrants",
        lambda api: api.get(
            f"/webinars/{_first(api.sim, 'webinar', 'slash_uuid')['id']}/registrants", page_size=300
        ),
    ),
    (
        "/meetings/{meetingId}/registrants",
        "get",
        "200",
        "registrants",
        lambda api: api.get(
            f"/meetings/{_first(api.sim, 'meeting', 'double_slash_uuid')['id']}/registrants",
            page_size=300,
            status="pending",
        ),
    ),
    (
        "/webinars/{webinarId}/registrants/{registrantId}",
        "get",
        "200",
        None,
        lambda api: _get_one_registrant(api, "webinar", "slash_uuid"),
    ),
    (
        "/meetings/{meetingId}/registrants/{registrantId}",
        "get",
        "200",
        None,
        lambda api: _get_one_registrant(api, "meeting", "recurring"),
    ),
    (
        "/webinars/{webinarId}/registrants",
        "post",
        "201",
        None,
        lambda api: _add_registrant(api, "webinar"),
    ),
    (
        "/meetings/{meetingId}/registrants",
        "post",
        "201",
        None,
        lambda api: _add_registrant(api, "meeting"),
    ),
    (
        "/report/webinars/{webinarId}/participants",
        "get",
        "200",
        "participants",
        lambda api: api.get(
            f"/report/webinars/{_first(api.sim, 'webinar', 'slash_uuid')['id']}/participants",
            page_size=300,
            include_fields="registrant_id",
        ),
    ),
    (
        "/report/meetings/{meetingId}/participants",
        "get",
        "200",
        "participants",
        lambda api: api.get(
            "/report/meetings/"
            f"{encode_uuid(_first(api.sim, 'meeting', 'double_slash_uuid')['uuid'])}"
            "/participants",
            page_size=300,
            include_fields="registrant_id",
        ),
    ),
]


def _get_one_registrant(api: Api, kind: str, tag: str) -> httpx.Response:
    event = api.sim.event_tagged(tag, kind)
    registrant = api.sim.registrants(kind, event["id"])[0]
    return api.get(f"/{kind}s/{event['id']}/registrants/{registrant['id']}")


def _add_registrant(api: Api, kind: str) -> httpx.Response:
    event = (
        api.sim.event_tagged("recurring")
        if kind == "meeting"
        else pick(api.sim, kind, state="upcoming", approval_type=0)
    )
    return api.call(
        "POST",
        f"/{kind}s/{event['id']}/registrants",
        json={"email": "spec.check@example.com", "first_name": "Spec", "last_name": "Check"},
    )


@pytest.mark.parametrize(
    ("path", "method", "status", "list_key", "request_it"),
    CONFORMANCE,
    ids=[f"{m.upper()} {p}" for p, m, *_ in CONFORMANCE],
)
def test_openapi_success_body_matches_spec(spec, api, path, method, status, list_key, request_it):
    schema = _response_schema(spec, path, method, status)
    response = request_it(api)
    assert response.status_code == int(status), response.text
    body = response.json()
    declared = _properties(schema)
    assert declared, "the spec's schema must declare properties, or this check is vacuous"
    jsonschema.Draft4Validator(_json_schema(schema), format_checker=_FORMATS).validate(body)
    assert _undeclared(schema, body) == []
    if list_key:
        assert list_key in declared and body[list_key], f"{list_key} must be a non-empty list"
        for key in ("page_size", "total_records", "next_page_token"):
            assert key in declared and key in body
    else:
        assert "id" in body and "id" in declared


def test_openapi_validator_catches_a_wrong_type(spec, shared):
    schema = _json_schema(
        _response_schema(spec, "/report/meetings/{meetingId}/participants", "get", "200")
    )
    event = shared.sim.event_tagged("double_slash_uuid")
    body = shared.get(f"/report/meetings/{event['id']}/participants").json()
    jsonschema.Draft4Validator(schema, format_checker=_FORMATS).validate(body)
    broken = copy.deepcopy(body)
    broken["participants"][0]["duration"] = "300"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema, format_checker=_FORMATS).validate(broken)
    broken = copy.deepcopy(body)
    broken["participants"][0]["join_time"] = "2026-11-01 10:00"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema, format_checker=_FORMATS).validate(broken)
