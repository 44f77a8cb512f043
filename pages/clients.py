"""All clients: every profile checked at once, and the saved profiles managed.

Profiles from configuration ([profiles."NAME"] in the secrets file) are listed and checked but
not offered for editing or deleting (the core refuses that too).
"""

from datetime import UTC, datetime

import streamlit as st

from erbium_zoom import ui
from erbium_zoom.access import Action
from erbium_zoom.check import check_profile
from erbium_zoom.config import settings_from_env
from erbium_zoom.errors import NEW_KEY_COMMAND, ZoomError
from erbium_zoom.profiles import SECRET_STORED
from erbium_zoom.secret_store import KEYS_IN_FILE, SECRET_KEY_ENV
from erbium_zoom.views import (
    CLIENT_TABLE,
    DEMO_CLIENTS,
    ROSTER_TABLE,
    clients_frame,
    needs_attention,
    roster_frame,
)
from erbium_zoom.watch_history import DROPPED, PENDING, UNKNOWN
from erbium_zoom.watch_views import (
    DEMO_STATE_TABLE,
    SEND_PROBLEM_TABLE,
    client_rows,
    demo_states_frame,
    history_html,
    messages_by_kind,
    pass_notes,
    send_problems,
    send_problems_frame,
    strip_start,
    watcher_status,
)

# The check's columns, in both tables: what is wrong gets the room, and lines enough for most
# of Zoom's answers; "What needs doing" under each table and the Connection page show them whole.
CHECK_LINES = 5
CHECK_COLUMNS = {
    "Setup": st.column_config.TextColumn("Setup", width=95),
    "Status": st.column_config.TextColumn("Status", width=220),
    "Plan problems": st.column_config.TextColumn(
        "Plan problems", width=170, help="What the client's Zoom plan does not allow."
    ),
    "Missing scopes": st.column_config.TextColumn(
        "Missing scopes", width=140, help="Scopes to add to the client's app."
    ),
    "Scopes": st.column_config.TextColumn("Scopes", width=65, help="Granted of those needed."),
}

connection = ui.page_setup("All clients", client_optional=True)  # profiles: with no client too


def demo_watcher_section() -> None:
    """The watcher on the demo agency (issue 17): a pass of the real watcher over the six
    simulated clients, as a preview: the states and the messages it would send, none sent."""
    st.markdown("**The watcher on the demo agency**")
    st.caption(
        "One pass of the watcher (`python -m erbium_zoom watch --once`) over the six simulated "
        "clients: each connection checked and counted, and the messages a change would send "
        "composed, but not sent. This demo's history stays in this browser session."
    )
    watcher = ui.demo_watcher()
    run, again = st.columns([1, 1])
    if run.button("Run a watcher pass", key="clients_demo_watch", icon=":material/play_arrow:"):
        before, queued = watcher.history.states(), len(watcher.history.outbox())
        watcher.run_pass()
        after = watcher.history.states()
        st.session_state["demo_watch_notes"] = pass_notes(before, after)
        st.session_state["demo_watch_new"] = len(watcher.history.outbox()) - queued
    if again.button(
        "Start over", key="clients_demo_watch_reset", help="Forget this demo's history."
    ):
        ui.forget_demo_watcher()
        watcher = ui.demo_watcher()
    runs = watcher.history.runs()
    if not runs:
        return
    now, tz = datetime.now(UTC), ui.viewer_timezone()
    names = [p.name for p in watcher.store.list()]
    rows = client_rows(names, watcher.history.states(), [], now, tz)
    notes = st.session_state.get("demo_watch_notes", {})
    st.caption(f"{len(runs)} pass{'es' if len(runs) != 1 else ''} so far.")
    ui.show_table(
        demo_states_frame(rows, notes),
        DEMO_STATE_TABLE,
        key="clients_demo_watch_states",
        wrap=3,
        config={
            "Client": st.column_config.TextColumn("Client", width=120),
            "State": st.column_config.TextColumn("State", width=260),
            "Since": st.column_config.TextColumn("Since", width=150),
            "This pass": st.column_config.TextColumn("This pass", width=200),
        },
    )
    outbox = list(reversed(watcher.history.outbox()))
    new = st.session_state.get("demo_watch_new", 0)
    st.markdown(
        f"**Messages the watcher would send: {len(outbox)}** (newest first; the last pass "
        f"composed {new}). A change sends one; a state that stays sends nothing more."
    )
    for kind, messages in messages_by_kind(outbox).items():
        st.caption(f"Kind: {kind} ({len(messages)})")
        for message in messages:
            with st.expander(message.title):
                st.caption(f"{message.client} · {message.kind} · to {message.shown}")
                st.code(message.body, language=None, wrap_lines=True)


def watcher_section(names: list[str]) -> None:
    """The watcher's history of every client, its own last run, and what it could not send."""
    st.subheader("Watched by the watcher")
    now, tz = datetime.now(UTC), ui.viewer_timezone()
    try:
        history = ui.watch_history()
        runs = history.runs()
        states = history.states()
        spans = history.counted_spans(strip_start(now, tz))
        unsent = send_problems(history.outbox(PENDING, UNKNOWN, DROPPED))
    except ZoomError as error:
        ui.show_error(error, context="The watcher's history cannot be read")
        return
    status = watcher_status(runs, now, tz)
    if not runs:
        st.info(status.headline, icon=":material/visibility_off:")
    elif status.late:
        st.warning(status.headline, icon=":material/schedule:")
    elif status.problems or runs[0].status in ("failed", "interrupted"):
        st.warning(status.headline, icon=":material/warning:")
    for line in status.lines:
        st.caption(line)
    if status.problems:
        with st.expander(f"The last run's problems ({len(status.problems)})"):
            for problem in status.problems:
                st.markdown(f"- {problem}")
    if runs or states:
        ui.show_html(history_html(client_rows(names, states, spans, now, tz)))
    if unsent:
        st.markdown(f"**Messages not sent ({len(unsent)})**")
        ui.show_table(
            send_problems_frame(unsent),
            SEND_PROBLEM_TABLE,
            key="clients_unsent",
            wrap=4,
            config={
                "Client": st.column_config.TextColumn("Client", width=95),
                "Message": st.column_config.TextColumn("Message", width=200),
                "To": st.column_config.TextColumn("To", width=105),
                "Status": st.column_config.TextColumn("Status", width=120),
                "Attempts": st.column_config.NumberColumn("Attempts", width=70),
                "Error": st.column_config.TextColumn("Error", width=215),
            },
        )


# ---- demo agency (issue 11): in demo mode, one simulated client per demo scenario -------------
if connection is not None and connection.is_demo:
    st.subheader("Demo agency: simulated clients")
    st.caption(
        "Each is a simulated Zoom account with one typical setup, checked like a saved profile "
        "(token, 17 scopes, plan). Pick one to see it on every page: its checklist and the "
        "message to send, its events, registrants, registration pace and attendance."
    )
    recheck = st.button("Check the demo clients again", key="clients_demo_recheck")
    with st.spinner("Checking the demo clients…"):
        roster = ui.check_demo_clients(connection, again=recheck)
    roster_table = roster_frame(roster)
    ui.show_table(
        roster_table,
        ROSTER_TABLE,
        key="clients_roster",
        wrap=CHECK_LINES,
        config={"Client": st.column_config.TextColumn("Client", width=100), **CHECK_COLUMNS},
    )
    ui.show_needs_attention(needs_attention(roster_table))
    current = connection.demo_scenario
    st.markdown("**Switch every page to:**")
    for column, demo_client in zip(st.columns(len(DEMO_CLIENTS)), DEMO_CLIENTS, strict=True):
        column.button(
            demo_client.name,
            key=f"clients_demo_{demo_client.scenario}",
            on_click=ui.switch_demo_client,
            args=(demo_client.scenario,),
            type="primary" if demo_client.scenario == current else "secondary",
            help=f"{demo_client.setup}: show this simulated client on every page.",
            width="stretch",
        )
    showing = next(c for c in DEMO_CLIENTS if c.scenario == current)
    st.success(f"Every page shows **{showing.name}** ({showing.setup}).", icon=":material/science:")
    st.page_link(
        ui.CONNECTION_PAGE, label=f"Open {showing.name}'s connection check", icon=":material/key:"
    )
    demo_watcher_section()
    st.divider()
# ---- end of the demo agency section -------------------------------------------------------------
store = ui.profile_store()
storage = store.storage()

if storage.problem is not None:
    ui.show_error(storage.problem)
    st.caption(
        "Profiles are still listed; no saved profile's Client Secret can be read or saved "
        "until this is fixed."
    )
elif not storage.can_store and not ui.may(Action.MANAGE_PROFILES):
    # The ways out below are an admin's (or the server's) to take, not a viewer's or editor's.
    st.warning(
        "**Client Secrets cannot be stored safely on this machine**, so saved profiles cannot "
        "be used here yet: an admin of this dashboard sets up a keyring or a key.",
        icon=":material/lock:",
    )
elif not storage.can_store:
    st.warning(
        f"**Client Secrets cannot be stored safely on this machine**: they would be kept "
        f"{storage.where}. Nothing is written in plain text instead. To keep them, use a "
        f"system keyring, or set `{SECRET_KEY_ENV}` (or {KEYS_IN_FILE}) to keep them in an "
        f"encrypted file; `{NEW_KEY_COMMAND}` makes a key. Other ways to give credentials: the "
        "ZOOM_ACCOUNT_ID / ZOOM_CLIENT_ID / ZOOM_CLIENT_SECRET environment variables, "
        "`.streamlit/secrets.toml` (see secrets.toml.example), or entering them on the "
        "Connection page for this browser session only.",
        icon=":material/lock:",
    )
else:
    st.caption(f"Client Secrets are kept {storage.where}.")

try:
    profiles = store.list()
    notices = store.notices()
except ZoomError as error:
    ui.show_error(error)
    st.stop()
for notice in notices:
    st.warning(notice)
secret_statuses = {profile: store.secret_status(profile) for profile in profiles}
in_use = store.list(in_use=True)  # on a name used twice, the one from configuration
saved = [p for p in profiles if not p.read_only]

results: dict = st.session_state.setdefault("clients_results", {})


def check_all() -> None:
    """Check each profile in turn; one failing does not stop the others."""
    progress = st.progress(0.0, text=f"Checked 0 of {len(in_use)} clients")
    for done, profile in enumerate(in_use, start=1):
        results[profile.name] = check_profile(store, profile, settings_from_env(), with_plan=True)
        progress.progress(done / len(in_use), text=f"Checked {done} of {len(in_use)} clients")
    progress.empty()


if profiles:
    checkable = any(status.state == SECRET_STORED for status in secret_statuses.values())
    if st.button("Check all clients", type="primary", disabled=not checkable):
        check_all()
    clients_table = clients_frame(profiles, results, secret_statuses)
    ui.show_table(
        clients_table,
        CLIENT_TABLE,
        key="clients_table",
        wrap=CHECK_LINES,
        config={
            "Profile": st.column_config.TextColumn("Profile", width=120),
            "Secret": st.column_config.TextColumn("Secret", width=100),
            **CHECK_COLUMNS,
        },
    )
    ui.show_needs_attention(needs_attention(clients_table))
    watcher_section([p.name for p in in_use])
elif ui.may(Action.MANAGE_PROFILES):
    st.info("No client profiles yet: add the first one below.")
else:
    st.info("No client profiles yet: an admin of this dashboard adds them.")

if not ui.may(Action.MANAGE_PROFILES):  # hidden for convenience; the store refuses anyway
    st.caption("Adding, editing, renaming and deleting client profiles needs the admin role.")
    st.stop()

st.subheader("Manage client profiles")
add_tab, edit_tab, delete_tab = st.tabs(["Add", "Edit or rename", "Delete"])

with add_tab, st.form("clients_add", clear_on_submit=True):
    name = st.text_input("Profile name", placeholder="e.g. Acme Corp")
    left, right = st.columns(2)
    account_id = left.text_input("Account ID")
    client_id = right.text_input("Client ID")
    secret = st.text_input("Client Secret", type="password")
    hosts = st.text_input(
        "Hosts", placeholder="me", help="Host e-mails or user IDs, comma-separated."
    )
    note = st.text_area("Note", height=68)
    if st.form_submit_button("Save profile", disabled=not storage.writable):
        try:
            profile, notes = store.save(name, account_id, client_id, secret, hosts=hosts, note=note)
        except ZoomError as error:
            ui.show_error(error)
        else:
            for text in notes:
                st.info(text, icon=":material/content_cut:")
            st.success(f"Saved {profile.name}; its Client Secret is kept {storage.where}.")

if len(saved) < len(profiles):
    for tab in (edit_tab, delete_tab):
        tab.caption(
            "Profiles from configuration are changed in the secrets file that defines them "
            '([profiles."NAME"] tables), not here.'
        )
if not saved:
    edit_tab.info("No saved profiles to edit.")
    delete_tab.info("No saved profiles to delete.")
else:
    names = [p.name for p in saved]
    with edit_tab:
        chosen = st.selectbox("Profile", names, key="clients_edit_pick")
        current = next(p for p in saved if p.name == chosen)
        with st.form("clients_edit"):
            new_name = st.text_input("Profile name", value=current.name)
            left, right = st.columns(2)
            account_id = left.text_input("Account ID", value=current.account_id)
            client_id = right.text_input("Client ID", value=current.client_id)
            secret = st.text_input(
                "Client Secret", type="password", help="Leave empty to keep the stored one."
            )
            hosts = st.text_input("Hosts", value=", ".join(current.hosts))
            note = st.text_area("Note", value=current.note, height=68)
            if st.form_submit_button("Save changes", disabled=not storage.writable):
                try:
                    profile, notes = store.save(
                        new_name,
                        account_id,
                        client_id,
                        secret or None,
                        hosts=hosts,
                        note=note,
                        replacing=current.name,
                    )
                except ZoomError as error:
                    ui.show_error(error)
                else:
                    results.pop(current.name, None)
                    st.session_state.pop("conn_profile_secrets", None)
                    st.success(f"Saved {profile.name}.")
    with delete_tab:
        victim = st.selectbox("Profile to delete", names, key="clients_delete_pick")
        confirm = st.checkbox(
            f"Yes, delete {victim} and its stored Client Secret", key="clients_delete_confirm"
        )
        if st.button("Delete profile", disabled=not confirm):
            try:
                notes = store.delete(victim)
            except ZoomError as error:
                ui.show_error(error)
            else:
                for note in notes:
                    st.warning(note)
                results.pop(victim, None)
                st.session_state.pop("conn_profile_secrets", None)
                if st.session_state.get("conn_profile") == victim:
                    st.session_state.pop("conn_profile", None)
                st.success(f"Deleted {victim}.")
