"""The token endpoint, ``POST /oauth/token``: Server-to-Server OAuth's account_credentials grant.

It hands out tokens with the scenario's scopes, or fails as the scenario says, in the token
endpoint's own error shape ``{"reason", "error"}``. Bearer tokens are checked in account.py.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

import httpx

from erbium_zoom.simulator.responses import _json_response

if TYPE_CHECKING:
    from erbium_zoom.simulator.account import SimulatedZoom


@dataclass
class _Token:
    serial: int
    issued_at: float
    ttl: int
    scopes: frozenset[str]


def _token_endpoint(
    sim: SimulatedZoom, request: httpx.Request, query: dict[str, str]
) -> httpx.Response:
    if request.method != "POST":
        return _json_response(405, {"reason": "Method Not Allowed", "error": "invalid_request"})
    params = dict(query)  # Zoom takes the parameters in the query string or the body
    if request.content:
        params.update(parse_qsl(request.content.decode("utf-8", "replace"), keep_blank_values=True))
    failure = sim.scenario.auth_failure
    if (
        _basic_auth(request.headers.get("authorization")) != (sim.client_id, sim.client_secret)
        or failure == "invalid_client"
    ):
        return _oauth_error("Invalid client_id or client_secret", "invalid_client")
    if params.get("grant_type") != "account_credentials" or failure == "unsupported_grant_type":
        return _oauth_error("unsupported grant type", "unsupported_grant_type")
    if params.get("account_id") != sim.account_id or failure == "invalid_request":
        return _oauth_error("Bad Request", "invalid_request")
    if failure == "app_disabled":
        # UNCONFIRMED shape: Zoom's OAuth error table lists 4717 "The app has been disabled".
        return _oauth_error("The app has been disabled", "invalid_request", code=4717)
    sim.tokens_issued += 1
    token = "eyJzdiI6IjAwMDAwMSIsImFsZyI6IkhTNTEyIn0." + sim._opaque(96) + "." + sim._opaque(43)
    sim._tokens[token] = _Token(
        sim.tokens_issued,
        sim.clock(),
        sim.faults.token_ttl,
        frozenset(sim.scenario.granted_scopes),
    )
    return _json_response(
        200,
        {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": sim.faults.token_ttl,
            "scope": " ".join(sim.scenario.granted_scopes),
            "api_url": sim.api_url,
        },
    )


def _oauth_error(reason: str, error: str, **extra: object) -> httpx.Response:
    """The token endpoint's different error shape: {"reason", "error"}."""
    return _json_response(400, {"reason": reason, "error": error, **extra})


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except ValueError:
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None
