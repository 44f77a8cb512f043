"""Screenshots of every dashboard page, for closing notes: docs/screenshots/<name>.png.

Starts the dashboard in demo mode on a free port and visits each page listed in
tests/e2e/test_browser.py's PAGES in the system chromium (see tests/e2e/harness.py).

    .venv/bin/python scripts/screenshots.py     # or: make screenshots

Emoji (page icons, status marks) show as boxes unless a colour emoji font is installed:
`apt-get install fonts-noto-color-emoji`. The tests do not need it.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.e2e import harness  # noqa: E402
from tests.e2e.test_browser import PAGES  # noqa: E402

OUT = REPO_ROOT / "docs" / "screenshots"


def main() -> int:
    if harness.chromium_path() is None:
        print(f"chromium is not installed: {harness.CHROMIUM_INSTALL_HINT}", file=sys.stderr)
        return 2
    failures = 0
    with harness.running_server() as server, harness.chromium() as browser:
        for url_path, expected_texts in PAGES:
            page = harness.new_page(browser)
            path = OUT / f"{harness.page_name(url_path)}.png"
            try:
                harness.open_page(page, server.url, url_path, expected_texts)
                problems = harness.page_problems(page, expected_texts)
            except Exception as error:  # keep going: a picture of a broken page helps too
                problems = [f"{type(error).__name__}: {error}"]
            harness.screenshot(page, path)
            page.context.close()
            status = "ok" if not problems else "PROBLEM: " + "; ".join(problems)
            print(f"/{url_path} -> {path.relative_to(REPO_ROOT)} {status}")
            failures += bool(problems)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
