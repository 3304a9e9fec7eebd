"""`local run` on the command line: its arguments, and printing its report (text or JSON)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from migration_cli.argument_types import (
    add_mapping_argument,
    add_stack_arguments,
    fraction,
    integer_at_least,
    output_file,
    positive_number_at_most,
)
from migration_cli.execution_history import GATE_ACTIONS
from migration_cli.local_run import run_local_migration
from migration_cli.local_run_options import (
    DEFAULT_INTAKE,
    DEFAULT_RECORDS,
    MAX_INTAKE_RATE,
    LocalRunError,
    LocalRunOptions,
    execution_document,
)
from migration_cli.report_text import format_invariants, format_report
from migration_runtime.execution_input import InvalidExecutionInput


def _ids(text: str) -> tuple[str, ...]:
    return tuple(value.strip() for value in text.split(",") if value.strip())


def local_run(args: argparse.Namespace) -> int:
    try:
        options = _options(args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        # Checked before anything is started or deployed.
        execution_document(options)
        result = run_local_migration(options)
    except (LocalRunError, InvalidExecutionInput) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.report, indent=2))
    else:
        print(format_report(result.migration_report))
        print()
        print(format_invariants(result.migration_report))
    return result.exit_code


def _options(args: argparse.Namespace) -> LocalRunOptions:
    return LocalRunOptions(
        records=args.records,
        legacy_file=args.legacy_file,
        intake=args.intake,
        intake_file=args.intake_file,
        fail_transient=args.fail_transient,
        fail_permanent=args.fail_permanent,
        gate=args.gate,
        max_redrives=args.max_redrives,
        dry_run=args.dry_run,
        online=args.online,
        intake_rate=args.intake_rate,
        backup=args.backup,
        segments=args.segments,
        poll_interval_seconds=args.poll_interval,
        seed=args.seed,
        mapping=args.mapping,
        stack_config=dict(args.stack_config or []),
        program_dir=args.program_dir,
        export_dir=args.export,
        html_file=args.html,
        show_progress=not args.quiet,
    )


def add_local_run_parser(local_subparsers: Any) -> None:
    """Register `local run` in the `local` command group."""
    parser = local_subparsers.add_parser(
        "run",
        help="a whole migration on the embedded runtime: deploy, load, migrate, watch, report",
        description=(
            "Start the embedded AWS runtime, deploy the stack, load legacy records, run the migration state "
            "machine while intake messages arrive, answer its gate by policy, and print the report with the "
            "invariants checked against the data. Exit code 0 when the migration succeeded and every "
            "invariant holds."
        ),
        epilog="example: onboarding-migration local run --records 1000 --fail-permanent app-1 --gate accept",
    )
    source = parser.add_argument_group("data")
    source.add_argument(
        "--records",
        type=integer_at_least(0),
        default=DEFAULT_RECORDS,
        metavar="N",
        help="synthetic legacy records (default 10000)",
    )
    source.add_argument(
        "--legacy-file",
        type=Path,
        metavar="FILE",
        help="JSON Lines of legacy records instead of synthetic ones",
    )
    source.add_argument(
        "--intake",
        type=integer_at_least(0),
        default=DEFAULT_INTAKE,
        metavar="N",
        help=f"synthetic intake messages, sent once the legacy consumer is paused (default {DEFAULT_INTAKE})",
    )
    source.add_argument(
        "--intake-file", type=Path, metavar="FILE", help="raw intake message bodies, one per line, sent as is"
    )
    source.add_argument("--seed", default="demo", help="seed of the synthetic data (default demo)")
    add_mapping_argument(source)
    faults = parser.add_argument_group("faults and the gate")
    faults.add_argument(
        "--fail-transient",
        type=fraction,
        default=0.0,
        metavar="RATE",
        help="fraction of write attempts failing transiently (0..1)",
    )
    faults.add_argument(
        "--fail-permanent",
        type=_ids,
        default=(),
        metavar="ID[,ID...]",
        help="application ids whose write fails every time",
    )
    faults.add_argument(
        "--gate",
        choices=GATE_ACTIONS,
        help="answer at the gate when nobody is at the terminal (default: ask on a terminal, else abort); "
        "redrive lifts the injected faults first, as a person would after a fix",
    )
    faults.add_argument(
        "--max-redrives",
        type=integer_at_least(0),
        default=1,
        metavar="N",
        help="redrives before answering abort (default 1)",
    )
    run = parser.add_argument_group("the run")
    run.add_argument("--dry-run", action="store_true", help="count what would move; change nothing")
    run.add_argument(
        "--online",
        action="store_true",
        help="online mode: the legacy backend keeps serving while the records are copied and its changes "
        "captured; intake pauses only for the cut-over",
    )
    run.add_argument(
        "--intake-rate",
        type=positive_number_at_most(MAX_INTAKE_RATE),
        default=0.0,
        metavar="R",
        help=f"live traffic: R intake messages per second for the whole run (new applications and changes "
        f"to existing ones, 0 < R <= {MAX_INTAKE_RATE:.0f}); default none",
    )
    run.add_argument("--backup", action="store_true", help="back up the legacy table first")
    run.add_argument(
        "--segments", type=int, default=4, metavar="N", help="parallel scan segments (default 4)"
    )
    run.add_argument(
        "--poll-interval",
        type=int,
        default=1,
        metavar="SECONDS",
        help="seconds between queue readings (default 1; AWS runs use 30)",
    )
    add_stack_arguments(run, example="maxReceiveCount=3")
    output = parser.add_argument_group("output")
    output.add_argument(
        "--export", type=Path, metavar="DIR", help="write both tables, the ledger and both DLQs as JSON Lines"
    )
    output.add_argument(
        "--html",
        type=output_file,
        metavar="FILE",
        help="write a picture of the run: one self-contained HTML file (opens offline in any browser)",
    )
    output.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    output.add_argument(
        "--quiet", action="store_true", help="no progress or step messages on stderr (errors only)"
    )
    parser.set_defaults(handler=local_run)
