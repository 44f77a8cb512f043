"""Which registrant status changes make sense: approve, deny and cancel by the registrant's status.

Zoom's ``PUT …/registrants/status`` takes one action for up to 30 registrants and answers
204 No Content whatever each one's status was, so its answer never shows that a change changed
nothing. What Zoom documents for each action: ``approve`` approves a registrant (a pending or a
denied one becomes approved), ``deny`` denies one (pending or approved), ``cancel`` cancels "a
previously approved registrant's registration". Anything else would change nothing, yet it still
counts against Zoom's limit of 10 status updates per registrant per day and may e-mail the person.

The Registrants page offers an action only for the status shown (:func:`allowed_actions`), and
the client sends it only to the registrants it applies to (:func:`split_for_action`), so such a
request is never sent even if a page asked for it. Pure: no I/O, no streamlit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from erbium_zoom.models import REGISTRANT_STATUSES, STATUS_ACTIONS, Registrant, SkippedRegistrant

# For each status Zoom lists, the actions that change it (in STATUS_ACTIONS' order).
ACTIONS_FOR_STATUS: dict[str, tuple[str, ...]] = {
    "pending": ("approve", "deny"),
    "approved": ("deny", "cancel"),
    "denied": ("approve",),
}
ACTION_PAST = {"approve": "approved", "deny": "denied", "cancel": "cancelled"}
NOT_FOUND = "not found among this event's registrants in Zoom"


def allowed_actions(status: str) -> tuple[str, ...]:
    """The actions that change a registrant of ``status`` (none for an unknown status)."""
    return ACTIONS_FOR_STATUS.get(status, ())


def statuses_for(action: str) -> tuple[str, ...]:
    """The statuses ``action`` applies to, e.g. cancel → ("approved",)."""
    return tuple(s for s in REGISTRANT_STATUSES if action in ACTIONS_FOR_STATUS[s])


def skip_reason(action: str, status: str) -> str | None:
    """Why ``action`` does not apply to a registrant of ``status``, in words; None if it does."""
    if action not in STATUS_ACTIONS:
        raise ValueError(f"unknown registrant action {action!r}")
    if action in allowed_actions(status):
        return None
    if status not in ACTIONS_FOR_STATUS:
        return NOT_FOUND
    if ACTION_PAST[action] == status:
        return f"already {status}"
    applies_to = " or ".join(statuses_for(action))
    return f"{status}: only {applies_to} registrations can be {ACTION_PAST[action]}"


@dataclass(frozen=True)
class StatusSplit:
    """A selection split by one action: whom to send it for, and whom not (with the reason)."""

    send: tuple[Registrant, ...]
    skipped: tuple[SkippedRegistrant, ...]


def split_for_action(action: str, registrants: Iterable[Registrant]) -> StatusSplit:
    """Split ``registrants`` (each with its current status) into those ``action`` changes and
    those it would not, keeping the selection's order."""
    send: list[Registrant] = []
    skipped: list[SkippedRegistrant] = []
    for registrant in registrants:
        reason = skip_reason(action, registrant.status)
        if reason is None:
            send.append(registrant)
        else:
            skipped.append(SkippedRegistrant(registrant, reason))
    return StatusSplit(tuple(send), tuple(skipped))
