"""The operator commands against a running local stack, as a person would type them: start, watch, approve,
report, redrive, with `--endpoint-url` and `--outputs FILE` (the same commands work on AWS without them)."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pytest

from demo_data.onboarding_records import RecordKind, synthetic_records
from embedded_aws.local_stack import LocalStack
from migration_cli import execution_command_parsers, execution_commands
from migration_cli.fault_toggles import set_function_environment
from migration_cli.local_data_loading import write_legacy_records
from migration_cli.stack_data import scan_items
from migration_cli.stack_outputs import StackOutputs
from migration_runtime import settings as env
from tests.fixtures.picture_parsing import by_id, parse, with_class


def operator(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run one command line; returns its exit code and what it printed on stdout."""
    parser = argparse.ArgumentParser(prog="onboarding-migration")
    execution_command_parsers.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code = args.handler(args)
    return code, capsys.readouterr().out.strip()


def operator_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Like `operator`, returning stderr instead."""
    parser = argparse.ArgumentParser(prog="onboarding-migration")
    execution_command_parsers.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code = args.handler(args)
    return code, capsys.readouterr().err.strip()


def test_start_watch_approve_report_and_redrive(
    deployed_stack: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a local stack, its outputs in a file, legacy records, and two records that always fail
    outputs = StackOutputs.from_mapping(deployed_stack.outputs)
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps(deployed_stack.outputs), encoding="utf-8")
    target = ["--endpoint-url", deployed_stack.aws.endpoint_url, "--outputs", str(outputs_file)]
    records = synthetic_records(60, seed="operator")
    write_legacy_records(
        deployed_stack.aws.client("dynamodb"), outputs.legacy_table_name, [item.record for item in records]
    )
    failing = sorted(
        item.record["application_id"] for item in records if item.kind is RecordKind.ELIGIBLE_VALID
    )[:2]
    lambda_client = deployed_stack.aws.client("lambda")
    set_function_environment(
        lambda_client, outputs.migrate_record_function_name, **{env.FAULT_PERMANENT_IDS: ",".join(failing)}
    )

    # WHEN a migration is started and watched
    code, arn = operator(
        ["start", "--segments", "2", "--poll-interval", "1", "--set", "empty_readings_required=1", *target],
        capsys,
    )
    assert code == 0 and arn.startswith("arn:aws:states:")
    name = arn.rsplit(":", 1)[-1]
    code, printed = operator(["watch", name, "--interval", "0.25", *target], capsys)

    # THEN watch stops at the gate and says how to answer it
    assert code == execution_commands.EXIT_AT_GATE
    assert "approve" in printed

    # WHEN the gate is accepted and the execution watched to its end
    assert operator(["approve", name, "--action", "accept", *target], capsys) == (0, "answered accept")
    code, printed = operator(["watch", arn, "--interval", "0.25", *target], capsys)
    assert (code, printed) == (0, "SUCCEEDED")

    # THEN the report names exactly the dead-lettered records, with their last error
    picture_file = tmp_path / "run.html"
    code, printed = operator(["report", name, "--json", "--html", str(picture_file), *target], capsys)
    report = json.loads(printed)
    assert code == 0 and report["status"] == "SUCCEEDED"
    assert [entry["application_id"] for entry in report["dead_lettered"]] == failing
    assert report["requests"] is None  # only the local run counts requests at the emulator
    # AND its picture shows the path through the gate, the answer, the dead letters and every migrated item
    elements = parse(picture_file.read_text(encoding="utf-8"))
    taken = {
        (edge.attributes["data-from"], edge.attributes["data-to"]) for edge in with_class(elements, "taken")
    }
    assert {("Validate", "Gate"), ("Gate", "CutOver"), ("Resume", "Succeeded")} <= taken
    assert by_id(elements, "gate-decisions").text == "accept"
    fates = {
        fate.attributes["data-label"]: int(fate.attributes["data-count"])
        for fate in with_class(elements, "fate")
    }
    assert fates["dead-lettered"] == 2 and fates["migrated"] == report["counts"]["migrated"]
    migrated_per_interval = [
        int(bar.attributes["data-count"]) for bar in with_class(elements, "throughput-bucket")
    ]
    assert sum(migrated_per_interval) == report["counts"]["migrated"]

    # WHEN the fault is fixed and the migration DLQ is redriven
    set_function_environment(
        lambda_client, outputs.migrate_record_function_name, **{env.FAULT_PERMANENT_IDS: ""}
    )
    code, printed = operator(
        ["redrive", "--queue", "migration", "--wait", "--timeout", "60", *target], capsys
    )
    assert code == 0 and printed.startswith("COMPLETED")

    # THEN the two records reach the new table and the DLQ is empty
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        migrated = {
            item.get("application_id")
            for item in scan_items(deployed_stack.aws.client("dynamodb"), outputs.new_table_name)
        }
        if set(failing) <= migrated:
            break
        time.sleep(0.5)
    assert set(failing) <= migrated
    code, printed = operator(["report", name, "--json", *target], capsys)
    assert json.loads(printed)["counts"]["dead_lettered"] == 0

    # ... and a finished execution cannot be approved again
    code, _ = operator(["approve", name, "--action", "abort", *target], capsys)
    assert code == execution_commands.EXIT_FAILED


def test_commands_explain_unreadable_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.json"
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"intake_queue_url": "x"}), encoding="utf-8")

    code, error = operator_error(["report", "some-run", "--outputs", str(missing)], capsys)
    assert code == execution_commands.EXIT_USAGE
    assert "does not exist" in error
    code, error = operator_error(["report", "some-run", "--outputs", str(partial)], capsys)
    assert code == execution_commands.EXIT_USAGE
    assert "state_machine_arn" in error
