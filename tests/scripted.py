"""A simulated account with scripted faults on top (tests only): a rule answers, or raises, for
the requests whose path contains a given text, a set number of times, before the simulator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from erbium_zoom.simulator import SimCall, SimulatedZoom


@dataclass
class Rule:
    path_contains: str
    answer: Callable[[httpx.Request], httpx.Response]  # may raise an httpx error instead
    times: int | None = None  # None: every time
    used: int = 0


class ScriptedZoom(SimulatedZoom):
    def __init__(self, *args, rules: list[Rule] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.rules = list(rules)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode("ascii", "replace").partition("?")[0]
        for rule in self.rules:
            if rule.path_contains in path and (rule.times is None or rule.used < rule.times):
                rule.used += 1
                response = rule.answer(request)  # raising is how network faults are scripted
                self.calls.append(SimCall(request.method, path, {}, response.status_code))
                return response
        return super().handle(request)


def raise_(error: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        raise error

    return answer


def zoom_error(status: int, code: int, message: str, headers: dict | None = None):
    return lambda request: httpx.Response(
        status, json={"code": code, "message": message}, headers=headers or {}
    )
