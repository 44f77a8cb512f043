"""The pure rules for registrant status changes: which actions each status is offered, and how a
selection splits into those an action changes and those it would not."""

from __future__ import annotations

import pytest

from erbium_zoom.models import REGISTRANT_STATUSES, STATUS_ACTIONS, Registrant
from erbium_zoom.registrant_actions import (
    ACTIONS_FOR_STATUS,
    NOT_FOUND,
    allowed_actions,
    skip_reason,
    split_for_action,
    statuses_for,
)


def registrant(rid: str, status: str) -> Registrant:
    return Registrant(rid, f"{rid}@example.com", rid.title(), "", status, None, None)


def test_allowed_actions_follow_zooms_documented_transitions():
    assert allowed_actions("pending") == ("approve", "deny")
    assert allowed_actions("approved") == ("deny", "cancel")
    assert allowed_actions("denied") == ("approve",)
    assert allowed_actions("") == () and allowed_actions("cancelled") == ()


def test_every_listed_status_has_a_rule_and_every_action_a_status():
    assert set(ACTIONS_FOR_STATUS) == set(REGISTRANT_STATUSES)
    assert {a for actions in ACTIONS_FOR_STATUS.values() for a in actions} == set(STATUS_ACTIONS)
    assert statuses_for("approve") == ("pending", "denied")
    assert statuses_for("deny") == ("approved", "pending")
    assert statuses_for("cancel") == ("approved",)


@pytest.mark.parametrize(
    ("action", "status", "reason"),
    [
        ("approve", "pending", None),
        ("approve", "denied", None),
        ("approve", "approved", "already approved"),
        ("deny", "pending", None),
        ("deny", "approved", None),
        ("deny", "denied", "already denied"),
        ("cancel", "approved", None),
        ("cancel", "pending", "pending: only approved registrations can be cancelled"),
        ("cancel", "denied", "denied: only approved registrations can be cancelled"),
        ("approve", "", NOT_FOUND),
    ],
)
def test_skip_reason_in_words(action, status, reason):
    assert skip_reason(action, status) == reason


def test_skip_reason_refuses_an_unknown_action():
    with pytest.raises(ValueError):
        skip_reason("promote", "pending")


def test_split_keeps_order_and_says_why_each_is_left_out():
    chosen = [
        registrant("ann", "pending"),
        registrant("bo", "approved"),
        registrant("cy", "denied"),
        registrant("di", ""),
    ]
    split = split_for_action("approve", chosen)
    assert [r.id for r in split.send] == ["ann", "cy"]
    assert [(s.registrant.id, s.reason) for s in split.skipped] == [
        ("bo", "already approved"),
        ("di", NOT_FOUND),
    ]


def test_split_of_all_approved_for_approve_sends_nobody():
    split = split_for_action("approve", [registrant("a", "approved"), registrant("b", "approved")])
    assert split.send == () and len(split.skipped) == 2
