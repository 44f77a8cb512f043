"""Running independent Zoom calls side by side, with the outcomes in the order given.

A thread pool: ``httpx.Client`` and :class:`~erbium_zoom.client.ZoomClient` are thread-safe, and
the account's rate limiter paces whatever runs here, so more threads never mean more than Zoom
allows. With one worker everything runs in the caller's thread, in order, exactly as a loop
would. No streamlit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_WORKERS = 8  # enough to keep Pro and Business limits busy at Zoom's round-trip times


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What one call gave: its value, or the error it raised."""

    value: T | None = None
    error: Exception | None = None

    def get(self) -> T:
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]


def capture(call: Callable[[], T]) -> Outcome[T]:
    """Run ``call``, keeping an error as an outcome rather than raising it."""
    try:
        return Outcome(value=call())
    except Exception as error:  # noqa: BLE001 - handed back to the caller, who decides
        return Outcome(error=error)


def run_ordered(
    calls: Sequence[Callable[[], T]],
    workers: int = MAX_WORKERS,
    *,
    fatal: tuple[type[Exception], ...] = (),
) -> list[Outcome[T]]:
    """Every call's outcome, in the order given, ``workers`` calls at a time.

    An error of a ``fatal`` type (one that means nothing else can work either, such as a
    refused sign-in) is raised instead, and the calls not yet started are skipped.
    """
    if workers <= 1 or len(calls) <= 1:
        outcomes = []
        for call in calls:
            outcome = capture(call)
            if isinstance(outcome.error, fatal):
                raise outcome.error
            outcomes.append(outcome)
        return outcomes
    pool = ThreadPoolExecutor(max_workers=min(workers, len(calls)), thread_name_prefix="zoom")
    try:
        futures = [pool.submit(capture, call) for call in calls]
        for future in as_completed(futures):
            error = future.result().error
            if isinstance(error, fatal):
                raise error
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
