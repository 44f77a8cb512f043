"""Events: the client's upcoming webinars and meetings, with registrant counts and filters."""

from datetime import date, timedelta

import streamlit as st

from erbium_zoom import ui, urlstate
from erbium_zoom.errors import ZoomError
from erbium_zoom.listing import load_upcoming
from erbium_zoom.views import (
    EVENT_TABLE,
    event_label,
    events_frame,
    filter_events,
    window_problem,
)

connection = ui.page_setup("Upcoming events")
client = ui.zoom_client(connection)
hosts = connection.settings.hosts
viewer_tz = ui.viewer_timezone()

top_left, top_right = st.columns([4, 1])
top_left.caption(f"Hosts: {', '.join(hosts)} · times in your time zone: {viewer_tz}")
if top_right.button("Refresh", help="Reload the events and counts from Zoom."):
    ui.invalidate(connection, "events")

with st.spinner("Loading events and registrant counts from Zoom…"):
    try:
        listing = ui.cached(
            connection,
            ("events", hosts),
            lambda: load_upcoming(client, hosts, workers=ui.parallel_workers(connection)),
        )
    except ZoomError as error:
        ui.show_error(error)
        st.stop()

ui.show_problems(listing.problems)


def use_hosts() -> None:
    st.session_state["conn_hosts_text"] = st.session_state["events_hosts_entry"]


if listing.rejected_hosts:
    st.warning(
        "Zoom did not list events for "
        + ", ".join(listing.rejected_hosts)
        + ". Enter the hosts' Zoom e-mail addresses (or user IDs) instead."
    )
    with st.form("events_hosts_form"):
        st.text_input("Host e-mails, comma-separated", key="events_hosts_entry")
        st.form_submit_button("List their events", on_click=use_hosts)

if not listing.events:
    st.info("No upcoming webinars or meetings for these hosts.")
    st.stop()

frame = events_frame(
    listing.events, listing.counts, viewer_tz=viewer_tz, host_labels=listing.host_labels
)

with st.container(border=True):
    f_host, f_kind, f_window, f_text = st.columns([2, 2, 3, 2])
    chosen_hosts = f_host.multiselect("Host", sorted(frame["Host"].unique()), key="events_hosts")
    kinds = ["Webinar", "Meeting"]
    chosen_kinds = ui.url_widget(
        f_kind.multiselect,
        "Kind",
        urlstate.choices(urlstate.KIND, kinds, "the kind", str.lower),
        key="events_kinds",
        omit=[],
        options=kinds,
    )
    today = date.today()
    default_window = (today, today + timedelta(days=60))
    window = ui.url_widget(
        f_window.date_input,
        "Between",
        urlstate.window(),
        key="events_window",
        omit=default_window,
        initial="value",
        value=default_window,
    )
    text = ui.url_widget(
        f_text.text_input,
        "Search topic or ID",
        urlstate.text(urlstate.SEARCH),
        key="events_text",
        omit="",
    )

problem = window_problem(window)
if problem:
    f_window.warning(f"{problem} Showing all dates for now.")
shown = filter_events(
    frame,
    hosts=chosen_hosts,
    kinds=chosen_kinds,
    window=None if problem else tuple(window),
    viewer_tz=viewer_tz,
    text=text,
)
st.markdown(f"**{len(shown)} of {len(frame)} events**")
COUNT_HELP = "Registrants {} now; None when the event takes no registrations."
ui.show_table(
    shown,
    EVENT_TABLE,
    key="events_table",
    config={
        "Topic": st.column_config.TextColumn("Topic", width=250),
        "Start (your time)": st.column_config.TextColumn(
            "Start (your time)",
            width=150,
            help=f"In your time zone, {viewer_tz}; the event's own time and zone are under "
            "More columns.",
        ),
        "Host": st.column_config.TextColumn("Host", width=145),
        **{
            status: st.column_config.NumberColumn(
                status, format="%d", width=70, help=COUNT_HELP.format(status.lower())
            )
            for status in ("Approved", "Pending", "Denied")
        },
        "Join link": st.column_config.LinkColumn(
            "Join", display_text="Join", width=50, help="The event's join link."
        ),
        "Duration (min)": st.column_config.NumberColumn("Duration (min)", format="%d"),
        "ID": st.column_config.NumberColumn("ID", format="%d"),
    },
)

with_registration = [e for e in listing.events if e.registration_enabled]
if with_registration:
    left, right = st.columns([4, 1])
    picked = left.selectbox(
        "Manage the registrants of",
        with_registration,
        format_func=lambda event: event_label(event, viewer_tz),
        key="events_pick",
    )
    right.write("")
    if right.button("Open registrants", type="primary"):
        st.session_state["registrants_event"] = (picked.kind.value, picked.id)
        st.switch_page("pages/registrants.py")
