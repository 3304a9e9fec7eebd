"""Whatever ends a migration, exactly one backend serves afterwards: the real stack, state machine and
watchdog on the embedded runtime (which fails where AWS fails: StopExecution runs no Catch, an oversized
state payload and the history quota are not caught by States.ALL, a timed-out execution runs nothing).

Each abnormal end is followed by the watchdog (EventBridge rule -> restore_serving). The checks: legacy
enabled and new disabled before the cut-over (new enabled and legacy disabled after it), the lock free,
the intake sent meanwhile consumed by the serving backend, and the legacy records untouched.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from demo_data.onboarding_records import RecordKind
from embedded_aws.local_stack import LocalStack, local_stack
from migration_cli.fault_toggles import set_function_environment
from migration_cli.history_reader import read_progress
from migration_cli.local_data_loading import intake_bodies, write_legacy_records
from migration_cli.migration_control import start_migration
from migration_cli.stack_data import scan_items
from migration_cli.stack_outputs import StackOutputs
from migration_runtime import run_control
from migration_runtime import settings as env
from tests.e2e.e2e_support import E2E_OPTIONS, E2E_STACK_CONFIG, PROGRAM_DIR, ids_of, labelled, reset_stack
from tests.functional.runtime.runtime_helpers import handler_zip
from tests.functional.runtime.runtime_helpers import wait_until as runtime_wait_until

FAST_INPUT = {"poll_interval_seconds": 1, "empty_readings_required": 1, "segments": 2}
# Generous: on AWS the watchdog acts within seconds; here it only bounds a hang.
# Only bounds a hang: a whole run to the Drain phase can take minutes on a loaded 2-core machine.
HANG_BOUND_SECONDS = 300


def wait_until(condition: Callable[[], Any], what: str = "") -> Any:
    """Poll until ``condition()`` holds; the deadline only bounds a hang (the failure names ``what``)."""
    try:
        return runtime_wait_until(condition, timeout=HANG_BOUND_SECONDS, interval=0.2)
    except AssertionError as error:
        raise AssertionError(f"{what}: {error}") from None


class Run:
    """One migration on the shared stack, driven by hand (start, observe, interfere)."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.outputs = StackOutputs.from_mapping(stack.outputs)
        self.sfn = stack.aws.client("stepfunctions")
        self.lambda_client = stack.aws.client("lambda")
        self.dynamodb = stack.aws.client("dynamodb")
        self.sqs = stack.aws.client("sqs")
        self.records = [item.record for item in labelled()]
        write_legacy_records(self.dynamodb, self.outputs.legacy_table_name, self.records)
        self.arn = ""

    def start(self, **extra: Any) -> str:
        self.arn = start_migration(self.sfn, self.outputs.state_machine_arn, {**FAST_INPUT, **extra})
        return self.arn

    def phase(self) -> str | None:
        return read_progress(self.sfn, self.arn).phase

    def wait_for_phase(self, *phases: str) -> None:
        wait_until(lambda: self.phase() in phases, what=f"phase {phases}")

    def status(self) -> str:
        return str(self.sfn.describe_execution(executionArn=self.arn)["status"])

    def enabled(self, uuid: str) -> bool:
        return self.lambda_client.get_event_source_mapping(UUID=uuid)["State"] == "Enabled"

    def serving(self) -> tuple[bool, bool]:
        """(legacy mapping enabled, new mapping enabled)."""
        return self.enabled(self.outputs.legacy_mapping_uuid), self.enabled(self.outputs.new_mapping_uuid)

    def lock(self) -> str | None:
        return run_control.lock_holder(self.dynamodb, self.outputs.control_table_name)

    def run_record(self) -> run_control.RunState | None:
        return run_control.read_run(self.dynamodb, self.outputs.control_table_name, self.arn)

    def send_intake(self, count: int = 5) -> list[str]:
        bodies = intake_bodies(E2E_OPTIONS)[:count]
        for body in bodies:
            self.sqs.send_message(QueueUrl=self.outputs.intake_queue_url, MessageBody=body)
        return [json.loads(body)["application_id"] for body in bodies if body.startswith("{")]

    def legacy_ids(self) -> set[str]:
        return {item["application_id"] for item in scan_items(self.dynamodb, self.outputs.legacy_table_name)}

    def new_ids(self) -> set[str]:
        return {
            str(item.get("application_id"))
            for item in scan_items(self.dynamodb, self.outputs.new_table_name)
            if str(item.get("pk", "")).startswith("CUSTOMER#")
        }

    def fail_two_records_permanently(self) -> None:
        """Two eligible records whose write always fails: validation is not clean, the gate waits."""
        failing = ids_of(labelled(), RecordKind.ELIGIBLE_VALID)[:2]
        set_function_environment(
            self.lambda_client,
            self.outputs.migrate_record_function_name,
            **{env.FAULT_PERMANENT_IDS: ",".join(failing)},
        )

    def assert_legacy_serves_again(self, waiting: list[str] | None = None) -> None:
        """After an end before the cut-over: restored by the watchdog, lock free, run recorded, and the
        intake that ``waiting`` names consumed by legacy."""
        wait_until(lambda: self.serving() == (True, False) and self.lock() is None, what="legacy serving")
        record = wait_until(lambda: (run := self.run_record()) and run.outcome and run, what="outcome")
        assert record.outcome == run_control.Outcome.RESTORED_BY_WATCHDOG
        assert record.cut_over is False
        # Every legacy record is still there, as loaded (the migration never writes to legacy).
        assert {record["application_id"] for record in self.records} <= self.legacy_ids()
        if waiting is not None:
            wait_until(lambda: set(waiting) <= self.legacy_ids(), what="intake consumed by legacy")


@pytest.fixture(scope="module")
def shared_stack() -> Iterator[LocalStack]:
    with local_stack(program_dir=PROGRAM_DIR, config=E2E_STACK_CONFIG) as stack:
        yield stack


@pytest.fixture
def run(shared_stack: LocalStack) -> Iterator[Run]:
    reset_stack(shared_stack)
    outputs = StackOutputs.from_mapping(shared_stack.outputs)
    lambda_client = shared_stack.aws.client("lambda")
    yield Run(shared_stack)
    # What a test changed beyond reset_stack's reach.
    lambda_client.update_event_source_mapping(UUID=outputs.migrate_mapping_uuid, Enabled=True)
    set_function_environment(
        lambda_client,
        shared_stack.outputs["enqueue_records_function_name"],
        **{env.ENQUEUE_SCAN_PAGE_SIZE: "100", env.ENQUEUE_TIME_RESERVE_MS: "10000"},
    )


def test_stop_during_migrate_gives_the_intake_back_to_legacy(run: Run) -> None:
    # GIVEN a scan that hands back after every 2 records (so it is still migrating when stopped)
    set_function_environment(
        run.lambda_client,
        run.stack.outputs["enqueue_records_function_name"],
        **{env.ENQUEUE_SCAN_PAGE_SIZE: "2", env.ENQUEUE_TIME_RESERVE_MS: "100000000"},
    )
    run.start()
    run.wait_for_phase("Migrate")
    waiting = run.send_intake()

    # WHEN an operator stops the execution (no Catch runs on AWS)
    run.sfn.stop_execution(executionArn=run.arn, cause="operator stop during Migrate")

    # THEN the watchdog gives the intake back to legacy, which consumes what waited
    assert run.status() == "ABORTED"
    run.assert_legacy_serves_again(waiting)


def test_stop_during_settle_gives_the_intake_back_to_legacy(run: Run) -> None:
    # GIVEN nobody consuming the migration queue, so Settle never ends by itself
    run.lambda_client.update_event_source_mapping(UUID=run.outputs.migrate_mapping_uuid, Enabled=False)
    run.start()
    run.wait_for_phase("Settle")
    waiting = run.send_intake()

    # WHEN stopped there
    run.sfn.stop_execution(executionArn=run.arn)

    # THEN
    run.assert_legacy_serves_again(waiting)


def test_stop_at_the_gate_gives_the_intake_back_to_legacy(run: Run) -> None:
    # GIVEN records that always fail, so validation is not clean and the gate waits
    run.fail_two_records_permanently()
    run.start()
    wait_until(lambda: read_progress(run.sfn, run.arn).waiting_at_gate, what="gate")
    waiting = run.send_intake()

    # WHEN stopped at the gate
    run.sfn.stop_execution(executionArn=run.arn)

    # THEN
    run.assert_legacy_serves_again(waiting)


def test_an_abnormal_end_after_the_cut_over_keeps_the_new_backend_serving(run: Run) -> None:
    # GIVEN a new backend that cannot write (its table name broken), so the drain never empties the queue
    new_function = run.stack.outputs["onboarding_intake_function_name"]
    set_function_environment(run.lambda_client, new_function, **{env.NEW_TABLE_NAME: "no-such-table"})
    run.send_intake()
    try:
        run.start()
        run.wait_for_phase("Drain")

        # WHEN the execution is stopped after its cut-over
        run.sfn.stop_execution(executionArn=run.arn)

        # THEN the new backend stays the one serving, legacy stays off, the lock is free
        wait_until(lambda: run.lock() is None, what="lock released")
        record = wait_until(lambda: (state := run.run_record()) and state.outcome and state, what="outcome")
        assert record.cut_over is True
        assert run.serving() == (False, True)
        assert (
            run_control.serving_backend(run.dynamodb, run.outputs.control_table_name)
            is run_control.Backend.NEW
        )
    finally:
        set_function_environment(
            run.lambda_client, new_function, **{env.NEW_TABLE_NAME: run.outputs.new_table_name}
        )


def test_a_second_migration_is_refused_while_one_runs_and_changes_nothing(run: Run) -> None:
    # GIVEN a migration waiting in Settle (nobody consumes the migration queue)
    run.lambda_client.update_event_source_mapping(UUID=run.outputs.migrate_mapping_uuid, Enabled=False)
    first = run.start()
    run.wait_for_phase("Settle")

    # WHEN a second one is started directly (bypassing the command line's own check)
    second = start_migration(run.sfn, run.outputs.state_machine_arn, FAST_INPUT)
    wait_until(lambda: run.sfn.describe_execution(executionArn=second)["status"] != "RUNNING")

    # THEN it fails at Setup without touching a mapping; the first still holds the lock and runs
    described = run.sfn.describe_execution(executionArn=second)
    assert (described["status"], described["error"]) == ("FAILED", "Migration.AlreadyRunning")
    entered = [
        event["stateEnteredEventDetails"]["name"]
        for event in run.sfn.get_execution_history(executionArn=second, maxResults=1000)["events"]
        if "stateEnteredEventDetails" in event
    ]
    assert not [name for name in entered if not name.startswith("Setup")]
    assert run.lock() == first
    assert run.sfn.describe_execution(executionArn=first)["status"] == "RUNNING"
    assert run.serving() == (False, False)  # the first run's pause, untouched
    run.sfn.stop_execution(executionArn=first)
    run.assert_legacy_serves_again()


def test_after_a_cut_over_a_new_run_is_refused_unless_forced_and_never_re_enables_legacy(run: Run) -> None:
    # GIVEN a completed migration (the new backend serves)
    run.start()
    wait_until(lambda: run.status() != "RUNNING", what="first migration")
    assert run.status() == "SUCCEEDED"
    assert run.serving() == (False, True)

    # WHEN a run that would roll back is started without force
    refused = start_migration(
        run.sfn, run.outputs.state_machine_arn, {**FAST_INPUT, "migration_timeout_seconds": 0}
    )
    wait_until(lambda: run.sfn.describe_execution(executionArn=refused)["status"] != "RUNNING")

    # THEN it is refused and nothing changed
    assert run.sfn.describe_execution(executionArn=refused)["error"] == "Migration.AlreadyCutOver"
    assert run.serving() == (False, True) and run.lock() is None

    # WHEN the same run is forced (and times out at once, so it rolls back)
    run.lambda_client.update_event_source_mapping(UUID=run.outputs.migrate_mapping_uuid, Enabled=False)
    run.start(migration_timeout_seconds=0, force=True)
    wait_until(lambda: run.status() != "RUNNING", what="forced run")

    # THEN it rolled back to the new backend: legacy stays off
    described = run.sfn.describe_execution(executionArn=run.arn)
    assert described["error"] == "Migration.RolledBack"
    assert run.serving() == (False, True)
    assert run.lock() is None


OVERSIZED_VALIDATION = """
def lambda_handler(event, context):
    # A validation result over Step Functions' 256 KiB state payload quota.
    return {"clean": True, "counts": {"legacy": 0}, "padding": "x" * 300000}
"""


@contextmanager
def migration_definition_changed(run: Run, change: Callable[[str], str]) -> Iterator[None]:
    """The deployed migration definition, changed for one test (as a redeploy with other values would)."""
    arn = run.outputs.state_machine_arn
    original = run.sfn.describe_state_machine(stateMachineArn=arn)["definition"]
    run.sfn.update_state_machine(stateMachineArn=arn, definition=change(original))
    try:
        yield
    finally:
        run.sfn.update_state_machine(stateMachineArn=arn, definition=original)


def test_an_oversized_validation_result_ends_the_execution_and_the_watchdog_restores_legacy(run: Run) -> None:
    # GIVEN the migration calling a validation whose result exceeds 256 KiB
    real = run.lambda_client.get_function_configuration(
        FunctionName=run.stack.outputs["validate_migration_function_name"]
    )
    oversized = run.lambda_client.create_function(
        FunctionName=f"oversized-validation-{time.monotonic_ns()}",
        Runtime="python3.12",
        Role=real["Role"],
        Handler="handler.lambda_handler",
        Code={"ZipFile": handler_zip(OVERSIZED_VALIDATION)},
        Timeout=30,
    )["FunctionArn"]
    with migration_definition_changed(run, lambda text: text.replace(real["FunctionArn"], oversized)):
        run.start()
        waiting = run.send_intake()

        # WHEN the migration reaches its validation / THEN it fails with the uncatchable terminal error ...
        wait_until(lambda: run.status() != "RUNNING", what="end")
        described = run.sfn.describe_execution(executionArn=run.arn)
        assert (described["status"], described["error"]) == ("FAILED", "States.DataLimitExceeded")

    # ... and the watchdog gives the intake back to legacy
    run.assert_legacy_serves_again(waiting)


def test_the_history_quota_ends_the_execution_and_the_watchdog_restores_legacy(run: Run) -> None:
    # GIVEN executions that fail once their history holds 75 events: in this run, while migrating (past the
    # pause, before the cut-over; the phase is checked below so a changed definition cannot hide it)
    aws = run.stack.aws
    quota = aws.states_history_quota
    aws.states_history_quota = 75
    try:
        # WHEN a migration runs into the quota
        run.start()
        waiting = run.send_intake()
        wait_until(lambda: run.status() != "RUNNING", what="end")
    finally:
        aws.states_history_quota = quota

    # THEN it failed with States.Runtime after pausing legacy, and the watchdog restored legacy
    described = run.sfn.describe_execution(executionArn=run.arn)
    assert (described["status"], described["error"]) == ("FAILED", "States.Runtime")
    record = run.run_record()
    assert record is not None and record.phase == "MIGRATE", record  # paused: something to restore
    run.assert_legacy_serves_again(waiting)


def test_an_execution_timeout_ends_the_run_and_the_watchdog_restores_legacy(run: Run) -> None:
    # GIVEN a migration that waits at its gate (two records always fail) longer than its execution may run
    run.fail_two_records_permanently()

    def with_timeout(text: str) -> str:
        return json.dumps({**json.loads(text), "TimeoutSeconds": 15})

    with migration_definition_changed(run, with_timeout):
        run.start()
        waiting = run.send_intake()

        # WHEN its TimeoutSeconds pass / THEN it is TIMED_OUT and the watchdog restored legacy
        wait_until(lambda: run.status() != "RUNNING", what="end")
    assert run.status() == "TIMED_OUT"
    run.assert_legacy_serves_again(waiting)


def test_the_command_line_refuses_to_start_and_shows_why(run: Run, tmp_path, capsys) -> None:
    # GIVEN the stack's outputs in a file, and a migration holding the lock
    from tests.e2e.test_e2e_operator_commands import operator, operator_error

    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps(run.stack.outputs), encoding="utf-8")
    target = ["--endpoint-url", run.stack.aws.endpoint_url, "--outputs", str(outputs_file)]
    table = run.outputs.control_table_name
    run.dynamodb.put_item(
        TableName=table, Item={"pk": {"S": "LOCK"}, "sk": {"S": "LOCK"}, "execution_arn": {"S": "arn:other"}}
    )

    def executions() -> int:
        return len(run.sfn.list_executions(stateMachineArn=run.outputs.state_machine_arn)["executions"])

    before = executions()

    # WHEN / THEN `status` names it and `start` is refused with exit 4, nothing started
    assert operator(["status", *target], capsys) == (
        0,
        "serving backend: legacy\nmigration running: arn:other",
    )
    code, error = operator_error(["start", *target], capsys)
    assert code == 4 and "arn:other" in error
    assert executions() == before

    # GIVEN instead a completed cut-over / THEN start needs --force (a dry run is never refused)
    run.dynamodb.delete_item(TableName=table, Key={"pk": {"S": "LOCK"}, "sk": {"S": "LOCK"}})
    run.dynamodb.put_item(
        TableName=table, Item={"pk": {"S": "SERVING"}, "sk": {"S": "SERVING"}, "backend": {"S": "new"}}
    )
    code, error = operator_error(["start", *target], capsys)
    assert code == 4 and "--force" in error
    code, dry_run = operator(["start", "--dry-run", *target], capsys)
    assert code == 0 and dry_run.startswith("arn:aws:states:")
    wait_until(
        lambda: run.sfn.describe_execution(executionArn=dry_run)["status"] != "RUNNING", what="dry run"
    )


def test_a_local_run_refused_at_setup_sends_no_intake_and_reports_no_false_failure(run: Run) -> None:
    # GIVEN another migration holding the lock, so this run is refused before any pause
    from migration_cli.local_run import run_on_stack
    from tests.e2e.e2e_support import e2e_options

    run.dynamodb.put_item(
        TableName=run.outputs.control_table_name,
        Item={"pk": {"S": "LOCK"}, "sk": {"S": "LOCK"}, "execution_arn": {"S": "arn:other"}},
    )

    # WHEN a local run is made on the stack
    result = run_on_stack(run.stack, e2e_options(intake=10), err=io.StringIO())

    # THEN it failed as refused, sent no intake (legacy never paused), and no invariant claims a loss
    assert result.report["status"] == "FAILED" and result.report["error"] == "Migration.AlreadyRunning"
    assert result.report["counts"]["intake_received"] == 0
    assert [entry for entry in result.report["invariants"] if not entry["holds"]] == []
    assert run.serving() == (True, False)
