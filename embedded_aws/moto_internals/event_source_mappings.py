"""Event source mappings: moto's inline SQS delivery switched off, mapping state read for the pollers.

moto delivers to a mapped function from inside ``SendMessage``, one record at a time, never delivers
what waited while a mapping was disabled and re-runs good messages when one fails. The runtime's own
pollers (``embedded_aws.sqs_event_source``) replace it.

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py):
- ``moto.sqs.models.Queue.lambda_event_source_mappings``: the dict moto's ``add_message`` walks to
  deliver inline; replaced by an always-empty property so nothing is ever registered on a queue.
- ``LambdaBackend.list_event_source_mappings(event_source_arn, function_name)`` and
  ``LambdaBackend.get_event_source_mapping(uuid)``; ``EventSourceMapping`` attributes uuid, enabled,
  batch_size, event_source_arn, function_arn, function_response_types, scaling_config, max_batch_window,
  and for streams starting_position, max_retry_attempts, bisect_on_error, parallelization_factor.
  (moto's inline DynamoDB Streams delivery is switched off in ``dynamodb_streams``; the stream fields'
  contract test is in test_runtime_moto_contracts_dynamodb_streams.py.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.awslambda.utils import get_backend as get_lambda_backend
from moto.sqs.models import Queue

from embedded_aws.moto_internals.patching import PatchSet

# What AWS allows for an SQS mapping's MaximumConcurrency is 2..1000; locally, when none is set,
# a handful of concurrent batches is plenty and keeps a laptop responsive.
DEFAULT_MAXIMUM_CONCURRENCY = 5


@dataclass(frozen=True)
class SqsMapping:
    uuid: str
    enabled: bool
    queue_arn: str
    function_arn: str
    batch_size: int
    maximum_concurrency: int
    maximum_batching_window_seconds: float
    report_batch_item_failures: bool


@dataclass(frozen=True)
class StreamMapping:
    """A DynamoDB Streams mapping, as the stream pollers need it."""

    uuid: str
    enabled: bool
    stream_arn: str
    function_arn: str
    batch_size: int
    maximum_batching_window_seconds: float
    starting_position: str  # LATEST or TRIM_HORIZON
    report_batch_item_failures: bool
    maximum_retry_attempts: int  # -1: until the record expires
    bisect_batch_on_function_error: bool


def _inert_mappings(_queue: Any) -> dict[str, Any]:
    return {}


def _ignore_assignment(_queue: Any, _value: Any) -> None:
    return None


def detach_inline_delivery(patches: PatchSet) -> None:
    patches.replace(Queue, "lambda_event_source_mappings", property(_inert_mappings, _ignore_assignment))


def _to_mapping(esm: Any) -> SqsMapping:
    scaling = esm.scaling_config or {}
    return SqsMapping(
        uuid=esm.uuid,
        enabled=bool(esm.enabled),
        queue_arn=esm.event_source_arn,
        function_arn=esm.function_arn,
        batch_size=int(esm.batch_size),
        maximum_concurrency=int(scaling.get("MaximumConcurrency") or DEFAULT_MAXIMUM_CONCURRENCY),
        maximum_batching_window_seconds=float(esm.max_batch_window or 0),
        report_batch_item_failures="ReportBatchItemFailures" in (esm.function_response_types or []),
    )


def list_sqs_mappings(account_id: str, region: str) -> list[SqsMapping]:
    backend = get_lambda_backend(account_id, region)
    return [
        _to_mapping(esm)
        for esm in backend.list_event_source_mappings(None, None)
        if esm.event_source_arn.split(":")[2] == "sqs"
    ]


def read_sqs_mapping(account_id: str, region: str, uuid: str) -> SqsMapping | None:
    esm = get_lambda_backend(account_id, region).get_event_source_mapping(uuid)
    return _to_mapping(esm) if esm is not None else None


def _is_dynamodb_stream(esm: Any) -> bool:
    return esm.event_source_arn.split(":")[2] == "dynamodb"


def _to_stream_mapping(esm: Any) -> StreamMapping:
    retries = esm.max_retry_attempts
    return StreamMapping(
        uuid=esm.uuid,
        enabled=bool(esm.enabled),
        stream_arn=esm.event_source_arn,
        function_arn=esm.function_arn,
        batch_size=int(esm.batch_size),
        maximum_batching_window_seconds=float(esm.max_batch_window or 0),
        starting_position=str(esm.starting_position or "TRIM_HORIZON"),
        report_batch_item_failures="ReportBatchItemFailures" in (esm.function_response_types or []),
        maximum_retry_attempts=-1 if retries is None else int(retries),
        bisect_batch_on_function_error=bool(esm.bisect_on_error),
    )


def list_stream_mappings(account_id: str, region: str) -> list[StreamMapping]:
    backend = get_lambda_backend(account_id, region)
    return [
        _to_stream_mapping(esm)
        for esm in backend.list_event_source_mappings(None, None)
        if _is_dynamodb_stream(esm)
    ]


def read_stream_mapping(account_id: str, region: str, uuid: str) -> StreamMapping | None:
    esm = get_lambda_backend(account_id, region).get_event_source_mapping(uuid)
    return _to_stream_mapping(esm) if esm is not None and _is_dynamodb_stream(esm) else None
