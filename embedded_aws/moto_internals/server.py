"""moto's HTTP server, assembled like ``ThreadedMotoServer`` does, with room for WSGI middleware.

``ThreadedMotoServer`` builds its WSGI app inside a private method, so the request counter could not be
put in front of it; the same three public pieces of ``moto.server`` are used here instead.

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py):
``moto.server.DomainDispatcherApplication``,
``moto.server.create_backend_app``, ``moto.server.MotoRequestHandler``; the ``/moto-api/reset`` and
``/moto-api/config`` endpoints.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server


class _QuietRequestHandler(MotoRequestHandler):
    """No access log line per request: a busy local stack would drown the operator's terminal."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class MotoHttpServer:
    """A threaded moto server on ``host:port`` (port 0 = a free one), serving from a daemon thread."""

    def __init__(self, host: str, port: int, middleware: Callable[[WsgiApp], WsgiApp] | None = None) -> None:
        app: WsgiApp = DomainDispatcherApplication(create_backend_app)
        if middleware is not None:
            app = middleware(app)
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=_QuietRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="embedded-aws-server")
        self._thread.daemon = True

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
