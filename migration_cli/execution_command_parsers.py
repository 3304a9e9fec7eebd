"""The parsers of the commands that act on a deployed stack (start, status, watch, approve, report,
redrive): each with a description and an example; the handlers are in ``execution_commands``."""

from __future__ import annotations

from typing import Any

from migration_cli.argument_types import key_json_value, output_file
from migration_cli.aws_connection import add_connection_arguments
from migration_cli.execution_commands import (
    approve,
    redrive,
    report,
    start,
    status,
    watch,
    with_errors_handled,
)
from migration_cli.execution_history import GATE_ACTIONS
from migration_runtime.execution_input import MAX_SEGMENTS


def register(subcommands: Any) -> None:
    """Add start, watch, approve, report and redrive to the top-level command parser."""
    parser = subcommands.add_parser(
        "start",
        help="start a migration (or a dry run) and print its execution ARN",
        description="Start a migration (or a dry run) and print its execution ARN. Refused (exit 4) while "
        "another migration holds the lock, and after a cut-over unless --force.",
        epilog="example: onboarding-migration start --outputs outputs.json --backup",
    )
    parser.add_argument("--dry-run", action="store_true", help="count what would move; change nothing")
    parser.add_argument(
        "--segments",
        type=int,
        help=f"parallel scan segments, 1-{MAX_SEGMENTS} (default: the state machine's, 4)",
    )
    parser.add_argument("--backup", action="store_true", help="back up the legacy table before migrating")
    parser.add_argument(
        "--online",
        action="store_true",
        help="online mode: the legacy backend keeps serving while the records are copied and its changes "
        "captured; intake pauses only for the cut-over (= --set mode=online)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="migrate again after a cut-over (the new backend keeps serving; legacy is never re-enabled)",
    )
    parser.add_argument("--poll-interval", type=int, help="seconds between queue readings (default 30)")
    parser.add_argument(
        "--set",
        action="append",
        type=key_json_value,
        metavar="KEY=VALUE",
        help="any execution input key, VALUE as JSON, e.g. --set gate_timeout_seconds=3600 (repeatable); "
        "a key also set by an option must agree with it",
    )
    add_connection_arguments(parser)
    parser.set_defaults(handler=with_errors_handled(start))

    parser = subcommands.add_parser(
        "status",
        help="show which backend serves and whether a migration holds the lock",
        description="Show which backend serves the intake and which migration, if any, holds the lock.",
        epilog="example: onboarding-migration status --outputs outputs.json",
    )
    parser.add_argument("--json", action="store_true", help="print the status as JSON")
    add_connection_arguments(parser)
    parser.set_defaults(handler=with_errors_handled(status))

    parser = subcommands.add_parser(
        "watch",
        help="show live progress until the execution ends or waits at the gate",
        description="Show a migration's live progress (phase, counts, rate, time left) until it ends "
        "(exit 0 succeeded, 1 rolled back or failed) or waits at the gate (exit 3).",
        epilog="example: onboarding-migration watch migration-20261201T101500Z --outputs outputs.json",
    )
    parser.add_argument("execution", help="execution ARN or name")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between polls (default 2)")
    add_connection_arguments(parser)
    parser.set_defaults(handler=with_errors_handled(watch))

    parser = subcommands.add_parser(
        "approve",
        help="answer the validation gate of a waiting execution",
        description="Answer the validation gate of an execution waiting there: redrive, accept or abort.",
        epilog="example: onboarding-migration approve migration-20261201T101500Z --action redrive "
        "--outputs outputs.json",
    )
    parser.add_argument("execution", help="execution ARN or name")
    parser.add_argument(
        "--action",
        required=True,
        choices=GATE_ACTIONS,
        help="redrive: move the migration DLQ back and validate again (after a fix); accept: cut over as "
        "is; abort: roll back (the legacy consumer serves again)",
    )
    parser.add_argument("--note", help="a note kept with the answer in the execution history")
    add_connection_arguments(parser)
    parser.set_defaults(handler=with_errors_handled(approve))

    parser = subcommands.add_parser(
        "report",
        help="print the report of an execution",
        description="Print the report of an execution: outcome, where every record ended and why, "
        "requests, time, and plan's estimate beside the actuals; --html also writes its picture.",
        epilog="example: onboarding-migration report migration-20261201T101500Z --outputs outputs.json "
        "--html run.html",
    )
    parser.add_argument("execution", help="execution ARN or name")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--html",
        type=output_file,
        metavar="FILE",
        help="also write a picture of the run: one self-contained HTML file (opens offline in any browser)",
    )
    add_connection_arguments(parser)
    parser.set_defaults(handler=with_errors_handled(report))

    parser = subcommands.add_parser(
        "redrive",
        help="move a dead-letter queue back to its source queue",
        description="Move a dead-letter queue's messages back to its source queue (after a fix).",
        epilog="example: onboarding-migration redrive --queue intake --wait --outputs outputs.json",
    )
    parser.add_argument(
        "--queue", choices=("migration", "intake"), default="migration", help="which DLQ (default migration)"
    )
    parser.add_argument("--wait", action="store_true", help="wait until the move has finished")
    parser.add_argument(
        "--timeout", type=float, default=600, help="seconds to wait with --wait (default 600)"
    )
    add_connection_arguments(parser)
    parser.set_defaults(handler=with_errors_handled(redrive))
