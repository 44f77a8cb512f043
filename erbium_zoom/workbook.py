"""The Attendance page's Excel workbook: pure, frames in, .xlsx bytes out.

Written with openpyxl through pandas (README: why openpyxl). A Summary sheet comes first, then a
People and an Absentees sheet for each loaded event. The header row is frozen and filtered, the
columns are as wide as their contents (within limits), and times are real Excel date-times: the
wall-clock time in the viewer's zone, which each time column's header names.

Names and e-mails are typed by attendees, so no text becomes a formula: openpyxl would store text
that begins with ``=`` as a formula, so every such cell is turned back into text, and every cell
that a spreadsheet could take for one (``=``, ``+``, ``-``, ``@``, a tab or a carriage return at
the start; see :mod:`erbium_zoom.exports`) is marked with Excel's quote prefix, so editing it
later keeps it text too. Characters that an .xlsx file cannot hold (control characters) are
replaced by U+FFFD rather than failing the download.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from erbium_zoom import reports
from erbium_zoom.exports import is_formula_like
from erbium_zoom.models import Registrant
from erbium_zoom.zones import zone

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUMMARY_SHEET = "Summary"
MAX_SHEET_NAME = 31  # Excel's limit
FORBIDDEN_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
MIN_WIDTH, MAX_WIDTH, DATETIME_WIDTH = 8, 60, 20
REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class EventSheets:
    """One loaded event's two sheets: who came, and who registered and did not."""

    title: str  # short, e.g. the event's topic; the sheet names start with it
    people: pd.DataFrame  # :func:`people_sheet`
    absentees: pd.DataFrame  # :func:`absentees_sheet`


# ---- the frames ---------------------------------------------------------------------------------


def zoned_column(name: str, tz: str) -> str:
    """A time column's header naming the zone: 'First join (Europe/Paris)'."""
    return f"{name} ({zone(tz).key})"


def wall_clock(values: pd.Series, tz: str) -> pd.Series:
    """Moments as naive date-times on the wall clock in ``tz`` (Excel has no time zones)."""
    converted = pd.to_datetime(values, utc=True).dt.tz_convert(str(zone(tz).key))
    return converted.dt.tz_localize(None)


def summary_sheet(across: pd.DataFrame, tz: str) -> pd.DataFrame:
    """The across-events table with its start as a date-time in ``tz``."""
    sheet = across.copy()
    sheet["Start"] = wall_clock(sheet["Start"], tz)
    return sheet.rename(columns={"Start": zoned_column("Start", tz)})


def people_sheet(people: pd.DataFrame, tz: str) -> pd.DataFrame:
    """:func:`reports.people_table`, its first join and last leave as date-times in ``tz``."""
    sheet = reports.people_table(people, tz)
    for column, source in (("First join", "first_join"), ("Last leave", "last_leave")):
        sheet[column] = wall_clock(people[source], tz).to_numpy()
    return sheet.rename(columns={c: zoned_column(c, tz) for c in ("First join", "Last leave")})


def absentees_sheet(
    absentees: pd.DataFrame, registrants: Mapping[str, Sequence[Registrant]] | None, tz: str
) -> pd.DataFrame:
    """The absentees, each one's registration time (from the list) as a date-time in ``tz``."""
    created: dict[str, datetime | None] = {
        r.id: r.create_time for group in (registrants or {}).values() for r in group
    }
    sheet = absentees.copy()
    moments = pd.Series([created.get(rid) for rid in sheet["Registrant ID"]], dtype="object")
    sheet["Registered (UTC)"] = wall_clock(moments, tz).to_numpy()
    return sheet.rename(columns={"Registered (UTC)": zoned_column("Registered", tz)})


def event_sheets(
    title: str,
    analysis: reports.EventAnalysis,
    registrants: Mapping[str, Sequence[Registrant]] | None,
    tz: str,
) -> EventSheets:
    """One loaded event's People and Absentees sheets (the Attendance page, the watcher)."""
    return EventSheets(
        title,
        people_sheet(analysis.people, tz),
        absentees_sheet(analysis.absentees, registrants, tz),
    )


# ---- sheet names --------------------------------------------------------------------------------


def sheet_name(wanted: str, taken: set[str]) -> str:
    """A valid sheet name close to ``wanted``: no ``[]:*?/\\``, at most 31 characters, not
    starting or ending with an apostrophe, and unique among ``taken`` (Excel ignores case).
    Adds the name, lower-cased, to ``taken``."""
    cleaned = FORBIDDEN_IN_SHEET_NAMES.sub(" ", ILLEGAL_CHARACTERS_RE.sub(" ", wanted))
    cleaned = " ".join(cleaned.split())
    base = cleaned[:MAX_SHEET_NAME].strip(" '") or "Sheet"
    name, number = base, 1
    while name.lower() in taken:
        number += 1
        suffix = f" ({number})"
        name = base[: MAX_SHEET_NAME - len(suffix)].rstrip(" '") + suffix
    taken.add(name.lower())
    return name


# ---- the file -----------------------------------------------------------------------------------


def attendance_workbook(across: pd.DataFrame, events: Sequence[EventSheets], tz: str) -> bytes:
    """Summary, then "N People …" and "N Absentees …" per event, as .xlsx bytes."""
    sheets = [(SUMMARY_SHEET, summary_sheet(across, tz))]
    for number, event in enumerate(events, start=1):
        sheets.append((f"{number} People {event.title}", event.people))
        sheets.append((f"{number} Absentees {event.title}", event.absentees))
    return workbook_bytes(sheets)


def workbook_bytes(sheets: Sequence[tuple[str, pd.DataFrame]]) -> bytes:
    """The frames as sheets of one workbook, in order; names made valid by :func:`sheet_name`."""
    taken: set[str] = set()
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for wanted, frame in sheets:
            name = sheet_name(wanted, taken)
            _clean_text(frame).to_excel(writer, sheet_name=name, index=False)
            _finish_sheet(writer.sheets[name])
    return buffer.getvalue()


def _clean_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells without the control characters an .xlsx file cannot hold."""
    clean = frame.copy()
    for column in clean.columns:
        if clean[column].dtype == object or pd.api.types.is_string_dtype(clean[column]):
            clean[column] = clean[column].map(
                lambda v: ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, v) if isinstance(v, str) else v
            )
    return clean


def _finish_sheet(sheet) -> None:
    """Text never a formula, empty cells empty, a frozen bold header, filters, widths."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == "":
                cell.value = None  # pandas writes a missing value as an empty text
            elif cell.is_date:
                cell.number_format = DATETIME_FORMAT
                widths[cell.column] = max(widths.get(cell.column, 0), DATETIME_WIDTH)
                continue
            elif isinstance(cell.value, str):
                if cell.data_type == "f":  # openpyxl took text beginning with "=" for a formula
                    cell.data_type = "s"
                if is_formula_like(cell.value):
                    cell.quotePrefix = True
            longest = max((len(line) for line in str(cell.value or "").splitlines()), default=0)
            widths[cell.column] = max(widths.get(cell.column, 0), longest + 2)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(
            max(width, MIN_WIDTH), MAX_WIDTH
        )
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
