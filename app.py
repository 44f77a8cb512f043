"""erbium-zoom: the entry point. Page setup, the sign-in gate, the shared sidebar, the router.

Run with `make run` (or `streamlit run app.py`). Without credentials it shows demo data from a
simulated Zoom account. With sign-in configured (README, "Deploying for the team") nothing is
shown before the person has signed in and is on the access lists.
"""

from pathlib import Path

import streamlit as st

from erbium_zoom import ui

# The tab icon is a drawing (an antenna), not an emoji: it needs no emoji font.
FAVICON = Path(__file__).parent / "erbium_zoom" / "assets" / "favicon.svg"
st.set_page_config(page_title="erbium-zoom", page_icon=str(FAVICON), layout="wide")

# (script, title, icon, url_path); the first is the default page. Material icons come with
# Streamlit's own font, so they show without an emoji font on the machine.
PAGES = [
    ("pages/connection.py", "Connection", ":material/key:", ""),
    ("pages/events.py", "Events", ":material/event:", "events"),
    ("pages/pace.py", "Registration pace", ":material/trending_up:", "pace"),
    ("pages/registrants.py", "Registrants", ":material/group:", "registrants"),
    ("pages/attendance.py", "Attendance", ":material/bar_chart:", "attendance"),
    ("pages/clients.py", "All clients", ":material/folder_shared:", "clients"),
    ("pages/activity.py", "Activity", ":material/history:", "activity"),
]

# Before sign-in, or when refused, every path shows only the sign-in button or the refusal.
if ui.gate([path for *_, path in PAGES]) is None:
    st.stop()

pages = [
    st.Page(script, title=title, icon=icon, url_path=path or None, default=not path)
    for script, title, icon, path in PAGES
]
navigation = st.navigation(pages, position="hidden")
with st.sidebar:
    for page in pages:
        st.page_link(page)
    st.divider()
ui.render_sidebar()
navigation.run()
