"""CSV downloads that a spreadsheet opens safely: pure, no I/O, no streamlit.

Names and e-mails in Zoom's reports are typed by attendees, so a cell may begin with ``=``,
``+``, ``-`` or ``@`` and a spreadsheet would run it as a formula (CSV injection). Following
OWASP's advice, such text cells get a leading single quote, so they show as text. A cell counts
as dangerous when its first character is one of those, a tab or a carriage return, or when it
begins with whitespace followed by one of them (some spreadsheets skip leading blanks). Only text
cells are touched: numbers (``-3``) and dates stay numbers and dates.
"""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@")
CONTROL_STARTS = ("\t", "\r")
CSV_ENCODING = "utf-8-sig"  # the BOM makes Excel read accented names as UTF-8


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could take this text cell for a formula."""
    if not text:
        return False
    if text.startswith(FORMULA_STARTS + CONTROL_STARTS):
        return True
    return text.lstrip(" \t\r\n").startswith(FORMULA_STARTS)


def neutralise_cell(value: object) -> object:
    """A text cell prefixed with ``'`` when it could run as a formula; anything else as is."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every dangerous text cell (and column name) neutralised."""
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if pd.api.types.is_string_dtype(values) or values.dtype == object:
            safe[column] = values.map(neutralise_cell)
    safe.columns = [neutralise_cell(str(column)) for column in safe.columns]
    return safe


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as CSV bytes (UTF-8 with BOM, no index) with formula-like text neutralised."""
    return neutralise(frame).to_csv(index=False).encode(CSV_ENCODING)
