"""Where a session's person meets a client's data: every read is allowed or refused, every
change is refused or put on record around the call to Zoom.

The Zoom client (:class:`erbium_zoom.client.ZoomClient`) and the profile store hold a
:class:`Guard` and ask it before each read and each change, so the control does not depend on
what a page shows. A refusal raises :class:`~erbium_zoom.errors.AccessDenied` and is recorded;
a change is recorded before it is sent ("outcome unknown"), then settled with Zoom's answer.
No streamlit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field

from erbium_zoom import storage
from erbium_zoom.access import LOCAL_PERSON, Action, Person
from erbium_zoom.activity import OUTCOME_UNKNOWN, ActivityLog
from erbium_zoom.errors import (
    AccessDenied,
    ApiError,
    RateLimited,
    WriteOutcomeUnknown,
    ZoomError,
)
from erbium_zoom.models import ChangeOutcome


@dataclass
class Guard:
    """One person's rights on one client, and where their actions are recorded."""

    person: Person
    log: ActivityLog = field(compare=False)
    client: str  # the profile name, or where the credentials came from
    account_id: str

    def __repr__(self) -> str:
        return f"Guard(who={self.person.who!r}, client={self.client!r})"

    def require(self, action: Action, what: str = "", **where) -> None:
        """Raise (and record) AccessDenied unless the person may do ``action``.

        ``where`` names the client, event and registrants concerned (the guard's client
        unless given)."""
        try:
            self.person.require(action)
        except AccessDenied as error:
            self.log.refusal(
                self.person, what or action.name.lower(), error.message, **self._where(where)
            )
            raise

    def read(self) -> None:
        self.require(Action.READ, "read")

    def change(
        self, action: str, event_id: int | str, registrant_ids: Sequence[str] = ()
    ) -> AbstractContextManager[ChangeOutcome]:
        """Around one call that changes the client's Zoom account (editors and admins)."""
        return self.recorded(
            Action.CHANGE_REGISTRANTS,
            action,
            event_id=event_id,
            registrant_ids=list(registrant_ids),
        )

    def _where(self, where: dict) -> dict:
        return {"client": self.client, "account_id": self.account_id, **where}

    @contextmanager
    def recorded(self, required: Action, action: str, **where) -> Iterator[ChangeOutcome]:
        """Around one change: refused (and recorded) without ``required``; recorded before it
        is made, so a record that cannot be written stops it (ActivityUnavailable); settled
        with the answer afterwards. ``where``: client, account_id, event_id, registrant_ids.
        """
        where = self._where(where)
        self.require(required, action, **where)
        entry = self.log.append(who=self.person.who, action=action, **where)
        outcome = ChangeOutcome()
        try:
            yield outcome
        except WriteOutcomeUnknown as error:
            self.log.settle(entry, OUTCOME_UNKNOWN, error.message)
            raise
        except RateLimited as error:
            self.log.settle(entry, f"{error.status or 429} not done", error.message)
            raise
        except ApiError as error:
            code = f" (code {error.code})" if error.code is not None else ""
            self.log.settle(entry, f"{error.status or ''} refused{code}".strip(), error.message)
            raise
        except ZoomError as error:
            self.log.settle(entry, "not done", error.message)
            raise
        else:  # an unexpected exception leaves the entry "outcome unknown", which is true
            self.log.settle(
                entry,
                outcome.status or "done",
                outcome.message,
                registrant_ids=outcome.registrant_ids,
            )


def local_guard(environ: Mapping[str, str] | None = None, secrets: Mapping | None = None) -> Guard:
    """The command line's guard: the local user (whoever has the server's shell has every
    right), with changes on the same activity record as the dashboard's (the database that
    ``secrets``' [storage] url or ERBIUM_ZOOM_DATABASE_URL names, else the data folder's)."""
    database = storage.current(environ, secrets)
    return Guard(LOCAL_PERSON, ActivityLog(database=database), "", "")
