"""What the picture reads from the stack beyond the report: the deployed state machine's definition,
the parent execution's history and the write times of the migrated items."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from migration_cli.history_reader import HistoryReader
from migration_cli.report_model import MigrationReport
from migration_cli.run_picture import render_html
from migration_cli.run_picture.from_report import picture_from_report
from migration_cli.run_picture.model import DepthSample
from migration_cli.stack_data import scan_items
from migration_cli.stack_outputs import StackOutputs


def deployed_definition(stepfunctions: Any, execution_arn: str) -> dict[str, Any]:
    """The definition the execution ran (its state machine as deployed, not this checkout's file)."""
    state_machine_arn = stepfunctions.describe_execution(executionArn=execution_arn)["stateMachineArn"]
    return json.loads(stepfunctions.describe_state_machine(stateMachineArn=state_machine_arn)["definition"])


def migrated_write_times(dynamodb: Any, outputs: StackOutputs) -> list[str]:
    """`written_at` of every item the migration wrote: one Scan of the new table (billed in full on AWS),
    two attributes projected."""
    items = scan_items(
        dynamodb,
        outputs.new_table_name,
        ProjectionExpression="#written, #source",
        FilterExpression="#source = :migration",
        ExpressionAttributeNames={"#written": "written_at", "#source": "source"},
        ExpressionAttributeValues={":migration": {"S": "migration"}},
    )
    return [str(item["written_at"]) for item in items if "written_at" in item]


def write_run_picture(
    path: Path,
    report: MigrationReport,
    stepfunctions: Any,
    dynamodb: Any,
    outputs: StackOutputs,
    depths: tuple[DepthSample, ...] = (),
) -> Path:
    """Render the picture of the report's execution into `path` (UTF-8). The adapter reads the report's
    versioned JSON form (`MigrationReport.to_json`, the names users script against), so a saved
    `report --json` document can be drawn the same way."""
    arn = report.execution_arn
    picture = picture_from_report(
        report.to_json(),
        HistoryReader(stepfunctions, arn).new_events(),
        deployed_definition(stepfunctions, arn),
        migrated_write_times(dynamodb, outputs),
        depths,
    )
    path.write_text(render_html(picture), encoding="utf-8")
    return path
