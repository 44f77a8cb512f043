"""Registrants: one event's registrants by status; approve, deny, cancel, add and delete.

Every change waits for a confirmation, is sent once (the pending change is cleared before the
call, so a rerun cannot send it again), and shows Zoom's answer. The picker lists people only
("all" is a checkbox of its own), and only the actions that change the status shown are offered.
"""

import streamlit as st

from erbium_zoom import ui, urlstate
from erbium_zoom.access import Action
from erbium_zoom.errors import ZoomError, user_message
from erbium_zoom.listing import load_upcoming
from erbium_zoom.models import REGISTRANT_STATUSES, EventKind, NewRegistrant
from erbium_zoom.registrant_actions import allowed_actions
from erbium_zoom.views import (
    describe_status_update,
    event_label,
    registrant_label,
    registrants_frame,
)

ACTION_VERBS = {"approve": "Approve", "deny": "Deny", "cancel": "Cancel the registration of"}

connection = ui.page_setup("Registrants")
client = ui.zoom_client(connection)
hosts = connection.settings.hosts
viewer_tz = ui.viewer_timezone()

try:
    listing = ui.cached(connection, ("events", hosts), lambda: load_upcoming(client, hosts))
except ZoomError as error:  # authentication or network: nothing could load
    ui.show_error(error)
    st.stop()

ui.show_problems(listing.problems)
events = [e for e in listing.events if e.registration_enabled]
if not events:
    st.info("None of the upcoming events takes registrations.")
    st.stop()

event_keys = [f"{e.kind.value}:{e.id}" for e in events]
event_field = urlstate.events(urlstate.EVENT, event_keys, single=True)
linked = ui.from_url(event_field)
if linked is not None:
    linked_kind, _, linked_id = linked.partition(":")
    st.session_state["registrants_event"] = (linked_kind, int(linked_id))
wanted = st.session_state.get("registrants_event")
index = next(
    (i for i, e in enumerate(events) if (e.kind.value, e.id) == wanted),
    0,
)
event = st.selectbox("Event", events, index=index, format_func=lambda e: event_label(e, viewer_tz))
st.session_state["registrants_event"] = (event.kind.value, event.id)
ui.put_in_url(event_field, f"{event.kind.value}:{event.id}")
kind: EventKind = event.kind


def refresh_event() -> None:
    ui.invalidate(connection, "registrants", kind.value, event.id)
    ui.invalidate(connection, "events")


if st.button("Refresh", help="Reload this event's registrants from Zoom."):
    refresh_event()

# ---- Zoom's answer to the last change ----------------------------------------------------
answer = st.session_state.pop("registrants_answer", None)
if answer:
    level, text = answer
    {"success": st.success, "warning": st.warning}.get(level, st.error)(text)

# ---- counts and the list -----------------------------------------------------------------
try:
    counts = ui.cached(
        connection,
        ("registrants", kind.value, event.id, "counts"),
        lambda: client.count_registrants(kind, event.id),
    )
except ZoomError as error:
    ui.show_error(error, context="Registrant counts")
else:
    approved, pending, denied = st.columns(3)
    approved.metric("Approved", counts.approved)
    pending.metric("Pending", counts.pending)
    denied.metric("Denied", counts.denied)

status = ui.url_widget(
    st.radio,
    "Show",
    urlstate.choice(urlstate.STATUS, REGISTRANT_STATUSES, "the status"),
    options=REGISTRANT_STATUSES,
    horizontal=True,
    key="registrants_status",
    omit=REGISTRANT_STATUSES[0],
    format_func=str.capitalize,
)
try:
    registrants = ui.cached(
        connection,
        ("registrants", kind.value, event.id, status),
        lambda: client.list_registrants(kind, event.id, status),
    )
except ZoomError as error:
    ui.show_error(error, context=f"{status.capitalize()} registrants")
    registrants = []

st.dataframe(registrants_frame(registrants), hide_index=True, width="stretch")
by_id = {r.id: r for r in registrants}


# ---- changes: ask, confirm, send once, show Zoom's answer -----------------------------------
def ask(change: dict) -> None:
    st.session_state["registrants_pending"] = {**change, "event": (kind.value, event.id)}


def selection_keys(status: str) -> tuple[str, str]:
    """The session keys of one status list's picker: "all" and the people picked one by one."""
    where = f"{kind.value}_{event.id}_{status}"
    return f"registrants_all_{where}", f"registrants_selected_{where}"


def send(change: dict) -> None:
    """Perform a confirmed change and keep Zoom's answer for the next run."""
    level = "success"
    try:
        if change["op"] == "status":
            # With the status shown where known; the core looks up the others and sends the
            # action only for those it changes.
            chosen = [by_id.get(rid, rid) for rid in change["ids"]]
            result = client.update_registrant_status(kind, event.id, change["action"], chosen)
            text = describe_status_update(result)
            level = "success" if result.updated else "warning"
        elif change["op"] == "add":
            added = client.add_registrant(kind, event.id, change["person"])
            text = (
                f"Zoom added {change['person'].email}: registrant ID {added.registrant_id}"
                + (f", join link {added.join_url}" if added.join_url else "")
                + " (201 Created)."
            )
        else:
            client.delete_registrant(kind, event.id, change["id"])
            text = f"Zoom deleted {change['label']} (204 No Content)."
        st.session_state["registrants_answer"] = (level, text)
    except ZoomError as error:
        st.session_state["registrants_answer"] = ("error", user_message(error))
    for status_shown in REGISTRANT_STATUSES:  # the lists change: start the next pick afresh
        for key in selection_keys(status_shown):
            st.session_state.pop(key, None)
    refresh_event()


pending_change = st.session_state.get("registrants_pending")
if pending_change and pending_change["event"] == (kind.value, event.id):
    with st.container(border=True):
        st.warning(f"**Please confirm:** {pending_change['summary']}")
        yes, no = st.columns(2)
        if yes.button("Confirm", type="primary", key="registrants_confirm"):
            change = st.session_state.pop("registrants_pending")  # cleared before sending
            with st.spinner("Sending to Zoom…"):
                send(change)
            st.rerun()
        if no.button("Cancel", key="registrants_cancel"):
            st.session_state.pop("registrants_pending")
            st.rerun()

st.subheader("Change registrants")
if not ui.may(Action.CHANGE_REGISTRANTS):  # hidden for convenience; the core refuses anyway
    st.caption("Changing registrants needs the editor role; yours can read them.")
    st.stop()
status_tab, add_tab, delete_tab = st.tabs(["Approve / deny / cancel", "Add", "Delete"])

with status_tab:
    all_key, picked_key = selection_keys(status)
    people, everyone = st.columns([3, 1], vertical_alignment="bottom")
    # "All" is its own control, never an entry among the people: picking the first entry of
    # the list must not select everyone. Ticking it drops the people picked one by one.
    select_all = everyone.checkbox(
        f"Select all {len(by_id)} {status} registrants",
        key=all_key,
        disabled=not by_id,
        on_change=lambda: st.session_state.pop(picked_key, None),
    )
    picked = people.multiselect(
        f"Select {status} registrants",
        list(by_id),
        format_func=lambda rid: registrant_label(by_id[rid]),
        key=picked_key,
        select_all=False,
        disabled=select_all,
        placeholder=f"All {len(by_id)} are selected" if select_all else "Choose people",
    )
    chosen = list(by_id) if select_all else picked
    # Only the actions that change someone of the status shown (the core checks again).
    action = st.selectbox(
        "Action", allowed_actions(status), format_func=lambda a: ACTION_VERBS[a].split(" ")[0]
    )
    verb = ACTION_VERBS[action].split(" ")[0]
    label = (
        f"{verb} all {len(chosen)} {status} registrants…"
        if select_all
        else f"{verb} {len(chosen)} selected…"
    )
    if st.button(label, disabled=not chosen):
        ask(
            {
                "op": "status",
                "action": action,
                "ids": list(chosen),
                "summary": f"{ACTION_VERBS[action]} {len(chosen)} registrant(s) of “{event.topic}”"
                " in Zoom? Zoom may e-mail them. At most 30 go in one call.",
            }
        )
        st.rerun()

with add_tab:
    with st.form("registrants_add", clear_on_submit=False):
        email = st.text_input("E-mail")
        first, last = st.columns(2)
        first_name = first.text_input("First name")
        last_name = last.text_input("Last name")
        if st.form_submit_button("Add…"):
            person = NewRegistrant(email.strip(), first_name.strip(), last_name.strip())
            if "@" not in person.email or not person.first_name:
                st.error("An e-mail address and a first name are needed to add a registrant.")
            else:
                ask(
                    {
                        "op": "add",
                        "person": person,
                        "summary": f"Add {person.first_name} {person.last_name} "
                        f"<{person.email}> to “{event.topic}”? Zoom allows 3 adds per person "
                        "per day.",
                    }
                )
                st.rerun()

with delete_tab:
    victim = st.selectbox(
        f"Delete one of the {status} registrants",
        [None, *by_id],
        format_func=lambda rid: "—" if rid is None else registrant_label(by_id[rid]),
        key="registrants_delete_pick",
    )
    if st.button("Delete…", disabled=victim is None):
        label = registrant_label(by_id[victim])
        ask(
            {
                "op": "delete",
                "id": victim,
                "label": label,
                "summary": f"Delete {label} from “{event.topic}”? This cannot be undone.",
            }
        )
        st.rerun()
