"""onboarding_intake: the new backend's consumer of the intake queue; validates and writes the new item.

Every status is accepted live (eligibility only concerns the migration). Invalid or malformed messages go
to the intake DLQ with their reason and count as processed; unforeseen errors fail only their message,
which is marked in the control table until an attempt succeeds (what the migration's drain waits for:
``migration_runtime.intake_retries``).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.typing import LambdaContext

from migration_runtime import aws_clients, settings
from migration_runtime.configured_mapping import configured_lookups, configured_mapping
from migration_runtime.intake_batch import process_intake_batch
from migration_runtime.intake_processing import IntakeOutcome, OnboardingIntake
from migration_runtime.intake_retries import IntakeRetryMarks

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace=settings.metrics_namespace())
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

_METRICS = {
    IntakeOutcome.CREATED: "IntakeWritten",
    IntakeOutcome.UPDATED: "IntakeUpdated",
    IntakeOutcome.MOVED: "IntakeMoved",
    IntakeOutcome.STALE: "IntakeStale",
    IntakeOutcome.UNCHANGED: "IntakeUnchanged",
    IntakeOutcome.REJECTED: "IntakeRejected",
}


@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
@logger.inject_lambda_context(log_event=False, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    dynamodb = aws_clients.dynamodb()
    intake = OnboardingIntake(
        dynamodb=dynamodb,
        sqs=aws_clients.sqs(),
        new_table_name=settings.new_table_name(),
        intake_dlq_url=settings.intake_dlq_url(),
        mapping=configured_mapping(),
        lookups=configured_lookups(dynamodb),
    )
    return process_intake_batch(
        event,
        context,
        intake,
        processor=processor,
        logger=logger,
        metrics=metrics,
        metric_names=_METRICS,
        retries=IntakeRetryMarks(dynamodb, settings.control_table_name()),
    )
