"""Time zones by name, forgiving: an unknown or empty name is UTC. Pure, imports nothing of ours,
so the metrics (reports, attendance, pace, charts, workbook) and the views all share it."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None) -> ZoneInfo:
    """A time zone by IANA name, UTC when unknown or empty."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
