"""Trouble to inject (:class:`Faults`) and the pipeline steps that inject it.

:class:`FaultInjection` is a base class of SimulatedZoom: its ``_injected_fault`` answers
5xx and malformed JSON before anything else, ``_admit`` applies the per-second (QPS) and
per-day rate limits with Zoom's 429 bodies and headers, and ``_count_success`` expires old
tokens after ``expire_tokens_after`` calls. Latency is slept in ``SimulatedZoom.handle``.
"""

from __future__ import annotations

import bisect
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import httpx

from erbium_zoom.simulator.responses import _daily_headers, _error

QPS_WINDOWS = ("clock", "sliding")  # how Faults.qps_limits are counted


@dataclass
class Faults:
    """Trouble to inject; everything is off by default.

    The simulator reads these live, so a test may change them between requests;
    ``server_errors`` and ``malformed_json`` count down as they are used.
    """

    qps_limits: dict[str, int] = field(default_factory=dict)  # category → per second
    # "clock": per second of the server's clock (x.000 to x.999); "sliding": a request is
    # refused when its category had qps_limits admitted in the 1.0 s before it arrived.
    # Zoom does not document its window: "sliding" is the strictest reading.
    qps_window: str = "clock"
    daily_limits: dict[str, int] = field(default_factory=dict)  # category → per UTC day
    qps_retry_after: bool = False  # Zoom's documented QPS 429 carries no Retry-After
    latency: float = 0.0  # seconds slept (through the injected sleep) per request
    token_ttl: int = 3599  # the expires_in handed out
    expire_tokens_after: int | None = None  # after N successful API calls, old tokens expire
    server_errors: int = 0  # the next N API requests answer 500/502/503
    malformed_json: int = 0  # the next N API requests answer 200 with truncated JSON
    fault_paths: str | None = None  # limit server_errors/malformed_json to matching paths

    def __post_init__(self) -> None:
        if self.qps_window not in QPS_WINDOWS:
            raise ValueError(
                f"Unknown QPS window {self.qps_window!r}; use {' or '.join(QPS_WINDOWS)}."
            )


_BAD_GATEWAY_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


class FaultInjection:
    """The steps of SimulatedZoom's request pipeline that :class:`Faults` controls.

    A base class of SimulatedZoom, whose __init__ sets up the state these read and count in.
    """

    faults: Faults
    clock: Callable[[], float]
    tokens_issued: int
    _server_errors_sent: int
    _qps_counts: dict[tuple[str, int], int]  # (category, clock second) → calls admitted
    _qps_admitted: dict[str, list[float]]  # category → admissions' arrival times, in order
    _daily_counts: dict[tuple[str, date], int]  # (category, UTC day) → calls admitted
    _api_successes: int
    _expired_through: int  # tokens with serial <= this are expired (expire_tokens_after)

    def _injected_fault(self, path: str) -> httpx.Response | None:
        fault_paths = self.faults.fault_paths
        if fault_paths and fault_paths not in path:
            return None
        if self.faults.server_errors > 0:
            self.faults.server_errors -= 1
            status = (500, 502, 503)[self._server_errors_sent % 3]
            self._server_errors_sent += 1
            if status == 502:
                # A gateway in front of the API answers this one, in HTML.
                return httpx.Response(
                    502, content=_BAD_GATEWAY_HTML, headers={"Content-Type": "text/html"}
                )
            return _error(status, 500, "Internal Error")
        if self.faults.malformed_json > 0:
            self.faults.malformed_json -= 1
            whole = json.dumps(
                {
                    "page_size": 30,
                    "total_records": 2,
                    "next_page_token": "",
                    "registrants": [{"id": "x", "email": "a@example.com"}],
                }
            )
            return httpx.Response(
                200,
                content=whole[: len(whole) // 2].encode(),
                headers={"Content-Type": "application/json;charset=UTF-8"},
            )
        return None

    def _admit(
        self, category: str, arrived: float | None = None
    ) -> tuple[httpx.Response | None, dict[str, str]]:
        """Apply the configured per-second and per-day limits for this category, to a request
        that ``arrived`` then (the simulator's clock; now when not given).

        Zoom's gateway counts a request when it arrives, before the work and the way back that
        the simulated latency stands for. Requests are handled in threads, and one may reach
        this point after a later one (a thread woken late from the latency on a busy machine):
        the window holds arrival times in order, and counts those within the second before
        this request's arrival, whenever it is handled."""
        qps = self.faults.qps_limits.get(category)
        daily = self.faults.daily_limits.get(category)
        if qps is None and daily is None:
            return None, {}
        moment = self.clock() if arrived is None else arrived
        second = math.floor(moment)
        day = datetime.fromtimestamp(moment, UTC).date()
        used_today = self._daily_counts.get((category, day), 0)
        recent = self._qps_admitted.setdefault(category, [])
        while recent and recent[-1] - recent[0] >= 2.0:
            recent.pop(0)  # no request still to be handled arrived that much earlier
        if self.faults.qps_window == "sliding":
            used_now = bisect.bisect_right(recent, moment) - bisect.bisect_right(
                recent, moment - 1.0
            )
        else:
            used_now = self._qps_counts.get((category, second), 0)
        if daily is not None and used_today >= daily:
            return _error(
                429,
                429,
                f"You have exceeded the daily rate limit ({daily}) of {category} API requests "
                "permitted for this account. You may resume these requests at GMT 00:00:00.",
            ), _daily_headers(daily, day)
        if qps is not None and used_now >= qps:
            headers = {
                "X-RateLimit-Type": "QPS",
                "X-RateLimit-Limit": str(qps),
                "X-RateLimit-Remaining": "0",
            }
            if self.faults.qps_retry_after:
                headers["Retry-After"] = "1"
            return _error(
                429,
                429,
                "You have reached the maximum per-second rate limit for this API. Try again later.",
            ), headers
        self._daily_counts[(category, day)] = used_today + 1
        self._qps_counts[(category, second)] = self._qps_counts.get((category, second), 0) + 1
        bisect.insort(recent, moment)
        for key in [key for key in self._qps_counts if key[1] < second - 1]:
            del self._qps_counts[key]  # only the current window matters
        if daily is not None:
            return None, {
                "X-RateLimit-Limit": str(daily),
                "X-RateLimit-Remaining": str(daily - used_today - 1),
            }
        return None, {
            "X-RateLimit-Limit": str(qps),
            "X-RateLimit-Remaining": str(qps - used_now - 1),
        }

    def _count_success(self) -> None:
        self._api_successes += 1
        if self.faults.expire_tokens_after is not None and (
            self._api_successes == self.faults.expire_tokens_after
        ):
            self._expired_through = self.tokens_issued
