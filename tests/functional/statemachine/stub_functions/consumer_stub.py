"""Stand-in for the SQS consumers: fails messages whose application_id is in FAIL_IDS (all: FAIL_ALL=1).

Successful application ids are recorded in the table MARKER_TABLE (when set), so a test can see who
consumed what. With RETRY_MARK_TABLE set (the new backend's consumer), a failed message is marked there
until an attempt of it succeeds, as migration_runtime/intake_retries.py does (the drain reads the marks).
"""

import json
import os

import boto3

INTAKE_RETRY_PK = "INTAKE_RETRY"  # migration_runtime/intake_retries.py (a test checks they agree)


def lambda_handler(event, context):
    fail_ids = {value for value in os.environ.get("FAIL_IDS", "").split(",") if value}
    fail_all = os.environ.get("FAIL_ALL") == "1"
    table = os.environ.get("MARKER_TABLE")
    retry_table = os.environ.get("RETRY_MARK_TABLE")
    failures = []
    for record in event["Records"]:
        try:
            application_id = json.loads(record["body"]).get("application_id", "")
        except ValueError:
            application_id = ""
        retry_key = {"pk": {"S": INTAKE_RETRY_PK}, "sk": {"S": record["messageId"]}}
        if fail_all or application_id in fail_ids:
            failures.append({"itemIdentifier": record["messageId"]})
            if retry_table:
                boto3.client("dynamodb").put_item(TableName=retry_table, Item=retry_key)
            continue
        if table:
            boto3.client("dynamodb").put_item(
                TableName=table,
                Item={"application_id": {"S": application_id}, "consumer": {"S": os.environ["CONSUMER"]}},
            )
        if retry_table and int(record["attributes"].get("ApproximateReceiveCount", "1")) > 1:
            boto3.client("dynamodb").delete_item(TableName=retry_table, Key=retry_key)
    return {"batchItemFailures": failures}
