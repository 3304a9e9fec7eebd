"""aws:cloudwatch/eventRule and aws:cloudwatch/eventTarget (EventBridge rules and their targets).

Ids as the AWS provider sets them: a rule's id is its name (``<bus>/<name>`` on a custom bus); a
target's is ``<rule>-<targetId>`` (``<bus>/<rule>/<targetId>`` on a custom bus).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from embedded_aws.stack_deploy.adapters.base import (
    CreateResult,
    DeployContext,
    physical_name,
    tag_list,
    without_none,
)

_DEFAULT_BUS = "default"


def _bus(inputs: dict[str, Any]) -> str:
    return str(inputs.get("eventBusName") or _DEFAULT_BUS)


def _state(inputs: dict[str, Any]) -> str:
    if inputs.get("state"):
        return str(inputs["state"])
    return "DISABLED" if inputs.get("isEnabled") is False else "ENABLED"


def event_rule(ctx: DeployContext, name: str, inputs: dict[str, Any]) -> CreateResult:
    rule_name = physical_name(inputs, name)
    bus = _bus(inputs)
    arn = ctx.client("events").put_rule(
        **without_none(
            {
                "Name": rule_name,
                "EventPattern": inputs.get("eventPattern"),
                "ScheduleExpression": inputs.get("scheduleExpression"),
                "Description": inputs.get("description"),
                "RoleArn": inputs.get("roleArn"),
                "State": _state(inputs),
                "EventBusName": bus,
                "Tags": tag_list(inputs.get("tags")) or None,
            }
        )
    )["RuleArn"]
    rule_id = rule_name if bus == _DEFAULT_BUS else f"{bus}/{rule_name}"
    return rule_id, {**inputs, "name": rule_name, "arn": arn, "eventBusName": bus}


def _input_transformer(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if not value:
        return None
    return without_none(
        {"InputTemplate": value.get("inputTemplate"), "InputPathsMap": value.get("inputPaths")}
    )


def event_target(ctx: DeployContext, name: str, inputs: dict[str, Any]) -> CreateResult:
    target_id = str(inputs.get("targetId") or f"{name}-{secrets.token_hex(4)}")
    bus = _bus(inputs)
    rule = str(inputs["rule"])
    target = without_none(
        {
            "Id": target_id,
            "Arn": inputs["arn"],
            "RoleArn": inputs.get("roleArn"),
            "Input": inputs.get("input"),
            "InputPath": inputs.get("inputPath"),
            "InputTransformer": _input_transformer(inputs.get("inputTransformer")),
            "SqsParameters": {"MessageGroupId": inputs["sqsTarget"]["messageGroupId"]}
            if inputs.get("sqsTarget")
            else None,
        }
    )
    response = ctx.client("events").put_targets(Rule=rule, EventBusName=bus, Targets=[target])
    if response.get("FailedEntryCount"):
        raise RuntimeError(f"event target {name!r} was refused: {json.dumps(response['FailedEntries'])}")
    resource_id = f"{rule}-{target_id}" if bus == _DEFAULT_BUS else f"{bus}/{rule}/{target_id}"
    return resource_id, {**inputs, "targetId": target_id, "eventBusName": bus}
