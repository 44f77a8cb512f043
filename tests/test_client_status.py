"""The Status column of All clients: plainly "connected" only when nothing is wrong.

Each simulated scenario is checked for real (token, 17 scopes, plan probes) and its status read;
edge cases the simulator does not give are hand-built.
"""

from __future__ import annotations

import pytest

from erbium_zoom.check import (
    PLAN_ERROR,
    PLAN_MISSING,
    PLAN_OK,
    PLAN_SCOPE,
    CheckResult,
    PlanProbe,
    check_with_client,
)
from erbium_zoom.scopes import REQUIRED_SCOPES, classify_scopes
from erbium_zoom.simulator import SCENARIOS, SimulatedZoom
from erbium_zoom.views import (
    STATUS_ATTENTION,
    STATUS_BROKEN,
    STATUS_CONNECTED,
    client_status,
    clients_frame,
)
from tests.conftest import FIXED_NOW

CONNECTED_BUT = STATUS_ATTENTION
NOT_CONNECTED = STATUS_BROKEN
SCOPES_TO_ADD = "ask the client to add {} (the Connection page has the message to send)"
NO_WEBINARS = (
    "no Webinar add-on: ask the client to add it to their Zoom plan and assign it to the host"
)

# Every scenario: how its status starts, and what it must say to do.
EXPECTED = {
    "full": (STATUS_CONNECTED, ""),
    "classic": (CONNECTED_BUT, "1 scope missing: " + SCOPES_TO_ADD.format("it")),
    "missing_scopes": (CONNECTED_BUT, "4 scopes missing: " + SCOPES_TO_ADD.format("them")),
    "no_webinar_plan": (CONNECTED_BUT, NO_WEBINARS),
    "wrong_secret": (NOT_CONNECTED, "Copy both again"),
    "wrong_account": (NOT_CONNECTED, "The Account ID is wrong"),
    "disabled_app": (NOT_CONNECTED, "click 'Activate your app'"),
    "wrong_app_type": (NOT_CONNECTED, "use that app's credentials"),
}


def test_every_scenario_has_an_expected_status():
    assert set(EXPECTED) == set(SCENARIOS)


@pytest.mark.parametrize("scenario", list(EXPECTED))
def test_status_of_each_scenario_says_what_is_wrong_and_what_to_do(make_client, scenario):
    client = make_client(SimulatedZoom(scenario, now=FIXED_NOW))
    result = check_with_client(client, with_plan=True)
    status = client_status(result)
    opening, advice = EXPECTED[scenario]
    assert status.startswith(opening), status
    assert advice in status
    if scenario == "full":
        assert status == STATUS_CONNECTED
    # Any problem the plan check found keeps the client from looking plainly fine.
    if any(probe.status == PLAN_MISSING for probe in result.plan):
        assert not status.startswith(STATUS_CONNECTED)


def test_litware_status_is_not_plainly_connected(make_client):
    result = check_with_client(
        make_client(SimulatedZoom("no_webinar_plan", now=FIXED_NOW)), with_plan=True
    )
    assert result.ok  # token and every scope are fine: only the plan is wrong
    assert client_status(result) == CONNECTED_BUT + NO_WEBINARS


def checked(missing: tuple[str, ...] = (), *probes: PlanProbe) -> CheckResult:
    """A check that got a token with every scope but ``missing``, and these plan probes."""
    granted = [scope.name for scope in REQUIRED_SCOPES if scope.name not in missing]
    report = classify_scopes(" ".join(granted))
    return CheckResult(account_id="acc", report=report, plan=list(probes))


def probe(area: str, status: str) -> PlanProbe:
    return PlanProbe(area, status, f"{area} says {status}")


def test_status_not_checked_yet():
    assert client_status(None) == "not checked yet"


def test_status_names_every_problem_scopes_and_plan():
    status = client_status(
        checked(
            ("meeting:read:list_registrants:admin",),
            probe("Webinars", PLAN_MISSING),
            probe("Meetings", PLAN_OK),
            probe("Reports", PLAN_MISSING),
        )
    )
    assert status == (
        CONNECTED_BUT
        + "1 scope missing: "
        + SCOPES_TO_ADD.format("it")
        + "; "
        + NO_WEBINARS
        + "; no participant reports: ask the client for a paid (Pro or higher) Zoom plan"
    )


def test_status_when_the_plan_could_not_be_checked():
    status = client_status(checked((), probe("Webinars", PLAN_ERROR), probe("Reports", PLAN_SCOPE)))
    assert (
        status
        == CONNECTED_BUT + "Webinars, Reports not checked: see Plan problems, then check again"
    )


def test_status_plan_probe_refused_for_a_missing_scope_is_the_scopes_problem():
    missing = ("report:read:list_meeting_participants:admin",)
    status = client_status(checked(missing, probe("Reports", PLAN_SCOPE)))
    assert status == CONNECTED_BUT + "1 scope missing: " + SCOPES_TO_ADD.format("it")


def test_clients_frame_shows_the_status():
    class Profile:
        name, account_id, source = "Litware", "acc", "saved"

    result = checked((), probe("Webinars", PLAN_MISSING))
    row = clients_frame([Profile()], {"Litware": result}).iloc[0]
    assert row["Status"] == CONNECTED_BUT + NO_WEBINARS
    assert row["Scopes"] == "17/17" and row["Plan problems"] == "Webinars: Webinars says plan"
