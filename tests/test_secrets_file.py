"""The command line and the dashboard agree on the secrets file, and every message about keys
says which one was read (issue 15, point 2).

The old trap: the key was in the file the service was given with ``--secrets.files``, the
command did not read it and answered "no system keyring … set ERBIUM_ZOOM_SECRET_KEY"; ``profiles
list`` then marked stored secrets "cannot be stored". Here the commands read
STREAMLIT_SECRETS_FILES as Streamlit does, and name the file, or where they looked.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from erbium_zoom.__main__ import main
from erbium_zoom.profiles import ProfileStore
from erbium_zoom.secret_store import SECRET_KEY_ENV, new_key
from erbium_zoom.secrets_file import SECRETS_FILES_ENV
from tests.test_cli import ROOT, _subprocess_env

ADD = ["profiles", "add", "Acme", "--account-id", "acc-1", "--client-id", "cid-1"]
CANARY = "CANARY-secrets-file-7d1"


def run(capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    code = main(list(argv), stdin=io.StringIO(stdin))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and CANARY not in out + err
    return code, out, err


@pytest.fixture
def team_file(tmp_path, monkeypatch):
    """A secrets file outside Streamlit's places, named as the environment file names it."""
    path = tmp_path / "etc" / "secrets.toml"
    path.parent.mkdir()
    monkeypatch.setenv(SECRETS_FILES_ENV, str(path))
    return path


def test_the_commands_read_the_file_named_by_streamlit_secrets_files(capsys, team_file):
    team_file.write_text(f'[storage]\nsecret_keys = ["{new_key()}"]\n')
    code, out, err = run(capsys, *ADD, stdin=f"{CANARY}\n")
    said = f"Secrets file read: {team_file} (named by {SECRETS_FILES_ENV})."
    assert code == 0 and said in err
    assert f"keys from secret_keys in the [storage] table of the secrets file {team_file}" in out
    code, out, err = run(capsys, "profiles", "list")
    assert code == 0 and said in err and "stored" in out and "cannot be stored" not in out


def test_without_a_key_the_refusal_names_the_file_read(capsys, team_file):
    team_file.write_text('[zoom]\naccount_id = "x"\n')
    code, _, err = run(capsys, *ADD, stdin=f"{CANARY}\n")
    assert code == 2
    assert f"{SECRET_KEY_ENV} is not set and the secrets file {team_file} has no [storage]" in err
    assert f"secret_keys in the [storage] table of the secrets file {team_file}" in err


def test_without_any_secrets_file_the_refusal_says_where_it_looked(capsys, isolated_secrets_file):
    home, cwd = isolated_secrets_file
    looked = f"{home / '.streamlit/secrets.toml'} or {cwd / '.streamlit/secrets.toml'}"
    code, _, err = run(capsys, *ADD, stdin=f"{CANARY}\n")
    assert code == 2
    assert f"no secrets file was found at {looked}" in err
    assert "If the dashboard reads a secrets file elsewhere" in err and SECRETS_FILES_ENV in err
    assert "No secrets file was found: looked at" in err  # the note before it


def test_an_encrypted_file_and_no_key_is_unreadable_not_cannot_be_stored(
    capsys, team_file, monkeypatch
):
    """`profiles list` without the service's secrets file: the secrets are there, the key is
    not; say so, and where it looked."""
    team_file.write_text(f'[storage]\nsecret_keys = ["{new_key()}"]\n')
    run(capsys, *ADD, stdin=f"{CANARY}\n")
    monkeypatch.delenv(SECRETS_FILES_ENV)
    code, out, err = run(capsys, "profiles", "list")
    assert code == 1 and "unreadable" in out and "cannot be stored" not in out
    assert "holds Client Secrets, but no key is set to open it" in err
    assert "No secrets file was found: looked at" in err


def test_the_templates_placeholder_key_is_named(capsys, team_file):
    team_file.write_text('[storage]\nsecret_keys = ["CHANGE-ME"]\n')
    code, _, err = run(capsys, "profiles", "list")
    assert code == 1
    assert (
        f"secret_keys in the [storage] table of the secrets file {team_file}: the key is still "
        "the template's CHANGE-ME" in err
    )


def test_new_key_tells_a_first_time_user_where_to_put_it(capsys, team_file):
    team_file.write_text('[storage]\nsecret_keys = ["CHANGE-ME"]\n')
    code, out, err = run(capsys, "profiles", "new-key")
    assert code == 0 and len(out.strip()) == 44
    first_use, later = err.split("Later, to rotate", 1)
    assert f"put it in the [storage] table of the secrets file {team_file}" in first_use
    assert "rotate-key" not in first_use and "rotate-key" in later

    team_file.write_text(f'[storage]\nsecret_keys = ["{new_key()}"]\n')
    code, out, err = run(capsys, "profiles", "new-key")
    assert code == 0 and "A key is set already (secret_keys in the [storage] table of" in err
    assert str(team_file) in err and "rotate-key" in err


def test_a_toml_error_names_the_line_and_column(capsys, team_file):
    team_file.write_text('[storage]\nsecret_keys = ["unclosed\n')
    code, _, err = run(capsys, "profiles", "list")
    assert code == 2
    assert f"The secrets file {team_file} cannot be parsed as TOML: line 2, column 25:" in err


def test_each_add_takes_one_line_of_a_shared_standard_input(tmp_path):
    """A script feeds three secrets to three commands: each takes its own line."""
    env = _subprocess_env(
        HOME=str(tmp_path / "home"),
        PYTHONPATH=str(ROOT),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        ERBIUM_ZOOM_CONFIG_DIR=str(tmp_path / "config"),
        ERBIUM_ZOOM_DATA_DIR=str(tmp_path / "data"),
        ERBIUM_ZOOM_SECRET_KEY=new_key(),
    )
    python = sys.executable
    script = "; ".join(
        f"{python} -m erbium_zoom profiles add {name} --account-id acc-{name} --client-id cid"
        for name in ("A", "B", "C")
    )
    done = subprocess.run(
        ["bash", "-c", f"set -e; {script}"],
        cwd=tmp_path,
        env=env,
        input="secret-a\nsecret-b\nsecret-c\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    store = ProfileStore(
        path=tmp_path / "config" / "profiles.json", environ=env, data_dir=tmp_path / "data"
    )
    assert {p.name: store.secret(p) for p in store.list()} == {
        "A": "secret-a",
        "B": "secret-b",
        "C": "secret-c",
    }


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_root_is_refused_writing_into_the_service_accounts_folder(
    capsys, team_file, isolated_data_dir
):
    team_file.write_text(f'[storage]\nsecret_keys = ["{new_key()}"]\n')
    isolated_data_dir.mkdir(parents=True, exist_ok=True)
    os.chown(isolated_data_dir, 65534, 65534)  # as if it were erbium-zoom's
    code, _, err = run(capsys, *ADD, stdin=f"{CANARY}\n")
    assert code == 2 and f"The data folder {isolated_data_dir} belongs to" in err
    assert "runuser -u" in err and not ProfileStore().path.exists()
    code, _, _ = run(capsys, "profiles", "list")  # reading is harmless
    assert code == 0
