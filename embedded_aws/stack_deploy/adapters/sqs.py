"""aws:sqs/* resources."""

from __future__ import annotations

from typing import Any

from embedded_aws.stack_deploy.adapters.base import CreateResult, DeployContext, physical_name

# Pulumi input -> SQS queue attribute.
_QUEUE_ATTRIBUTES = {
    "visibilityTimeoutSeconds": "VisibilityTimeout",
    "messageRetentionSeconds": "MessageRetentionPeriod",
    "delaySeconds": "DelaySeconds",
    "maxMessageSize": "MaximumMessageSize",
    "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "redrivePolicy": "RedrivePolicy",
    "redriveAllowPolicy": "RedriveAllowPolicy",
    "policy": "Policy",
    "sqsManagedSseEnabled": "SqsManagedSseEnabled",
    "kmsMasterKeyId": "KmsMasterKeyId",
    "kmsDataKeyReusePeriodSeconds": "KmsDataKeyReusePeriodSeconds",
    "fifoQueue": "FifoQueue",
    "contentBasedDeduplication": "ContentBasedDeduplication",
    "deduplicationScope": "DeduplicationScope",
    "fifoThroughputLimit": "FifoThroughputLimit",
}


def _attribute_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def queue(ctx: DeployContext, name: str, inputs: dict[str, Any]) -> CreateResult:
    queue_name = physical_name(inputs, name, max_length=80)
    if inputs.get("fifoQueue") and not queue_name.endswith(".fifo"):
        queue_name = f"{queue_name[:75]}.fifo"
    attributes = {
        attribute: _attribute_value(inputs[key])
        for key, attribute in _QUEUE_ATTRIBUTES.items()
        if inputs.get(key) not in (None, "")
    }
    sqs = ctx.client("sqs")
    url = sqs.create_queue(QueueName=queue_name, Attributes=attributes, tags=inputs.get("tags") or {})[
        "QueueUrl"
    ]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    outputs = {
        **inputs,
        "name": queue_name,
        "arn": arn,
        "url": url,
    }
    return url, outputs


def queue_policy(ctx: DeployContext, name: str, inputs: dict[str, Any]) -> CreateResult:
    ctx.client("sqs").set_queue_attributes(
        QueueUrl=inputs["queueUrl"], Attributes={"Policy": inputs["policy"]}
    )
    return inputs["queueUrl"], dict(inputs)


def redrive_allow_policy(ctx: DeployContext, name: str, inputs: dict[str, Any]) -> CreateResult:
    ctx.client("sqs").set_queue_attributes(
        QueueUrl=inputs["queueUrl"], Attributes={"RedriveAllowPolicy": inputs["redriveAllowPolicy"]}
    )
    return inputs["queueUrl"], dict(inputs)
