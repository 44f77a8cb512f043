"""erbium-zoom dashboard entry point (placeholder until the pages land).

Shows the connection check for the credentials in the environment, or for the simulated Zoom
account when none are set.
"""

from erbium_zoom.ui import render_connection_overview

render_connection_overview()
