"""The pages' tables under AppTest: each sends its column choice and widths (the dataframe
element's proto carries ``column_order`` and the ``column_config`` as JSON), keeps the rest
behind "More columns", and the attendance summary reads as words."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from erbium_zoom.activity import ActivityLog
from erbium_zoom.views import (
    CHECKLIST_TABLE,
    EVENT_TABLE,
    NOT_KNOWN,
    PEOPLE_TABLE,
    ROSTER_TABLE,
    SUMMARY_TABLE,
    activity_table,
)
from tests.test_attendance_page import add, choose, load, open_page, simulated
from tests.test_pages import start


def config(element) -> dict:
    """The column_config the page sent, by column."""
    return json.loads(element.proto.columns or "{}")


def table_with(at: AppTest, column: str):
    return next(d for d in at.dataframe if column in d.value.columns)


def assert_sent(element, main, *, widths) -> None:
    """The table shows ``main`` first, in this order, with a width for each of ``widths``."""
    assert list(element.proto.column_order) == list(main)
    sent = config(element)
    for column in widths:
        assert isinstance(sent[column]["width"], int), column


def test_events_table_puts_host_counts_and_join_link_first():
    at = start()
    at.switch_page("pages/events.py").run()
    assert not at.exception
    table = at.dataframe[0]
    assert_sent(table, EVENT_TABLE.main, widths=EVENT_TABLE.main)
    sent = config(table)
    assert sent["Join link"]["type_config"] == {"type": "link", "display_text": "Join"}
    for count in ("Approved", "Pending", "Denied"):
        assert sent[count]["type_config"]["type"] == "number"
    assert "start_utc" in table.value.columns  # sent for sorting, never shown
    at.toggle(key="events_table_more").set_value(True).run()
    shown = list(at.dataframe[0].proto.column_order)
    assert shown[: len(EVENT_TABLE.main)] == list(EVENT_TABLE.main)
    assert {"Kind", "Start (event time)", "ID"} <= set(shown) and "start_utc" not in shown


def test_scope_checklist_shows_the_endpoint_with_room_to_wrap():
    at = start("missing_scopes")
    assert not at.exception
    assert len(at.dataframe) == 3
    for table in at.dataframe:
        assert_sent(table, CHECKLIST_TABLE.main, widths=CHECKLIST_TABLE.main)
        assert table.proto.row_height > 64  # long endpoints wrap rather than being cut
    # Nothing more to show (the group is the heading above): no "More columns" toggle.
    assert not [t for t in at.toggle if t.label.startswith("More columns")]


def test_demo_roster_shows_status_and_plan_problems_first():
    at = start()
    at.switch_page("pages/clients.py").run()
    assert not at.exception
    roster = table_with(at, "Setup")
    assert_sent(roster, ROSTER_TABLE.main, widths=ROSTER_TABLE.main)
    assert roster.proto.row_height > 64


def test_activity_puts_zooms_answer_before_the_ids():
    ActivityLog().append(
        who="local user", action="approve", event_id=81, registrant_ids=["r1"], status="204"
    )
    at = start()
    at.switch_page("pages/activity.py").run()
    assert not at.exception
    table = at.dataframe[0]
    main = activity_table("UTC").main  # AppTest has no browser: the viewer's zone is UTC
    assert_sent(table, main, widths=main)
    assert "Account ID" in table.value.columns and "Account ID" not in table.proto.column_order


def test_attendance_summary_shows_words_not_none_and_local_start_times():
    sim = simulated()
    at = open_page(sim)
    board = sim.event_tagged("double_slash_uuid")
    choose(at, f"meeting:{board['uuid']}")
    add(at, "meeting", sim.event_tagged("not_ready")["id"])
    load(at)
    summary = table_with(at, "State")
    frame = summary.value
    cells = frame.to_numpy().ravel().tolist()
    assert all(isinstance(cell, str) for cell in cells) and "None" not in cells
    not_ready = frame[frame["State"] == "Report not ready yet"].iloc[0]
    assert not_ready["Attendees"] == NOT_KNOWN and not_ready["Approved"] == NOT_KNOWN
    starts = frame["Start (UTC)"].tolist()
    assert all("+00:00" not in start for start in starts)
    assert starts[0].count(" ") == 4  # "Sun 01 Nov 2026 16:00"
    assert_sent(summary, SUMMARY_TABLE.main, widths=SUMMARY_TABLE.main)
    assert "Loaded, or why an event has no numbers" in config(summary)["State"]["help"]
    people = table_with(at, "First join")
    assert_sent(people, PEOPLE_TABLE.main, widths=PEOPLE_TABLE.main)
    assert "Registrant ID" in people.value.columns  # behind "More columns", and downloaded
