"""``arn:aws:states:::aws-sdk:*`` tasks with AWS's parameter and response spelling.

On AWS these integrations take and return the names of the Java SDK v2 (``"Uuid"`` for
``lambda:updateEventSourceMapping``, ``"SseDescription"``), while moto's port of the LocalStack engine
hands the parameters to boto3 verbatim (boto3 wants ``"UUID"``) and returns boto3's names (and
datetimes, which then break ``DescribeExecution``). The engine
already carries LocalStack's shape-driven converters (``_to_boto_request`` / ``_from_boto_response``);
moto only stubbed out the two hooks that call them, so they are filled in here for the aws-sdk task.
One definition then runs unchanged on AWS and locally.

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py):
``StateTaskServiceAwsSdk`` and its
``_normalise_parameters`` / ``_normalise_response`` hooks, ``_get_boto_service_name``,
``_get_boto_service_action``, ``_to_boto_request``, ``_from_boto_response``.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

import botocore.session
from botocore.model import OperationModel
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (
    StateTaskServiceAwsSdk,
)
from moto.stepfunctions.parser.utils import camel_to_snake_case

from embedded_aws.moto_internals.patching import PatchSet


@functools.cache
def _botocore_session() -> botocore.session.Session:
    return botocore.session.get_session()


@functools.cache
def operation_model(service_name: str, action_snake: str) -> OperationModel | None:
    try:
        model = _botocore_session().get_service_model(service_name)
    except Exception:
        return None
    for name in model.operation_names:
        if camel_to_snake_case(name) == action_snake:
            return model.operation_model(name)
    return None


def _operation_for(task: Any) -> OperationModel | None:
    return operation_model(task._get_boto_service_name(), task._get_boto_service_action())


def _normalise_parameters(
    self: Any,
    parameters: dict[str, Any],
    boto_service_name: str | None = None,
    service_action_name: str | None = None,
) -> None:
    operation = _operation_for(self)
    if operation is not None and operation.input_shape is not None:
        self._to_boto_request(parameters, operation.input_shape)


def _normalise_response(
    self: Any,
    response: Any,
    boto_service_name: str | None = None,
    service_action_name: str | None = None,
) -> None:
    operation = _operation_for(self)
    if operation is not None and operation.output_shape is not None:
        self._from_boto_response(response, operation.output_shape)
    timestamps_to_text(response)


def timestamps_to_text(value: Any) -> Any:
    """boto3 parses timestamps into datetimes, which the execution history cannot serialise.

    Step Functions hands them to the next state as ISO-8601 text; do the same, in place.
    """
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = timestamps_to_text(item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            value[index] = timestamps_to_text(item)
    return value


def install(patches: PatchSet) -> None:
    patches.replace(StateTaskServiceAwsSdk, "_normalise_parameters", _normalise_parameters)
    patches.replace(StateTaskServiceAwsSdk, "_normalise_response", _normalise_response)
