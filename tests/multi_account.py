"""Several simulated Zoom accounts behind one transport or one loopback server (tests only).

Token requests go to the account whose Client ID they carry; API calls go to the account that
issued their bearer token. Used to show that two clients' data and tokens never mix.
"""

from __future__ import annotations

import base64
import threading

import httpx

from erbium_zoom.simulator import SimulatedZoom


class AccountRouter:
    def __init__(self, *sims: SimulatedZoom):
        self.by_client_id = {sim.client_id: sim for sim in sims}
        self.by_token: dict[str, SimulatedZoom] = {}
        self.api_url = "https://api.zoom.us"
        self._lock = threading.Lock()

    def _client_id(self, request: httpx.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        return base64.b64decode(header[6:]).decode().partition(":")[0]

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token"):
            sim = self.by_client_id.get(self._client_id(request) or "")
            if sim is None:
                return httpx.Response(
                    400,
                    json={
                        "reason": "Invalid client_id or client_secret",
                        "error": "invalid_client",
                    },
                )
            sim.api_url = self.api_url
            response = sim.handle(request)
            if response.status_code == 200:
                with self._lock:
                    self.by_token[response.json()["access_token"]] = sim
            return response
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        with self._lock:
            sim = self.by_token.get(token)
        if sim is None:
            return httpx.Response(401, json={"code": 124, "message": "Invalid access token."})
        return sim.handle(request)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)
