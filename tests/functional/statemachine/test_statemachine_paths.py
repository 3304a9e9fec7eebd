"""The real migration definition executed on the embedded runtime, with stub functions: every path.

Stubs (tests/functional/statemachine/stub_functions) stand in for enqueue_records, validate_migration and
the three consumers; their behaviour is switched per test through their environment. Mapping states, queues,
the
gate and the DLQ redrive are the emulator's own.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from migration_cli.history_events import child_execution_arn
from migration_cli.migration_control import answer_gate
from migration_runtime.migration_errors import MigrationError
from tests.functional.statemachine.stub_stack import FAST_INPUT, StubStack

ENABLED, DISABLED = "Enabled", "Disabled"


def send_intake(stack: StubStack, *application_ids: str) -> None:
    sqs = stack.aws.client("sqs")
    for application_id in application_ids:
        sqs.send_message(
            QueueUrl=stack.intake_queue_url, MessageBody=json.dumps({"application_id": application_id})
        )


def states_entered(stack: StubStack, execution_arn: str) -> list[str]:
    """The states entered, in order, with each child execution's states where the parent started it."""
    events = stack.sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    entered: list[str] = []
    for event in events:
        if "stateEnteredEventDetails" in event:
            entered.append(event["stateEnteredEventDetails"]["name"])
        elif (child := child_execution_arn(event)) is not None:
            entered.extend(states_entered(stack, child))
    return entered


def queue_depth(stack: StubStack, url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = stack.aws.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=names)[
        "Attributes"
    ]
    return sum(int(attributes[name]) for name in names)


def test_clean_run_pauses_migrates_validates_and_cuts_over(stub_stack: StubStack) -> None:
    # GIVEN an enqueue stub that sends 3 messages per page, 2 pages per segment
    stub_stack.configure("enqueue", SEND_PER_PAGE="3")

    # WHEN a migration with a backup runs over 2 segments
    execution = stub_stack.start({**FAST_INPUT, "backup": True})
    progress = stub_stack.wait(execution)

    # THEN it succeeded with the summed scan counts, every message migrated, and the consumers swapped
    described = stub_stack.describe(execution)
    assert described["status"] == "SUCCEEDED"
    output = json.loads(described["output"])
    assert output["status"] == "SUCCEEDED"
    assert output["dry_run"] is False
    assert [segment["pages"] for segment in output["scan"]] == [2, 2]
    assert sum(segment["counts"]["enqueued"] for segment in output["scan"]) == 12
    assert output["validation"]["clean"] is True
    assert progress.scan["enqueued"] == 12
    assert sorted(set(stub_stack.consumers_of().values())) == ["migrate"]
    assert len(stub_stack.consumers_of()) == 12
    assert stub_stack.mapping_state(stub_stack.legacy_mapping) == DISABLED
    assert stub_stack.mapping_state(stub_stack.new_mapping) == ENABLED
    backups = stub_stack.aws.client("dynamodb").list_backups(TableName=f"{stub_stack.prefix}-legacy")
    assert [summary["BackupArn"] for summary in backups["BackupSummaries"]] == [output["backup"]["arn"]]
    # ... named only with what DynamoDB backup names allow, whatever the execution's name holds
    [summary] = backups["BackupSummaries"]
    assert re.fullmatch(r"legacy-before-migration-[0-9a-f]{64}", summary["BackupName"])


def test_pause_needs_consecutive_quiet_readings(stub_stack: StubStack) -> None:
    # WHEN three quiet readings are required
    execution = stub_stack.start({**FAST_INPUT, "empty_readings_required": 3})
    stub_stack.wait(execution)

    # THEN the mapping and the intake queue were read three times before anything else happened
    entered = states_entered(stub_stack, execution)
    before_scan = entered[: entered.index("MigrateScanSegments")]
    assert before_scan.count("ReadLegacyMapping") == 3
    assert before_scan.count("ReadIntakeInFlight") == 3
    assert before_scan.count("WaitInterval") == 2


def test_dry_run_counts_and_changes_nothing(stub_stack: StubStack) -> None:
    stub_stack.configure("enqueue", SEND_PER_PAGE="3")

    execution = stub_stack.start({**FAST_INPUT, "dry_run": True, "segments": 3})
    stub_stack.wait(execution)

    output = json.loads(stub_stack.describe(execution)["output"])
    assert output["dry_run"] is True
    assert [segment["counts"]["scanned"] for segment in output["scan"]] == [20, 20, 20]
    entered = states_entered(stub_stack, execution)
    assert not [name for name in entered if name.startswith(("Pause", "CutOver", "Rollback", "Validate"))]
    assert stub_stack.mapping_state(stub_stack.legacy_mapping) == ENABLED
    assert stub_stack.mapping_state(stub_stack.new_mapping) == DISABLED
    assert queue_depth(stub_stack, stub_stack.migration_queue_url) == 0
    assert stub_stack.consumers_of() == {}


def test_invalid_input_fails_at_setup_naming_the_key_before_anything_is_paused(stub_stack: StubStack) -> None:
    # GIVEN every shape of bad input: wrong JSON type, out of range, not an integer, an unknown key
    bad_inputs: list[tuple[dict[str, Any], str]] = [
        ({"dry_run": "yes"}, "dry_run must be a boolean"),
        ({"backup": 1}, "backup must be a boolean"),
        ({"segments": 0}, "segments must be an integer from 1 to 64"),
        ({"segments": 65}, "segments must be an integer from 1 to 64"),
        ({"segments": 1.5}, "segments must be an integer from 1 to 64"),
        ({"segments": "4"}, "segments must be an integer from 1 to 64"),
        ({"segments": True}, "segments must be an integer from 1 to 64"),
        ({"poll_interval_seconds": 0}, "poll_interval_seconds must be an integer from 1 to"),
        ({"pause_timeout_seconds": -1}, "pause_timeout_seconds must be an integer from 0 to"),
        ({"gate_timeout_seconds": 0}, "gate_timeout_seconds must be an integer from 1 to"),
        ({"colour": "blue"}, "The execution input has an unknown key"),
    ]
    for bad, cause in bad_inputs:
        # WHEN a migration starts with it
        execution = stub_stack.start({**FAST_INPUT, **bad})
        stub_stack.wait(execution)

        # THEN it failed at Setup with the key named, and never entered the pause
        described = stub_stack.describe(execution)
        assert described["status"] == "FAILED", bad
        assert described["error"] == MigrationError.INVALID_INPUT, bad
        assert described["cause"].startswith(cause), (bad, described["cause"])
        entered = states_entered(stub_stack, execution)
        assert entered[0] == "SetupDefaults", bad
        assert not [name for name in entered if not name.startswith("Setup")], (bad, entered)
    # ... and the legacy consumer still serves
    assert stub_stack.mapping_state(stub_stack.legacy_mapping) == ENABLED

    # ... while the same check lets a valid input through: the largest segment count runs a dry run
    execution = stub_stack.start({**FAST_INPUT, "dry_run": True, "segments": 64})
    stub_stack.wait(execution)
    assert stub_stack.describe(execution)["status"] == "SUCCEEDED"


def test_a_failing_scan_rolls_back_and_the_legacy_consumer_serves_again(stub_stack: StubStack) -> None:
    # GIVEN an enqueue function that fails
    stub_stack.configure("enqueue", MODE="raise")

    # WHEN the migration runs, with an intake message arriving while the legacy consumer is paused
    execution = stub_stack.start(FAST_INPUT)
    progress = stub_stack.wait(execution)
    send_intake(stub_stack, "arrived-after-rollback")

    # THEN it is rolled back with the cause, and the legacy consumer serves (the new one does not)
    described = stub_stack.describe(execution)
    assert described["error"] == MigrationError.ROLLED_BACK
    assert "RuntimeError" in described["cause"]
    assert progress.phase == "Rollback"
    assert stub_stack.mapping_state(stub_stack.legacy_mapping) == ENABLED
    assert stub_stack.mapping_state(stub_stack.new_mapping) == DISABLED
    stub_stack.wait_for(lambda: stub_stack.consumers_of().get("arrived-after-rollback") == "legacy")


def test_an_unexpected_function_result_rolls_back_instead_of_stranding_the_pause(
    stub_stack: StubStack,
) -> None:
    for function, expected in (
        ("enqueue", MigrationError.UNEXPECTED_ENQUEUE_RESULT),
        ("validate", MigrationError.UNEXPECTED_VALIDATION_RESULT),
    ):
        stub_stack.configure(function, MODE="garbage")
        execution = stub_stack.start(FAST_INPUT)
        progress = stub_stack.wait(execution)
        stub_stack.configure(function, MODE="ok")

        # (the enqueue page runs in a child execution: the progress names the child's own failure)
        described = stub_stack.describe(execution)
        assert described["error"] == MigrationError.ROLLED_BACK
        assert progress.cause is not None and progress.cause.startswith(expected), progress.cause
        assert stub_stack.mapping_state(stub_stack.legacy_mapping) == ENABLED


def test_migration_queue_that_never_empties_times_out_and_rolls_back(stub_stack: StubStack) -> None:
    # GIVEN messages that nobody consumes (the migrate mapping is off)
    stub_stack.aws.client("lambda").update_event_source_mapping(
        UUID=stub_stack.migrate_mapping, Enabled=False
    )
    stub_stack.configure("enqueue", SEND_PER_PAGE="2")

    execution = stub_stack.start({**FAST_INPUT, "migration_timeout_seconds": 2})
    stub_stack.wait(execution)

    described = stub_stack.describe(execution)
    assert described["error"] == MigrationError.ROLLED_BACK
    assert described["cause"].startswith(MigrationError.MIGRATION_TIMEOUT)
    assert stub_stack.mapping_state(stub_stack.legacy_mapping) == ENABLED


def start_unclean(stub_stack: StubStack, **extra: object) -> str:
    """A run where two records fail permanently, so validation is not clean and the gate waits."""
    stub_stack.configure("enqueue", SEND_PER_PAGE="2")
    stub_stack.configure("migrate", FAIL_IDS="app-0-1-0,app-1-2-1")
    execution = stub_stack.start({**FAST_INPUT, **extra})
    progress = stub_stack.wait(execution, until_gate=True)
    assert progress.waiting_at_gate
    assert progress.latest_validation is not None
    assert progress.latest_validation.counts.migration_dlq_messages == 2
    return execution


def test_gate_redrive_after_the_fix_migrates_the_dead_letters(stub_stack: StubStack) -> None:
    execution = start_unclean(stub_stack)

    # WHEN the fault is lifted and the gate is answered redrive
    stub_stack.configure("migrate", FAIL_IDS="")
    answer_gate(stub_stack.sfn, execution, "redrive")
    progress = stub_stack.wait(execution)

    # THEN the DLQ went back, validation became clean and the cut-over happened
    assert stub_stack.describe(execution)["status"] == "SUCCEEDED"
    assert progress.gate_decisions == ["redrive"]
    assert progress.redrives == 1
    assert [report.clean for report in progress.validations] == [False, True]
    assert queue_depth(stub_stack, stub_stack.migration_dlq_url) == 0
    assert {"app-0-1-0", "app-1-2-1"} <= set(stub_stack.consumers_of())
    assert stub_stack.mapping_state(stub_stack.new_mapping) == ENABLED


def test_gate_accept_cuts_over_and_drains_what_waited(stub_stack: StubStack) -> None:
    execution = start_unclean(stub_stack)
    # Intake arriving during the pause waits in the queue: neither consumer is on.
    send_intake(stub_stack, "waited-1", "waited-2")

    answer_gate(stub_stack.sfn, execution, "accept")
    progress = stub_stack.wait(execution)

    assert stub_stack.describe(execution)["status"] == "SUCCEEDED"
    assert progress.gate_decisions == ["accept"]
    assert progress.cut_over is True
    consumers = stub_stack.consumers_of()
    assert consumers["waited-1"] == consumers["waited-2"] == "new"
    assert queue_depth(stub_stack, stub_stack.migration_dlq_url) == 2  # accepted as they are
    assert stub_stack.mapping_state(stub_stack.legacy_mapping) == DISABLED


def test_gate_abort_rolls_back_and_legacy_takes_what_waited(stub_stack: StubStack) -> None:
    execution = start_unclean(stub_stack)
    send_intake(stub_stack, "waited-for-legacy")

    answer_gate(stub_stack.sfn, execution, "abort")
    stub_stack.wait(execution)

    described = stub_stack.describe(execution)
    assert described["error"] == MigrationError.ROLLED_BACK
    assert described["cause"].startswith(MigrationError.ABORTED)
    assert stub_stack.mapping_state(stub_stack.legacy_mapping) == ENABLED
    assert stub_stack.mapping_state(stub_stack.new_mapping) == DISABLED
    stub_stack.wait_for(lambda: stub_stack.consumers_of().get("waited-for-legacy") == "legacy")


def test_gate_unknown_answer_counts_as_abort(stub_stack: StubStack) -> None:
    execution = start_unclean(stub_stack)
    progress = stub_stack.wait(execution, until_gate=True)

    stub_stack.sfn.send_task_success(taskToken=progress.gate_token, output=json.dumps({"action": "maybe"}))
    stub_stack.wait(execution)

    assert stub_stack.describe(execution)["cause"].startswith(MigrationError.ABORTED)
    assert stub_stack.mapping_state(stub_stack.legacy_mapping) == ENABLED


def test_gate_timeout_rolls_back(stub_stack: StubStack) -> None:
    stub_stack.configure("enqueue", SEND_PER_PAGE="2")
    stub_stack.configure("migrate", FAIL_IDS="app-0-1-0")

    execution = stub_stack.start({**FAST_INPUT, "gate_timeout_seconds": 1})
    progress = stub_stack.wait(execution)

    assert stub_stack.describe(execution)["cause"].startswith(MigrationError.GATE_TIMEOUT)
    assert progress.gate_decisions == ["timeout"]
    assert stub_stack.mapping_state(stub_stack.legacy_mapping) == ENABLED


def test_failure_after_the_cut_over_never_re_enables_legacy(stub_stack: StubStack) -> None:
    # GIVEN a new consumer that fails everything, and intake waiting when the gate is accepted
    execution = start_unclean(stub_stack, drain_timeout_seconds=2)
    stub_stack.configure("new", FAIL_ALL="1")
    sqs = stub_stack.aws.client("sqs")
    redrive = json.loads(
        sqs.get_queue_attributes(QueueUrl=stub_stack.intake_queue_url, AttributeNames=["RedrivePolicy"])[
            "Attributes"
        ]["RedrivePolicy"]
    )
    # Keep the failing message in the intake queue (not dead-lettered) for longer than the drain timeout.
    sqs.set_queue_attributes(
        QueueUrl=stub_stack.intake_queue_url,
        Attributes={"RedrivePolicy": json.dumps({**redrive, "maxReceiveCount": 1000})},
    )
    send_intake(stub_stack, "never-drains")

    answer_gate(stub_stack.sfn, execution, "accept")
    stub_stack.wait(execution)

    # THEN the execution failed after the cut-over, and the new consumer stays the one serving
    described = stub_stack.describe(execution)
    assert described["status"] == "FAILED"
    assert described["error"] == MigrationError.FAILED_AFTER_CUT_OVER
    assert MigrationError.DRAIN_TIMEOUT in described["cause"]
    assert stub_stack.mapping_state(stub_stack.legacy_mapping) == DISABLED
    assert stub_stack.mapping_state(stub_stack.new_mapping) == ENABLED


def test_the_consumer_stand_in_marks_failures_under_the_key_the_drain_reads() -> None:
    # GIVEN the stand-in's source and the wait child's Query of the marks
    from components.migration_state_machine import WAIT_DEFINITION_PATH
    from migration_runtime.intake_retries import INTAKE_RETRY_PK

    stub = (Path(__file__).parent / "stub_functions" / "consumer_stub.py").read_text(encoding="utf-8")
    child = json.loads(WAIT_DEFINITION_PATH.read_text(encoding="utf-8"))["States"]["ReadIntakeRetries"]

    # THEN all three spell the key the same
    assert f'INTAKE_RETRY_PK = "{INTAKE_RETRY_PK}"' in stub
    assert child["Parameters"]["ExpressionAttributeValues"] == {":pk": {"S": INTAKE_RETRY_PK}}
