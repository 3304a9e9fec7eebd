"""Meters for the benchmarks: API requests per (service, operation, resource) and Lambda invocations.

The emulator's own ``RequestCounter`` counts requests per service; the cost model needs operations
(DynamoDB writes apart from reads, SQS receives apart from sends) on the resources of one approach:
- ``OperationTap`` is a WSGI middleware put in front of the emulator's app when it starts (through the
  ``middleware`` hook the emulator builds its server with); the operation is the ``X-Amz-Target`` header
  of JSON-protocol services (DynamoDB, SQS, Step Functions) or the REST route (Lambda), the resource the
  queue or table the request names. SQS bills each 64 KB chunk of a payload as a request: a send or
  receive carrying more (packed bulk-copy messages can) is also counted under its operation with
  ``EXTRA_CHUNKS_SUFFIX``, once per chunk beyond the first, so the SQS request count is the billed one.
- ``InvocationMeter`` reads the emulator's ``InvocationCounter`` (every invocation, whatever its path)
  and adds billed durations, timed around the emulator's Lambda runner.
Both raise ``MeterNotAttached`` rather than report zeros when the runtime changes underneath them.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any
from unittest import mock

from embedded_aws import EmbeddedAws
from embedded_aws import emulator as emulator_module
from embedded_aws.request_counter import INTERNAL_USER_AGENT, service_of
from migration_cli.cost_model import gb_seconds, sqs_billed_requests
from migration_runtime.new_items import Source
from migration_runtime.size_bounded_batches import sqs_message_size

_RESOURCE_FIELDS = {"sqs": "QueueUrl", "dynamodb": "TableName"}
INTAKE_SOURCE = Source.INTAKE.value
EXTRA_CHUNKS_SUFFIX = " (64 KB chunks beyond the first)"
"""Appended to an SQS operation for the billed requests its payloads' extra 64 KB chunks make."""
_SQS_SENDS = frozenset({"SendMessage", "SendMessageBatch"})
_SQS_RECEIVE = "ReceiveMessage"
INTAKE_WRITE_SUFFIX = ":intake"
"""Appended to the operation of a request that writes an intake item (see ``writes_intake_item``)."""
# Idle Lambda workers go after 3 s instead of the runtime's 60 s: a phase's workers (the enqueue's
# after the scan, the consumers' after the settle) do not linger into the validation, which sets the
# peak (10,000 records, 10 s: two idle enqueue workers, 123 MiB, still alive there). Every phase keeps
# its workers busy within that, and a worker needed again only starts cold (~1 s).
BENCH_IDLE_WORKER_TTL_SECONDS = 3.0

_LAMBDA_ROUTES = (
    (re.compile(r"^/2015-03-31/functions/[^/]+/invocations"), {"POST": "Invoke"}),
    (
        re.compile(r"^/2015-03-31/event-source-mappings/[^/]+"),
        {
            "GET": "GetEventSourceMapping",
            "PUT": "UpdateEventSourceMapping",
            "DELETE": "DeleteEventSourceMapping",
        },
    ),
    (re.compile(r"^/2015-03-31/event-source-mappings/?$"), {"GET": "ListEventSourceMappings"}),
    (re.compile(r"^/2015-03-31/functions/[^/]+/configuration"), {"GET": "GetFunctionConfiguration"}),
)


class MeterNotAttached(RuntimeError):
    """The runtime no longer offers the hook a meter relies on: its figures would be wrong."""


def operation_of(environ: dict[str, Any]) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return str(target).rsplit(".", 1)[-1]
    path = str(environ.get("PATH_INFO", ""))
    method = str(environ.get("REQUEST_METHOD", ""))
    for pattern, operations in _LAMBDA_ROUTES:
        if pattern.match(path) and method in operations:
            return operations[method]
    return f"{method} {path.split('?')[0][:40]}"


def _document(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def resource_of(service: str, body: bytes) -> str:
    """The queue or table a JSON-protocol request is about ("" when it names none)."""
    if service not in _RESOURCE_FIELDS:
        return ""
    document = _document(body)
    if not isinstance(document, dict):
        return ""
    value = document.get(_RESOURCE_FIELDS[service])
    if isinstance(value, str):
        return value.rstrip("/").rsplit("/", 1)[-1]
    if service == "dynamodb" and isinstance(document.get("RequestItems"), dict):
        return ",".join(sorted(document["RequestItems"]))
    if service == "dynamodb" and isinstance(document.get("TransactItems"), list):
        # A transaction names its tables in each action (the migration's: an item and its pointer).
        return ",".join(sorted(_transaction_tables(document["TransactItems"])))
    return ""


def _transaction_tables(actions: list[Any]) -> set[str]:
    return {
        str(action[kind]["TableName"])
        for action in actions
        if isinstance(action, dict)
        for kind in ("Put", "Delete", "Update", "ConditionCheck")
        if isinstance(action.get(kind), dict) and "TableName" in action[kind]
    }


def writes_intake_item(service: str, operation: str, body: bytes) -> bool:
    """A transaction putting an item whose ``source`` is the intake: the new service's intake consumer
    writing live traffic (the migration's copies carry ``source`` migration)."""
    if service != "dynamodb" or operation != "TransactWriteItems":
        return False
    document = _document(body)
    actions = document.get("TransactItems") if isinstance(document, dict) else None
    return isinstance(actions, list) and any(
        isinstance(action, dict)
        and isinstance(action.get("Put"), dict)
        and action["Put"].get("Item", {}).get("source", {}).get("S") == INTAKE_SOURCE
        for action in actions
    )


def sqs_payload_bytes(operation: str, document: Any) -> int:
    """The payload SQS bills of a send request or a receive response (JSON protocol): each message's body
    and attributes, as ``sqs_message_size`` counts them; 0 for any other operation."""
    if not isinstance(document, dict):
        return 0
    if operation == "SendMessage":
        messages = [document]
    elif operation == "SendMessageBatch":
        messages = document.get("Entries") or []
    elif operation == _SQS_RECEIVE:
        messages = document.get("Messages") or []
    else:
        return 0
    return sum(
        sqs_message_size(
            str(message.get("MessageBody", message.get("Body", ""))), message.get("MessageAttributes")
        )
        for message in messages
        if isinstance(message, dict)
    )


def extra_billed_chunks(operation: str, document: Any) -> int:
    """Billed SQS requests of one call beyond the one it always counts (``sqs_billed_requests``)."""
    payload = sqs_payload_bytes(operation, document)
    return sqs_billed_requests(payload) - 1 if payload else 0


@dataclass(frozen=True)
class OperationKey:
    service: str
    operation: str
    resource: str
    internal: bool
    """Made by the runtime on behalf of AWS (the event source mapping pollers)."""


class OperationCounts:
    """Thread-safe tally of requests per ``OperationKey``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[OperationKey] = Counter()

    def add(self, key: OperationKey) -> None:
        with self._lock:
            self._counts[key] += 1

    def snapshot(self) -> Counter[OperationKey]:
        with self._lock:
            return Counter(self._counts)


class OperationTap:
    """WSGI middleware: counts each request by service, operation and resource, then passes it on.

    The body is read to find the queue or table and handed on unchanged (requests here are small).
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], counts: OperationCounts) -> None:
        self._app = app
        self._counts = counts

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        service = service_of(environ.get("HTTP_AUTHORIZATION"), environ.get("PATH_INFO", ""))
        body = b""
        if service in _RESOURCE_FIELDS:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
        internal = INTERNAL_USER_AGENT in str(environ.get("HTTP_USER_AGENT", ""))
        operation = operation_of(environ)
        if writes_intake_item(service, operation, body):
            # Counted apart: the live service's own writes, which no migration approach is billed for.
            operation += INTAKE_WRITE_SUFFIX
        key = OperationKey(service, operation, resource_of(service, body), internal)
        self._counts.add(key)
        if service != "sqs" or operation not in (*_SQS_SENDS, _SQS_RECEIVE):
            return self._app(environ, start_response)
        if operation in _SQS_SENDS:
            self._add_chunks(key, extra_billed_chunks(operation, _document(body)))
            return self._app(environ, start_response)
        # A receive's payload is its response: read it whole (at most ten messages) and hand it on.
        result = self._app(environ, start_response)
        try:
            response = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        self._add_chunks(key, extra_billed_chunks(operation, _document(response)))
        return [response]

    def _add_chunks(self, key: OperationKey, chunks: int) -> None:
        for _ in range(chunks):
            self._counts.add(replace(key, operation=key.operation + EXTRA_CHUNKS_SUFFIX))


@dataclass
class FunctionMeter:
    invocations: int = 0
    errors: int = 0
    gb_seconds: float = 0.0
    duration_ms: float = 0.0


class InvocationMeter:
    """Invocations per function (the emulator's own ``InvocationCounter``) with their billed GB-seconds.

    The emulator counts invocations by function and path but keeps no durations; the durations come from
    wrapping its Lambda runner (local durations on a shared machine: indicative only).
    """

    def __init__(self, aws: EmbeddedAws) -> None:
        self._aws = aws
        self._lock = threading.Lock()
        self._durations: dict[str, FunctionMeter] = {}
        self.timed = False

    def record(self, name: str, duration_ms: float, memory_mb: int, errored: bool) -> None:
        with self._lock:
            meter = self._durations.setdefault(name, FunctionMeter())
            meter.invocations += 1
            meter.errors += int(errored)
            meter.duration_ms += duration_ms
            meter.gb_seconds += gb_seconds(duration_ms, memory_mb)

    def snapshot(self) -> dict[str, FunctionMeter]:
        counts = {name: sum(paths.values()) for name, paths in self._aws.invocations.by_function().items()}
        with self._lock:
            timed = {name: FunctionMeter(**vars(meter)) for name, meter in self._durations.items()}
        return {
            name: FunctionMeter(
                invocations=count,
                errors=timed[name].errors if name in timed else 0,
                gb_seconds=timed[name].gb_seconds if name in timed else 0.0,
                duration_ms=timed[name].duration_ms if name in timed else 0.0,
            )
            for name, count in counts.items()
        }

    def attach_timer(self) -> None:
        """Time every invocation at the runner (the one path all invocations take)."""
        runner = self._aws.runner
        invoke = getattr(runner, "invoke", None)
        if invoke is None:
            raise MeterNotAttached("the Lambda runner has no invoke(spec, event) to time")

        def timed(spec: Any, event: Any, *args: Any, **kwargs: Any) -> Any:
            result = invoke(spec, event, *args, **kwargs)
            self.record(spec.name, result.duration_ms, spec.memory_mb, result.errored)
            return result

        runner.invoke = timed
        self.timed = True


@dataclass(frozen=True)
class Meters:
    operations: OperationCounts
    invocations: InvocationMeter


@contextmanager
def metered_emulator() -> Iterator[tuple[EmbeddedAws, Meters]]:
    """An ``EmbeddedAws`` with both meters attached; raises ``MeterNotAttached`` if a hook is gone."""
    counts = OperationCounts()
    counting = emulator_module.CountingMiddleware

    def counting_with_tap(app: Callable[..., Iterable[bytes]], counter: Any) -> Any:
        return counting(OperationTap(app, counts), counter)

    aws = EmbeddedAws(idle_worker_ttl_seconds=BENCH_IDLE_WORKER_TTL_SECONDS)
    # The emulator wraps moto's app in CountingMiddleware when its server is built in start().
    with mock.patch.object(emulator_module, "CountingMiddleware", counting_with_tap):
        aws.start()
    try:
        aws.client("sqs").list_queues()
        if not counts.snapshot():
            raise MeterNotAttached("requests reach the emulator without passing the operation tap")
        invocations = InvocationMeter(aws)
        invocations.attach_timer()
        yield aws, Meters(counts, invocations)
    finally:
        aws.stop()


def difference(after: Counter[OperationKey], before: Counter[OperationKey]) -> Counter[OperationKey]:
    result = Counter(after)
    result.subtract(before)
    return Counter({key: value for key, value in result.items() if value > 0})


def invocation_difference(
    after: dict[str, FunctionMeter], before: dict[str, FunctionMeter]
) -> dict[str, FunctionMeter]:
    """Invocations made between two ``InvocationMeter.snapshot()`` calls, per function."""
    result = {}
    for name, meter in after.items():
        earlier = before.get(name, FunctionMeter())
        if meter.invocations > earlier.invocations:
            result[name] = FunctionMeter(
                invocations=meter.invocations - earlier.invocations,
                errors=meter.errors - earlier.errors,
                gb_seconds=meter.gb_seconds - earlier.gb_seconds,
                duration_ms=meter.duration_ms - earlier.duration_ms,
            )
    return result
