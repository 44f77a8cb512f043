"""The error tree: Zoom codes to typed errors, and the words shown for each."""

from __future__ import annotations

import pytest

from erbium_zoom.errors import (
    AccessDenied,
    ApiError,
    AuthError,
    ConfigError,
    EventNotFound,
    MissingScope,
    PlanRequired,
    RegistrantNotFound,
    ServerError,
    TokenRejected,
    TooOld,
    UserNotFound,
    api_error_from,
    error_summary,
    parse_scopes_from_message,
    user_message,
)


@pytest.mark.parametrize(
    ("status", "code", "message", "cls"),
    [
        (401, 124, "Invalid access token.", TokenRejected),
        (400, 4711, "Invalid access token, does not contain scopes:[a:b:admin].", MissingScope),
        (
            400,
            4700,
            "Invalid access token, does not contain scopes: [report:read:admin].",
            MissingScope,
        ),
        (400, 200, "Webinar plan is missing. You must subscribe...", PlanRequired),
        (404, 1001, "User does not exist: x@example.com.", UserNotFound),
        (404, 3001, "Meeting 123 not found or has expired.", EventNotFound),
        (404, 3000, "Registrant abc was not found.", RegistrantNotFound),
        (404, 3079, "This registrant does not exist: abc.", RegistrantNotFound),
        (400, 12702, "Can not access meeting a year ago.", TooOld),
        (500, None, "Internal Error", ServerError),
        (400, 300, "Invalid meeting ID.", ApiError),
    ],
)
def test_api_error_from_maps_codes(status, code, message, cls):
    error = api_error_from(status, code, message)
    assert type(error) is cls
    assert error.code == code and error.message == message and error.status == status


def test_parse_scopes_from_4711_message():
    message = (
        "Invalid access token, does not contain scopes:[webinar:update:registrant_status, "
        "webinar:update:registrant_status:admin]."
    )
    assert parse_scopes_from_message(message) == [
        "webinar:update:registrant_status",
        "webinar:update:registrant_status:admin",
    ]


def test_parse_scopes_from_4700_message_with_space():
    assert parse_scopes_from_message(
        "Invalid access token, does not contain scopes: [report:read:admin]."
    ) == ["report:read:admin"]


def test_missing_scope_advice_names_the_scope():
    error = api_error_from(400, 4711, "Invalid access token, does not contain scopes:[x:y:admin].")
    assert "x:y:admin" in str(error)


def test_plan_advice_mentions_webinar_add_on_only_for_webinar_plan():
    webinar = api_error_from(400, 200, "Webinar plan is missing.")
    other = api_error_from(400, 200, "No permission.")
    assert "Webinar add-on" in str(webinar)
    assert "Webinar add-on" not in str(other)


@pytest.mark.parametrize(
    ("error", "field"),
    [
        ("invalid_client", "client_id/client_secret"),
        ("invalid_request", "account_id"),
        ("unsupported_grant_type", "app_type"),
    ],
)
def test_auth_error_names_the_field(error, field):
    assert AuthError("x", error=error, status=400).field == field


def test_auth_error_disabled_app_by_code_or_words():
    by_code = AuthError("Bad Request", error="invalid_request", status=400, code=4717)
    by_words = AuthError("The app has been disabled", error="invalid_request", status=400)
    assert by_code.field == by_words.field == "app_activation"
    assert "Activate" in str(by_code)


def test_user_message_for_foreign_exception_has_no_traceback():
    text = user_message(KeyError("boom"))
    assert "Traceback" not in text and "KeyError" in text


def test_error_summary_shape():
    summary = error_summary(
        AuthError("Invalid client_id or client_secret", error="invalid_client", status=400)
    )
    assert summary["kind"] == "auth"
    assert summary["field"] == "client_id/client_secret"
    assert "Client Secret" in summary["message"]


def test_expired_page_token_has_its_own_advice():
    error = api_error_from(400, 300, "The next page token is invalid or expired.")
    assert error.kind == "page_token_expired" and "Refresh" in str(error)
    assert type(api_error_from(400, 300, "Invalid meeting ID.")) is ApiError


def test_a_config_error_has_no_advice_of_its_own():
    # Advice fits the case: the raiser gives it, or the message says it. No default line
    # ("Fill in the missing value…") leaks under an unknown name or a malformed setting.
    assert user_message(ConfigError("No profile named 'Nope'.")) == "No profile named 'Nope'."
    error = ConfigError("A profile named 'Acme' exists already.", advice="Choose another name.")
    assert user_message(error) == "A profile named 'Acme' exists already. Choose another name."


def test_sign_in_first_is_not_told_to_ask_for_a_role():
    assert "Ask an admin" in user_message(AccessDenied("x is a viewer and may not do that."))
    said = user_message(AccessDenied("Sign in first.", advice="Sign in with your account."))
    assert said == "Sign in first. Sign in with your account."
