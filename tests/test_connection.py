"""Where credentials come from, in the README's order, and cache keys that carry the account."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from erbium_zoom import store
from erbium_zoom.access import Action, Person, Role
from erbium_zoom.config import Credentials, credentials_from_secrets
from erbium_zoom.connection import (
    SOURCE_DEMO,
    SOURCE_ENV,
    SOURCE_PROFILE,
    SOURCE_SECRETS,
    SOURCE_SESSION,
    account_limiter,
    demo_banner,
    resolve_connection,
)
from erbium_zoom.errors import ConfigError, NoClientChosen, user_message
from erbium_zoom.profiles import Profile
from erbium_zoom.ratelimit import BUSINESS, HEAVY, PRO

ENTERED = Credentials("acc-entered", "cid-e", "s-e")
PROFILE = Profile("Acme", "acc-profile", "cid-p", ("host@acme.example",))
PROFILE_CREDS = Credentials("acc-profile", "cid-p", "s-p")
ENV = {"ZOOM_ACCOUNT_ID": "acc-env", "ZOOM_CLIENT_ID": "cid-v", "ZOOM_CLIENT_SECRET": "s-v"}
SECRETS = {
    "zoom": {
        "account_id": "acc-toml",
        "client_id": "cid-t",
        "client_secret": "s-t",
        "hosts": "a@x.example, b@x.example",
    }
}


def resolve(**kwargs):
    kwargs.setdefault("environ", {})
    return resolve_connection(kwargs.pop("entered", None), **kwargs)[0]


def test_order_entered_then_profile_then_env_then_secrets_then_demo():
    all_sources = dict(profile=PROFILE, profile_credentials=PROFILE_CREDS, secrets=SECRETS)
    assert resolve(entered=ENTERED, environ=ENV, **all_sources).source == SOURCE_SESSION
    assert resolve(environ=ENV, **all_sources).source == SOURCE_PROFILE
    assert resolve(environ=ENV, secrets=SECRETS).source == SOURCE_ENV
    assert resolve(secrets=SECRETS).source == SOURCE_SECRETS
    assert resolve().source == SOURCE_DEMO


def test_without_demo_data_no_choice_is_no_client_not_the_demo():
    with pytest.raises(NoClientChosen) as raised:
        resolve(allow_demo=False)
    assert user_message(raised.value) == (
        "No client is chosen, and demo data is off on this dashboard. Pick a client in the sidebar."
    )
    # Whatever is chosen or configured is used as before.
    assert resolve(allow_demo=False, secrets=SECRETS).source == SOURCE_SECRETS
    chosen = resolve(allow_demo=False, profile=PROFILE, profile_credentials=PROFILE_CREDS)
    assert chosen.source == SOURCE_PROFILE


def test_profile_brings_its_hosts_and_name():
    connection = resolve(profile=PROFILE, profile_credentials=PROFILE_CREDS)
    assert connection.settings.hosts == ("host@acme.example",)
    assert connection.profile == "Acme" and "Acme" in connection.description


def test_sidebar_hosts_win_over_profile_hosts():
    connection = resolve(profile=PROFILE, profile_credentials=PROFILE_CREDS, hosts=("x@y.example",))
    assert connection.settings.hosts == ("x@y.example",)


def test_secrets_toml_hosts_and_partial_table():
    assert resolve(secrets=SECRETS).settings.hosts == ("a@x.example", "b@x.example")
    with pytest.raises(ConfigError, match="secrets.toml"):
        credentials_from_secrets({"zoom": {"account_id": "a"}})
    assert credentials_from_secrets({"other": {}}) == (None, None, [])
    assert credentials_from_secrets(None) == (None, None, [])


def test_cache_keys_differ_per_account_and_never_hold_the_secret():
    a = resolve(profile=PROFILE, profile_credentials=PROFILE_CREDS)
    b = resolve(entered=ENTERED)
    demo_full = resolve(demo_scenario="full")
    demo_missing = resolve(demo_scenario="missing_scopes")
    keys = {a.cache_key, b.cache_key, demo_full.cache_key, demo_missing.cache_key}
    assert len(keys) == 4
    for key in keys:
        assert not {"s-p", "s-e"} & set(key)
    assert "acc-profile" in a.cache_key


def test_demo_ignores_configured_urls():
    env = {"ERBIUM_ZOOM_OAUTH_URL": "http://127.0.0.1:9/oauth/token"}
    assert resolve(environ=env).settings.oauth_url == "https://zoom.us/oauth/token"


def test_one_rate_limiter_per_account_whoever_uses_it():
    entered, _ = resolve_connection(Credentials("acc-env", "cid-other", "s-o"), environ={})
    from_env, _ = resolve_connection(None, environ=ENV)
    other, _ = resolve_connection(ENTERED, environ={})
    limiter = account_limiter(from_env, PRO)
    assert account_limiter(entered, BUSINESS) is limiter  # same account, another app or person
    assert limiter.plan is BUSINESS  # the plan follows the latest choice
    assert account_limiter(other, PRO) is not limiter
    before = datetime.now(UTC).date()
    limiter.observe(HEAVY, httpx.Response(200))  # a Heavy call is counted in the cache file
    days = {before, datetime.now(UTC).date()}
    quota = store.quota_key(from_env.credentials, from_env.settings)
    assert sum(store.open_store().heavy_calls(quota, day) for day in days) == 1


# ---- the demo banner and the source line (issue 15, points 4, 5 and 9) ---------------------

VIEWER = Person("zoe@erbium.example", Role.VIEWER, signed_in=True)
EDITOR = Person("ed@erbium.example", Role.EDITOR, signed_in=True)
ADMIN = Person("ana@erbium.example", Role.ADMIN, signed_in=True)
TYPING = "enter a client's credentials on the Connection page"


@pytest.mark.parametrize(
    ("scenario", "client"),
    [
        ("full", "Northwind Traders (Fully configured)"),
        ("missing_scopes", "Contoso (Some scopes missing)"),
        ("no_webinar_plan", "Litware (No Webinar add-on)"),
    ],
)
def test_the_demo_banner_names_the_demo_client(scenario, client):
    banner = demo_banner(resolve(demo_scenario=scenario), ADMIN, has_profiles=False)
    assert banner.startswith(f"**Demo data: {client}**, a simulated Zoom account.")


@pytest.mark.parametrize(
    ("person", "has_profiles", "advice"),
    [
        (VIEWER, False, "To see a real client, ask an admin to add it as a client profile."),
        (VIEWER, True, "Pick a client profile in the sidebar to use real Zoom."),
        (EDITOR, False, f"To use real Zoom, {TYPING}, or ask an admin to add the client"),
        (EDITOR, True, f"Pick a client profile in the sidebar to use real Zoom, or {TYPING}."),
        (ADMIN, False, "add a client on the All clients page, or enter its credentials"),
    ],
)
def test_the_demo_banner_offers_only_what_the_person_may_do(person, has_profiles, advice):
    banner = demo_banner(resolve(), person, has_profiles)
    assert advice in banner
    if not person.may(Action.CHECK_CREDENTIALS):
        assert "credentials" not in banner.lower()
    if not person.may(Action.MANAGE_PROFILES):
        assert "All clients page" not in banner


def test_a_profiles_source_line_says_where_its_secret_is():
    where = "in the encrypted file /srv/data/client-secrets.enc (keys from ERBIUM_ZOOM_SECRET_KEY)"
    connection = resolve(
        profile=PROFILE, profile_credentials=PROFILE_CREDS, profile_secret_where=where
    )
    assert connection.source_text == f"a client profile, its Client Secret {where}"
    assert "keyring" not in connection.source_text
    assert resolve(environ=ENV).source_text.startswith("credentials from the environment")
