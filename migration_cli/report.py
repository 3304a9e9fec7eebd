"""Build the final report of a migration: outcome, counts, the records that did not move and why, requests.

Sources, in order of authority:
- the execution (status, error and cause, start and stop) and its history: the scan totals, every
  validation result (the last one gives legacy / migrated / ineligible / rejected, and bounded samples
  of its lists), the gate's answers;
- the stack, read at report time (``report_sources``): the ledger, both DLQs, the new table.
`requests` is only known where the requests are counted: at the local emulator. The result is a typed
``MigrationReport`` (``report_model``), rendered by ``report_text`` and written as JSON by ``to_json``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from migration_cli.execution_history import ExecutionProgress
from migration_cli.history_events import unwrap_child_failure
from migration_cli.history_reader import read_progress
from migration_cli.report_model import (
    REPORTED_SERVICES,
    MigrationReport,
    RecordCounts,
    ValidationSummary,
)
from migration_cli.report_sources import (
    dead_lettered_records,
    intake_delivered_count,
    listed_rejections,
    rejected_intake_messages,
    rejected_records,
)
from migration_cli.report_status import report_status
from migration_cli.stack_data import approximate_depth
from migration_cli.stack_outputs import StackOutputs
from migration_runtime.migration_ledger import LedgerEntry
from migration_runtime.validation_result import ValidationScope


def requests_per_service(counts: dict[str, int] | None) -> dict[str, int] | None:
    """The four services the report shows, from an emulator's per-service request counts."""
    if counts is None:
        return None
    return {service: int(counts.get(service, 0)) for service in REPORTED_SERVICES}


def _duration(description: dict[str, Any]) -> float | None:
    started = description.get("startDate")
    stopped = description.get("stopDate")
    if not isinstance(started, datetime):
        return None
    end = stopped if isinstance(stopped, datetime) else datetime.now(started.tzinfo)
    return round((end - started).total_seconds(), 1)


def record_counts(progress: ExecutionProgress) -> dict[str, int | None]:
    """What happened to the legacy records, from the last full validation (or the scan, when none ran)."""
    validation = progress.latest_full_validation
    if validation is not None:
        counts = validation.counts
        return {
            "legacy": counts.legacy,
            "eligible": counts.eligible,
            "migrated": counts.migrated,
            "superseded_by_intake": counts.superseded_by_intake,
            "ineligible": counts.ineligible,
            "rejected": counts.rejected,
            "checksum_mismatches": counts.checksum_mismatches,
            "stale_items": counts.stale_items,
        }
    scan = progress.scan
    if progress.dry_run and progress.pages:
        return {
            "legacy": scan["scanned"],
            "eligible": scan["eligible"],
            "migrated": 0,
            "would_migrate": scan["eligible"] - scan["invalid"],
            "ineligible": scan["ineligible"],
            "rejected": 0,
            "would_reject": scan["invalid"],
        }
    # Rolled back before anything was validated: the scan is all that is known.
    scanned = bool(progress.pages)
    return {
        "legacy": scan["scanned"] if scanned else None,
        "eligible": scan["eligible"] if scanned else None,
        "ineligible": scan["ineligible"] if scanned else None,
    }


def build_report(
    stepfunctions: Any,
    sqs: Any,
    dynamodb: Any,
    outputs: StackOutputs,
    execution_arn: str,
    *,
    intake_sent: int | None = None,
    intake_delivered: int | None = None,
    requests: dict[str, int] | None = None,
    lambda_invocations: dict[str, int] | None = None,
    ledger: list[LedgerEntry] | None = None,
) -> MigrationReport:
    """The report (see the module docstring for where each value comes from).

    `intake_sent`: how many intake messages were sent during the run, when the caller knows (local run);
    otherwise intake_received is what the stack shows: delivered + rejected + still queued.
    `intake_delivered`: when the caller has already counted the new table's intake items (saves a scan).
    `ledger`: every ledger entry, when the caller has already read the control table (saves a scan).
    """
    description = stepfunctions.describe_execution(executionArn=execution_arn)
    progress = read_progress(stepfunctions, execution_arn)
    status = report_status(description)

    dead_lettered = [] if progress.dry_run else dead_lettered_records(sqs, dynamodb, outputs, ledger)
    intake_rejected_count = approximate_depth(sqs, outputs.intake_dlq_url)
    delivered = (
        intake_delivered if intake_delivered is not None else intake_delivered_count(dynamodb, outputs)
    )
    pending = approximate_depth(sqs, outputs.intake_queue_url)
    counts = RecordCounts(
        **record_counts(progress),
        dead_lettered=0 if progress.dry_run else approximate_depth(sqs, outputs.migration_dlq_url),
        intake_rejected=intake_rejected_count,
        intake_delivered=delivered,
        intake_received=intake_sent
        if intake_sent is not None
        else delivered + intake_rejected_count + pending,
        intake_pending=pending,
        enqueued=progress.scan["enqueued"],
    )
    # A dry run writes no ledger entry: what the control table holds belongs to an earlier run.
    if progress.dry_run:
        rejected = []
    elif ledger is None:
        rejected = rejected_records(dynamodb, outputs)
    else:
        rejected = listed_rejections(ledger)
    validation = progress.latest_validation
    failed = status != "SUCCEEDED"
    return MigrationReport(
        execution_arn=execution_arn,
        execution_name=description.get("name"),
        status=status,
        dry_run=progress.dry_run,
        mode=progress.mode,
        record_mapping=outputs.record_mapping,
        record_id_field=outputs.mapping().record_id_field,
        error=description.get("error") if failed else None,
        cause=unwrap_child_failure(description.get("cause")) if failed else None,
        phase_reached=progress.phase,
        cut_over=progress.cut_over,
        counts=counts,
        validation=(
            ValidationSummary(
                clean=validation.clean,
                runs=len(progress.validations),
                missing=validation.counts.missing,
                checksum_mismatches=[entry.model_dump() for entry in validation.checksum_mismatches],
                truncated=validation.truncated,
                changed_reverified=(
                    validation.counts.legacy if validation.scope is ValidationScope.CHANGED else None
                ),
                reverified_while_serving=progress.reverified_while_serving,
            )
            if validation is not None
            else None
        ),
        gate_decisions=progress.gate_decisions,
        redrives=progress.redrives,
        backup_arn=progress.backup_arn,
        rejected=rejected,
        dead_lettered=dead_lettered,
        intake_rejected=rejected_intake_messages(sqs, outputs),
        requests=requests_per_service(requests),
        # Requests count HTTP calls; a queue mapping or a state machine task invokes a function without one.
        lambda_invocations=(
            None
            if lambda_invocations is None
            else {**lambda_invocations, "total": sum(lambda_invocations.values())}
        ),
        state_transitions=progress.state_transitions,
        duration_seconds=_duration(description),
        intake_paused_seconds=progress.intake_paused_seconds,
        catch_up_stream_shards=progress.catch_up.shards if progress.catch_up else None,
        catch_up_sentinels=progress.catch_up.members if progress.catch_up else None,
    )
