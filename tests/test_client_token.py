"""Server-to-Server OAuth in the client: token reuse, renewal, regions and diagnosed refusals."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
import pytest

from erbium_zoom.auth import TokenCache
from erbium_zoom.client import MAX_ATTEMPTS, ZoomClient
from erbium_zoom.config import Credentials, Settings
from erbium_zoom.errors import AuthError, TokenRejected, ZoomUnreachable
from erbium_zoom.simulator import Faults, SimulatedZoom
from tests.conftest import FIXED_NOW, SIM_CREDENTIALS


def token_calls(simulator: SimulatedZoom) -> int:
    return sum(1 for call in simulator.calls if call.path == "/oauth/token")


def test_token_request_uses_basic_auth_and_form_body():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["auth"] = request.headers["Authorization"]
        seen["type"] = request.headers["Content-Type"]
        seen["body"] = request.content.decode()
        return httpx.Response(200, json={"access_token": "t", "expires_in": 3599, "scope": ""})

    creds = Credentials("acc1", "cid", "sec")
    with ZoomClient(creds, transport=httpx.MockTransport(handler), token_cache=TokenCache()) as c:
        c.fetch_token()
    assert seen["auth"] == "Basic " + __import__("base64").b64encode(b"cid:sec").decode()
    assert seen["type"] == "application/x-www-form-urlencoded"
    assert seen["body"] == "grant_type=account_credentials&account_id=acc1"


def test_token_is_reused_across_requests(sim, client):
    client.list_webinars("me")
    client.list_meetings("me")
    assert token_calls(sim) == 1


def test_token_renewed_only_within_sixty_seconds_of_expiry(sim, make_client):
    clock = {"now": FIXED_NOW}
    c = make_client(sim, now=lambda: clock["now"])
    first = c.fetch_token()
    clock["now"] = first.expires_at - timedelta(seconds=61)
    assert c.fetch_token() is first
    clock["now"] = first.expires_at - timedelta(seconds=59)
    second = c.fetch_token()
    assert second.access_token != first.access_token
    assert token_calls(sim) == 2


def test_fresh_token_is_always_fetched(sim, client):
    client.fetch_token()
    client.fetch_token(fresh=True)
    assert token_calls(sim) == 2


def test_token_cache_is_shared_per_account_and_safe_across_threads(sim):
    cache = TokenCache()
    barrier = threading.Barrier(8)
    errors = []

    def worker():
        try:
            with ZoomClient(SIM_CREDENTIALS, transport=sim.transport(), token_cache=cache) as c:
                barrier.wait()
                c.fetch_token()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == []
    assert token_calls(sim) == 1


def test_changed_secret_never_reuses_a_cached_token(sim):
    cache = TokenCache()
    with ZoomClient(SIM_CREDENTIALS, transport=sim.transport(), token_cache=cache) as good:
        good.fetch_token()
    wrong = Credentials(SIM_CREDENTIALS.account_id, SIM_CREDENTIALS.client_id, "not-the-secret")
    with ZoomClient(wrong, transport=sim.transport(), token_cache=cache) as bad:
        with pytest.raises(AuthError):
            bad.fetch_token()


def test_expired_token_401_124_renews_and_repeats_once(make_client):
    sim = SimulatedZoom("full", now=FIXED_NOW, faults=Faults(expire_tokens_after=1))
    c = make_client(sim)
    c.list_meetings("me")  # uses up the first token
    meetings = c.list_meetings("me")  # 401/124, renewed, repeated
    assert meetings
    assert token_calls(sim) == 2
    assert [call.status for call in sim.api_calls()] == [200, 401, 200]


def test_token_rejected_twice_raises(make_client):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3599})
        return httpx.Response(401, json={"code": 124, "message": "Invalid access token."})

    transport = httpx.MockTransport(handler)
    with ZoomClient(SIM_CREDENTIALS, transport=transport, token_cache=TokenCache()) as c:
        with pytest.raises(TokenRejected) as caught:
            c.list_meetings("me")
    assert caught.value.code == 124
    assert c.request_count == 2


@pytest.mark.parametrize(
    ("api_url", "settings_api_url", "expected_host"),
    [
        ("https://api-eu.zoom.us", None, "api-eu.zoom.us"),
        ("http://api-eu.zoom.us", None, "api.zoom.us"),  # not https
        ("https://zoom.us.attacker.example", None, "api.zoom.us"),  # not a zoom.us host
        (None, None, "api.zoom.us"),
        ("https://api-eu.zoom.us", "https://override.example/v2", "override.example"),
    ],
)
def test_api_base_from_token_region(api_url, settings_api_url, expected_host):
    hosts = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            body = {"access_token": "t", "expires_in": 3599, "scope": ""}
            if api_url:
                body["api_url"] = api_url
            return httpx.Response(200, json=body)
        hosts.append((request.url.host, request.url.path))
        return httpx.Response(200, json={"meetings": [], "next_page_token": ""})

    settings = Settings(api_url=settings_api_url)
    transport = httpx.MockTransport(handler)
    with ZoomClient(SIM_CREDENTIALS, settings, transport=transport, token_cache=TokenCache()) as c:
        c.list_meetings("me")
    assert hosts == [(expected_host, "/v2/users/me/meetings")]


@pytest.mark.parametrize(
    ("scenario", "error", "field"),
    [
        ("wrong_secret", "invalid_client", "client_id/client_secret"),
        ("wrong_account", "invalid_request", "account_id"),
        ("wrong_app_type", "unsupported_grant_type", "app_type"),
        ("disabled_app", "app_disabled", "app_activation"),
    ],
)
def test_token_errors_name_the_field_to_fix(make_client, scenario, error, field):
    c = make_client(SimulatedZoom(scenario, now=FIXED_NOW))
    with pytest.raises(AuthError) as caught:
        c.fetch_token()
    assert caught.value.error == error
    assert caught.value.field == field
    assert SIM_CREDENTIALS.client_secret not in str(caught.value)


def test_wrong_secret_given_to_correct_app_is_invalid_client(sim, make_client):
    wrong = Credentials(SIM_CREDENTIALS.account_id, SIM_CREDENTIALS.client_id, "typo-secret")
    with pytest.raises(AuthError) as caught:
        make_client(sim, credentials=wrong).fetch_token()
    assert caught.value.field == "client_id/client_secret"
    assert "typo-secret" not in str(caught.value) and "typo-secret" not in repr(caught.value)


def test_wrong_account_id_given_to_correct_app_is_invalid_request(sim, make_client):
    wrong = Credentials("someone-else", SIM_CREDENTIALS.client_id, SIM_CREDENTIALS.client_secret)
    with pytest.raises(AuthError) as caught:
        make_client(sim, credentials=wrong).fetch_token()
    assert caught.value.field == "account_id"


@pytest.mark.parametrize(
    "exception",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow")],
    ids=["connect", "timeout"],
)
def test_unreachable_token_endpoint_is_retried_then_reported(sleeps, exception):
    attempts = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request.url.path)
        raise exception

    transport = httpx.MockTransport(handler)
    with ZoomClient(
        SIM_CREDENTIALS, transport=transport, token_cache=TokenCache(), sleep=sleeps
    ) as c:
        with pytest.raises(ZoomUnreachable) as caught:
            c.fetch_token()
    assert len(attempts) == MAX_ATTEMPTS
    assert len(sleeps.delays) == MAX_ATTEMPTS - 1
    assert "network connection" in str(caught.value)


def test_no_secret_or_token_in_reprs_and_errors(sim, client):
    token = client.fetch_token()
    for text in (repr(client), repr(token), repr(client.credentials)):
        assert SIM_CREDENTIALS.client_secret not in text
        assert token.access_token not in text
