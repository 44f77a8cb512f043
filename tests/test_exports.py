"""CSV downloads: formula-like text is neutralised, everything else comes out as it went in."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from erbium_zoom.exports import is_formula_like, neutralise_cell, to_csv_bytes


def read_back(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://x.example")',
        "+1+2",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "  =1+1",
        "\tplain after a tab",
    ],
)
def test_formula_like_text_gets_a_leading_quote(text):
    assert is_formula_like(text)
    assert neutralise_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Ana Silva", "ana@x.com", "", "a=b", "José-María", "1-2"])
def test_ordinary_text_is_left_alone(text):
    assert not is_formula_like(text)
    assert neutralise_cell(text) == text


def test_numbers_and_missing_values_are_not_touched():
    assert neutralise_cell(-3) == -3
    assert neutralise_cell(None) is None


def test_csv_neutralises_text_cells_only():
    frame = pd.DataFrame(
        {
            "Name": ["=cmd|' /C calc'!A0", "Ana Silva", "@Jordan"],
            "Email": ["-x@example.com", "ana@x.com", ""],
            "Minutes": [-1.5, 60.0, 12.0],
            "Attended": [True, True, False],
        }
    )
    back = read_back(to_csv_bytes(frame))
    assert back["Name"].tolist() == ["'=cmd|' /C calc'!A0", "Ana Silva", "'@Jordan"]
    assert back["Email"].tolist() == ["'-x@example.com", "ana@x.com", ""]
    assert back["Minutes"].tolist() == [-1.5, 60.0, 12.0]
    assert back["Attended"].tolist() == [True, True, False]
    assert frame.loc[0, "Name"].startswith("=")  # the frame itself is not changed


def test_csv_is_utf8_with_a_bom_and_no_index():
    data = to_csv_bytes(pd.DataFrame({"Topic": ["Bien démarrer"]}))
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines() == ["Topic", "Bien démarrer"]


def test_object_columns_with_mixed_values_are_handled():
    frame = pd.DataFrame({"Value": pd.Series(["=1", 5, None], dtype=object)})
    back = read_back(to_csv_bytes(frame))
    assert back["Value"].tolist() == ["'=1", "5", ""]
