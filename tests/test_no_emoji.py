"""No emoji in what the dashboard shows: on a machine without an emoji font each one is an empty
box (and a joined sequence such as 🧑‍🤝‍🧑 splits into several). Icons are Streamlit's Material
icons (``:material/name:``, drawn with Streamlit's own font); marks in tables are words.

The browser side (navigation icons drawn as Material icons) is tests/e2e/test_navigation.py.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(
    [
        REPO_ROOT / "app.py",
        *(REPO_ROOT / "pages").glob("*.py"),
        *(REPO_ROOT / "erbium_zoom").rglob("*.py"),
    ]
)
# Pictographs, dingbats and misc symbols, the emoji presentation selector and the joiner.
# Arrows (→), box drawing (├──) and the like stay allowed: every common font has them.
EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\u3030\u303d\ufe0f\u200d]"
)
ICON_KEYWORDS = ("icon", "page_icon")


def relative(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT))


def test_the_scan_covers_the_app():
    names = {relative(path) for path in SOURCES}
    assert {"app.py", "pages/connection.py", "erbium_zoom/ui.py", "erbium_zoom/views.py"} <= names


@pytest.mark.parametrize("path", SOURCES, ids=relative)
def test_no_emoji_in_the_source(path):
    found = [
        f"{relative(path)}:{number}: {match.group()!r} in {line.strip()[:80]!r}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for match in EMOJI.finditer(line)
    ]
    assert not found, "emoji need an emoji font; use :material/…: icons or words:\n" + "\n".join(
        found
    )


@pytest.mark.parametrize("path", SOURCES, ids=relative)
def test_every_icon_argument_is_a_material_icon(path):
    """``icon=``/``page_icon=`` given as text is a Material icon, not an emoji or a shortcode
    such as ``:rocket:`` (which Streamlit turns into an emoji)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    wrong = [
        f"{relative(path)}:{node.lineno}: {keyword.arg}={value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if keyword.arg in ICON_KEYWORDS
        for value in _texts(keyword.value)
        if not value.startswith(":material/")
    ]
    assert not wrong, "\n".join(wrong)


def _texts(node: ast.expr) -> list[str]:
    """The string constants an argument can be (a constant, or either side of an if-else)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _texts(node.body) + _texts(node.orelse)
    return []


def test_the_pattern_catches_the_emoji_that_were_used():
    for emoji in (
        "📡",
        "🔑",
        "🧑\u200d🤝\u200d🧑",
        "🗂️",
        "✅",
        "☑️",
        "❌",
        "⛔",
        "⚠️",
        "🟠",
        "⏳",
        "⏱️",
    ):
        assert EMOJI.search(emoji), emoji
    for allowed in ("→", "—", "·", "…", "├──", "≥", "×", "§", "é"):
        assert not EMOJI.search(allowed), allowed
