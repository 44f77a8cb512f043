"""The funnel's numbers on a hand-built event, every count worked out by hand.

A 60-minute event, 10:00–11:00 UTC; the threshold is 5 min, X = 50 % (30 of 60 min):

    person          registration        sessions         minutes  step reached
    Ana  (r1)       approved            10:00–10:50      50       stayed
    Ben  (r2)       approved            10:40–11:00      20       attended
    Cleo (by mail)  approved, cleo@x    10:00–10:35      35       stayed (e-mail in capitals)
    Dan  (r4)       approved            never                     approved
    Eve  (r5)       approved            10:30–10:33      3        approved (under 5 min)
    Fay  (r6)       pending             10:00–11:00      60       not in the funnel: other
    Gus  (r7)       denied              never
    host            —                   09:55–11:00      65       not in the funnel: other

Registered 7 → approved 5 (71.4 %) → attended 3 (60.0 %) → stayed 2 (66.7 % of attended;
28.6 % of registered); 2 other attendees.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from erbium_zoom import reports
from erbium_zoom.funnel import (
    Funnel,
    event_funnel,
    funnel_frame,
    funnel_sentence,
    total_funnel,
)
from erbium_zoom.models import Participant, Registrant

DAY = datetime(2026, 3, 2, tzinfo=UTC)
START, END = DAY.replace(hour=10), DAY.replace(hour=11)
SETTINGS = reports.AttendanceSettings(attended_threshold_minutes=5)


def at(clock: str) -> datetime:
    hour, minute = (int(part) for part in clock.split(":"))
    return DAY.replace(hour=hour, minute=minute)


def row(name: str, join: str, leave: str, *, rid: str = "", email: str = "") -> Participant:
    joined, left = at(join), at(leave)
    seconds = int((left - joined).total_seconds())
    return Participant("", name, name, email, joined, left, seconds, rid, "in_meeting")


def person(rid: str, first: str, status: str, email: str = "") -> Registrant:
    return Registrant(rid, email or f"{first.lower()}@x", first, "", status, START, None)


REGISTRANTS = {
    "approved": (
        person("r1", "Ana", "approved"),
        person("r2", "Ben", "approved"),
        person("r3", "Cleo", "approved"),
        person("r4", "Dan", "approved"),
        person("r5", "Eve", "approved"),
    ),
    "pending": (person("r6", "Fay", "pending"),),
    "denied": (person("r7", "Gus", "denied"),),
}


@pytest.fixture(scope="module")
def people():
    frame = reports.participants_frame(
        [
            row("Ana", "10:00", "10:50", rid="r1"),
            row("Ben", "10:40", "11:00", rid="r2"),
            row("Cleo", "10:00", "10:35", email="CLEO@x"),
            row("Eve", "10:30", "10:33", rid="r5"),
            row("Fay", "10:00", "11:00", rid="r6"),
            row("Host", "09:55", "11:00"),
        ]
    )
    return reports.analyse_event(frame, REGISTRANTS, SETTINGS, START, END).people


def funnel_of(people, **kwargs) -> Funnel:
    options = {"threshold_minutes": 5, "scheduled_minutes": 60} | kwargs
    return event_funnel("Launch", people, REGISTRANTS, **options)


def test_each_step_counts_the_approved_registrants_who_reached_it(people):
    funnel = funnel_of(people)
    assert [n for _, n in funnel.steps] == [7, 5, 3, 2]
    assert funnel.guests == 2


def test_a_higher_stay_percentage_keeps_fewer(people):
    assert funnel_of(people, stay_percent=60).stayed == 1  # 36 min: only Ana's 50
    assert funnel_of(people, stay_percent=0).stayed == 3
    assert funnel_of(people, stay_percent=100).stayed == 0


def test_without_a_scheduled_length_the_last_step_is_unknown(people):
    funnel = funnel_of(people, scheduled_minutes=None)
    assert funnel.stayed is None and funnel.attended == 3
    assert "is unknown" in funnel_sentence(funnel)


def test_the_sentence_writes_out_numbers_and_percentages(people):
    assert funnel_sentence(funnel_of(people)) == (
        "7 registered → 5 approved (71.4 % of registered) → 3 attended for at least 5 min "
        "(60.0 % of approved) → 2 stayed at least 50 % of its 60 scheduled minutes "
        "(66.7 % of attended). In all, 28.6 % of those who registered stayed. "
        "2 other attendees (host, panelists, guests) were not approved registrants and are not "
        "in the funnel."
    )


def test_across_events_the_steps_add_up_and_unknown_lengths_are_left_out(people):
    other = Funnel("Other", 10, 8, 4, None, 1, 5, 50, None)
    total = total_funnel([funnel_of(people), other])
    assert [n for _, n in total.steps] == [17, 13, 7, 2]
    assert (total.guests, total.unknown_length) == (3, 1)
    assert "1 event without a scheduled length left out" in funnel_sentence(total)


def test_the_table_has_a_row_per_event_and_one_for_all(people):
    other = Funnel("Other", 10, 8, 4, None, 1, 5, 50, None)
    frame = funnel_frame([funnel_of(people), other])
    assert list(frame["Event"]) == ["Launch", "Other", "All events"]
    launch = frame.iloc[0]
    assert (launch["Registered"], launch["Approved"], launch["Attended"]) == (7, 5, 3)
    assert launch["Approved (% of registered)"] == 71.4
    assert launch["Attended (% of approved)"] == 60.0
    assert launch["Stayed (% of attended)"] == 66.7
    assert launch["Stayed (% of registered)"] == 28.6
    assert frame["Stayed"].isna().tolist() == [False, True, False]
    assert len(funnel_frame([other])) == 1  # one event: no "All events" row


def test_no_registrants_gives_no_percentages():
    empty = Funnel("Empty", 0, 0, 0, 0, 3, 1, 50, 60)
    assert "— of registered" in funnel_sentence(empty)
    assert funnel_frame([empty])["Approved (% of registered)"].isna().all()
