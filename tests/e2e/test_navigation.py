"""The sidebar navigation in chromium: Material icons (no emoji font needed), and on a fresh
server's first page view never Streamlit's raw page list (app, activity, …) of its legacy
``pages/`` mode, not even for a moment.

Screenshots go to artifacts/screenshots/navigation-*.png.
"""

from __future__ import annotations

import base64
import json
import re

import pytest

from tests.test_no_emoji import EMOJI

from . import harness
from .harness import heading

ARTIFACTS = harness.REPO_ROOT / "artifacts" / "screenshots"
TITLES = [
    "Connection",
    "Events",
    "Registration pace",
    "Registrants",
    "Attendance",
    "All clients",
    "Activity",
]
# What Streamlit's legacy mode would list: app.py and each file in pages/, by file name.
RAW_NAMES = {"app", *(path.stem for path in (harness.REPO_ROOT / "pages").glob("*.py"))}
NAV_LINKS = f"{harness.SIDEBAR} a"
ICON = '[data-testid="stIconMaterial"]'

# Installed before the page's own scripts: records the label (icon left out) of every link that
# is ever in the sidebar, on each change of the page, so a list shown for a moment is caught.
RECORD_SIDEBAR_LINKS = """
window.__sidebarLinks = [];
new MutationObserver(() => {
  for (const link of document.querySelectorAll(LINKS)) {
    const label = link.cloneNode(true);
    label.querySelectorAll(ICON).forEach((icon) => icon.remove());
    const text = label.textContent.trim();
    if (!window.__sidebarLinks.includes(text)) window.__sidebarLinks.push(text);
  }
}).observe(document, {childList: true, subtree: true, characterData: true});
""".replace("LINKS", json.dumps(NAV_LINKS)).replace("ICON", json.dumps(ICON))


def nav_labels(page) -> list[tuple[str, list[str]]]:
    """Each sidebar link: its label without icons, and the names of its Material icons."""
    return page.locator(NAV_LINKS).evaluate_all(
        """(links, icon) => links.map((link) => {
            const label = link.cloneNode(true);
            label.querySelectorAll(icon).forEach((i) => i.remove());
            const icons = [...link.querySelectorAll(icon)].map((i) => i.textContent.trim());
            return [label.textContent.trim(), icons];
        })""",
        ICON,
    )


def test_navigation_and_tab_icons_need_no_emoji_font(page, app_server):
    harness.open_page(page, app_server.url, "", [heading("Connection"), "Demo data"])
    harness.screenshot(page, ARTIFACTS / "navigation-icons.png")
    links = nav_labels(page)
    assert [label for label, _ in links] == TITLES
    for label, icons in links:
        assert len(icons) == 1 and icons[0].isidentifier(), (label, icons)
        assert not EMOJI.search(label), label
    # Drawn with Streamlit's own icon font, which has loaded: each icon is a glyph one
    # line high, not its name spelled out in letters.
    drawn = page.locator(NAV_LINKS).locator(ICON)
    assert drawn.count() == len(TITLES)
    for index in range(drawn.count()):
        harness.expect(drawn.nth(index)).to_be_visible()
        box = drawn.nth(index).bounding_box()
        assert box and box["width"] < 2 * box["height"], (links[index], box)
    assert page.evaluate("() => document.fonts.check('24px \"Material Symbols Rounded\"')")
    # The tab icon is the app's own SVG, sent with the page: no emoji, nothing to fetch.
    favicon = page.locator("link[rel='shortcut icon']")
    harness.expect(favicon).to_have_attribute("href", re.compile(r"^data:image/svg\+xml;base64,"))
    drawing = base64.b64decode(favicon.get_attribute("href").split(",", 1)[1]).decode()
    assert drawing.startswith("<svg") and not EMOJI.search(drawing)


@pytest.mark.parametrize(("url_path", "title"), [("", "Connection"), ("events", "Upcoming events")])
def test_a_fresh_server_never_shows_the_raw_page_list(browser, url_path, title):
    server = harness.start_server()
    page = harness.new_page(browser)
    page.add_init_script(RECORD_SIDEBAR_LINKS)
    try:
        harness.open_page(page, server.url, url_path, [heading(title), "Demo data"])
        harness.screenshot(page, ARTIFACTS / f"navigation-first-{harness.page_name(url_path)}.png")
        seen = page.evaluate("() => window.__sidebarLinks")
        assert not RAW_NAMES & set(seen), f"the raw page list was shown: {seen}"
        assert seen == TITLES, seen
    finally:
        page.context.close()
        server.stop()
