"""Stand-in for the SQS consumers: fails messages whose application_id is in FAIL_IDS (all: FAIL_ALL=1).

Successful application ids are recorded in the table MARKER_TABLE (when set), so a test can see who
consumed what.
"""

import json
import os

import boto3


def lambda_handler(event, context):
    fail_ids = {value for value in os.environ.get("FAIL_IDS", "").split(",") if value}
    fail_all = os.environ.get("FAIL_ALL") == "1"
    table = os.environ.get("MARKER_TABLE")
    failures = []
    for record in event["Records"]:
        try:
            application_id = json.loads(record["body"]).get("application_id", "")
        except ValueError:
            application_id = ""
        if fail_all or application_id in fail_ids:
            failures.append({"itemIdentifier": record["messageId"]})
        elif table:
            boto3.client("dynamodb").put_item(
                TableName=table,
                Item={"application_id": {"S": application_id}, "consumer": {"S": os.environ["CONSUMER"]}},
            )
    return {"batchItemFailures": failures}
