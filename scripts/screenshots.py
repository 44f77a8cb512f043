"""Screenshots of every dashboard page, for closing notes: docs/screenshots/<name>.png.

Starts the dashboard in demo mode on a free port and visits each page listed in
tests/e2e/test_browser.py's PAGES in the system chromium (see tests/e2e/harness.py). Then the
producer's views: an upcoming webinar's pace against two past webinars of a similar size
(pace-two-past-webinars.png), three past events loaded (attendance-three-events.png) and their
funnel (attendance-funnel.png), the workbook they download, opened with openpyxl and drawn as
tables (workbook.png), and a demo client picked on All clients as the Connection page then
shows it (demo-client-contoso.png).

    .venv/bin/python scripts/screenshots.py     # or: make screenshots

The icons are Streamlit's Material icons (its own font) and the status marks are words, so
the pictures need no emoji font (tests/test_no_emoji.py keeps emoji out).
"""

from __future__ import annotations

import html
import sys
import tempfile
from functools import partial
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from erbium_zoom import pace  # noqa: E402
from erbium_zoom.simulator import SimulatedZoom  # noqa: E402
from tests.e2e import harness  # noqa: E402
from tests.e2e.test_browser import PAGES  # noqa: E402

OUT = REPO_ROOT / "docs" / "screenshots"


def main() -> int:
    if harness.chromium_path() is None:
        print(f"chromium is not installed: {harness.CHROMIUM_INSTALL_HINT}", file=sys.stderr)
        return 2
    shots = [
        (harness.page_name(url_path), partial(harness.open_page, url_path=url_path,
                                              expected=texts), texts)
        for url_path, texts in PAGES
    ] + [(name, journey, ()) for name, journey in JOURNEYS]  # fmt: skip
    failures = 0
    with harness.running_server() as server, harness.chromium() as browser:
        for name, visit, expected in shots:
            page = harness.new_page(browser)
            path = OUT / f"{name}.png"
            try:
                from_text = visit(page, server.url)
                problems = harness.page_problems(page, expected)
            except Exception as error:  # keep going: a picture of a broken page helps too
                from_text, problems = None, [f"{type(error).__name__}: {error}"]
            if from_text:
                harness.screenshot_at(page, path, from_text)
            else:
                harness.screenshot(page, path)
            page.context.close()
            status = "ok" if not problems else "PROBLEM: " + "; ".join(problems)
            print(f"{name} -> {path.relative_to(REPO_ROOT)} {status}")
            failures += bool(problems)
    return 1 if failures else 0


def three_events(page, base_url: str) -> None:
    harness.load_funnel_events(page, base_url)


def funnel(page, base_url: str) -> str:
    """The same three events, from "Across events" down: the funnel across them."""
    harness.load_funnel_events(page, base_url)
    return "Across events"


def pace_comparison(page, base_url: str) -> None:
    """Every host's events, so that the comparison can be two past webinars of similar size."""
    harness.open_page(
        page, base_url, "pace", [harness.heading("Registration pace"), "in the last 7 days"]
    )
    page.locator(harness.SIDEBAR).get_by_role("textbox", name="Hosts").fill(", ".join(PACE_HOSTS))
    page.keyboard.press("Enter")
    main = page.locator(harness.MAIN)
    harness.wait_for_result(page, main.get_by_text(f"Hosts: {', '.join(PACE_HOSTS)}"))
    past = main.locator('[data-testid="stMultiSelect"]').nth(1)
    past.locator("input").click()
    for _ in range(pace.MAX_COMPARISONS):  # Backspace takes the last chosen one away
        page.keyboard.press("Backspace")
    harness.expect(past.locator("[data-tag]").filter(visible=True)).to_have_count(0)
    harness.choose_options(page, PACE_PAST, index=1)
    harness.wait_for_result(page, main.get_by_text("Data Privacy Masterclass had"))


PACE_HOSTS = tuple(host["email"] for host in SimulatedZoom().hosts[:3])  # Northwind Traders
PACE_PAST = ("Data Privacy Masterclass", "Getting Started with Dashboards")


def workbook(page, base_url: str) -> None:
    """Download the workbook of the funnel's events and show what openpyxl reads back."""
    import openpyxl

    harness.load_funnel_events(page, base_url)
    with tempfile.TemporaryDirectory() as folder:
        book = openpyxl.load_workbook(harness.download_workbook(page, Path(folder) / "a.xlsx"))
    page.set_content(workbook_html(book))


def workbook_html(book, rows: int = 4) -> str:
    """Each sheet's name, size, frozen pane and first rows (date-times and types shown)."""
    parts = [
        "<style>body{font:13px sans-serif;margin:16px} table{border-collapse:collapse;"
        "margin-bottom:18px} td,th{border:1px solid #bbb;padding:2px 6px;white-space:nowrap}"
        "th{background:#eef}</style>",
        f"<h2>Downloaded workbook: {len(book.sheetnames)} sheets</h2>",
    ]
    for sheet in book.worksheets:
        parts.append(
            f"<h3>{html.escape(sheet.title)}</h3><p>{sheet.max_row - 1} rows · header frozen at "
            f"{sheet.freeze_panes} · no formula cell: "
            f"{all(c.data_type != 'f' for r in sheet.iter_rows() for c in r)}</p><table>"
        )
        for n, row in enumerate(sheet.iter_rows(max_row=rows + 1)):
            tag = "th" if n == 0 else "td"
            cells = "".join(
                f"<{tag}>{html.escape('' if c.value is None else str(c.value))}"
                f"{' (date)' if c.is_date else ''}</{tag}>"
                for c in row[:9]
            )
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table>")
    return "".join(parts)


def demo_client(page, base_url: str) -> None:
    harness.open_demo_client(page, base_url, "Contoso", "scopes are missing")


JOURNEYS = [
    ("pace-two-past-webinars", pace_comparison),
    ("attendance-three-events", three_events),
    ("attendance-funnel", funnel),
    ("workbook", workbook),
    ("demo-client-contoso", demo_client),
]


if __name__ == "__main__":
    sys.exit(main())
