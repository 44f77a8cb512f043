"""Registration pace: are registrations for an upcoming event on track, against past events?

Cumulative registrations per day (the viewer's calendar days) from Zoom's registrant lists,
split by status, with up to five past events lined up by days before their own start.
"""

from datetime import UTC, datetime

import streamlit as st

from erbium_zoom import attendance, charts, pace, ui, urlstate
from erbium_zoom.errors import ZoomError
from erbium_zoom.listing import ListingProblem, load_upcoming
from erbium_zoom.views import event_label

connection = ui.page_setup("Registration pace")
client = ui.zoom_client(connection)
hosts = connection.settings.hosts
viewer_tz = ui.viewer_timezone()
workers = ui.parallel_workers(connection)

st.caption(
    f"Hosts: {', '.join(hosts)} · days are calendar days in your time zone: {viewer_tz} · "
    "statuses are the registrants' statuses now; cancelled registrations are not in Zoom's lists."
)
with st.spinner("Listing upcoming and past events from Zoom…"):
    try:  # the same cache entries as the Events and Attendance pages
        listing = ui.cached(
            connection, ("events", hosts), lambda: load_upcoming(client, hosts, workers=workers)
        )
        past = ui.cached(
            connection,
            ("attendance", "past", hosts),
            lambda: attendance.load_past_events(client, hosts, workers=workers),
        )
    except ZoomError as error:  # authentication or network: nothing could load
        ui.show_error(error)
        st.stop()
ui.show_problems([*listing.problems, *past.problems])

upcoming = {
    f"{event.kind.value}:{event.id}": event
    for event in listing.events
    if event.registration_enabled and event.start_time is not None
}
if not upcoming:
    st.info("None of the upcoming events takes registrations, so there is no pace to show.")
    st.stop()
earlier = {ref.key: ref for ref in pace.comparable_past(past.refs)}  # most recent first


def past_label(key: str) -> str:
    ref = earlier[key]
    return f"{ref.topic} ({pace.local_day(ref.start, viewer_tz):%d %b %Y})"


webinars = [key for key, event in upcoming.items() if event.kind.value == "webinar"]
chosen = ui.url_widget(
    st.multiselect,
    "Upcoming events",
    urlstate.events(urlstate.EVENT, list(upcoming), "the upcoming event"),
    options=list(upcoming),
    initial="default",
    default=(webinars or list(upcoming))[:1],
    format_func=lambda key: event_label(upcoming[key], viewer_tz),
    key="pace_upcoming",
    select_all=False,  # a pick of every event's registrants is a mistake, not a view
)
past_webinars = [key for key, ref in earlier.items() if ref.kind.value == "webinar"]
compared = ui.url_widget(
    st.multiselect,
    f"Compare with past events (up to {pace.MAX_COMPARISONS})",
    urlstate.events(urlstate.COMPARE, list(earlier), "the past event", limit=pace.MAX_COMPARISONS),
    options=list(earlier),
    initial="default",
    default=past_webinars[:2],
    format_func=past_label,
    max_selections=pace.MAX_COMPARISONS,
    key="pace_past",
    select_all=False,
    help="Lined up by days before their own start: at 7 on the axis, each event is a week out.",
)
if not chosen:
    st.info("Choose one or more upcoming events.")
    st.stop()

wanted = [(upcoming[key].kind, upcoming[key].id) for key in chosen]
wanted += [(earlier[key].kind, earlier[key].event_id) for key in compared]
with st.spinner("Loading registrant lists from Zoom…"):
    try:
        lists = ui.registrant_lists(connection, client, wanted)
    except ZoomError as error:
        ui.show_error(error)
        st.stop()

comparisons, problems = [], []
for key in compared:
    ref = earlier[key]
    outcome = lists[(ref.kind.value, ref.event_id)]
    if outcome.error is None:
        comparisons.append(pace.pace_curve(outcome.value, ref.start, viewer_tz, label=ref.topic))
    elif attendance.registration_off(outcome.error):
        st.caption(f"{past_label(key)} took no registrations, so it is not compared.")
    else:
        problems.append(ListingProblem(f"Registrants of {past_label(key)}", outcome.error))
ui.show_problems(problems)

today = pace.local_day(datetime.now(UTC), viewer_tz)
curves: dict[str, pace.PaceCurve] = {}
for key in chosen:
    event = upcoming[key]
    outcome = lists[(event.kind.value, event.id)]
    if outcome.error is None:
        curves[key] = pace.pace_curve(
            outcome.value, event.start_time, viewer_tz, label=event.topic, today=today
        )

scale = pace.PEOPLE
if comparisons:
    scales = list(pace.SCALES)
    scale = st.radio(
        "Scale",
        scales,
        index=scales.index(pace.default_scale(list(curves.values()), comparisons)),
        format_func=pace.SCALES.get,
        horizontal=True,
        key="pace_scale",
        help="People: registrations counted. Share of final: each past event as a share of its "
        "final total, and this event as a share of the total it would reach at their median "
        "pace, so that events of very different sizes stay readable side by side. Chosen by "
        f"itself when the events differ {pace.SIZE_RATIO:g} times or more in size.",
    )

for key in chosen:
    event = upcoming[key]
    with st.container(border=True):
        st.subheader(event_label(event, viewer_tz))
        if key not in curves:
            error = lists[(event.kind.value, event.id)].error
            ui.show_problems([ListingProblem(f"Registrants of {event.topic}", error)])
            continue
        curve = curves[key]
        st.markdown(f"**{pace.pace_sentence(curve, comparisons)}**")
        words = pace.pace_summary(curve, comparisons, viewer_tz)
        if scale == pace.SHARE:
            words += " " + pace.share_summary(curve, comparisons)
        ui.show_chart(
            charts.pace_figure(curve, comparisons, viewer_tz, scale),
            words,
            key=f"pace_chart_{key}",
        )
