"""The loopback HTTP server: a SimulatedZoom served on 127.0.0.1 or ::1 in a daemon thread.

Each HTTP request becomes an ``httpx.Request`` with its raw path intact and goes to
``SimulatedZoom.handle``, exactly as the in-process transport's requests do.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from erbium_zoom.simulator.account import SimulatedZoom


class _RequestHandler(BaseHTTPRequestHandler):
    """Turns each HTTP request into an httpx.Request for the simulator, raw path intact."""

    sim: SimulatedZoom
    protocol_version = "HTTP/1.1"

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host, port = self.server.server_address[:2]
        netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        try:
            # self.path is the request target exactly as sent: percent-escapes are kept.
            request = httpx.Request(
                self.command,
                f"http://{netloc}{self.path}",
                headers=list(self.headers.items()),
                content=body,
            )
            response = self.sim.handle(request)
            content = response.content
            status, headers = response.status_code, response.headers.multi_items()
        except Exception as exc:  # a simulator bug must not kill the server thread
            content = json.dumps({"code": 500, "message": f"Simulator error: {exc!r}"}).encode()
            status, headers = 500, [("Content-Type", "application/json")]
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward

    def log_message(self, format: str, *args: object) -> None:
        """Silenced: the default writes a line to stderr per request."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse lookup that can wait on DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), port


class _HTTPServerV6(_HTTPServer):
    address_family = socket.AF_INET6


def _loopback(host: str) -> str:
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        raise ValueError(
            f"The simulator serves on loopback only (127.0.0.1, ::1); refusing host {host!r}."
        )
    return str(address)


class SimulatorServer:
    """A real HTTP server on loopback answering from a SimulatedZoom, in a daemon thread."""

    def __init__(self, sim: SimulatedZoom, host: str = "127.0.0.1", port: int = 0):
        host = _loopback(host)
        handler = type("SimRequestHandler", (_RequestHandler,), {"sim": sim})
        server_class = _HTTPServerV6 if ":" in host else _HTTPServer
        self._httpd = server_class((host, port), handler)
        bound_port = self._httpd.server_address[1]
        netloc = f"[{host}]:{bound_port}" if ":" in host else f"{host}:{bound_port}"
        self.sim = sim
        self.host = host
        self.port = bound_port
        self.url = f"http://{netloc}"
        self.oauth_url = self.url + "/oauth/token"
        self.api_url = self.url + "/v2"
        sim.api_url = self.url  # the token's api_url now points here, not at zoom.us
        self._closed = False
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"zoom-simulator-{bound_port}",
            daemon=True,
        )
        self._thread.start()

    def close(self) -> None:
        """Stop serving, close the socket and join the thread. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def wait(self) -> None:
        """Block until Ctrl-C (for the CLI), then close."""
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.close()

    def __enter__(self) -> SimulatorServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def serve(sim: SimulatedZoom, host: str = "127.0.0.1", port: int = 0) -> SimulatorServer:
    """Serve ``sim`` over HTTP on a loopback address (port 0 picks a free port)."""
    return SimulatorServer(sim, host, port)
