"""Puts Step Functions "Execution Status Change" events on the default event bus, off the engine's thread.

EventBridge delivers these events on a best-effort basis, asynchronously (EventBridge events reference,
https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-states.html): ``StartExecution`` and
``StopExecution`` answer at once and a rule's Lambda target runs later. One background thread puts them
in the order they happened, so a rule sees RUNNING before the end of the same execution.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from embedded_aws.moto_internals.sfn_status_events import DETAIL_TYPE, SOURCE

LOG = logging.getLogger(__name__)
_STOP = object()


def status_change_entry(detail: dict[str, Any]) -> dict[str, Any]:
    """The ``PutEvents`` entry Step Functions sends for one status change."""
    return {
        "Source": SOURCE,
        "DetailType": DETAIL_TYPE,
        "Detail": json.dumps(detail),
        "Resources": [detail["executionArn"]],
    }


class StatusEventPublisher:
    def __init__(self, put_events: Callable[[list[dict[str, Any]]], Any]) -> None:
        self._put_events = put_events
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="sfn-status-events", daemon=True)

    def start(self) -> StatusEventPublisher:
        self._thread.start()
        return self

    def publish(self, detail: dict[str, Any]) -> None:
        self._queue.put(detail)

    def stop(self, timeout: float = 10.0) -> None:
        """Deliver what is queued (within ``timeout``), then stop."""
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _run(self) -> None:
        while (detail := self._queue.get()) is not _STOP:
            try:
                self._put_events([status_change_entry(detail)])
            except Exception:  # best effort, as on AWS: a lost event must not stop the next ones
                LOG.exception("could not put the status event of %s", detail.get("executionArn"))
