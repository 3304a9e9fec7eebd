"""legacy_intake: the old backend's consumer of the intake queue; stores each record as is.

Malformed messages go to the intake DLQ with their reason and count as processed (they never block the
batch); unforeseen errors fail only their message (partial batch failure), so SQS retries it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from onboarding import aws_clients, settings
from onboarding.intake_processing import IntakeMessage, IntakeOutcome, LegacyIntake

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace=settings.metrics_namespace())
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def _record_handler(intake: LegacyIntake) -> Callable[[SQSRecord], None]:
    def handle(record: SQSRecord) -> None:
        logger.set_correlation_id(record.message_id)
        message = IntakeMessage(record.message_id, record.body, record.event_source_arn or "unknown")
        try:
            result = intake.accept(message)
        except Exception as error:
            # The message text of an unforeseen error is not logged: it may quote record content.
            metrics.add_metric(name="IntakeFailures", unit=MetricUnit.Count, value=1)
            logger.warning(
                "intake message failed; will be retried", extra={"error_type": type(error).__name__}
            )
            raise
        name = "IntakeRejected" if result.outcome is IntakeOutcome.REJECTED else "IntakeWritten"
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
        logger.info(
            f"intake message {result.outcome.value}", extra={**result.log_fields, "reason": result.reason}
        )

    return handle


@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
@logger.inject_lambda_context(log_event=False, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    intake = LegacyIntake(
        dynamodb=aws_clients.dynamodb(),
        sqs=aws_clients.sqs(),
        legacy_table_name=settings.legacy_table_name(),
        intake_dlq_url=settings.intake_dlq_url(),
    )
    metrics.add_metric(name="MessagesReceived", unit=MetricUnit.Count, value=len(event.get("Records", [])))
    response = process_partial_response(
        event=event, record_handler=_record_handler(intake), processor=processor, context=context
    )
    logger.set_correlation_id(None)
    return response
