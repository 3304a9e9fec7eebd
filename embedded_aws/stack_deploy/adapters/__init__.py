"""One small adapter per Pulumi resource type the stack uses, looked up by type token."""

from __future__ import annotations

from embedded_aws.stack_deploy.adapters import cloudwatch, dynamodb, events, iam, lambda_, sfn, sns, sqs
from embedded_aws.stack_deploy.adapters.base import Adapter, CreateResult, DeployContext

ADAPTERS: dict[str, Adapter] = {
    "aws:sqs/queue:Queue": sqs.queue,
    "aws:sqs/queuePolicy:QueuePolicy": sqs.queue_policy,
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": sqs.redrive_allow_policy,
    "aws:sns/topic:Topic": sns.topic,
    "aws:sns/topicSubscription:TopicSubscription": sns.topic_subscription,
    "aws:cloudwatch/logGroup:LogGroup": cloudwatch.log_group,
    "aws:cloudwatch/metricAlarm:MetricAlarm": cloudwatch.metric_alarm,
    "aws:cloudwatch/dashboard:Dashboard": cloudwatch.dashboard,
    "aws:cloudwatch/eventRule:EventRule": events.event_rule,
    "aws:cloudwatch/eventTarget:EventTarget": events.event_target,
    "aws:dynamodb/table:Table": dynamodb.table,
    "aws:iam/role:Role": iam.role,
    "aws:iam/rolePolicy:RolePolicy": iam.role_policy,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": iam.role_policy_attachment,
    "aws:lambda/function:Function": lambda_.function,
    "aws:lambda/eventSourceMapping:EventSourceMapping": lambda_.event_source_mapping,
    "aws:lambda/permission:Permission": lambda_.permission,
    "aws:sfn/stateMachine:StateMachine": sfn.state_machine,
}


class UnsupportedResourceType(NotImplementedError):
    def __init__(self, type_token: str, name: str) -> None:
        supported = ", ".join(sorted(ADAPTERS))
        super().__init__(
            f"resource {name!r} has type {type_token}, which the embedded local runtime cannot create; "
            f"add an adapter in embedded_aws/stack_deploy/adapters (supported: {supported})"
        )
        self.type_token = type_token


def adapter_for(type_token: str, name: str) -> Adapter:
    adapter = ADAPTERS.get(type_token)
    if adapter is None:
        raise UnsupportedResourceType(type_token, name)
    return adapter


__all__ = ["ADAPTERS", "Adapter", "CreateResult", "DeployContext", "UnsupportedResourceType", "adapter_for"]
