"""Stand-in for enqueue_records: pages through a fake segment, optionally sending to the migration queue.

Behaviour from environment variables (changed per test with UpdateFunctionConfiguration):
PAGES (pages per segment), SEND_PER_PAGE (messages sent per page), MODE (ok | raise | garbage).
"""

import json
import os

import boto3


def lambda_handler(event, context):
    mode = os.environ.get("MODE", "ok")
    if mode == "raise":
        raise RuntimeError("enqueue stub was told to fail")
    if mode == "garbage":
        return {"unexpected": True}
    pages = int(os.environ.get("PAGES", "1"))
    send = 0 if event.get("dry_run") else int(os.environ.get("SEND_PER_PAGE", "0"))
    page = 1 if event.get("cursor") is None else int(event["cursor"]) + 1
    done = page >= pages
    if send:
        entries = [
            {
                "Id": str(i),
                "MessageBody": json.dumps({"application_id": f"app-{event['segment']}-{page}-{i}"}),
            }
            for i in range(send)
        ]
        sqs = boto3.client("sqs")
        for start in range(0, len(entries), 10):
            sqs.send_message_batch(
                QueueUrl=os.environ["MIGRATION_QUEUE_URL"], Entries=entries[start : start + 10]
            )
    # The contract's name and version (migration_runtime/enqueue_result.py): the stand-in runs without it.
    return {
        "kind": "enqueue_records",
        "version": 1,
        "segment": event["segment"],
        "total_segments": event["total_segments"],
        "cursor": None if done else str(page),
        "done": done,
        "counts": {"scanned": 10, "eligible": 8, "ineligible": 2, "invalid": 1, "enqueued": send},
    }
