"""A team's existing onboarding service, deployed on its own (not part of the migration stack).

The migration stack adopts it by its ids (`existingIntakeQueueArn`, `existingLegacyTableName`,
`existingLegacyMappingUuid`): this program owns these resources, the migration stack only refers to them.
The legacy consumer is the repository's own `functions/legacy_intake` (with the runtime and the onboarding
record mapping it imports), standing in for the team's consumer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pulumi_aws as aws

REPOSITORY = Path(__file__).resolve().parents[2]
CONSUMER_TIMEOUT_SECONDS = 30
# The environment the legacy consumer reads (migration_runtime/settings.py).
LEGACY_TABLE_NAME, INTAKE_DLQ_URL, RECORD_MAPPING = "LEGACY_TABLE_NAME", "INTAKE_DLQ_URL", "RECORD_MAPPING"

config = pulumi.Config()
visibility_timeout = config.get_int("visibilityTimeoutSeconds") or 6 * CONSUMER_TIMEOUT_SECONDS
with_dead_letter_queue = config.get_bool("deadLetterQueue")
with_dead_letter_queue = True if with_dead_letter_queue is None else with_dead_letter_queue
max_receive_count = config.get_int("maxReceiveCount") or 3
layer = config.get("powertoolsLayerArn")

# The consumer's rejections (malformed messages) and, with the redrive policy, what keeps failing.
dead_letters = aws.sqs.Queue("intake-dlq", message_retention_seconds=14 * 24 * 3600)
intake = aws.sqs.Queue(
    "intake",
    visibility_timeout_seconds=visibility_timeout,
    redrive_policy=dead_letters.arn.apply(
        lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": max_receive_count})
    )
    if with_dead_letter_queue
    else None,
)
table = aws.dynamodb.Table(
    "applications",
    billing_mode="PAY_PER_REQUEST",
    hash_key="application_id",
    attributes=[aws.dynamodb.TableAttributeArgs(name="application_id", type="S")],
    stream_enabled=True,
    stream_view_type="NEW_AND_OLD_IMAGES",
)

role = aws.iam.Role(
    "legacy-consumer-role",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    ),
)
aws.iam.RolePolicy(
    "legacy-consumer-access",
    role=role.id,
    policy=pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": [table.arn]},
                {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [dead_letters.arn]},
                {
                    "Effect": "Allow",
                    "Action": [
                        "sqs:ReceiveMessage",
                        "sqs:DeleteMessage",
                        "sqs:GetQueueAttributes",
                        "sqs:ChangeMessageVisibility",
                    ],
                    "Resource": [intake.arn],
                },
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": "*",
                },
            ],
        }
    ),
)
consumer = aws.lambda_.Function(
    "legacy-consumer",
    runtime="python3.12",
    handler="handler.lambda_handler",
    role=role.arn,
    timeout=CONSUMER_TIMEOUT_SECONDS,
    memory_size=256,
    code=pulumi.AssetArchive(
        {
            "handler.py": pulumi.FileAsset(str(REPOSITORY / "functions" / "legacy_intake" / "handler.py")),
            "migration_runtime": pulumi.FileArchive(str(REPOSITORY / "migration_runtime")),
            "record_mappings/__init__.py": pulumi.FileAsset(
                str(REPOSITORY / "record_mappings" / "__init__.py")
            ),
            "record_mappings/onboarding": pulumi.FileArchive(
                str(REPOSITORY / "record_mappings" / "onboarding")
            ),
        }
    ),
    layers=[layer] if layer else None,
    environment=aws.lambda_.FunctionEnvironmentArgs(
        variables={
            LEGACY_TABLE_NAME: table.name,
            INTAKE_DLQ_URL: dead_letters.url,
            RECORD_MAPPING: "onboarding",
        }
    ),
)
mapping = aws.lambda_.EventSourceMapping(
    "legacy-consumer-intake",
    event_source_arn=intake.arn,
    function_name=consumer.arn,
    batch_size=10,
    enabled=True,
    function_response_types=["ReportBatchItemFailures"],
)

pulumi.export("intake_queue_arn", intake.arn)
pulumi.export("intake_queue_url", intake.url)
pulumi.export("intake_dlq_url", dead_letters.url)
pulumi.export("legacy_table_name", table.name)
pulumi.export("legacy_table_arn", table.arn)
pulumi.export("legacy_function_arn", consumer.arn)
pulumi.export("legacy_mapping_uuid", mapping.uuid)
