"""Profiles in the dashboard: the All clients page, the sidebar picker, sources, isolation."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from erbium_zoom.profiles import ProfileStore
from erbium_zoom.secret_store import FILE_NAME, SECRET_KEY_ENV, new_key
from erbium_zoom.simulator import SimulatedZoom, serve
from tests.multi_account import AccountRouter
from tests.test_pages import APP, by_label, start, texts

ALPHA = dict(account_id="acc-A", client_id="cid-A", client_secret="sec-A-canary")
BETA = dict(account_id="acc-B", client_id="cid-B", client_secret="sec-B-canary")
CANARY = "CANARY-page-51ad0c"


def app_ids(app: dict) -> dict:
    """Account ID and Client ID of an app, for a [profiles] table."""
    return {key: app[key] for key in ("account_id", "client_id")}


@pytest.fixture
def two_accounts(memory_keyring, monkeypatch):
    """Two simulated client accounts with different data on one loopback server, as profiles."""
    alpha = SimulatedZoom("full", seed=1, **ALPHA)
    beta = SimulatedZoom("missing_scopes", seed=2, **BETA)
    router = AccountRouter(alpha, beta)
    store = ProfileStore()
    store.save("Alpha", "acc-A", "cid-A", ALPHA["client_secret"], hosts="me")
    store.save("Beta", "acc-B", "cid-B", BETA["client_secret"], hosts="me")
    with serve(router) as server:
        monkeypatch.setenv("ERBIUM_ZOOM_OAUTH_URL", server.oauth_url)
        monkeypatch.setenv("ERBIUM_ZOOM_API_URL", server.api_url)
        yield alpha, beta


def upcoming_ids(sim: SimulatedZoom) -> set[int]:
    owner = sim.hosts[0]["id"]
    return {
        e["id"]
        for e in sim.events
        if e["host_id"] == owner and ("upcoming" in e["tags"] or "live" in e["tags"])
    }


def test_clients_page_without_keyring_says_so_and_offers_other_routes():
    at = start()
    at.switch_page("pages/clients.py").run()
    assert not at.exception
    warning = texts(at, "warning")[0]
    assert "cannot be stored safely" in warning
    routes = ("ZOOM_ACCOUNT_ID", "secrets.toml", "this browser session only")
    ways_out = ("system keyring", SECRET_KEY_ENV, "[storage]", "profiles new-key")
    for words in routes + ways_out:
        assert words in warning
    assert by_label(at.button, "Save profile").disabled


def clients_page(**secrets) -> AppTest:
    """The All clients page, with these tables in the secrets file."""
    at = AppTest.from_file(APP, default_timeout=30)
    for table, value in secrets.items():
        at.secrets[table] = value
    at.run()
    return at.switch_page("pages/clients.py").run()


def table_rows(at: AppTest) -> list[dict]:
    """The profiles table's rows (in demo mode the demo agency's roster comes first)."""
    [table] = [d.value for d in at.dataframe if "Profile" in d.value.columns]
    return table.to_dict("records")


def test_clients_page_keeps_secrets_in_the_encrypted_file(monkeypatch, tmp_path):
    monkeypatch.setenv(SECRET_KEY_ENV, new_key())
    at = clients_page()
    assert any("kept in the encrypted file" in text for text in texts(at, "caption"))
    by_label(at.text_input, "Profile name").input("Gamma")
    by_label(at.text_input, "Account ID").input("acc-C")
    by_label(at.text_input, "Client ID").input("cid-C")
    by_label(at.text_input, "Client Secret").input(CANARY)
    by_label(at.button, "Save profile").click()
    at.run()
    assert any("encrypted file" in text for text in texts(at, "success"))
    at.run()
    [row] = table_rows(at)
    in_file = f"in the encrypted file {tmp_path / 'data' / FILE_NAME} (keys from {SECRET_KEY_ENV})"
    assert (row["Profile"], row["Source"], row["Secret"]) == ("Gamma", "saved", f"stored {in_file}")
    assert CANARY not in repr(at._tree)
    assert not [f for f in tmp_path.rglob("*") if f.is_file() and CANARY.encode() in f.read_bytes()]


def test_clients_page_with_a_wrong_key_lists_the_profile_as_unreadable(
    monkeypatch, isolated_data_dir
):
    monkeypatch.setenv(SECRET_KEY_ENV, new_key())
    ProfileStore().save("Gamma", "acc-C", "cid-C", CANARY)
    encrypted = isolated_data_dir / FILE_NAME
    before = encrypted.read_bytes()
    monkeypatch.setenv(SECRET_KEY_ENV, new_key())
    at = clients_page()
    assert not at.exception
    assert any(
        SECRET_KEY_ENV in text and "cannot be decrypted" in text for text in texts(at, "error")
    )
    [row] = table_rows(at)
    assert row["Profile"] == "Gamma"
    assert row["Secret"].startswith(f"unreadable: the encrypted file {encrypted} (keys from")
    assert by_label(at.button, "Save profile").disabled
    assert by_label(at.button, "Save changes").disabled
    assert by_label(at.button, "Check all clients").disabled
    assert encrypted.read_bytes() == before


def test_configured_profiles_are_checked_but_not_offered_for_editing(two_accounts):
    configured = {
        "Configured alpha": {"client_secret": ALPHA["client_secret"], **app_ids(ALPHA)},
        "Beta": {"client_secret": ALPHA["client_secret"], **app_ids(ALPHA)},  # same name
    }
    at = clients_page(profiles=configured)
    assert not at.exception
    assert any(
        "both a saved profile and a profile from configuration" in t for t in texts(at, "warning")
    )
    rows = [(r["Profile"], r["Source"], r["Secret"]) for r in table_rows(at)]
    in_keyring = "stored in the system keyring (tests.memory_keyring.MemoryKeyring)"
    assert rows == [
        ("Alpha", "saved", in_keyring),
        ("Beta", "from configuration", 'stored in the secrets file ([profiles."Beta"] table)'),
        ("Beta", "saved", in_keyring),
        (
            "Configured alpha",
            "from configuration",
            'stored in the secrets file ([profiles."Configured alpha"] table)',
        ),
    ]
    assert at.selectbox(key="clients_edit_pick").options == ["Alpha", "Beta"]
    assert at.selectbox(key="clients_delete_pick").options == ["Alpha", "Beta"]
    assert any("changed in the secrets file" in text for text in texts(at, "caption"))
    by_label(at.button, "Check all clients").click()
    at.run()
    status = {r["Profile"]: r["Status"] for r in table_rows(at)}
    assert status["Configured alpha"] == "connected"
    assert status["Beta"] == "connected"  # the Beta in use is the configured one
    assert "canary" not in repr(at._tree)

    sidebar = AppTest.from_file(APP, default_timeout=30)
    sidebar.secrets["profiles"] = configured
    sidebar.session_state["demo_scenario"] = "full"
    sidebar.session_state["conn_profile"] = "Configured alpha"
    picker = sidebar.run().selectbox(key="conn_profile")
    assert picker.options == ["(none)", "Alpha", "Beta", "Configured alpha"]  # one Beta
    assert any("Configured alpha" in text for text in texts(sidebar, "caption"))
    assert {m.label: m.value for m in sidebar.metric}["Report"] == "2/2"  # Alpha's account
    sidebar.selectbox(key="conn_profile").set_value("Beta").run()
    assert {m.label: m.value for m in sidebar.metric}["Report"] == "2/2"  # not saved Beta's 0/2


def test_add_profile_then_check_all_clients(two_accounts):
    at = start()
    at.switch_page("pages/clients.py").run()
    by_label(at.text_input, "Profile name").input("Gamma")
    by_label(at.text_input, "Account ID").input("acc-C")
    by_label(at.text_input, "Client ID").input("cid-C")
    by_label(at.text_input, "Client Secret").input("sec-C-canary")
    by_label(at.button, "Save profile").click()
    at.run()
    assert not at.exception
    assert any("Saved Gamma" in text for text in texts(at, "success"))
    by_label(at.button, "Check all clients").click()
    at.run()
    profiles = next(d.value for d in at.dataframe if "Profile" in d.value.columns)
    rows = {row["Profile"]: row for row in profiles.to_dict("records")}
    assert list(rows) == ["Alpha", "Beta", "Gamma"]
    assert rows["Alpha"]["Status"] == "connected" and rows["Alpha"]["Scopes"] == "17/17"
    assert rows["Beta"]["Status"] == (
        "action needed: connected, but 4 scopes missing: ask the client to add them "
        "(the Connection page has the message to send)"
    )
    assert rows["Beta"]["Scopes"] == "13/17"
    assert "report:read:list_meeting_participants:admin" in rows["Beta"]["Missing scopes"]
    assert (
        rows["Gamma"]["Status"].startswith("not connected: ")
        and "Client Secret" in rows["Gamma"]["Status"]
    )
    assert all(rows[name]["Last checked (UTC)"] for name in rows)
    assert "canary" not in repr(at._tree)


def test_delete_profile_needs_confirmation(two_accounts):
    at = start()
    at.switch_page("pages/clients.py").run()
    at.selectbox(key="clients_delete_pick").set_value("Beta").run()
    assert by_label(at.button, "Delete profile").disabled
    at.checkbox(key="clients_delete_confirm").check().run()
    by_label(at.button, "Delete profile").click()
    at.run()
    assert [p.name for p in ProfileStore().list()] == ["Alpha"]


def test_sidebar_profile_switches_the_data(two_accounts):
    alpha, beta = two_accounts
    at = start(conn_profile="Alpha")
    assert any("Alpha" in text for text in texts(at, "caption"))
    assert {m.label: m.value for m in at.metric}["Report"] == "2/2"
    at.selectbox(key="conn_profile").set_value("Beta").run()
    assert {m.label: m.value for m in at.metric}["Report"] == "0/2"


def test_two_sessions_with_two_profiles_never_mix(two_accounts):
    alpha, beta = two_accounts
    first = start(conn_profile="Alpha")
    second = start(conn_profile="Beta")
    for session in (first, second, first, second):
        session.switch_page("pages/events.py").run()
        assert not session.exception
    first_ids = set(first.dataframe[0].value["ID"])
    second_ids = set(second.dataframe[0].value["ID"])
    assert first_ids and second_ids and not first_ids & second_ids
    assert first_ids <= upcoming_ids(alpha) and second_ids <= upcoming_ids(beta)
    assert all(call.status != 401 for call in alpha.calls + beta.calls)


def test_secrets_toml_is_used_and_named_when_nothing_else_is_set(two_accounts):
    at = AppTest.from_file(APP, default_timeout=30)
    at.secrets["zoom"] = {"client_secret": ALPHA["client_secret"], **ALPHA}
    at.run()
    assert not at.exception
    assert any("secrets.toml" in text for text in texts(at, "caption"))
    assert {m.label: m.value for m in at.metric}["Webinar"] == "7/7"


@pytest.mark.parametrize("with_key", [True, False], ids=["encrypted-file", "no-store"])
def test_connection_page_saves_entered_credentials_where_secrets_are_kept(monkeypatch, with_key):
    sim = SimulatedZoom("full", **ALPHA)
    if with_key:
        monkeypatch.setenv(SECRET_KEY_ENV, new_key())
    with serve(sim) as server:
        monkeypatch.setenv("ERBIUM_ZOOM_OAUTH_URL", server.oauth_url)
        monkeypatch.setenv("ERBIUM_ZOOM_API_URL", server.api_url)
        at = start()
        for label, field in (("Account ID", "account_id"), ("Client ID", "client_id")):
            by_label(at.text_input, label).input(ALPHA[field])
        by_label(at.text_input, "Client Secret").input(ALPHA["client_secret"])
        by_label(at.button, "Check connection").click()
        at.run()
        by_label(at.text_input, "Profile name").input("Alpha")
        save = by_label(at.button, "Save profile")
        if not with_key:
            assert save.disabled
            assert any("cannot be stored safely" in text for text in texts(at, "warning"))
            return
        save.click()
        at.run()
    assert not at.exception
    assert any("Saved Alpha" in text for text in texts(at, "success"))
    store = ProfileStore()
    assert store.storage().kind == "encrypted file"
    assert store.credentials(store.get("Alpha")).client_secret == ALPHA["client_secret"]


def test_a_profiles_caption_says_where_its_secret_really_is(monkeypatch, isolated_data_dir):
    """Not "secret in the system keyring" for a secret in the encrypted file, or in the secrets
    file's [profiles] table (issue 15, point 5)."""
    monkeypatch.setenv(SECRET_KEY_ENV, new_key())
    ProfileStore().save("Alpha", "acc-A", "cid-A", ALPHA["client_secret"])
    sim = SimulatedZoom("full", **ALPHA)
    with serve(sim) as server:
        monkeypatch.setenv("ERBIUM_ZOOM_OAUTH_URL", server.oauth_url)
        monkeypatch.setenv("ERBIUM_ZOOM_API_URL", server.api_url)
        at = start(conn_profile="Alpha")
        assert not at.exception
        in_file = f"in the encrypted file {isolated_data_dir / FILE_NAME}"
        [caption] = [t for t in texts(at, "caption") if t.startswith("Profile **Alpha**")]
        assert f"a client profile, its Client Secret {in_file}" in caption
        assert "keyring" not in caption

        configured = AppTest.from_file(APP, default_timeout=30)
        configured.secrets["profiles"] = {
            "Configured alpha": {"client_secret": ALPHA["client_secret"], **app_ids(ALPHA)}
        }
        configured.session_state["conn_profile"] = "Configured alpha"
        configured.run()
        assert not configured.exception
        [caption] = [t for t in texts(configured, "caption") if t.startswith("Profile **")]
        assert caption.endswith(
            'its Client Secret in the secrets file ([profiles."Configured alpha"] table)'
        )
