"""The stack's repeated pieces, sized from its settings: a work queue, a function, a queue consumer."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.migration_state_machine import event_source_mapping_arn
from components.python_function import PythonFunction, PythonFunctionArgs, archive_packages
from components.queue_consumer import (
    VISIBILITY_TO_TIMEOUT_RATIO,
    ExistingQueue,
    QueueConsumer,
    QueueConsumerArgs,
)
from components.queue_with_dead_letter import QueueWithDeadLetter, QueueWithDeadLetterArgs
from components.stream_consumer import StreamConsumer
from onboarding_stack.function_access import FunctionAccess
from onboarding_stack.settings import ConsumerSettings, StackSettings


def work_queue(
    settings: StackSettings, name: str, visibility_timeout_seconds: int, consumers: tuple[str, ...]
) -> QueueWithDeadLetter:
    """A work queue whose visibility timeout covers its slowest consumer, with its DLQ and alarm."""
    slowest = max(settings.functions[consumer].timeout_seconds for consumer in consumers)
    return QueueWithDeadLetter(
        name,
        QueueWithDeadLetterArgs(
            visibility_timeout_seconds=max(visibility_timeout_seconds, VISIBILITY_TO_TIMEOUT_RATIO * slowest),
            max_receive_count=settings.max_receive_count,
            message_retention_seconds=settings.queue_retention_seconds,
            alarm_email=settings.alarm_email,
        ),
    )


def stack_function(
    settings: StackSettings, layer: pulumi.Input[str], name: str, access: FunctionAccess
) -> PythonFunction:
    """The function of `functions/<name>/`, deployed as `<namePrefix>-<name>` and sized from the settings."""
    return PythonFunction(
        name.replace("_", "-"),
        PythonFunctionArgs(
            source_name=name,
            function_name=f"{settings.name_prefix}-{name}",
            statements=access.statements,
            layers=[layer],
            environment=access.environment,
            memory_size_mb=settings.functions[name].memory_size_mb,
            timeout_seconds=settings.functions[name].timeout_seconds,
            log_retention_days=settings.log_retention_days,
            log_level=settings.log_level,
            metrics_namespace=settings.metrics_namespace,
            packages=archive_packages(settings.record_mapping, fault_injection=settings.fault_injection),
        ),
    )


def queue_consumer(
    name: str,
    source: QueueWithDeadLetter | ExistingQueue,
    target: PythonFunction,
    tap: ConsumerSettings,
    *,
    enabled: bool,
) -> QueueConsumer:
    """An event source mapping from `source` to `target`, opened as far as the tap allows."""
    return QueueConsumer(
        name,
        QueueConsumerArgs(
            queue=source,
            function=target,
            batch_size=tap.batch_size,
            maximum_batching_window_in_seconds=tap.batching_window_seconds,
            maximum_concurrency=tap.maximum_concurrency,
            enabled=enabled,
        ),
    )


def mapping_arn(region: str, consumer: QueueConsumer | StreamConsumer) -> pulumi.Output[str]:
    """The IAM resource ARN of the consumer's mapping (what UpdateEventSourceMapping is scoped to)."""
    return mapping_arn_of_uuid(region, consumer.uuid)


def mapping_arn_of_uuid(region: str, uuid: pulumi.Input[str]) -> pulumi.Output[str]:
    """The IAM resource ARN of the mapping with this UUID (an adopted service's consumer too)."""
    account_id = aws.get_caller_identity_output().account_id
    return pulumi.Output.all(account_id, uuid).apply(
        lambda values: event_source_mapping_arn(region, values[0], values[1])
    )
