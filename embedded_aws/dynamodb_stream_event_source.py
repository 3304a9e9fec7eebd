"""DynamoDB Streams -> Lambda delivery the way the Lambda service does it, one poller per mapping.

What AWS documents ("Using AWS Lambda with Amazon DynamoDB",
https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html; "Configuring partial batch response with
DynamoDB and Lambda", https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html;
"Lambda parameters for Amazon DynamoDB event source mappings",
https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-params.html; discarded records,
https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html) and what this does:

- Records of a shard are processed in order, one batch at a time (moto has one shard per table, and
  ``ParallelizationFactor`` is accepted but locally always 1: stricter than AWS's per-key order).
- A batch holds up to ``BatchSize`` records; with ``MaximumBatchingWindowInSeconds`` the poller waits for
  a fuller batch, at most ``LOCAL_MAX_BATCHING_WINDOW_SECONDS`` locally.
- The function gets ``{"Records": [...]}``, each record as the stream holds it (images in DynamoDB JSON)
  with ``eventSourceARN``. Lambda "checkpoints to the highest sequence number of a batch only when the
  batch is a complete success"; a function error retries the whole batch. With ``ReportBatchItemFailures``,
  ``{"batchItemFailures": [{"itemIdentifier": "<SequenceNumber>"}]}`` checkpoints before the lowest failed
  sequence number and retries from it; an empty or null list is a success, an empty, null or unknown
  identifier a complete failure.
- ``MaximumRetryAttempts`` (-1: until the record expires) bounds the retries of a batch; then the batch
  is skipped and logged as an error (AWS would send its metadata to the mapping's on-failure
  destination, which the local runtime does not). ``BisectBatchOnFunctionError`` splits a failed batch in
  two, "Splitting a batch does not count towards the retry quota".
- Starting position: ``LATEST`` is the stream's end when the poller first reads after the mapping is
  enabled; ``TRIM_HORIZON`` the oldest record kept. A disabled mapping keeps its checkpoint and a re-enabled
  one resumes from it. (AWS documents neither exactly, and warns that a LATEST mapping "could miss events
  during a create or update": see docs/embedded-runtime.md, "DynamoDB Streams mappings".)
- Disabling stops new batches at once (the state is re-read before every batch); a batch in flight
  finishes. A checkpoint that fell behind what the stream trimmed stops that mapping with a logged
  ``TrimmedDataAccessException`` (and in ``StreamPollerActivity.error``) instead of skipping records.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from embedded_aws.moto_internals.dynamodb_streams import CompactStreamRecord, TrimmedDataAccessException
from embedded_aws.moto_internals.event_source_mappings import StreamMapping

LOGGER = logging.getLogger(__name__)

MAPPING_REFRESH_SECONDS = 0.1
LOCAL_MAX_BATCHING_WINDOW_SECONDS = 0.5
_IDLE_WAIT_SECONDS = 0.1
_RETRY_DELAY_MIN_SECONDS = 0.02
_RETRY_DELAY_MAX_SECONDS = 1.0
_ERROR_SLEEP_MAX_SECONDS = 2.0


class StreamAccess(Protocol):
    def bounds(self, stream_arn: str) -> tuple[int, int] | None:
        """(oldest retained sequence number, next sequence number), None if the stream is gone."""

    def read(self, stream_arn: str, start: int, quantity: int) -> list[CompactStreamRecord]:
        """Up to ``quantity`` records from ``start`` on; raises ``TrimmedDataAccessException``."""

    def wait(self, stream_arn: str, after: int, seconds: float) -> bool:
        """Block until a record numbered ``after`` or later exists, or the time is up."""


Invoke = Callable[[str, dict[str, Any]], tuple[str, bool]]


@dataclass(frozen=True)
class StreamPollerActivity:
    """What the runtime has done for one stream mapping so far: tests wait on it instead of sleeping."""

    refreshes: int  # times the manager re-read the mappings
    disabled_checks: int  # times the poller re-read this mapping and found it disabled
    batches: int  # invocations finished, whatever their outcome
    position: int | None  # the next sequence number to deliver (None: not started)
    checkpointed: int  # records passed: processed, or skipped after the retries
    skipped: int  # records skipped after the retries were exhausted
    error: str | None  # why delivery stopped (a trimmed checkpoint), if it did


@dataclass(frozen=True)
class _Outcome:
    """How far a batch got: ``done`` records checkpointed; ``failed``: the rest must be retried."""

    done: int
    failed: bool
    whole_batch_failed: bool


class StreamMappingPoller:
    """Delivers one mapping's stream to its function, one batch at a time, in order."""

    def __init__(
        self,
        uuid: str,
        read_mapping: Callable[[str], StreamMapping | None],
        streams: StreamAccess,
        invoke: Invoke,
    ) -> None:
        self.uuid = uuid
        self._read_mapping = read_mapping
        self._streams = streams
        self._invoke = invoke
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.stream_arn: str | None = None
        self.enabled = False
        self._position: int | None = None
        self._attempts = 0  # failed invocations of the records at the position
        self._bisected_size: int | None = None
        self._disabled_checks = 0
        self._batches = 0
        self._checkpointed = 0
        self._skipped = 0
        self._error: str | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"ddb-esm-{self.uuid[:8]}", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def activity(self, refreshes: int) -> StreamPollerActivity:
        with self._lock:
            return StreamPollerActivity(
                refreshes,
                self._disabled_checks,
                self._batches,
                self._position,
                self._checkpointed,
                self._skipped,
                self._error,
            )

    def unread_from(self) -> int | None:
        """The first record this mapping still needs, while it is enabled (what the stream must keep)."""
        return self._position if self.enabled and self._error is None else None

    def _run(self) -> None:
        error_sleep = _IDLE_WAIT_SECONDS
        last_error: type[Exception] | None = None
        while not self._stop.is_set():
            mapping = self._read_mapping(self.uuid)
            if mapping is None:
                return
            self.stream_arn = mapping.stream_arn
            self.enabled = mapping.enabled
            if not mapping.enabled:
                with self._lock:
                    self._disabled_checks += 1
                self._stop.wait(_IDLE_WAIT_SECONDS)
                continue
            if self._error is not None:
                self._stop.wait(_IDLE_WAIT_SECONDS)
                continue
            try:
                delivered = self.deliver_one_batch(mapping)
            except TrimmedDataAccessException as trimmed:
                with self._lock:
                    self._error = f"TrimmedDataAccessException: {trimmed.message}"
                LOGGER.error("stream event source mapping %s stopped: %s", self.uuid, self._error)
                continue
            except Exception as error:
                if self._stop.is_set():
                    return
                if type(error) is not last_error:
                    LOGGER.warning("stream event source mapping %s: polling failed: %s", self.uuid, error)
                last_error = type(error)
                error_sleep = min(error_sleep * 2, _ERROR_SLEEP_MAX_SECONDS)
                self._stop.wait(error_sleep)
                continue
            last_error, error_sleep = None, _IDLE_WAIT_SECONDS
            if delivered is None and self._position is not None:
                self._streams.wait(mapping.stream_arn, self._position, _IDLE_WAIT_SECONDS)

    def deliver_one_batch(self, mapping: StreamMapping) -> _Outcome | None:
        """Read one batch from the checkpoint and invoke the function with it (None: nothing to read)."""
        arn = mapping.stream_arn
        bounds = self._streams.bounds(arn)
        if bounds is None:
            raise LookupError(f"stream {arn} does not exist (any more)")
        if self._position is None:
            with self._lock:
                self._position = bounds[1] if mapping.starting_position == "LATEST" else bounds[0]
        position = self._position
        size = min(self._bisected_size or mapping.batch_size, mapping.batch_size)
        records = self._streams.read(arn, position, size)
        if not records:
            return None
        window = min(mapping.maximum_batching_window_seconds, LOCAL_MAX_BATCHING_WINDOW_SECONDS)
        if len(records) < size and window > 0 and self._attempts == 0:
            deadline = time.monotonic() + window
            while len(records) < size and not self._stop.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._streams.wait(arn, position + len(records), remaining):
                    break
                records = self._streams.read(arn, position, size)
        event = {"Records": [record.lambda_record(arn) for record in records]}
        payload, errored = self._invoke(mapping.function_arn, event)
        outcome = _judge(payload, errored, records, mapping.report_batch_item_failures)
        self._advance(mapping, records, outcome)
        return outcome

    def _advance(self, mapping: StreamMapping, records: list[CompactStreamRecord], outcome: _Outcome) -> None:
        with self._lock:
            self._batches += 1
            if outcome.done:
                self._position = records[outcome.done - 1].sequence_number + 1
                self._checkpointed += outcome.done
                self._attempts = 0
                self._bisected_size = None
            if not outcome.failed:
                return
            rest = records[outcome.done :]
            if outcome.whole_batch_failed and mapping.bisect_batch_on_function_error and len(rest) > 1:
                self._bisected_size = len(rest) // 2  # not a retry: AWS does not count it either
                return
            self._attempts += 1
            if mapping.maximum_retry_attempts < 0 or self._attempts <= mapping.maximum_retry_attempts:
                delay = min(_RETRY_DELAY_MIN_SECONDS * 2**self._attempts, _RETRY_DELAY_MAX_SECONDS)
            else:
                # AWS discards the batch here and sends its metadata to the on-failure destination
                # (DestinationConfig), if the mapping has one; the local runtime has none: say it loudly.
                LOGGER.error(
                    "stream event source mapping %s: skipping records %s..%s of %s after %d failed attempts "
                    "(MaximumRetryAttempts %d); on AWS they would go to the on-failure destination",
                    self.uuid,
                    rest[0].sequence_number,
                    rest[-1].sequence_number,
                    mapping.stream_arn,
                    self._attempts,
                    mapping.maximum_retry_attempts,
                )
                self._position = rest[-1].sequence_number + 1
                self._checkpointed += len(rest)
                self._skipped += len(rest)
                self._attempts = 0
                self._bisected_size = None
                return
        self._stop.wait(delay)


def _judge(payload: str, errored: bool, records: list[CompactStreamRecord], reports: bool) -> _Outcome:
    everything = _Outcome(done=0, failed=True, whole_batch_failed=True)
    if errored:
        return everything
    if not reports:
        return _Outcome(done=len(records), failed=False, whole_batch_failed=False)
    failed = _failed_sequence_numbers(payload, records)
    if failed is None:
        return everything
    if not failed:
        return _Outcome(done=len(records), failed=False, whole_batch_failed=False)
    lowest = min(failed)
    done = sum(1 for record in records if record.sequence_number < lowest)
    return _Outcome(done=done, failed=True, whole_batch_failed=False)


def _failed_sequence_numbers(payload: str, records: list[CompactStreamRecord]) -> set[int] | None:
    """The sequence numbers reported as failed; None when the report fails the whole batch."""
    known = {str(record.sequence_number) for record in records}
    try:
        response = json.loads(payload) if payload else None
    except ValueError:
        return None
    if not isinstance(response, dict):
        return set() if response is None else None
    failures = response.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return None
    failed: set[int] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in known:
            return None
        failed.add(int(identifier))
    return failed


class DynamoDbStreamPollers:
    """Keeps one ``StreamMappingPoller`` per DynamoDB Streams mapping, following creations and deletions."""

    def __init__(
        self,
        list_mappings: Callable[[], list[StreamMapping]],
        read_mapping: Callable[[str], StreamMapping | None],
        streams: StreamAccess,
        invoke: Invoke,
    ) -> None:
        self._list_mappings = list_mappings
        self._read_mapping = read_mapping
        self._streams = streams
        self._invoke = invoke
        self._pollers: dict[str, StreamMappingPoller] = {}
        self._refreshes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ddb-esm-manager", daemon=True)

    def start(self) -> DynamoDbStreamPollers:
        self._thread.start()
        return self

    def request_stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for poller in list(self._pollers.values()):
            poller.stop()

    def join(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        for poller in list(self._pollers.values()):
            poller.join(max(0.0, deadline - time.monotonic()))
        self._pollers.clear()

    def stop(self) -> None:
        self.request_stop()
        self.join()

    def activity(self, uuid: str) -> StreamPollerActivity:
        poller = self._pollers.get(uuid)
        if poller is None:
            return StreamPollerActivity(self._refreshes, 0, 0, None, 0, 0, None)
        return poller.activity(self._refreshes)

    def unread_from(self, stream_arn: str) -> int | None:
        """The lowest sequence number an enabled mapping of ``stream_arn`` has not delivered yet."""
        floors = [
            floor
            for poller in list(self._pollers.values())
            if poller.stream_arn == stream_arn and (floor := poller.unread_from()) is not None
        ]
        return min(floors, default=None)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._refresh()
            except Exception:
                LOGGER.exception("stream event source mappings: refresh failed")
            self._refreshes += 1
            self._stop.wait(MAPPING_REFRESH_SECONDS)

    def _refresh(self) -> None:
        mappings = {m.uuid: m for m in self._list_mappings()}
        for uuid in list(self._pollers):
            if uuid not in mappings:
                self._pollers.pop(uuid).stop()
        for uuid in mappings:
            if uuid not in self._pollers:
                poller = StreamMappingPoller(uuid, self._read_mapping, self._streams, self._invoke)
                self._pollers[uuid] = poller
                poller.start()
