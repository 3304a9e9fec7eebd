"""Small pieces of the operator commands: outputs, execution names and ARNs, progress lines, report text."""

from __future__ import annotations

import io
import json
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from migration_cli.execution_history import ExecutionProgress
from migration_cli.migration_control import execution_input, execution_name, resolve_execution_arn
from migration_cli.progress import ProgressPrinter, ProgressSnapshot, QueueDepths, progress_bar, render_line
from migration_cli.report import report_status, requests_per_service
from migration_cli.report_model import MigrationReport
from migration_cli.report_text import format_report
from migration_cli.stack_outputs import (
    StackOutputs,
    StackOutputsError,
    load_outputs_file,
    load_pulumi_outputs,
)
from migration_runtime.migration_errors import MigrationError

STATE_MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:migration"


def complete_outputs() -> dict[str, Any]:
    return {field.name: f"value-{field.name}" for field in fields(StackOutputs)} | {"extra_output": "ignored"}


def test_outputs_keep_what_the_commands_need_and_name_what_is_missing(tmp_path: Path) -> None:
    outputs = StackOutputs.from_mapping(complete_outputs())
    assert outputs.state_machine_arn == "value-state_machine_arn"

    partial = complete_outputs()
    del partial["state_machine_arn"], partial["new_table_name"]
    with pytest.raises(StackOutputsError, match="state_machine_arn, new_table_name"):
        StackOutputs.from_mapping(partial)

    local_up = tmp_path / "local-up.json"
    local_up.write_text(json.dumps({"endpoint_url": "http://127.0.0.1:1", "outputs": complete_outputs()}))
    assert StackOutputs.from_mapping(load_outputs_file(local_up)) == outputs

    not_an_object = tmp_path / "list.json"
    not_an_object.write_text("[1]", encoding="utf-8")
    with pytest.raises(StackOutputsError, match="JSON object"):
        load_outputs_file(not_an_object)


def test_a_stack_without_change_capture_has_no_capture_mapping_output() -> None:
    # GIVEN the outputs of a stack whose adopted legacy table has no stream (no capture_mapping_uuid)
    outputs = complete_outputs()
    del outputs["capture_mapping_uuid"]

    # WHEN reading them THEN they are complete, without a capture mapping (and with one when exported)
    assert StackOutputs.from_mapping(outputs).capture_mapping_uuid is None
    assert StackOutputs.from_mapping(complete_outputs()).capture_mapping_uuid == "value-capture_mapping_uuid"


def test_pulumi_outputs_need_the_pulumi_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda _: None)
    with pytest.raises(StackOutputsError, match="--outputs FILE"):
        load_pulumi_outputs()


def test_execution_names_and_arns() -> None:
    name = execution_name(dry_run=True, now=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert name.startswith("dry-run-20250102T030405Z-") and len(name) <= 80
    assert execution_name() != execution_name()
    assert resolve_execution_arn("run-1", STATE_MACHINE) == (
        "arn:aws:states:eu-west-1:123456789012:execution:migration:run-1"
    )
    assert resolve_execution_arn("arn:aws:states:x", STATE_MACHINE) == "arn:aws:states:x"
    with pytest.raises(ValueError, match="not a state machine ARN"):
        resolve_execution_arn("run-1", "arn:aws:sqs:eu-west-1:1:queue")


def test_execution_input_carries_only_what_differs_from_the_defaults() -> None:
    assert execution_input() == {}
    assert execution_input(dry_run=False) == {"dry_run": False}
    assert execution_input(dry_run=True, segments=8, overrides={"backup": True}) == {
        "backup": True,
        "dry_run": True,
        "segments": 8,
    }


def snapshot(status: str = "RUNNING", enqueued: int = 10, queued: int = 4, dead: int = 1) -> ProgressSnapshot:
    progress = ExecutionProgress(phase="Settle", pages=2)
    progress.scan["enqueued"] = enqueued
    return ProgressSnapshot(
        status=status,
        progress=progress,
        migration_queue=QueueDepths(visible=queued),
        migration_dlq=QueueDepths(visible=dead),
        intake_queue=QueueDepths(),
        elapsed_seconds=3.0,
    )


def test_progress_counts_what_left_the_queue() -> None:
    current = snapshot(enqueued=10, queued=4, dead=1)

    assert current.processed == 5 and current.dead_lettered == 1
    assert progress_bar(5, 10, width=10) == "[#####-----]  50%"
    assert progress_bar(0, 0, width=4).startswith("[----]")
    line = render_line(current)
    assert "enqueued 10" in line and "processed 5" in line and "dead-lettered 1" in line


def test_progress_counts_queued_packed_messages_as_their_records() -> None:
    # GIVEN 100 records enqueued in 10 messages; 3 messages still queued, 1 record dead-lettered (alone)
    current = snapshot(enqueued=100, queued=3, dead=1)
    current.progress.scan["messages"] = 10

    # THEN the queued messages count as 10 records each
    assert current.records_per_message == 10.0
    assert current.processed == 100 - 30 - 1
    # ... and once the queue is empty the count is exact
    assert snapshot(enqueued=100, queued=0, dead=1).processed == 99


def test_progress_printer_writes_a_line_only_when_something_changed() -> None:
    stream = io.StringIO()
    printer = ProgressPrinter(stream)

    printer.show(snapshot(enqueued=10))
    printer.show(snapshot(enqueued=10))
    printer.show(snapshot(enqueued=12))

    assert len(stream.getvalue().splitlines()) == 2


def test_report_status_maps_the_execution_outcome() -> None:
    assert report_status({"status": "SUCCEEDED"}) == "SUCCEEDED"
    assert report_status({"status": "FAILED", "error": MigrationError.ROLLED_BACK}) == "ROLLED_BACK"
    assert report_status({"status": "FAILED", "error": MigrationError.FAILED_AFTER_CUT_OVER}) == "FAILED"
    assert report_status({"status": "TIMED_OUT"}) == "FAILED"
    assert report_status({"status": "ABORTED"}) == "FAILED"
    assert requests_per_service({"sqs": 3, "iam": 1}) == {"sqs": 3, "lambda": 0, "dynamodb": 0, "states": 0}
    assert requests_per_service(None) is None


def test_human_report_shows_outcome_counts_and_reasons() -> None:
    report = {
        "execution_arn": "arn",
        "execution_name": "migration-1",
        "status": "ROLLED_BACK",
        "dry_run": False,
        "cause": "Migration.Aborted: answered abort",
        "counts": {
            "legacy": 10,
            "migrated": 6,
            "ineligible": 2,
            "rejected": 1,
            "dead_lettered": 1,
            "intake_received": 3,
            "intake_delivered": 0,
            "intake_rejected": 1,
        },
        "validation": {
            "clean": False,
            "runs": 1,
            "missing": 1,
            "checksum_mismatches": [],
            "truncated": False,
            "changed_reverified": None,
            "reverified_while_serving": None,
        },
        "gate_decisions": ["abort"],
        "requests": {"sqs": 5, "lambda": 2, "dynamodb": 9, "states": 1},
        "lambda_invocations": {"event-source-mapping": 4, "sfn": 3, "total": 7},
        "rejected": [{"application_id": "a-1", "reason": "business.tax_id: must be 9 digits"}],
        "dead_lettered": [{"application_id": "a-2", "reason": "last error Boom"}],
        "intake_rejected": [{"application_id": None, "reason": "body: not valid JSON"}],
        "duration_seconds": 12.5,
    }

    text = format_report(MigrationReport.from_json(report))

    assert text.startswith("Migration migration-1: ROLLED_BACK in 12.5 s")
    assert "legacy consumer is serving again" in text
    for expected in (
        "a-1: business.tax_id",
        "a-2: last error Boom",
        "(no record id): body: not valid JSON",
        "sqs 5, lambda 2, dynamodb 9, states 1",
        "Lambda invocations: 7 (event-source-mapping 4, sfn 3)",
        "Gate answered: abort",
    ):
        assert expected in text, expected
    # the JSON form is the same data, named as given, with its version
    written = MigrationReport.from_json(report).to_json()
    assert written["version"] == 1
    assert {key: written[key] for key in report if key != "counts"} == {
        key: value for key, value in report.items() if key != "counts"
    }
    assert {key: written["counts"][key] for key in report["counts"]} == report["counts"]


def test_a_report_of_another_mapping_says_which_records_its_ids_name() -> None:
    # GIVEN the same report of an onboarding run and of a workouts run
    base = {"execution_arn": "arn:x", "execution_name": "m-1", "status": "SUCCEEDED"}
    onboarding = MigrationReport.from_json(base)
    workouts = MigrationReport.from_json(
        {**base, "record_mapping": "workouts", "record_id_field": "completion_id"}
    )

    # WHEN both are rendered
    # THEN only the workouts one introduces its ids (onboarding's text is as it always was), and both
    # JSON forms name the mapping and its id field
    assert "Records of the workouts mapping, named by completion_id" in format_report(workouts)
    assert "Records of the" not in format_report(onboarding)
    assert onboarding.to_json()["record_mapping"] == "onboarding"
    assert onboarding.to_json()["record_id_field"] == "application_id"
    assert workouts.to_json()["record_id_field"] == "completion_id"


def test_human_report_shows_the_first_rejections_and_how_many_more() -> None:
    # GIVEN a report listing 25 rejected records (the JSON form holds every one)
    rejected = [
        {"application_id": f"a-{index:02d}", "reason": "contact.email: required"} for index in range(25)
    ]
    report = {
        "execution_arn": "arn",
        "execution_name": "migration-2",
        "status": "SUCCEEDED",
        "dry_run": False,
        "counts": {"legacy": 25, "migrated": 0, "rejected": 25},
        "rejected": rejected,
    }

    # WHEN shown to a person
    text = format_report(MigrationReport.from_json(report), shown=10)

    # THEN the first 10 are listed, then how many more there are
    assert "Rejected records (25, first 10 shown):" in text
    assert "a-09: contact.email" in text and "a-10:" not in text
    assert "... and 15 more (every one in the JSON report)" in text
