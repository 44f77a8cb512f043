"""The Excel workbook, read back with openpyxl: sheets, headers, no formula, real date-times.

One event of two people, 10:00–11:00 UTC on 2 March 2026 (11:00–12:00 in Paris):

    person                       joins          minutes  registrant
    =HYPERLINK("x") (ann@x.com)  10:00–10:50    50       r1, approved
    Bob (bob@x.com)              10:05–10:06    1        r2, approved (under the 5-min threshold)
    Cy                           never                   r3, approved, registered 1 Mar 09:30 UTC
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import openpyxl
import pandas as pd
import pytest

from erbium_zoom import reports, workbook
from erbium_zoom.models import Participant, Registrant
from erbium_zoom.reports import AttendanceSettings, EventHeading

TZ = "Europe/Paris"
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
END = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
EVIL = '=HYPERLINK("http://x.example","click")'


def participant(name, email, registrant_id, join, leave) -> Participant:
    return Participant(
        participant_user_id="",
        user_id=name,
        name=name,
        user_email=email,
        join_time=join,
        leave_time=leave,
        duration=int((leave - join).total_seconds()),
        registrant_id=registrant_id,
        status="in_meeting",
    )


def registrant(rid, email, first, created) -> Registrant:
    return Registrant(rid, email, first, "", "approved", created, None)


REGISTRANTS = {
    "approved": (
        registrant("r1", "ann@x.com", EVIL, datetime(2026, 2, 20, 8, 0, tzinfo=UTC)),
        registrant("r2", "bob@x.com", "Bob", datetime(2026, 2, 25, 12, 0, tzinfo=UTC)),
        registrant("r3", "cy@x.com", "Cy", datetime(2026, 3, 1, 9, 30, tzinfo=UTC)),
    ),
    "pending": (),
    "denied": (),
}


@pytest.fixture
def book() -> openpyxl.Workbook:
    frame = reports.participants_frame(
        [
            participant(EVIL, "ann@x.com", "r1", START, START.replace(minute=50)),
            participant("Bob", "bob@x.com", "r2", START.replace(minute=5), START.replace(minute=6)),
        ]
    )
    analysis = reports.analyse_event(
        frame, REGISTRANTS, AttendanceSettings(attended_threshold_minutes=5), START, END
    )
    heading = EventHeading("Webinar: Launch / Q&A [EU]", "Webinar", "81234567890", START, "Loaded")
    across = reports.summary_frame([(heading, analysis.summary)], TZ)
    sheets = workbook.EventSheets(
        "Launch / Q&A [EU]: the very long follow-up session",
        workbook.people_sheet(analysis.people, TZ),
        workbook.absentees_sheet(analysis.absentees, REGISTRANTS, TZ),
    )
    data = workbook.attendance_workbook(across, [sheets], TZ)
    return openpyxl.load_workbook(io.BytesIO(data))


def header(sheet) -> list[str]:
    return [cell.value for cell in sheet[1]]


def column(sheet, name: str) -> list:
    index = header(sheet).index(name)
    return [row[index] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_sheets_are_summary_then_people_and_absentees_per_event(book):
    assert book.sheetnames == [
        "Summary",
        "1 People Launch Q&A EU the very",
        "1 Absentees Launch Q&A EU the v",
    ]
    for name in book.sheetnames:
        assert len(name) <= 31 and not set(name) & set("[]:*?/\\")


def test_headers_name_the_time_zone_and_are_frozen(book):
    summary, people, absentees = (book[name] for name in book.sheetnames)
    assert header(summary)[:5] == ["Event", "Kind", "ID", "Start (Europe/Paris)", "State"]
    assert header(people) == [
        "Name",
        "Email",
        "Registrant ID",
        "First join (Europe/Paris)",
        "Last leave (Europe/Paris)",
        "Minutes",
        "Sessions",
        "Attended",
        "Late",
        "Early",
    ]
    assert header(absentees) == [
        "Name",
        "Email",
        "Registrant ID",
        "Registered (Europe/Paris)",
        "Joined",
        "Minutes",
    ]
    for sheet in (summary, people, absentees):
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
        widths = [sheet.column_dimensions[letter].width for letter in "ABCD"]
        assert all(8 <= width <= 60 for width in widths)


def test_times_are_real_date_times_on_the_viewers_wall_clock(book):
    summary, people, absentees = (book[name] for name in book.sheetnames)
    assert column(summary, "Start (Europe/Paris)") == [datetime(2026, 3, 2, 11, 0)]
    assert column(people, "First join (Europe/Paris)") == [
        datetime(2026, 3, 2, 11, 0),
        datetime(2026, 3, 2, 11, 5),
    ]
    assert column(people, "Last leave (Europe/Paris)")[0] == datetime(2026, 3, 2, 11, 50)
    # Bob stayed one minute (under 5): an absentee; Cy never came. Paris is UTC+1 in March.
    assert column(absentees, "Name") == ["Bob", "Cy"]
    assert column(absentees, "Registered (Europe/Paris)") == [
        datetime(2026, 2, 25, 13, 0),
        datetime(2026, 3, 1, 10, 30),
    ]
    cell = people.cell(row=2, column=header(people).index("First join (Europe/Paris)") + 1)
    assert cell.is_date and cell.number_format == workbook.DATETIME_FORMAT


def test_no_cell_holds_a_formula_and_formula_like_text_stays_text(book):
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    people = book.worksheets[1]
    names = column(people, "Name")
    assert EVIL in names  # the text itself, not a formula and not altered
    cell = people.cell(row=2 + names.index(EVIL), column=1)
    assert cell.data_type == "s" and cell.quotePrefix


def test_missing_values_are_empty_cells():
    frame = pd.DataFrame(
        {
            "n": pd.array([1, None], dtype="Int64"),
            "t": pd.Series([datetime(2026, 3, 2, 11, 0), None], dtype="datetime64[ns]"),
        }
    )
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.workbook_bytes([("S", frame)])))["S"]
    assert (sheet["A2"].value, sheet["B2"].value) == (1, datetime(2026, 3, 2, 11, 0))
    assert (sheet["A3"].value, sheet["B3"].value) == (None, None)


@pytest.mark.parametrize(
    ("wanted", "taken", "expected"),
    [
        ("Summary", set(), "Summary"),
        ("a/b\\c[d]e:f*g?h", set(), "a b c d e f g h"),
        ("x" * 40, set(), "x" * 31),
        ("summary", {"summary"}, "summary (2)"),
        ("y" * 40, {"y" * 31}, "y" * 27 + " (2)"),
        ("'quoted'", set(), "quoted"),
        ("[]", set(), "Sheet"),
        ("bell\x07name", set(), "bell name"),
    ],
)
def test_sheet_names_follow_excels_rules(wanted, taken, expected):
    before = set(taken)
    assert workbook.sheet_name(wanted, taken) == expected
    assert taken == before | {expected.lower()}


def test_two_events_with_one_title_get_distinct_sheets():
    empty = pd.DataFrame({"Name": []})
    events = [workbook.EventSheets("Same", empty, empty) for _ in range(2)]
    across = pd.DataFrame({"Event": [], "Start": pd.Series([], dtype="datetime64[ns, UTC]")})
    data = workbook.attendance_workbook(across, events, "UTC")
    names = openpyxl.load_workbook(io.BytesIO(data)).sheetnames
    assert names == ["Summary", "1 People Same", "1 Absentees Same", "2 People Same",
                     "2 Absentees Same"]  # fmt: skip


def test_control_characters_are_replaced_not_fatal():
    frame = pd.DataFrame({"Name": ["Zoe\x00\x1bX", "\tTabbed"], "n": [1, 2]})
    data = workbook.workbook_bytes([("People", frame)])
    sheet = openpyxl.load_workbook(io.BytesIO(data))["People"]
    assert sheet["A2"].value == "Zoe\ufffd\ufffdX"
    assert sheet["A3"].value == "\tTabbed" and sheet["A3"].quotePrefix
    assert sheet["B2"].value == 1 and sheet["B2"].data_type == "n"
