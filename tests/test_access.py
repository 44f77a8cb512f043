"""Sign-in, roles and exposure, decided by erbium_zoom.access from plain values."""

from __future__ import annotations

from pathlib import Path

import pytest

from erbium_zoom.access import (
    ALLOW_ANONYMOUS_ENV,
    LOCAL_PERSON,
    Action,
    Mode,
    Person,
    Role,
    decide,
    is_loopback,
)
from erbium_zoom.errors import AccessDenied, user_message
from erbium_zoom.secrets_file import SecretsSource

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a long random string",
    "client_id": "dashboard",
    "client_secret": "provider secret",
    "server_metadata_url": "http://localhost:9000/.well-known/openid-configuration",
}
ACCESS = {
    "admins": ["Ana@Erbium.example"],
    "editors": ["ed@erbium.example", "@agency.example"],
    "viewers": ["@erbium.example"],
}


def signed_in(email, **claims):
    return {"is_logged_in": True, "email": email, **claims}


def team(access=ACCESS, address="0.0.0.0"):
    return decide({"auth": AUTH, "access": access}, address, {})


# ---- exposure without sign-in ---------------------------------------------------------------


@pytest.mark.parametrize("address", ["localhost", "127.0.0.1", "127.8.0.1", "::1", "[::1]"])
def test_loopback_without_sign_in_is_the_local_user_with_every_right(address):
    plan = decide(None, address, {})
    assert plan.mode is Mode.LOCAL
    person = plan.person(None)
    assert person == LOCAL_PERSON and person.who == "local user"
    assert all(person.may(action) for action in Action)


@pytest.mark.parametrize("address", ["0.0.0.0", "", None, "10.1.2.3", "dashboard.example", "::"])
def test_any_other_address_without_sign_in_is_refused_and_says_how_to_fix_it(address):
    plan = decide({"zoom": {"account_id": "x"}}, address, {})
    assert plan.mode is Mode.EXPOSED
    assert "[auth]" in plan.problem and "[access]" in plan.problem
    assert ALLOW_ANONYMOUS_ENV in plan.problem and "server.address" in plan.problem
    person = plan.person(None)
    assert person.role is None and not any(person.may(a) for a in Action)


def test_allow_anonymous_lifts_the_refusal_with_a_warning():
    plan = decide(None, "0.0.0.0", {ALLOW_ANONYMOUS_ENV: "1"})
    assert plan.mode is Mode.ANONYMOUS
    assert plan.person(None) == LOCAL_PERSON
    assert "Trusted networks only" in plan.warnings[0]
    assert decide(None, "0.0.0.0", {ALLOW_ANONYMOUS_ENV: "0"}).mode is Mode.EXPOSED


def test_is_loopback():
    assert is_loopback("localhost") and is_loopback("127.0.0.1") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("") and not is_loopback("localhost.")


# ---- roles --------------------------------------------------------------------------------


def test_roles_match_whole_addresses_and_whole_domains_case_insensitively():
    plan = team()
    assert plan.mode is Mode.SIGN_IN
    assert plan.person(signed_in("ana@erbium.example")).role is Role.ADMIN  # also @erbium viewer
    assert plan.person(signed_in("ED@ERBIUM.EXAMPLE")).role is Role.EDITOR
    assert plan.person(signed_in("zoe@erbium.example")).role is Role.VIEWER
    assert plan.person(signed_in("pat@agency.example")).role is Role.EDITOR
    # A whole domain, not a suffix: sub-domains and look-alikes are strangers.
    assert plan.person(signed_in("eve@eu.erbium.example")).role is None
    assert plan.person(signed_in("eve@erbium.example.evil")).role is None
    assert plan.person(signed_in("eve@noterbium.example")).role is None
    assert plan.person(signed_in("ana@erbium.example@evil.example")).role is None


def test_before_sign_in_there_is_no_person_and_a_stranger_has_no_role():
    plan = team()
    assert plan.person({"is_logged_in": False}) is None
    assert plan.person({}) is None
    stranger = plan.person(signed_in("someone@else.example"))
    assert stranger.signed_in and stranger.role is None
    assert not stranger.may(Action.READ)


def test_an_unverified_email_or_none_at_all_gets_no_role():
    plan = team()
    assert plan.person(signed_in("ana@erbium.example", email_verified=False)).role is None
    assert plan.person(signed_in("ana@erbium.example", email_verified=True)).role is Role.ADMIN
    nameless = plan.person({"is_logged_in": True, "sub": "abc"})
    assert nameless.role is None and nameless.who == "abc"


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.VIEWER, {Action.READ}),
        (Role.EDITOR, {Action.READ, Action.CHANGE_REGISTRANTS, Action.CHECK_CREDENTIALS}),
        (Role.ADMIN, set(Action)),
    ],
)
def test_what_each_role_may_do(role, allowed):
    person = Person("p@erbium.example", role, signed_in=True)
    assert {action for action in Action if person.may(action)} == allowed
    for action in set(Action) - allowed:
        with pytest.raises(AccessDenied) as refused:
            person.require(action)
        assert role.label in user_message(refused.value)
        assert action.words in user_message(refused.value)


# ---- fail closed on configuration ---------------------------------------------------------


@pytest.mark.parametrize(
    ("access", "named"),
    [
        (None, "no [access] table"),
        ("admins", "no [access] table"),
        ({"admin": ["a@b.example"]}, "'admin'"),
        ({"admins": "not-an-address"}, "'not-an-address'"),
        ({"admins": [3]}, "must be a list"),
        ({"admins": ["ana@erbium.example", "@nodot"]}, "'@nodot'"),
        ({"admins": [], "editors": [], "viewers": []}, "lists nobody"),
    ],
)
def test_sign_in_with_a_missing_or_malformed_access_table_lets_nobody_in(access, named):
    secrets = {"auth": AUTH} if access is None else {"auth": AUTH, "access": access}
    team_file = Path("/srv/erbium/secrets.toml")
    plan = decide(secrets, "0.0.0.0", {}, source=SecretsSource((team_file,), found=(team_file,)))
    assert plan.mode is Mode.MISCONFIGURED
    assert named in plan.problem and "/srv/erbium/secrets.toml" in plan.problem
    person = plan.person(signed_in("ana@erbium.example"))
    assert person.role is None


def test_an_incomplete_auth_table_names_the_missing_keys():
    auth = {k: v for k, v in AUTH.items() if k not in ("cookie_secret", "client_secret")}
    plan = decide({"auth": auth, "access": ACCESS}, "localhost", {})
    assert plan.mode is Mode.MISCONFIGURED
    assert "cookie_secret, client_secret" in plan.problem
    assert "provider secret" not in plan.problem  # values are never repeated


def test_an_unreadable_secrets_file_refuses_everyone_even_on_loopback():
    plan = decide(None, "localhost", {}, secrets_problem="line 3: invalid value")
    assert plan.mode is Mode.MISCONFIGURED
    assert "line 3" in plan.problem
    assert plan.person(None) is None
    assert plan.person(signed_in("ana@erbium.example")).role is None


def test_typed_credentials_are_refused_in_the_core_below_editor():
    from erbium_zoom.config import Credentials
    from erbium_zoom.connection import SOURCE_SESSION, resolve_connection

    typed = Credentials("acc-typed", "cid-typed", "typed-secret")
    viewer = Person("zoe@erbium.example", Role.VIEWER, signed_in=True)
    editor = Person("ed@erbium.example", Role.EDITOR, signed_in=True)
    with pytest.raises(AccessDenied, match="check credentials typed on the Connection page"):
        resolve_connection(typed, person=viewer, environ={})
    connection, _ = resolve_connection(typed, person=editor, environ={})
    assert connection.source == SOURCE_SESSION and connection.credentials == typed
    # Nothing typed: a viewer gets the configured or demo connection as usual.
    assert resolve_connection(None, person=viewer, environ={})[0].is_demo


# ---- demo data: on without sign-in, off with it, unless [demo] says otherwise ----------------


def test_demo_data_is_on_for_local_use_and_off_with_sign_in():
    assert decide(None, "127.0.0.1", {}).demo is True
    assert decide(None, "0.0.0.0", {ALLOW_ANONYMOUS_ENV: "1"}).demo is True
    assert team().demo is False


@pytest.mark.parametrize("enabled", [True, False])
def test_the_demo_table_turns_demo_data_on_or_off(enabled):
    demo = {"demo": {"enabled": enabled}}
    assert decide({"auth": AUTH, "access": ACCESS, **demo}, "0.0.0.0", {}).demo is enabled
    assert decide(demo, "127.0.0.1", {}).demo is enabled


@pytest.mark.parametrize("table", [{"enabled": "yes"}, "on", {"enabled": 1}])
def test_a_malformed_demo_setting_keeps_the_default_and_says_so(table):
    plan = decide({"auth": AUTH, "access": ACCESS, "demo": table}, "0.0.0.0", {})
    assert plan.mode is Mode.SIGN_IN and plan.demo is False
    [warning] = plan.warnings
    assert "[demo] in the secrets file (.streamlit/secrets.toml)" in warning
    assert "demo data stays off" in warning
    local = decide({"demo": table}, "127.0.0.1", {})
    assert local.demo is True and "demo data stays on" in local.warnings[0]
