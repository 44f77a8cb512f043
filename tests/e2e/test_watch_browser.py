"""The watcher's views in chromium at 1280 px: All clients' history strip and Connection's
changes on a dashboard with 30 days of history (watch_seed.py), and the demo's watcher pass."""

from __future__ import annotations

import pytest

from . import harness, watch_seed
from .harness import MAIN, button, heading


@pytest.fixture(scope="module")
def seeded_server(browser):
    try:
        with watch_seed.seeded_server() as server:
            yield server
    except harness.ServerError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture
def fresh_page(browser):
    page = harness.new_page(browser)
    yield page
    page.context.close()


def test_all_clients_shows_each_clients_30_days_within_1280_px(fresh_page, seeded_server):
    page = fresh_page
    harness.open_page(
        page, seeded_server.url, "clients", [heading("Watched by the watcher"), "broken since"]
    )
    assert harness.page_problems(page) == []
    table = page.locator(MAIN).locator("table.ez-watch")
    acme = table.locator("tr").filter(has_text="Acme Corp")
    harness.expect(acme).to_contain_text("scopes missing: meeting:read:list_registrants:admin")
    days = acme.locator(".ez-day")
    harness.expect(days).to_have_count(30)
    assert days.nth(29).get_attribute("data-state") == "scopes_missing"
    assert days.nth(29).get_attribute("title").endswith(": scopes missing")
    # Nothing off the edge: the last day's cell ends inside the window, and nothing scrolls
    # sideways.
    last = days.nth(29).bounding_box()
    assert last["x"] + last["width"] <= harness.VIEWPORT["width"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= harness.VIEWPORT["width"]
    harness.expect(page.locator(MAIN).get_by_text("Messages not sent (2)")).to_be_visible()


def test_connection_shows_the_clients_changes(fresh_page, seeded_server):
    page = fresh_page
    harness.open_page(
        page,
        seeded_server.url,
        watch_seed.ACME_CONNECTION,
        [heading("Watcher history"), "Changes in the last 30 days (4), newest first:"],
    )
    assert harness.page_problems(page) == []
    main = page.locator(MAIN)
    harness.expect(main.locator(".ez-strip .ez-day")).to_have_count(30)
    # The table is drawn on a canvas; its cells' text is in the grid's accessible copy.
    changes = main.locator('[data-testid="stDataFrame"]').filter(has_text="Became")
    harness.expect(changes).to_be_visible()
    harness.expect(changes.locator('[data-testid="glide-cell-1-0"]')).to_have_text(
        "broken: scopes missing: meeting:read:list_registrants:admin"
    )
    harness.expect(changes).to_contain_text("broken: cannot authenticate")


def test_the_demo_watcher_pass_shows_the_messages_it_would_send(page, app_server):
    harness.open_page(page, app_server.url, "clients", [heading("All clients"), "Demo agency"])
    main = page.locator(MAIN)
    main.get_by_role("button", name="Run a watcher pass").click()
    # Five broken connections, and Northwind's webinar behind pace.
    harness.wait_for_result(page, main.get_by_text("Messages the watcher would send: 6"))
    assert harness.page_problems(page, [button("Start over")]) == []
    harness.expect(
        main.get_by_text("Action needed: Tailspin Toys: cannot authenticate", exact=False)
    ).to_be_visible()
    harness.expect(main.get_by_text("Behind pace: Northwind Traders", exact=False)).to_be_visible()
