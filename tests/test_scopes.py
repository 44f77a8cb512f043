"""The 17 required scopes and the classification of a token's scope string."""

from __future__ import annotations

import json

from erbium_zoom.scopes import (
    CLASSIC,
    GRANTED,
    MISSING,
    NO_ENDPOINT_NOTE,
    REQUIRED_SCOPES,
    SCOPES_BY_NAME,
    classify_scopes,
)

ALL_GRANULAR = " ".join(s.name for s in REQUIRED_SCOPES)


def test_required_scopes_are_seventeen_in_three_groups():
    groups = [s.group for s in REQUIRED_SCOPES]
    assert len(REQUIRED_SCOPES) == 17
    assert (groups.count("webinar"), groups.count("meeting"), groups.count("report")) == (7, 8, 2)
    assert len(SCOPES_BY_NAME) == 17


def test_classify_all_granted():
    report = classify_scopes(ALL_GRANULAR)
    assert report.ok
    assert {s.status for s in report.statuses} == {GRANTED}
    assert report.summary() == "Webinar 7/7 · Meeting 8/8 · Report 2/2"


def test_classify_classic_app_satisfies_all_but_the_scope_without_classic_twin():
    report = classify_scopes(
        "webinar:read:admin webinar:write:admin meeting:read:admin meeting:write:admin "
        "report:read:admin"
    )
    assert report.missing == ["meeting:write:participant:admin"]
    assert sum(s.status == CLASSIC for s in report.statuses) == 16
    assert report.summary() == "Webinar 7/7 · Meeting 7/8 · Report 2/2"


def test_classify_lists_exactly_the_missing_scopes():
    gone = {"meeting:read:list_registrants:admin", "report:read:list_meeting_participants:admin"}
    granted = " ".join(s.name for s in REQUIRED_SCOPES if s.name not in gone)
    report = classify_scopes(granted)
    assert set(report.missing) == gone
    assert report.group_counts() == {"webinar": (7, 7), "meeting": (7, 8), "report": (1, 2)}


def test_classify_absent_scope_string_means_all_missing():
    report = classify_scopes(None)
    assert len(report.missing) == 17
    assert {s.status for s in report.statuses} == {MISSING}


def test_classify_prefers_granular_over_classic_when_both_present():
    report = classify_scopes("webinar:read:admin webinar:read:webinar:admin")
    first = report.statuses[0]
    assert first.scope.name == "webinar:read:webinar:admin" and first.status == GRANTED
    assert report.statuses[1].status == CLASSIC


def test_scope_without_endpoint_carries_a_note():
    report = classify_scopes(ALL_GRANULAR)
    notes = {s.scope.name: s.note for s in report.statuses}
    assert notes["meeting:write:participant:admin"] == NO_ENDPOINT_NOTE
    assert all(
        note is None for name, note in notes.items() if name != "meeting:write:participant:admin"
    )


def test_scope_table_matches_zoom_openapi_spec(zoom_openapi_spec):
    """Each scope's endpoint and classic twin are what Zoom's spec says."""
    paths = zoom_openapi_spec["paths"]
    checked = 0
    for scope in REQUIRED_SCOPES:
        if scope.path is None:
            continue
        operation = paths[scope.path][scope.method.lower()]
        extensions = operation["x-extensions"]
        assert scope.name in extensions["x-granular-scopes"], scope.name
        assert scope.classic in extensions["x-macro-scopes"], scope.name
        checked += 1
    assert checked == 16


def test_scope_without_endpoint_is_absent_from_spec(zoom_openapi_spec):
    assert "meeting:write:participant:admin" not in json.dumps(zoom_openapi_spec)
