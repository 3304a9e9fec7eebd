"""`onboarding-migration local run`: a whole migration on the embedded runtime, in one command.

Start the emulator and deploy the stack (the same `__main__.py` as `pulumi up`), load the legacy records,
set the fault injection of `migrate_record`, start the execution, send intake messages once the legacy
consumer is paused, watch with progress, answer the gate by policy, then print the report with the
invariants checked against the data. `run_local_migration` does it all and is what the tests call.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from embedded_aws.local_stack import LocalStack, local_stack
from migration_cli.argument_types import fraction, integer_at_least, output_file
from migration_cli.execution_history import GATE_ACTIONS
from migration_cli.gate_prompt import ask_at_the_gate, gate_prompt
from migration_cli.input_file_checks import InputFileError, read_intake_file, read_legacy_file
from migration_cli.invariants import check_invariants, read_snapshot
from migration_cli.migration_control import answer_gate, execution_input, start_migration
from migration_cli.progress import WAITING_AT_GATE, ExecutionWatcher, ProgressPrinter, queue_depths
from migration_cli.report import build_report, dead_lettered_records, format_report, requests_per_service
from migration_cli.run_picture.depth_samples import depth_sample
from migration_cli.run_picture.model import DepthSample
from migration_cli.run_picture.stack_sources import write_run_picture
from migration_cli.stack_data import peek_messages, scan_items
from migration_cli.stack_outputs import StackOutputs
from onboarding.dynamodb_codec import to_attribute_map
from onboarding.execution_input import DEFAULTS, InvalidExecutionInput
from onboarding.migration_ledger import ledger_scan_arguments
from onboarding.migration_queue_sender import EnqueueFailed, message_fits, send_bodies, too_large_reason
from onboarding.onboarding_item import is_onboarding_item
from onboarding.size_bounded_batches import DYNAMODB_BATCH_WRITE, dynamodb_item_size, size_bounded_batches
from onboarding.synthetic_records import legacy_records, synthetic_intake_messages

DEFAULT_RECORDS = 10_000
DEFAULT_INTAKE = 200
# Local retries back off in seconds, not minutes, so a permanently failing record dead-letters quickly.
LOCAL_STACK_CONFIG: dict[str, Any] = {
    "onboarding:retryBaseDelaySeconds": 1,
    "onboarding:retryMaxDelaySeconds": 4,
}
_LOAD_THREADS = 4
_PHASES_BEFORE_PAUSED = (None, "Setup", "Pause")


class LocalRunError(Exception):
    """The run could not be set up (bad input file, a stack without the state machine, ...)."""


@dataclass(frozen=True)
class LocalRunOptions:
    """Everything `local run` can be told; defaults give the demo (10,000 synthetic records)."""

    records: int = DEFAULT_RECORDS
    """Synthetic legacy records to load (ignored with legacy_file)."""
    legacy_file: Path | None = None
    """JSON Lines, one legacy record per line."""
    intake: int = DEFAULT_INTAKE
    """Synthetic intake messages to send once the legacy consumer is paused (ignored with intake_file)."""
    intake_file: Path | None = None
    """One raw message body per line, sent as is."""
    fail_transient: float = 0.0
    """FAULT_TRANSIENT_RATE of migrate_record."""
    fail_permanent: tuple[str, ...] = ()
    """FAULT_PERMANENT_IDS of migrate_record."""
    gate: str | None = None
    """redrive | accept | abort; None: ask when a terminal is attached, else abort (the safe answer)."""
    max_redrives: int = 1
    """Redrives answered before a still-unclean gate is answered abort."""
    dry_run: bool = False
    backup: bool = False
    force: bool = False
    """Migrate again on a stack whose new backend already serves (`run_on_stack` a second time)."""
    segments: int = 4
    poll_interval_seconds: int = 1
    empty_readings_required: int = 2
    seed: str = "demo"
    stack_config: dict[str, Any] = field(default_factory=dict)
    """Pulumi config overrides (`onboarding:<key>`), on top of LOCAL_STACK_CONFIG."""
    program_dir: Path | None = None
    export_dir: Path | None = None
    html_file: Path | None = None
    """Where to write the picture of the run (HTML), if anywhere."""
    show_progress: bool = True
    watch_interval_seconds: float = 0.5
    timeout_seconds: float = 3600.0

    def __post_init__(self) -> None:
        if self.gate is not None and self.gate not in GATE_ACTIONS:
            raise ValueError(f"gate must be one of {GATE_ACTIONS}, got {self.gate!r}")
        if not 0 <= self.fail_transient <= 1:
            raise ValueError("fail_transient must be within 0..1")
        if self.records < 0 or self.intake < 0:
            raise ValueError("records and intake must not be negative")


@dataclass
class LocalRunResult:
    report: dict[str, Any]
    exit_code: int


class _RequestTally:
    """Counts this process's own requests (per signing name), to leave them out of the migration's."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def attach(self, client: Any) -> Any:
        service = client.meta.service_model.signing_name
        client.meta.events.register("before-send", lambda **_: self.counts.update([service]))
        return client


def load_legacy_file(path: Path) -> list[dict[str, Any]]:
    """Records from a JSON Lines file, refused at the first line the legacy table could not hold."""
    try:
        return read_legacy_file(path)
    except InputFileError as error:
        raise LocalRunError(str(error)) from None


def load_intake_file(path: Path) -> list[str]:
    """Message bodies, one a line, refused at the first line SQS could not take."""
    try:
        return read_intake_file(path)
    except InputFileError as error:
        raise LocalRunError(str(error)) from None


def intake_bodies(options: LocalRunOptions) -> list[str]:
    if options.intake_file is not None:
        return load_intake_file(options.intake_file)
    return [message.body for message in synthetic_intake_messages(options.intake, seed=options.seed)]


def write_legacy_records(dynamodb: Any, table_name: str, records: Sequence[dict[str, Any]]) -> None:
    """BatchWriteItem in batches within DynamoDB's count and byte quotas, on a few threads, retrying
    unprocessed items. A record over the 400 KB item quota cannot be stored: refused, naming it."""
    items = [to_attribute_map(record) for record in records]
    for record, item in zip(records, items, strict=True):
        size = dynamodb_item_size(item)
        if not DYNAMODB_BATCH_WRITE.fits(size):
            raise LocalRunError(
                f"legacy record {record.get('application_id')!r} cannot be stored: "
                f"{DYNAMODB_BATCH_WRITE.too_large_reason(size)}"
            )

    def write(chunk: Sequence[dict[str, Any]]) -> None:
        requests = [{"PutRequest": {"Item": item}} for item in chunk]
        while requests:
            response = dynamodb.batch_write_item(RequestItems={table_name: requests})
            requests = response.get("UnprocessedItems", {}).get(table_name, [])

    chunks = list(size_bounded_batches(items, dynamodb_item_size, DYNAMODB_BATCH_WRITE))
    with ThreadPoolExecutor(max_workers=_LOAD_THREADS) as pool:
        list(pool.map(write, chunks))


def send_intake(sqs: Any, queue_url: str, bodies: Sequence[str]) -> None:
    """Send every body as is, in batches within SQS's count and byte quotas (re-sending failed entries)."""
    for number, body in enumerate(bodies, start=1):
        if not message_fits(body):
            raise LocalRunError(f"intake message {number} cannot be sent: {too_large_reason(body)}")
    try:
        send_bodies(sqs, queue_url=queue_url, bodies=bodies)
    except EnqueueFailed as error:
        raise LocalRunError(f"intake messages refused by SQS: {error}") from error


def set_function_environment(lambda_client: Any, function_name: str, **variables: str) -> None:
    current = lambda_client.get_function_configuration(FunctionName=function_name)
    merged = {**current.get("Environment", {}).get("Variables", {}), **variables}
    lambda_client.update_function_configuration(FunctionName=function_name, Environment={"Variables": merged})


def _gate_answer(
    options: LocalRunOptions,
    redrives_done: int,
    err: TextIO,
    prompt: Callable[[], str] = lambda: "validation is not clean\n",
) -> str:
    """The gate's answer: asked at a terminal when no policy was given, otherwise the policy's."""
    if options.gate is None and sys.stdin.isatty():
        return ask_at_the_gate(prompt(), sys.stdin.readline, err)
    policy = options.gate or "abort"
    if policy == "redrive" and redrives_done >= options.max_redrives:
        return "abort"
    return policy


def _wait_until_quiet(sqs: Any, queue_url: str, timeout_seconds: float = 120, readings: int = 2) -> None:
    """After a rollback the legacy consumer takes what waited: let it finish before reading the tables."""
    deadline = time.monotonic() + timeout_seconds
    quiet = 0
    while quiet < readings and time.monotonic() < deadline:
        quiet = quiet + 1 if queue_depths(sqs, queue_url).total == 0 else 0
        time.sleep(0.5)


def export_stack_data(dynamodb: Any, sqs: Any, outputs: StackOutputs, directory: Path) -> list[Path]:
    """Every item of both tables, the ledger (control table) and every message of both DLQs, one JSON
    document per line."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, table, scan_arguments in (
        ("new_table.jsonl", outputs.new_table_name, {}),
        ("legacy_table.jsonl", outputs.legacy_table_name, {}),
        ("ledger.jsonl", outputs.control_table_name, ledger_scan_arguments()),
    ):
        path = directory / file_name
        with path.open("w", encoding="utf-8") as out:
            for item in scan_items(dynamodb, table, **scan_arguments):
                out.write(json.dumps(item, sort_keys=True) + "\n")
        written.append(path)
    for file_name, queue_url in (
        ("migration_dlq.jsonl", outputs.migration_dlq_url),
        ("intake_dlq.jsonl", outputs.intake_dlq_url),
    ):
        path = directory / file_name
        with path.open("w", encoding="utf-8") as out:
            for message in peek_messages(sqs, queue_url):
                document = {
                    "message_id": message.message_id,
                    "body": message.body,
                    "attributes": message.attributes,
                }
                out.write(json.dumps(document, sort_keys=True) + "\n")
        written.append(path)
    return written


def run_local_migration(options: LocalRunOptions, err: TextIO | None = None) -> LocalRunResult:
    """Start the runtime, deploy the stack, run and check one migration; returns the report."""
    err = err if err is not None else sys.stderr
    started = time.monotonic()
    config = {**LOCAL_STACK_CONFIG, **options.stack_config}
    # Input files are checked before anything is deployed: a bad line costs no emulator start.
    records = load_legacy_file(options.legacy_file) if options.legacy_file else None
    bodies = load_intake_file(options.intake_file) if options.intake_file and not options.dry_run else None
    err.write("starting the embedded AWS runtime and deploying the stack ...\n")
    with contextlib.ExitStack() as resources:
        try:
            stack = resources.enter_context(local_stack(program_dir=options.program_dir, config=config))
        except (ValueError, TypeError) as error:
            # The program's own checks (components validate their args) refuse a bad --stack-config.
            raise LocalRunError(
                f"the stack could not be deployed with this configuration: {error}"
            ) from error
        deployed = time.monotonic() - started
        result = run_on_stack(stack, options, records=records, bodies=bodies, err=err)
        result.report["local"]["deploy_seconds"] = round(deployed, 1)
        result.report["local"]["wall_seconds"] = round(time.monotonic() - started, 1)
        return result


def run_on_stack(
    stack: LocalStack,
    options: LocalRunOptions,
    records: list[dict[str, Any]] | None = None,
    bodies: list[str] | None = None,
    err: TextIO | None = None,
) -> LocalRunResult:
    """One migration on an already deployed local stack (records and intake from `options` unless given).

    Loading is idempotent (a record is put under its key), so running again on the same stack re-runs the
    migration over already-migrated data.
    """
    err = err if err is not None else sys.stderr
    started = time.monotonic()
    if records is None:
        records = (
            load_legacy_file(options.legacy_file)
            if options.legacy_file
            else legacy_records(options.records, seed=options.seed)
        )
    if bodies is None:
        bodies = [] if options.dry_run else intake_bodies(options)
    if "state_machine_arn" not in stack.outputs:
        raise LocalRunError(
            "the stack exports no state_machine_arn: __main__.py must build the migration state machine"
        )
    outputs = StackOutputs.from_mapping(stack.outputs)
    # The migration's requests are what the emulator counted, minus this process's observing and set-up
    # (loading, intake producers, polls, reports); starting the execution and answering the gate count.
    tally = _RequestTally()
    sfn, sqs, dynamodb, lambda_client = (
        tally.attach(stack.aws.client(service)) for service in ("stepfunctions", "sqs", "dynamodb", "lambda")
    )
    operator = stack.aws.client("stepfunctions")

    err.write(f"loading {len(records)} legacy records ...\n")
    write_legacy_records(dynamodb, outputs.legacy_table_name, records)
    loaded = time.monotonic()
    if options.fail_transient or options.fail_permanent:
        set_function_environment(
            lambda_client,
            outputs.migrate_record_function_name,
            FAULT_TRANSIENT_RATE=str(options.fail_transient),
            FAULT_PERMANENT_IDS=",".join(options.fail_permanent),
        )

    before = stack.aws.requests.snapshot()
    invocations_before = stack.aws.invocations.snapshot()
    tally.counts.clear()
    document = execution_document(options)
    execution_arn = start_migration(operator, outputs.state_machine_arn, document)
    err.write(f"started {execution_arn}\n")
    watcher = ExecutionWatcher(
        sfn, sqs, outputs, execution_arn, ProgressPrinter(err, quiet=not options.show_progress)
    )

    sent = False
    redrives = 0
    depths: list[DepthSample] = []
    deadline = time.monotonic() + options.timeout_seconds
    while True:
        snapshot = watcher.poll()
        depths.append(depth_sample(snapshot))
        if not sent and bodies and snapshot.progress.phase not in _PHASES_BEFORE_PAUSED:
            # The legacy consumer is paused and nothing is in flight: from here intake waits for the cut-over.
            send_intake(sqs, outputs.intake_queue_url, bodies)
            sent = True
        if snapshot.status == WAITING_AT_GATE and snapshot.progress.gate_token:
            action = _gate_answer(
                options,
                redrives,
                err,
                lambda progress=snapshot.progress: gate_prompt(
                    progress.latest_validation,
                    dead_lettered_records(sqs, dynamodb, outputs),
                    int(document.get("gate_timeout_seconds", DEFAULTS["gate_timeout_seconds"])),
                ),
            )
            if action == "redrive":
                # As a person would: fix first (lift the injected faults), then redrive.
                set_function_environment(
                    lambda_client,
                    outputs.migrate_record_function_name,
                    FAULT_TRANSIENT_RATE="0",
                    FAULT_PERMANENT_IDS="",
                )
                redrives += 1
            err.write(f"gate: answering {action}\n")
            answer_gate(operator, execution_arn, action, note="answered by local run policy")
            watcher.mark_answered(snapshot.progress.gate_token)
        elif snapshot.finished:
            break
        if time.monotonic() > deadline:
            sfn.stop_execution(executionArn=execution_arn, cause="local run timed out")
            raise LocalRunError(f"the execution did not finish within {options.timeout_seconds:.0f} s")
        time.sleep(options.watch_interval_seconds)
    if not sent and bodies:
        # The pause never completed (refused or failed at Setup, rolled back while pausing): the legacy
        # consumer never stopped, so intake sent now would test nothing and be counted against the run.
        err.write("intake not sent: the legacy consumer was never paused\n")
    finished = time.monotonic()

    report_status = "ROLLED_BACK" if snapshot.progress.error == "Migration.RolledBack" else snapshot.status
    if report_status == "ROLLED_BACK":
        _wait_until_quiet(sqs, outputs.intake_queue_url)
    after = stack.aws.requests.snapshot()
    invocations_after = stack.aws.invocations.snapshot()
    migration_invocations = {
        path: count - invocations_before.get(path, 0)
        for path, count in invocations_after.items()
        if count - invocations_before.get(path, 0)
    }
    migration_requests = {
        service: after.get(service, 0) - before.get(service, 0) - tally.counts.get(service, 0)
        for service in set(after) | set(before)
    }

    data = read_snapshot(dynamodb, sqs, lambda_client, outputs)
    report = build_report(
        sfn,
        sqs,
        dynamodb,
        outputs,
        execution_arn,
        intake_sent=len(bodies) if sent else 0,
        intake_delivered=sum(
            1 for item in data.new_items if is_onboarding_item(item) and item.get("source") == "intake"
        ),
        requests=migration_requests,
        lambda_invocations=migration_invocations,
        ledger=data.ledger,
    )
    invariants = check_invariants(
        data,
        loaded_ids={str(record["application_id"]) for record in records},
        sent_bodies=bodies if sent else [],
        status=report["status"],
        dry_run=options.dry_run,
        validated=bool(watcher.progress.validations),
    )
    report["invariants"] = [result.as_dict() for result in invariants]
    migrated = report["counts"].get("migrated") or 0
    report["local"] = {
        "records_loaded": len(records),
        "intake_sent": len(bodies) if sent else 0,
        "load_seconds": round(loaded - started, 1),
        "migration_seconds": round(finished - loaded, 1),
        "wall_seconds": round(time.monotonic() - started, 1),
        "migrated_per_second": round(migrated / max(finished - loaded, 1e-9), 1),
        "all_requests": requests_per_service(after),
    }
    if options.export_dir is not None:
        paths = export_stack_data(dynamodb, sqs, outputs, options.export_dir)
        report["local"]["exported"] = [str(path) for path in paths]
    if options.html_file is not None:
        write_run_picture(options.html_file, report, sfn, dynamodb, outputs, tuple(depths))
        err.write(f"wrote {options.html_file}\n")
    holds = all(result.holds for result in invariants)
    ok = holds and report["status"] == "SUCCEEDED"
    return LocalRunResult(report=report, exit_code=0 if ok else 1)


def format_invariants(report: dict[str, Any]) -> str:
    lines = ["Invariants"]
    for result in report.get("invariants", []):
        lines.append(f"  [{'ok' if result['holds'] else 'FAILED'}] {result['name']}: {result['detail']}")
    local = report.get("local", {})
    if local:
        lines.append(
            f"Local run: {local['records_loaded']} records loaded, "
            f"{local['intake_sent']} intake messages sent; "
            f"deploy {local.get('deploy_seconds', 0)} s, load {local['load_seconds']} s, "
            f"migration {local['migration_seconds']} s, total {local['wall_seconds']} s"
        )
    return "\n".join(lines)


def _ids(text: str) -> tuple[str, ...]:
    return tuple(value.strip() for value in text.split(",") if value.strip())


def _config_pair(text: str) -> tuple[str, Any]:
    key, separator, value = text.partition("=")
    if not separator:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key = key if ":" in key else f"onboarding:{key}"
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def execution_document(options: LocalRunOptions) -> dict[str, Any]:
    """The execution input of a local run, checked like `start`'s (raises InvalidExecutionInput)."""
    return execution_input(
        dry_run=options.dry_run,
        segments=options.segments,
        overrides={
            "backup": options.backup,
            "force": options.force,
            "poll_interval_seconds": options.poll_interval_seconds,
            "empty_readings_required": options.empty_readings_required,
        },
    )


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
        print(format_report(result.report))
        print()
        print(format_invariants(result.report))
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
        backup=args.backup,
        segments=args.segments,
        poll_interval_seconds=args.poll_interval,
        seed=args.seed,
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
    run.add_argument(
        "--stack-config",
        type=_config_pair,
        action="append",
        metavar="KEY=VALUE",
        help="Pulumi config for the local stack, e.g. maxReceiveCount=3 (repeatable)",
    )
    run.add_argument(
        "--program-dir", type=Path, metavar="DIR", help="the Pulumi project directory (default: this project)"
    )
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
    output.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.set_defaults(handler=local_run)
