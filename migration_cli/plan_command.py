"""`onboarding-migration plan`: what a migration of this stack would take, before it runs. Read-only.

It reads the legacy table's size (DescribeTable, or a counting Scan with --exact) and a sample of its
records, the migration tap (the migrate mapping's batch size and maximum concurrency) and migrate_record's
memory, and the per-batch time: --seconds-per-batch, else the function's average Duration over the last
day from CloudWatch (AWS/Lambda), else the calibrated default. Nothing is written: no lock, no run record,
no message (only Describe, Get, Scan and GetMetricStatistics calls). The arithmetic is
``migration_plan.estimate``; the history budget is read from the state machine definitions.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from embedded_aws.lambda_runtime.runner import default_local_concurrency
from migration_cli.argument_types import integer_at_least
from migration_cli.aws_connection import AwsConnection, add_connection_arguments
from migration_cli.deployed_tap import read_tap
from migration_cli.execution_commands import EXIT_OK, stack_target, with_errors_handled
from migration_cli.legacy_sample import count_legacy, sample_legacy
from migration_cli.migration_plan import (
    DEFAULT_SECONDS_PER_BATCH,
    PlanEstimate,
    RunSettings,
    WaitBudget,
    counts_from_sample,
    default_seconds_per_batch,
    estimate,
)
from migration_cli.stack_outputs import StackOutputs
from migration_runtime.aws_limits import STATES_MAX_HISTORY_EVENTS
from migration_runtime.execution_input import DEFAULTS, MAX_SEGMENTS
from statemachines import history_budget
from statemachines.wait_phase_states import wait_child_max_polls

DEFAULT_SAMPLE = 1000
STATEMACHINES_DIR = Path(history_budget.__file__).resolve().parent
DURATION_WINDOW = timedelta(days=1)


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, got {text}")
    return value


def segment_count(text: str) -> int:
    value = integer_at_least(1)(text)
    if value > MAX_SEGMENTS:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_SEGMENTS}, got {value}")
    return value


def measured_seconds_per_batch(
    cloudwatch: Any, function_name: str, now: datetime
) -> tuple[float, str] | None:
    """The function's average Duration over the last day (AWS/Lambda metric, milliseconds), or None."""
    try:
        response = cloudwatch.get_metric_statistics(
            Namespace="AWS/Lambda",
            MetricName="Duration",
            Dimensions=[{"Name": "FunctionName", "Value": function_name}],
            StartTime=now - DURATION_WINDOW,
            EndTime=now,
            Period=int(DURATION_WINDOW.total_seconds()),
            Statistics=["Average", "SampleCount"],
        )
    except ClientError:
        return None
    points = [point for point in response.get("Datapoints", []) if point.get("SampleCount")]
    if not points:
        return None
    invocations = sum(float(point["SampleCount"]) for point in points)
    total_ms = sum(float(point["Average"]) * float(point["SampleCount"]) for point in points)
    return (
        total_ms / invocations / 1000,
        f"measured: average Duration of {invocations:.0f} invocations, last day",
    )


def wait_budget(segments: int) -> WaitBudget:
    """Each wait's reach (children x polls) and each definition's worst-case history events."""
    migration, wait, segment = (
        json.loads((STATEMACHINES_DIR / f"{name}.asl.json").read_text(encoding="utf-8"))
        for name in ("migration", "wait_until_quiet", "enqueue_segment")
    )
    worst = history_budget.migration_worst_cases(migration, wait, segment, max_segments=segments)
    return WaitBudget(
        children_per_wait=history_budget.WAIT_CHILDREN_PER_WAIT,
        polls_per_child=wait_child_max_polls(wait),
        worst_case_events=dict(vars(worst)),
    )


def build_plan(
    connection: AwsConnection, outputs: StackOutputs, args: argparse.Namespace
) -> tuple[PlanEstimate, dict[str, Any]]:
    """The estimate and where each input came from."""
    dynamodb = connection.client("dynamodb")
    counted = count_legacy(dynamodb, outputs.legacy_table_name, exact=args.exact)
    mapping = outputs.mapping()
    sample = sample_legacy(
        dynamodb,
        outputs.legacy_table_name,
        min(args.sample, counted.records or args.sample),
        mapping=mapping,
        lookups=outputs.lookups(dynamodb, mapping),
    )
    tap, memory_mb = read_tap(connection.client("lambda"), outputs)
    if args.seconds_per_batch is not None:
        seconds_per_batch, source = args.seconds_per_batch, "given (--seconds-per-batch)"
    else:
        measured = measured_seconds_per_batch(
            connection.client("cloudwatch"), outputs.migrate_record_function_name, datetime.now(UTC)
        )
        seconds_per_batch, source = measured or (
            default_seconds_per_batch(tap),
            f"default (calibrated locally; {tap.records_per_message} record(s) per message)",
        )
    settings = RunSettings(
        segments=args.segments,
        poll_interval_seconds=args.poll_interval,
        empty_readings_required=args.empty_readings,
        seconds_per_batch=seconds_per_batch,
        seconds_per_batch_source=source,
        worker_limit=default_local_concurrency() if connection.is_local else None,
        migrate_memory_mb=memory_mb,
        intake_messages=args.intake_messages,
        online=args.online,
    )
    counts = counts_from_sample(
        counted.records,
        sampled=sample.sampled,
        migrates=sample.migrates,
        ineligible=sample.ineligible,
        invalid=sample.invalid,
        mean_legacy_bytes=sample.mean_legacy_bytes,
        mean_write_units=sample.mean_write_units,
    )
    sources = {
        "record_count": "scan (exact)" if counted.exact else "DescribeTable ItemCount (refreshed ~6-hourly)",
        "sampled": sample.sampled,
        "sample": {"migrates": sample.migrates, "ineligible": sample.ineligible, "invalid": sample.invalid},
        "seconds_per_batch": source,
    }
    return estimate(counts, tap, settings, wait_budget(args.segments)), sources


def format_plan(plan: PlanEstimate, sources: dict[str, Any]) -> str:
    counts, settings = plan.counts, plan.settings
    budget = f"{plan.wait_budget.polls_per_wait:,}" if plan.wait_budget else "?"
    events = plan.wait_budget.worst_case_events if plan.wait_budget else {}
    worst = ", ".join(f"{name} {count:,}" for name, count in events.items()) or "unknown"
    cap = f" (capped at {settings.worker_limit} local workers)" if settings.worker_limit else ""
    lines = [
        "Migration plan (estimate; nothing was changed)",
        f"  legacy records   {counts.records:,} ({sources['record_count']})",
        f"  from a sample of {sources['sampled']:,}: ~{counts.migrates:,} migrate, ~{counts.ineligible:,} "
        f"ineligible, ~{counts.invalid:,} invalid",
        f"  tap              batch size {plan.tap.batch_size}, maximum concurrency {plan.tap.max_concurrency}"
        f"{cap}: {plan.records_per_second:,.0f} records/s",
        f"  per-batch time   {settings.seconds_per_batch:.3f} s ({settings.seconds_per_batch_source})",
        f"  duration         {plan.duration_seconds:,.0f} s: "
        + ", ".join(f"{name} {seconds:,.0f} s" for name, seconds in plan.phases.items()),
        f"  intake paused    {plan.intake_paused_seconds:,.0f} s",
        f"  AWS cost         ${plan.cost.total:.4f} at list prices (SQS ${plan.cost.sqs:.4f}, Lambda "
        f"${plan.cost.lambda_requests + plan.cost.lambda_duration:.4f}, DynamoDB "
        f"${plan.cost.dynamodb_writes + plan.cost.dynamodb_reads:.4f}, Step Functions "
        f"${plan.cost.step_functions:.4f})",
        f"  transitions      ~{plan.state_transitions:,}; the settle wait needs ~{plan.longest_wait_polls:,} "
        f"polls of its budget of {budget}",
        f"  history          worst case per execution {worst} (quota {STATES_MAX_HISTORY_EVENTS:,} events)",
    ]
    lines += [f"  warning: {warning}" for warning in plan.warnings]
    return "\n".join(lines)


def plan(args: argparse.Namespace) -> int:
    connection, outputs = stack_target(args)
    estimate_, sources = build_plan(connection, outputs, args)
    if args.json:
        print(json.dumps({**estimate_.as_dict(), "sources": sources}, indent=2))
    else:
        print(format_plan(estimate_, sources))
    return EXIT_OK


def register(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "plan",
        help="estimate a migration before running it: records, duration, intake pause, cost (read-only)",
        description="Estimate a migration before running it, reading only: the legacy records (counted and "
        "sampled), the duration, the intake pause, the AWS cost at list prices and the state transitions "
        "against the history quota.",
        epilog="example: onboarding-migration plan --outputs outputs.json --segments 8",
    )
    parser.add_argument("--exact", action="store_true", help="count the records with a Scan (billed)")
    parser.add_argument(
        "--sample",
        type=integer_at_least(0),
        default=DEFAULT_SAMPLE,
        help=f"records to read and classify (default {DEFAULT_SAMPLE})",
    )
    parser.add_argument(
        "--seconds-per-batch",
        type=positive_seconds,
        help="migrate_record's time per batch (default: measured from CloudWatch, else "
        f"{DEFAULT_SECONDS_PER_BATCH} x records per message)",
    )
    parser.add_argument(
        "--segments", type=segment_count, default=DEFAULTS["segments"], help="as `start --segments`"
    )
    parser.add_argument(
        "--poll-interval",
        type=integer_at_least(1),
        default=DEFAULTS["poll_interval_seconds"],
        help="as `start --poll-interval`",
    )
    parser.add_argument(
        "--empty-readings",
        type=integer_at_least(1),
        default=DEFAULTS["empty_readings_required"],
        help="as the execution input empty_readings_required",
    )
    parser.add_argument(
        "--intake-messages",
        type=integer_at_least(0),
        default=0,
        help="intake messages expected while the intake is paused (online: changes expected during the run; "
        "default 0)",
    )
    parser.add_argument(
        "--online",
        action="store_true",
        help="estimate the online mode (the legacy backend serves during the copy; intake pauses for the "
        "cut-over only)",
    )
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    add_connection_arguments(parser)
    parser.set_defaults(handler=with_errors_handled(plan))
