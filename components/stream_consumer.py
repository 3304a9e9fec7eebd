"""The event source mapping that feeds a DynamoDB stream to a function: the online migration's capture."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.python_function import PythonFunction

MAX_STREAM_BATCH_SIZE = 10_000
MAX_BATCHING_WINDOW_SECONDS = 300
MAX_PARALLELIZATION_FACTOR = 10


@dataclass(frozen=True)
class StreamConsumerArgs:
    """Which table's stream feeds which function, and how."""

    stream_arn: pulumi.Input[str]
    """The table's stream (`aws.dynamodb.Table.stream_arn`)."""

    function: PythonFunction
    """The function invoked with each batch of stream records."""

    batch_size: int = 100
    """Stream records per invocation, 1..10000."""

    maximum_batching_window_in_seconds: int = 1
    """How long Lambda may wait to fill a batch, 0..300 s (also how late a change may be picked up)."""

    maximum_retry_attempts: int = -1
    """Retries of a failing batch; -1 retries until the record expires (24 h), so no change is skipped."""

    parallelization_factor: int = 1
    """Concurrent batches per shard, 1..10 (order per item is kept by Lambda either way)."""

    enabled: bool = False
    """Initial state only: the state machine enables the mapping for an online run and disables it after."""


def validate_stream_consumer(args: StreamConsumerArgs) -> None:
    if not 1 <= args.batch_size <= MAX_STREAM_BATCH_SIZE:
        raise ValueError(f"batch_size must be within 1..{MAX_STREAM_BATCH_SIZE}, got {args.batch_size}")
    if not 0 <= args.maximum_batching_window_in_seconds <= MAX_BATCHING_WINDOW_SECONDS:
        raise ValueError(
            f"maximum_batching_window_in_seconds must be within 0..{MAX_BATCHING_WINDOW_SECONDS}, "
            f"got {args.maximum_batching_window_in_seconds}"
        )
    if args.maximum_retry_attempts < -1 or args.maximum_retry_attempts > 10_000:
        raise ValueError(f"maximum_retry_attempts must be -1 or 0..10000, got {args.maximum_retry_attempts}")
    if not 1 <= args.parallelization_factor <= MAX_PARALLELIZATION_FACTOR:
        raise ValueError(
            f"parallelization_factor must be within 1..{MAX_PARALLELIZATION_FACTOR}, "
            f"got {args.parallelization_factor}"
        )


class StreamConsumer(pulumi.ComponentResource):
    """A DynamoDB stream event source mapping, created disabled, starting at the stream's end (LATEST).

    LATEST, not TRIM_HORIZON: a first enable must not replay up to 24 hours of the live table's changes
    (the bulk copy reads the table as it is). Whatever position Lambda starts from on an enable, the run
    first proves the capture live with a sentinel write before the bulk copy starts, and a replayed older
    change loses to any newer copy by the version rule (migration_runtime/copy_versions.py).
    """

    mapping: aws.lambda_.EventSourceMapping
    uuid: pulumi.Output[str]

    def __init__(
        self, name: str, args: StreamConsumerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate_stream_consumer(args)
        super().__init__("onboarding:components:StreamConsumer", name, None, opts)

        self.mapping = aws.lambda_.EventSourceMapping(
            f"{name}-mapping",
            event_source_arn=args.stream_arn,
            function_name=args.function.function.arn,
            starting_position="LATEST",
            batch_size=args.batch_size,
            maximum_batching_window_in_seconds=args.maximum_batching_window_in_seconds,
            maximum_retry_attempts=args.maximum_retry_attempts,
            parallelization_factor=args.parallelization_factor,
            function_response_types=["ReportBatchItemFailures"],
            enabled=args.enabled,
            # Enabled and disabled by the state machine at run time; `pulumi up` must not undo that.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["enabled"]),
        )
        self.uuid = self.mapping.uuid

        self.register_outputs({"mapping_uuid": self.mapping.uuid})
