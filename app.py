"""erbium-zoom: the entry point. Page setup, the sign-in gate, the shared sidebar, the router.

Run with `make run` (or `streamlit run app.py`). Without credentials it shows demo data from a
simulated Zoom account. With sign-in configured (README, "Deploying for the team") nothing is
shown before the person has signed in and is on the access lists.
"""

import streamlit as st

from erbium_zoom import ui

st.set_page_config(page_title="erbium-zoom", page_icon="📡", layout="wide")

if ui.gate() is None:  # the sign-in button, a refusal or "not allowed" was shown, nothing else
    st.stop()

pages = [
    st.Page("pages/connection.py", title="Connection", icon="🔑", default=True),
    st.Page("pages/events.py", title="Events", icon="📅", url_path="events"),
    st.Page("pages/registrants.py", title="Registrants", icon="🧑‍🤝‍🧑", url_path="registrants"),
    st.Page("pages/attendance.py", title="Attendance", icon="📊", url_path="attendance"),
    st.Page("pages/clients.py", title="All clients", icon="🗂️", url_path="clients"),
    st.Page("pages/activity.py", title="Activity", icon="📜", url_path="activity"),
]
navigation = st.navigation(pages)
ui.render_sidebar()
navigation.run()
