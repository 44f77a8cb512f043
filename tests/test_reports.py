"""Attendance metrics on small hand-built reports, with every expected answer worked out by hand.

The main fixture is one 60-minute event, scheduled 10:00–11:00 UTC, with the threshold at 5 min
and late / early margins of 10 min:

    person       sessions                     minutes  notes
    host         09:55–11:00                  65       not registered (a guest for the rate)
    Ana   (r1)   09:58–10:20, 10:22–11:00     60       a rejoin: two rows, one person
    Ben   (r2)   10:15–11:00                  45       late (10:15 is after 10:10)
    Cleo  (r3)   10:00–10:40                  40       early (10:40 is before 10:50)
    Eve   (r5)   10:30–10:33                  3        under the 5-minute threshold
    iPhone       10:05–10:55                  50       a guest with no e-mail and no IDs
    Jordan Lee   10:00–10:50  jordan@a.com    50       leaves exactly at 10:50: not early
    Jordan Lee   10:10–11:00  jordan@b.org    50       joins exactly at 10:10: not late

Approved registrants r1…r8 (Dan r4, Fay r6, Gus r7, Hal r8 never join), one pending, one denied.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pandas as pd
import pytest

from erbium_zoom.models import Participant, Registrant, RegistrantCounts
from erbium_zoom.reports import (
    ATTENDANCE_RATE_FORMULA,
    AttendanceSettings,
    EventHeading,
    analyse_event,
    attendance_rate,
    event_summary,
    merge_people,
    minutes_distribution,
    participants_frame,
    peak,
    people_table,
    rate_formula_text,
    summary_frame,
    timeline,
)

DAY = datetime(2026, 3, 2, tzinfo=UTC)
START = DAY.replace(hour=10)
END = DAY.replace(hour=11)
SETTINGS = AttendanceSettings(attended_threshold_minutes=5, late_minutes=10, early_minutes=10)
_user_ids = count(16_000_000)


def at(clock: str) -> datetime:
    hour, minute = (int(part) for part in clock.split(":"))
    return DAY.replace(hour=hour, minute=minute)


def session(
    name: str,
    join: str,
    leave: str,
    *,
    registrant_id: str = "",
    puid: str = "",
    email: str = "",
) -> Participant:
    """One report row; ``user_id`` is new for every join, as in Zoom's report."""
    joined, left = at(join), at(leave)
    return Participant(
        participant_user_id=puid,
        user_id=str(next(_user_ids)),
        name=name,
        user_email=email,
        join_time=joined,
        leave_time=left,
        duration=int((left - joined).total_seconds()),
        registrant_id=registrant_id,
        status="in_meeting",
    )


def registrant(rid: str, first: str, last: str, status: str = "approved") -> Registrant:
    return Registrant(
        id=rid,
        email=f"{first.lower()}@x.com",
        first_name=first,
        last_name=last,
        status=status,
        create_time=DAY - timedelta(days=3),
        join_url=None,
    )


ROWS = [
    session("Host Person", "09:55", "11:00", puid="h1", email="host@x.com"),
    session("Ana Silva", "09:58", "10:20", registrant_id="r1", puid="u1", email="ana@x.com"),
    session("Ana Silva", "10:22", "11:00", registrant_id="r1", puid="u1", email="ana@x.com"),
    session("Ben Ode", "10:15", "11:00", registrant_id="r2", email="ben@x.com"),
    session("Cleo Park", "10:00", "10:40", registrant_id="r3", puid="u3", email="cleo@x.com"),
    session("Eve Moss", "10:30", "10:33", registrant_id="r5", email="eve@x.com"),
    session("iPhone", "10:05", "10:55"),
    session("Jordan Lee", "10:00", "10:50", email="jordan@a.com"),
    session("Jordan Lee", "10:10", "11:00", email="jordan@b.org"),
]
REGISTRANTS = {
    "approved": [
        registrant("r1", "Ana", "Silva"),
        registrant("r2", "Ben", "Ode"),
        registrant("r3", "Cleo", "Park"),
        registrant("r4", "Dan", "Roe"),
        registrant("r5", "Eve", "Moss"),
        registrant("r6", "Fay", "Wu"),
        registrant("r7", "Gus", "Hart"),
        registrant("r8", "Hal", "Berg"),
    ],
    "pending": [registrant("p1", "Pia", "Lund", "pending")],
    "denied": [registrant("d1", "Dov", "Katz", "denied")],
}


@pytest.fixture
def frame() -> pd.DataFrame:
    return participants_frame(ROWS)


def person(people: pd.DataFrame, email: str) -> pd.Series:
    return people[people["email"] == email].iloc[0]


# ---- who is who ---------------------------------------------------------------------------------


def test_participants_frame_keeps_one_row_per_session(frame):
    assert len(frame) == 9
    assert frame["duration_s"].tolist()[:3] == [65 * 60, 22 * 60, 38 * 60]
    assert str(frame["join_time"].dt.tz) == "UTC"


def test_person_keys_follow_registrant_then_user_then_email_then_name(frame):
    keys = dict(zip(frame["user_id"], frame["person"], strict=True))
    ids = frame["user_id"].tolist()
    assert keys[ids[0]] == "user:h1"  # the host: no registrant ID
    assert keys[ids[1]] == keys[ids[2]] == "registrant:r1"  # Ana's rejoin: one person
    assert keys[ids[3]] == "registrant:r2"
    assert keys[ids[6]] == "name:iPhone"  # a guest with no e-mail and no IDs
    assert keys[ids[7]] == "email:jordan@a.com"
    assert keys[ids[8]] == "email:jordan@b.org"  # same name, another person


def test_rejoin_rows_are_joined_through_any_shared_identifier():
    rows = [
        session("Ana Silva", "10:00", "10:20", registrant_id="r1", email="ana@x.com"),
        session("Ana S.", "10:25", "10:30", email="ANA@x.com"),  # no registrant ID this time
        session("Ana on phone", "10:31", "10:40", puid="u1", email="ana@x.com"),
    ]
    people = merge_people(participants_frame(rows))
    assert len(people) == 1
    only = people.iloc[0]
    assert only["person"] == "registrant:r1"
    assert (only["sessions"], only["rejoins"], only["minutes"]) == (3, 2, 20 + 5 + 9)


def test_two_people_with_the_same_name_and_no_identifier_cannot_be_told_apart():
    # Documented limitation: only the name is left to go on, so they count as one person.
    rows = [session("Guest", "10:00", "10:30"), session("Guest", "10:10", "10:50")]
    people = merge_people(participants_frame(rows))
    assert len(people) == 1
    assert people.iloc[0]["sessions"] == 2
    assert people.iloc[0]["minutes"] == 50  # 10:00–10:50: the overlap counts once


def test_people_with_an_identifier_are_never_matched_by_name(frame):
    people = merge_people(frame)
    assert (people["name"] == "Jordan Lee").sum() == 2


def test_merge_people_first_join_last_leave_minutes_and_rejoins(frame):
    people = merge_people(frame)
    assert len(people) == 8
    ana = person(people, "ana@x.com")
    assert ana["first_join"] == at("09:58") and ana["last_leave"] == at("11:00")
    assert ana["minutes"] == 22 + 38  # the 2-minute gap is not counted
    assert (ana["sessions"], ana["rejoins"]) == (2, 1)
    assert people["first_join"].is_monotonic_increasing


def test_overlapping_sessions_of_one_person_count_once():
    rows = [
        session("Ana", "10:00", "10:30", puid="u1"),  # laptop
        session("Ana", "10:20", "10:45", puid="u1"),  # phone, joined while still on the laptop
    ]
    people = merge_people(participants_frame(rows))
    assert people.iloc[0]["minutes"] == 45


# ---- one event ----------------------------------------------------------------------------------


def test_event_summary_worked_out_by_hand(frame):
    summary = event_summary(frame, REGISTRANTS, SETTINGS, START, END)
    assert summary.registrants == RegistrantCounts(approved=8, pending=1, denied=1)
    assert summary.participants == 8
    assert summary.attendees == 7  # everyone but Eve (3 min < 5)
    assert summary.below_threshold == 1
    assert summary.registered_attendees == 3  # Ana, Ben, Cleo
    assert summary.guests == 4  # host, iPhone, both Jordans
    assert summary.attendance_rate == pytest.approx(7 / 8)
    assert summary.absentees == 5  # Dan, Eve (too short), Fay, Gus, Hal
    assert summary.total_minutes == 65 + 60 + 45 + 40 + 50 + 50 + 50
    assert summary.median_minutes == 50  # of 40 45 50 50 50 60 65
    assert summary.late_joiners == 1  # Ben; Jordan B joined exactly at 10:10
    assert summary.early_leavers == 1  # Cleo; Jordan A left exactly at 10:50
    assert summary.rejoiners == 1  # Ana
    # 10:15–10:19: host, Ana, Ben, Cleo, iPhone, both Jordans. Ana is away 10:20–10:21.
    assert summary.peak_concurrent == 7
    assert summary.peak_minute == at("10:15")


def test_threshold_decides_who_counts(frame):
    everyone = event_summary(frame, REGISTRANTS, AttendanceSettings(0, 10, 10), START, END)
    assert (everyone.attendees, everyone.absentees) == (8, 4)
    assert everyone.attendance_rate == 1.0
    fifty = event_summary(frame, REGISTRANTS, AttendanceSettings(50, 10, 10), START, END)
    # 50 minutes or more: host 65, Ana 60, iPhone 50, both Jordans 50 (Ben 45, Cleo 40 drop out)
    assert fifty.attendees == 5
    assert fifty.registered_attendees == 1
    assert fifty.late_joiners == 0 and fifty.early_leavers == 0  # Ben and Cleo no longer count


def test_late_and_early_margins_are_configurable(frame):
    summary = event_summary(frame, REGISTRANTS, AttendanceSettings(5, 20, 5), START, END)
    assert summary.late_joiners == 0  # Ben joined 15 min in, within 20
    # Left before 10:55: Cleo (10:40) and Jordan A (10:50); iPhone left exactly at 10:55.
    assert summary.early_leavers == 2


def test_late_and_early_are_unknown_without_scheduled_times(frame):
    summary = event_summary(frame, REGISTRANTS, SETTINGS)
    assert summary.late_joiners is None and summary.early_leavers is None
    assert summary.peak_concurrent == 7


def test_no_approved_registrants_gives_no_rate(frame):
    summary = event_summary(frame, {"approved": [], "pending": [], "denied": []}, SETTINGS)
    assert summary.attendance_rate is None
    assert summary.absentees == 0
    assert "no approved registrants" in rate_formula_text(summary)


def test_without_registrants_guests_are_those_without_registrant_id(frame):
    summary = event_summary(frame, None, SETTINGS, START, END)
    assert summary.registrants is None and summary.absentees is None
    assert summary.attendance_rate is None
    assert (summary.registered_attendees, summary.guests) == (3, 4)


def test_attendance_rate_is_attendees_over_approved():
    assert attendance_rate(7, 8) == 7 / 8
    assert attendance_rate(3, 0) is None
    assert attendance_rate(3, None) is None
    assert attendance_rate(12, 10) == 1.2  # guests can take it past 100 %


def test_absentees_list_who_never_came_and_who_stayed_too_short(frame):
    absentees = analyse_event(frame, REGISTRANTS, SETTINGS, START, END).absentees
    assert absentees["Registrant ID"].tolist() == ["r4", "r5", "r6", "r7", "r8"]
    eve = absentees[absentees["Registrant ID"] == "r5"].iloc[0]
    assert (eve["Joined"], eve["Minutes"]) == ("under the threshold", 3.0)
    assert set(absentees.loc[absentees["Registrant ID"] != "r5", "Joined"]) == {"never"}


def test_a_registrant_who_joined_without_the_link_is_matched_by_email():
    rows = [session("Dan R", "10:00", "10:40", puid="u9", email="DAN@x.com")]
    analysis = analyse_event(participants_frame(rows), REGISTRANTS, SETTINGS, START, END)
    assert "r4" not in analysis.absentees["Registrant ID"].tolist()
    assert analysis.summary.registered_attendees == 1


def test_rate_formula_text_shows_the_numbers(frame):
    text = rate_formula_text(event_summary(frame, REGISTRANTS, SETTINGS, START, END))
    assert text.startswith(ATTENDANCE_RATE_FORMULA)
    assert "7 unique attendees (at least 5 min) ÷ 8 approved registrants = 87.5%" in text


# ---- timeline and distribution ------------------------------------------------------------------


def test_timeline_counts_distinct_attended_people_per_minute(frame):
    attended = analyse_event(frame, REGISTRANTS, SETTINGS, START, END).timeline
    assert attended["minute"].iloc[0] == at("09:55") and len(attended) == 65
    by_minute = dict(zip(attended["minute"], attended["attendees"], strict=True))
    expected = {
        "09:55": 1,  # host
        "09:58": 2,  # + Ana
        "10:00": 4,  # + Cleo, Jordan A
        "10:05": 5,  # + iPhone
        "10:10": 6,  # + Jordan B
        "10:15": 7,  # + Ben
        "10:20": 6,  # Ana between her sessions
        "10:22": 7,  # Ana back
        "10:40": 6,  # Cleo gone
        "10:50": 5,  # Jordan A gone
        "10:55": 4,  # iPhone gone
        "10:59": 4,
    }
    assert {clock: by_minute[pd.Timestamp(at(clock))] for clock in expected} == expected
    assert peak(attended) == (7, at("10:15"))


def test_timeline_counts_a_person_once_in_a_minute_with_a_rejoin():
    def row(join: datetime, leave: datetime) -> Participant:
        seconds = int((leave - join).total_seconds())
        return Participant("u1", str(next(_user_ids)), "Ana", "", join, leave, seconds, "", None)

    second = timedelta(seconds=1)
    # Left at 10:05:10 and back at 10:05:40: both sessions touch the 10:05 minute.
    rows = [
        row(at("10:00"), at("10:05") + 10 * second),
        row(at("10:05") + 40 * second, at("10:08")),
    ]
    present = timeline(participants_frame(rows), START, START + timedelta(minutes=10))
    assert present["attendees"].tolist() == [1] * 8 + [0, 0]


def test_timeline_of_no_one_is_zero_across_the_scheduled_time():
    present = timeline(participants_frame([]), START, START + timedelta(minutes=3))
    assert present["attendees"].tolist() == [0, 0, 0]
    assert peak(present) == (0, None)


def test_minutes_distribution_bands_by_hand(frame):
    distribution = analyse_event(frame, REGISTRANTS, SETTINGS, START, END).distribution
    # Attendees' minutes 40 45 50 50 50 60 65; the longest is over 60, so 10-minute bands.
    assert distribution["label"].tolist() == [
        "0–10",
        "10–20",
        "20–30",
        "30–40",
        "40–50",
        "50–60",
        "60–70",
    ]
    assert distribution["people"].tolist() == [0, 0, 0, 0, 2, 3, 2]


def test_minutes_distribution_short_events_use_5_minute_bands():
    people = pd.DataFrame({"minutes": [4.0, 5.0, 12.5], "attended": [True, True, True]})
    distribution = minutes_distribution(people)
    assert distribution["from_minutes"].tolist() == [0, 5, 10]
    assert distribution["people"].tolist() == [1, 1, 1]


# ---- tables -------------------------------------------------------------------------------------


def test_people_table_converts_times_and_flags(frame):
    people = analyse_event(frame, REGISTRANTS, SETTINGS, START, END).people
    table = people_table(people, "Europe/Paris")
    ben = table[table["Email"] == "ben@x.com"].iloc[0]
    assert ben["First join"] == "2026-03-02 11:15:00"  # UTC+1 in March
    assert (bool(ben["Attended"]), bool(ben["Late"]), bool(ben["Early"])) == (True, True, False)
    eve = table[table["Email"] == "eve@x.com"].iloc[0]
    assert not eve["Attended"] and not eve["Late"]


def test_summary_frame_one_row_per_event_blank_when_not_loaded(frame):
    summary = event_summary(frame, REGISTRANTS, SETTINGS, START, END)
    headings = [
        EventHeading("Webinar A", "Webinar", "811", START, "Loaded"),
        EventHeading("Meeting B", "Meeting", "922", None, "Report not ready yet"),
    ]
    table = summary_frame(zip(headings, [summary, None], strict=True), "UTC")
    first, second = table.iloc[0], table.iloc[1]
    assert (first["Approved"], first["Attendees"], first["Attendance rate (%)"]) == (8, 7, 87.5)
    assert (first["Late joiners"], first["Early leavers"], first["Peak concurrent"]) == (1, 1, 7)
    assert second["State"] == "Report not ready yet"
    assert pd.isna(second["Attendees"]) and pd.isna(second["Start"])
    assert str(table["Attendees"].dtype) == "Int64"


def test_settings_refuse_negative_minutes():
    with pytest.raises(ValueError):
        AttendanceSettings(attended_threshold_minutes=-1)


def test_an_event_nobody_joined_has_zeros_and_every_approved_registrant_absent():
    analysis = analyse_event(participants_frame([]), REGISTRANTS, SETTINGS, START, END)
    summary = analysis.summary
    assert (summary.attendees, summary.attendance_rate, summary.absentees) == (0, 0.0, 8)
    assert (summary.peak_concurrent, summary.peak_minute, summary.median_minutes) == (0, None, None)
    assert analysis.timeline["attendees"].tolist() == [0] * 60
    assert analysis.distribution.empty
