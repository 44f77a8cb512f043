"""Configuration from the environment and from typed input."""

from __future__ import annotations

import pytest

from erbium_zoom.config import (
    DEFAULT_API_URL,
    DEFAULT_OAUTH_URL,
    clean_credentials,
    credentials_from_env,
    credentials_from_secrets,
    parse_hosts,
    settings_from_env,
)
from erbium_zoom.errors import ConfigError


def test_clean_credentials_strips_whitespace_and_warns_per_field():
    creds, warnings = clean_credentials(" acc ", "cid\n", "secret")
    assert (creds.account_id, creds.client_id, creds.client_secret) == ("acc", "cid", "secret")
    assert len(warnings) == 2
    assert "Account ID" in warnings[0] and "Client ID" in warnings[1]


def test_clean_credentials_without_whitespace_has_no_warning():
    assert clean_credentials("a", "b", "c")[1] == []


def test_clean_credentials_names_the_empty_field():
    with pytest.raises(ConfigError) as caught:
        clean_credentials("acc", "  ", "secret")
    assert caught.value.field == "client_id"
    assert "Client ID" in str(caught.value)


def test_clean_credentials_rejects_inner_space():
    with pytest.raises(ConfigError) as caught:
        clean_credentials("acc", "cid", "sec ret")
    assert caught.value.field == "client_secret"
    assert "sec ret" not in str(caught.value)


def test_credentials_repr_hides_secret():
    creds, _ = clean_credentials("acc", "cid", "TOPSECRET")
    assert "TOPSECRET" not in repr(creds)
    assert "TOPSECRET" not in str(creds.cache_key)


def test_credentials_from_env_none_when_unset():
    assert credentials_from_env({}) == (None, [])


def test_credentials_from_env_reads_and_strips():
    env = {"ZOOM_ACCOUNT_ID": "acc", "ZOOM_CLIENT_ID": " cid", "ZOOM_CLIENT_SECRET": "s"}
    creds, warnings = credentials_from_env(env)
    assert creds.client_id == "cid" and len(warnings) == 1


def test_credentials_from_env_partial_is_an_error():
    with pytest.raises(ConfigError) as caught:
        credentials_from_env({"ZOOM_ACCOUNT_ID": "acc"})
    assert caught.value.field == "client_id"


def test_settings_defaults():
    settings = settings_from_env({})
    assert settings.oauth_url == DEFAULT_OAUTH_URL
    assert settings.api_url is None
    assert settings.hosts == ("me",)
    assert DEFAULT_API_URL == "https://api.zoom.us/v2"


def test_settings_from_env_overrides():
    settings = settings_from_env(
        {
            "ERBIUM_ZOOM_OAUTH_URL": "http://127.0.0.1:9/oauth/token",
            "ERBIUM_ZOOM_API_URL": "http://127.0.0.1:9/v2/",
            "ERBIUM_ZOOM_HOSTS": " a@example.com, ,b@example.com ",
        }
    )
    assert settings.oauth_url == "http://127.0.0.1:9/oauth/token"
    assert settings.api_url == "http://127.0.0.1:9/v2"
    assert settings.hosts == ("a@example.com", "b@example.com")


def test_parse_hosts_empty_is_me():
    assert parse_hosts(" , ") == ("me",)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("acc\u00e9nt", "characters Zoom credentials never have"),
        ("zero\u200bwidth", "characters Zoom credentials never have"),
        ("x" * 10_000, "10,000 characters long"),
        ("two\nlines", "line break in the middle"),
    ],
)
def test_clean_credentials_refuses_malformed_values_in_words(value, words):
    with pytest.raises(ConfigError) as caught:
        clean_credentials("acc", "cid", value)
    assert caught.value.field == "client_secret"
    assert words in str(caught.value) and value not in str(caught.value)


@pytest.mark.parametrize(
    "hosts", ["me", "a@example.com", "KDcuGIm1QgePTO8WbOqwIQ", "a@x.io; b@y.io"]
)
def test_parse_hosts_accepts_emails_user_ids_and_me(hosts):
    assert parse_hosts(hosts)


@pytest.mark.parametrize("hosts", ["not an email!", "a@b", "a@@b.com", "<script>@x"])
def test_parse_hosts_names_malformed_entries(hosts):
    with pytest.raises(ConfigError) as caught:
        parse_hosts(f"ok@example.com, {hosts}")
    assert caught.value.field == "hosts" and "ok@example.com" not in str(caught.value)


def test_bad_hosts_in_environment_is_a_config_error():
    with pytest.raises(ConfigError):
        settings_from_env({"ERBIUM_ZOOM_HOSTS": "nobody at all"})


# ---- messages that fit their case (issue 15, point 4) ---------------------------------------


def test_a_field_left_empty_on_the_form_says_what_is_given_and_to_fill_it_in():
    with pytest.raises(ConfigError) as caught:
        clean_credentials("acc-1", " ", "s3cret-canary")
    assert caught.value.field == "client_id"
    assert str(caught.value) == (
        "Client ID is missing (Account ID acc-1 and Client Secret are given): all three of "
        "Account ID, Client ID and Client Secret are needed. Fill in the missing value and "
        "check again."
    )


def test_only_the_client_id_missing_in_the_environment_names_the_variables():
    env = {"ZOOM_ACCOUNT_ID": "acc-1", "ZOOM_CLIENT_SECRET": "s3cret-canary"}
    with pytest.raises(ConfigError) as caught:
        credentials_from_env(env)
    text = str(caught.value)
    assert text.startswith(
        "ZOOM_CLIENT_ID is missing (ZOOM_ACCOUNT_ID acc-1 and ZOOM_CLIENT_SECRET are given)"
    )
    assert "Set ZOOM_CLIENT_ID too" in text and "Fill in" not in text
    assert "s3cret-canary" not in text


def test_a_half_zoom_table_in_secrets_toml_says_which_key_to_add():
    with pytest.raises(ConfigError) as caught:
        credentials_from_secrets({"zoom": {"account_id": "acc-1", "client_id": "cid-1"}})
    text = str(caught.value)
    assert "client_secret is missing (account_id acc-1 and client_id are given)" in text
    assert "Add client_secret to the [zoom] table" in text and "Fill in" not in text


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("ana bob@acme.example", "has a space in it (a missing comma?)"),
        ("a@b", "is not a complete e-mail address"),
        ("a@@b.com", "is not a complete e-mail address"),
        ("<script>", "has characters a Zoom user ID never has"),
        ("x" * 70, "is too long for a Zoom user ID"),
    ],
)
def test_a_bad_host_entry_is_said_with_what_is_wrong_and_the_form(entry, reason):
    with pytest.raises(ConfigError) as caught:
        parse_hosts(f"ok@example.com, {entry}", where="--hosts")
    text = str(caught.value)
    assert text.startswith(f"--hosts: '{entry[:60]}") and reason in text
    assert "Each host is a Zoom user's e-mail address (name@company.example), a Zoom user ID" in (
        text
    )
    assert "Fill in" not in text and "ok@example.com" not in text
