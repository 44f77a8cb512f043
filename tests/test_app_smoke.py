"""The dashboard starts in demo mode and shows the connection check without an exception."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def test_app_runs_in_demo_mode_without_credentials(monkeypatch):
    for name in ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert any("Demo mode" in info.value for info in at.info)
    assert any("all 17 scopes" in s.value for s in at.success)
