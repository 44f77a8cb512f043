"""A process killed with SIGKILL while it writes the activity record leaves no half-written entry
(issue 16, point 5), on both engines: the data folder's SQLite file and a real PostgreSQL.

A change goes through the guard as the dashboard's does (:meth:`Guard.change`): its entry is
written as "outcome unknown" before the change is sent and settled with the answer afterwards,
in one transaction. Each writer here is a process of its own, stopped where the test wants it
(it says so on its standard output and waits on its standard input) and killed there:

- after the entry was written and the change "sent", before any answer: the entry is whole and
  stays "outcome unknown", and another process can settle it (once) and read it;
- inside the transaction that writes an entry: no row at all;
- inside the transaction that settles an entry, after the first of its two updates (the IDs
  Zoom gave back): the entry is as it was before, "outcome unknown", with its own IDs.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from erbium_zoom import storage
from erbium_zoom.activity import OUTCOME_UNKNOWN, ActivityLog
from erbium_zoom.storage.schema import activity
from tests.test_activity import ADMIN

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT_ID = "AbC123"
EDITOR_WHO = "ed@erbium.example"

# The writer: a change through the guard, held where argv[2] says, until it is killed.
WRITER = """
import sys
from sqlalchemy import event
from erbium_zoom import storage
from erbium_zoom.access import Person, Role
from erbium_zoom.activity import ActivityLog
from erbium_zoom.guard import Guard

url, stop = sys.argv[1], sys.argv[2]
database = storage.open_url(url)
database.ready()  # the layout is there already: nothing below is a migration's statement
guard = Guard(Person("ed@erbium.example", Role.EDITOR, signed_in=True),
              ActivityLog(database=database), "Acme Corp", "AbC123")

def hold(where):
    print(where, flush=True)
    sys.stdin.read()  # until killed
    raise SystemExit("the test did not kill this writer")

@event.listens_for(database.engine, "after_cursor_execute")
def _executed(connection, cursor, statement, parameters, context, executemany):
    words = statement.split()[:3]
    if stop == "inside-append" and words[:3] == ["INSERT", "INTO", "activity"]:
        hold("inside the transaction that writes the entry")
    if stop == "inside-settle" and words[:2] == ["UPDATE", "activity"]:
        hold("inside the transaction that settles the entry")

with guard.change("add", 81234567890, ["pending-id-1"]) as outcome:
    if stop == "sent":
        hold("sent, no answer yet")
    outcome.answered(201, "Created")
    outcome.registrant_ids = ["new-id-9"]
raise SystemExit("the test did not kill this writer")
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> str:
    """An empty database on each engine, its layout made (as a dashboard's first start does)."""
    if request.param == "sqlite":
        found = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    else:
        found = request.getfixturevalue("postgres_server").new_database()
    storage.open_url(found).ready()
    return found


def killed_at(url: str, stop: str) -> str:
    """Run the writer until it says it is at ``stop``, SIGKILL it there; what it said."""
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, url, stop],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        said = writer.stdout.readline().strip()  # blocks until it holds (or exits)
        assert said, f"the writer ended before {stop}:\n{writer.stderr.read()}"
        writer.send_signal(signal.SIGKILL)
        assert writer.wait(timeout=30) == -signal.SIGKILL
        return said
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait(timeout=30)
        for stream in (writer.stdin, writer.stdout, writer.stderr):
            stream.close()


def rows(url: str) -> list:
    """Every row of the activity table, read in a fresh connection (as another process)."""
    with storage.open_url(url).connect() as db:
        return db.execute(select(activity).order_by(activity.c.id)).all()


def assert_whole_and_unknown(row) -> None:
    """The entry exactly as written before the change was sent: every field, no answer."""
    assert row.who == EDITOR_WHO and row.client == "Acme Corp" and row.account_id == ACCOUNT_ID
    assert row.action == "add" and row.event_id == "81234567890"
    assert (row.count, row.registrant_ids) == (1, '["pending-id-1"]')
    assert (row.status, row.message) == (OUTCOME_UNKNOWN, "")
    assert row.at.endswith("+00:00")


def test_killed_after_sending_the_entry_stays_outcome_unknown_until_settled(url):
    assert killed_at(url, "sent") == "sent, no answer yet"
    [row] = rows(url)
    assert_whole_and_unknown(row)

    # Another process (here: this one) reads it as an admin, then settles it once.
    log = ActivityLog(database=storage.open_url(url))
    [entry] = log.entries(ADMIN)
    assert entry.status == OUTCOME_UNKNOWN and entry.registrant_ids == ("pending-id-1",)
    log.settle(row.id, "201 Created", "looked at on Zoom: added", registrant_ids=["new-id-9"])
    log.settle(row.id, "404 refused", "a second answer is not taken")
    [entry] = log.entries(ADMIN)
    assert (entry.status, entry.message) == ("201 Created", "looked at on Zoom: added")
    assert (entry.count, entry.registrant_ids) == (1, ("new-id-9",))


def test_killed_inside_the_write_leaves_no_row_and_the_record_usable(url):
    assert killed_at(url, "inside-append") == "inside the transaction that writes the entry"
    assert rows(url) == []
    # The record takes the next entry at once (no lock left behind by the killed writer).
    log = ActivityLog(database=storage.open_url(url))
    entry = log.append(who=EDITOR_WHO, action="approve", event_id=1, registrant_ids=["a"])
    assert [e.id for e in log.entries(ADMIN)] == [entry]


def test_killed_inside_the_settling_leaves_the_entry_as_it_was(url):
    assert killed_at(url, "inside-settle") == "inside the transaction that settles the entry"
    [row] = rows(url)
    assert_whole_and_unknown(row)  # not the new ID without its answer, nor the answer alone
    log = ActivityLog(database=storage.open_url(url))
    log.settle(row.id, "201 Created", "", registrant_ids=["new-id-9"])
    [entry] = log.entries(ADMIN)
    assert (entry.status, entry.registrant_ids) == ("201 Created", ("new-id-9",))
