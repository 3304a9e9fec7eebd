"""`onboarding-migration local run`: a whole migration on the embedded runtime, driven from one process.

Start the emulator and deploy the stack (the same `__main__.py` as `pulumi up`), load the legacy records,
set the fault injection of `migrate_record`, start the execution, send intake messages once the legacy
consumer is paused, watch with progress, answer the gate by policy, then build the report with the
invariants checked against the data. `run_local_migration` does it all and is what the tests call; the
options are in ``local_run_options``, the command line in ``local_run_command``.
"""

from __future__ import annotations

import contextlib
import io
import sys
import time
from dataclasses import dataclass
from typing import Any, TextIO

from embedded_aws.local_stack import LocalStack, local_stack
from migration_cli.fault_toggles import inject_faults, lift_faults
from migration_cli.gate_policy import gate_answer
from migration_cli.gate_prompt import gate_prompt
from migration_cli.invariants import check_invariants, read_snapshot
from migration_cli.live_intake import LiveIntakeSender, live_messages
from migration_cli.local_data_loading import (
    intake_bodies,
    legacy_input,
    load_intake_file,
    load_legacy_file,
    send_intake,
    write_legacy_records,
    write_lookup_items,
)
from migration_cli.local_run_options import (
    LocalRunError,
    LocalRunOptions,
    execution_document,
    local_stack_config,
)
from migration_cli.migration_control import answer_gate, start_migration
from migration_cli.plan_beside_actual import with_plan_estimate
from migration_cli.progress import WAITING_AT_GATE, ExecutionWatcher, ProgressPrinter, queue_depths
from migration_cli.report import build_report, requests_per_service
from migration_cli.report_model import LocalRunFacts, MigrationReport
from migration_cli.report_sources import dead_lettered_records
from migration_cli.request_metering import (
    EmulatorCounts,
    RequestTally,
    invocations_between,
    requests_between,
)
from migration_cli.run_picture.depth_samples import depth_sample
from migration_cli.run_picture.model import DepthSample
from migration_cli.run_picture.stack_sources import write_run_picture
from migration_cli.stack_export import export_stack_data
from migration_cli.stack_outputs import StackOutputs
from migration_runtime.execution_input import DEFAULTS
from migration_runtime.migration_errors import MigrationError
from migration_runtime.new_items import Source
from migration_runtime.record_mapping import load_mapping
from statemachines.phases import PhaseKey

# Until the pause has completed the legacy consumer still serves: intake sent then would test nothing.
_PHASES_BEFORE_PAUSED = (None, PhaseKey.SETUP, PhaseKey.PAUSE)


@dataclass(frozen=True)
class LocalRunResult:
    migration_report: MigrationReport
    exit_code: int

    @property
    def report(self) -> dict[str, Any]:
        """The report as `local run --json` prints it."""
        return self.migration_report.to_json()


def _step_messages(options: LocalRunOptions, err: TextIO | None) -> TextIO:
    """Where step messages and progress go: stderr, or nowhere with --quiet (errors are raised)."""
    if not options.show_progress:
        return io.StringIO()
    return err if err is not None else sys.stderr


def run_local_migration(options: LocalRunOptions, err: TextIO | None = None) -> LocalRunResult:
    """Start the runtime, deploy the stack, run and check one migration; returns the report."""
    err = _step_messages(options, err)
    started = time.monotonic()
    config = local_stack_config(options)
    # Input files are checked before anything is deployed: a bad line costs no emulator start.
    id_field = load_mapping(options.mapping).record_id_field
    records = load_legacy_file(options.legacy_file, id_field) if options.legacy_file else None
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
        local = result.migration_report.local
        if local is None:  # run_on_stack always reports its own facts
            return result
        timed = local.model_copy(
            update={
                "deploy_seconds": round(deployed, 1),
                "wall_seconds": round(time.monotonic() - started, 1),
            }
        )
        return LocalRunResult(result.migration_report.model_copy(update={"local": timed}), result.exit_code)


def _wait_until_quiet(sqs: Any, queue_url: str, timeout_seconds: float = 120, readings: int = 2) -> None:
    """After a rollback the legacy consumer takes what waited: let it finish before reading the tables."""
    deadline = time.monotonic() + timeout_seconds
    quiet = 0
    while quiet < readings and time.monotonic() < deadline:
        quiet = quiet + 1 if queue_depths(sqs, queue_url).total == 0 else 0
        time.sleep(0.5)


def run_on_stack(
    stack: LocalStack,
    options: LocalRunOptions,
    records: list[dict[str, Any]] | None = None,
    bodies: list[str] | None = None,
    err: TextIO | None = None,
) -> LocalRunResult:
    """One migration on an already deployed local stack (records and intake from `options` unless given).

    Loading is idempotent (a record is put under its key), so running again on the same stack re-runs the
    migration over already-migrated data. The stack must run ``options.mapping`` (its ``recordMapping``).
    """
    err = _step_messages(options, err)
    started = time.monotonic()
    mapping = load_mapping(options.mapping)
    lookup_items: dict[str, list[dict[str, Any]]] = {}
    if records is None:
        data_set = legacy_input(options)
        records = data_set.legacy_records
        lookup_items = {name: list(items) for name, items in data_set.lookup_items.items()}
    if bodies is None:
        bodies = [] if options.dry_run else intake_bodies(options)
    if "state_machine_arn" not in stack.outputs:
        raise LocalRunError(
            "the stack exports no state_machine_arn: __main__.py must build the migration state machine"
        )
    outputs = StackOutputs.from_mapping(stack.outputs)
    # The migration's requests are what the emulator counted, minus this process's observing and set-up
    # (loading, intake producers, polls, reports); starting the execution and answering the gate count.
    tally = RequestTally()
    sfn, sqs, dynamodb, lambda_client = (
        tally.attach(stack.aws.client(service)) for service in ("stepfunctions", "sqs", "dynamodb", "lambda")
    )
    operator = stack.aws.client("stepfunctions")

    if lookup_items:
        err.write(f"loading the lookup tables ({', '.join(sorted(lookup_items))}) ...\n")
        write_lookup_items(dynamodb, outputs.lookup_tables, lookup_items)
    err.write(f"loading {len(records)} legacy records ...\n")
    write_legacy_records(dynamodb, outputs.legacy_table_name, records, id_field=mapping.record_id_field)
    loaded = time.monotonic()
    if options.fail_transient or options.fail_permanent:
        inject_faults(
            lambda_client,
            outputs.migrate_record_function_name,
            transient_rate=options.fail_transient,
            permanent_ids=options.fail_permanent,
        )

    before = EmulatorCounts.read(stack.aws)
    tally.counts.clear()
    document = execution_document(options)
    stack.aws.message_waits.reset(outputs.intake_queue_arn)
    execution_arn = start_migration(operator, outputs.state_machine_arn, document)
    err.write(f"started {execution_arn}\n")
    live = (
        LiveIntakeSender(
            sqs,
            outputs.intake_queue_url,
            live_messages(options.mapping, records, seed=options.seed),
            options.intake_rate,
        ).start()
        if options.intake_rate > 0 and not options.dry_run
        else None
    )
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
        if not sent and bodies and (options.online or snapshot.progress.phase not in _PHASES_BEFORE_PAUSED):
            # Offline: the legacy consumer is paused and nothing is in flight, so from here intake waits for
            # the cut-over. Online: the legacy backend serves, and its writes reach the new table as changes.
            send_intake(sqs, outputs.intake_queue_url, bodies)
            sent = True
        if snapshot.status == WAITING_AT_GATE and snapshot.progress.gate_token:
            action = gate_answer(
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
                lift_faults(lambda_client, outputs.migrate_record_function_name)
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
    live_sent = live.stop() if live is not None else []
    if live_sent:
        # What was sent last is still on its way to whichever backend serves now: let it arrive.
        _wait_until_quiet(sqs, outputs.intake_queue_url)
    if not sent and bodies and not options.online:
        # The pause never completed (refused or failed at Setup, rolled back while pausing): the legacy
        # consumer never stopped, so intake sent now would test nothing and be counted against the run.
        err.write("intake not sent: the legacy consumer was never paused\n")
    finished = time.monotonic()

    if snapshot.progress.error == MigrationError.ROLLED_BACK or snapshot.progress.cut_over:
        # After a rollback the legacy consumer takes what waited; after a cut-over the drain ends once
        # nothing is visible, with the last batches still being written: let them land before the checks.
        _wait_until_quiet(sqs, outputs.intake_queue_url)
    after = EmulatorCounts.read(stack.aws)
    sent_bodies = [*(bodies if sent else []), *live_sent]
    intake_sent = len(sent_bodies)

    legacy_served_intake = options.online or options.intake_rate > 0
    data = read_snapshot(
        dynamodb, sqs, lambda_client, outputs, whole_legacy_records=legacy_served_intake, mapping=mapping
    )
    report = build_report(
        sfn,
        sqs,
        dynamodb,
        outputs,
        execution_arn,
        intake_sent=intake_sent,
        intake_delivered=sum(1 for item in data.record_items() if item.get("source") == Source.INTAKE),
        requests=requests_between(before, after, tally.counts),
        lambda_invocations=invocations_between(before, after),
        ledger=data.ledger,
    )
    report = with_plan_estimate(
        report, sfn, lambda_client, outputs, worker_limit=stack.aws.runner.max_concurrency_per_function
    )
    invariants = check_invariants(
        data,
        loaded_ids={str(record[mapping.record_id_field]) for record in records},
        sent_bodies=sent_bodies,
        # Live intake also reaches the legacy backend offline, until the pause: judge by final versions.
        online=legacy_served_intake,
        status=report.status,
        dry_run=options.dry_run,
        validated=bool(watcher.progress.validations),
    )
    migrated = report.counts.migrated or 0
    exported = (
        [str(path) for path in export_stack_data(dynamodb, sqs, outputs, options.export_dir)]
        if options.export_dir is not None
        else None
    )
    local = LocalRunFacts(
        records_loaded=len(records),
        intake_sent=intake_sent,
        load_seconds=round(loaded - started, 1),
        migration_seconds=round(finished - loaded, 1),
        wall_seconds=round(time.monotonic() - started, 1),
        migrated_per_second=round(migrated / max(finished - loaded, 1e-9), 1),
        all_requests=requests_per_service(after.requests),
        exported=exported,
    )
    report = report.model_copy(
        update={
            "invariants": invariants,
            "local": local,
            "intake_max_wait_seconds": stack.aws.message_waits.longest_seconds(outputs.intake_queue_arn),
        }
    )
    if options.html_file is not None:
        write_run_picture(options.html_file, report, sfn, dynamodb, outputs, tuple(depths))
        err.write(f"wrote {options.html_file}\n")
    ok = report.invariants_hold and report.succeeded
    return LocalRunResult(migration_report=report, exit_code=0 if ok else 1)
