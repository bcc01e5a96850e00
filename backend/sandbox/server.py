"""Run the sandbox: in a background thread (tests, ``demo``) or in the foreground (CLI)."""

from __future__ import annotations

import threading

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from backend.sandbox.app import create_app
from backend.sandbox.auth import PASSWORD, USERNAME
from backend.sandbox.control import CONTROL_PREFIX
from backend.sandbox.state import EXTENSION_KEY


class _QuietRequestHandler(WSGIRequestHandler):
    """No access log line per request (tests make thousands)."""

    def log_request(self, *args, **kwargs) -> None:
        pass


class SandboxServer:
    """A sandbox served by werkzeug in a daemon thread; ``url`` is where to reach it."""

    def __init__(self, app: Flask, server: BaseWSGIServer, host: str):
        self.app = app
        self.port = server.port
        display_host = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104
        self.url = f"http://{display_host}:{self.port}"
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name=f"itris-sandbox-{self.port}", daemon=True
        )

    def start(self) -> SandboxServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self.app.extensions[EXTENSION_KEY].close()

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_server(host: str = "127.0.0.1", port: int = 0, **seed_kwargs) -> SandboxServer:
    """Start a sandbox on ``host:port`` (0 = a free port) and return at once."""
    app = create_app(**seed_kwargs)
    server = make_server(host, port, app, threaded=True, request_handler=_QuietRequestHandler)
    return SandboxServer(app, server, host).start()


def serve(
    host: str = "127.0.0.1",
    port: int = 5050,
    seed: int = 1,
    companies: int | None = None,
    applicants: int | None = None,
    contacts: int | None = None,
) -> None:
    """Run a sandbox in the foreground until interrupted (``itris-sync sandbox``)."""
    app = create_app(seed=seed, companies=companies, applicants=applicants, contacts=contacts)
    server = make_server(host, port, app, threaded=True)
    url = SandboxServer(app, server, host).url
    print(f"itris sandbox on {url}  (seed {seed})")
    print(f"  API user:  username {USERNAME!r}, password {PASSWORD!r}")
    print(f"  control:   {url}{CONTROL_PREFIX}/stats, /reset, /faults, /records/<kind>, /webhook")
    print("  Ctrl-C stops it.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.extensions[EXTENSION_KEY].close()
