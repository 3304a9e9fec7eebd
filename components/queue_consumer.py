"""The event source mapping that feeds a queue to a function: the tap of the migration."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.python_function import PythonFunction
from components.queue_with_dead_letter import QueueWithDeadLetter

# AWS guidance for SQS event sources: a visibility timeout of at least six times the function timeout, so
# a batch still being processed (or retried on throttling) is not handed to a second invocation.
VISIBILITY_TO_TIMEOUT_RATIO = 6
MIN_MAXIMUM_CONCURRENCY = 2
MAX_MAXIMUM_CONCURRENCY = 1_000
MAX_BATCH_SIZE = 10_000
MAX_BATCHING_WINDOW_SECONDS = 300


@dataclass(frozen=True)
class ExistingQueue:
    """A queue the stack does not own (an adopted service's intake queue), referenced by its ARN."""

    arn: pulumi.Input[str]
    visibility_timeout_seconds: int | None = None
    """None: not known when the stack is built (``sqs.get_queue`` does not return it); the state machine's
    Setup checks it against the consumer's timeout before a run pauses anything."""


@dataclass(frozen=True)
class QueueConsumerArgs:
    """Which queue feeds which function, and how fast."""

    queue: QueueWithDeadLetter | ExistingQueue
    """The consumed queue (its work queue, not the dead-letter queue), the stack's own or an existing one."""

    function: PythonFunction
    """The function invoked with each batch."""

    batch_size: int = 10
    """Messages per invocation, 1..10000 (above 10 needs a batching window of at least 1 s)."""

    maximum_batching_window_in_seconds: int = 0
    """How long Lambda may wait to fill a batch, 0..300 s."""

    maximum_concurrency: int = 2
    """Concurrent invocations this mapping may drive, 2..1000: the tap."""

    enabled: bool = True
    """Initial state only: later changes are made at run time (state machine, CLI) and kept by Pulumi."""


def validate_consumer(args: QueueConsumerArgs) -> None:
    """Raise ValueError when the mapping would be rejected by AWS or would deliver batches twice."""
    if not MIN_MAXIMUM_CONCURRENCY <= args.maximum_concurrency <= MAX_MAXIMUM_CONCURRENCY:
        raise ValueError(
            f"maximum_concurrency must be within {MIN_MAXIMUM_CONCURRENCY}..{MAX_MAXIMUM_CONCURRENCY} "
            f"(the SQS event source limits), got {args.maximum_concurrency}"
        )
    if not 1 <= args.batch_size <= MAX_BATCH_SIZE:
        raise ValueError(f"batch_size must be within 1..{MAX_BATCH_SIZE}, got {args.batch_size}")
    if not 0 <= args.maximum_batching_window_in_seconds <= MAX_BATCHING_WINDOW_SECONDS:
        raise ValueError(
            f"maximum_batching_window_in_seconds must be within 0..{MAX_BATCHING_WINDOW_SECONDS}, "
            f"got {args.maximum_batching_window_in_seconds}"
        )
    if args.batch_size > 10 and args.maximum_batching_window_in_seconds < 1:
        raise ValueError(
            f"batch_size {args.batch_size} is above 10, which SQS allows only with "
            "maximum_batching_window_in_seconds >= 1"
        )
    visibility = args.queue.visibility_timeout_seconds
    timeout = args.function.timeout_seconds
    if visibility is not None and visibility < VISIBILITY_TO_TIMEOUT_RATIO * timeout:
        raise ValueError(
            f"queue visibility timeout {visibility}s is shorter than {VISIBILITY_TO_TIMEOUT_RATIO} x the "
            f"function timeout {timeout}s (= {VISIBILITY_TO_TIMEOUT_RATIO * timeout}s): a batch still in "
            "flight would be delivered twice"
        )


def queue_arn(queue: QueueWithDeadLetter | ExistingQueue) -> pulumi.Input[str]:
    return queue.arn if isinstance(queue, ExistingQueue) else queue.queue.arn


class QueueConsumer(pulumi.ComponentResource):
    """An SQS event source mapping with partial batch failures and a concurrency cap."""

    mapping: aws.lambda_.EventSourceMapping
    uuid: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: QueueConsumerArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        validate_consumer(args)  # before registering anything, so a bad stack fails without side effects
        super().__init__("onboarding:components:QueueConsumer", name, None, opts)

        self.mapping = aws.lambda_.EventSourceMapping(
            f"{name}-mapping",
            event_source_arn=queue_arn(args.queue),
            function_name=args.function.function.arn,
            batch_size=args.batch_size,
            maximum_batching_window_in_seconds=args.maximum_batching_window_in_seconds,
            scaling_config=aws.lambda_.EventSourceMappingScalingConfigArgs(
                maximum_concurrency=args.maximum_concurrency
            ),
            function_response_types=["ReportBatchItemFailures"],
            enabled=args.enabled,
            # The state machine pauses and resumes consumers at run time: a later `pulumi up` must not
            # silently re-enable a paused one (or pause a live one).
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["enabled"]),
        )
        self.uuid = self.mapping.uuid

        self.register_outputs({"mapping_uuid": self.mapping.uuid})
