"""The dashboard's pages under AppTest, in demo mode and against simulator scenarios."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from erbium_zoom.simulator import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    SimulatedZoom,
    serve,
)

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGES = [
    "pages/connection.py",
    "pages/events.py",
    "pages/pace.py",
    "pages/registrants.py",
    "pages/attendance.py",
    "pages/clients.py",
]


def start(scenario: str = "full", sim: SimulatedZoom | None = None, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["demo_scenario"] = scenario
    if sim is not None:
        at.session_state["demo_accounts"] = {scenario: sim}
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def texts(at: AppTest, kind: str) -> list[str]:
    return [element.value for element in getattr(at, kind)]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def by_label(elements, label: str):
    return next(element for element in elements if element.label == label)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_demo_data_without_exception(page):
    at = start()
    at.switch_page(page).run()
    assert not at.exception
    # The banner names the demo client, not only its setup (issue 15, point 9).
    [banner] = [t for t in texts(at, "info") if "Demo data" in t]
    assert banner.startswith("**Demo data: Northwind Traders (Fully configured)**")


@pytest.mark.parametrize(
    ("scenario", "counts", "banner"),
    [
        ("full", ("7/7", "8/8", "2/2"), "success"),
        ("missing_scopes", ("7/7", "6/8", "0/2"), "warning"),
        ("classic", ("7/7", "7/8", "2/2"), "warning"),
        ("no_webinar_plan", ("7/7", "8/8", "2/2"), "success"),
    ],
)
def test_checklist_counts_per_scenario(scenario, counts, banner):
    at = start(scenario)
    assert not at.exception
    shown = metrics(at)
    assert (shown["Webinar"], shown["Meeting"], shown["Report"]) == counts
    summary = f"Webinar {counts[0]} · Meeting {counts[1]} · Report {counts[2]}"
    assert any(summary in text for text in texts(at, "markdown"))
    assert texts(at, banner), f"expected a {banner} banner"
    assert len(at.dataframe) == 3  # one checklist table per group


def test_client_message_lists_exactly_the_missing_scopes():
    at = start("missing_scopes")
    codes = texts(at, "code")
    missing = [
        "meeting:read:list_registrants:admin",
        "meeting:update:registrant_status:admin",
        "report:read:list_webinar_participants:admin",
        "report:read:list_meeting_participants:admin",
    ]
    assert sorted(codes[0].splitlines()) == sorted(missing)
    message = codes[1]
    listed = [line.strip()[2:] for line in message.splitlines() if line.startswith("   - ")]
    assert sorted(listed) == sorted(missing)
    assert "Activate your app" in message


def test_no_message_when_nothing_is_missing():
    at = start("full")
    assert texts(at, "code") == []


def test_plan_check_shows_missing_webinar_add_on_apart_from_scopes():
    at = start("no_webinar_plan")
    plan_lines = [t for t in texts(at, "warning") if "**Webinars**" in t]
    assert plan_lines and "Webinar add-on" in plan_lines[0]
    assert any(
        "**Meetings**" in t and ":material/check_circle:" in t for t in texts(at, "markdown")
    )
    assert texts(at, "success")  # scopes are all there


def test_demo_wrong_secret_names_the_field():
    at = start("wrong_secret")
    errors = texts(at, "error")
    assert errors and "Field to fix: **Client ID or Client Secret**" in errors[0]
    assert at.metric == [] or "Webinar" not in metrics(at)


@pytest.fixture
def loopback_zoom(monkeypatch):
    """A simulated Zoom on 127.0.0.1 that entered credentials go to; stopped afterwards."""
    sim = SimulatedZoom("missing_scopes")
    with serve(sim) as server:
        monkeypatch.setenv("ERBIUM_ZOOM_OAUTH_URL", server.oauth_url)
        monkeypatch.setenv("ERBIUM_ZOOM_API_URL", server.api_url)
        yield sim


def enter_credentials(at: AppTest, account: str, client: str, secret: str) -> AppTest:
    by_label(at.text_input, "Account ID").input(account)
    by_label(at.text_input, "Client ID").input(client)
    by_label(at.text_input, "Client Secret").input(secret)
    by_label(at.button, "Check connection").click()
    return at.run()


@pytest.mark.parametrize(
    ("account", "secret", "field"),
    [
        (DEFAULT_ACCOUNT_ID, "not-the-secret", "Client ID or Client Secret"),
        ("another-account", DEFAULT_CLIENT_SECRET, "Account ID"),
    ],
)
def test_entered_wrong_credentials_name_the_field(loopback_zoom, account, secret, field):
    at = enter_credentials(start(), account, DEFAULT_CLIENT_ID, secret)
    assert not at.exception
    errors = texts(at, "error")
    assert errors and f"Field to fix: **{field}**" in errors[0]
    assert not any("Demo data" in text for text in texts(at, "info"))
    assert secret not in repr(at._tree)


def test_entered_credentials_switch_to_real_zoom_and_trim_spaces(loopback_zoom):
    at = enter_credentials(
        start(), f" {DEFAULT_ACCOUNT_ID}", DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
    )
    assert not at.exception
    assert any("Account ID had spaces" in text for text in texts(at, "info"))
    assert metrics(at)["Meeting"] == "6/8"
    assert any(DEFAULT_ACCOUNT_ID in text for text in texts(at, "caption"))
    assert [c.path for c in loopback_zoom.calls][0] == "/oauth/token"
    assert DEFAULT_CLIENT_SECRET not in repr(at._tree)


def test_recheck_fetches_a_fresh_token():
    sim = SimulatedZoom("full")
    at = start(sim=sim)
    before = sim.tokens_issued
    by_label(at.button, "Re-check").click()
    at.run()
    assert sim.tokens_issued == before + 1


def test_events_table_matches_the_simulated_account():
    sim = SimulatedZoom("full")
    at = start(sim=sim)
    at.switch_page("pages/events.py").run()
    today = date.today()
    at.date_input(key="events_window").set_value(
        (today - timedelta(days=2), today + timedelta(days=400))
    )
    at.run()
    assert not at.exception
    frame = at.dataframe[0].value
    owner = sim.hosts[0]["id"]
    expected = {
        e["id"]
        for e in sim.events
        if e["host_id"] == owner and ("upcoming" in e["tags"] or "live" in e["tags"])
    }
    assert set(frame["ID"]) == expected
    for row in frame.to_dict("records"):
        kind = row["Kind"].lower()
        if row["Registration"].startswith("on"):
            assert row["Approved"] == len(sim.registrants(kind, row["ID"], "approved"))
            assert row["Pending"] == len(sim.registrants(kind, row["ID"], "pending"))
    assert set(frame["Kind"]) == {"Webinar", "Meeting"}


def test_events_filters_narrow_the_table():
    at = start()
    at.switch_page("pages/events.py").run()
    total = len(at.dataframe[0].value)
    at.multiselect(key="events_kinds").set_value(["Meeting"]).run()
    meetings = at.dataframe[0].value
    assert 0 < len(meetings) < total and set(meetings["Kind"]) == {"Meeting"}


def test_events_without_webinar_plan_still_list_meetings():
    at = start("no_webinar_plan")
    at.switch_page("pages/events.py").run()
    assert not at.exception
    assert any("Webinar add-on" in text for text in texts(at, "info"))
    assert set(at.dataframe[0].value["Kind"]) == {"Meeting"}


def test_events_asks_for_host_emails_when_host_is_rejected():
    at = start(conn_hosts_text="nobody@example.invalid")
    at.switch_page("pages/events.py").run()
    assert not at.exception
    assert any("host" in text and "e-mail" in text for text in texts(at, "warning"))
    owner = SimulatedZoom().hosts[0]["email"]
    at.text_input(key="events_hosts_entry").input(owner)
    by_label(at.button, "List their events").click()
    at.run()
    assert at.session_state["conn_hosts_text"] == owner
    assert len(at.dataframe) == 1


def registration_event(sim: SimulatedZoom) -> dict:
    owner = sim.hosts[0]["id"]
    return next(
        e
        for e in sim.events
        if "upcoming" in e["tags"]
        and e["host_id"] == owner
        and e["approval_type"] == 1
        and len(sim.registrants(e["kind"], e["id"], "pending")) >= 2
    )


def registrants_page(sim: SimulatedZoom, event: dict, status: str = "approved") -> AppTest:
    at = start(sim=sim, registrants_event=(event["kind"], event["id"]), registrants_status=status)
    at.switch_page("pages/registrants.py").run()
    assert not at.exception
    return at


def test_registrant_counts_match_the_simulator():
    sim = SimulatedZoom("full")
    event = registration_event(sim)
    at = registrants_page(sim, event)
    shown = metrics(at)
    for status in ("approved", "pending", "denied"):
        expected = sim.registrants(event["kind"], event["id"], status)
        assert shown[status.capitalize()] == str(len(expected))


def ask_to_approve_two_pending(at: AppTest, sim: SimulatedZoom, event: dict) -> list[str]:
    """On the Registrants page showing pending ones: select two, press Approve (not yet sent)."""
    ids = [r["id"] for r in sim.registrants(event["kind"], event["id"], "pending")[:2]]
    at.multiselect(key=f"registrants_selected_{event['kind']}_{event['id']}_pending").set_value(ids)
    at.run()
    by_label(at.button, "Approve 2 selected…").click()
    at.run()
    return ids


def test_approve_selected_after_confirmation_reaches_zoom():
    sim = SimulatedZoom("full")
    event = registration_event(sim)
    at = registrants_page(sim, event, "pending")
    ids = ask_to_approve_two_pending(at, sim, event)
    assert any("Please confirm" in text for text in texts(at, "warning"))
    assert not [c for c in sim.api_calls("/status")], "nothing is sent before confirmation"
    at.button(key="registrants_confirm").click()
    at.run()
    assert not at.exception
    assert any(text.startswith("Zoom approved 2 registrants") for text in texts(at, "success"))
    approved = {r["id"] for r in sim.registrants(event["kind"], event["id"], "approved")}
    assert set(ids) <= approved
    assert len([c for c in sim.api_calls("/status") if c.method == "PUT"]) == 1


def test_cancelled_confirmation_sends_nothing():
    sim = SimulatedZoom("full")
    event = registration_event(sim)
    at = registrants_page(sim, event, "pending")
    first = sim.registrants(event["kind"], event["id"], "pending")[0]["id"]
    at.multiselect(key=f"registrants_selected_{event['kind']}_{event['id']}_pending").set_value(
        [first]
    )
    at.run()
    by_label(at.button, "Approve 1 selected…").click()
    at.run()
    at.button(key="registrants_cancel").click()
    at.run()
    assert not [c for c in sim.api_calls("/status")]
    assert not any("Please confirm" in text for text in texts(at, "warning"))


def picker(at: AppTest, event: dict, status: str):
    return at.multiselect(key=f"registrants_selected_{event['kind']}_{event['id']}_{status}")


def test_registrant_picker_lists_only_people():
    sim = SimulatedZoom("full")
    event = registration_event(sim)
    at = registrants_page(sim, event, "pending")
    people = picker(at, event, "pending")
    pending = sim.registrants(event["kind"], event["id"], "pending")
    expected = [f"{r['first_name']} {r['last_name']} <{r['email']}>" for r in pending]
    assert sorted(people.options) == sorted(expected)
    assert people.proto.select_all == 0, "Streamlit's own 'Select all' entry is switched off"
    assert not any("all" in option.lower().split() for option in people.options)
    assert by_label(at.checkbox, f"Select all {len(pending)} pending registrants").value is False


def test_select_all_control_selects_exactly_the_people_of_the_status_shown():
    sim = SimulatedZoom("full")
    event = registration_event(sim)
    before = {s: sim.registrants(event["kind"], event["id"], s) for s in ("approved", "denied")}
    pending = [r["id"] for r in sim.registrants(event["kind"], event["id"], "pending")]
    at = registrants_page(sim, event, "pending")
    by_label(at.checkbox, f"Select all {len(pending)} pending registrants").check().run()
    assert picker(at, event, "pending").disabled
    by_label(at.button, f"Approve all {len(pending)} pending registrants…").click().run()
    assert sorted(at.session_state["registrants_pending"]["ids"]) == sorted(pending)
    at.button(key="registrants_confirm").click().run()
    assert not at.exception
    assert any(
        t.startswith(f"Zoom approved {len(pending)} registrants") for t in texts(at, "success")
    )
    assert sim.registrants(event["kind"], event["id"], "pending") == []
    approved = {r["id"] for r in sim.registrants(event["kind"], event["id"], "approved")}
    assert approved == {r["id"] for r in before["approved"]} | set(pending)
    assert sim.registrants(event["kind"], event["id"], "denied") == before["denied"]
    # After the change the selection starts afresh: nothing is ticked or picked.
    assert not any(c.value for c in at.checkbox if c.label.startswith("Select all"))


@pytest.mark.parametrize(
    ("status", "offered"),
    [("pending", ["Approve", "Deny"]), ("approved", ["Deny", "Cancel"]), ("denied", ["Approve"])],
)
def test_only_actions_that_change_the_status_shown_are_offered(status, offered):
    sim = SimulatedZoom("full")
    event = next(
        e
        for e in sim.events
        if "upcoming" in e["tags"]
        and e["host_id"] == sim.hosts[0]["id"]
        and e["approval_type"] == 1
        and sim.registrants(e["kind"], e["id"], status)
    )
    at = registrants_page(sim, event, status)
    assert by_label(at.selectbox, "Action").options == offered


def test_a_forced_approval_of_approved_people_sends_nothing_and_says_why():
    sim = SimulatedZoom("full")
    event = registration_event(sim)
    approved = sim.registrants(event["kind"], event["id"], "approved")[:2]
    forced = {
        "op": "status",
        "action": "approve",
        "ids": [r["id"] for r in approved],
        "summary": "Approve 2 registrants?",
        "event": (event["kind"], event["id"]),
    }
    at = registrants_page(sim, event, "approved")
    at.session_state["registrants_pending"] = forced  # as if a widget had been forced
    at.run()
    at.button(key="registrants_confirm").click().run()
    assert not at.exception
    assert [c for c in sim.api_calls() if c.method != "GET"] == [], "no request reached Zoom"
    [warning] = [t for t in texts(at, "warning") if t.startswith("Nothing was sent")]
    assert "Not sent for 2 registrants (already approved)" in warning
    assert all(r["email"] in warning for r in approved)


def test_add_then_delete_registrant_shows_zooms_answers():
    sim = SimulatedZoom("full")
    event = registration_event(sim)
    at = registrants_page(sim, event, "pending")
    by_label(at.text_input, "E-mail").input("new.guest@example.com")
    by_label(at.text_input, "First name").input("New")
    by_label(at.text_input, "Last name").input("Guest")
    by_label(at.button, "Add…").click()
    at.run()
    at.button(key="registrants_confirm").click()
    at.run()
    answer = next(text for text in texts(at, "success") if text.startswith("Zoom added"))
    added = next(
        r
        for r in sim.registrants(event["kind"], event["id"])
        if r["email"] == "new.guest@example.com"
    )
    assert added["id"] in answer
    picker = at.selectbox(key="registrants_delete_pick")
    picker.select_index(picker.options.index("New Guest <new.guest@example.com>"))
    at.run()
    by_label(at.button, "Delete…").click()
    at.run()
    at.button(key="registrants_confirm").click()
    at.run()
    assert any(text.startswith("Zoom deleted New Guest") for text in texts(at, "success"))
    assert all(
        r["email"] != "new.guest@example.com" for r in sim.registrants(event["kind"], event["id"])
    )


def upcoming_meeting_with_registration(sim: SimulatedZoom) -> dict:
    """An upcoming meeting of the account owner ("me") that takes registrations."""
    return next(
        e
        for e in sim.events
        if e["kind"] == "meeting"
        and "upcoming" in e["tags"]
        and e["host_id"] == sim.hosts[0]["id"]
        and e["approval_type"] != 2
    )


def test_zoom_error_on_a_change_is_shown_in_words():
    sim = SimulatedZoom("missing_scopes")
    event = upcoming_meeting_with_registration(sim)
    at = start("missing_scopes", sim=sim, registrants_event=(event["kind"], event["id"]))
    at.switch_page("pages/registrants.py").run()
    assert not at.exception
    errors = texts(at, "error")
    assert errors and "meeting:read:list_registrants:admin" in errors[0]
    assert "Traceback" not in " ".join(errors)


def test_events_page_with_failing_credentials_shows_one_error():
    at = start("wrong_secret")
    at.switch_page("pages/events.py").run()
    assert not at.exception
    errors = texts(at, "error")
    assert len(errors) == 1 and "Client Secret" in errors[0]
    assert not texts(at, "warning")  # no request for host e-mails


def test_watch_rechecks_and_stops_once_everything_is_granted():
    sim = SimulatedZoom("full")
    at = start(sim=sim)
    before = sim.tokens_issued
    at.toggle(key="connection_watch").set_value(True).run()
    assert not at.exception
    assert sim.tokens_issued == before + 1
    assert at.toggle(key="connection_watch").value is False


def test_malformed_hosts_are_reported_next_to_the_field_and_defaults_used():
    at = start(conn_hosts_text="not an email!")
    assert any("not an email!" in text for text in [e.value for e in at.sidebar.error])
    at.switch_page("pages/events.py").run()
    assert not at.exception
    assert any("Hosts field" in text for text in texts(at, "warning"))
    assert len(at.dataframe) == 1  # the events of "me" still show


def test_reversed_date_window_is_explained_and_ignored():
    at = start()
    at.switch_page("pages/events.py").run()
    everything = len(at.dataframe[0].value)
    today = date.today()
    at.date_input(key="events_window").set_value((today + timedelta(days=5), today)).run()
    assert not at.exception
    assert any("before it starts" in text for text in texts(at, "warning"))
    assert len(at.dataframe[0].value) >= everything


def test_overlong_secret_is_refused_before_anything_is_sent():
    sim = SimulatedZoom("full")
    at = start(sim=sim)
    before = sim.tokens_issued
    at = enter_credentials(at, DEFAULT_ACCOUNT_ID, DEFAULT_CLIENT_ID, "s" * 10_000)
    assert not at.exception
    errors = texts(at, "error")
    assert errors and "Client Secret is 10,000 characters long" in errors[0]
    assert sim.tokens_issued == before


def test_refused_input_keeps_the_rest_of_the_page():
    at = enter_credentials(start(), "acc", "", "secret")
    assert not at.exception
    assert any("Client ID is missing" in text for text in texts(at, "error"))
    assert metrics(at)["Webinar"] == "7/7"  # the demo checklist still shows


def test_the_demo_banner_follows_the_demo_client_picked():
    at = start("missing_scopes")
    at.switch_page("pages/events.py").run()
    assert not at.exception
    banner = next(t for t in texts(at, "info") if "Demo data" in t)
    assert banner.startswith("**Demo data: Contoso (Some scopes missing)**")
    # The local user may do everything, and no profile exists yet: both ways are offered.
    assert "add a client on the All clients page, or enter its credentials" in banner


def test_only_the_client_id_missing_in_the_environment_shows_what_is_set(monkeypatch):
    monkeypatch.setenv("ZOOM_ACCOUNT_ID", "acc-123")
    monkeypatch.setenv("ZOOM_CLIENT_SECRET", "sec-canary")
    at = start()
    assert not at.exception
    [said] = set(texts(at, "error"))  # the page and the sidebar say the same
    assert said.startswith(
        "ZOOM_CLIENT_ID is missing (ZOOM_ACCOUNT_ID acc-123 and ZOOM_CLIENT_SECRET are given)"
    )
    assert "Set ZOOM_CLIENT_ID too" in said and "Fill in" not in said
    assert "sec-canary" not in repr(at._tree) and "(none)" not in repr(at._tree)
