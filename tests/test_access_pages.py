"""Sign-in, roles and the refusals as the pages show them (AppTest).

The identity provider's answer (``st.user``) is stood in for by patching ``ui._user_info``; the
real round trip through an OpenID provider is in tests/e2e/test_sign_in.py.
"""

from __future__ import annotations

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from erbium_zoom import ui
from erbium_zoom.access import ALLOW_ANONYMOUS_ENV, LOCAL_PERSON
from erbium_zoom.activity import REFUSED, ActivityLog
from erbium_zoom.simulator import SimulatedZoom
from tests.test_access import ACCESS, AUTH
from tests.test_pages import (
    APP,
    PAGES,
    ROOT,
    ask_to_approve_two_pending,
    registration_event,
    texts,
)

ADMIN, EDITOR, VIEWER = "ana@erbium.example", "ed@erbium.example", "zoe@erbium.example"
STRANGER = "eve@else.example"


@pytest.fixture
def signed_in_as(monkeypatch):
    """Who the identity provider says is signed in (None: nobody yet)."""
    who = {"email": None}

    def user_info() -> dict:
        if who["email"] is None:
            return {"is_logged_in": False}
        return {"is_logged_in": True, "email": who["email"], "name": "Test Person"}

    monkeypatch.setattr(ui, "_user_info", user_info)

    def set_email(email: str | None) -> None:
        who["email"] = email

    return set_email


@pytest.fixture
def address():
    """Set Streamlit's server.address for one test, then put it back."""
    before = st_config.get_option("server.address")

    def set_address(value: str | None) -> None:
        st_config.set_option("server.address", value)

    yield set_address
    st_config.set_option("server.address", before)


def team_app(sim: SimulatedZoom | None = None, access=ACCESS, demo=True, **state) -> AppTest:
    """The dashboard with sign-in; demo data turned on ([demo] enabled) unless ``demo`` is
    None (the setting left out: off) or False."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.secrets["auth"] = AUTH
    if access is not None:
        at.secrets["access"] = access
    if demo is not None:
        at.secrets["demo"] = {"enabled": demo}
    if sim is not None:
        at.session_state["demo_accounts"] = {"full": sim}
    for key, value in state.items():
        at.session_state[key] = value
    return at


def all_text(at: AppTest) -> str:
    kinds = ("markdown", "info", "warning", "error", "success", "caption", "title")
    return "\n".join(str(v) for kind in kinds for v in texts(at, kind))


def test_before_sign_in_only_the_sign_in_button_shows(signed_in_as):
    signed_in_as(None)
    at = team_app().run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.sidebar.children or not any(True for _ in at.sidebar.selectbox)
    assert "Demo data" not in all_text(at) and not at.dataframe and not at.metric


def test_a_stranger_sees_not_allowed_and_nothing_else_and_is_recorded_once(signed_in_as):
    signed_in_as(STRANGER)
    at = team_app().run()
    at.run()  # a rerun does not record the refusal again
    assert not at.exception
    assert any(f"Signed in as **{STRANGER}**, not allowed here" in t for t in texts(at, "error"))
    assert [b.label for b in at.button] == ["Sign out"]
    assert "Demo data" not in all_text(at) and not at.dataframe and not at.metric
    entries = ActivityLog().entries(LOCAL_PERSON)
    assert [(e.who, e.action, e.status) for e in entries] == [(STRANGER, "sign in", REFUSED)]


@pytest.mark.parametrize(
    ("access", "named"),
    [(None, "no [access] table"), ({"admins": ["not an address"]}, "'not an address'")],
)
def test_a_missing_or_malformed_access_table_lets_nobody_in(signed_in_as, access, named):
    signed_in_as(ADMIN)
    at = team_app(access=access).run()
    assert not at.exception
    assert any(named in t and "nobody is allowed in" in t for t in texts(at, "error"))
    assert not at.button and "Demo data" not in all_text(at)


def test_served_beyond_loopback_without_sign_in_every_page_refuses(address, monkeypatch):
    address("0.0.0.0")
    monkeypatch.delenv(ALLOW_ANONYMOUS_ENV, raising=False)
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    [refusal] = texts(at, "error")
    assert "without sign-in" in refusal and "Deploying for the team" in refusal
    assert ALLOW_ANONYMOUS_ENV in refusal
    assert "Demo data" not in all_text(at) and not at.dataframe and not at.metric
    # Each page run on its own (as a deep link on a fresh server does) refuses too.
    for page in PAGES + ["pages/activity.py"]:
        alone = AppTest.from_file(str(ROOT / page), default_timeout=30).run()
        assert not alone.exception
        assert "Demo data" not in all_text(alone) and not alone.dataframe and not alone.metric


def test_allow_anonymous_serves_the_demo_with_a_warning(address, monkeypatch):
    address("0.0.0.0")
    monkeypatch.setenv(ALLOW_ANONYMOUS_ENV, "1")
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert "Demo data" in all_text(at)
    assert any("Trusted networks only" in t for t in texts(at.sidebar, "warning"))


def test_a_viewer_reads_but_sees_no_change_controls(signed_in_as):
    signed_in_as(VIEWER)
    sim = SimulatedZoom("full")
    event = registration_event(sim)
    at = team_app(sim, registrants_event=(event["kind"], event["id"])).run()
    assert not at.exception
    assert f"Signed in as **{VIEWER}** (viewer)" in all_text(at.sidebar)
    assert "checking credentials typed here needs the editor role" in all_text(at)
    assert not [t for t in at.text_input if t.label == "Client Secret"]
    at.switch_page("pages/registrants.py").run()
    assert not at.exception and at.dataframe  # the registrants are listed
    assert "Changing registrants needs the editor role" in all_text(at)
    assert not [b for b in at.button if b.label.startswith(("Approve", "Delete"))]


def test_a_viewers_forced_change_is_refused_by_the_core_and_recorded(signed_in_as):
    signed_in_as(VIEWER)
    sim = SimulatedZoom("full")
    event = registration_event(sim)
    ids = [r["id"] for r in sim.registrants(event["kind"], event["id"], "pending")[:2]]
    forced = {
        "op": "status",
        "action": "approve",
        "ids": ids,
        "summary": "Approve 2 registrants?",
        "event": (event["kind"], event["id"]),
    }
    at = team_app(
        sim,
        registrants_event=(event["kind"], event["id"]),
        registrants_status="pending",
        registrants_pending=forced,  # as if a widget had been forced
    ).run()
    at.switch_page("pages/registrants.py").run()
    at.button(key="registrants_confirm").click()
    at.run()
    assert not at.exception
    assert any("viewer and may not change registrants" in t for t in texts(at, "error"))
    assert [c for c in sim.api_calls() if c.method != "GET"] == []
    [entry] = ActivityLog().entries(LOCAL_PERSON)
    assert (entry.who, entry.action, entry.status) == (VIEWER, "approve", REFUSED)
    assert (
        entry.registrant_ids == tuple(ids)
        and entry.client == "Demo: Northwind Traders (Fully configured)"
    )


def test_an_editors_approval_is_on_record_with_their_email(signed_in_as):
    signed_in_as(EDITOR)
    sim = SimulatedZoom("full")
    event = registration_event(sim)
    at = team_app(
        sim, registrants_event=(event["kind"], event["id"]), registrants_status="pending"
    ).run()
    at.switch_page("pages/registrants.py").run()
    ask_to_approve_two_pending(at, sim, event)
    at.button(key="registrants_confirm").click()
    at.run()
    assert any(t.startswith("Zoom approved 2 registrants") for t in texts(at, "success"))
    at.switch_page("pages/activity.py").run()
    assert not at.exception
    [frame] = [d.value for d in at.dataframe]
    assert list(frame["Who"]) == [EDITOR] and list(frame["Action"]) == ["approve"]
    assert list(frame["Zoom's answer"]) == ["204 No Content"]
    assert "Your own entries (1)" in all_text(at)


def test_only_admins_see_everyones_activity(signed_in_as):
    log = ActivityLog()
    log.append(who=EDITOR, action="approve", client="Acme")
    log.append(who=VIEWER, action="approve", client="Acme", status=REFUSED)
    signed_in_as(ADMIN)
    at = team_app().run()
    at.switch_page("pages/activity.py").run()
    assert not at.exception
    assert sorted(at.dataframe[0].value["Who"]) == [EDITOR, VIEWER]
    signed_in_as(VIEWER)
    at = team_app().run()
    at.switch_page("pages/activity.py").run()
    assert list(at.dataframe[0].value["Who"]) == [VIEWER]
    assert not [b for b in at.button if "Delete" in b.label]


def test_activity_on_postgres_from_the_secrets_file_through_a_restart(
    signed_in_as, postgres_server
):
    """[storage] url in the secrets file moves the record to PostgreSQL; while the server is
    down the page says so in words (naming the setting, never the password), and shows the
    entries again once it is back, without a restart of the dashboard."""
    from erbium_zoom import storage
    from tests.postgres import PASSWORD

    url = postgres_server.new_database()
    ActivityLog(database=storage.open_url(url)).append(who=EDITOR, action="approve")
    signed_in_as(ADMIN)
    at = team_app()
    at.secrets["storage"] = {"url": url}
    at.run()
    at.switch_page("pages/activity.py").run()
    assert not at.exception
    assert list(at.dataframe[0].value["Who"]) == [EDITOR]
    assert "Stored in the database postgresql+psycopg://erbium:***@" in all_text(at)
    postgres_server.stop()
    try:
        at.run()
        assert not at.exception
        words = all_text(at)
        assert "activity record cannot be read" in words and "[storage] url" in words
        assert PASSWORD not in words
    finally:
        postgres_server.start()
    at.run()
    assert not at.exception
    assert list(at.dataframe[0].value["Who"]) == [EDITOR]


@pytest.mark.parametrize(
    ("email", "advice"),
    [
        (VIEWER, "To see a real client, ask an admin to add it as a client profile."),
        (EDITOR, "To use real Zoom, enter a client's credentials on the Connection page, or ask"),
        (ADMIN, "To use real Zoom, add a client on the All clients page, or enter its"),
    ],
)
def test_the_demo_banner_offers_only_what_the_role_allows(signed_in_as, email, advice):
    signed_in_as(email)
    at = team_app().run()
    assert not at.exception
    [banner] = [t for t in texts(at, "info") if "Demo data" in t]
    assert banner.startswith("**Demo data: Northwind Traders (Fully configured)**")
    assert advice in banner
    if email == VIEWER:  # a viewer may not type credentials: neither the banner nor the page
        assert "credentials" not in banner  # says to
        assert "an admin adds clients as profiles" in all_text(at)


def test_a_viewer_is_not_given_an_admins_setup_advice_on_all_clients(signed_in_as):
    signed_in_as(VIEWER)
    at = team_app().run()
    at.switch_page("pages/clients.py").run()
    assert not at.exception
    [warning] = [t for t in texts(at, "warning") if "cannot be stored safely" in t]
    assert "an admin of this dashboard sets up a keyring or a key" in warning
    assert "Connection page" not in warning and "ERBIUM_ZOOM_SECRET_KEY" not in warning
    assert "No client profiles yet: an admin of this dashboard adds them." in all_text(at)
