"""Counts the emulator's API requests per AWS service, whoever makes them.

Functions, state machine tasks, the SQS pollers and outside callers all reach the emulator over HTTP
with SigV4-signed requests; the service is the one in the signature's credential scope
(``Credential=AKID/20240101/us-east-1/sqs/aws4_request``), so no emulator internals are needed.
Requests made by the runtime itself on behalf of AWS (the event source mapping pollers) carry
``INTERNAL_USER_AGENT`` and are also tallied separately.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

INTERNAL_USER_AGENT = "embedded-aws-internal"
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
# Signing names that differ from the name users know the service by.
_SERVICE_ALIASES = {"monitoring": "cloudwatch", "execute-api": "apigateway"}


def service_of(authorization: str | None, path: str) -> str:
    if authorization:
        match = _SCOPE.search(authorization)
        if match:
            name = match.group(1)
            return _SERVICE_ALIASES.get(name, name)
    if path.startswith("/moto-api"):
        return "moto-api"
    return "unknown"


class RequestCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._all: Counter[str] = Counter()
        self._internal: Counter[str] = Counter()

    def record(self, service: str, internal: bool) -> None:
        with self._lock:
            self._all[service] += 1
            if internal:
                self._internal[service] += 1

    def snapshot(self, include_internal: bool = True) -> dict[str, int]:
        """Requests per service since the last reset (``include_internal=False`` leaves out the pollers)."""
        with self._lock:
            counts = Counter(self._all)
            if not include_internal:
                counts.subtract(self._internal)
        return {service: n for service, n in sorted(counts.items()) if n > 0}

    def internal_snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(sorted(self._internal.items()))

    def reset(self) -> None:
        with self._lock:
            self._all.clear()
            self._internal.clear()


class CountingMiddleware:
    """WSGI middleware recording each request before handing it to the emulator."""

    def __init__(self, app: Callable[..., Iterable[bytes]], counter: RequestCounter) -> None:
        self._app = app
        self._counter = counter

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        service = service_of(environ.get("HTTP_AUTHORIZATION"), environ.get("PATH_INFO", ""))
        internal = INTERNAL_USER_AGENT in environ.get("HTTP_USER_AGENT", "")
        self._counter.record(service, internal)
        return self._app(environ, start_response)
