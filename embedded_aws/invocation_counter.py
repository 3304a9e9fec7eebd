"""Counts the emulator's Lambda function invocations, by the path they came through and by function.

``RequestCounter`` sees HTTP requests only, so it misses the invocations the runtime makes itself (the
SQS event source mapping pollers invoke in-process) and cannot tell a Step Functions task from any other
``Invoke`` call. Every invocation, whatever its path, ends in the runtime's one execution entry point,
which records it here before running the handler (so failed and timed-out invocations count, as in
CloudWatch's ``Invocations`` metric).
"""

from __future__ import annotations

import threading
from collections import Counter
from enum import StrEnum


class InvocationPath(StrEnum):
    API = "api"  # the Invoke API over HTTP: operators, tests, functions calling functions
    SFN = "sfn"  # a Step Functions task (``lambda:invoke`` or a function-ARN resource)
    EVENT_SOURCE_MAPPING = "event-source-mapping"  # the runtime's SQS pollers
    EVENTBRIDGE = "eventbridge"  # a rule's Lambda target (the runtime delivers it)
    OTHER = "other"  # moto's own triggers (SNS, S3 notifications, log subscriptions, InvokeAsync)


class InvocationCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, InvocationPath]] = Counter()

    def record(self, function_name: str, path: InvocationPath) -> None:
        with self._lock:
            self._counts[(function_name, path)] += 1

    def snapshot(self) -> dict[str, int]:
        """Invocations per path since the last reset, e.g. ``{"event-source-mapping": 40, "sfn": 9}``.

        Same style as ``RequestCounter.snapshot()``: sorted, paths with no invocation left out.
        """
        totals: Counter[str] = Counter()
        with self._lock:
            for (_, path), n in self._counts.items():
                totals[path.value] += n
        return dict(sorted(totals.items()))

    def by_function(self) -> dict[str, dict[str, int]]:
        """Invocations per function, then per path: ``{"migrate": {"event-source-mapping": 40}}``."""
        functions: dict[str, Counter[str]] = {}
        with self._lock:
            for (name, path), n in self._counts.items():
                functions.setdefault(name, Counter())[path.value] += n
        return {name: dict(sorted(paths.items())) for name, paths in sorted(functions.items())}

    def total(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
