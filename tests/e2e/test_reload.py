"""A reload keeps the client and the event, in chromium.

A client profile saved beforehand (its secret in the encrypted file) points at a simulated Zoom
on loopback. The test picks it in the sidebar and an event on Registrants, reloads the page (a
new Streamlit session, started from the address alone), and sees the same client and event;
then a page switch in the navigation keeps the client in the address.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import keyring
import keyring.backends.fail
import pytest

from erbium_zoom.profiles import ProfileStore
from erbium_zoom.secret_store import SECRET_KEY_ENV, new_key
from erbium_zoom.simulator import SimulatedZoom, serve

from . import harness

SIDEBAR = '[data-testid="stSidebar"]'
CLIENT = "Acme Corp"


@pytest.fixture(scope="module")
def profile_server(browser, tmp_path_factory):
    """The dashboard with one saved client profile, whose Zoom is a simulated account."""
    sim = SimulatedZoom("full")
    folder = tmp_path_factory.mktemp("reload")
    env = {
        "ERBIUM_ZOOM_CONFIG_DIR": str(folder / "config"),
        "ERBIUM_ZOOM_DATA_DIR": str(folder / "data"),
        SECRET_KEY_ENV: new_key(),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # the encrypted file
    }
    before = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())  # as the server has it: no keyring
    try:
        ProfileStore(path=folder / "config" / "profiles.json", environ=env).save(
            CLIENT, sim.account_id, sim.client_id, sim.client_secret, hosts="me"
        )
    finally:
        keyring.set_keyring(before)
    with serve(sim) as zoom:
        env |= {"ERBIUM_ZOOM_OAUTH_URL": zoom.oauth_url, "ERBIUM_ZOOM_API_URL": zoom.api_url}
        try:
            server = harness.start_server(extra_env=env)
        except harness.ServerError as error:
            pytest.fail(str(error), pytrace=False)
        yield server
        server.stop()


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def pick(page, combobox, option: str | None = None, index: int | None = None) -> str:
    """Open a selectbox and click an option (by its text, or the ``index``-th); its text."""
    combobox.click()
    options = page.get_by_role("option")
    chosen = options.filter(has_text=option).first if option else options.nth(index or 0)
    text = chosen.inner_text()
    chosen.click()
    return text


def test_a_reload_keeps_the_client_and_the_event(page, profile_server):
    harness.open_page(page, profile_server.url, "registrants", ["Registrants", "Demo data"])
    main, sidebar = page.locator(harness.MAIN), page.locator(SIDEBAR)
    pick(page, sidebar.get_by_role("combobox", name="Client profile"), CLIENT)
    main.get_by_text(f"Profile {CLIENT}").wait_for(timeout=harness.TEXT_TIMEOUT_MS)
    page.wait_for_url(re.compile(r"[?&]client=Acme(\+|%20)Corp"))
    harness.wait_until_idle(page)
    first_event = query(page)["event"]

    event_picker = main.get_by_role("combobox", name="Event")
    label = pick(page, event_picker, index=2)  # not the page's default (the first)
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("event") != first_event)
    harness.wait_until_idle(page)
    address = query(page)
    assert address["client"] == [CLIENT] and address["event"] != first_event

    page.reload(wait_until="domcontentloaded")
    main.get_by_text(f"Profile {CLIENT}").wait_for(timeout=harness.TEXT_TIMEOUT_MS)
    harness.wait_until_idle(page)
    assert event_picker.input_value() == label
    assert query(page) == address
    assert "Demo data" not in main.inner_text()
    assert not harness.page_problems(page)

    harness.go_to(page, "Events", "Upcoming events")
    page.wait_for_url(re.compile(r"/events\?(.*&)?client=Acme(\+|%20)Corp"))
    assert "event" not in query(page)  # the Registrants page's own choice stays there
