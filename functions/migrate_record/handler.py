"""migrate_record: consume the migration queue, partial batch failures.

Thin wiring only; the per-record logic is ``migration_runtime.record_migration``. A message carries one
record, or several scanned ones (a packed bulk-copy message: ``migration_runtime.packed_messages``, migrated
by ``migration_runtime.packed_migration``, whose failed records are sent back alone). A failed one-record
message raises, so Powertools reports exactly that message in ``batchItemFailures``; the others are
deleted. A message's ``copy_version`` and ``copy_change`` attributes (``migration_runtime.migration_copies``)
say which copy it is; a bulk-copy message has neither (a scanned upsert), a record sent back alone from a
packed message has ``prior_receives``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from migration_runtime import aws_clients, settings
from migration_runtime.configured_mapping import configured_lookups, configured_mapping
from migration_runtime.migration_copies import copy_attributes_from_event, prior_receives_from_event
from migration_runtime.packed_messages import MalformedPackedMessage, is_packed
from migration_runtime.packed_migration import PackedResendFailed, migrate_packed
from migration_runtime.record_migration import (
    MigrationAttemptFailed,
    MigrationMessage,
    MigrationOutcome,
    MigrationResult,
    NoFaults,
    RecordMigrator,
    TargetWriteFaults,
)
from migration_runtime.retry_backoff import RetryBackoff

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace=settings.metrics_namespace())
# Report failures per message even when every message failed (no exception), so the response always
# names exactly the failed ids and the retry backoff set per message applies.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

_METRICS = {
    MigrationOutcome.CREATED: "RecordsMigrated",
    MigrationOutcome.UPDATED: "RecordsUpdated",
    MigrationOutcome.MOVED: "RecordsMoved",
    MigrationOutcome.REMOVED: "RecordsRemoved",
    MigrationOutcome.DUPLICATE: "DuplicateDeliveries",
    MigrationOutcome.SUPERSEDED: "RecordsSupersededByIntake",
    MigrationOutcome.STALE: "StaleCopies",
    MigrationOutcome.INELIGIBLE: "RecordsIneligible",
    MigrationOutcome.REJECTED: "RecordsRejected",
    MigrationOutcome.SENTINEL: "SentinelsSkipped",
}


def _faults() -> TargetWriteFaults:
    """The configured faults, when the archive holds the optional ``fault_injection`` package."""
    try:
        from fault_injection.record_faults import FaultInjector
    except ImportError:  # packaged only for local resilience runs (the stack's ``faultInjection``)
        return NoFaults()
    return FaultInjector.from_settings()


def _migrator() -> RecordMigrator:
    # Built per invocation from the environment (cheap; clients are cached process-wide, the mapping
    # per process, and the lookups' cache lasts this invocation).
    dynamodb = aws_clients.dynamodb()
    return RecordMigrator(
        dynamodb=dynamodb,
        sqs=aws_clients.sqs(),
        new_table_name=settings.new_table_name(),
        control_table_name=settings.control_table_name(),
        migration_queue_url=settings.migration_queue_url(),
        backoff=RetryBackoff.from_settings(),
        faults=_faults(),
        mapping=configured_mapping(),
        lookups=configured_lookups(dynamodb),
    )


def _record_handler(migrator: RecordMigrator, max_receive_count: int) -> Callable[[SQSRecord], None]:
    def handle(record: SQSRecord) -> None:
        logger.set_correlation_id(record.message_id)
        # An attribute no sender writes fails this message (retried, then dead-lettered with its error).
        attributes = record.raw_event.get("messageAttributes")
        version, change = copy_attributes_from_event(attributes)
        message = MigrationMessage(
            message_id=record.message_id,
            body=record.body,
            receipt_handle=record.receipt_handle,
            receive_count=int(record.attributes.approximate_receive_count or 1),
            version=version,
            change=change,
            prior_receives=prior_receives_from_event(attributes),
        )
        if is_packed(message.body):
            _migrate_packed(migrator, message)
            return
        try:
            result = migrator.migrate(message)
        except MigrationAttemptFailed as failure:
            _failed(failure, final_attempt=message.receive_count >= max_receive_count)
            raise
        _migrated(result)

    return handle


def _migrate_packed(migrator: RecordMigrator, message: MigrationMessage) -> None:
    metrics.add_metric(name="PackedMessages", unit=MetricUnit.Count, value=1)
    try:
        packed = migrate_packed(migrator, message)
    except PackedResendFailed:
        logger.warning("packed message failed: records could not be sent back alone; will be retried")
        raise
    except MalformedPackedMessage as malformed:
        # No sender writes such a body; it is retried, then dead-lettered as it is, with this reason.
        logger.warning("packed message failed: malformed", extra={"reason": str(malformed)})
        raise
    for result in packed.results:
        _migrated(result)
    for failure in packed.failures:
        _failed(failure, final_attempt=False)
    if packed.resent:
        metrics.add_metric(name="RecordsResentAlone", unit=MetricUnit.Count, value=packed.resent)
        logger.info(
            "records sent back alone",
            extra={
                "records": packed.resent,
                "redelivered": message.receive_count > 1,
                "retry_delay_seconds": packed.delay_seconds,
            },
        )


def _migrated(result: MigrationResult) -> None:
    metrics.add_metric(name=_METRICS[result.outcome], unit=MetricUnit.Count, value=1)
    logger.info(f"record {result.outcome.value}", extra={**result.log_fields, "reason": result.reason})


def _failed(failure: MigrationAttemptFailed, *, final_attempt: bool) -> None:
    metrics.add_metric(name="RecordFailures", unit=MetricUnit.Count, value=1)
    logger.warning(
        "record failed; will be retried",
        extra={
            **failure.log_fields,
            "error_type": failure.error_type,
            "reason": failure.reason,
            "receive_count": failure.receive_count,
            "retry_delay_seconds": failure.delay_seconds,
            "final_attempt": final_attempt,
        },
    )


@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
@logger.inject_lambda_context(log_event=False, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records", [])
    metrics.add_metric(name="MessagesReceived", unit=MetricUnit.Count, value=len(records))
    handler = _record_handler(_migrator(), settings.max_receive_count())
    response = process_partial_response(
        event=event, record_handler=handler, processor=processor, context=context
    )
    logger.set_correlation_id(None)
    logger.info("batch done", extra={"records": len(records), "failed": len(response["batchItemFailures"])})
    return response
