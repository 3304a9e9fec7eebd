"""aws:sns/* resources."""

from __future__ import annotations

from typing import Any

from embedded_aws.stack_deploy.adapters.base import CreateResult, DeployContext, physical_name, tag_list

_TOPIC_ATTRIBUTES = {
    "kmsMasterKeyId": "KmsMasterKeyId",
    "displayName": "DisplayName",
    "policy": "Policy",
    "deliveryPolicy": "DeliveryPolicy",
    "fifoTopic": "FifoTopic",
    "contentBasedDeduplication": "ContentBasedDeduplication",
}


def topic(ctx: DeployContext, name: str, inputs: dict[str, Any]) -> CreateResult:
    topic_name = physical_name(inputs, name, max_length=256)
    attributes = {
        attribute: str(inputs[key]).lower() if isinstance(inputs[key], bool) else str(inputs[key])
        for key, attribute in _TOPIC_ATTRIBUTES.items()
        if inputs.get(key) not in (None, "")
    }
    arn = ctx.client("sns").create_topic(
        Name=topic_name, Attributes=attributes, Tags=tag_list(inputs.get("tags"))
    )["TopicArn"]
    return arn, {**inputs, "name": topic_name, "arn": arn, "owner": ctx.account_id}


def topic_subscription(ctx: DeployContext, name: str, inputs: dict[str, Any]) -> CreateResult:
    arn = ctx.client("sns").subscribe(
        TopicArn=inputs["topic"],
        Protocol=inputs["protocol"],
        Endpoint=inputs["endpoint"],
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    return arn, {**inputs, "arn": arn, "ownerId": ctx.account_id}
