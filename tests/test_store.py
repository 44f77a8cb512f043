"""The report cache on disk: what is kept, per account, surviving a restart, owner-only."""

from __future__ import annotations

import os
import sqlite3
import stat
from dataclasses import replace
from datetime import date, timedelta

import pytest

from erbium_zoom import store
from erbium_zoom.attendance import (
    AttendanceResult,
    EventRef,
    EventState,
    is_final,
    load_many,
    load_past_events,
)
from erbium_zoom.config import Credentials, Settings
from erbium_zoom.models import Event, EventKind
from erbium_zoom.simulator import SimulatedZoom
from erbium_zoom.store import ReportStore, StoreUnavailable
from tests.conftest import FIXED_NOW, SIM_CREDENTIALS

MEETING = EventKind.MEETING
ALPHA = store.account_key(SIM_CREDENTIALS, Settings())
BETA = store.account_key(Credentials("acc-B", "cid-B", "other-secret"), Settings())


@pytest.fixture
def cache_path(isolated_data_dir):
    return isolated_data_dir / store.FILE_NAME


@pytest.fixture
def board_result(sim, client) -> AttendanceResult:
    """A loaded, finished meeting: the Customer Advisory Board (33 days ago)."""
    board = sim.event_tagged("double_slash_uuid")
    ref = EventRef.from_event(Event.from_api(MEETING, board))
    [result] = load_many(client, [ref], FIXED_NOW)
    assert result.state is EventState.READY and is_final(result, FIXED_NOW)
    return result


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# ---- where and whether -------------------------------------------------------------------------


def test_default_path_follows_the_environment(tmp_path):
    assert store.default_path({store.DATA_DIR_ENV: str(tmp_path)}) == tmp_path / "cache.sqlite3"
    assert store.default_path({}).name == "cache.sqlite3"
    assert "erbium-zoom" in str(store.default_path({}))


@pytest.mark.parametrize(("value", "enabled"), [("", True), ("on", True), ("off", False)])
def test_cache_can_be_turned_off(value, enabled):
    assert store.cache_enabled({store.CACHE_ENV: value}) is enabled
    assert store.cache_enabled({store.CACHE_ENV: "OFF "}) is False


def test_account_key_never_holds_the_secret():
    key = store.account_key(SIM_CREDENTIALS, Settings())
    assert SIM_CREDENTIALS.client_secret not in key
    assert SIM_CREDENTIALS.account_id in key and SIM_CREDENTIALS.client_id in key
    assert store.account_key(SIM_CREDENTIALS, Settings(api_url="http://127.0.0.1:1/v2")) != key


# ---- round trip, restart, accounts --------------------------------------------------------------


def test_result_survives_a_restart(cache_path, board_result):
    ReportStore(cache_path).put(ALPHA, board_result)
    again = ReportStore(cache_path).get(ALPHA, board_result.ref)  # a new process's store
    assert again is not None and again.from_cache
    assert replace(again, from_cache=False) == board_result


def test_two_accounts_never_share_an_entry(cache_path, board_result):
    kept = ReportStore(cache_path)
    kept.put(ALPHA, board_result)
    assert kept.get(BETA, board_result.ref) is None
    assert ReportStore(cache_path).get(BETA, board_result.ref) is None
    other = replace(board_result, participants=board_result.participants[:1])
    kept.put(BETA, other)
    fresh = ReportStore(cache_path)
    assert len(fresh.get(ALPHA, board_result.ref).participants) == len(board_result.participants)
    assert len(fresh.get(BETA, board_result.ref).participants) == 1
    assert (fresh.count(ALPHA), fresh.count(BETA), fresh.count()) == (1, 1, 2)


def test_an_entry_of_another_format_version_is_not_used(cache_path, board_result, monkeypatch):
    ReportStore(cache_path).put(ALPHA, board_result)
    monkeypatch.setattr(store, "PAYLOAD_VERSION", store.PAYLOAD_VERSION + 1)
    assert ReportStore(cache_path).get(ALPHA, board_result.ref) is None


def test_memory_keeps_the_most_recent_results_within_its_budget(cache_path, board_result):
    rows = len(board_result.participants) + sum(map(len, board_result.registrants.values()))
    kept = ReportStore(cache_path, memory_rows=rows)
    kept.put(ALPHA, board_result)
    kept.put(BETA, board_result)  # pushes ALPHA's out of memory
    assert list(kept._memory) == [(BETA, "meeting", board_result.ref.report_id)]
    assert kept.get(ALPHA, board_result.ref) is not None  # from the file
    assert list(kept._memory) == [(ALPHA, "meeting", board_result.ref.report_id)]


def test_clear_forgets_reports_and_keeps_heavy_counts(cache_path, board_result):
    kept = ReportStore(cache_path)
    kept.put(ALPHA, board_result)
    kept.add_heavy(ALPHA, date(2026, 11, 29), 3)
    assert kept.clear() == 1
    assert kept.get(ALPHA, board_result.ref) is None and kept.count() == 0
    assert ReportStore(cache_path).heavy_calls(ALPHA, date(2026, 11, 29)) == 3


def test_heavy_calls_are_kept_per_account_and_day(cache_path):
    kept = ReportStore(cache_path)
    day = date(2026, 11, 29)
    for _ in range(5):
        kept.add_heavy(ALPHA, day)
    kept.add_heavy(ALPHA, day + timedelta(days=1))
    kept.add_heavy(BETA, day, 7)
    fresh = ReportStore(cache_path)
    assert fresh.heavy_calls(ALPHA, day) == 5
    assert fresh.heavy_calls(ALPHA, day + timedelta(days=1)) == 1
    assert fresh.heavy_calls(BETA, day) == 7
    assert fresh.heavy_calls(BETA, day - timedelta(days=1)) == 0


# ---- owner only ---------------------------------------------------------------------------------


def test_file_and_folder_are_readable_by_their_owner_alone(cache_path, board_result):
    kept = ReportStore(cache_path)
    with sqlite3.connect(cache_path) as reader:  # open: SQLite keeps its -wal and -shm files
        reader.execute("SELECT COUNT(*) FROM reports").fetchone()
        kept.put(ALPHA, board_result)
        kept.add_heavy(ALPHA, date(2026, 11, 29))
        files = sorted(p.name for p in cache_path.parent.iterdir())
        assert files == ["cache.sqlite3", "cache.sqlite3-shm", "cache.sqlite3-wal"]
        for name in files:
            assert mode(cache_path.parent / name) == 0o600, name
    assert mode(cache_path.parent) == 0o700


def test_a_file_others_could_read_is_made_owner_only(cache_path):
    cache_path.parent.mkdir(parents=True)
    cache_path.touch()
    os.chmod(cache_path, 0o644)
    ReportStore(cache_path)
    assert mode(cache_path) == 0o600


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX owners")
def test_a_file_owned_by_another_user_is_refused(cache_path, monkeypatch):
    ReportStore(cache_path)
    monkeypatch.setattr(os, "getuid", lambda: os.stat(cache_path).st_uid + 1)
    with pytest.raises(StoreUnavailable, match="belongs to another user"):
        ReportStore(cache_path)


def test_a_symlink_in_place_of_the_file_is_refused(cache_path, tmp_path):
    cache_path.parent.mkdir(parents=True)
    target = tmp_path / "elsewhere.sqlite3"
    target.touch()
    cache_path.symlink_to(target)
    with pytest.raises(StoreUnavailable):
        ReportStore(cache_path)


# ---- damaged files ------------------------------------------------------------------------------


def test_a_damaged_file_is_refused_in_words_and_can_be_replaced(cache_path, board_result):
    cache_path.parent.mkdir(parents=True)
    cache_path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreUnavailable) as raised:
        ReportStore(cache_path)
    assert "damaged" in str(raised.value) and "Clear cached reports" in str(raised.value)
    fresh = store.reset_store(cache_path)
    fresh.put(ALPHA, board_result)
    assert ReportStore(cache_path).count() == 1


def test_an_error_after_opening_is_noted_not_raised(cache_path, board_result):
    kept = ReportStore(cache_path)
    with sqlite3.connect(cache_path) as db:
        db.execute("DROP TABLE reports")
    assert kept.get(ALPHA, board_result.ref) is None
    assert "could not be used" in kept.problem


def test_a_cache_from_a_newer_erbium_zoom_is_refused_in_words(cache_path, board_result):
    ReportStore(cache_path).put(ALPHA, board_result)
    with sqlite3.connect(cache_path) as db:
        db.execute("UPDATE alembic_version SET version_num = '9999'")
    store.forget_open_stores()  # a new process
    with pytest.raises(StoreUnavailable, match="set up by a newer erbium-zoom") as raised:
        ReportStore(cache_path)
    assert "ERBIUM_ZOOM_DATA_DIR" in str(raised.value)
    with sqlite3.connect(cache_path) as db:  # left as it was
        assert db.execute("SELECT COUNT(*) FROM reports").fetchone() == (1,)


# ---- what is kept, through load_many ------------------------------------------------------------


def test_is_final_only_for_loaded_single_events_long_ended(board_result):
    assert is_final(board_result, FIXED_NOW)
    ref = board_result.ref
    recent = replace(ref, start=FIXED_NOW - timedelta(minutes=ref.duration + 90))
    assert not is_final(replace(board_result, ref=recent), FIXED_NOW)
    assert not is_final(replace(board_result, ref=replace(ref, type=8)), FIXED_NOW)  # series
    assert not is_final(replace(board_result, state=EventState.NOT_READY), FIXED_NOW)
    assert not is_final(replace(board_result, registrants_error=Exception()), FIXED_NOW)


def test_finished_events_load_again_without_a_call_after_a_restart(sim, make_client, cache_path):
    first = make_client(sim)
    refs = load_past_events(first, ("me",)).refs
    before = len(sim.api_calls())
    results = load_many(first, refs, FIXED_NOW, store=ReportStore(cache_path).for_account(ALPHA))
    assert len(sim.api_calls()) > before
    saved = [r for r in results if is_final(r, FIXED_NOW)]
    assert saved and ReportStore(cache_path).count(ALPHA) == len(saved)

    restarted = make_client(sim)  # a new client and store, as after a restart
    kept = ReportStore(cache_path).for_account(ALPHA)
    before = len(sim.api_calls())
    again = load_many(restarted, [r.ref for r in saved], FIXED_NOW, store=kept)
    assert len(sim.api_calls()) == before  # not one call
    assert all(r.from_cache for r in again)
    assert [len(r.participants) for r in again] == [len(r.participants) for r in saved]


def test_refresh_asks_zoom_again_and_replaces_the_kept_result(sim, client, cache_path):
    board = sim.event_tagged("double_slash_uuid")
    ref = EventRef.from_event(Event.from_api(MEETING, board))
    kept = ReportStore(cache_path).for_account(ALPHA)
    load_many(client, [ref], FIXED_NOW, store=kept)
    before = len(sim.api_calls("/report/"))
    [again] = load_many(client, [ref], FIXED_NOW, store=kept, refresh=True)
    assert len(sim.api_calls("/report/")) == before + 1 and not again.from_cache


def test_unfinished_states_are_not_kept(sim, client, cache_path):
    refs = [
        EventRef.from_text(MEETING, str(sim.event_tagged(tag)["id"]))
        for tag in ("live", "not_ready", "recurring")
    ]
    kept = ReportStore(cache_path).for_account(ALPHA)
    results = load_many(client, refs, FIXED_NOW, store=kept)
    assert [r.state for r in results] == [
        EventState.NOT_ENDED,
        EventState.NOT_READY,
        EventState.READY,  # a series' latest occurrence: its registrants keep changing
    ]
    assert kept.count() == 0


def test_loading_from_another_account_never_reads_this_ones_results(sim, make_client, cache_path):
    board = sim.event_tagged("double_slash_uuid")
    ref = EventRef.from_event(Event.from_api(MEETING, board))
    load_many(make_client(sim), [ref], FIXED_NOW, store=ReportStore(cache_path).for_account(ALPHA))
    other = SimulatedZoom("full", now=FIXED_NOW)
    before = len(other.api_calls())
    load_many(make_client(other), [ref], FIXED_NOW, store=ReportStore(cache_path).for_account(BETA))
    assert len(other.api_calls()) > before  # BETA asked its own Zoom
