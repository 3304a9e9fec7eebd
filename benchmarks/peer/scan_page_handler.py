"""Peer: one page of the source table, records included (what the Map state iterates over).

Event: {"cursor": str | null, "page_size": int} -> {"records": [...], "cursor": str | null}.
"""

from __future__ import annotations

import os
from typing import Any

from migration_runtime import aws_clients
from migration_runtime.legacy_scan import scan_page


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    page = scan_page(
        aws_clients.dynamodb(),
        table_name=os.environ["SOURCE_TABLE_NAME"],
        segment=0,
        total_segments=1,
        cursor=event.get("cursor"),
        page_size=int(event["page_size"]),
    )
    return {"records": page.records, "cursor": page.cursor}
