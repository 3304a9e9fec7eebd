"""The final report of a migration: outcome, counts, the records that did not move and why, requests, time.

Sources, in order of authority:
- the execution (status, error and cause, start and stop) and its history: the scan totals, every
  validation report (the last one gives legacy / migrated / ineligible / rejected, and bounded samples
  of its lists), the gate's answers;
- the stack, read at report time: the ledger in the control table (every rejected record with its
  reason: a paginated Scan filtered on REJECTED; on AWS a filtered Scan still reads, and is billed for,
  the whole control table once), the migration DLQ (dead-lettered records, each with the last error the
  ledger kept for it), the intake DLQ (rejected intake messages with their `rejection_reason`) and the new
  table (intake messages delivered to the new backend).
The lists hold every entry (the report is not bound by the state machine's 256 KiB); the text shows the
first few of each. `requests` is only known where the requests are counted: at the local emulator.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from migration_cli.execution_history import (
    ROLLED_BACK_ERROR,
    ExecutionProgress,
    read_progress,
    unwrap_child_failure,
)
from migration_cli.stack_data import approximate_depth, count_items, peek_messages
from migration_cli.stack_outputs import StackOutputs
from onboarding.application_ids import application_id_of
from onboarding.dynamodb_codec import from_attribute_map
from onboarding.migration_ledger import (
    LAST_ERROR,
    REJECTED,
    LedgerEntry,
    ledger_entry,
    ledger_pk,
    read_ledger,
)

REPORTED_SERVICES = ("sqs", "lambda", "dynamodb", "states")
STATUSES = ("SUCCEEDED", "ROLLED_BACK", "FAILED")


def report_status(description: dict[str, Any]) -> str:
    """SUCCEEDED, ROLLED_BACK or FAILED for a finished execution (RUNNING while it runs)."""
    status = str(description["status"])
    if status == "SUCCEEDED":
        return "SUCCEEDED"
    if status == "RUNNING":
        return "RUNNING"
    if status == "FAILED" and description.get("error") == ROLLED_BACK_ERROR:
        return "ROLLED_BACK"
    return "FAILED"


def requests_per_service(counts: dict[str, int] | None) -> dict[str, int] | None:
    """The four services the report shows, from an emulator's per-service request counts."""
    if counts is None:
        return None
    return {service: int(counts.get(service, 0)) for service in REPORTED_SERVICES}


def rejected_records(dynamodb: Any, outputs: StackOutputs) -> list[dict[str, Any]]:
    """Every REJECTED entry of the ledger (control table), by application id."""
    return _as_listed(read_ledger(dynamodb, outputs.control_table_name, kind=REJECTED))


def _as_listed(entries: Iterable[LedgerEntry]) -> list[dict[str, Any]]:
    listed = [{"application_id": entry.application_id, "reason": entry.reason} for entry in entries]
    return sorted(listed, key=lambda entry: entry["application_id"])


def _last_error(dynamodb: Any, outputs: StackOutputs, application_id: str) -> LedgerEntry | None:
    response = dynamodb.get_item(
        TableName=outputs.control_table_name,
        Key={"pk": {"S": ledger_pk(application_id)}, "sk": {"S": LAST_ERROR}},
        ConsistentRead=True,
    )
    return ledger_entry(from_attribute_map(response["Item"])) if "Item" in response else None


def dead_lettered_records(
    sqs: Any, dynamodb: Any, outputs: StackOutputs, ledger: list[LedgerEntry] | None = None
) -> list[dict[str, Any]]:
    """Each message of the migration DLQ: its record id and the last error the ledger kept for it (from
    ``ledger`` when the caller has read it already, otherwise one read per message)."""
    last_errors = (
        None
        if ledger is None
        else {entry.application_id: entry for entry in ledger if entry.kind == LAST_ERROR}
    )
    entries = []
    for message in peek_messages(sqs, outputs.migration_dlq_url):
        application_id = application_id_of(message.body)
        reason = "no error recorded for this record"
        if application_id is not None:
            entry = (
                _last_error(dynamodb, outputs, application_id)
                if last_errors is None
                else last_errors.get(application_id)
            )
            if entry is not None:
                reason = entry.reason
        else:
            reason = "the message is not a record with an application_id"
        entries.append({"application_id": application_id, "reason": reason})
    return sorted(entries, key=lambda entry: entry["application_id"] or "")


def rejected_intake_messages(sqs: Any, outputs: StackOutputs) -> list[dict[str, Any]]:
    """Each message of the intake DLQ: its record id (when the body has one) and its rejection reason."""
    entries = []
    for message in peek_messages(sqs, outputs.intake_dlq_url):
        reason = message.attributes.get("rejection_reason") or (
            "no rejection_reason: dead-lettered by SQS after repeated failures (see the consumer's logs)"
        )
        entries.append({"application_id": application_id_of(message.body), "reason": reason})
    return sorted(entries, key=lambda entry: (entry["application_id"] or "", entry["reason"]))


def intake_delivered_count(dynamodb: Any, outputs: StackOutputs) -> int:
    """Items the new backend wrote from intake messages (source = intake)."""
    return count_items(
        dynamodb,
        outputs.new_table_name,
        FilterExpression="#source = :intake",
        ExpressionAttributeNames={"#source": "source"},
        ExpressionAttributeValues={":intake": {"S": "intake"}},
    )


def _duration(description: dict[str, Any]) -> float | None:
    started = description.get("startDate")
    stopped = description.get("stopDate")
    if not isinstance(started, datetime):
        return None
    end = stopped if isinstance(stopped, datetime) else datetime.now(started.tzinfo)
    return round((end - started).total_seconds(), 1)


def _record_counts(progress: ExecutionProgress) -> dict[str, int | None]:
    validation = progress.latest_validation
    if validation is not None:
        counts = validation["counts"]
        return {
            "legacy": counts.get("legacy"),
            "eligible": counts.get("eligible"),
            "migrated": counts.get("migrated"),
            "superseded_by_intake": counts.get("superseded_by_intake"),
            "ineligible": counts.get("ineligible"),
            "rejected": counts.get("rejected"),
            "checksum_mismatches": counts.get("checksum_mismatches"),
        }
    if progress.dry_run and progress.pages:
        scan = progress.scan
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
    return {
        "legacy": progress.scan["scanned"] if progress.pages else None,
        "eligible": progress.scan["eligible"] if progress.pages else None,
        "migrated": None,
        "ineligible": progress.scan["ineligible"] if progress.pages else None,
        "rejected": None,
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
) -> dict[str, Any]:
    """The report as a JSON-ready dict (see the module docstring for where each value comes from).

    `intake_sent`: how many intake messages were sent during the run, when the caller knows (local run);
    otherwise intake_received is what the stack shows: delivered + rejected + still queued.
    `intake_delivered`: when the caller has already counted the new table's intake items (saves a scan).
    `ledger`: every ledger entry, when the caller has already read the control table (saves a scan).
    """
    description = stepfunctions.describe_execution(executionArn=execution_arn)
    progress = read_progress(stepfunctions, execution_arn)
    status = report_status(description)

    counts: dict[str, Any] = _record_counts(progress)
    dead_lettered = [] if progress.dry_run else dead_lettered_records(sqs, dynamodb, outputs, ledger)
    intake_rejected = rejected_intake_messages(sqs, outputs)
    counts["dead_lettered"] = 0 if progress.dry_run else approximate_depth(sqs, outputs.migration_dlq_url)
    counts["intake_rejected"] = approximate_depth(sqs, outputs.intake_dlq_url)
    counts["intake_delivered"] = (
        intake_delivered if intake_delivered is not None else intake_delivered_count(dynamodb, outputs)
    )
    pending = approximate_depth(sqs, outputs.intake_queue_url)
    counts["intake_received"] = (
        intake_sent
        if intake_sent is not None
        else counts["intake_delivered"] + counts["intake_rejected"] + pending
    )
    counts["intake_pending"] = pending
    counts["enqueued"] = progress.scan["enqueued"]

    validation = progress.latest_validation
    # A dry run writes no ledger entry: what the control table holds belongs to an earlier run.
    if progress.dry_run:
        rejected: list[dict[str, Any]] = []
    elif ledger is None:
        rejected = rejected_records(dynamodb, outputs)
    else:
        rejected = _as_listed(entry for entry in ledger if entry.kind == REJECTED)
    cause = unwrap_child_failure(description.get("cause")) if status != "SUCCEEDED" else None
    return {
        "execution_arn": execution_arn,
        "execution_name": description.get("name"),
        "status": status,
        "dry_run": progress.dry_run,
        "error": description.get("error") if status != "SUCCEEDED" else None,
        "cause": cause,
        "phase_reached": progress.phase,
        "cut_over": progress.cut_over,
        "counts": counts,
        "validation": (
            {
                "clean": validation["clean"],
                "runs": len(progress.validations),
                "missing": validation["counts"].get("missing"),
                "checksum_mismatches": validation.get("checksum_mismatches", []),
                "truncated": bool(validation.get("truncated")),
            }
            if validation
            else None
        ),
        "gate_decisions": progress.gate_decisions,
        "redrives": progress.redrives,
        "backup_arn": progress.backup_arn,
        "rejected": rejected,
        "dead_lettered": dead_lettered,
        "intake_rejected": intake_rejected,
        "requests": requests_per_service(requests),
        # Requests count HTTP calls; a queue mapping or a state machine task invokes a function without one.
        "lambda_invocations": (
            None
            if lambda_invocations is None
            else {**lambda_invocations, "total": sum(lambda_invocations.values())}
        ),
        "state_transitions": progress.state_transitions,
        "duration_seconds": _duration(description),
        "intake_paused_seconds": progress.intake_paused_seconds,
    }


def _count(value: Any) -> str:
    return "n/a" if value is None else str(value)


def _entries(title: str, entries: list[dict[str, Any]], total: Any, shown: int) -> list[str]:
    if not entries:
        return []
    lines = [f"{title} ({_count(total)}{'' if len(entries) <= shown else f', first {shown} shown'}):"]
    for entry in entries[:shown]:
        lines.append(f"  {entry.get('application_id') or '(no application_id)'}: {entry.get('reason', '')}")
    if len(entries) > shown:
        lines.append(f"  ... and {len(entries) - shown} more (every one in the JSON report)")
    return lines


def format_report(report: dict[str, Any], shown: int = 10) -> str:
    """The same report for a person: outcome first, then counts, then what did not move and why."""
    counts = report["counts"]
    title = report.get("execution_name") or report["execution_arn"]
    duration = report.get("duration_seconds")
    lines = [
        f"Migration {title}: {report['status']}"
        + (" (dry run: nothing was changed)" if report["dry_run"] else "")
        + (f" in {duration:.1f} s" if duration is not None else "")
    ]
    if report.get("cause"):
        lines.append(f"  cause: {report['cause']}")
    if report["status"] == "ROLLED_BACK":
        lines.append("  the legacy consumer is serving again; the new consumer is off")
    if report.get("intake_paused_seconds") is not None:
        lines.append(f"  intake paused for {report['intake_paused_seconds']:.1f} s (no consumer took it)")
    lines.append("")
    lines.append("Legacy records")
    rows = [("total", counts.get("legacy"))]
    if report["dry_run"]:
        rows += [
            ("would migrate", counts.get("would_migrate")),
            ("ineligible", counts.get("ineligible")),
            ("would be rejected", counts.get("would_reject")),
        ]
    else:
        rows += [
            ("migrated", counts.get("migrated")),
            ("ineligible (skipped)", counts.get("ineligible")),
            ("rejected (invalid)", counts.get("rejected")),
            ("dead-lettered", counts.get("dead_lettered")),
        ]
        if counts.get("superseded_by_intake"):
            rows.append(("superseded by newer intake", counts.get("superseded_by_intake")))
    lines += [f"  {label:<28}{_count(value):>10}" for label, value in rows]
    lines.append("Intake messages")
    lines += [
        f"  {label:<28}{_count(counts.get(key)):>10}"
        for label, key in (
            ("received", "intake_received"),
            ("delivered (new backend)", "intake_delivered"),
            ("rejected (intake DLQ)", "intake_rejected"),
        )
    ]
    validation = report.get("validation")
    if validation:
        state = "clean" if validation["clean"] else "NOT clean"
        lines.append(
            f"Validation: {state} after {validation['runs']} run(s); "
            f"checksum mismatches {len(validation['checksum_mismatches'])}"
        )
    if report.get("gate_decisions"):
        lines.append(f"Gate answered: {', '.join(report['gate_decisions'])}")
    if report.get("requests") is not None:
        requests = report["requests"]
        lines.append(
            "Requests: " + ", ".join(f"{service} {requests[service]}" for service in REPORTED_SERVICES)
        )
    if report.get("lambda_invocations") is not None:
        invocations = dict(report["lambda_invocations"])
        total = invocations.pop("total")
        by_path = ", ".join(f"{path} {count}" for path, count in sorted(invocations.items()))
        lines.append(f"Lambda invocations: {total}" + (f" ({by_path})" if by_path else ""))
    if report.get("state_transitions"):
        lines.append(f"State transitions: {report['state_transitions']}")
    for title_, key, total in (
        ("Rejected records", "rejected", counts.get("rejected")),
        ("Dead-lettered records", "dead_lettered", counts.get("dead_lettered")),
        ("Rejected intake messages", "intake_rejected", counts.get("intake_rejected")),
    ):
        block = _entries(title_, report.get(key, []), total, shown)
        if block:
            lines.append("")
            lines += block
    return "\n".join(lines)
