"""The fault matrix: every page and the check command against each fault Zoom can throw.

Each fault ends in a specific message in words (or, for faults the client absorbs, in a normal
page); the rest of the page still renders; retries are bounded; nothing shows a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from erbium_zoom import client as client_module
from erbium_zoom.__main__ import main
from erbium_zoom.simulator import Faults
from tests.scripted import Rule, ScriptedZoom, raise_, zoom_error
from tests.test_pages import PAGES, start, texts

TOMORROW = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT00:00:00Z")
DAILY_HEADERS = {
    "X-RateLimit-Type": "Daily-limit",
    "X-RateLimit-Category": "Medium",
    "Retry-After": TOMORROW,
}


@dataclass
class Fault:
    name: str
    scenario: str = "full"
    rules: list = field(default_factory=list)
    faults: Faults | None = None
    phrase: str | None = None  # words the pages that call Zoom must show; None: page is normal
    pages: tuple[str, ...] = ("pages/connection.py", "pages/events.py", "pages/registrants.py")
    exit_code: int = 0  # of `check`
    kind: str | None = None  # of the check's JSON error


def faults() -> list[Fault]:
    return [
        Fault(
            "token endpoint 5xx",
            rules=[Rule("/oauth/token", lambda r: httpx.Response(503))],
            phrase="server error",
            exit_code=2,
            kind="server_error",
        ),
        Fault(
            "token endpoint timeout",
            rules=[Rule("/oauth/token", raise_(httpx.ReadTimeout("t")))],
            phrase="network connection",
            exit_code=2,
            kind="unreachable",
        ),
        Fault(
            "connection refused",
            rules=[Rule("/", raise_(httpx.ConnectError("refused")))],
            phrase="network connection",
            exit_code=2,
            kind="unreachable",
        ),
        Fault(
            "invalid_client",
            scenario="wrong_secret",
            phrase="Client Secret is wrong",
            exit_code=2,
            kind="auth",
        ),
        Fault(
            "disabled app",
            scenario="disabled_app",
            phrase="not activated",
            exit_code=2,
            kind="auth",
        ),
        Fault("401/124 mid-list", faults=Faults(expire_tokens_after=1)),
        Fault(
            "429 QPS with Retry-After seconds",
            rules=[
                Rule(
                    "/v2/",
                    zoom_error(
                        429,
                        429,
                        "You have reached the maximum per-second rate limit for this API.",
                        {"X-RateLimit-Type": "QPS", "Retry-After": "1"},
                    ),
                    times=1,
                )
            ],
        ),
        Fault(
            "429 daily with Retry-After date",
            rules=[
                Rule(
                    "/v2/",
                    zoom_error(429, 429, "You have exceeded the daily rate limit.", DAILY_HEADERS),
                )
            ],
            phrase="daily",
        ),
        Fault("burst of 5xx", faults=Faults(server_errors=2)),
        Fault("malformed JSON", faults=Faults(malformed_json=1)),
        Fault(
            "expired next_page_token",
            rules=[
                Rule(
                    "/v2/users/", zoom_error(400, 300, "The next page token is invalid or expired.")
                )
            ],
            phrase="Press Refresh",
        ),
        Fault(
            "event deleted while loading",
            rules=[Rule("/registrants", zoom_error(404, 3001, "Meeting does not exist: 1."))],
            phrase="Zoom does not have that event",
            pages=("pages/events.py", "pages/registrants.py"),
        ),
        Fault("webinar plan missing", scenario="no_webinar_plan", phrase="Webinar add-on"),
        Fault("missing scope", scenario="missing_scopes", phrase="missing", exit_code=1),
    ]


FAULTS = faults()


@pytest.fixture(autouse=True)
def no_real_back_off(monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(client_module, "_default_sleep", slept.append)
    return slept


def faulty_sim(fault: Fault) -> ScriptedZoom:
    return ScriptedZoom(fault.scenario, rules=fault.rules, faults=fault.faults)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_page_under_fault(fault, page, no_real_back_off):
    sim = faulty_sim(fault)
    at = start(fault.scenario, sim=sim)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title, "the page still renders its frame"
    messages = texts(at, "error") + texts(at, "warning") + texts(at, "info")
    assert not any("Traceback" in m for m in messages)
    assert len(sim.calls) < 60, "retries are bounded"
    assert all(delay <= 60 for delay in no_real_back_off)
    if fault.phrase is None:
        assert texts(at, "error") == [], texts(at, "error")
    elif page in fault.pages:
        assert any(fault.phrase in m for m in messages), (fault.name, page, messages)


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_check_command_under_fault(fault, capsys):
    import json

    sim = faulty_sim(fault)
    env = {
        "ZOOM_ACCOUNT_ID": sim.account_id,
        "ZOOM_CLIENT_ID": sim.client_id,
        "ZOOM_CLIENT_SECRET": sim.client_secret,
    }
    code = main(["check", "--json"], environ=env, transport=sim.transport())
    result = json.loads(capsys.readouterr().out)["results"][0]
    assert code == fault.exit_code
    assert (result["error"] or {}).get("kind") == fault.kind
    assert len(sim.calls) <= 4
