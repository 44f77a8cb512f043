"""The page's address keeps the view (AppTest).

A page opened by a link (or reloaded: a new session from the address) shows that client and
event; choosing a client or an event writes the address; a link's profile that is not here is
said and never swapped for demo data; the client follows a page switch; bad values are said and
left out; typed credentials stay out of the address; with sign-in and no [demo] setting no demo
data shows, and a signed-in person is asked to pick a client.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from streamlit.testing.v1 import AppTest

from erbium_zoom.activity import REFUSED, ActivityLog
from erbium_zoom.simulator import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    SimulatedZoom,
)
from erbium_zoom.ui import NOT_SHAREABLE

# The fixtures signed_in_as, two_accounts and loopback_zoom are imported to be found by name.
from tests.test_access_pages import ADMIN, VIEWER, all_text, signed_in_as, team_app  # noqa: F401
from tests.test_clients_pages import two_accounts  # noqa: F401
from tests.test_pages import (  # noqa: F401
    APP,
    by_label,
    enter_credentials,
    loopback_zoom,
    start,
    texts,
)


def opened(page: str, **params) -> AppTest:
    """A new session on ``page`` opened by an address with these query parameters (a link
    opened, or a reload)."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(params)
    at.switch_page(page).run()  # before the first run: through app.py, as a browser opens it
    assert not at.exception
    return at


def demo_shown(at: AppTest) -> bool:
    return any("Demo data" in text for text in texts(at, "info"))


def captions(at: AppTest) -> str:
    return "\n".join(texts(at, "caption"))


@pytest.mark.usefixtures("two_accounts")
def test_choices_go_into_the_address_and_a_reload_restores_them():
    at = opened("pages/registrants.py")
    assert at.query_params["demo"] == "full" and at.query_params["event"]
    at.selectbox(key="conn_profile").set_value("Alpha").run()
    assert dict(at.query_params)["client"] == "Alpha" and "demo" not in at.query_params
    picker = by_label(at.selectbox, "Event")
    picker.select_index(len(picker.options) - 1).run()  # not the first: not the page's default
    at.radio(key="registrants_status").set_value("pending").run()
    assert not at.exception
    kind, event_id = at.session_state["registrants_event"]
    link = dict(at.query_params)
    assert link == {"client": "Alpha", "event": f"{kind}:{event_id}", "status": "pending"}

    again = opened("pages/registrants.py", **link)
    assert again.session_state["registrants_event"] == (kind, event_id)
    assert by_label(again.selectbox, "Event").value.id == event_id
    assert again.radio(key="registrants_status").value == "pending"
    assert "Profile **Alpha**" in captions(again) and not demo_shown(again)
    assert dict(again.query_params) == link


def test_a_link_opens_its_client_and_event(request):
    alpha, _ = request.getfixturevalue("two_accounts")
    owner = alpha.hosts[0]["id"]
    event = next(
        e
        for e in reversed(alpha.events)
        if "upcoming" in e["tags"] and e["host_id"] == owner and e["approval_type"] in (0, 1)
    )
    at = opened("pages/registrants.py", client="Alpha", event=str(event["id"]))  # a bare ID
    assert "Profile **Alpha**" in captions(at) and not demo_shown(at)
    assert by_label(at.selectbox, "Event").value.id == event["id"]
    counts = {m.label: m.value for m in at.metric}
    assert counts["Approved"] == str(len(alpha.registrants(event["kind"], event["id"], "approved")))
    assert dict(at.query_params) == {"client": "Alpha", "event": f"{event['kind']}:{event['id']}"}


@pytest.mark.usefixtures("two_accounts")
def test_a_link_to_a_profile_that_is_not_here_shows_no_data():
    at = opened("pages/events.py", client="Initech", **{"from": "2026-12-01", "to": "2026-12-31"})
    [prompt] = [t for t in texts(at, "info") if "Initech" in t]
    assert "not on this dashboard" in prompt and "Pick a client" in prompt
    assert not demo_shown(at) and not at.dataframe and not at.metric
    assert "no client yet" in all_text(at.sidebar)
    assert dict(at.query_params)["client"] == "Initech"  # the link stays as it came
    at.selectbox(key="conn_prompt_pick").set_value("Alpha").run()
    assert not at.exception and at.dataframe
    assert "Profile **Alpha**" in captions(at) and not demo_shown(at)
    assert at.date_input(key="events_window").value == (date(2026, 12, 1), date(2026, 12, 31))
    assert dict(at.query_params) == {"client": "Alpha", "from": "2026-12-01", "to": "2026-12-31"}


def test_continuing_without_the_links_client_shows_demo_data_marked_as_such():
    at = opened("pages/events.py", client="Initech")
    assert not demo_shown(at) and not at.dataframe
    by_label(at.button, "Continue without this link's client").click()
    at.run()
    assert demo_shown(at) and at.dataframe
    assert dict(at.query_params) == {"demo": "full"}


@pytest.mark.usefixtures("two_accounts")
def test_the_client_follows_a_page_switch():
    at = opened("pages/events.py", client="Alpha", kind="webinar")
    assert at.multiselect(key="events_kinds").value == ["Webinar"]
    at.query_params.clear()  # a browser drops a page's query parameters on a page switch
    at.switch_page("pages/pace.py").run()
    assert not at.exception
    assert at.query_params["client"] == "Alpha" and "kind" not in at.query_params
    assert at.query_params["event"]  # the events the pace chart shows
    assert "Profile **Alpha**" in captions(at)


def test_a_demo_client_and_the_page_choices_from_a_link():
    at = opened("pages/events.py", demo="missing_scopes", kind="meeting", q="Review")
    assert any("Some scopes missing" in text for text in texts(at, "info"))
    assert at.multiselect(key="events_kinds").value == ["Meeting"]
    assert at.text_input(key="events_text").value == "Review"
    assert dict(at.query_params) == {"demo": "missing_scopes", "kind": "meeting", "q": "Review"}


def test_bad_values_in_a_link_are_said_and_the_pages_own_used():
    at = opened(
        "pages/events.py",
        demo="nonsense",
        hosts="not a host",
        kind="gala",
        **{"from": "2026-13-01", "to": "2026-12-31"},
    )
    warnings = "\n".join(texts(at, "warning"))
    for words in (
        "the demo client “nonsense”, which does not exist",
        "hosts “not a host” are not host e-mails",
        "the kind “gala”, which is not here",
        "from=“2026\\-13\\-01” is not a date",
    ):
        assert words in warnings
    assert demo_shown(at) and at.dataframe  # the default demo client, its events
    today = date.today()
    assert at.date_input(key="events_window").value[0] == today
    assert "from" not in at.query_params and "kind" not in at.query_params
    at.run()  # still said on the page's next run
    assert "the kind “gala”" in "\n".join(texts(at, "warning"))


def test_unknown_events_in_a_link_are_said_and_left_out():
    at = opened("pages/pace.py", event=["webinar:12345678901", "oops"])
    warnings = "\n".join(texts(at, "warning"))
    assert "the upcoming event “webinar\\:12345678901”, which is not among" in warnings
    assert "“oops” is not a Zoom meeting or webinar ID" in warnings
    assert at.multiselect(key="pace_upcoming").value  # the page's own default


def test_an_attendance_link_chooses_and_loads_its_events():
    sim = SimulatedZoom("full", now=datetime.now(UTC).replace(second=0, microsecond=0))
    past = [
        e
        for e in sim.events
        if not e["tags"] and e.get("uuid") and e["start_time"] < datetime.now(UTC).isoformat()
    ]
    listed, by_id = past[0], past[1]
    keys = [f"{listed['kind']}:{listed['uuid']}", f"{by_id['kind']}:{by_id['id']}"]
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["demo_accounts"] = {"full": sim}
    at.query_params.update(event=keys, **{"from": "2026-01-01", "to": date.today().isoformat()})
    at.switch_page("pages/attendance.py").run()
    assert not at.exception
    selected = at.multiselect(key="attendance_selected").value
    assert selected[0] == keys[0] and len(selected) == 2
    headings = "\n".join(texts(at, "subheader"))
    assert listed["topic"] in headings and by_id["topic"] in headings  # loaded
    assert at.query_params["event"] == selected


@pytest.mark.usefixtures("loopback_zoom")
def test_typed_credentials_stay_out_of_the_address_and_the_page_says_so():
    at = enter_credentials(start(), DEFAULT_ACCOUNT_ID, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    assert not at.exception
    assert NOT_SHAREABLE in captions(at)
    address = str(dict(at.query_params))
    assert "client" not in at.query_params and "demo" not in at.query_params
    assert DEFAULT_CLIENT_SECRET not in address and DEFAULT_CLIENT_ID not in address


@pytest.mark.usefixtures("two_accounts")
def test_signed_in_without_a_demo_setting_no_demo_data_shows(request):
    request.getfixturevalue("signed_in_as")(VIEWER)
    at = team_app(demo=None)
    at.query_params["demo"] = "full"  # even a link asking for it
    at.switch_page("pages/events.py").run()
    assert not at.exception
    assert not demo_shown(at) and not at.dataframe and not at.metric
    text = all_text(at)
    assert "This link shows demo data, which is off on this dashboard." in text
    assert "No client is chosen, and demo data is off on this dashboard." in text
    assert at.selectbox(key="conn_prompt_pick").options == ["Alpha", "Beta"]
    at.selectbox(key="conn_prompt_pick").set_value("Alpha").run()
    assert at.dataframe and "Profile **Alpha**" in captions(at)
    assert dict(at.query_params) == {"client": "Alpha"}


def test_signed_in_admin_with_no_profiles_is_asked_and_can_still_add_one(request):
    request.getfixturevalue("signed_in_as")(ADMIN)
    at = team_app(demo=None).run()  # the Connection page
    assert not at.exception and not demo_shown(at) and not at.metric
    assert "There are no client profiles on this dashboard yet" in all_text(at)
    assert by_label(at.button, "Check connection")  # an admin may type a client's credentials
    at.switch_page("pages/clients.py").run()
    assert not at.exception and "Manage client profiles" in [s.value for s in at.subheader]


def test_signed_in_with_demo_enabled_shows_the_demo(request):
    request.getfixturevalue("signed_in_as")(VIEWER)
    at = team_app(demo=True).run()
    assert not at.exception and demo_shown(at)


@pytest.mark.usefixtures("two_accounts")
def test_a_colleagues_own_role_applies_to_a_link(request):
    request.getfixturevalue("signed_in_as")(VIEWER)
    at = team_app(demo=None)
    at.query_params.update(client="Alpha", status="pending")  # an admin's link
    at.switch_page("pages/registrants.py").run()
    assert not at.exception and at.dataframe
    assert "Profile **Alpha**" in captions(at)
    assert "Changing registrants needs the editor role" in all_text(at)
    assert not [b for b in at.button if b.label.startswith(("Approve", "Delete"))]

    log = ActivityLog()
    log.append(who=ADMIN, action="add profile", client="Alpha")
    log.append(who=VIEWER, action="approve", client="Alpha", status=REFUSED)
    at = team_app(demo=None)
    at.query_params.update(who=ADMIN)  # the admin's own entries: not a viewer's to see
    at.switch_page("pages/activity.py").run()
    assert not at.exception
    assert "the who “ana@erbium\\.example”, which is not here" in all_text(at)
    assert list(at.dataframe[0].value["Who"]) == [VIEWER]
