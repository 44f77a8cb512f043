"""Virtual time for tests that run several actors at the same moment, with no real waiting and
no dependence on the machine's speed.

The clock moves only when every thread taking part waits: asleep (:meth:`VirtualTime.sleep`,
given to the rate limiters, the clients and the simulator's latency), or waiting for work it
handed to other threads (:meth:`VirtualTime.executor`, which stands in for
``ThreadPoolExecutor``, and :meth:`VirtualTime.as_completed`). It then jumps to the earliest
wake-up. So when each request goes and reaches the simulator is decided by the code alone:
however slow the machine, a request never goes later than its slot because the machine was
busy. Threads woken at the same moment run side by side; what they do takes no virtual time.

A thread taking part must not wait for another one in any other way while that one sleeps
(a lock held across a sleep, say): the clock would never move. The executor starts a thread
per task (no worker limit): more overlap than a real pool, never less.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future


class _Waiter:
    def __init__(self, futures: list[Future], every: bool):
        self.futures, self.every, self.woken = futures, every, False

    def ready(self) -> bool:
        done = [f.done() for f in self.futures]
        return all(done) if self.every else any(done)


class VirtualTime:
    def __init__(self, start: float = 1_000.0):
        self.now = start
        self._cond = threading.Condition()
        self._active = 0  # threads taking part that neither sleep nor wait
        self._asleep: list[tuple[float, int, list[bool]]] = []  # (wake at, order, woken flag)
        self._waiters: list[_Waiter] = []
        self._order = itertools.count()

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        woken = [False]
        with self._cond:
            heapq.heappush(self._asleep, (self.now + max(0.0, seconds), next(self._order), woken))
            self._active -= 1
            self._advance()
            self._cond.wait_for(lambda: woken[0])

    def _advance(self) -> None:
        """Nobody can move: wake whoever is due first (under the lock)."""
        if self._active > 0 or not self._asleep:
            return
        self.now = max(self.now, self._asleep[0][0])
        while self._asleep and self._asleep[0][0] <= self.now:
            heapq.heappop(self._asleep)[2][0] = True
            self._active += 1
        self._cond.notify_all()

    # ---- threads -------------------------------------------------------------------------------

    def _start(self, target: Callable[[], None]) -> threading.Thread:
        with self._cond:
            self._active += 1  # from now: the clock waits for it

        def body() -> None:
            try:
                target()
            finally:
                with self._cond:
                    self._active -= 1
                    self._advance()

        thread = threading.Thread(target=body, daemon=True)
        thread.start()
        return thread

    def _wait(self, futures: list[Future], every: bool) -> None:
        with self._cond:
            waiter = _Waiter(futures, every)
            if waiter.ready():
                return
            self._waiters.append(waiter)
            self._active -= 1
            self._advance()
            self._cond.wait_for(lambda: waiter.woken)
            self._waiters.remove(waiter)

    def _settle(self, future: Future, value: object, error: BaseException | None) -> None:
        """A task ends: its result, and whoever waited for it runs on at this very moment."""
        with self._cond:
            if error is None:
                future.set_result(value)
            else:
                future.set_exception(error)
            for waiter in self._waiters:
                if not waiter.woken and waiter.ready():
                    waiter.woken = True
                    self._active += 1
            self._cond.notify_all()

    def executor(self, *args, **kwargs) -> _Executor:
        """A ``ThreadPoolExecutor`` in virtual time (its arguments are ignored)."""
        return _Executor(self)

    def as_completed(self, futures: Iterable[Future]) -> Iterator[Future]:
        pending = list(futures)
        while pending:
            self._wait(pending, every=False)
            for future in [f for f in pending if f.done()]:
                pending.remove(future)
                yield future

    def run(self, *actors: Callable[[], object]) -> list[object]:
        """Run the actors together from now; their results (the first error is raised)."""
        results: list[object] = [None] * len(actors)
        errors: list[BaseException] = []

        def one(index: int, actor: Callable[[], object]) -> Callable[[], None]:
            def target() -> None:
                try:
                    results[index] = actor()
                except BaseException as error:  # noqa: BLE001 - raised below
                    errors.append(error)

            return target

        with self._cond:
            self._active += 1  # this thread, until every actor has started
        threads = [self._start(one(i, actor)) for i, actor in enumerate(actors)]
        with self._cond:
            self._active -= 1
            self._advance()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        return results


class _Future(Future):
    def __init__(self, clock: VirtualTime):
        super().__init__()
        self._clock = clock

    def result(self, timeout: float | None = None):
        self._clock._wait([self], every=True)
        return super().result(0)


class _Executor:
    def __init__(self, clock: VirtualTime):
        self._clock = clock
        self._futures: list[Future] = []

    def submit(self, fn: Callable, /, *args, **kwargs) -> Future:
        future = _Future(self._clock)
        self._futures.append(future)

        def task() -> None:
            try:
                value = fn(*args, **kwargs)
            except BaseException as error:  # noqa: BLE001 - the future's
                self._clock._settle(future, None, error)
            else:
                self._clock._settle(future, value, None)

        self._clock._start(task)
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        if wait:
            self._clock._wait(self._futures, every=True)

    def __enter__(self) -> _Executor:
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown(wait=True)
