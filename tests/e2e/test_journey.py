"""End to end in chromium, against the simulated Zoom served on loopback: the dashboard started
with real-Zoom settings pointing at it, as a user would configure it. Screenshots of each step
go to artifacts/screenshots/journey-*.png."""

from __future__ import annotations

import re

import openpyxl
import pytest
from playwright.sync_api import expect

from erbium_zoom.simulator import SimulatedZoom, serve

from . import harness
from .harness import button, heading

ARTIFACTS = harness.REPO_ROOT / "artifacts" / "screenshots"
MISSING = ["meeting:read:list_registrants:admin", "report:read:list_webinar_participants:admin"]


@pytest.fixture(scope="module")
def zoom_app(browser):
    """A simulated account missing two scopes, and the dashboard configured to use it."""
    sim = SimulatedZoom("missing:" + ",".join(MISSING))
    with serve(sim) as zoom:
        env = {
            "ZOOM_ACCOUNT_ID": sim.account_id,
            "ZOOM_CLIENT_ID": sim.client_id,
            "ZOOM_CLIENT_SECRET": sim.client_secret,
            "ERBIUM_ZOOM_OAUTH_URL": zoom.oauth_url,
            "ERBIUM_ZOOM_API_URL": zoom.api_url,
        }
        try:
            server = harness.start_server(extra_env=env)
        except harness.ServerError as error:
            pytest.fail(str(error), pytrace=False)
        yield sim, server
        server.stop()


def step(page, base_url: str, url_path: str, expected: list, name: str) -> None:
    shot = ARTIFACTS / f"journey-{name}.png"
    harness.open_page(page, base_url, url_path, expected)
    harness.screenshot(page, shot)
    problems = harness.page_problems(page, expected)
    assert not problems, f"{name}: {problems} (screenshot {shot})"


def test_demo_mode_loads(page, app_server):
    step(page, app_server.url, "", [heading("Connection"), "Demo data", "Connected"], "1-demo")


def test_connection_check_shows_exactly_the_two_missing_scopes(page, zoom_app):
    sim, server = zoom_app
    expected = [heading("Connection"), "2 scopes are missing", "Webinar 7/7"]
    step(page, server.url, "", expected, "2-connection")
    missing_block = page.locator(harness.MAIN).locator('[data-testid="stCode"]').first
    assert sorted(missing_block.inner_text().split()) == sorted(MISSING)
    assert sim.calls[0].path == "/oauth/token"


def test_events_table_shows_the_simulated_upcoming_events(page, zoom_app):
    sim, server = zoom_app
    owner = sim.hosts[0]["id"]
    upcoming = [
        e
        for e in sim.events
        if e["host_id"] == owner and ("upcoming" in e["tags"] or "live" in e["tags"])
    ]
    # The table is drawn on a canvas; the picker below it lists the same events as text.
    expected = [
        heading("Upcoming events"),
        f"of {len(upcoming)} events",
        "Manage the registrants of",
        button("Open registrants"),
    ]
    step(page, server.url, "events", expected, "3-events")


def test_deep_link_on_a_fresh_server_gets_the_whole_frame(browser):
    """Streamlit's legacy pages/ mode would run /events alone before app.py ever ran."""
    server = harness.start_server()
    page = harness.new_page(browser)
    try:
        step(page, server.url, "events", [heading("Upcoming events"), "Demo data"], "0-deep-link")
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert "Using:" in sidebar.inner_text()
        assert sidebar.get_by_text("All clients").count() == 1  # st.navigation's titles
    finally:
        page.context.close()
        server.stop()


def test_attendance_chart_renders(page, app_server):
    """Pick two past events in demo mode, load them, and see the charts drawn."""
    expected = [heading("Attendance"), button("Load attendance")]
    step(page, app_server.url, "attendance", expected, "4-attendance")
    harness.choose_options(page, harness.FUNNEL_PICKED)
    main = page.locator(harness.MAIN)
    main.get_by_role("button", name="Load attendance").click()
    harness.wait_for_result(page, main.get_by_text("Across events", exact=True))
    charts = main.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
    # A timeline and a histogram per event, and the across charts; each drawn (its SVG), not
    # a placeholder. Plotly draws after the element is in the page: wait for the third.
    harness.expect(charts.nth(2)).to_be_visible()
    harness.expect(main.locator(".js-plotly-plot .main-svg").nth(2)).to_be_attached()
    shot = harness.screenshot(page, ARTIFACTS / "journey-5-attendance-charts.png")
    assert not harness.page_problems(page), shot


def test_registrant_picker_offers_people_only(page, app_server):
    """The first entry of the registrant picker is a person, never "Select all": everyone is a
    separate checkbox beside the list."""
    step(page, app_server.url, "registrants", ["Change registrants"], "5b-registrants")
    main = page.locator(harness.MAIN)
    main.get_by_text(re.compile(r"^Select all \d+ approved registrants$")).wait_for()
    picker = main.locator('[data-testid="stMultiSelect"]').first
    picker.locator("input").click()
    options = page.locator('[role="option"]')
    options.first.wait_for()
    assert options.filter(has_text="Select all").count() == 0
    assert "@" in options.first.inner_text()  # "Name <e-mail>"
    options.first.click()
    page.keyboard.press("Escape")
    chips = picker.get_by_role("group", name="Selected values").locator("[data-tag]")
    expect(chips).to_have_count(1)
    main.get_by_role("button", name="Deny 1 selected…").wait_for()
    harness.screenshot(page, ARTIFACTS / "journey-5c-registrant-picked.png")


def test_entered_secret_never_reaches_the_page_html(page, zoom_app):
    sim, server = zoom_app
    canary = "CANARY-browser-5ecret-77e1"
    step(page, server.url, "", [heading("Connection"), "Client credentials"], "6-before-entry")
    main = page.locator(harness.MAIN)
    main.get_by_role("textbox", name="Account ID").fill(sim.account_id)
    main.get_by_role("textbox", name="Client ID").fill(sim.client_id)
    secret_field = main.get_by_role("textbox", name="Client Secret")
    assert secret_field.get_attribute("type") == "password"
    secret_field.fill(canary)
    main.get_by_role("button", name="Check connection").click()
    harness.wait_for_result(page, main.get_by_text("Cannot authenticate"))
    harness.screenshot(page, ARTIFACTS / "journey-6-wrong-secret.png")
    assert "Client ID or Client Secret" in main.inner_text()
    for link, title in (
        (None, "Connection"),
        ("Events", "Upcoming events"),
        ("Registrants", "Registrants"),
        ("Attendance", "Attendance"),
        ("All clients", "All clients"),
    ):
        if link:
            harness.go_to(page, link, title)
        assert canary not in page.content(), title
        assert secret_field.count() == 0 or secret_field.input_value() == ""


def test_funnel_for_three_past_events_and_the_workbook_download(page, app_server, tmp_path):
    harness.load_funnel_events(page, app_server.url)
    main = page.locator(harness.MAIN)
    harness.expect(
        main.locator(".js-plotly-plot .main-svg").nth(3 * 3 - 1)
    ).to_be_attached()  # 3 per event
    assert main.inner_text().count(" registered → ") >= 4  # each event and all of them
    harness.screenshot(page, ARTIFACTS / "journey-7-funnel.png")
    assert not harness.page_problems(page)
    saved = harness.download_workbook(page, tmp_path / "attendance.xlsx")
    book = openpyxl.load_workbook(saved)
    assert book.sheetnames[0] == "Summary" and len(book.sheetnames) == 1 + 2 * 3
    assert [name.split()[1] for name in book.sheetnames[1:]] == ["People", "Absentees"] * 3
    for sheet in book.worksheets:
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_a_demo_client_picked_on_all_clients_shows_on_the_connection_page(page, app_server):
    harness.open_demo_client(page, app_server.url, "Contoso", "scopes are missing")
    assert "Contoso" in page.locator('[data-testid="stSidebar"]').inner_text()
    harness.screenshot(page, ARTIFACTS / "journey-8-contoso.png")
    assert not harness.page_problems(page)
