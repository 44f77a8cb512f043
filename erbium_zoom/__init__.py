"""erbium-zoom: check clients' Zoom S2S OAuth apps, list their events, chart attendance.

The package is the pure core under the Streamlit pages: configuration, the Zoom client, the
scope check, the simulated Zoom account. Only ``erbium_zoom.ui`` may import streamlit.
"""

__version__ = "0.1.0"
