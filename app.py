"""erbium-zoom: the entry point. Page setup, the sign-in gate, the shared sidebar, the router.

Run with `make run` (or `streamlit run app.py`). Without credentials it shows demo data from a
simulated Zoom account. With sign-in configured (README, "Deploying for the team") nothing is
shown before the person has signed in and is on the access lists.
"""

import streamlit as st

from erbium_zoom import ui

st.set_page_config(page_title="erbium-zoom", page_icon="📡", layout="wide")

# (script, title, icon, url_path); the first is the default page.
PAGES = [
    ("pages/connection.py", "Connection", "🔑", ""),
    ("pages/events.py", "Events", "📅", "events"),
    ("pages/pace.py", "Registration pace", "📈", "pace"),
    ("pages/registrants.py", "Registrants", "🧑‍🤝‍🧑", "registrants"),
    ("pages/attendance.py", "Attendance", "📊", "attendance"),
    ("pages/clients.py", "All clients", "🗂️", "clients"),
    ("pages/activity.py", "Activity", "📜", "activity"),
]

# Before sign-in, or when refused, every path shows only the sign-in button or the refusal.
if ui.gate([path for *_, path in PAGES]) is None:
    st.stop()

navigation = st.navigation(
    [
        st.Page(script, title=title, icon=icon, url_path=path or None, default=not path)
        for script, title, icon, path in PAGES
    ]
)
ui.render_sidebar()
navigation.run()
