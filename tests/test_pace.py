"""Registration pace from hand-built registrant lists, each curve worked out by hand below.

Upcoming event, starting 10 Mar 2026 09:00 UTC (18:00 in Tokyo, UTC+9); today is 9 Mar in Tokyo:

    who  status    create_time (UTC)   in Tokyo           days before the start
    B    approved  2 Mar 14:00         2 Mar 23:00        8
    A    approved  2 Mar 16:00         3 Mar 01:00        7
    C    pending   5 Mar 10:00         5 Mar 19:00        5
    D    denied    5 Mar 20:00         6 Mar 05:00        4
    E    approved  8 Mar 03:00         8 Mar 12:00        2

Days 2…9 Mar (4, 7 and 9 Mar without registrations):
    new        1 1 0 1 1 0 1 0
    approved   1 2 2 2 2 2 3 3
    pending    0 0 0 1 1 1 1 1
    denied     0 0 0 0 1 1 1 1
    total      1 2 2 3 4 4 5 5

Past event "Spring Release", starting 20 Jan 2026 15:00 UTC, which is 21 Jan 00:00 in Tokyo:
two registered 14 Jan 01:00 UTC (14 Jan in Tokyo, 7 days before), three 19 Jan 12:00 UTC (19 Jan
21:00, 2 days before), one 20 Jan 16:00 UTC (21 Jan 01:00: the day of the start, 0 days before).
One day before its start it had 5; 6 in all.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import count

import pytest

from erbium_zoom.models import Registrant
from erbium_zoom.pace import (
    PEOPLE,
    SHARE,
    SIZE_RATIO,
    default_scale,
    pace_curve,
    pace_sentence,
    pace_summary,
    projection,
    share_at,
    share_of_final,
    share_summary,
)

TOKYO = "Asia/Tokyo"
START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 9)
_ids = count(1)


def registrant(status: str, created: datetime | None) -> Registrant:
    n = next(_ids)
    return Registrant(f"r{n}", f"p{n}@x.example", f"P{n}", "", status, created, None)


def utc(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


UPCOMING = [
    registrant("approved", utc(3, 2, 14)),
    registrant("approved", utc(3, 2, 16)),
    registrant("pending", utc(3, 5, 10)),
    registrant("denied", utc(3, 5, 20)),
    registrant("approved", utc(3, 8, 3)),
]
SPRING = (
    [registrant("approved", utc(1, 14, 1)) for _ in range(2)]
    + [registrant("approved", utc(1, 19, 12)) for _ in range(3)]
    + [registrant("pending", utc(1, 20, 16))]
)


def spring_curve(tz: str = TOKYO):
    return pace_curve(SPRING, utc(1, 20, 15), tz, label="Spring Release")


def test_upcoming_curve_counts_days_in_the_viewers_zone_with_empty_days_as_zero():
    curve = pace_curve(UPCOMING, START, TOKYO, label="Launch", today=TODAY)
    frame = curve.frame
    assert list(frame["day"]) == [date(2026, 3, d) for d in range(2, 10)]
    assert list(frame["days_before"]) == [8, 7, 6, 5, 4, 3, 2, 1]
    assert list(frame["new"]) == [1, 1, 0, 1, 1, 0, 1, 0]
    assert list(frame["approved"]) == [1, 2, 2, 2, 2, 2, 3, 3]
    assert list(frame["pending"]) == [0, 0, 0, 1, 1, 1, 1, 1]
    assert list(frame["denied"]) == [0, 0, 0, 0, 1, 1, 1, 1]
    assert list(frame["total"]) == [1, 2, 2, 3, 4, 4, 5, 5]
    assert curve.days_to_go == 1 and curve.total == 5
    assert curve.by_status() == {"approved": 3, "pending": 1, "denied": 1}


def test_the_same_registrants_fall_on_other_days_in_utc():
    curve = pace_curve(UPCOMING, START, "UTC", label="Launch", today=TODAY)
    # In UTC, A and B both registered on 2 Mar, C and D both on 5 Mar.
    assert list(curve.frame["new"]) == [2, 0, 0, 2, 0, 0, 1, 0]
    assert list(curve.frame["days_before"]) == [8, 7, 6, 5, 4, 3, 2, 1]


def test_days_follow_the_zones_daylight_saving_change():
    # Los Angeles moves from UTC-8 to UTC-7 at 02:00 on 8 Mar 2026.
    before = registrant("approved", datetime(2026, 3, 8, 7, 30, tzinfo=UTC))  # 7 Mar 23:30 PST
    after = registrant("approved", datetime(2026, 3, 8, 10, 30, tzinfo=UTC))  # 8 Mar 03:30 PDT
    curve = pace_curve([before, after], START, "America/Los_Angeles", label="x", today=TODAY)
    assert list(curve.frame["day"]) == [date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9)]
    assert list(curve.frame["new"]) == [1, 1, 0]


def test_past_curve_runs_to_the_day_of_its_start_and_lines_up_by_days_before():
    curve = spring_curve()
    assert curve.start_day == date(2026, 1, 21)
    assert list(curve.frame["days_before"]) == [7, 6, 5, 4, 3, 2, 1, 0]
    assert list(curve.frame["total"]) == [2, 2, 2, 2, 2, 5, 5, 6]
    assert curve.days_to_go is None
    assert [curve.total_at(d) for d in (9, 7, 3, 2, 1, 0, -3)] == [0, 2, 2, 5, 5, 6, 6]


def test_no_registrants_yet_is_a_flat_curve_from_today():
    curve = pace_curve([], START, TOKYO, label="Quiet", today=date(2026, 2, 26))
    assert list(curve.frame["days_before"]) == [12]
    assert curve.total == 0 and curve.recent() == 0
    expected = "0 registered with 12 days to go, 0 in the last 7 days (0.0 a day)."
    assert pace_sentence(curve) == expected


def test_the_sentence_compares_with_past_events_at_the_same_point():
    curve = pace_curve(UPCOMING, START, TOKYO, label="Launch", today=TODAY)
    # The last 7 days are 3…9 Mar: 1 + 0 + 1 + 1 + 0 + 1 + 0 = 4, that is 0.6 a day.
    assert pace_sentence(curve, [spring_curve()]) == (
        "5 registered with 1 day to go, 4 in the last 7 days (0.6 a day); "
        "Spring Release had 5 at this point (6 in all)."
    )


def test_registrants_without_a_time_are_counted_apart_and_said():
    curve = pace_curve(
        [*UPCOMING, registrant("approved", None)], START, TOKYO, label="x", today=TODAY
    )
    assert curve.total == 5 and curve.undated == 1
    assert pace_sentence(curve).endswith("1 registrant without a registration time is not counted.")


@pytest.mark.parametrize(
    ("today", "words"),
    [(date(2026, 3, 10), "on the day of the start"), (date(2026, 3, 11), "1 day after the start")],
)
def test_days_to_go_in_words_on_and_after_the_day(today, words):
    curve = pace_curve(UPCOMING, START, TOKYO, label="x", today=today)
    assert pace_sentence(curve).startswith(f"5 registered {words}, ")


def test_summary_names_the_zone_the_statuses_and_the_past_events():
    curve = pace_curve(UPCOMING, START, TOKYO, label="Launch", today=TODAY)
    text = pace_summary(curve, [spring_curve()], TOKYO)
    assert "per calendar day in Asia/Tokyo" in text
    assert "from 8 days before the start to today" in text
    assert "3 approved, 1 pending, 1 denied" in text
    assert "Spring Release (6)" in text


# ---- the share-of-final scale ---------------------------------------------------------------
# Spring Release (above) had 5 of its 6 one day before its start: 83.3 %. "Big" is the same
# pattern ten times over: 20, 30 and 10 registrants, 60 in all, the same shares.


def big_curve():
    people = (
        [registrant("approved", utc(1, 14, 1)) for _ in range(20)]
        + [registrant("approved", utc(1, 19, 12)) for _ in range(30)]
        + [registrant("pending", utc(1, 20, 16)) for _ in range(10)]
    )
    return pace_curve(people, utc(1, 20, 15), TOKYO, label="Big")


def sized(n: int):
    """A past event with ``n`` registrants, all a week before its start."""
    people = [registrant("approved", utc(1, 14, 1)) for _ in range(n)]
    return pace_curve(people, utc(1, 20, 15), TOKYO, label=f"{n} people")


def launch_curve(today: date = TODAY):
    return pace_curve(UPCOMING, START, TOKYO, label="Launch", today=today)


def test_share_of_final_runs_to_100_and_is_the_same_for_ten_times_the_size():
    spring = spring_curve()
    assert share_of_final(spring) == pytest.approx([100 * n / 6 for n in (2, 2, 2, 2, 2, 5, 5, 6)])
    assert share_of_final(big_curve()) == pytest.approx(share_of_final(spring))
    assert share_at(spring, 1) == pytest.approx(500 / 6)
    assert share_at(spring, 9) == 0
    empty = pace_curve([], utc(1, 20, 15), TOKYO, label="Nobody")
    assert share_of_final(empty) is None and share_at(empty, 0) is None


def test_projection_divides_registrations_now_by_the_median_share_at_this_point():
    # Launch has 5 with 1 day to go; Spring and Big had 83.3 % one day before: 5 / 0.833 = 6.
    projected = projection(launch_curve(), [spring_curve(), big_curve()])
    assert projected.days_before == 1 and projected.registered == 5
    assert projected.share == pytest.approx(500 / 6)
    assert projected.final == pytest.approx(6)
    # Three past events: the median share, not the mean. "Late" had 1 of 4 one day before.
    late = pace_curve(
        [registrant("approved", utc(1, 19, 12))]
        + [registrant("approved", utc(1, 20, 16)) for _ in range(3)],
        utc(1, 20, 15),
        TOKYO,
        label="Late",
    )
    three = projection(launch_curve(), [spring_curve(), big_curve(), late])
    assert three.share == pytest.approx(500 / 6) and sorted(three.shares)[0] == 25


def test_no_projection_without_registrations_here_or_there_by_now():
    quiet = pace_curve([], START, TOKYO, label="Quiet", today=TODAY)
    assert projection(quiet, [spring_curve()]) is None
    # 12 days to go: Spring Release had nobody 12 days before its start.
    early = pace_curve(UPCOMING[:1], START, TOKYO, label="Early", today=date(2026, 2, 26))
    assert projection(early, [spring_curve()]) is None
    assert projection(launch_curve(), []) is None


def test_the_share_scale_is_the_default_when_sizes_differ_three_times_or_more():
    launch, spring, big = launch_curve(), spring_curve(), big_curve()
    assert default_scale([launch], []) == PEOPLE
    assert default_scale([launch], [spring]) == PEOPLE  # 6 projected against 6
    assert default_scale([launch], [big]) == SHARE  # 6 projected against 60
    assert default_scale([launch], [spring, big]) == SHARE  # 6 against 60 among the past
    assert SIZE_RATIO == 3
    # 21 and 60 are under three times apart; 20 and 60 are not.
    assert default_scale([], [big, sized(21)]) == PEOPLE
    assert default_scale([], [big, sized(20)]) == SHARE


def test_share_summary_says_each_share_and_the_projection():
    text = share_summary(launch_curve(), [spring_curve(), big_curve()])
    assert text == (
        "Share of final registrations: Spring Release had 83 % of its 6 registrations 1 day "
        "before the start; Big had 83 % of its 60 registrations 1 day before the start. Launch "
        "is drawn as a share of about 6, the total it would reach at the past events' median "
        "pace: 5 registered now ÷ 83 %."
    )
    quiet = pace_curve([], START, TOKYO, label="Quiet", today=date(2026, 2, 26))
    assert share_summary(quiet, [spring_curve()]).endswith(
        "Quiet is not drawn: it has no registrations yet, so its final cannot be projected."
    )
