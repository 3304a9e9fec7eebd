"""SQS -> Lambda delivery the way the Lambda service does it, one poller per event source mapping.

For each *enabled* mapping: ReceiveMessage (up to the batch size, with all attributes), invoke the
function with the Lambda SQS event, delete what succeeded (honouring ``batchItemFailures`` when the
mapping reports them) and leave the rest for the visibility timeout, so receive counts grow and the
queue's redrive policy dead-letters them. A function error fails the whole batch. Up to
``MaximumConcurrency`` batches run at once. The mapping's state is re-read before every receive, so
disabling a mapping stops new batches at once (a batch already taken finishes, as on AWS) and enabling
it delivers what waited.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from embedded_aws.moto_internals.event_source_mappings import SqsMapping

LOGGER = logging.getLogger(__name__)

# How often the set of mappings is re-read, and how long an idle poller sleeps at most between
# receives: together they bound how late a new, enabled or re-enabled mapping starts delivering.
MAPPING_REFRESH_SECONDS = 0.1
_IDLE_SLEEP_MIN_SECONDS = 0.01
_IDLE_SLEEP_MAX_SECONDS = 0.1
# Extra concurrent pollers stay active this long after the last receive that returned messages.
_SCALE_DOWN_AFTER_SECONDS = 1.0
# Longest wait of an idle poller for a send to its queue (with a ``wait_for_message`` hook).
_IDLE_WAIT_SECONDS = 1.0
_RECEIVE_MAX = 10
_ERROR_SLEEP_MAX_SECONDS = 2.0


@dataclass(frozen=True)
class BatchOutcome:
    received: int
    deleted: int
    function_error: bool


@dataclass(frozen=True)
class PollerActivity:
    """What the runtime has done for one mapping so far.

    Lets a caller (tests, above all) wait on the pollers' own progress - "they have seen the disable",
    "a batch is done" - instead of sleeping for a time guessed to be long enough.
    """

    refreshes: int  # times the manager re-read the mappings (it starts slots for enabled ones only)
    disabled_checks: tuple[int, ...]  # per slot: times it re-read this mapping and found it disabled
    batches: int  # batches received and handled to the end (invoked, what succeeded deleted)


class MessageWaits:
    """The longest time a message of each queue waited between its send and the end of the batch that
    handled it (the function had written it; its deletion follows): what the report calls
    ``intake_max_wait_seconds``. Measured here because only the poller sees both moments; on AWS the
    closest figure is the queue's ApproximateAgeOfOldestMessage metric."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._longest_ms: dict[str, int] = {}

    def note(self, queue_arn: str, messages: list[dict[str, Any]], done_ms: int) -> None:
        sent = [int(m.get("Attributes", {}).get("SentTimestamp", done_ms)) for m in messages]
        if not sent:
            return
        waited = done_ms - min(sent)
        with self._lock:
            if waited > self._longest_ms.get(queue_arn, -1):
                self._longest_ms[queue_arn] = waited

    def longest_seconds(self, queue_arn: str) -> float | None:
        with self._lock:
            waited = self._longest_ms.get(queue_arn)
        return None if waited is None else waited / 1000

    def reset(self, queue_arn: str | None = None) -> None:
        with self._lock:
            if queue_arn is None:
                self._longest_ms.clear()
            else:
                self._longest_ms.pop(queue_arn, None)


class MappingPoller:
    """Delivers one mapping's queue to its function with up to ``maximum_concurrency`` slots."""

    def __init__(
        self,
        uuid: str,
        read_mapping: Callable[[str], SqsMapping | None],
        sqs_client: Callable[[], Any],
        queue_url: Callable[[str], str],
        invoke: Callable[[str, dict[str, Any]], tuple[str, bool]],
        local_concurrency: int | None = None,
        wait_for_message: Callable[[str, float], bool] | None = None,
        waits: MessageWaits | None = None,
    ) -> None:
        self.uuid = uuid
        self._waits = waits or MessageWaits()
        self._local_concurrency = local_concurrency
        self._wait_for_message = wait_for_message
        self._read_mapping = read_mapping
        self._sqs_client = sqs_client
        self._queue_url = queue_url
        self._invoke = invoke
        self._stop = threading.Event()
        self._slots: list[threading.Thread] = []
        self._busy_until = 0.0
        self._lock = threading.Lock()
        # Written by one slot each (and the batch count under the lock); read by ``activity``.
        self._disabled_checks: list[int] = []
        self._batches = 0

    def concurrency(self, mapping: SqsMapping) -> int:
        """Batches in flight at once: the mapping's maximum, within what the local runtime runs at once
        (a poller holding a batch it cannot invoke yet would only keep its messages invisible)."""
        if self._local_concurrency is None:
            return mapping.maximum_concurrency
        return min(mapping.maximum_concurrency, self._local_concurrency)

    def ensure_slots(self, count: int) -> None:
        with self._lock:
            while len(self._slots) < count and not self._stop.is_set():
                slot = threading.Thread(
                    target=self._run, args=(len(self._slots),), name=f"esm-{self.uuid[:8]}-{len(self._slots)}"
                )
                slot.daemon = True
                self._slots.append(slot)
                self._disabled_checks.append(0)
                slot.start()

    def stop(self) -> None:
        self._stop.set()

    def activity(self, refreshes: int) -> PollerActivity:
        with self._lock:
            return PollerActivity(refreshes, tuple(self._disabled_checks), self._batches)

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for slot in list(self._slots):
            slot.join(max(0.0, deadline - time.monotonic()))

    def _run(self, slot: int) -> None:
        client = self._sqs_client()
        idle_sleep = _IDLE_SLEEP_MIN_SECONDS
        error_sleep = _IDLE_SLEEP_MAX_SECONDS
        last_error: type[Exception] | None = None
        while not self._stop.is_set():
            mapping = self._read_mapping(self.uuid)
            if mapping is None:
                return
            if not mapping.enabled:
                self._disabled_checks[slot] += 1
            active = mapping.enabled and slot < self.concurrency(mapping)
            # Slot 0 always polls an enabled mapping; the others join only while there is traffic.
            if not active or (slot > 0 and time.monotonic() > self._busy_until):
                self._stop.wait(_IDLE_SLEEP_MAX_SECONDS)
                continue
            try:
                outcome = self.deliver_one_batch(client, mapping)
            except Exception as error:
                if self._stop.is_set():
                    return
                # A deleted queue or a stopping emulator: say so once per kind of error, back off.
                if type(error) is not last_error:
                    LOGGER.warning("event source mapping %s: polling failed: %s", self.uuid, error)
                last_error = type(error)
                error_sleep = min(error_sleep * 2, _ERROR_SLEEP_MAX_SECONDS)
                self._stop.wait(error_sleep)
                continue
            last_error, error_sleep = None, _IDLE_SLEEP_MAX_SECONDS
            if outcome.received:
                with self._lock:
                    self._batches += 1
                self._busy_until = time.monotonic() + _SCALE_DOWN_AFTER_SECONDS
                idle_sleep = _IDLE_SLEEP_MIN_SECONDS
            elif self._wait_for_message is not None and self._wait_for_message(
                mapping.queue_arn, _IDLE_WAIT_SECONDS
            ):
                # Woken by a send, or after a second to catch messages whose visibility timeout ended:
                # an idle mapping makes about one receive a second, not ten.
                continue
            else:
                self._stop.wait(idle_sleep)
                idle_sleep = min(idle_sleep * 2, _IDLE_SLEEP_MAX_SECONDS)

    def deliver_one_batch(self, client: Any, mapping: SqsMapping) -> BatchOutcome:
        queue_url = self._queue_url(mapping.queue_arn)
        messages = _receive_batch(client, queue_url, mapping.batch_size)
        if not messages:
            return BatchOutcome(0, 0, False)
        region = mapping.queue_arn.split(":")[3]
        event = {"Records": [_record(m, mapping.queue_arn, region) for m in messages]}
        payload, errored = self._invoke(mapping.function_arn, event)
        if errored:
            # The whole batch returns to the queue when its visibility timeout expires.
            return BatchOutcome(len(messages), 0, True)
        failed = _failed_ids(payload, messages) if mapping.report_batch_item_failures else set()
        done = [m for m in messages if m["MessageId"] not in failed]
        self._waits.note(mapping.queue_arn, done, int(time.time() * 1000))
        _delete(client, queue_url, done)
        return BatchOutcome(len(messages), len(done), False)


class SqsEventSourcePollers:
    """Keeps one ``MappingPoller`` per SQS event source mapping, following creations and deletions."""

    def __init__(
        self,
        list_mappings: Callable[[], list[SqsMapping]],
        read_mapping: Callable[[str], SqsMapping | None],
        sqs_client: Callable[[], Any],
        queue_url: Callable[[str], str],
        invoke: Callable[[str, dict[str, Any]], tuple[str, bool]],
        local_concurrency: int | None = None,
        wait_for_message: Callable[[str, float], bool] | None = None,
    ) -> None:
        """``local_concurrency``: batches of one mapping in flight at once at most (None: the mapping's
        MaximumConcurrency alone decides). ``wait_for_message(queue_arn, seconds)``: blocks until a
        message is sent to the queue or the time is up (False if it cannot wait on that queue); without
        it an idle poller asks again after 10 to 100 ms."""
        self._list_mappings = list_mappings
        self._local_concurrency = local_concurrency
        self._wait_for_message = wait_for_message
        self._read_mapping = read_mapping
        self._sqs_client = sqs_client
        self._queue_url = queue_url
        self._invoke = invoke
        self._pollers: dict[str, MappingPoller] = {}
        self.waits = MessageWaits()
        self._refreshes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="esm-manager", daemon=True)

    def start(self) -> SqsEventSourcePollers:
        self._thread.start()
        return self

    def request_stop(self) -> None:
        """Start no new batch; batches in flight finish (or end when the runner stops their workers)."""
        self._stop.set()
        self._thread.join(timeout=5)
        for poller in self._pollers.values():
            poller.stop()

    def join(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        for poller in self._pollers.values():
            poller.join(max(0.0, deadline - time.monotonic()))
        self._pollers.clear()

    def stop(self) -> None:
        self.request_stop()
        self.join()

    def activity(self, uuid: str) -> PollerActivity:
        """What the pollers have done for one mapping (nothing yet if no poller follows it)."""
        poller = self._pollers.get(uuid)
        if poller is None:
            return PollerActivity(self._refreshes, (), 0)
        return poller.activity(self._refreshes)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._refresh()
            except Exception:
                LOGGER.exception("event source mappings: refresh failed")
            self._refreshes += 1
            self._stop.wait(MAPPING_REFRESH_SECONDS)

    def _refresh(self) -> None:
        mappings = {m.uuid: m for m in self._list_mappings()}
        for uuid in list(self._pollers):
            if uuid not in mappings:
                self._pollers.pop(uuid).stop()
        for uuid, mapping in mappings.items():
            poller = self._pollers.get(uuid)
            if poller is None:
                poller = self._pollers[uuid] = MappingPoller(
                    uuid,
                    self._read_mapping,
                    self._sqs_client,
                    self._queue_url,
                    self._invoke,
                    self._local_concurrency,
                    self._wait_for_message,
                    self.waits,
                )
            if mapping.enabled:
                poller.ensure_slots(poller.concurrency(mapping))


def _receive_batch(client: Any, queue_url: str, batch_size: int) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while len(messages) < batch_size:
        wanted = min(_RECEIVE_MAX, batch_size - len(messages))
        response = client.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=wanted,
            WaitTimeSeconds=0,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        received = response.get("Messages", [])
        messages.extend(received)
        if len(received) < wanted:
            break
    return messages


def _record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One record of the Lambda SQS event, as the Lambda service builds it."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: _message_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    return attribute


def _failed_ids(payload: str, messages: list[dict[str, Any]]) -> set[str]:
    """Message ids the function reported as failed; an unusable report fails the whole batch (as AWS)."""
    everything = {m["MessageId"] for m in messages}
    try:
        response = json.loads(payload) if payload else None
    except ValueError:
        return everything
    if response is None:
        return set()
    if not isinstance(response, dict):
        return everything
    failures = response.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return everything
    failed: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in everything:
            return everything
        failed.add(identifier)
    return failed


def _delete(client: Any, queue_url: str, messages: list[dict[str, Any]]) -> None:
    for start in range(0, len(messages), _RECEIVE_MAX):
        chunk = messages[start : start + _RECEIVE_MAX]
        client.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
        )
