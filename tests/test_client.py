"""ZoomClient against the simulated account: endpoints, pagination, encoding, errors, retries."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import httpx
import pytest

from erbium_zoom.auth import TokenCache
from erbium_zoom.client import (
    MAX_ATTEMPTS,
    MAX_RETRY_AFTER,
    PAGE_SIZE,
    ZoomClient,
    encode_event_id,
    encode_uuid,
    parse_retry_after,
)
from erbium_zoom.errors import (
    ConfigError,
    EventNotFound,
    InvalidResponse,
    MissingScope,
    PlanRequired,
    RateLimited,
    RegistrantNotFound,
    ServerError,
    TooOld,
    UserNotFound,
    WriteOutcomeUnknown,
)
from erbium_zoom.models import EventKind, NewRegistrant, Registrant
from erbium_zoom.simulator import Faults, SimulatedZoom
from tests.conftest import FIXED_NOW, SIM_CREDENTIALS

WEBINAR, MEETING = EventKind.WEBINAR, EventKind.MEETING


class FakeClock:
    """One clock for the simulator and the client: sleeping advances it, nothing waits."""

    def __init__(self, start: datetime = FIXED_NOW):
        self.now = start
        self.delays: list[float] = []

    def time(self) -> float:
        return self.now.timestamp()

    def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.now += timedelta(seconds=seconds)


def sim_with(faults: Faults, clock: FakeClock | None = None, scenario="full") -> SimulatedZoom:
    kwargs = {"clock": clock.time, "sleep": clock.sleep} if clock else {}
    return SimulatedZoom(scenario, now=FIXED_NOW, faults=faults, **kwargs)


def clocked_client(make_client, simulator, clock: FakeClock) -> ZoomClient:
    return make_client(simulator, sleep=clock.sleep, now=lambda: clock.now)


def largest_event(sim: SimulatedZoom, kind: str) -> dict:
    return max(
        (e for e in sim.events if e["kind"] == kind),
        key=lambda e: len(sim.registrants(kind, e["id"])),
    )


def owner(sim: SimulatedZoom) -> dict:
    return sim.hosts[0]


# ---- encoding ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uuid", "encoded"),
    [
        ("abcABC123==", "abcABC123%3D%3D"),
        ("a+b/c==", "a%2Bb%2Fc%3D%3D"),
        ("/abcABC123==", "%252FabcABC123%253D%253D"),
        ("ab//cd==", "ab%252F%252Fcd%253D%253D"),
    ],
)
def test_encode_uuid_once_or_twice(uuid, encoded):
    assert encode_uuid(uuid) == encoded
    rounds = 2 if uuid.startswith("/") or "//" in uuid else 1
    decoded = encoded
    for _ in range(rounds):
        decoded = unquote(decoded)
    assert decoded == uuid


def test_encode_event_id_keeps_numeric_ids():
    assert encode_event_id(81234567890) == "81234567890"
    with pytest.raises(ConfigError):
        encode_event_id("  ")


def test_slash_uuids_reach_the_simulator_double_encoded(sim, client):
    slash_events = [e for e in sim.events if e["uuid"].startswith("/") or "//" in e["uuid"]]
    reportable = [e for e in slash_events if sim.participants(e["kind"], e["uuid"])]
    assert reportable, "the simulated account must have a reportable slash UUID"
    for event in reportable:
        rows = client.list_participants(EventKind(event["kind"]), event["uuid"])
        assert len(rows) == len(sim.participants(event["kind"], event["uuid"]))
    assert any("%252F" in call.path for call in sim.api_calls("/report/"))


# ---- events --------------------------------------------------------------------------------


def test_list_upcoming_events_match_the_account(sim, client):
    host = owner(sim)
    webinars = client.list_webinars("me")
    meetings = client.list_meetings(host["email"])
    expected = {
        (e["kind"], e["id"])
        for e in sim.events
        if e["host_id"] == host["id"] and _start(e) >= FIXED_NOW - timedelta(minutes=e["duration"])
    }
    got = {(e.kind.value, e.id) for e in webinars + meetings}
    assert got and got <= expected
    assert all(e.start_time is not None and e.join_url for e in webinars + meetings)
    params = [call.query for call in sim.api_calls("/users/")]
    assert all(p["type"] == "upcoming" and p["page_size"] == str(PAGE_SIZE) for p in params)


def _start(event: dict) -> datetime:
    value = event["start_time"]
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_list_past_meetings_uses_previous_meetings(sim, client):
    past = client.list_past_events(MEETING, "me")
    assert past
    assert all(e.start_time < FIXED_NOW for e in past)
    assert sim.api_calls("/meetings")[-1].query["type"] == "previous_meetings"


def test_list_past_webinars_filters_scheduled_list(sim, client):
    past = client.list_past_events(WEBINAR, "me")
    assert all(e.start_time < FIXED_NOW for e in past)
    assert sim.api_calls("/webinars")[-1].query["type"] == "scheduled"


def test_unknown_list_type_is_refused_without_a_call(sim, client):
    with pytest.raises(ConfigError):
        client.list_webinars("me", "previous_meetings")
    assert sim.api_calls() == []


def test_get_event_by_id_and_uuid(sim, client):
    event = next(e for e in sim.events if e["kind"] == "webinar")
    by_id = client.get_event(WEBINAR, event["id"])
    by_uuid = client.get_event(WEBINAR, event["uuid"])
    assert by_id.id == by_uuid.id == event["id"]
    assert by_id.topic == event["topic"]


def test_unknown_host_is_user_not_found(client):
    with pytest.raises(UserNotFound) as caught:
        client.list_meetings("nobody@example.invalid")
    assert caught.value.code == 1001
    assert "host" in str(caught.value)


def test_unknown_event_is_event_not_found(client):
    with pytest.raises(EventNotFound) as caught:
        client.get_event(MEETING, 11111111111)
    assert caught.value.code == 3001


# ---- pagination ----------------------------------------------------------------------------


def test_registrant_list_follows_pages_and_keeps_params(sim, client):
    event = largest_event(sim, "webinar")
    kind = EventKind(event["kind"])
    expected = sim.registrants(event["kind"], event["id"], "approved")
    assert len(expected) > 2 * PAGE_SIZE, "the large event must span several pages"
    rows = client.list_registrants(kind, event["id"], "approved")
    assert [r.id for r in rows] == [r["id"] for r in expected]
    calls = sim.api_calls(f"/{kind.plural}/{event['id']}/registrants")
    assert len(calls) == math.ceil(len(expected) / PAGE_SIZE)
    assert all(c.query["status"] == "approved" and c.query["page_size"] == "300" for c in calls)
    assert all("next_page_token" in c.query for c in calls[1:])


def test_participant_report_follows_pages_with_registrant_ids(sim, client):
    event = max(
        (e for e in sim.events if sim.participants(e["kind"], e["id"])),
        key=lambda e: len(sim.participants(e["kind"], e["id"])),
    )
    expected = sim.participants(event["kind"], event["id"])
    assert len(expected) > 1000
    rows = client.list_participants(EventKind(event["kind"]), event["id"])
    assert len(rows) == len(expected)
    assert any(r.registrant_id for r in rows)
    calls = sim.api_calls("/report/")
    assert len(calls) == math.ceil(len(expected) / PAGE_SIZE)
    assert all(c.query["include_fields"] == "registrant_id" for c in calls)


def test_pagination_stops_on_a_repeated_token(make_client):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3599})
        return httpx.Response(200, json={"meetings": [{"id": 1}], "next_page_token": "same"})

    transport = httpx.MockTransport(handler)
    with ZoomClient(SIM_CREDENTIALS, transport=transport, token_cache=TokenCache()) as c:
        with pytest.raises(InvalidResponse):
            c.list_meetings("me")


# ---- registrants ---------------------------------------------------------------------------


def _registration_event(sim: SimulatedZoom, kind: str) -> dict:
    """An upcoming event of this kind that takes registrations and has some pending."""
    return next(
        e
        for e in sim.events
        if e["kind"] == kind
        and _start(e) > FIXED_NOW
        and e["approval_type"] != 2
        and sim.registrants(kind, e["id"], "pending")
    )


def test_count_registrants_from_total_records(sim, client):
    event = _registration_event(sim, "meeting")
    counts = client.count_registrants(MEETING, event["id"])
    assert counts.approved == len(sim.registrants("meeting", event["id"], "approved"))
    assert counts.pending == len(sim.registrants("meeting", event["id"], "pending"))
    assert counts.denied == len(sim.registrants("meeting", event["id"], "denied"))
    calls = sim.api_calls(f"/meetings/{event['id']}/registrants")
    assert len(calls) == 3 and all(c.query["page_size"] == "1" for c in calls)


def test_registrants_need_the_numeric_id(client):
    with pytest.raises(ConfigError):
        client.list_registrants(MEETING, "abc/uuid==")


def test_get_add_and_delete_registrant(sim, client):
    event = _registration_event(sim, "webinar")
    added = client.add_registrant(
        WEBINAR, event["id"], NewRegistrant("new.person@example.com", "New", "Person")
    )
    assert added.registrant_id and added.event_id == event["id"]
    fetched = client.get_registrant(WEBINAR, event["id"], added.registrant_id)
    assert fetched.email == "new.person@example.com" and fetched.status in ("approved", "pending")
    client.delete_registrant(WEBINAR, event["id"], added.registrant_id)
    with pytest.raises(RegistrantNotFound):
        client.get_registrant(WEBINAR, event["id"], added.registrant_id)


def test_add_registrant_validates_before_sending(sim, client):
    event = _registration_event(sim, "meeting")
    with pytest.raises(ConfigError) as caught:
        client.add_registrant(MEETING, event["id"], NewRegistrant("not-an-email", "A"))
    assert caught.value.field == "email"
    with pytest.raises(ConfigError):
        client.add_registrant(MEETING, event["id"], NewRegistrant("a@example.com", " "))
    assert sim.api_calls() == []


def test_fourth_add_of_one_person_is_a_daily_limit_and_sent_once(sim, client):
    event = _registration_event(sim, "meeting")
    person = NewRegistrant("repeat@example.com", "Re", "Peat")
    for _ in range(3):
        client.add_registrant(MEETING, event["id"], person)
    with pytest.raises(RateLimited) as caught:
        client.add_registrant(MEETING, event["id"], person)
    assert caught.value.limit_type == "daily"
    assert len([c for c in sim.api_calls("/registrants") if c.method == "POST"]) == 4


def test_status_update_batches_by_thirty(sim, client):
    event = largest_event(sim, "webinar")
    approved = client.list_registrants(WEBINAR, event["id"], "approved")
    chosen = approved[:65]
    result = client.update_registrant_status(WEBINAR, event["id"], "deny", chosen)
    assert (result.updated, result.calls) == (65, 3)
    puts = [c for c in sim.api_calls("/registrants/status") if c.method == "PUT"]
    assert len(puts) == 3
    denied_ids = {r["id"] for r in sim.registrants("webinar", event["id"], "denied")}
    assert {r.id for r in chosen} <= denied_ids


def test_status_update_cancel_removes_from_lists(sim, client):
    event = _registration_event(sim, "meeting")
    victim = client.list_registrants(MEETING, event["id"], "approved")[0]
    client.update_registrant_status(MEETING, event["id"], "cancel", [victim.id])
    remaining = {r["id"] for r in sim.registrants("meeting", event["id"])}
    assert victim.id not in remaining


@pytest.fixture
def status_bodies(sim):
    """A client on ``sim`` that keeps the body of every status update it sends."""
    bodies: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/registrants/status"):
            bodies.append(json.loads(request.content))
        return sim.handle(request)

    transport = httpx.MockTransport(handler)
    with ZoomClient(SIM_CREDENTIALS, transport=transport, token_cache=TokenCache()) as c:
        yield c, bodies


def test_status_update_is_sent_only_for_those_the_action_changes(sim, status_bodies):
    client, bodies = status_bodies
    event = _registration_event(sim, "meeting")
    pending = client.list_registrants(MEETING, event["id"], "pending")[:2]
    approved = client.list_registrants(MEETING, event["id"], "approved")[:1]
    result = client.update_registrant_status(MEETING, event["id"], "approve", approved + pending)
    assert (result.updated, result.calls) == (2, 1)
    assert [[r["id"] for r in body["registrants"]] for body in bodies] == [[r.id for r in pending]]
    [skipped] = result.skipped
    assert (skipped.registrant, skipped.reason) == (approved[0], "already approved")


def test_status_update_that_would_change_nothing_is_not_sent(sim, client):
    event = _registration_event(sim, "meeting")
    approved = client.list_registrants(MEETING, event["id"], "approved")[:3]
    before = len(sim.api_calls())
    result = client.update_registrant_status(MEETING, event["id"], "approve", approved)
    assert (result.updated, result.calls) == (0, 0)
    assert [s.reason for s in result.skipped] == ["already approved"] * 3
    assert len(sim.api_calls()) == before, "no request at all reached Zoom"


def test_status_update_by_id_looks_the_status_up_in_zoom(sim, status_bodies):
    client, bodies = status_bodies
    event = _registration_event(sim, "meeting")
    approved = sim.registrants("meeting", event["id"], "approved")[0]["id"]
    pending = sim.registrants("meeting", event["id"], "pending")[0]["id"]
    result = client.update_registrant_status(
        MEETING, event["id"], "cancel", [pending, approved, "nobody"]
    )
    assert result.updated == 1
    assert [[r["id"] for r in body["registrants"]] for body in bodies] == [[approved]]
    reasons = {s.registrant.id: s.reason for s in result.skipped}
    assert reasons == {
        pending: "pending: only approved registrations can be cancelled",
        "nobody": "not found among this event's registrants in Zoom",
    }


def test_status_update_refuses_unknown_action_and_empty_selection(sim, client):
    with pytest.raises(ConfigError):
        client.update_registrant_status(MEETING, 1, "promote", ["x"])
    with pytest.raises(ConfigError):
        client.update_registrant_status(MEETING, 1, "approve", [])
    assert sim.api_calls() == []


def test_status_update_failure_midway_says_how_many_were_done(make_client, sleeps):
    puts = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3599})
        puts.append(request)
        if len(puts) == 2:
            return httpx.Response(404, json={"code": 3001, "message": "Meeting does not exist."})
        return httpx.Response(204)

    transport = httpx.MockTransport(handler)
    approved = [Registrant(str(i), "", "P", str(i), "approved", None, None) for i in range(50)]
    with ZoomClient(SIM_CREDENTIALS, transport=transport, token_cache=TokenCache()) as c:
        with pytest.raises(EventNotFound) as caught:
            c.update_registrant_status(MEETING, 5, "deny", approved)
    assert "30 of 50" in str(caught.value)
    assert len(puts) == 2


# ---- typed errors from the simulated account ------------------------------------------------


def test_no_webinar_plan_is_a_plan_error_not_a_scope_error(make_client):
    c = make_client(SimulatedZoom("no_webinar_plan", now=FIXED_NOW))
    with pytest.raises(PlanRequired) as caught:
        c.list_webinars("me")
    assert caught.value.code == 200 and "Webinar add-on" in str(caught.value)
    assert c.list_meetings("me") is not None


def test_missing_scope_error_lists_the_scope(make_client):
    sim = SimulatedZoom("missing_scopes", now=FIXED_NOW)
    c = make_client(sim)
    event = next(
        e for e in sim.events if e["kind"] == "meeting" and sim.participants("meeting", e["id"])
    )
    with pytest.raises(MissingScope) as caught:
        c.list_participants(MEETING, event["id"])
    assert "report:read:list_meeting_participants:admin" in caught.value.scopes


def test_classic_scope_app_can_read_everything(make_client):
    sim = SimulatedZoom("classic", now=FIXED_NOW)
    c = make_client(sim)
    assert c.list_webinars("me") is not None
    event = next(e for e in sim.events if _reportable(sim, e))
    assert c.list_participants(EventKind(event["kind"]), event["id"])


def _reportable(sim: SimulatedZoom, event: dict) -> bool:
    """Ended over an hour ago, within the last five months, with a report."""
    start = _start(event)
    recent = FIXED_NOW - timedelta(days=150) < start < FIXED_NOW - timedelta(hours=3)
    return recent and bool(sim.participants(event["kind"], event["id"]))


def test_report_of_old_event_is_too_old(sim, client):
    old = [e for e in sim.events if _start(e) < FIXED_NOW - timedelta(days=365)]
    assert old
    with pytest.raises(TooOld) as caught:
        client.list_participants(EventKind(old[0]["kind"]), old[0]["id"])
    assert caught.value.code == 12702


def test_report_of_just_ended_event_is_not_found_yet(sim, client):
    just_ended = [
        e
        for e in sim.events
        if timedelta(0)
        < FIXED_NOW - (_start(e) + timedelta(minutes=e["duration"]))
        < timedelta(minutes=30)
    ]
    assert just_ended
    with pytest.raises(EventNotFound):
        client.list_participants(EventKind(just_ended[0]["kind"]), just_ended[0]["id"])


# ---- retries and back-off ------------------------------------------------------------------


def test_qps_429_is_retried_after_backing_off(make_client):
    clock = FakeClock()
    sim = sim_with(Faults(qps_limits={"Medium": 1}), clock)
    c = clocked_client(make_client, sim, clock)
    for _ in range(3):
        c.list_meetings("me")
    statuses = [call.status for call in sim.api_calls()]
    assert statuses.count(429) >= 1 and statuses.count(200) == 3
    assert clock.delays and all(d <= MAX_RETRY_AFTER for d in clock.delays)


def test_qps_retry_after_seconds_is_honoured(make_client):
    clock = FakeClock()
    sim = sim_with(Faults(qps_limits={"Medium": 1}, qps_retry_after=True), clock)
    c = clocked_client(make_client, sim, clock)
    c.list_meetings("me")
    c.list_meetings("me")
    assert clock.delays == [1.0]


def test_daily_limit_is_raised_with_reset_time_and_not_retried(make_client):
    clock = FakeClock()
    sim = sim_with(Faults(daily_limits={"Medium": 1}), clock)
    c = clocked_client(make_client, sim, clock)
    c.list_meetings("me")
    with pytest.raises(RateLimited) as caught:
        c.list_meetings("me")
    error = caught.value
    assert error.limit_type == "daily" and error.category == "Medium"
    assert error.retry_at == datetime(2026, 11, 30, tzinfo=UTC)
    assert "2026-11-30 00:00" in str(error)
    assert [call.status for call in sim.api_calls()] == [200, 429]
    assert clock.delays == []


def test_retry_after_beyond_cap_is_reported_not_slept(make_client, sleeps):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3599})
        return httpx.Response(
            429,
            headers={"X-RateLimit-Type": "QPS", "Retry-After": "3600"},
            json={"code": 429, "message": "You have reached the maximum per-second rate limit."},
        )

    transport = httpx.MockTransport(handler)
    with ZoomClient(
        SIM_CREDENTIALS, transport=transport, token_cache=TokenCache(), sleep=sleeps
    ) as c:
        with pytest.raises(RateLimited) as caught:
            c.list_meetings("me")
    assert caught.value.limit_type == "qps"
    assert sleeps.delays == [] and c.request_count == 1


def test_daily_limit_without_type_header_is_recognised_from_date(make_client, sleeps):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3599})
        return httpx.Response(
            429, headers={"Retry-After": "2026-11-30T00:00:00Z"}, json={"code": 429, "message": "x"}
        )

    transport = httpx.MockTransport(handler)
    with ZoomClient(
        SIM_CREDENTIALS,
        transport=transport,
        token_cache=TokenCache(),
        sleep=sleeps,
        now=lambda: FIXED_NOW,
    ) as c:
        with pytest.raises(RateLimited) as caught:
            c.list_meetings("me")
    assert caught.value.limit_type == "daily"
    assert caught.value.retry_at == datetime(2026, 11, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("7", 7.0),
        ("2026-11-29T12:00:30Z", 30.0),
        ("Sun, 29 Nov 2026 12:01:00 GMT", 60.0),
        ("2026-11-29T11:00:00Z", 0.0),
        ("soon", None),
        (None, None),
    ],
)
def test_parse_retry_after_seconds_or_dates(value, seconds):
    assert parse_retry_after(value, FIXED_NOW) == seconds


def test_server_error_burst_is_retried_for_reads(make_client, sleeps):
    sim = sim_with(Faults(server_errors=2))
    c = make_client(sim)
    assert c.list_meetings("me") is not None
    assert [call.status for call in sim.api_calls()][:2] != [200, 200]
    assert sleeps.delays == [0.5, 1.0]


def test_backoff_has_jitter(make_client, sleeps):
    sim = sim_with(Faults(server_errors=1))
    c = make_client(sim, jitter=lambda: 1.0)
    c.list_meetings("me")
    assert sleeps.delays == [0.5 * 1.25]


def test_retries_are_bounded(make_client, sleeps):
    sim = sim_with(Faults(server_errors=10))
    c = make_client(sim)
    with pytest.raises(ServerError):
        c.list_meetings("me")
    assert len(sim.api_calls()) == MAX_ATTEMPTS
    assert len(sleeps.delays) == MAX_ATTEMPTS - 1


def test_malformed_json_is_retried_for_reads(make_client):
    sim = sim_with(Faults(malformed_json=1))
    c = make_client(sim)
    assert c.list_meetings("me") is not None
    assert len(sim.api_calls()) == 2


def test_server_error_on_add_is_not_repeated(make_client):
    sim = sim_with(Faults(server_errors=1, fault_paths="/registrants"))
    event = _registration_event(sim, "meeting")
    c = make_client(sim)
    with pytest.raises(WriteOutcomeUnknown) as caught:
        c.add_registrant(MEETING, event["id"], NewRegistrant("once@example.com", "Once"))
    posts = [call for call in sim.api_calls("/registrants") if call.method == "POST"]
    assert len(posts) == 1
    assert "Reload" in str(caught.value)


def test_broken_connection_after_sending_a_write_is_not_repeated(sleeps):
    posts = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3599})
        posts.append(request)
        raise httpx.ReadTimeout("no answer")

    transport = httpx.MockTransport(handler)
    with ZoomClient(
        SIM_CREDENTIALS, transport=transport, token_cache=TokenCache(), sleep=sleeps
    ) as c:
        with pytest.raises(WriteOutcomeUnknown):
            c.add_registrant(MEETING, 5, NewRegistrant("a@example.com", "A"))
    assert len(posts) == 1 and sleeps.delays == []


def test_refused_connection_on_a_write_is_retried(sleeps):
    attempts = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3599})
        attempts.append(request)
        if len(attempts) == 1:
            raise httpx.ConnectError("refused")
        return httpx.Response(201, json={"id": 5, "registrant_id": "r1", "join_url": "j"})

    transport = httpx.MockTransport(handler)
    with ZoomClient(
        SIM_CREDENTIALS, transport=transport, token_cache=TokenCache(), sleep=sleeps
    ) as c:
        added = c.add_registrant(MEETING, 5, NewRegistrant("a@example.com", "A"))
    assert added.registrant_id == "r1" and len(attempts) == 2


def test_qps_429_on_a_write_is_retried_because_zoom_refused_it(make_client):
    clock = FakeClock()
    sim = sim_with(Faults(qps_limits={"Light": 1}), clock)
    event = _registration_event(sim, "meeting")
    c = clocked_client(make_client, sim, clock)
    c.add_registrant(MEETING, event["id"], NewRegistrant("one@example.com", "One"))
    c.add_registrant(MEETING, event["id"], NewRegistrant("two@example.com", "Two"))
    posts = [call.status for call in sim.api_calls("/registrants") if call.method == "POST"]
    assert posts.count(201) == 2 and 429 in posts


def test_list_occurrences_of_a_recurring_series(sim, client):
    series = sim.event_tagged("recurring")
    occurrences = client.list_occurrences(EventKind(series["kind"]), series["id"])
    past = [o for o in occurrences if o.start_time < FIXED_NOW]
    assert len(past) == 4 and len(occurrences) > len(past)
    assert occurrences == sorted(occurrences, key=lambda o: o.start_time)
    assert sim.api_calls()[-1].query["show_previous_occurrences"] == "true"


def test_list_occurrences_of_a_single_event_is_empty(sim, client):
    single = next(e for e in sim.events if e["type"] in (2, 5) and e["kind"] == "meeting")
    assert client.list_occurrences(MEETING, single["id"]) == []


def test_token_expiry_in_the_middle_of_a_paginated_list(make_client):
    sim = SimulatedZoom("full", now=FIXED_NOW, faults=Faults(expire_tokens_after=2))
    event = largest_event(sim, "webinar")
    expected = sim.registrants("webinar", event["id"], "approved")
    rows = make_client(sim).list_registrants(WEBINAR, event["id"], "approved")
    assert [r.id for r in rows] == [r["id"] for r in expected]
    pages = sim.api_calls("/registrants")
    assert [c.status for c in pages].count(401) == 1
    renewed_at = [c.status for c in pages].index(401)
    assert renewed_at >= 2 and "next_page_token" in pages[renewed_at].query
    assert pages[renewed_at + 1].query == pages[renewed_at].query  # the same page, asked again
    assert sim.tokens_issued == 2
