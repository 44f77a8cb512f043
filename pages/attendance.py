"""Attendance: who registered, who came, for how long, and how events compare.

From Zoom's participant reports and registrant lists, for several past events at once. Each event
shows its metrics, or the state that keeps its report away (not ended, not ready, too old, plan,
rate limit, scope) while the others render. Finished events' reports come from the cache on this
computer when they are there; the Heavy calls spent today are shown against the daily cap.
Each event and the events together also show the funnel registered → approved → attended →
stayed, and everything loaded downloads as one Excel workbook.
"""

from datetime import UTC, date, datetime, timedelta
from functools import partial

import streamlit as st

from erbium_zoom import attendance, charts, funnel, reports, store, ui, urlstate, workbook
from erbium_zoom.attendance import EventRef, EventState, InvalidEventRef
from erbium_zoom.errors import ZoomError
from erbium_zoom.exports import to_csv_bytes
from erbium_zoom.models import REGISTRANT_STATUSES, EventKind
from erbium_zoom.views import (
    ABSENTEE_TABLE,
    PEOPLE_TABLE,
    SUMMARY_RATE,
    SUMMARY_TABLE,
    registrants_frame,
    summary_table,
    window_problem,
)

STATE_LOOK = {  # how each state is shown: level, icon
    EventState.NOT_ENDED: (st.info, ":material/hourglass_empty:"),
    EventState.NOT_READY: (st.info, ":material/hourglass_empty:"),
    EventState.TOO_OLD: (st.info, ":material/inventory_2:"),
    EventState.NO_PLAN: (st.info, ":material/block:"),
    EventState.RATE_LIMITED: (st.warning, ":material/timer:"),
    EventState.MISSING_SCOPE: (st.warning, ":material/lock:"),
    EventState.ERROR: (st.warning, ":material/warning:"),
}

# An event's people at a laptop's width: times in the viewer's zone, to the second.
PEOPLE = {
    "Name": st.column_config.TextColumn("Name", width=115),
    "Email": st.column_config.TextColumn("Email", width=180),
    "Minutes": st.column_config.NumberColumn("Minutes", width=65, format="%.1f"),
    "Attended": st.column_config.CheckboxColumn("Attended", width=70),
    "Late": st.column_config.CheckboxColumn("Late", width=45),
    "Early": st.column_config.CheckboxColumn("Early", width=50),
    "First join": st.column_config.TextColumn("First join", width=130),
    "Last leave": st.column_config.TextColumn("Last leave", width=130),
}

connection = ui.page_setup("Attendance")
client = ui.zoom_client(connection)
hosts = connection.settings.hosts
viewer_tz = ui.viewer_timezone()
state = st.session_state
if state.get("attendance_account") != connection.cache_key:
    # Another client or demo scenario: its events are not this one's.
    for key in ("added", "loaded", "states", "selected"):
        state.pop(f"attendance_{key}", None)
    state["attendance_account"] = connection.cache_key
state.setdefault("attendance_added", {})  # key → EventRef typed in by ID or UUID
state.setdefault("attendance_loaded", [])  # the EventRefs of the last "Load attendance"
state.setdefault("attendance_states", {})  # key → EventState last seen
state.setdefault("attendance_keep_reports", True)  # the report cache on this computer

top_left, top_right = st.columns([4, 1])
top_left.caption(
    f"Past webinars and meetings of {', '.join(hosts)} · times in your time zone: {viewer_tz}"
)
refresh = top_right.button(
    "Refresh",
    key="attendance_refresh",
    help="Ask Zoom again for the list of past events and for the attendance shown below, "
    "skipping the caches (the cached reports are replaced).",
)
if refresh:
    ui.invalidate(connection, "attendance")
quota = st.empty()  # the Heavy calls spent today; written again after loading
quota.caption(ui.heavy_usage_text(connection))

# ---- choosing events ---------------------------------------------------------------------------
with st.spinner("Listing past events from Zoom…"):
    try:
        past = ui.cached(
            connection,
            ("attendance", "past", hosts),
            lambda: attendance.load_past_events(
                client, hosts, workers=ui.parallel_workers(connection)
            ),
        )
    except ZoomError as error:  # authentication or network: nothing could load
        ui.show_error(error)
        st.stop()

ui.show_problems(past.problems)

linked_field = urlstate.event_keys(urlstate.EVENT)
linked_keys = ui.from_url(linked_field)
if linked_keys:  # opened by a link (or a reload): its events, chosen and loaded
    linked = urlstate.linked_refs(linked_keys, [*past.refs, *state["attendance_added"].values()])
    added = {ref.key: ref for ref in linked if ref.added}
    state["attendance_added"] = {**state["attendance_added"], **added}
    state["attendance_selected"] = [ref.key for ref in linked]
    state["attendance_loaded"] = linked

known = {ref.key: ref for ref in past.refs} | state["attendance_added"]
state["attendance_selected"] = [k for k in state.get("attendance_selected", []) if k in known]

today = date.today()
default_window = (today - timedelta(days=90), today)
window = ui.url_widget(
    st.date_input,
    "Events between",
    urlstate.window(),
    key="attendance_window",
    omit=default_window,
    initial="value",
    value=default_window,
)
problem = window_problem(window)
if problem:
    st.warning(f"{problem} Listing every past event for now.")
    listed = past.refs
else:
    listed = attendance.in_window(past.refs, window[0], window[1], viewer_tz)
options = [ref.key for ref in listed] + list(state["attendance_added"])
options += [key for key in state["attendance_selected"] if key not in options]


def event_option(key: str) -> str:
    ref = known[key]
    return f"{ref.label(viewer_tz)} · added" if ref.added else ref.label(viewer_tz)


st.multiselect(
    "Events",
    options,
    format_func=event_option,
    key="attendance_selected",
    select_all=False,  # one click would load every past event's report (Heavy calls)
    placeholder="Choose past webinars and meetings",
    help="Listed from Zoom for the hosts in the sidebar; add older ones by ID or UUID below.",
)
ui.put_in_url(linked_field, state["attendance_selected"])


def add_event() -> None:
    """Validate the typed ID or UUID; add it to the choices and select it."""
    try:
        kind = EventKind(state["attendance_add_kind"])
        ref = EventRef.from_text(kind, state["attendance_add_id"])
    except InvalidEventRef as error:
        state["attendance_add_problem"] = str(error)
        return
    state.pop("attendance_add_problem", None)
    state["attendance_added"] = {**state["attendance_added"], ref.key: ref}
    if ref.key not in state["attendance_selected"]:
        state["attendance_selected"] = [*state["attendance_selected"], ref.key]
    state["attendance_add_id"] = ""


with st.container(border=True):
    st.markdown("**Add an event Zoom no longer lists**, by its ID or an occurrence's UUID")
    st.caption(attendance.NUMERIC_ID_NOTE)
    kind_col, text_col, button_col = st.columns([1, 3, 1], vertical_alignment="bottom")
    kind_col.selectbox(
        "Kind", [k.value for k in EventKind], format_func=str.capitalize, key="attendance_add_kind"
    )
    text_col.text_input(
        "ID or UUID",
        key="attendance_add_id",
        placeholder="812 3456 7890 or 4444AAAiAAAAAiAiAiiAii==",
    )
    button_col.button("Add", on_click=add_event, key="attendance_add")
    if state.get("attendance_add_problem"):
        st.error(state["attendance_add_problem"])

with st.expander("What counts"):
    threshold_col, late_col, early_col, stay_col = st.columns(4)
    threshold = threshold_col.number_input(
        "Attended: at least (minutes)",
        min_value=0,
        max_value=600,
        value=1,
        key="attendance_threshold",
        help="People who stayed less (a mis-click, a sound check) do not count as attendees.",
    )
    late = late_col.number_input(
        "Late: joined more than … after the start (minutes)",
        min_value=0,
        max_value=600,
        value=10,
        key="attendance_late",
    )
    early = early_col.number_input(
        "Early: left more than … before the end (minutes)",
        min_value=0,
        max_value=600,
        value=10,
        key="attendance_early",
    )
    stay_percent = stay_col.number_input(
        "Stayed: at least … % of the scheduled length",
        min_value=0,
        max_value=100,
        value=funnel.DEFAULT_STAY_PERCENT,
        key="attendance_stay_percent",
        help="The funnel's last step: approved registrants who attended this share of the "
        "event's scheduled minutes.",
    )
settings = reports.AttendanceSettings(threshold, late, early)

with st.expander("Report cache on this computer"):
    if connection.is_demo:
        st.caption("Demo data is never written to disk.")
    elif not store.cache_enabled():
        st.caption(f"Off: {store.CACHE_ENV} is set to off, so every report comes from Zoom.")
    else:
        st.toggle(
            "Keep finished reports on this computer",
            key="attendance_keep_reports",
            help="A report loaded more than two hours after its event ended no longer changes. "
            "Kept in a file only you can read, it loads again later, or after a restart, "
            "without calls to Zoom. Refresh asks Zoom again.",
        )
        kept = ui.report_store(connection)
        if state.get("cache_problem"):
            st.warning(state["cache_problem"])
        where = f"Kept in {ui.report_cache_place()}"
        if kept is not None:
            where += f" · {kept.count():,} reports kept for this client"
        st.caption(where)
        if st.button("Clear cached reports", key="attendance_clear_cache"):
            removed = ui.clear_report_cache()  # what is shown stays; later loads ask Zoom
            plural = "" if removed == 1 else "s"
            st.success(f"Cleared {removed:,} cached report{plural} (of every client).")

chosen = [known[key] for key in state["attendance_selected"]]
if st.button("Load attendance", type="primary", disabled=not chosen, key="attendance_load"):
    for ref in chosen:  # finished reports come from the cache; anything else is asked again
        if state["attendance_states"].get(ref.key) is not EventState.READY:
            ui.invalidate(connection, "attendance", "event", ref.key)
    state["attendance_loaded"] = chosen

refs: list[EventRef] = state["attendance_loaded"]
if not refs:
    st.info("Choose one or more events, then press **Load attendance**.")
    st.stop()

# ---- loading, with progress --------------------------------------------------------------------
bar = st.progress(0.0, text=f"0 of {len(refs)} events")


def show_progress(done: int, total: int) -> None:
    bar.progress(done / total if total else 1.0, text=f"{done} of {total} events loaded")


results = ui.load_attendance(
    connection,
    client,
    refs,
    datetime.now(UTC),
    progress=show_progress,
    refresh=refresh,
    keep_reports=state["attendance_keep_reports"],
)
quota.caption(ui.heavy_usage_text(connection))
if state.get("cache_problem"):
    st.warning(state["cache_problem"])
ui.show_limits_problem(connection)  # Redis went away during the load: said, paced alone
state["attendance_states"] = {
    **state["attendance_states"],
    **{result.ref.key: result.state for result in results},
}


# ---- one event ---------------------------------------------------------------------------------
def show_state(result: attendance.AttendanceResult) -> None:
    show, icon = STATE_LOOK[result.state]
    show(f"**{result.state.title}.** {attendance.state_message(result, viewer_tz)}", icon=icon)
    if result.state is EventState.MISSING_SCOPE:
        st.page_link(
            ui.CONNECTION_PAGE, label="Open the scope checklist", icon=":material/checklist:"
        )


def download(frame, what: str, stem: str, key: str) -> None:
    st.download_button(
        f"Download {what} (CSV)",
        data=to_csv_bytes(frame),
        file_name=f"{stem}-{what.replace(' ', '-')}.csv",
        mime="text/csv",
        key=key,
        on_click="ignore",
    )


def show_funnel(n: int, label: str, result, analysis: reports.EventAnalysis) -> funnel.Funnel:
    ref = result.ref
    steps = funnel.event_funnel(
        label,
        analysis.people,
        result.registrants,
        threshold_minutes=threshold,
        scheduled_minutes=ref.duration if ref.start is not None else None,
        stay_percent=stay_percent,
    )
    ui.show_chart(
        charts.funnel_figure(steps), funnel.funnel_sentence(steps), f"attendance_funnel_{n}"
    )
    return steps


def show_event(n: int, result: attendance.AttendanceResult, label: str) -> reports.EventSummary:
    ref = result.ref
    analysis = reports.analyse_event(
        reports.participants_frame(result.participants),
        result.registrants,
        settings,
        ref.start,
        ref.end,
    )
    summary = analysis.summary
    counts = summary.registrants
    if counts is None:
        message = attendance.registrants_message(result)
        if result.registrants_error is not None:
            st.warning(message)
        else:
            st.caption(message)
    row = st.columns(5)
    if counts is not None:
        row[0].metric("Approved", counts.approved)
        row[1].metric("Pending", counts.pending)
        row[2].metric("Denied", counts.denied)
    row[3].metric(
        "Unique attendees",
        summary.attendees,
        help=f"Rejoins merged; at least {threshold} min. {summary.registered_attendees} "
        f"registered, {summary.guests} guests (host included); {summary.below_threshold} "
        "stayed less.",
    )
    rate = summary.attendance_rate
    row[4].metric("Attendance rate", "—" if rate is None else f"{rate:.1%}")
    row = st.columns(5)
    row[0].metric("Total minutes", f"{summary.total_minutes:,.0f}")
    median = summary.median_minutes
    row[1].metric("Median minutes", "—" if median is None else f"{median:.1f}")
    row[2].metric(
        "Late joiners",
        "—" if summary.late_joiners is None else summary.late_joiners,
        help=f"Joined more than {late} min after the scheduled start.",
    )
    row[3].metric(
        "Early leavers",
        "—" if summary.early_leavers is None else summary.early_leavers,
        help=f"Left more than {early} min before the scheduled end (and did not come back).",
    )
    peak_at = reports.clock_text(summary.peak_minute, viewer_tz)
    row[4].metric(
        "Peak concurrent",
        summary.peak_concurrent,
        help=f"The most attendees present in one minute, first at {peak_at}.",
    )
    st.caption(reports.rate_formula_text(summary))
    if ref.start is None:
        st.caption("The scheduled times are unknown, so late joiners and early leavers are not.")

    left, right = st.columns(2)
    ui.show_chart(
        charts.timeline_figure(analysis.timeline, tz=viewer_tz, start=ref.start, end=ref.end),
        charts.describe_timeline(analysis.timeline, viewer_tz),
        f"attendance_timeline_{n}",
        left,
    )
    ui.show_chart(
        charts.minutes_histogram(analysis.distribution),
        charts.describe_minutes(analysis.distribution),
        f"attendance_minutes_{n}",
        right,
    )
    if result.registrants is not None:
        funnels.append(show_funnel(n, label, result, analysis))  # label: unique per event
    sheets.append(
        workbook.event_sheets(result.ref.topic or label, analysis, result.registrants, viewer_tz)
    )

    stem = attendance.file_stem(ref)
    registrants = [r for s in REGISTRANT_STATUSES for r in (result.registrants or {}).get(s, ())]
    people_tab, absent_tab, registrants_tab = st.tabs(
        [
            f"People ({len(analysis.people)})",
            f"Absentees ({len(analysis.absentees)})",
            f"Registrants ({len(registrants)})",
        ]
    )
    with people_tab:
        people = reports.people_table(analysis.people, viewer_tz)
        ui.show_table(people, PEOPLE_TABLE, key=f"attendance_people_table_{n}", config=PEOPLE)
        download(people, "participants", stem, f"attendance_people_{n}")
    with absent_tab:
        st.caption("Approved registrants who never joined, or stayed under the threshold.")
        ui.show_table(
            analysis.absentees,
            ABSENTEE_TABLE,
            key=f"attendance_absentees_table_{n}",
            config={"Email": PEOPLE["Email"], "Minutes": PEOPLE["Minutes"]},
        )
        download(analysis.absentees, "absentees", stem, f"attendance_absentees_{n}")
    with registrants_tab:
        table = registrants_frame(registrants)
        st.dataframe(table, hide_index=True, width="stretch")
        download(table, "registrants", stem, f"attendance_registrants_{n}")
    return summary


headings = attendance.headings(results, viewer_tz)
summaries: list[reports.EventSummary | None] = []
funnels: list[funnel.Funnel] = []  # filled by show_event, for the across-events funnel
sheets: list[workbook.EventSheets] = []  # filled by show_event, for the workbook
for n, (result, heading) in enumerate(zip(results, headings, strict=True)):
    with st.container(border=True):
        st.subheader(heading.label)
        about = f"ID {heading.event_id}"
        if result.ref.uuid:
            about += f" · occurrence UUID {result.ref.uuid}"
        if result.loaded_at is not None:
            about += f" · asked Zoom {ui.ago(result.loaded_at)}"
        if result.from_cache:
            about += " (from the report cache on this computer)"
        st.caption(f"{about}. {result.ref.note}".strip())
        if result.state is not EventState.READY:
            show_state(result)
            summaries.append(None)
            continue
        summaries.append(show_event(n, result, heading.label))

# ---- across events -----------------------------------------------------------------------------
st.subheader("Across events")
across = reports.summary_frame(zip(headings, summaries, strict=True), viewer_tz)
st.download_button(
    "Download workbook (.xlsx)",
    data=partial(workbook.attendance_workbook, across, sheets, viewer_tz),  # made when clicked
    file_name=f"attendance-{datetime.now(UTC):%Y-%m-%d}.xlsx",
    mime=workbook.XLSX_MIME,
    key="attendance_workbook",
    on_click="ignore",
    type="primary",
    help="A Summary sheet, then a People and an Absentees sheet per loaded event; times are "
    f"Excel date-times in {viewer_tz}.",
)
if any(s is not None for s in summaries):
    left, right = st.columns(2)
    ui.show_chart(
        charts.registrants_vs_attendees_figure(across),
        charts.describe_registrants_vs_attendees(across),
        "attendance_across_counts",
        left,
    )
    ui.show_chart(
        charts.attendance_rate_figure(across, viewer_tz),
        charts.describe_attendance_rate(across, viewer_tz),
        "attendance_across_rate",
        right,
    )
table = summary_table(across, viewer_tz)
numbers = list(table.columns[table.columns.get_loc("State") + 1 :])  # text, read as numbers
ui.show_table(
    table,
    SUMMARY_TABLE,
    key="attendance_summary_table",
    wrap=3,
    config={
        **{n: st.column_config.TextColumn(n, width=80, alignment="right") for n in numbers},
        "Event": st.column_config.TextColumn("Event", width=240),
        "State": st.column_config.TextColumn(
            "State",
            width=120,
            help="Loaded, or why an event has no numbers (—): a report is not ready until "
            "about 30 minutes after the end (longer after large events), so load it again "
            "later; the event's box above says more.",
        ),
        SUMMARY_RATE: st.column_config.TextColumn(
            "Rate", width=70, alignment="right", help=f"{reports.ATTENDANCE_RATE_FORMULA}."
        ),
        "Median minutes": st.column_config.TextColumn(
            "Median min", width=85, alignment="right", help="Median minutes attended."
        ),
        "Peak concurrent": st.column_config.TextColumn(
            "Peak",
            width=65,
            alignment="right",
            help="Peak concurrent: the most attendees present in one minute.",
        ),
    },
)
download(across, "summary", "attendance", "attendance_summary")

if funnels:
    st.markdown("**Funnel across events**")
    st.markdown(funnel.funnel_sentence(funnel.total_funnel(funnels)))
    ui.show_chart(
        charts.funnel_comparison_figure(funnels),
        charts.describe_funnel_comparison(funnels),
        "attendance_across_funnel",
    )
    funnel_table = funnel.funnel_frame(funnels)
    st.dataframe(funnel_table, hide_index=True, width="stretch")
    download(funnel_table, "funnel", "attendance", "attendance_funnel")
