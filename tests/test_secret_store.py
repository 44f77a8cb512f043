"""Client Secrets on a server: the Fernet-encrypted file, its keys and rotation, a wrong key, a
damaged file, the keyring's precedence, no store at all, and read-only profiles from the
secrets file. A canary secret must appear in no file's bytes anywhere under the temporary
folders (config, data, home and working folders alike)."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from cryptography.fernet import Fernet

from erbium_zoom import secret_store
from erbium_zoom.errors import (
    ConfigError,
    ReadOnlyProfile,
    SecretFileUnreadable,
    SecretKeyError,
    SecretStoreError,
    user_message,
)
from erbium_zoom.profiles import (
    SECRET_CANNOT_BE_STORED,
    SECRET_MISSING,
    SECRET_STORED,
    SECRET_UNREADABLE,
    SOURCE_CONFIGURATION,
    ProfileStore,
)
from erbium_zoom.secret_store import KEYRING_SERVICE, SECRET_KEY_ENV, new_key

CANARY = "CANARY-fernet-7c1d9e"
CANARY_2 = "CANARY-edited-42b8aa"
CONFIGURED = {
    "Acme Corp": {
        "account_id": "acc-cfg",
        "client_id": "cid-cfg",
        "client_secret": CANARY,
        "hosts": ["ops@acme.example"],
        "note": "deployed by file",
    }
}


@pytest.fixture
def keys() -> tuple[str, str, str]:
    return new_key(), new_key(), new_key()


@pytest.fixture
def use_key(monkeypatch):
    """Set ERBIUM_ZOOM_SECRET_KEY to these keys, newest first."""

    def set_keys(*values: str) -> None:
        monkeypatch.setenv(SECRET_KEY_ENV, ",".join(values))

    return set_keys


@pytest.fixture
def secrets_path(isolated_data_dir) -> Path:
    return isolated_data_dir / secret_store.FILE_NAME


def files_holding(root: Path, text: str) -> list[Path]:
    """Every file under ``root`` whose bytes contain ``text``."""
    needle = text.encode()
    return [f for f in root.rglob("*") if f.is_file() and needle in f.read_bytes()]


def test_encrypted_file_never_holds_the_secret_in_clear(tmp_path, keys, use_key, secrets_path):
    use_key(keys[0])
    store = ProfileStore()
    assert store.storage().kind == secret_store.KIND_FILE
    profile, _ = store.save("Acme", "acc-1", "cid-1", CANARY, note="VIP")
    assert secrets_path.exists() and files_holding(tmp_path, CANARY) == []
    assert store.credentials(profile).client_secret == CANARY

    edited, _ = store.save("Acme Corp", "acc-1", "cid-1", CANARY_2, replacing="Acme")
    assert store.credentials(edited).client_secret == CANARY_2
    use_key(keys[1], keys[0])
    assert store.rotate_key() == 1
    for secret in (CANARY, CANARY_2):
        assert files_holding(tmp_path, secret) == []
    assert store.credentials(edited).client_secret == CANARY_2
    wrapper = json.loads(secrets_path.read_text())
    assert wrapper["format"] == secret_store.FILE_FORMAT and wrapper["version"] == 1
    assert CANARY_2 in Fernet(keys[1]).decrypt(wrapper["token"].encode()).decode()


def test_files_are_owner_only(keys, use_key, secrets_path, isolated_data_dir):
    use_key(keys[0])
    ProfileStore().save("Acme", "acc-1", "cid-1", CANARY)
    assert stat.S_IMODE(secrets_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(isolated_data_dir.stat().st_mode) == 0o700
    leftovers = [f.name for f in isolated_data_dir.iterdir() if f.name.endswith(".tmp")]
    assert leftovers == []


def test_a_failed_write_leaves_the_old_file_whole(keys, use_key, secrets_path, monkeypatch):
    use_key(keys[0])
    store = ProfileStore()
    store.save("Acme", "acc-1", "cid-1", CANARY)
    before = secrets_path.read_bytes()

    def disk_full(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(secret_store.os, "replace", disk_full)
    with pytest.raises(OSError):
        store.save("Beta", "acc-2", "cid-2", CANARY_2)
    assert secrets_path.read_bytes() == before
    assert [f for f in secrets_path.parent.iterdir() if f.name.endswith(".tmp")] == []
    assert [p.name for p in store.list()] == ["Acme"]  # the list is written after the secret


def test_rotation_old_key_still_decrypts_then_only_the_new_one_is_needed(
    keys, use_key, secrets_path
):
    old, new, _ = keys
    use_key(old)
    store = ProfileStore()
    profile, _ = store.save("Acme", "acc-1", "cid-1", CANARY)
    written_with_old = secrets_path.read_bytes()

    use_key(new, old)  # a new key in front; the old one still opens the file
    assert store.storage().problem is None
    assert store.credentials(profile).client_secret == CANARY
    assert secrets_path.read_bytes() == written_with_old  # reading changes nothing

    assert store.rotate_key() == 1
    token = json.loads(secrets_path.read_text())["token"].encode()
    assert CANARY in Fernet(new).decrypt(token).decode()
    use_key(new)  # the old key removed: still readable
    assert store.credentials(profile).client_secret == CANARY
    assert store.secret_state(profile) == SECRET_STORED

    secrets_path.write_bytes(written_with_old)  # a token made with the removed key
    with pytest.raises(SecretFileUnreadable) as caught:
        store.credentials(profile)
    text = user_message(caught.value)
    assert "cannot be decrypted" in text and SECRET_KEY_ENV in text
    assert store.secret_state(profile) == SECRET_UNREADABLE


def test_rotate_without_a_file_or_without_a_key(keys, use_key, secrets_path):
    store = ProfileStore()
    with pytest.raises(ConfigError) as caught:
        store.rotate_key()
    assert SECRET_KEY_ENV in user_message(caught.value) and "new-key" in user_message(caught.value)
    use_key(keys[0])
    assert store.rotate_key() == 0 and not secrets_path.exists()


def test_wrong_key_lists_marks_unreadable_and_overwrites_nothing(keys, use_key, secrets_path):
    use_key(keys[0])
    store = ProfileStore()
    store.save("Acme", "acc-1", "cid-1", CANARY)
    secret_bytes, list_bytes = secrets_path.read_bytes(), store.path.read_bytes()

    use_key(keys[1])
    problem = store.storage().problem
    assert isinstance(problem, SecretFileUnreadable) and problem.setting == SECRET_KEY_ENV
    assert SECRET_KEY_ENV in user_message(problem) and "left as it is" in user_message(problem)
    assert [p.name for p in store.list()] == ["Acme"]
    assert store.secret_state(store.get("Acme")) == SECRET_UNREADABLE
    with pytest.raises(SecretFileUnreadable):
        store.save("Beta", "acc-2", "cid-2", CANARY_2)
    with pytest.raises(SecretFileUnreadable):
        store.save("Acme", "acc-1", "cid-1", None, note="edit", replacing="Acme")
    with pytest.raises(SecretFileUnreadable):
        store.rotate_key()
    assert secrets_path.read_bytes() == secret_bytes and store.path.read_bytes() == list_bytes

    notes = store.delete("Acme")  # the profile goes; the secret it cannot reach stays, said
    assert store.list() == [] and "could not be removed" in notes[0]
    assert secrets_path.read_bytes() == secret_bytes


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda raw: b"\x00\xffnot json", "damaged"),
        (lambda raw: b'{"something": "else"}', "damaged"),
        (lambda raw: raw.replace(b'"token": "gAAAA', b'"token": "gAAAB'), "cannot be decrypted"),
        (lambda raw: raw[: len(raw) // 2], "damaged"),
        (lambda raw: b"", "damaged"),
    ],
    ids=["binary", "other-json", "altered-token", "truncated", "empty"],
)
def test_damaged_file_is_reported_and_left_byte_identical(
    keys, use_key, secrets_path, damage, words
):
    use_key(keys[0])
    store = ProfileStore()
    store.save("Acme", "acc-1", "cid-1", CANARY)
    secrets_path.write_bytes(damage(secrets_path.read_bytes()))
    damaged = secrets_path.read_bytes()

    problem = store.storage().problem
    assert isinstance(problem, SecretFileUnreadable)
    assert words in user_message(problem) and str(secrets_path) in user_message(problem)
    assert [p.name for p in store.list()] == ["Acme"]
    assert store.secret_state(store.get("Acme")) == SECRET_UNREADABLE
    with pytest.raises(SecretFileUnreadable):
        store.save("Beta", "acc-2", "cid-2", CANARY_2)
    assert secrets_path.read_bytes() == damaged


def test_malformed_keys_name_the_setting_never_the_key(use_key, keys):
    use_key(keys[0])
    ProfileStore().save("Old", "acc-0", "cid-0", CANARY_2)
    use_key("not-a-key-CANARYKEY")
    store = ProfileStore()
    assert store.secret_state(store.get("Old")) == SECRET_UNREADABLE
    problem = store.storage().problem
    assert isinstance(problem, SecretKeyError) and problem.field == SECRET_KEY_ENV
    text = user_message(problem)
    assert SECRET_KEY_ENV in text and "profiles new-key" in text and "CANARYKEY" not in text
    list_bytes = store.path.read_bytes()
    with pytest.raises(SecretKeyError):
        store.save("Acme", "acc-1", "cid-1", CANARY)
    assert store.path.read_bytes() == list_bytes
    notes = store.delete("Old")
    assert store.list() == [] and SECRET_KEY_ENV in notes[0] and "CANARYKEY" not in notes[0]

    use_key(keys[0], "also-not-a-key")
    assert "key 2 of 2" in user_message(ProfileStore().storage().problem)


@pytest.mark.parametrize("form", ["list", "string"])
def test_keys_from_the_storage_table(keys, form, secrets_path):
    value = [keys[1], keys[0]] if form == "list" else f"{keys[1]}, {keys[0]}"
    store = ProfileStore(secrets={"storage": {"secret_keys": value}})
    status = store.storage()
    assert status.kind == secret_store.KIND_FILE and "[storage]" in status.where
    store.save("Acme", "acc-1", "cid-1", CANARY)
    token = json.loads(secrets_path.read_text())["token"].encode()
    assert CANARY in Fernet(keys[1]).decrypt(token).decode()  # the first key encrypts

    bad = ProfileStore(secrets={"storage": {"secret_keys": [keys[0], 12345]}})
    assert "[storage]" in user_message(bad.storage().problem)


def test_environment_key_wins_over_the_storage_table(keys, use_key):
    use_key(keys[0])
    store = ProfileStore(secrets={"storage": {"secret_keys": ["garbage"]}})
    assert store.storage().problem is None and SECRET_KEY_ENV in store.storage().where


def test_a_secure_keyring_wins_over_the_file(memory_keyring, keys, use_key, secrets_path):
    use_key(keys[0])
    store = ProfileStore()
    assert store.storage().kind == secret_store.KIND_KEYRING
    store.save("Acme", "acc-1", "cid-1", CANARY)
    assert memory_keyring.store == {(KEYRING_SERVICE, "acc-1:cid-1"): CANARY}
    assert not secrets_path.exists()


def test_neither_keyring_nor_key_refuses_in_words(tmp_path):
    store = ProfileStore()
    status = store.storage()
    assert status.kind == secret_store.KIND_NONE and not status.can_store and not status.writable
    with pytest.raises(SecretStoreError) as caught:
        store.save("Acme", "acc-1", "cid-1", CANARY)
    text = user_message(caught.value)
    for words in ("no system keyring", "keyring", SECRET_KEY_ENV, "[storage]", "new-key"):
        assert words in text
    assert CANARY not in text and files_holding(tmp_path, CANARY) == []
    assert not store.path.exists()
    with pytest.raises(SecretStoreError):
        store.require_writable()

    store.path.parent.mkdir(parents=True)  # a list saved on a machine that had a keyring
    store.path.write_text(
        json.dumps({"profiles": [{"name": "Old", "account_id": "a", "client_id": "c"}]})
    )
    assert store.secret_state(store.get("Old")) == SECRET_CANNOT_BE_STORED


def test_missing_secret_in_a_readable_file(keys, use_key):
    use_key(keys[0])
    store = ProfileStore()
    store.save("Acme", "acc-1", "cid-1", CANARY)
    store.secret_backend().delete("acc-1:cid-1")
    assert store.secret_state(store.get("Acme")) == SECRET_MISSING
    with pytest.raises(SecretStoreError, match="enter the secret again"):
        store.credentials(store.get("Acme"))


def test_concurrent_changes_keep_every_secret(keys, use_key):
    use_key(keys[0])
    backend = ProfileStore().secret_backend()
    threads = [
        threading.Thread(target=backend.put, args=(f"acc:{n}", f"secret-{n}")) for n in range(16)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(backend.get(f"acc:{n}") == f"secret-{n}" for n in range(16))


def test_reprs_hold_no_secret_and_no_key(keys, use_key):
    use_key(keys[0])
    store = ProfileStore(secrets={"profiles": CONFIGURED, "storage": {"secret_keys": keys[1]}})
    shown = repr(store) + repr(store.secret_backend()) + repr(store.storage())
    shown += repr(secret_store.secret_keys({}, {SECRET_KEY_ENV: keys[0]}))
    shown += repr(store.list())
    assert CANARY not in shown and keys[0] not in shown and keys[1] not in shown


# ---- profiles from the secrets file ----------------------------------------------------------


def test_configured_profiles_are_listed_and_give_credentials(tmp_path):
    store = ProfileStore(secrets={"profiles": CONFIGURED})
    [profile] = store.list()
    assert profile.source == SOURCE_CONFIGURATION and profile.read_only
    assert (profile.account_id, profile.client_id) == ("acc-cfg", "cid-cfg")
    assert profile.hosts == ("ops@acme.example",) and profile.note == "deployed by file"
    assert store.credentials(profile).client_secret == CANARY == store.secret(profile)
    assert store.secret_state(profile) == SECRET_STORED  # even with no secret store at all
    assert store.notices() == [] and files_holding(tmp_path, CANARY) == []


def test_configured_profiles_cannot_be_edited_deleted_or_shadowed(memory_keyring):
    store = ProfileStore(secrets={"profiles": CONFIGURED})
    with pytest.raises(ReadOnlyProfile) as caught:
        store.save("Acme Corp", "acc-cfg", "cid-cfg", "other", replacing="Acme Corp")
    assert "from configuration" in user_message(caught.value)
    with pytest.raises(ReadOnlyProfile):
        store.delete("Acme Corp")
    with pytest.raises(ConfigError, match="comes from configuration"):
        store.save("Acme Corp", "acc-x", "cid-x", "other")
    assert not store.path.exists() and memory_keyring.store == {}


def test_a_saved_and_a_configured_profile_of_one_name_are_both_said(memory_keyring):
    ProfileStore().save("Acme Corp", "acc-saved", "cid-saved", CANARY_2)
    store = ProfileStore(secrets={"profiles": CONFIGURED})
    assert [p.source for p in store.list()] == ["configuration", "saved"]
    assert [p.source for p in store.list(in_use=True)] == ["configuration"]
    assert store.get("Acme Corp").read_only
    [notice] = store.notices()
    assert "both a saved profile and a profile from configuration" in notice
    store.save("Acme (saved)", "acc-saved", "cid-saved", None, replacing="Acme Corp")
    assert store.notices() == []
    assert [p.name for p in store.list()] == ["Acme (saved)", "Acme Corp"]


def test_unusable_configured_tables_are_said_and_skipped():
    store = ProfileStore(
        secrets={
            "profiles": {
                "No IDs": {"client_secret": CANARY},
                "Bad hosts": {"account_id": "a", "client_id": "c", "hosts": "not an email!"},
                "No secret": {"account_id": "a", "client_id": "c"},
                "Flat": "just a string",
            }
        }
    )
    assert [p.name for p in store.list()] == ["No secret"]
    notices = " ".join(store.notices())
    for name in ("No IDs", "Bad hosts", "Flat"):
        assert f'[profiles."{name}"]' in notices
    assert CANARY not in notices
    profile = store.get("No secret")
    assert store.secret_state(profile) == SECRET_MISSING
    with pytest.raises(ConfigError, match="no client_secret"):
        store.credentials(profile)


# ---- where each secret is, in words (issue 15, point 5) ------------------------------------


def test_each_profiles_secret_says_where_it_really_is(keys, use_key, secrets_path):
    use_key(keys[0])
    store = ProfileStore(secrets={"profiles": CONFIGURED})
    store.save("Saved", "acc-1", "cid-1", CANARY)
    store.save("Gone", "acc-2", "cid-2", CANARY_2)
    store.secret_backend().delete("acc-2:cid-2")
    in_file = f"in the encrypted file {secrets_path} (keys from {SECRET_KEY_ENV})"
    said = {p.name: store.secret_status(p).text for p in store.list()}
    assert said == {
        "Acme Corp": 'stored in the secrets file ([profiles."Acme Corp"] table)',
        "Gone": f"missing: none {in_file}",
        "Saved": f"stored {in_file}",
    }
    assert "keyring" not in " ".join(said.values())
    assert store.secret_status(store.get("Saved")).short == "stored (encrypted file)"
    use_key(keys[1])  # not the key the file was written with
    unreadable = store.secret_status(store.get("Saved"))
    assert unreadable.state == SECRET_UNREADABLE
    assert unreadable.text.startswith(f"unreadable: the encrypted file {secrets_path}")


def test_a_secret_in_the_keyring_says_so(memory_keyring):
    store = ProfileStore()
    profile, _ = store.save("Acme", "acc-1", "cid-1", CANARY)
    status = store.secret_status(profile)
    assert (status.state, status.short) == (SECRET_STORED, "stored (keyring)")
    assert status.text.startswith("stored in the system keyring (")


def test_without_a_keyring_or_a_key_the_secret_says_why_it_cannot_be_stored(memory_keyring):
    store = ProfileStore()
    profile, _ = store.save("Acme", "acc-1", "cid-1", CANARY)
    keyring.set_keyring(keyring.backends.fail.Keyring())  # the desktop session is gone
    status = store.secret_status(profile)
    assert status.state == SECRET_CANNOT_BE_STORED
    assert status.text == (
        "cannot be stored here: no system keyring was found (common on servers without a "
        "desktop session)"
    )


def test_a_missing_secret_is_not_answered_with_the_no_keyring_advice(keys, use_key):
    use_key(keys[0])
    store = ProfileStore()
    profile, _ = store.save("Acme", "acc-1", "cid-1", CANARY)
    store.secret_backend().delete("acc-1:cid-1")
    with pytest.raises(SecretStoreError) as caught:
        store.credentials(profile)
    text = user_message(caught.value)
    assert "No Client Secret is stored for profile 'Acme' in the encrypted file" in text
    assert "All clients → Edit or rename" in text and "--replace" in text
    assert "To keep Client Secrets, use a system keyring" not in text
