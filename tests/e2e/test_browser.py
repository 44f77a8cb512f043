"""Every page of the dashboard opens in chromium, shows what it should and no error.

Screenshots land in artifacts/screenshots/<name>.png (git-ignored), also when a test fails.
"""

from __future__ import annotations

import contextlib

import pytest

from . import harness

ARTIFACTS = harness.REPO_ROOT / "artifacts" / "screenshots"

# The one place to extend: (url_path, texts the page's main area must show). url_path is the
# part after the host ("" is the default page; st.Page's url_path otherwise). The screenshot is
# named after url_path ("home" for ""). scripts/screenshots.py visits the same list.
PAGES: list[tuple[str, list[str]]] = [
    ("", ["Demo data", "Webinar 7/7"]),  # Connection (the default page)
    ("events", ["Upcoming events"]),  # Events
    ("pace", ["Registration pace", "in the last 7 days"]),  # Registration pace
    ("registrants", ["Registrants"]),  # Registrants
    ("attendance", ["Attendance"]),  # Attendance
    ("clients", ["All clients", "Demo agency", "Tailspin Toys"]),  # All clients
    ("activity", ["Activity"]),  # Activity
]


@pytest.mark.parametrize(
    ("url_path", "expected_texts"), PAGES, ids=[harness.page_name(path) for path, _ in PAGES]
)
def test_page_renders_without_error(page, app_server, url_path, expected_texts):
    shot = ARTIFACTS / f"{harness.page_name(url_path)}.png"
    try:
        harness.open_page(page, app_server.url, url_path, expected_texts)
    except Exception as error:
        with contextlib.suppress(Exception):
            harness.screenshot(page, shot)
        pytest.fail(
            f"/{url_path} did not show {expected_texts}: {error}\n"
            f"screenshot: {shot}\n--- server output ---\n{app_server.output()}",
            pytrace=False,
        )
    harness.screenshot(page, shot)
    problems = harness.page_problems(page, expected_texts)
    if problems:
        pytest.fail(
            f"/{url_path}: " + "; ".join(problems) + f"\nscreenshot: {shot}\n"
            f"--- server output ---\n{app_server.output()}",
            pytrace=False,
        )
