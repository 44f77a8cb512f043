"""Activity: every change made on clients' Zoom accounts, every profile change and every refused
sign-in or action. Admins see everyone's entries, others their own (decided in the core).
Nothing on this page can delete an entry.
"""

import streamlit as st

from erbium_zoom import ui, urlstate
from erbium_zoom.access import Action
from erbium_zoom.activity import Filters
from erbium_zoom.errors import ZoomError
from erbium_zoom.exports import to_csv_bytes
from erbium_zoom.views import activity_frame, activity_table, window_problem

ui.page_frame("Activity")
person = ui.session_person()
log = ui.activity_log()

try:
    everything = log.entries(person)
except ZoomError as error:
    ui.show_error(error)
    st.stop()

if person.may(Action.SEE_ALL_ACTIVITY):
    st.caption(f"Everyone's entries ({len(everything):,}), newest first. Stored in {log.where}.")
else:
    st.caption(f"Your own entries ({len(everything):,}), newest first; admins see everyone's.")

if not everything:
    st.info("Nothing on record yet: changes to registrants and client profiles appear here.")
    st.stop()

who_col, client_col, action_col, dates_col = st.columns(4)


def picker(column, label: str, values: set[str], everything_word: str, param: str = "") -> str:
    """A filter over the values on record; the empty choice narrows nothing. With ``param``,
    kept in the page's address."""
    options = ["", *sorted(values)]
    words = dict(format_func=lambda v: v or everything_word, key=f"activity_{label}")
    if not param:  # (the client filter: "client" in the address is the client in use)
        return column.selectbox(label, options, **words)
    field = urlstate.choice(param, options[1:], f"the {label.lower()}")
    return ui.url_widget(column.selectbox, label, field, options=options, omit="", **words)


who = picker(who_col, "Who", {e.who for e in everything}, "everyone", urlstate.WHO)
client = picker(client_col, "Client", {e.client for e in everything if e.client}, "every client")
action = picker(
    action_col, "Action", {e.action for e in everything}, "every action", urlstate.ACTION
)
dates = ui.url_widget(
    dates_col.date_input,
    "Dates (UTC)",
    urlstate.window(),
    key="activity_dates",
    omit=(),
    initial="value",
    value=(),
)
window = tuple(dates or ())
since = until = window[0] if window else None  # one day picked so far: that day
if len(window) == 2:
    problem = window_problem(window)
    if problem:
        st.warning(problem)
    else:
        since, until = window

narrowed = Filters(who=who, client=client, action=action, since=since, until=until)
entries = log.entries(person, narrowed)
frame = activity_frame(entries, ui.viewer_timezone())
columns = activity_table(ui.viewer_timezone())
when = columns.main[0]
ui.show_table(
    frame,
    columns,
    key="activity_table",
    wrap=3,
    config={
        when: st.column_config.TextColumn(when, width=140),
        "Who": st.column_config.TextColumn("Who", width=120),
        "Client": st.column_config.TextColumn("Client", width=150),
        "Action": st.column_config.TextColumn("Action", width=70),
        "Zoom's answer": st.column_config.TextColumn(
            "Zoom's answer",
            width=110,
            help="Zoom's status code, or why the action was refused or is unknown.",
        ),
        "Message": st.column_config.TextColumn("Message", width=220),
    },
)
st.download_button(
    f"Download {len(entries):,} entries (CSV)",
    to_csv_bytes(frame),
    file_name="erbium-zoom-activity.csv",
    mime="text/csv",
    disabled=not entries,
)
