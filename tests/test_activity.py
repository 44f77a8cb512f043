"""The activity record, and the guard that the Zoom client asks before every read and change."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from erbium_zoom import store
from erbium_zoom.access import LOCAL_PERSON, Person, Role
from erbium_zoom.activity import OUTCOME_UNKNOWN, REFUSED, ActivityLog, Filters, mask_emails
from erbium_zoom.config import Credentials
from erbium_zoom.errors import (
    AccessDenied,
    ActivityUnavailable,
    EventNotFound,
    WriteOutcomeUnknown,
)
from erbium_zoom.guard import Guard
from erbium_zoom.models import EventKind, NewRegistrant
from erbium_zoom.simulator import DEFAULT_ACCOUNT_ID, Faults, SimulatedZoom
from tests.conftest import FIXED_NOW

EDITOR = Person("ed@erbium.example", Role.EDITOR, signed_in=True)
VIEWER = Person("vi@erbium.example", Role.VIEWER, signed_in=True)
ADMIN = Person("ana@erbium.example", Role.ADMIN, signed_in=True)
STRANGER = Person("eve@else.example", None, signed_in=True)
MEETING = EventKind.MEETING


@pytest.fixture
def log(isolated_data_dir) -> ActivityLog:
    return ActivityLog()


def pending_event(sim: SimulatedZoom) -> dict:
    """An upcoming meeting that takes registrations and has pending registrants."""
    return next(
        e
        for e in sim.events
        if e["kind"] == "meeting"
        and e["approval_type"] != 2
        and e.get("type") != 8
        and sim.registrants("meeting", e["id"], "pending")
        and datetime.fromisoformat(e["start_time"].replace("Z", "+00:00")) > FIXED_NOW
    )


def guarded(make_client, sim, person, log, **kwargs):
    guard = Guard(person, log, "Acme Corp", DEFAULT_ACCOUNT_ID)
    return make_client(sim, guard=guard, **kwargs)


def writes(sim) -> list:
    return [call for call in sim.api_calls() if call.method != "GET"]


# ---- changes are on record -------------------------------------------------------------------


def test_an_editors_approval_is_recorded_with_zoom_answer_and_no_email(sim, make_client, log):
    event = pending_event(sim)
    pending = sim.registrants("meeting", event["id"], "pending")[:2]
    client = guarded(make_client, sim, EDITOR, log)
    result = client.update_registrant_status(
        MEETING, event["id"], "approve", [r["id"] for r in pending]
    )
    assert result.updated == 2
    [entry] = log.entries(ADMIN)
    assert entry.who == "ed@erbium.example" and entry.action == "approve"
    assert (entry.client, entry.account_id) == ("Acme Corp", DEFAULT_ACCOUNT_ID)
    assert entry.event_id == str(event["id"])
    assert entry.count == 2 and set(entry.registrant_ids) == {r["id"] for r in pending}
    assert entry.status == "204 No Content"
    assert entry.at.tzinfo is not None and abs(entry.at - datetime.now(UTC)).total_seconds() < 60
    raw = Path(log.path).read_bytes()
    assert all(r["email"].encode() not in raw for r in pending)


def test_each_batch_of_thirty_is_one_entry(make_client, log):
    sim = SimulatedZoom("full", now=FIXED_NOW)
    event = max(
        (e for e in sim.events if e["kind"] == "meeting" and e["approval_type"] != 2),
        key=lambda e: len(sim.registrants("meeting", e["id"], "approved")),
    )
    approved = [r["id"] for r in sim.registrants("meeting", event["id"], "approved")][:44]
    assert len(approved) == 44
    guarded(make_client, sim, EDITOR, log).update_registrant_status(
        MEETING, event["id"], "cancel", approved
    )
    entries = log.entries(ADMIN)
    assert sorted(e.count for e in entries) == [14, 30]
    assert {e.status for e in entries} == {"204 No Content"}


def test_only_the_registrants_a_status_change_is_sent_for_are_on_record(sim, make_client, log):
    event = pending_event(sim)
    pending = [r["id"] for r in sim.registrants("meeting", event["id"], "pending")[:2]]
    approved = [r["id"] for r in sim.registrants("meeting", event["id"], "approved")[:2]]
    client = guarded(make_client, sim, EDITOR, log)
    client.update_registrant_status(MEETING, event["id"], "approve", approved)
    assert writes(sim) == [] and log.entries(ADMIN) == []  # nothing sent, nothing to record
    client.update_registrant_status(MEETING, event["id"], "approve", approved + pending)
    [entry] = log.entries(ADMIN)
    assert entry.registrant_ids == tuple(pending) and entry.status == "204 No Content"
    assert len(writes(sim)) == 1


def test_an_added_registrant_is_recorded_by_its_new_id_never_its_address(sim, make_client, log):
    event = pending_event(sim)
    client = guarded(make_client, sim, EDITOR, log)
    added = client.add_registrant(
        MEETING, event["id"], NewRegistrant("private.person@example.com", "Pri", "Vate")
    )
    [entry] = log.entries(ADMIN)
    assert entry.action == "add" and entry.registrant_ids == (added.registrant_id,)
    assert entry.status == "201 Created"
    assert b"private.person@example.com" not in Path(log.path).read_bytes()


def test_zoom_refusing_a_change_is_recorded_with_its_code(sim, make_client, log):
    client = guarded(make_client, sim, EDITOR, log)
    with pytest.raises(EventNotFound):
        client.delete_registrant(MEETING, 99999999999, "abc")
    [entry] = log.entries(ADMIN)
    assert entry.action == "delete" and entry.registrant_ids == ("abc",)
    assert entry.status == "404 refused (code 3001)"
    assert entry.message


def test_a_change_with_no_clear_answer_stays_outcome_unknown(make_client, log):
    sim = SimulatedZoom(
        "full", now=FIXED_NOW, faults=Faults(server_errors=1, fault_paths="/registrants")
    )
    event = pending_event(sim)
    client = guarded(make_client, sim, EDITOR, log)
    with pytest.raises(WriteOutcomeUnknown):
        client.add_registrant(MEETING, event["id"], NewRegistrant("x@example.com", "X"))
    [entry] = log.entries(ADMIN)
    assert entry.status == OUTCOME_UNKNOWN and len(writes(sim)) == 1


def test_a_change_that_cannot_be_recorded_is_not_sent(sim, make_client, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the data folder should be")
    log = ActivityLog(blocked / "cache.sqlite3")
    event = pending_event(sim)
    client = guarded(make_client, sim, EDITOR, log)
    with pytest.raises(ActivityUnavailable) as refused:
        client.add_registrant(MEETING, event["id"], NewRegistrant("x@example.com", "X"))
    assert writes(sim) == []
    assert "Nothing was sent to Zoom" in str(refused.value)
    assert "ERBIUM_ZOOM_DATA_DIR" in str(refused.value)


# ---- refusals --------------------------------------------------------------------------------


def test_a_viewers_forced_write_is_refused_before_anything_is_sent_and_recorded(
    sim, make_client, log
):
    event = pending_event(sim)
    pending = [r["id"] for r in sim.registrants("meeting", event["id"], "pending")[:3]]
    client = guarded(make_client, sim, VIEWER, log)
    assert client.count_registrants(MEETING, event["id"]).pending >= 3  # reads are fine
    for attempt in (
        lambda: client.update_registrant_status(MEETING, event["id"], "approve", pending),
        lambda: client.add_registrant(MEETING, event["id"], NewRegistrant("a@example.com", "A")),
        lambda: client.delete_registrant(MEETING, event["id"], pending[0]),
        lambda: client.request("PUT", f"/meetings/{event['id']}/registrants/status", json={}),
    ):
        with pytest.raises(AccessDenied) as refused:
            attempt()
        assert "viewer" in str(refused.value) and "change registrants" in str(refused.value)
    assert writes(sim) == []
    entries = log.entries(ADMIN)
    assert len(entries) == 4 and {e.status for e in entries} == {REFUSED}
    assert {e.who for e in entries} == {"vi@erbium.example"}
    approve = next(e for e in entries if e.action == "approve")
    assert approve.registrant_ids == tuple(pending) and approve.event_id == str(event["id"])


def test_someone_with_no_role_cannot_read(sim, make_client, log):
    client = guarded(make_client, sim, STRANGER, log)
    with pytest.raises(AccessDenied):
        client.list_meetings("me")
    with pytest.raises(AccessDenied):
        client.check_scopes()  # the scope checklist is the account's data too
    assert sim.api_calls() == [] and sim.calls == []  # not even a token was asked for
    assert log.entries(ADMIN)[0].action == "read"


def test_a_secret_or_token_never_reaches_the_record(make_client, log):
    canary = "CANARY-secret-7f3a9c"
    sim = SimulatedZoom("full", now=FIXED_NOW, client_secret=canary)
    event = pending_event(sim)
    credentials = Credentials(sim.account_id, sim.client_id, canary)
    for person in (EDITOR, VIEWER):
        client = guarded(make_client, sim, person, log, credentials=credentials)
        try:
            client.add_registrant(MEETING, event["id"], NewRegistrant("c@example.com", "C"))
        except AccessDenied:
            pass
    raw = b"".join(p.read_bytes() for p in Path(log.path).parent.iterdir() if p.is_file())
    assert canary.encode() not in raw
    assert all(token.encode() not in raw for token in sim._tokens)  # noqa: SLF001


# ---- reading the record ----------------------------------------------------------------------


def test_admins_see_everyone_others_only_themselves_and_filters_narrow(log):
    day1 = datetime(2026, 11, 30, 23, 59, tzinfo=UTC)
    day2 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    log.append(who=EDITOR.who, action="approve", client="Acme", at=day1)
    log.append(who=VIEWER.who, action="approve", client="Globex", status=REFUSED, at=day2)
    log.append(who=LOCAL_PERSON.who, action="delete", client="Acme", at=day2)
    assert [e.who for e in log.entries(ADMIN)] == ["local user", VIEWER.who, EDITOR.who]
    assert [e.who for e in log.entries(EDITOR)] == [EDITOR.who]
    assert [e.who for e in log.entries(VIEWER)] == [VIEWER.who]
    assert len(log.entries(LOCAL_PERSON)) == 3  # the local user has every right
    assert [e.client for e in log.entries(ADMIN, Filters(client="Acme"))] == ["Acme", "Acme"]
    assert [e.action for e in log.entries(ADMIN, Filters(action="delete"))] == ["delete"]
    assert [e.who for e in log.entries(ADMIN, Filters(who=EDITOR.who))] == [EDITOR.who]
    only_30th = Filters(since=date(2026, 11, 30), until=date(2026, 11, 30))
    assert [e.who for e in log.entries(ADMIN, only_30th)] == [EDITOR.who]
    from_1st = Filters(since=date(2026, 12, 1))
    assert len(log.entries(ADMIN, from_1st)) == 2
    # An editor asking for someone else's entries still gets only their own: none.
    assert log.entries(EDITOR, Filters(who=VIEWER.who)) == []
    with pytest.raises(AccessDenied):
        log.entries(STRANGER)


def test_the_record_keeps_no_email_address_even_from_zoom_messages(log):
    log.append(who=EDITOR.who, action="add", message="Registrant jane.doe@example.com exists")
    assert log.entries(ADMIN)[0].message == "Registrant [e-mail address] exists"
    assert (
        mask_emails("a@b.example and <c.d@e.example>") == "[e-mail address] and <[e-mail address]>"
    )


def test_an_outcome_is_settled_once_and_never_rewritten(log):
    entry = log.append(who=EDITOR.who, action="approve")
    log.settle(entry, "204 No Content", "")
    log.settle(entry, "500 rewritten", "")
    assert log.entries(ADMIN)[0].status == "204 No Content"


def test_the_file_is_owner_only_and_survives_a_damaged_cache_reset(log, isolated_data_dir):
    log.append(who=EDITOR.who, action="approve", client="Acme")
    assert os.stat(log.path).st_mode & 0o777 == 0o600
    # Clear cached reports on an unusable cache moves the file aside: the record is kept.
    store.reset_store(log.path)
    kept = [p for p in isolated_data_dir.iterdir() if ".damaged-" in p.name]
    main_kept = next(p for p in kept if not p.name.endswith(("-wal", "-shm")))
    with sqlite3.connect(main_kept) as db:
        assert db.execute("SELECT who FROM activity").fetchall() == [(EDITOR.who,)]


# ---- profile changes -------------------------------------------------------------------------


def test_profile_changes_are_admin_only_in_the_core_and_on_record(log, tmp_path, monkeypatch):
    from erbium_zoom.profiles import ProfileStore
    from erbium_zoom.secret_store import SECRET_KEY_ENV, new_key

    monkeypatch.setenv(SECRET_KEY_ENV, new_key())
    canary = "CANARY-profile-secret-1b2c"

    def store_for(person):
        return ProfileStore(guard=Guard(person, log, "", ""))

    store_for(ADMIN).save("Acme Corp", "acc-1", "cid-1", canary)
    store_for(ADMIN).save("Acme Inc", "acc-1", "cid-1", None, replacing="Acme Corp")
    for person in (EDITOR, VIEWER):
        with pytest.raises(AccessDenied, match="add, edit, rename or delete client profiles"):
            store_for(person).save("Globex", "acc-2", "cid-2", "another-secret")
        with pytest.raises(AccessDenied):
            store_for(person).delete("Acme Inc")
    assert [p.name for p in store_for(VIEWER).list()] == ["Acme Inc"]  # reading is fine
    assert store_for(VIEWER).secret(store_for(VIEWER).get("Acme Inc")) == canary
    with pytest.raises(AccessDenied):
        store_for(STRANGER).secret(store_for(ADMIN).get("Acme Inc"))
    store_for(ADMIN).delete("Acme Inc")
    done = [(e.who, e.action, e.client, e.account_id, e.status) for e in log.entries(ADMIN)]
    assert done == [  # newest first
        (ADMIN.who, "delete profile", "Acme Inc", "acc-1", "done"),
        (STRANGER.who, "read", "", "", REFUSED),
        (VIEWER.who, "delete profile", "Acme Inc", "acc-1", REFUSED),
        (VIEWER.who, "add profile", "Globex", "acc-2", REFUSED),
        (EDITOR.who, "delete profile", "Acme Inc", "acc-1", REFUSED),
        (EDITOR.who, "add profile", "Globex", "acc-2", REFUSED),
        (ADMIN.who, "rename profile", "Acme Inc", "acc-1", "done"),
        (ADMIN.who, "add profile", "Acme Corp", "acc-1", "done"),
    ]
    assert log.entries(ADMIN)[-2].message == "renamed from Acme Corp"
    raw = b"".join(p.read_bytes() for p in Path(log.path).parent.iterdir() if p.is_file())
    assert canary.encode() not in raw and b"another-secret" not in raw


def test_the_profiles_command_records_its_changes_as_the_local_user(capsys, monkeypatch):
    import io

    from erbium_zoom.__main__ import main
    from erbium_zoom.secret_store import SECRET_KEY_ENV, new_key

    monkeypatch.setenv(SECRET_KEY_ENV, new_key())
    add = ["profiles", "add", "Acme", "--account-id", "acc-1", "--client-id", "cid-1"]
    assert main(add, stdin=io.StringIO("CANARY-cli-record\n")) == 0
    assert main(["profiles", "remove", "Acme"]) == 0
    entries = ActivityLog().entries(LOCAL_PERSON)
    assert [(e.who, e.action, e.client, e.status) for e in entries] == [
        ("local user", "delete profile", "Acme", "done"),
        ("local user", "add profile", "Acme", "done"),
    ]
