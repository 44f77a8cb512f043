"""Zoom's wire conventions that the handlers share.

JSON and error bodies, page sizes, the daily-limit headers, request bodies, and the event IDs
or UUIDs in paths (decoded as Zoom decodes them).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from urllib.parse import unquote

import httpx

from erbium_zoom.simulator.data import _iso

MAX_PAGE_SIZE = 300
DEFAULT_PAGE_SIZE = 30


def _decode_event_ref(raw: str) -> str | None:
    """The meeting/webinar ID or UUID in a raw path segment, decoded as Zoom does.

    Zoom decodes once. A UUID that starts with '/' or contains '//' must arrive
    double-encoded; if it arrives single-encoded (or unencoded) Zoom cannot route it, which
    is answered here as None (→ 404/3001). Other UUIDs may contain '+', '/' and '=' and
    decode once; a double-encoded one is decoded a second time.
    """
    if "/" in raw:
        return None
    once = unquote(raw)
    if once.startswith("/") or "//" in once:
        return None
    return unquote(once) if "%" in once else once


def _json_response(status: int, body: object, headers: dict | None = None) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json;charset=UTF-8", **(headers or {})},
    )


def _error(status: int, code: int, message: str, **extra: object) -> httpx.Response:
    """Zoom's REST error body: always {"code": int, "message": str} (+ "errors" sometimes)."""
    return _json_response(status, {"code": code, "message": message, **extra})


def _invalid_value(field: str, value: str) -> httpx.Response:
    """Zoom's answer to a query parameter outside its allowed values."""
    return _error(
        400, 300, "Invalid field.", errors=[{"field": field, "message": f"Invalid value: {value}."}]
    )


def _next_midnight(day: date) -> str:
    return _iso(datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1))


def _page_size(query: dict[str, str]) -> int:
    try:
        size = int(query.get("page_size", DEFAULT_PAGE_SIZE))
    except ValueError:
        return DEFAULT_PAGE_SIZE
    if size < 1:
        return DEFAULT_PAGE_SIZE
    return min(size, MAX_PAGE_SIZE)  # Zoom clamps rather than refusing


def _daily_headers(limit: int, day: date) -> dict[str, str]:
    return {
        "X-RateLimit-Type": "Daily-limit",
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": "0",
        "Retry-After": _next_midnight(day),
    }


def _json_body(request: httpx.Request) -> object:
    try:
        return json.loads(request.content or b"null")
    except ValueError:
        return None
