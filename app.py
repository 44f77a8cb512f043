"""erbium-zoom: the entry point. Page setup, the shared sidebar, and the page router.

Run with `make run` (or `streamlit run app.py`). Without credentials it shows demo data from a
simulated Zoom account.
"""

import streamlit as st

from erbium_zoom import ui

st.set_page_config(page_title="erbium-zoom", page_icon="📡", layout="wide")

pages = [
    st.Page("pages/connection.py", title="Connection", icon="🔑", default=True),
    st.Page("pages/events.py", title="Events", icon="📅", url_path="events"),
    st.Page("pages/pace.py", title="Registration pace", icon="📈", url_path="pace"),
    st.Page("pages/registrants.py", title="Registrants", icon="🧑‍🤝‍🧑", url_path="registrants"),
    st.Page("pages/attendance.py", title="Attendance", icon="📊", url_path="attendance"),
    st.Page("pages/clients.py", title="All clients", icon="🗂️", url_path="clients"),
]
navigation = st.navigation(pages)
ui.render_sidebar()
navigation.run()
