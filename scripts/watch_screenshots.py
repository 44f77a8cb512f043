"""Screenshots of the watcher's history (issue 17): docs/screenshots/watch-all-clients.png and
watch-connection-history.png.

Starts the dashboard on 30 days of seeded watcher history for four client profiles
(tests/e2e/watch_seed.py) and takes All clients and Acme Corp's Connection page in the system
chromium at 1280 px (tests/e2e/harness.py).

    .venv/bin/python scripts/watch_screenshots.py
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.e2e import harness  # noqa: E402
from tests.e2e.watch_seed import ACME_CONNECTION, seeded_server  # noqa: E402

OUT = REPO_ROOT / "docs" / "screenshots"


def main() -> int:
    if harness.chromium_path() is None:
        print(f"chromium is not installed: {harness.CHROMIUM_INSTALL_HINT}", file=sys.stderr)
        return 2
    problems = []
    with seeded_server() as server, harness.chromium() as browser:
        page = harness.new_page(browser)
        harness.open_page(
            page, server.url, "clients", [harness.heading("Watched by the watcher"), "broken since"]
        )
        problems += harness.page_problems(page)
        harness.screenshot_at(
            page, OUT / "watch-all-clients.png", "Watched by the watcher", height=900
        )
        page.context.close()
        page = harness.new_page(browser)
        harness.open_page(
            page,
            server.url,
            ACME_CONNECTION,
            [harness.heading("Watcher history"), "Changes in the last 30 days"],
        )
        problems += harness.page_problems(page)
        harness.screenshot_at(
            page, OUT / "watch-connection-history.png", "Watcher history", height=900
        )
        page.context.close()
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
