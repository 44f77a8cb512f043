"""Handler for participant reports: ``GET /report/webinars|meetings/{id or UUID}/participants``.

A report exists from 30 minutes after an occurrence ends until a year after it started.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import unquote

import httpx

from erbium_zoom.simulator.responses import _decode_event_ref, _error

if TYPE_CHECKING:
    from erbium_zoom.simulator.account import SimulatedZoom

REPORT_DELAY = timedelta(minutes=30)  # reports are "not ready" this long after the end
REPORT_RETENTION = timedelta(days=365)  # older → 12702 "Can not access ... a year ago."


def _report(sim: SimulatedZoom, request, match, path, query, kind) -> httpx.Response:
    raw = match["eid"]
    ref = _decode_event_ref(raw)
    shown = ref if ref is not None else unquote(raw)
    if kind == "webinar":
        not_found = _error(404, 3001, f'Webinar "{shown}" not found or has expired')
    else:
        not_found = _error(404, 3001, f"Meeting {shown} not found or has expired.")
    if ref is None:
        return not_found
    if ref.isdigit():
        event = sim._by_id.get((kind, int(ref)))
        instance = sim._latest_ended(event) if event else None
    else:
        event, instance = sim._by_uuid.get((kind, ref), (None, None))
    if event is None or instance is None:
        return not_found
    if instance.start < sim.now - REPORT_RETENTION:
        article = "a webinar" if kind == "webinar" else "meeting"
        return _error(400, 12702, f"Can not access {article} a year ago.")
    if instance.end > sim.now - REPORT_DELAY:
        return not_found  # not ended, or ended too recently for the report to exist
    include = {part.strip() for part in query.get("include_fields", "").split(",")}

    def view(row: dict) -> dict:
        row = dict(row)
        if "registrant_id" not in include:
            del row["registrant_id"]
        return row

    return sim._paginate(path, query, instance.rows, "participants", page_number=False, view=view)
