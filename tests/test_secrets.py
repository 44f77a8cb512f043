"""A canary Client Secret, and every access token issued, never show up anywhere but the request.

Scanned: every page's rendered elements, the check command's text and JSON output, debug-level
logs of everything the client does, error messages and reprs, and every CSV export. (The page
HTML in a real browser is scanned in tests/e2e/test_journey.py.)
"""

from __future__ import annotations

import json
import logging

import pytest

from erbium_zoom import attendance, reports
from erbium_zoom.__main__ import main
from erbium_zoom.client import ZoomClient
from erbium_zoom.config import Credentials, Settings
from erbium_zoom.errors import ZoomError
from erbium_zoom.exports import to_csv_bytes
from erbium_zoom.models import EventKind, NewRegistrant
from erbium_zoom.simulator import Faults, SimulatedZoom, serve
from erbium_zoom.views import registrants_frame
from tests.conftest import FIXED_NOW
from tests.test_pages import PAGES, by_label, start

CANARY = "CANARY-5ecret-9f3e7d"
ACCOUNT, CLIENT = "acc-canary", "cid-canary"


def canary_sim(scenario="full", **kwargs) -> SimulatedZoom:
    return SimulatedZoom(
        scenario, account_id=ACCOUNT, client_id=CLIENT, client_secret=CANARY, **kwargs
    )


def assert_clean(text: str, sim: SimulatedZoom) -> None:
    assert CANARY not in text
    for token in sim.issued_tokens():
        assert token not in text


@pytest.fixture
def served(monkeypatch):
    sim = canary_sim("missing_scopes")
    with serve(sim) as server:
        monkeypatch.setenv("ERBIUM_ZOOM_OAUTH_URL", server.oauth_url)
        monkeypatch.setenv("ERBIUM_ZOOM_API_URL", server.api_url)
        yield sim


def test_no_page_shows_the_secret_or_a_token(served):
    at = start()
    by_label(at.text_input, "Account ID").input(ACCOUNT)
    by_label(at.text_input, "Client ID").input(CLIENT)
    by_label(at.text_input, "Client Secret").input(CANARY)
    by_label(at.button, "Check connection").click()
    at.run()
    assert by_label(at.text_input, "Client Secret").value == ""  # the form clears the secret
    seen = 0
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception
        assert_clean(repr(at._tree), served)
        seen += 1
    assert seen == len(PAGES) and served.issued_tokens()


def test_secret_field_is_masked():
    at = start()
    field = by_label(at.text_input, "Client Secret")
    assert field.proto.type == field.proto.PASSWORD


@pytest.mark.parametrize("scenario", ["full", "missing_scopes", "wrong_secret", "disabled_app"])
@pytest.mark.parametrize("flags", [[], ["--json"]])
def test_check_command_output_is_clean(capsys, scenario, flags):
    sim = canary_sim(scenario, now=FIXED_NOW)
    env = {"ZOOM_ACCOUNT_ID": ACCOUNT, "ZOOM_CLIENT_ID": CLIENT, "ZOOM_CLIENT_SECRET": CANARY}
    main(["check", *flags], environ=env, transport=sim.transport())
    out = capsys.readouterr()
    assert_clean(out.out + out.err, sim)
    if flags:
        json.loads(out.out)


def test_debug_logs_errors_and_reprs_are_clean(caplog):
    caplog.set_level(logging.DEBUG)
    sim = canary_sim(
        now=FIXED_NOW, faults=Faults(expire_tokens_after=2, server_errors=1, malformed_json=1)
    )
    errors: list[ZoomError] = []
    client = ZoomClient(
        Credentials(ACCOUNT, CLIENT, CANARY),
        Settings(),
        transport=sim.transport(),
        sleep=lambda _: None,
    )
    with client:
        for call in (
            lambda: client.list_meetings("me"),
            lambda: client.list_webinars("me"),
            lambda: client.get_event(EventKind.MEETING, 1),
            lambda: client.list_meetings("nobody@example.invalid"),
            lambda: client.add_registrant(EventKind.MEETING, 1, NewRegistrant("a@b.example", "A")),
        ):
            try:
                call()
            except ZoomError as error:
                errors.append(error)
        texts = [caplog.text, repr(client), repr(client.fetch_token())]
        texts += [f"{e!s} {e!r} {e.message}" for e in errors]
    wrong = ZoomClient(
        Credentials(ACCOUNT, CLIENT, CANARY + "x"), transport=sim.transport(), sleep=lambda _: None
    )
    with pytest.raises(ZoomError) as caught:
        wrong.fetch_token()
    texts.append(f"{caught.value!s} {caught.value!r}")
    assert len(errors) >= 2 and "HTTP Request" in caplog.text  # the logs did record the calls
    for text in texts:
        assert_clean(text, sim)


def test_csv_exports_are_clean():
    """Every table the Attendance page offers as CSV, built from a canary account's data."""
    sim = canary_sim(now=FIXED_NOW)
    client = ZoomClient(
        Credentials(ACCOUNT, CLIENT, CANARY), transport=sim.transport(), now=lambda: FIXED_NOW
    )
    with client:
        refs = attendance.load_past_events(client, ("me",)).refs[:4]
        results = attendance.load_many(client, refs, FIXED_NOW)
    exports, summaries = [], []
    for result in results:
        if result.state is not attendance.EventState.READY:
            summaries.append(None)
            continue
        analysis = reports.analyse_event(
            reports.participants_frame(result.participants),
            result.registrants,
            reports.AttendanceSettings(),
            result.ref.start,
            result.ref.end,
        )
        summaries.append(analysis.summary)
        registrants = [r for rows in (result.registrants or {}).values() for r in rows]
        exports += [
            reports.people_table(analysis.people),
            analysis.absentees,
            registrants_frame(registrants),
        ]
    headings = attendance.headings(results)
    exports.append(reports.summary_frame(zip(headings, summaries, strict=True), "UTC"))
    assert len(exports) >= 4 and sum(s is not None for s in summaries) >= 1
    for frame in exports:
        assert_clean(to_csv_bytes(frame).decode("utf-8-sig"), sim)
