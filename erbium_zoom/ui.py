"""The Streamlit glue: the only module of the package that imports streamlit.

Pages call these functions; everything they show comes from the pure core (config, client,
check, scopes). Errors are rendered through :func:`erbium_zoom.errors.user_message` only.
"""

from __future__ import annotations

import streamlit as st

from erbium_zoom import simulator
from erbium_zoom.check import check_credentials
from erbium_zoom.config import Credentials, credentials_from_env, settings_from_env
from erbium_zoom.errors import ZoomError, user_message
from erbium_zoom.scopes import CLASSIC, GRANTED

STATUS_ICONS = {GRANTED: "✅ granted", CLASSIC: "☑️ classic scope", "missing": "❌ missing"}


@st.cache_resource
def _demo_account() -> simulator.SimulatedZoom:
    """One simulated account per server process: demo data only, no secrets."""
    return simulator.SimulatedZoom("full")


def render_connection_overview() -> None:
    """Placeholder page: the connection check for the environment's credentials or the demo."""
    st.set_page_config(page_title="erbium-zoom", page_icon="📡", layout="wide")
    st.title("erbium-zoom")
    settings = settings_from_env()
    try:
        credentials, warnings = credentials_from_env()
    except ZoomError as error:
        st.error(user_message(error))
        st.stop()
    transport = None
    if credentials is None:
        st.info("Demo mode: no credentials are configured, so this shows a simulated Zoom account.")
        credentials = Credentials(
            simulator.DEFAULT_ACCOUNT_ID,
            simulator.DEFAULT_CLIENT_ID,
            simulator.DEFAULT_CLIENT_SECRET,
        )
        transport = _demo_account().transport()
    for warning in warnings:
        st.warning(warning)
    result = check_credentials(credentials, settings, transport=transport)
    if result.error is not None:
        st.error(user_message(result.error))
        return
    report = result.report
    if report.ok:
        st.success(f"Connected: all 17 scopes are in place. {report.summary()}")
    else:
        st.warning(f"Connected, but scopes are missing. {report.summary()}")
    st.dataframe(
        [
            {
                "Group": s.scope.group.capitalize(),
                "Scope": s.scope.name,
                "Status": STATUS_ICONS[s.status],
                "Unlocks": s.scope.unlocks,
            }
            for s in report.statuses
        ],
        hide_index=True,
    )
