"""Fixtures for the browser tests: one demo-mode dashboard and one chromium per run.

Without chromium (or playwright) the tests skip locally and fail in CI (CI set), so a CI machine
that lacks the browser cannot pass by skipping them.
"""

from __future__ import annotations

import os

import pytest

from . import harness

IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI is set: the browser tests must run there)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """Headless system chromium through Playwright, closed at the end of the run."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("playwright is not installed: pip install -r requirements-e2e.txt")
    if harness.chromium_path() is None:
        _unavailable(
            f"chromium is not installed: {harness.CHROMIUM_INSTALL_HINT} (as root) "
            "to run the browser tests"
        )
    with harness.chromium() as browser:
        yield browser


@pytest.fixture(scope="session")
def app_server(browser):
    """`streamlit run app.py` in demo mode on a free port; stopped when the run ends.

    Asks for the browser first so that a missing browser skips before a server starts.
    """
    try:
        server = harness.start_server()
    except harness.ServerError as error:
        pytest.fail(str(error), pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def page(browser, app_server):
    """A fresh browser context and page for one test."""
    page = harness.new_page(browser)
    yield page
    page.context.close()
