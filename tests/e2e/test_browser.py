"""Every page of the dashboard opens in chromium, shows what it should and no error.

Screenshots land in artifacts/screenshots/<name>.png (git-ignored), also when a test fails.
"""

from __future__ import annotations

import contextlib

import pytest

from . import harness
from .harness import button, heading

ARTIFACTS = harness.REPO_ROOT / "artifacts" / "screenshots"

# The one place to extend: (url_path, what the page's main area must show). url_path is the
# part after the host ("" is the default page; st.Page's url_path otherwise). Each entry is a
# text, or a heading/button by its name (harness.Shown); only visible elements count. The
# screenshot is named after url_path ("home" for ""). scripts/screenshots.py visits the same list.
PAGES: list[tuple[str, list[str | harness.Shown]]] = [
    ("", [heading("Connection"), "Demo data", "Webinar 7/7"]),  # the default page
    ("events", [heading("Upcoming events"), button("Open registrants")]),
    ("pace", [heading("Registration pace"), "in the last 7 days"]),
    ("registrants", [heading("Registrants"), heading("Change registrants")]),
    ("attendance", [heading("Attendance"), button("Load attendance")]),
    ("clients", [heading("All clients"), "Demo agency", button("Tailspin Toys")]),
    ("activity", [heading("Activity")]),
]


@pytest.mark.parametrize(
    ("url_path", "expected"), PAGES, ids=[harness.page_name(path) for path, _ in PAGES]
)
def test_page_renders_without_error(page, app_server, url_path, expected):
    shot = ARTIFACTS / f"{harness.page_name(url_path)}.png"
    try:
        harness.open_page(page, app_server.url, url_path, expected)
    except Exception as error:
        with contextlib.suppress(Exception):
            harness.screenshot(page, shot)
        shown = ", ".join(map(str, expected))
        pytest.fail(
            f"/{url_path} did not show {shown}: {error}\n"
            f"screenshot: {shot}\n--- server output ---\n{app_server.output()}",
            pytrace=False,
        )
    harness.screenshot(page, shot)
    problems = harness.page_problems(page, expected)
    if problems:
        pytest.fail(
            f"/{url_path}: " + "; ".join(problems) + f"\nscreenshot: {shot}\n"
            f"--- server output ---\n{app_server.output()}",
            pytrace=False,
        )
