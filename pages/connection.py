"""Connection: check a client's credentials, the live 17-scope checklist, and the plan."""

from datetime import UTC, datetime

import streamlit as st

from erbium_zoom import ui
from erbium_zoom.access import Action
from erbium_zoom.check import PLAN_MISSING, PLAN_OK, PLAN_SCOPE
from erbium_zoom.config import clean_credentials
from erbium_zoom.connection import DEMO_CLIENT_NAMES, SOURCE_PROFILE, SOURCE_SESSION
from erbium_zoom.errors import ConfigError, ZoomError, user_message
from erbium_zoom.scopes import GROUP_TITLES, GROUPS
from erbium_zoom.views import (
    CHECKLIST_TABLE,
    FIELD_TO_FIX,
    checklist_frame,
    client_message,
    missing_scopes_text,
)
from erbium_zoom.watch_views import (
    CHANGES_TABLE,
    changes_frame,
    day_strip,
    moment_text,
    since_text,
    state_changes,
    state_text,
    strip_html,
    strip_start,
)

WATCH_INTERVAL = 5  # seconds between re-checks while watching

# Stop watching once everything is granted (set by the check, applied before the toggle exists).
if st.session_state.pop("connection_stop_watch", False):
    st.session_state["connection_watch"] = False

connection = ui.page_setup("Connection", client_optional=True)  # typed credentials: a client
entered = st.session_state.get("conn_entered")


def take_secret() -> None:
    """Move the typed secret out of its widget, so the page never sends it back to the browser."""
    st.session_state["connection_typed_secret"] = st.session_state.get("connection_secret", "")
    st.session_state["connection_secret"] = ""


submitted = False
if not ui.may(Action.CHECK_CREDENTIALS):  # the core refuses typed credentials anyway
    other = (
        "pick another client profile in the sidebar to see its checklist"
        if ui.profile_names()
        else "an admin adds clients as profiles, which you can then pick in the sidebar"
    )
    st.caption(
        f"This page checks the client in use ({other}); checking credentials typed here "
        "needs the editor role."
    )
else:
    with st.form("connection_form"):
        if connection is None:
            in_use = "Enter them to check them."
        else:
            in_use = "Leave all three empty to check " + (
                "the demo account." if connection.is_demo else "the credentials in use."
            )
        st.markdown(
            "**Client credentials** — from the ERBIUM app's *App Credentials* page in the Zoom "
            f"Marketplace. {in_use}"
        )
        left, right = st.columns(2)
        account_id = left.text_input("Account ID", value=entered.account_id if entered else "")
        client_id = right.text_input("Client ID", value=entered.client_id if entered else "")
        st.text_input(
            "Client Secret",
            type="password",
            key="connection_secret",
            help="Kept only in this browser session. Leave empty to keep the one entered before.",
        )
        submitted = st.form_submit_button("Check connection", type="primary", on_click=take_secret)

if submitted:
    secret = st.session_state.pop("connection_typed_secret", "")
    if entered and not secret and (account_id, client_id) != ("", ""):
        secret = entered.client_secret  # same session, secret not retyped
    try:
        if any((account_id, client_id, secret)):
            credentials, notes = clean_credentials(account_id, client_id, secret)
            st.session_state["conn_entered"] = credentials
            st.session_state["connection_trim_notes"] = notes
    except ConfigError as error:
        # Said next to the form; the connection in use and its checklist stay on the page.
        ui.show_error(error)
    else:
        # Rerun so the header and sidebar show the connection just chosen, then check it.
        st.session_state["connection_check_requested"] = True
        st.rerun()

for note in st.session_state.get("connection_trim_notes", []):
    st.info(note, icon=":material/content_cut:")
if connection is None:  # asked for a client above: nothing to check yet
    st.stop()

requested = st.session_state.pop("connection_check_requested", False)
if requested or ui.last_connection_check(connection) is None:
    with st.spinner("Asking Zoom for a fresh token…"):
        ui.run_connection_check(connection)


def render_status(result) -> None:
    """The banner: connected, cannot authenticate (which field), or scopes missing."""
    if result.error is not None:
        field = getattr(result.error, "field", None)
        fix = f" Field to fix: **{FIELD_TO_FIX.get(field, field)}**." if field else ""
        st.error(
            f"**Cannot authenticate.**{fix} {user_message(result.error)}", icon=":material/error:"
        )
        return
    report = result.report
    if report.ok:
        st.success("**Connected**: all 17 scopes are in place.", icon=":material/check_circle:")
    else:
        count = len(report.missing)
        st.warning(
            f"**Connected, but {count} scope{'s are' if count != 1 else ' is'} missing.** "
            "The client needs to add them (message below).",
            icon=":material/warning:",
        )
    region, expires, checked = st.columns(3)
    region.metric("API region", (result.api_url or "global").removeprefix("https://"))
    expires.metric("Token expires", f"{result.expires_at:%H:%M} UTC" if result.expires_at else "?")
    checked.metric("Last checked", ui.ago(result.checked_at))


def render_checklist(report) -> None:
    st.subheader("Scope checklist")
    st.markdown(f"**{report.summary()}**")
    for column, group in zip(st.columns(len(GROUPS)), GROUPS, strict=True):
        done, total = report.group_counts()[group]
        column.metric(GROUP_TITLES[group], f"{done}/{total}")
    for group in GROUPS:
        st.markdown(f"**{GROUP_TITLES[group]} scopes**")
        ui.show_table(
            checklist_frame(report, group),
            CHECKLIST_TABLE,
            key=f"connection_checklist_{group}",
            wrap=3,
            config={
                "Scope": st.column_config.TextColumn("Scope", width=255),
                "Status": st.column_config.TextColumn("Status", width=100),
                "Zoom endpoint": st.column_config.TextColumn(
                    "Zoom endpoint", width=270, help="The call this scope allows."
                ),
                "Unlocks in this dashboard": st.column_config.TextColumn(
                    "Unlocks in this dashboard", width=200
                ),
            },
        )
    st.caption(
        "meeting:write:participant:admin is on Erbium's list, but no Zoom endpoint could be "
        "confirmed for it. Zoom can take a few seconds to reflect a scope change: Re-check "
        "always asks for a new token."
    )
    if report.missing:
        st.subheader("What to send the client")
        st.markdown(f"The {len(report.missing)} missing scopes (copy with the icon):")
        st.code(missing_scopes_text(report.missing), language=None)
        st.markdown("A ready-to-send message:")
        st.code(client_message(report.missing), language=None, wrap_lines=True)


def render_plan(probes) -> None:
    if not probes:
        return
    st.subheader("Plan check")
    st.caption("One read-only call each. The Webinar add-on is a plan matter, not a scope.")
    for probe in probes:
        line = f"**{probe.area}** — {probe.message}"
        if probe.status == PLAN_OK:
            st.markdown(f":green[:material/check_circle:] {line}")
        elif probe.status == PLAN_MISSING:
            st.warning(line, icon=":material/block:")
        elif probe.status == PLAN_SCOPE:
            st.info(line, icon=":material/lock:")
        else:
            st.error(line, icon=":material/warning:")


watching = st.toggle(
    f"Watch: re-check every {WATCH_INTERVAL} s until all scopes are granted",
    key="connection_watch",
    help="Stay on this page while the client adds scopes; the checklist updates by itself.",
)


@st.fragment(run_every=WATCH_INTERVAL if watching else None)
def live_check() -> None:
    result = ui.last_connection_check(connection)
    if result is None:
        return
    if watching:
        result = ui.run_connection_check(connection, with_plan=False)
    if st.button("Re-check", help="Fetch a fresh token and check all 17 scopes again."):
        result = ui.run_connection_check(connection)
    render_status(result)
    if result.report is not None:
        render_checklist(result.report)
        render_plan(result.plan)
        if watching and result.report.ok:
            st.session_state["connection_stop_watch"] = True
            st.rerun(scope="app")


live_check()


def watcher_history() -> None:
    """The client's changes over time, as the watcher counted them (issue 17): a profile's
    from the storage in use; a demo client's from this session's demo watcher, if it ran."""
    if connection.source == SOURCE_PROFILE:
        client, where = connection.profile, ""
        reading = ui.watch_history
    elif connection.is_demo and "demo_watcher" in st.session_state:
        client = DEMO_CLIENT_NAMES.get(connection.demo_scenario or "", "")
        where = " (the demo's watcher, in this browser session)"

        def reading():
            return ui.demo_watcher().history

    else:
        return
    st.subheader("Watcher history")
    now, tz = datetime.now(UTC), ui.viewer_timezone()
    try:
        history = reading()
        state = history.states().get(client)
        checks = history.recent_checks(strip_start(now, tz), client)
    except ZoomError as error:
        ui.show_error(error, context="The watcher's history cannot be read")
        return
    if state is None:
        st.caption(
            f"The watcher has not checked {client} yet{where}: its history shows here once it "
            "has (`python -m erbium_zoom watch --once`)."
        )
        return
    shown = state.counted or state.observed
    last = "never checked"
    if state.last_check:
        last = f"last check {moment_text(state.last_check, tz, now)} ({ui.ago(state.last_check)})"
    st.markdown(
        f"**{state_text(shown) if shown else 'not checked'}**: "
        f"{since_text(state, tz, now)} · {last}{where}"
    )
    ui.show_html(strip_html(day_strip(checks, now, tz)))
    changes = state_changes(checks)
    if not changes:
        st.caption("No change of state in the last 30 days.")
        return
    st.caption(f"Changes in the last 30 days ({len(changes)}), newest first:")
    ui.show_table(
        changes_frame(changes, now, tz),
        CHANGES_TABLE,
        key="connection_watch_changes",
        wrap=3,
        config={
            "When": st.column_config.TextColumn("When", width=120),
            "Became": st.column_config.TextColumn("Became", width=480),
            "For": st.column_config.TextColumn("For", width=130),
        },
    )


watcher_history()

if connection.source == SOURCE_SESSION and ui.may(Action.MANAGE_PROFILES):
    with st.expander("Save these credentials as a client profile"):
        store = ui.profile_store()
        storage = store.storage()
        if storage.problem is not None:
            ui.show_error(storage.problem)
        elif not storage.can_store:
            st.warning(
                f"Client Secrets cannot be stored safely here: they would be kept "
                f"{storage.where}. Use the ZOOM_* environment variables or "
                ".streamlit/secrets.toml instead, or keep entering them for this session only."
            )
        with st.form("connection_save_profile"):
            name = st.text_input("Profile name", placeholder="e.g. Acme Corp")
            hosts = st.text_input("Hosts", value=", ".join(connection.settings.hosts))
            note = st.text_area("Note", height=68)
            if st.form_submit_button("Save profile", disabled=not storage.writable):
                creds = connection.credentials
                try:
                    profile, _ = store.save(
                        name,
                        creds.account_id,
                        creds.client_id,
                        creds.client_secret,
                        hosts=hosts,
                        note=note,
                    )
                except ZoomError as error:
                    ui.show_error(error)
                else:
                    st.success(
                        f"Saved {profile.name}. Pick it in the sidebar next time; nothing to "
                        "type again."
                    )
