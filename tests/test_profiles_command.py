"""`python -m erbium_zoom profiles …`: the secret from standard input only, exit codes 0/1/2,
the JSON, no traceback and never the secret in the output; and the secrets file read as
Streamlit would read it."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from erbium_zoom import secret_store
from erbium_zoom.__main__ import _build_parser, main
from erbium_zoom.profiles import ProfileStore
from erbium_zoom.secret_store import SECRET_KEY_ENV, new_key
from erbium_zoom.secrets_file import SECRETS_FILES_ENV, load_secrets
from erbium_zoom.simulator import SimulatedZoom
from tests.conftest import FIXED_NOW
from tests.test_cli import ROOT, _subprocess_env

CANARY = "CANARY-cli-3e9f0a"
ADD_ACME = ["profiles", "add", "Acme", "--account-id", "acc-1", "--client-id", "cid-1"]
PROFILE_KEYS = {"name", "account_id", "client_id", "hosts", "note", "source", "secret"}


@pytest.fixture
def key(monkeypatch) -> str:
    value = new_key()
    monkeypatch.setenv(SECRET_KEY_ENV, value)
    return value


def run(capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    code = main(list(argv), stdin=io.StringIO(stdin))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert CANARY not in out + err
    return code, out, err


def listed(capsys, *flags: str) -> tuple[int, dict]:
    code, out, _ = run(capsys, "profiles", "list", "--json", *flags)
    return code, json.loads(out)


def files_holding(root: Path, text: str) -> list[Path]:
    return [f for f in root.rglob("*") if f.is_file() and text.encode() in f.read_bytes()]


def test_add_reads_the_secret_from_stdin_and_lists_it(capsys, key, tmp_path):
    code, out, _ = run(
        capsys, *ADD_ACME, "--hosts", "a@example.com, b@example.com", "--note", "VIP",
        stdin=f"{CANARY}\n",
    )  # fmt: skip
    assert code == 0 and "encrypted file" in out
    assert ProfileStore().credentials(ProfileStore().get("Acme")).client_secret == CANARY
    assert files_holding(tmp_path, CANARY) == []

    code, payload = listed(capsys)
    assert code == 0
    assert set(payload) == {"secrets_file", "storage", "profiles", "notices"}
    assert payload["secrets_file"]["read"] == []  # none here: the key is in the environment
    assert payload["storage"] == {
        "kind": "encrypted file",
        "where": payload["storage"]["where"],
        "can_store": True,
        "problem": None,
    }
    assert SECRET_KEY_ENV in payload["storage"]["where"] and key not in json.dumps(payload)
    assert payload["profiles"] == [
        {
            "name": "Acme",
            "account_id": "acc-1",
            "client_id": "cid-1",
            "hosts": ["a@example.com", "b@example.com"],
            "note": "VIP",
            "source": "saved",
            "secret": "stored",
            "secret_where": f"stored {payload['storage']['where']}",
        }
    ]
    code, out, _ = run(capsys, "profiles", "list")
    assert code == 0 and "Acme" in out and "stored (encrypted file)" in out and "acc-1" in out


def test_there_is_no_secret_argument_and_unknown_arguments_are_not_echoed(capsys, key):
    parser = _build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    profiles = commands.choices["profiles"]
    actions = next(a for a in profiles._actions if isinstance(a, argparse._SubParsersAction))
    add = actions.choices["add"]
    options = [o for action in add._actions for o in action.option_strings]
    assert "--account-id" in options
    assert [o for o in options if "secret" in o.lower()] == ["--secrets-file"]

    wrong_ways = [["--client-secret", CANARY], [f"--client-secret={CANARY}"], [CANARY]]
    wrong_ways.append(["--secret", CANARY])  # not taken as an abbreviation of --secrets-file
    for extra in wrong_ways:
        code, _, err = run(capsys, *ADD_ACME, *extra, stdin=f"{CANARY}\n")
        assert code == 2 and "standard input" in err
    assert ProfileStore().list() == []


def test_add_refuses_without_a_secret_on_stdin(capsys, key):
    code, _, err = run(capsys, *ADD_ACME, stdin="")
    assert code == 2 and "No Client Secret came on standard input" in err
    assert ProfileStore().list() == []


def test_add_existing_name_needs_replace(capsys, key):
    run(capsys, *ADD_ACME, stdin=f"{CANARY}\n")
    code, _, err = run(capsys, *ADD_ACME, "--note", "new", stdin="other-secret\n")
    assert code == 2 and "--replace" in err
    spaced = ["profiles", "add", "  Acme ", *ADD_ACME[3:]]
    code, _, err = run(capsys, *spaced, stdin="other-secret\n")
    assert code == 2 and "--replace" in err
    assert ProfileStore().get("Acme").note == ""

    code, _, _ = run(capsys, *ADD_ACME, "--note", "kept secret", "--replace", stdin="\n")
    store = ProfileStore()
    assert code == 0 and store.get("Acme").note == "kept secret"
    assert store.credentials(store.get("Acme")).client_secret == CANARY

    code, _, _ = run(capsys, *ADD_ACME, "--replace", stdin="new-secret-9\n")
    assert code == 0 and store.credentials(store.get("Acme")).client_secret == "new-secret-9"


def test_add_trims_a_pasted_secret_with_a_note(capsys, key):
    code, _, err = run(capsys, *ADD_ACME, stdin=f"  {CANARY}  \r\n")
    assert code == 0 and "Client Secret" in err and "removed" in err
    assert ProfileStore().credentials(ProfileStore().get("Acme")).client_secret == CANARY


def test_without_a_secret_store_add_refuses_before_reading_stdin(capsys):
    stdin = io.StringIO(f"{CANARY}\n")
    code = main(ADD_ACME, stdin=stdin)
    out, err = capsys.readouterr()
    assert code == 2 and stdin.tell() == 0  # the secret was not even read
    assert "keyring" in err and SECRET_KEY_ENV in err and "[storage]" in err
    assert not ProfileStore().path.exists()
    code, payload = listed(capsys)
    assert code == 0 and payload["storage"]["kind"] == "none" and payload["profiles"] == []


def test_list_exit_codes_and_states(capsys, key, monkeypatch, isolated_data_dir):
    run(capsys, *ADD_ACME, stdin=f"{CANARY}\n")
    encrypted = (isolated_data_dir / secret_store.FILE_NAME).read_bytes()

    monkeypatch.setenv(SECRET_KEY_ENV, new_key())  # a wrong key
    code, payload = listed(capsys)
    assert code == 1 and payload["profiles"][0]["secret"] == "unreadable"
    problem = payload["storage"]["problem"]
    assert problem["kind"] == "secret_file" and SECRET_KEY_ENV in problem["message"]
    code, _, err = run(capsys, *ADD_ACME[:2], "Beta", *ADD_ACME[3:], stdin="x-secret\n")
    assert code == 2 and SECRET_KEY_ENV in err
    code, _, err = run(capsys, "profiles", "rotate-key")
    assert code == 2 and "cannot be decrypted" in err
    assert (isolated_data_dir / secret_store.FILE_NAME).read_bytes() == encrypted

    monkeypatch.setenv(SECRET_KEY_ENV, "not-a-key")
    code, payload = listed(capsys)
    assert code == 1 and payload["storage"]["problem"]["field"] == SECRET_KEY_ENV

    ProfileStore().path.write_text("{damaged")
    code, _, err = run(capsys, "profiles", "list", "--json")
    assert code == 2 and "damaged" in err


def test_remove_and_its_refusals(capsys, key, monkeypatch, tmp_path):
    secrets = tmp_path / "team-secrets.toml"
    secrets.write_text('[profiles."Zeta"]\naccount_id = "z"\nclient_id = "zc"\n')
    run(capsys, *ADD_ACME, stdin=f"{CANARY}\n")
    code, _, err = run(capsys, "profiles", "remove", "Nope")
    assert code == 2 and "no saved profile named 'Nope'" in err
    code, _, err = run(capsys, "profiles", "remove", "Zeta", "--secrets-file", str(secrets))
    assert code == 2 and "from configuration" in err

    monkeypatch.setenv(SECRET_KEY_ENV, new_key())  # the secret cannot be reached to remove it
    code, _, err = run(capsys, "profiles", "remove", "Acme")
    assert code == 1 and "could not be removed" in err and ProfileStore().list() == []


def test_rotate_key_and_new_key(capsys, key, monkeypatch, isolated_data_dir):
    run(capsys, *ADD_ACME, stdin=f"{CANARY}\n")
    code, out, err = run(capsys, "profiles", "new-key")
    newest = out.strip()
    assert code == 0 and Fernet(newest) and SECRET_KEY_ENV in err
    monkeypatch.setenv(SECRET_KEY_ENV, f"{newest},{key}")
    code, out, _ = run(capsys, "profiles", "rotate-key")
    assert code == 0 and "Re-encrypted 1" in out
    monkeypatch.setenv(SECRET_KEY_ENV, newest)
    code, payload = listed(capsys)
    assert code == 0 and payload["profiles"][0]["secret"] == "stored"

    monkeypatch.delenv(SECRET_KEY_ENV)
    code, _, err = run(capsys, "profiles", "rotate-key")
    assert code == 2 and "No key is set" in err


def test_configured_profiles_and_name_clash(capsys, key, tmp_path):
    secrets = tmp_path / "team-secrets.toml"
    secrets.write_text(
        '[profiles."Acme"]\naccount_id = "acc-cfg"\nclient_id = "cid-cfg"\n'
        f'client_secret = "{CANARY}"\nhosts = ["ops@acme.example"]\nnote = "by file"\n'
    )
    flag = ["--secrets-file", str(secrets)]
    code, _, err = run(capsys, *ADD_ACME, *flag, stdin="x-secret\n")
    assert code == 2 and "from configuration" in err
    code, payload = listed(capsys, *flag)
    assert code == 0
    assert payload["profiles"][0]["source"] == "configuration"
    assert payload["profiles"][0]["secret"] == "stored" and payload["notices"] == []

    run(capsys, *ADD_ACME, stdin="x-secret\n")  # saved while the file was not read
    code, payload = listed(capsys, *flag)
    assert code == 1 and [p["source"] for p in payload["profiles"]] == ["configuration", "saved"]
    assert "both a saved profile and a profile from configuration" in payload["notices"][0]


def test_check_uses_configured_and_encrypted_profiles(capsys, key, tmp_path):
    alpha = SimulatedZoom(
        "full", now=FIXED_NOW, account_id="acc-A", client_id="cid-A", client_secret=CANARY
    )
    secrets = tmp_path / "team-secrets.toml"
    secrets.write_text(
        '[profiles."Alpha"]\naccount_id = "acc-A"\nclient_id = "cid-A"\n'
        f'client_secret = "{CANARY}"\n'
    )
    code = main(
        ["check", "--json", "--profile", "Alpha", "--secrets-file", str(secrets)],
        environ=None,
        transport=alpha.transport(),
    )
    out = capsys.readouterr().out
    assert code == 0 and json.loads(out)["results"][0]["ok"] and CANARY not in out

    ProfileStore().save("Saved alpha", "acc-A", "cid-A", CANARY)  # in the encrypted file
    code = main(["check", "--json", "--profile", "Saved alpha"], transport=alpha.transport())
    out = capsys.readouterr().out
    assert code == 0 and json.loads(out)["results"][0]["ok"] and CANARY not in out


# ---- the secrets file ------------------------------------------------------------------------


def test_secrets_file_locations_follow_streamlit(isolated_secrets_file, monkeypatch):
    home, cwd = isolated_secrets_file
    (home / ".streamlit").mkdir(parents=True)
    (cwd / ".streamlit").mkdir(parents=True)
    (home / ".streamlit/secrets.toml").write_text('[storage]\nsecret_keys = "home"\n[a]\nx = 1\n')
    (cwd / ".streamlit/secrets.toml").write_text('[storage]\nsecret_keys = "project"\n')
    assert load_secrets() == {"storage": {"secret_keys": "project"}, "a": {"x": 1}}

    (cwd / "other.toml").write_text('[storage]\nsecret_keys = "option"\n')
    (cwd / ".streamlit/config.toml").write_text('[secrets]\nfiles = ["other.toml"]\n')
    assert load_secrets() == {"storage": {"secret_keys": "option"}}

    (cwd / "env.toml").write_text('[storage]\nsecret_keys = "env"\n')
    monkeypatch.setenv(SECRETS_FILES_ENV, "missing.toml env.toml")
    assert load_secrets() == {"storage": {"secret_keys": "env"}}

    folder = cwd / "k8s"
    (folder / "storage").mkdir(parents=True)
    (folder / "storage" / "secret_keys").write_text("mounted\n")
    assert load_secrets(folder) == {"storage": "mounted"}  # one file: collapsed, as Streamlit


def test_unparsable_secrets_file_is_named(capsys, tmp_path, isolated_secrets_file):
    broken = tmp_path / "broken.toml"
    broken.write_text(f'[profiles."Acme"\nclient_secret = "{CANARY}"\n')
    code, _, err = run(capsys, "profiles", "list", "--secrets-file", str(broken))
    assert code == 2 and str(broken) in err and "cannot be parsed" in err
    code, _, err = run(capsys, "profiles", "list", "--secrets-file", str(tmp_path / "no.toml"))
    assert code == 2 and "no secrets file" in err

    _, cwd = isolated_secrets_file
    (cwd / ".streamlit").mkdir(parents=True)
    (cwd / ".streamlit/secrets.toml").write_text("= nonsense")
    code, _, err = run(capsys, "profiles", "list")
    assert code == 2 and ".streamlit/secrets.toml" in err


# ---- as a user runs it -----------------------------------------------------------------------


def test_profiles_command_in_a_separate_process(tmp_path):
    env = _subprocess_env(
        HOME=str(tmp_path / "home"),
        PYTHONPATH=str(ROOT),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        ERBIUM_ZOOM_CONFIG_DIR=str(tmp_path / "config"),
        ERBIUM_ZOOM_DATA_DIR=str(tmp_path / "data"),
    )

    def command(*args: str, stdin: str = "", **extra: str) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "-m", "erbium_zoom", "profiles", *args],
            cwd=tmp_path,
            env={**env, **extra},
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "Traceback" not in done.stdout + done.stderr
        assert CANARY not in done.stdout + done.stderr
        return done

    refused = command(*ADD_ACME[1:], stdin=f"{CANARY}\n")
    assert refused.returncode == 2 and SECRET_KEY_ENV in refused.stderr

    key = command("new-key").stdout.strip()
    added = command(*ADD_ACME[1:], stdin=f"{CANARY}\n", ERBIUM_ZOOM_SECRET_KEY=key)
    assert added.returncode == 0, added.stderr
    listing = command("list", "--json", ERBIUM_ZOOM_SECRET_KEY=key)
    assert listing.returncode == 0
    assert json.loads(listing.stdout)["profiles"][0]["secret"] == "stored"
    wrong = command("list", "--json", ERBIUM_ZOOM_SECRET_KEY=new_key())
    assert wrong.returncode == 1 and "cannot be decrypted" in wrong.stderr
    assert files_holding(tmp_path, CANARY) == []
    assert os.stat(tmp_path / "data" / secret_store.FILE_NAME).st_mode & 0o077 == 0
