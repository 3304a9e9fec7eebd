"""`onboarding-migration plan` against the real stack on the embedded runtime: counts from a seeded legacy
table, the JSON shape, the cost model's own figure, and nothing written anywhere."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from demo_data.onboarding_records import RecordKind, synthetic_records
from embedded_aws.local_stack import LocalStack
from migration_cli.cost_model import Usage, cost_of
from migration_cli.local_data_loading import write_legacy_records
from migration_cli.main import main
from migration_cli.stack_data import scan_items
from migration_cli.stack_outputs import StackOutputs

PLAN_KEYS = {
    "counts",
    "tap",
    "settings",
    "concurrency",
    "records_per_second",
    "phases_seconds",
    "duration_seconds",
    "intake_paused_seconds",
    "usage",
    "cost_usd",
    "state_transitions",
    "history",
    "warnings",
    "sources",
}


def outputs_file(stack: LocalStack, directory: Path) -> Path:
    """What `local up --json` writes: the endpoint and the outputs."""
    path = directory / "outputs.json"
    path.write_text(json.dumps({"endpoint_url": stack.aws.endpoint_url, "outputs": stack.outputs}))
    return path


def stack_state(stack: LocalStack) -> dict[str, Any]:
    """Every item of the three tables, every queue's counts, both mappings' states."""
    outputs = StackOutputs.from_mapping(stack.outputs)
    dynamodb, sqs, lambda_client = (stack.aws.client(name) for name in ("dynamodb", "sqs", "lambda"))
    tables = (outputs.legacy_table_name, outputs.new_table_name, outputs.control_table_name)
    queues = (
        outputs.intake_queue_url,
        outputs.intake_dlq_url,
        outputs.migration_queue_url,
        outputs.migration_dlq_url,
    )
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    return {
        "items": {
            table: sorted(json.dumps(item, sort_keys=True) for item in scan_items(dynamodb, table))
            for table in tables
        },
        "queues": {
            url: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"] for url in queues
        },
        "mappings": {
            uuid: lambda_client.get_event_source_mapping(UUID=uuid)["State"]
            for uuid in (outputs.legacy_mapping_uuid, outputs.new_mapping_uuid, outputs.migrate_mapping_uuid)
        },
    }


def run_plan(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["plan", *argv])
    return code, capsys.readouterr().out


def test_plan_counts_a_seeded_table_prices_it_with_the_cost_model_and_writes_nothing(
    deployed_stack: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN 150 labelled legacy records (eligible valid, ineligible, eligible invalid)
    records = synthetic_records(150, seed="plan-e2e")
    kinds = Counter(item.kind for item in records)
    outputs = StackOutputs.from_mapping(deployed_stack.outputs)
    write_legacy_records(
        deployed_stack.aws.client("dynamodb"), outputs.legacy_table_name, [r.record for r in records]
    )
    before = stack_state(deployed_stack)

    # WHEN plan counts exactly and samples more than the table holds (so the sample is the whole table)
    code, printed = run_plan(
        ["--outputs", str(outputs_file(deployed_stack, tmp_path)), "--json", "--exact", "--sample", "500"],
        capsys,
    )

    # THEN the counts are the table's own, class by class
    assert code == 0
    plan = json.loads(printed)
    assert set(plan) == PLAN_KEYS
    assert plan["sources"]["sampled"] == 150
    assert plan["counts"]["records"] == 150
    assert plan["counts"]["migrates"] == kinds[RecordKind.ELIGIBLE_VALID]
    assert plan["counts"]["ineligible"] == kinds[RecordKind.INELIGIBLE]
    assert plan["counts"]["invalid"] == kinds[RecordKind.ELIGIBLE_INVALID] > 0
    # the tap is the deployed mapping's, and the local runtime's worker cap is applied and said
    # the records per bulk message are read from the deployed enqueue_records (the stack's default)
    assert plan["tap"] == {"batch_size": 10, "max_concurrency": 10, "records_per_message": 10}
    assert plan["settings"]["worker_limit"] == plan["concurrency"] >= 2
    assert plan["settings"]["seconds_per_batch_source"].startswith("default")
    # the dollars are the cost model's for the same usage
    assert plan["cost_usd"] == {
        **cost_of(Usage(**plan["usage"])).__dict__,
        "total": cost_of(Usage(**plan["usage"])).total,
    }
    assert plan["duration_seconds"] > plan["intake_paused_seconds"] > 0
    assert plan["history"]["polls_per_wait"] >= plan["history"]["longest_wait_polls"] > 0
    # and nothing was written: no lock, no run record, no message, no mapping changed
    assert stack_state(deployed_stack) == before


def test_plan_without_exact_reads_the_table_description_and_takes_a_given_batch_time(
    deployed_stack: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN 40 legacy records
    records = synthetic_records(40, seed="plan-describe")
    outputs = StackOutputs.from_mapping(deployed_stack.outputs)
    write_legacy_records(
        deployed_stack.aws.client("dynamodb"), outputs.legacy_table_name, [r.record for r in records]
    )
    path = str(outputs_file(deployed_stack, tmp_path))

    # WHEN plan prints its text with a given per-batch time, then JSON with twenty times that time (a batch
    # carries 100 records: only a slow one leaves a backlog behind the scan of 40 records)
    code, text = run_plan(["--outputs", path, "--seconds-per-batch", "0.25"], capsys)
    _, quick = run_plan(["--outputs", path, "--seconds-per-batch", "0.25", "--json"], capsys)
    _, slow = run_plan(["--outputs", path, "--seconds-per-batch", "5", "--json"], capsys)

    # THEN the text names the count's source and the batch time's, and a slower batch is a longer run
    assert code == 0
    assert "legacy records   40 (DescribeTable" in text
    assert "0.250 s (given (--seconds-per-batch))" in text
    assert "worst case per execution migration " in text and "(quota 25,000 events)" in text
    assert json.loads(slow)["duration_seconds"] > json.loads(quick)["duration_seconds"]
