"""Every refusal screen names its real cause, and lets nobody in (issue 15, point 3).

Each cause is a real secrets file (or folder, or nothing) given to Streamlit with its
``secrets.files`` option, as ``--secrets.files`` or STREAMLIT_SECRETS_FILES does on a server; the
app is run with AppTest on a network address or on loopback, and the one error on the page is
checked against the cause: the file, the line and the column of a TOML error, the key to fix.
Causes that cannot be made on disk here (a file the server may not read, while tests run as
root; forwarded requests) are checked on the core's decision and the text it gives the screen.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit import config as st_config
from streamlit.runtime.secrets import Secrets, secrets_singleton
from streamlit.testing.v1 import AppTest

from erbium_zoom import secrets_file
from erbium_zoom.access import ALLOW_ANONYMOUS_ENV, Mode, decide
from erbium_zoom.errors import ConfigError
from erbium_zoom.secrets_file import SecretsSource, read_secrets
from tests.test_access import ACCESS, AUTH
from tests.test_access_pages import all_text
from tests.test_pages import APP, texts


def toml_table(name: str, table: dict) -> str:
    lines = [f"[{name}]"]
    for key, value in table.items():
        shown = (
            "[" + ", ".join(f'"{v}"' for v in value) + "]"
            if isinstance(value, list)
            else f'"{value}"'
        )
        lines.append(f"{key} = {shown}")
    return "\n".join(lines) + "\n"


GOOD_AUTH = toml_table("auth", AUTH)
GOOD_ACCESS = toml_table("access", ACCESS)


@pytest.fixture
def served(monkeypatch):
    """Run the app with these secrets paths (Streamlit's secrets.files) on this address.

    Streamlit's one ``st.secrets`` keeps what it parsed for the process (and AppTest reads it
    too): emptied before each run and afterwards, without the file watchers it would start on
    success; the options put back afterwards.
    """
    before = {name: st_config.get_option(name) for name in ("secrets.files", "server.address")}
    monkeypatch.setattr(Secrets, "_maybe_install_file_watchers", lambda self: None)
    monkeypatch.delenv(ALLOW_ANONYMOUS_ENV, raising=False)
    monkeypatch.delenv(secrets_file.SECRETS_FILES_ENV, raising=False)

    def run(paths: list[Path], address: str = "0.0.0.0") -> AppTest:
        secrets_singleton._reset()
        st_config.set_option("secrets.files", [str(p) for p in paths])
        st_config.set_option("server.address", address)
        at = AppTest.from_file(APP, default_timeout=30).run()
        assert not at.exception
        return at

    yield run
    for name, value in before.items():
        st_config.set_option(name, value)
    secrets_singleton._reset()


def refusal(at: AppTest) -> str:
    """The one error on the page, after checking that nothing else is there (nobody is in)."""
    [error] = texts(at, "error")
    assert not at.button, "no sign-in button: nobody can get in until the file is fixed"
    shown = all_text(at)
    assert "Demo data" not in shown and not at.dataframe and not at.metric
    assert not any(True for _ in at.sidebar.selectbox)
    return error


# ---- files that cannot be read: misconfigured, on any address --------------------------------


@pytest.mark.parametrize("address", ["0.0.0.0", "127.0.0.1"])
def test_a_toml_error_names_the_file_line_and_column_not_a_missing_auth(served, tmp_path, address):
    broken = tmp_path / "secrets.toml"
    text = GOOD_AUTH + GOOD_ACCESS + "\n[storage]\nsecret_keys ["
    broken.write_text(text + '"unfinished"]\n')
    line, column = text.count("\n") + 1, len(text.rsplit("\n", 1)[1])
    error = refusal(served([broken], address))
    assert (
        f"The secrets file {broken} cannot be parsed as TOML: line {line}, column {column}: "
        "expected '=' after a key in a key/value pair." in error
    )
    assert "nobody is allowed in" in error
    assert "without sign-in" not in error and "set up sign-in" not in error.lower()
    assert AUTH["client_secret"] not in error and AUTH["cookie_secret"] not in error


def test_a_file_that_is_not_utf8_is_named(served, tmp_path):
    latin = tmp_path / "secrets.toml"
    latin.write_bytes(GOOD_AUTH.encode() + b'note = "caf\xe9"\n')
    error = refusal(served([latin]))
    assert f"The secrets file {latin} cannot be read: it is not UTF-8 text." in error


def test_a_folder_where_the_toml_file_should_be_is_named(served, tmp_path):
    folder = tmp_path / "secrets.toml"
    folder.mkdir()
    error = refusal(served([folder]))
    assert f"The secrets file {folder} cannot be read (Is a directory)." in error


def test_a_secrets_folder_holding_a_plain_file_is_named(served, tmp_path):
    folder = tmp_path / "k8s-secrets"
    (folder / "auth").mkdir(parents=True)
    (folder / "stray.txt").write_text("x")
    error = refusal(served([folder]))
    assert f"The secrets folder {folder} holds stray.txt, which is not a folder" in error


def test_a_path_that_is_neither_toml_nor_a_folder_is_named(served, tmp_path):
    typo = tmp_path / "secrets.tml"
    error = refusal(served([typo]))
    assert f"The secrets path {typo} is neither a .toml file nor a folder" in error
    assert "nothing is there" in error


def test_a_file_the_server_may_not_read_is_named(monkeypatch, tmp_path):
    """As root every file is readable, so the refusal is made the way the dashboard makes it:
    the core's reading of the file, then its decision, whose words are the screen's."""
    locked = tmp_path / "secrets.toml"
    locked.write_text(GOOD_AUTH)

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", refuse)
    with pytest.raises(ConfigError) as caught:
        read_secrets([locked])
    plan = decide(None, "0.0.0.0", {}, secrets_problem=caught.value.message)
    assert plan.mode is Mode.MISCONFIGURED and plan.person(None) is None
    assert f"The secrets file {locked} cannot be read (Permission denied)." in plan.problem
    assert "nobody is allowed in" in plan.problem


# ---- no [auth]: exposed on a network address --------------------------------------------------


def test_no_secrets_file_at_all_says_where_it_looked(served, tmp_path):
    missing = tmp_path / "etc" / "secrets.toml"
    error = refusal(served([missing]))
    assert "served on 0.0.0.0 without sign-in" in error
    assert f"No secrets file was found (looked at {missing}" in error
    assert "[auth]" in error and ALLOW_ANONYMOUS_ENV in error


def test_a_file_without_auth_is_named_as_the_one_read(served, tmp_path):
    plain = tmp_path / "secrets.toml"
    plain.write_text('[zoom]\naccount_id = "x"\n')
    error = refusal(served([plain]))
    assert f"The secrets file {plain} has no [auth] table." in error
    assert f"in the secrets file {plain} (see the README" in error


def test_behind_a_reverse_proxy_loopback_is_not_this_machine_only():
    plan = decide(None, "127.0.0.1", {}, proxied="its requests carry X-Forwarded-For")
    assert plan.mode is Mode.EXPOSED and plan.person(None).role is None
    assert "reached through a reverse proxy (its requests carry X-Forwarded-For)" in plan.problem
    assert "server.address" not in plan.problem  # localhost is what it serves already
    allowed = decide(None, "127.0.0.1", {ALLOW_ANONYMOUS_ENV: "1"}, proxied="X-Forwarded-For")
    assert allowed.mode is Mode.ANONYMOUS
    assert decide(None, "127.0.0.1", {}).mode is Mode.LOCAL  # not forwarded: the local user


# ---- [auth] present but unusable: misconfigured -----------------------------------------------


@pytest.mark.parametrize(
    ("auth", "named"),
    [
        ('auth = "google"\n', "[auth] in the secrets file {path} must be a table"),
        (
            toml_table("auth", {k: v for k, v in AUTH.items() if k != "cookie_secret"}),
            "[auth] in the secrets file {path} lacks cookie_secret",
        ),
        (
            toml_table("auth", {**AUTH, "client_id": "CHANGE-ME", "cookie_secret": "CHANGE-ME"}),
            "[auth] in the secrets file {path} still has the template's CHANGE-ME for "
            "cookie_secret, client_id",
        ),
        (
            toml_table("auth", {**AUTH, "redirect_uri": "https://dash.example/"}),
            "[auth] redirect_uri in the secrets file {path} must be the dashboard's address "
            "followed by /oauth2callback",
        ),
    ],
    ids=["not-a-table", "missing-key", "placeholder", "redirect-uri"],
)
def test_an_unusable_auth_table_is_named_with_its_file(served, tmp_path, auth, named):
    path = tmp_path / "secrets.toml"
    path.write_text(auth + GOOD_ACCESS)
    error = refusal(served([path]))
    assert named.format(path=path) in error and "nobody is allowed in" in error
    assert "without sign-in" not in error


@pytest.mark.parametrize(
    ("access", "named"),
    [
        ("", "Sign-in is on but the secrets file {path} has no [access] table"),
        (
            '[access]\nadmin = ["ana@erbium.example"]\n',
            "[access] in the secrets file {path} has 'admin'",
        ),
        ('[access]\nadmins = "ana"\n', "[access] admins in the secrets file {path} lists 'ana'"),
        ("[access]\nadmins = []\n", "[access] in the secrets file {path} lists nobody"),
    ],
    ids=["missing", "unknown-list", "not-an-address", "nobody"],
)
def test_an_unusable_access_table_is_named_with_its_file(served, tmp_path, access, named):
    path = tmp_path / "secrets.toml"
    path.write_text(GOOD_AUTH + access)
    error = refusal(served([path]))
    assert named.format(path=path) in error and "nobody is allowed in" in error


def test_a_usable_file_opens_the_sign_in_screen(served, tmp_path):
    """The same files, filled in: the screen is the sign-in button, not a refusal."""
    path = tmp_path / "secrets.toml"
    path.write_text(GOOD_AUTH + GOOD_ACCESS)
    at = served([path])
    assert not texts(at, "error") and [b.label for b in at.button] == ["Sign in"]


def test_the_source_words_say_which_file_was_read(tmp_path):
    read, absent = tmp_path / "a.toml", tmp_path / "b.toml"
    read.write_text("")
    assert SecretsSource.at([read, absent]).words == f"the secrets file {read}"
    none = SecretsSource.at([absent], "named by STREAMLIT_SECRETS_FILES")
    assert none.words == f"a secrets file (none was found at {absent})"
    assert none.statement().startswith(f"No secrets file was found: looked at {absent} (named by")
