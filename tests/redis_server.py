"""A real Redis server for tests: Debian's redis-server on 127.0.0.1, in a temporary folder.

Started on a free port without persistence (``--save ""``, ``--appendonly no``), so a restart
loses every key, as a Redis without persistence does. ``stop`` and ``start`` again on the same
port simulate an outage and a restart. The ``redis_server`` fixture (tests/conftest.py) skips
when redis-server is missing, and fails instead when CI=true.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
from pathlib import Path

READY = "Ready to accept connections"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_server_binary() -> str | None:
    return shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )


class RedisServer:
    """One redis-server process; ``url`` stays the same across stop and start."""

    def __init__(self, binary: str, folder: Path):
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        seen = []
        for line in self.process.stdout:  # the server says when it accepts connections
            seen.append(line)
            if READY in line:
                # Keep reading what it logs later, so a full pipe never blocks the server.
                threading.Thread(target=self.process.stdout.read, daemon=True).start()
                return
        raise RuntimeError("redis-server did not start:\n" + "".join(seen[-20:]))

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def flush(self) -> None:
        import redis

        client = redis.Redis.from_url(self.url)
        client.flushall()
        client.close()
