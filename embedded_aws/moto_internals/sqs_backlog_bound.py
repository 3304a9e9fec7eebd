"""A local bound on the backlog of a queue that an enabled event source mapping drains.

On AWS a send never waits, and a tap set to the consumers' pace keeps the backlog small. Locally the
producer, the consumers and the emulator share a few cores: ``enqueue_records`` scans and sends at
~800 records/s while two local consumers migrate ~150/s, so at 100,000 records most of them waited in
the emulator's memory as moto messages (~1.4 KiB each, up to ~110 MiB, and the allocator kept that
memory after the queue drained). Here a send to a queue drained by an enabled mapping waits while the
queue holds ``bound`` visible messages or more (waiting for a consumer), as a producer throttled to its
consumers' pace would; never longer than ``max_hold_seconds`` per request. Messages in flight or backing
off after a failure do not count: a failing consumer leaves them there for seconds to minutes, and the
producer must not wait on them (a disabled mapping is no drain at all: its queue never holds a send).

The time each request was held is added up per queue (``held_seconds``): the sender's billed duration
on AWS would not include it, so the benchmarks leave it out of the sender's Lambda duration.

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py):
``SQSBackend.send_message``, ``send_message_batch``, ``get_queue``, ``account_id``, ``region_name``;
``Queue.queue_arn`` and ``approximate_number_of_messages`` (visible messages; made cheap by ``sqs_speed``).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import Any

from moto.sqs.models import SQSBackend

from embedded_aws.moto_internals.patching import PatchSet

# Four batches of ten for each of a few local consumers is enough to keep them busy; a thousand keeps
# the backlog ~1.4 MiB while leaving room for a burst of sends between two receives.
DEFAULT_BACKLOG_BOUND = 1_000
# Far below a client's read timeout (botocore: 60 s) and a sender's time reserve (enqueue_records: 10 s).
DEFAULT_MAX_HOLD_SECONDS = 5.0
_RECHECK_SECONDS = 0.02

DrainedQueues = Callable[[str, str], frozenset[str]]
"""(account id, region) -> ARNs of the queues an enabled event source mapping drains."""


class BacklogBound:
    """The bound, and the seconds each queue's senders were held by it."""

    def __init__(
        self,
        drained_queues: DrainedQueues,
        bound: int = DEFAULT_BACKLOG_BOUND,
        max_hold_seconds: float = DEFAULT_MAX_HOLD_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if bound < 1:
            raise ValueError(f"bound must be at least 1, got {bound}")
        self.bound = bound
        self._max_hold = max_hold_seconds
        self._drained_queues = drained_queues
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._held: dict[str, float] = {}

    def held_seconds(self, queue_name: str) -> float:
        with self._lock:
            return self._held.get(queue_name, 0.0)

    def wait_for_room(self, backend: SQSBackend, queue_name: str) -> None:
        """Return once ``queue_name`` holds fewer than ``bound`` messages, or after the longest hold."""
        queue = backend.get_queue(queue_name)
        if queue.approximate_number_of_messages < self.bound:
            return
        if queue.queue_arn not in self._drained_queues(backend.account_id, backend.region_name):  # type: ignore[attr-defined]
            return
        started = self._clock()
        deadline = started + self._max_hold
        while queue.approximate_number_of_messages >= self.bound and self._clock() < deadline:
            self._sleep(_RECHECK_SECONDS)
        with self._lock:
            self._held[queue_name] = self._held.get(queue_name, 0.0) + self._clock() - started


def install(patches: PatchSet, bound: BacklogBound) -> None:
    def bounded(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def wrapper(self: SQSBackend, queue_name: str, *args: Any, **kwargs: Any) -> Any:
            # Outside every SQS lock: the consumers' receives and deletes go on meanwhile.
            bound.wait_for_room(self, queue_name)
            return original(self, queue_name, *args, **kwargs)

        return wrapper

    patches.replace(SQSBackend, "send_message", bounded(vars(SQSBackend)["send_message"]))
    patches.replace(SQSBackend, "send_message_batch", bounded(vars(SQSBackend)["send_message_batch"]))
