"""`--export DIR`: both tables, the ledger and both DLQs of a stack, one JSON document per line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from migration_cli.stack_data import peek_messages, scan_items
from migration_cli.stack_outputs import StackOutputs
from migration_runtime.migration_ledger import ledger_scan_arguments


def export_stack_data(dynamodb: Any, sqs: Any, outputs: StackOutputs, directory: Path) -> list[Path]:
    """Every item of both tables, the ledger (control table) and every message of both DLQs, one JSON
    document per line; returns the files written."""
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
