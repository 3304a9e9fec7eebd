"""Operator commands on a deployed stack, on AWS or a local endpoint: start, watch, approve, report, redrive.

Exit codes: 0 success; 1 the migration failed or was rolled back; 2 bad usage or a stack that cannot be
read; 3 the execution waits at its gate (watch); 4 refused: another migration runs, or the new backend
already serves and --force was not given (start).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from embedded_aws.lambda_runtime.runner import default_local_concurrency
from migration_cli.aws_connection import AwsConnection, connection_from_args
from migration_cli.migration_control import (
    GateNotWaiting,
    MigrationRefused,
    answer_gate,
    check_can_start,
    execution_input,
    resolve_execution_arn,
    start_dlq_redrive,
    start_migration,
    wait_for_move_task,
)
from migration_cli.plan_beside_actual import with_plan_estimate
from migration_cli.progress import WAITING_AT_GATE, ExecutionWatcher, ProgressPrinter
from migration_cli.report import build_report
from migration_cli.report_text import format_report
from migration_cli.run_picture.stack_sources import write_run_picture
from migration_cli.stack_outputs import StackOutputs, StackOutputsError, recorded_endpoint, resolve_outputs
from migration_runtime import run_control
from migration_runtime.execution_input import ONLINE, InvalidExecutionInput

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_AT_GATE = 3
EXIT_REFUSED = 4


def stack_target(args: argparse.Namespace) -> tuple[AwsConnection, StackOutputs]:
    """The stack's outputs and where to send requests: --endpoint-url, else the endpoint a `local up`
    outputs file records; the region from --region, else the stack's own `region` output."""
    path = Path(args.outputs) if args.outputs else None
    outputs = resolve_outputs(path, args.stack)
    connection = connection_from_args(args)
    if connection.endpoint_url is None and path is not None:
        connection.endpoint_url = recorded_endpoint(path)
    if connection.region is None:
        connection.region = outputs.region
    return connection, outputs


def start(args: argparse.Namespace) -> int:
    # Checked before the stack is even read: a bad input never reaches the state machine.
    try:
        document = execution_input(
            dry_run=True if args.dry_run else None,
            segments=args.segments,
            overrides=dict(args.set or []),
            explicit={
                "backup": True if args.backup else None,
                "poll_interval_seconds": args.poll_interval,
                "force": True if args.force else None,
                "mode": ONLINE if args.online else None,
            },
        )
    except InvalidExecutionInput as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    connection, outputs = stack_target(args)
    try:
        check_can_start(connection.client("dynamodb"), outputs.control_table_name, document)
    except MigrationRefused as error:
        print(f"refused: {error}", file=sys.stderr)
        return EXIT_REFUSED
    arn = start_migration(connection.client("stepfunctions"), outputs.state_machine_arn, document)
    print(arn)
    return EXIT_OK


def status(args: argparse.Namespace) -> int:
    """Which backend serves, which migration holds the lock (the control table's own records)."""
    connection, outputs = stack_target(args)
    dynamodb = connection.client("dynamodb")
    document = {
        "serving": run_control.serving_backend(dynamodb, outputs.control_table_name).value,
        "lock_holder": run_control.lock_holder(dynamodb, outputs.control_table_name),
    }
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        print(f"serving backend: {document['serving']}")
        print(f"migration running: {document['lock_holder'] or 'none'}")
    return EXIT_OK


def watch(args: argparse.Namespace) -> int:
    connection, outputs = stack_target(args)
    arn = resolve_execution_arn(args.execution, outputs.state_machine_arn)
    watcher = ExecutionWatcher(
        connection.client("stepfunctions"),
        connection.client("sqs"),
        outputs,
        arn,
        ProgressPrinter(sys.stderr),
    )
    snapshot = watcher.watch(interval_seconds=args.interval)
    if snapshot.status == WAITING_AT_GATE:
        print(f"waiting at the gate: onboarding-migration approve {arn} --action redrive|accept|abort")
        return EXIT_AT_GATE
    print(snapshot.status)
    return EXIT_OK if snapshot.status == "SUCCEEDED" else EXIT_FAILED


def approve(args: argparse.Namespace) -> int:
    connection, outputs = stack_target(args)
    arn = resolve_execution_arn(args.execution, outputs.state_machine_arn)
    try:
        answer_gate(connection.client("stepfunctions"), arn, args.action, note=args.note)
    except GateNotWaiting as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"answered {args.action}")
    return EXIT_OK


def report(args: argparse.Namespace) -> int:
    connection, outputs = stack_target(args)
    arn = resolve_execution_arn(args.execution, outputs.state_machine_arn)
    migration_report = build_report(
        connection.client("stepfunctions"),
        connection.client("sqs"),
        connection.client("dynamodb"),
        outputs,
        arn,
    )
    migration_report = with_plan_estimate(
        migration_report,
        connection.client("stepfunctions"),
        connection.client("lambda"),
        outputs,
        worker_limit=default_local_concurrency() if connection.is_local else None,
    )
    print(json.dumps(migration_report.to_json(), indent=2) if args.json else format_report(migration_report))
    if args.html is not None:
        written = write_run_picture(
            args.html,
            migration_report,
            connection.client("stepfunctions"),
            connection.client("dynamodb"),
            outputs,
        )
        print(f"wrote {written}", file=sys.stderr)
    return EXIT_OK if migration_report.status in ("SUCCEEDED", "RUNNING") else EXIT_FAILED


def redrive(args: argparse.Namespace) -> int:
    connection, outputs = stack_target(args)
    sqs = connection.client("sqs")
    if args.queue == "migration":
        source, destination = outputs.migration_dlq_arn, outputs.migration_queue_arn
    else:
        source, destination = outputs.intake_dlq_arn, outputs.intake_queue_arn
    handle = start_dlq_redrive(sqs, source, destination)
    print(f"started moving {source} back to {destination} (task {handle})", file=sys.stderr)
    if not args.wait:
        return EXIT_OK
    result = wait_for_move_task(sqs, source, timeout_seconds=args.timeout)
    print(f"{result.status}: moved {result.moved}" + (f" ({result.failure})" if result.failure else ""))
    return EXIT_OK if result.status == "COMPLETED" else EXIT_FAILED


# What Step Functions answers for an execution id that is not one of this stack's executions.
_UNKNOWN_EXECUTION_CODES = frozenset({"ExecutionDoesNotExist", "InvalidArn", "InvalidName"})


def with_errors_handled(handler: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            return int(handler(args))
        except (StackOutputsError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_USAGE
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code not in _UNKNOWN_EXECUTION_CODES:
                raise
            execution = getattr(args, "execution", "?")
            print(
                f"error: no execution {execution!r} on this stack's state machine ({code})", file=sys.stderr
            )
            return EXIT_USAGE

    return run
