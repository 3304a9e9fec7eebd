"""aws:sfn/stateMachine:StateMachine."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from embedded_aws.stack_deploy.adapters.base import CreateResult, DeployContext, physical_name, tag_list


def _logging(config: dict[str, Any] | None) -> dict[str, Any] | None:
    if not config:
        return None
    logging: dict[str, Any] = {
        "level": config.get("level", "OFF"),
        "includeExecutionData": bool(config.get("includeExecutionData", False)),
    }
    if config.get("logDestination"):
        logging["destinations"] = [{"cloudWatchLogsLogGroup": {"logGroupArn": config["logDestination"]}}]
    return logging


def state_machine(ctx: DeployContext, name: str, inputs: dict[str, Any]) -> CreateResult:
    machine_name = physical_name(inputs, name, max_length=80)
    request: dict[str, Any] = {
        "name": machine_name,
        "definition": inputs["definition"],
        "roleArn": inputs["roleArn"],
        "type": inputs.get("type") or "STANDARD",
    }
    logging = _logging(inputs.get("loggingConfiguration"))
    if logging:
        request["loggingConfiguration"] = logging
    if inputs.get("tracingConfiguration"):
        request["tracingConfiguration"] = {"enabled": bool(inputs["tracingConfiguration"].get("enabled"))}
    if inputs.get("tags"):
        request["tags"] = tag_list(inputs["tags"], key="key", value="value")
    created = ctx.client("stepfunctions").create_state_machine(**request)
    creation = created.get("creationDate")
    outputs = {
        **inputs,
        "name": machine_name,
        "arn": created["stateMachineArn"],
        "status": "ACTIVE",
        "creationDate": creation.astimezone(UTC).isoformat() if isinstance(creation, datetime) else "",
        "revisionId": "",
        "stateMachineVersionArn": "",
    }
    return created["stateMachineArn"], outputs
