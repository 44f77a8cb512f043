"""The Attendance page with a real (loopback) Zoom: the report cache, Refresh, the Heavy count."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from streamlit.testing.v1 import AppTest

from erbium_zoom import ratelimit, store
from erbium_zoom.simulator import SimulatedZoom, serve
from tests.test_attendance_page import APP, PAGE, choose, load, metrics, report_calls, texts


@pytest.fixture
def real_zoom(monkeypatch):
    """A simulated Zoom on 127.0.0.1 whose credentials are in the environment (not demo)."""
    sim = SimulatedZoom("full", now=datetime.now(UTC))  # the page judges "ended" by the clock
    with serve(sim) as server:
        monkeypatch.setenv("ZOOM_ACCOUNT_ID", sim.account_id)
        monkeypatch.setenv("ZOOM_CLIENT_ID", sim.client_id)
        monkeypatch.setenv("ZOOM_CLIENT_SECRET", sim.client_secret)
        monkeypatch.setenv("ERBIUM_ZOOM_OAUTH_URL", server.oauth_url)
        monkeypatch.setenv("ERBIUM_ZOOM_API_URL", server.api_url)
        yield sim


def open_real_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def restart() -> None:
    """What a new dashboard process starts without: open files, limiters, memory."""
    store.forget_open_stores()
    ratelimit.SHARED_LIMITERS.clear()


def heavy_text(at: AppTest) -> str:
    return next(t for t in texts(at, "caption") if t.startswith("Heavy calls today"))


def event_caption(at: AppTest, uuid: str) -> str:
    return next(t for t in texts(at, "caption") if uuid in t)


def test_finished_report_loads_after_a_restart_without_calls(real_zoom):
    board = real_zoom.event_tagged("double_slash_uuid")
    at = open_real_page()
    choose(at, f"meeting:{board['uuid']}")
    load(at)
    assert metrics(at)["Unique attendees"] != ""
    assert "from the report cache" not in event_caption(at, board["uuid"])
    heavy = len(report_calls(real_zoom))  # the board's report and the Connection page's probe
    assert f"Heavy calls today by this dashboard: {heavy} of 30,000 (Pro)" in heavy_text(at)
    assert store.open_store().count() == 1

    restart()
    at = open_real_page()
    choose(at, f"meeting:{board['uuid']}")
    before = len(real_zoom.api_calls())
    load(at)
    assert len(real_zoom.api_calls()) == before  # not one call for the report or registrants
    assert metrics(at)["Unique attendees"] != ""
    assert "(from the report cache on this computer)" in event_caption(at, board["uuid"])
    # The count survived the restart: it is kept in the file, per account and UTC day.
    assert f"{heavy + 1} of 30,000" in heavy_text(at)  # + this session's plan probe


def test_refresh_asks_zoom_again(real_zoom):
    board = real_zoom.event_tagged("double_slash_uuid")
    at = open_real_page()
    choose(at, f"meeting:{board['uuid']}")
    load(at)
    before = len(report_calls(real_zoom))
    at.button(key="attendance_refresh").click().run()
    assert not at.exception
    assert len(report_calls(real_zoom)) == before + 1
    assert "from the report cache" not in event_caption(at, board["uuid"])


def test_clear_cached_reports_empties_the_file(real_zoom):
    board = real_zoom.event_tagged("double_slash_uuid")
    at = open_real_page()
    choose(at, f"meeting:{board['uuid']}")
    load(at)
    assert store.open_store().count() == 1
    at.button(key="attendance_clear_cache").click().run()
    assert any("Cleared 1 cached report " in t for t in texts(at, "success"))
    assert store.open_store().count() == 0


def test_turning_the_cache_off_on_the_page_keeps_nothing(real_zoom):
    board = real_zoom.event_tagged("double_slash_uuid")
    at = open_real_page()
    at.toggle(key="attendance_keep_reports").set_value(False).run()
    choose(at, f"meeting:{board['uuid']}")
    load(at)
    assert store.open_store().count() == 0


def test_cache_off_in_the_environment_writes_no_file(real_zoom, monkeypatch, isolated_data_dir):
    monkeypatch.setenv(store.CACHE_ENV, "off")
    board = real_zoom.event_tagged("double_slash_uuid")
    at = open_real_page()
    choose(at, f"meeting:{board['uuid']}")
    load(at)
    assert any("ERBIUM_ZOOM_CACHE is set to off" in t for t in texts(at, "caption"))
    assert "(this process: the cache file is off)" in heavy_text(at)
    assert not isolated_data_dir.exists()


def test_a_damaged_cache_is_said_in_words_and_attendance_still_loads(real_zoom, isolated_data_dir):
    isolated_data_dir.mkdir()
    (isolated_data_dir / store.FILE_NAME).write_bytes(b"not a database" * 200)
    board = real_zoom.event_tagged("double_slash_uuid")
    at = open_real_page()
    choose(at, f"meeting:{board['uuid']}")
    load(at)
    assert any("is damaged" in t for t in texts(at, "warning"))
    assert metrics(at)["Unique attendees"] != ""
    at.button(key="attendance_clear_cache").click().run()
    assert not at.exception
    assert store.open_store().count() == 0  # a new, working file


def test_plan_choice_sets_the_daily_cap_shown(real_zoom):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.selectbox(key="conn_plan_picker").set_value("business").run()
    at.switch_page(PAGE).run()
    assert "of 60,000 (Business)" in heavy_text(at)


def test_demo_is_never_written_to_disk(isolated_data_dir):
    sim = SimulatedZoom("full", now=datetime.now(UTC))
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["demo_accounts"] = {"full": sim}
    at.run()
    at.switch_page(PAGE).run()
    choose(at, f"meeting:{sim.event_tagged('double_slash_uuid')['uuid']}")
    load(at)
    assert any("Demo data is never written to disk" in t for t in texts(at, "caption"))
    assert "(demo: simulated account)" in heavy_text(at)
    assert not isolated_data_dir.exists()


def test_postgres_restarted_during_a_session_is_said_and_recovers(
    real_zoom, postgres_server, monkeypatch
):
    """The page on PostgreSQL ([storage] url via ERBIUM_ZOOM_DATABASE_URL): the server stops,
    the page says the cache cannot be used and loads from Zoom; it comes back, the warning goes
    with the next load, without a restart of the dashboard."""
    from erbium_zoom import storage
    from tests.postgres import PASSWORD

    monkeypatch.setenv(storage.DATABASE_URL_ENV, postgres_server.new_database())
    board = real_zoom.event_tagged("double_slash_uuid")
    at = open_real_page()
    choose(at, f"meeting:{board['uuid']}")
    load(at)
    assert store.open_store().count() == 1 and not texts(at, "warning")
    assert any("the database postgresql+psycopg://" in t for t in texts(at, "caption"))
    store.open_store()._memory.clear()  # noqa: SLF001 - read from the database, not memory
    postgres_server.stop()
    try:
        before = len(report_calls(real_zoom))
        at.button(key="attendance_refresh").click().run()
        assert not at.exception
        assert len(report_calls(real_zoom)) > before  # loaded from Zoom all the same
        warnings = [t for t in texts(at, "warning") if "report cache" in t]
        assert warnings
        for warning in warnings:
            assert "could not be used" in warning and storage.DATABASE_URL_ENV in warning
            assert PASSWORD not in warning
    finally:
        postgres_server.start()
    at.button(key="attendance_refresh").click().run()
    assert not at.exception
    assert not [t for t in texts(at, "warning") if "report cache" in t]
    assert metrics(at)["Unique attendees"] != ""


# ---- Zoom's limits shared in Redis ---------------------------------------------------------------


def test_unreachable_redis_is_said_in_words_and_attendance_still_loads(real_zoom, monkeypatch):
    from tests.redis_server import free_port

    port = free_port()  # nothing listens there
    monkeypatch.setenv("ERBIUM_ZOOM_REDIS_URL", f"redis://:hunter2@127.0.0.1:{port}/0")
    board = real_zoom.event_tagged("double_slash_uuid")
    at = open_real_page()
    choose(at, f"meeting:{board['uuid']}")
    load(at)
    assert metrics(at)["Unique attendees"] != ""  # loaded, paced alone
    warnings = texts(at, "warning")
    said = next(w for w in warnings if "shared rate limits are unavailable" in w)
    assert f"redis at 127.0.0.1:{port}" in said and "half of Zoom's limits" in said
    assert "hunter2" not in " ".join(warnings) and "Traceback" not in said
    assert not any(c.status == 429 for c in real_zoom.api_calls())


def test_heavy_meter_counts_every_process_sharing_redis(real_zoom, monkeypatch, redis_url):
    from erbium_zoom import shared_limits
    from erbium_zoom.config import settings_from_env
    from tests.conftest import SIM_CREDENTIALS

    monkeypatch.setenv("ERBIUM_ZOOM_REDIS_URL", redis_url)
    quota = store.quota_key(SIM_CREDENTIALS, settings_from_env())
    today = datetime.now(UTC).date()
    other = shared_limits.slots_for(redis_url, quota)  # another dashboard on the account
    for _ in range(5):
        other.count_heavy(today)
    board = real_zoom.event_tagged("double_slash_uuid")
    at = open_real_page()
    choose(at, f"meeting:{board['uuid']}")
    load(at)
    heavy = len(report_calls(real_zoom))  # this dashboard's, the Connection page's probe too
    assert (
        "Heavy calls today by every dashboard and process sharing the account's limits in "
        f"Redis: {heavy + 5} of 30,000 (Pro)"
    ) in heavy_text(at)
    assert not any("shared rate limits" in w for w in texts(at, "warning"))
