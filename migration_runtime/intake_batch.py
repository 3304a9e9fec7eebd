"""What both intake consumers share: per message, accept, count, log safely and fail only that message;
per batch, count what arrived and report the failures as a partial batch response."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from migration_runtime.intake_processing import IntakeMessage, IntakeOutcome, IntakeResult
from migration_runtime.intake_retries import IntakeRetryMarks
from migration_runtime.timestamps import utc_now


class IntakeBackend(Protocol):
    def accept(self, message: IntakeMessage) -> IntakeResult: ...


def intake_record_handler(
    intake: IntakeBackend,
    *,
    logger: Logger,
    metrics: Metrics,
    metric_names: Mapping[IntakeOutcome, str],
    retries: IntakeRetryMarks | None = None,
) -> Callable[[SQSRecord], None]:
    """A `BatchProcessor` record handler: a raised error marks only this message as failed (retried).
    ``retries``: leave a mark for each failed message until an attempt succeeds (the new backend's
    consumer, whose failures the drain waits for; see ``intake_retries``)."""

    def handle(record: SQSRecord) -> None:
        logger.set_correlation_id(record.message_id)
        sent = record.attributes.sent_timestamp
        message = IntakeMessage(
            record.message_id,
            record.body,
            record.event_source_arn or "unknown",
            sent_timestamp_ms=int(sent) if sent and str(sent).isdigit() else None,
        )
        receive_count = int(record.attributes.approximate_receive_count or 1)
        try:
            result = intake.accept(message)
        except Exception as error:
            # The message text of an unforeseen error is not logged: it may quote record content.
            metrics.add_metric(name="IntakeFailures", unit=MetricUnit.Count, value=1)
            logger.warning(
                "intake message failed; will be retried", extra={"error_type": type(error).__name__}
            )
            if retries is not None:
                retries.failed(record.message_id, receive_count=receive_count, at=utc_now())
            raise
        if retries is not None:
            retries.succeeded(record.message_id, receive_count=receive_count)
        metrics.add_metric(name=metric_names[result.outcome], unit=MetricUnit.Count, value=1)
        logger.info(
            f"intake message {result.outcome.value}", extra={**result.log_fields, "reason": result.reason}
        )

    return handle


def process_intake_batch(
    event: dict[str, Any],
    context: LambdaContext,
    intake: IntakeBackend,
    *,
    processor: BatchProcessor,
    logger: Logger,
    metrics: Metrics,
    metric_names: Mapping[IntakeOutcome, str],
    retries: IntakeRetryMarks | None = None,
) -> dict[str, Any]:
    """Handle one SQS batch; returns the ``batchItemFailures`` response the event source mapping reads."""
    metrics.add_metric(name="MessagesReceived", unit=MetricUnit.Count, value=len(event.get("Records", [])))
    handle = intake_record_handler(
        intake, logger=logger, metrics=metrics, metric_names=metric_names, retries=retries
    )
    response = process_partial_response(
        event=event,
        record_handler=handle,
        processor=processor,
        context=context,
    )
    # The correlation id was the last message's: it must not leak into the next invocation's logs.
    logger.set_correlation_id(None)
    return response
