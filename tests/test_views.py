"""Pure data shaping for the pages, on small hand-built inputs."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from erbium_zoom.models import (
    Event,
    EventKind,
    Registrant,
    RegistrantCounts,
    SkippedRegistrant,
    StatusUpdateResult,
)
from erbium_zoom.profiles import Profile, SecretStatus
from erbium_zoom.scopes import REQUIRED_SCOPES, classify_scopes
from erbium_zoom.views import (
    checklist_rows,
    client_message,
    clients_frame,
    describe_status_update,
    event_label,
    events_frame,
    filter_events,
    missing_scopes_text,
    needs_attention,
    registrant_label,
    registrants_frame,
    window_problem,
)


def event(kind, event_id, topic, start, tz="UTC", host="h1", approval=None, duration=60):
    return Event(
        kind=kind,
        id=event_id,
        uuid=f"u{event_id}",
        topic=topic,
        type=5,
        start_time=start,
        duration=duration,
        timezone=tz,
        join_url=f"https://zoom.us/j/{event_id}",
        host_id=host,
        approval_type=approval,
    )


NY_WEBINAR = event(
    EventKind.WEBINAR,
    1,
    "Product launch",
    datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
    tz="America/New_York",
    approval=1,
)
TOKYO_MEETING = event(
    EventKind.MEETING,
    2,
    "Tokyo sync",
    datetime(2026, 12, 3, 1, 0, tzinfo=UTC),
    tz="Asia/Tokyo",
    host="h2",
    approval=2,
)
LATE_MEETING = event(
    EventKind.MEETING, 3, "Board review", datetime(2027, 2, 1, 9, 0, tzinfo=UTC), approval=0
)


def test_checklist_rows_per_group_with_classic_name():
    report = classify_scopes("webinar:read:admin")
    rows = checklist_rows(report, "webinar")
    assert len(rows) == 7
    assert rows[0]["Status"] == "Granted (classic scope): webinar:read:admin"
    assert rows[4]["Status"] == "Missing"
    assert rows[0]["Zoom endpoint"] == "GET /webinars/{webinarId}"


def test_checklist_rows_scope_without_endpoint():
    rows = checklist_rows(classify_scopes(""), "meeting")
    row = next(r for r in rows if r["Scope"] == "meeting:write:participant:admin")
    assert row["Zoom endpoint"] == "none confirmed"


def test_client_message_lists_exactly_the_missing_scopes_and_the_steps():
    missing = ["report:read:list_webinar_participants:admin", "meeting:read:meeting:admin"]
    text = client_message(missing)
    listed = [line.strip()[2:] for line in text.splitlines() if line.startswith("   - ")]
    assert listed == missing
    for step in (
        "Develop → Build App",
        "Server-to-Server OAuth",
        "Add Scopes",
        "Continue",
        "Activate your app",
    ):
        assert step in text
    assert "missing 2 scopes" in text
    others = {s.name for s in REQUIRED_SCOPES} - set(missing)
    assert not any(name in text for name in others)


def test_client_message_singular_and_nothing_missing():
    assert "missing 1 scope that" in client_message(["a:b:admin"])
    assert "nothing more to do" in client_message([])


def test_missing_scopes_text_one_per_line():
    assert missing_scopes_text(["a", "b"]) == "a\nb"


def test_events_frame_times_counts_and_order():
    frame = events_frame(
        [LATE_MEETING, TOKYO_MEETING, NY_WEBINAR],
        {("webinar", 1): RegistrantCounts(10, 2, 1)},
        viewer_tz="Europe/Paris",
        host_labels={"h1": "me (account owner)", "h2": "kenji@example.com"},
    )
    assert list(frame["ID"]) == [1, 2, 3]
    first = frame.iloc[0]
    assert first["Start (event time)"] == "Tue 01 Dec 2026 10:00"  # New York, UTC-5
    assert first["Start (your time)"] == "Tue 01 Dec 2026 16:00"  # Paris, UTC+1
    assert (first["Approved"], first["Pending"], first["Denied"]) == (10, 2, 1)
    assert first["Registration"] == "on (manual approval)"
    assert first["Host"] == "me (account owner)"
    assert frame.iloc[1]["Start (event time)"] == "Thu 03 Dec 2026 10:00"  # Tokyo, UTC+9
    assert frame.iloc[1]["Registration"] == "off"
    assert frame["Approved"].isna().tolist() == [False, True, True]


def test_events_frame_unknown_time_zone_falls_back_to_utc():
    frame = events_frame([NY_WEBINAR], {}, viewer_tz="Mars/Olympus")
    assert frame.iloc[0]["Start (your time)"] == "Tue 01 Dec 2026 15:00"


@pytest.fixture
def frame():
    return events_frame(
        [NY_WEBINAR, TOKYO_MEETING, LATE_MEETING],
        {},
        viewer_tz="UTC",
        host_labels={"h1": "me", "h2": "kenji@example.com"},
    )


def test_filter_events_by_host_kind_and_text(frame):
    assert list(filter_events(frame, hosts=["kenji@example.com"])["ID"]) == [2]
    assert list(filter_events(frame, kinds=["Meeting"])["ID"]) == [2, 3]
    assert list(filter_events(frame, text="LAUNCH")["ID"]) == [1]
    assert list(filter_events(frame, text="3")["ID"]) == [3]  # by ID too
    assert len(filter_events(frame)) == 3


def test_filter_events_window_is_inclusive_in_viewer_zone(frame):
    window = (date(2026, 12, 1), date(2026, 12, 2))
    assert list(filter_events(frame, window=window, viewer_tz="UTC")["ID"]) == [1]
    # 01:00 UTC on 3 Dec is still 2 Dec in New York
    ny = filter_events(frame, window=window, viewer_tz="America/New_York")
    assert list(ny["ID"]) == [1, 2]


def test_registrants_frame_and_labels():
    people = [
        Registrant(
            "r1",
            "ana@example.com",
            "Ana",
            "Lima",
            "pending",
            datetime(2026, 11, 2, 8, 30, tzinfo=UTC),
            None,
        ),
        Registrant("r2", "", "", "", "approved", None, None),
    ]
    frame = registrants_frame(people)
    assert frame.to_dict("records")[0] == {
        "Name": "Ana Lima",
        "Email": "ana@example.com",
        "Status": "pending",
        "Registered (UTC)": "2026-11-02 08:30",
        "ID": "r1",
    }
    assert registrant_label(people[0]) == "Ana Lima <ana@example.com>"
    assert registrant_label(people[1]) == "(no name) [r2]"
    assert list(registrants_frame([]).columns) == [
        "Name",
        "Email",
        "Status",
        "Registered (UTC)",
        "ID",
    ]


def test_event_label_and_status_update_text():
    assert event_label(NY_WEBINAR, "UTC") == "Webinar: Product launch (Tue 01 Dec 2026 15:00) · 1"
    text = describe_status_update(StatusUpdateResult("approve", 65, 3))
    assert text.startswith("Zoom approved 65 registrants (3 calls")
    assert "1 registrant (1 call" in describe_status_update(StatusUpdateResult("cancel", 1, 1))


def person(n: int, status: str = "approved") -> Registrant:
    return Registrant(f"r{n}", f"p{n}@example.com", f"P{n}", "Lee", status, None, None)


def test_status_update_text_names_who_was_skipped_and_why():
    skipped = tuple(SkippedRegistrant(person(n), "already approved") for n in range(7)) + (
        SkippedRegistrant(person(9, ""), "not found among this event's registrants in Zoom"),
    )
    text = describe_status_update(StatusUpdateResult("approve", 2, 1, skipped))
    assert text.startswith("Zoom approved 2 registrants (1 call")
    assert (
        "Not sent for 7 registrants (already approved): P0 Lee <p0@example.com>, "
        "P1 Lee <p1@example.com>, P2 Lee <p2@example.com>, P3 Lee <p3@example.com>, "
        "P4 Lee <p4@example.com> and 2 more."
    ) in text
    assert text.endswith(
        "Not sent for 1 registrant (not found among this event's registrants in Zoom): "
        "P9 Lee <p9@example.com>."
    )
    nothing = describe_status_update(StatusUpdateResult("approve", 0, 0, skipped[:1]))
    assert nothing == (
        "Nothing was sent to Zoom. Not sent for 1 registrant (already approved): "
        "P0 Lee <p0@example.com>."
    )


def test_window_problem_in_words():
    assert window_problem((date(2026, 12, 1), date(2026, 12, 2))) is None
    assert "before it starts" in window_problem((date(2026, 12, 2), date(2026, 12, 1)))
    assert "both" in window_problem((date(2026, 12, 2),))
    assert "both" in window_problem(None)


def test_the_clients_table_says_where_each_secret_is():
    kept = "in the encrypted file /srv/data/client-secrets.enc (keys from ERBIUM_ZOOM_SECRET_KEY)"
    saved = Profile("Saved", "acc-1", "cid-1")
    gone = Profile("Gone", "acc-2", "cid-2")
    configured = Profile("Configured", "acc-3", "cid-3", source="configuration")
    statuses = {
        saved: SecretStatus("stored", "encrypted file", kept),
        gone: SecretStatus("unreadable", "encrypted file", kept),
        configured: SecretStatus(
            "stored", "secrets file", 'in the secrets file ([profiles."Configured"] table)'
        ),
    }
    frame = clients_frame([saved, gone, configured], {}, statuses)
    assert list(frame["Secret"]) == [
        f"stored {kept}",
        "unreadable: the encrypted file /srv/data/client-secrets.enc (keys from "
        "ERBIUM_ZOOM_SECRET_KEY) cannot be read",
        'stored in the secrets file ([profiles."Configured"] table)',
    ]


def test_needs_attention_lists_the_clients_with_something_to_do_in_table_order():
    frame = pd.DataFrame(
        {
            "Profile": ["Fine", "Unchecked", "Scopes", "Broken"],
            "Status": [
                "connected",
                "not checked yet",
                "action needed: connected, but 1 scope missing",
                "not connected: the Client Secret is wrong",
            ],
        }
    )
    assert needs_attention(frame) == [
        ("Scopes", "action needed: connected, but 1 scope missing"),
        ("Broken", "not connected: the Client Secret is wrong"),
    ]
    assert needs_attention(frame.rename(columns={"Profile": "Client"}))[0][0] == "Scopes"
