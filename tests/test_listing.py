"""Loading upcoming events with details and counts, and the plan probes, against the simulator."""

from __future__ import annotations

import pytest

from erbium_zoom.check import PLAN_MISSING, PLAN_OK, PLAN_SCOPE, check_plan
from erbium_zoom.errors import AuthError, PlanRequired, UserNotFound
from erbium_zoom.listing import load_upcoming
from erbium_zoom.simulator import SimulatedZoom
from tests.conftest import FIXED_NOW


def owner_upcoming(sim: SimulatedZoom) -> set[tuple[str, int]]:
    owner = sim.hosts[0]["id"]
    return {
        (e["kind"], e["id"])
        for e in sim.events
        if e["host_id"] == owner and ("upcoming" in e["tags"] or "live" in e["tags"])
    }


def test_load_upcoming_matches_the_account_with_counts(sim, client):
    listing = load_upcoming(client, ("me",))
    assert {(e.kind.value, e.id) for e in listing.events} == owner_upcoming(sim)
    assert listing.problems == [] and listing.rejected_hosts == []
    for event in listing.events:
        key = (event.kind.value, event.id)
        if event.registration_enabled:
            counts = listing.counts[key]
            assert counts.approved == len(sim.registrants(*key, "approved"))
            assert counts.pending == len(sim.registrants(*key, "pending"))
        else:
            assert key not in listing.counts
    assert set(listing.host_labels.values()) == {"me (account owner)"}


def test_load_upcoming_keeps_going_past_a_rejected_host(sim, client):
    listing = load_upcoming(client, ("nobody@example.invalid", "me"))
    assert listing.rejected_hosts == ["nobody@example.invalid"]
    assert [type(p.error) for p in listing.problems] == [UserNotFound, UserNotFound]
    assert {(e.kind.value, e.id) for e in listing.events} == owner_upcoming(sim)


def test_load_upcoming_without_webinar_plan_still_lists_meetings(make_client):
    sim = SimulatedZoom("no_webinar_plan", now=FIXED_NOW)
    listing = load_upcoming(make_client(sim), ("me",))
    assert [type(p.error) for p in listing.problems] == [PlanRequired]
    assert listing.events and {e.kind.value for e in listing.events} == {"meeting"}
    assert listing.rejected_hosts == []


def test_check_plan_per_scenario(make_client):
    expected = {
        "full": [PLAN_OK, PLAN_OK, PLAN_OK],
        "no_webinar_plan": [PLAN_MISSING, PLAN_OK, PLAN_OK],
        "missing_scopes": [PLAN_OK, PLAN_OK, PLAN_SCOPE],
    }
    for scenario, statuses in expected.items():
        sim = SimulatedZoom(scenario, now=FIXED_NOW)
        probes = check_plan(make_client(sim))
        assert [p.area for p in probes] == ["Webinars", "Meetings", "Reports"]
        assert [p.status for p in probes] == statuses, scenario
        assert len(sim.api_calls()) == 3
    webinar_probe = check_plan(make_client(SimulatedZoom("no_webinar_plan", now=FIXED_NOW)))[0]
    assert "Webinar add-on" in webinar_probe.message


def test_load_upcoming_raises_once_when_credentials_fail(make_client):
    sim = SimulatedZoom("wrong_secret", now=FIXED_NOW)
    with pytest.raises(AuthError):
        load_upcoming(make_client(sim), ("me", sim.hosts[2]["email"]))
    assert sim.api_calls() == []
