"""Client profiles: the list on disk, secrets in the keyring only, and no keyring at all."""

from __future__ import annotations

import json
import stat

import keyring
import keyring.backends.null
import keyring.errors
import pytest

from erbium_zoom.errors import ConfigError, SecretStoreError
from erbium_zoom.profiles import KEYRING_SERVICE, ProfileStore, keyring_status

SECRET = "canary-secret-5f2a"


@pytest.fixture
def store(isolated_profiles) -> ProfileStore:
    return ProfileStore()


def test_keyring_status_secure_only_for_a_real_backend(memory_keyring):
    assert keyring_status().secure
    keyring.set_keyring(keyring.backends.fail.Keyring())
    status = keyring_status()
    assert not status.secure and "no system keyring" in status.reason
    keyring.set_keyring(keyring.backends.null.Keyring())
    assert not keyring_status().secure


def test_keyring_status_plaintext_backend_is_not_secure(memory_keyring):
    class PlaintextKeyring(type(memory_keyring)):
        pass

    keyring.set_keyring(PlaintextKeyring())
    status = keyring_status()
    assert not status.secure and "plain text" in status.reason


def test_save_keeps_secret_in_keyring_only(store, memory_keyring, isolated_profiles):
    profile, warnings = store.save(
        "Acme", " acc-1", "cid-1", SECRET, hosts="a@example.com, b@example.com", note="VIP"
    )
    assert warnings and "Account ID" in warnings[0]
    assert store.list() == [profile]
    assert profile.hosts == ("a@example.com", "b@example.com") and profile.account_id == "acc-1"
    assert memory_keyring.store[(KEYRING_SERVICE, "acc-1:cid-1")] == SECRET
    for file in isolated_profiles.rglob("*"):
        if file.is_file():
            assert SECRET not in file.read_text()
    assert store.credentials(profile).client_secret == SECRET


def test_profile_file_is_readable_by_its_owner_only(store, memory_keyring):
    store.save("Acme", "acc-1", "cid-1", SECRET)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) & 0o077 == 0


def test_rename_keeps_the_secret_and_edit_can_keep_it(store, memory_keyring):
    store.save("Acme", "acc-1", "cid-1", SECRET)
    renamed, _ = store.save("Acme Corp", "acc-1", "cid-1", None, replacing="Acme")
    assert [p.name for p in store.list()] == ["Acme Corp"]
    assert store.credentials(renamed).client_secret == SECRET


def test_changing_the_app_moves_the_secret(store, memory_keyring):
    store.save("Acme", "acc-1", "cid-1", SECRET)
    store.save("Acme", "acc-1", "cid-2", None, replacing="Acme")
    assert (KEYRING_SERVICE, "acc-1:cid-1") not in memory_keyring.store
    assert memory_keyring.store[(KEYRING_SERVICE, "acc-1:cid-2")] == SECRET


def test_delete_removes_the_secret_unless_another_profile_uses_it(store, memory_keyring):
    store.save("Acme", "acc-1", "cid-1", SECRET)
    store.save("Acme (events team)", "acc-1", "cid-1", SECRET)
    store.delete("Acme")
    assert memory_keyring.store[(KEYRING_SERVICE, "acc-1:cid-1")] == SECRET
    store.delete("Acme (events team)")
    assert memory_keyring.store == {} and store.list() == []


@pytest.mark.parametrize(
    ("name", "secret", "message"),
    [
        ("  ", SECRET, "name"),
        ("Acme", "", "Client Secret is needed"),
        ("Acme", "sec ret", "in the middle"),
    ],
)
def test_save_refuses_bad_input(store, memory_keyring, name, secret, message):
    with pytest.raises(ConfigError) as caught:
        store.save(name, "acc-1", "cid-1", secret)
    assert message in str(caught.value)
    assert store.list() == [] and memory_keyring.store == {}


def test_duplicate_name_is_refused(store, memory_keyring):
    store.save("Acme", "acc-1", "cid-1", SECRET)
    with pytest.raises(ConfigError, match="exists already"):
        store.save("Acme", "acc-2", "cid-2", SECRET)


def test_without_a_keyring_nothing_is_written(store, isolated_profiles):
    with pytest.raises(SecretStoreError) as caught:
        store.save("Acme", "acc-1", "cid-1", SECRET)
    text = str(caught.value)
    assert "no system keyring" in text and "ZOOM_" in text and "secrets.toml" in text
    assert SECRET not in text
    assert not store.path.exists()


def test_keyring_errors_become_words(store, memory_keyring):
    profile, _ = store.save("Acme", "acc-1", "cid-1", SECRET)
    memory_keyring.fail_with = keyring.errors.KeyringLocked
    with pytest.raises(SecretStoreError) as caught:
        store.credentials(profile)
    assert "KeyringLocked" in str(caught.value) and SECRET not in str(caught.value)


def test_missing_secret_says_to_enter_it_again(store, memory_keyring):
    profile, _ = store.save("Acme", "acc-1", "cid-1", SECRET)
    memory_keyring.store.clear()
    with pytest.raises(SecretStoreError, match="enter the secret again"):
        store.credentials(profile)


def test_damaged_file_is_reported_and_left_alone(store):
    store.path.parent.mkdir(parents=True)
    store.path.write_text("{not json")
    with pytest.raises(ConfigError, match="damaged"):
        store.list()
    assert store.path.read_text() == "{not json"


def test_file_format_is_plain_json_without_secrets(store, memory_keyring):
    store.save("Acme", "acc-1", "cid-1", SECRET, hosts="me", note="n")
    data = json.loads(store.path.read_text())
    assert data == {
        "profiles": [
            {
                "name": "Acme",
                "account_id": "acc-1",
                "client_id": "cid-1",
                "hosts": ["me"],
                "note": "n",
            }
        ]
    }
