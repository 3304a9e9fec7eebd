"""``arn:aws:states:::states:startExecution`` (plain, ``.sync``, ``.sync:2``) run a child execution.

AWS, "Start a new AWS Step Functions state machine from a running execution"
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-nested-workflows.html) and "Integrating
Step Functions with other services" (``.sync`` / ``.sync:2``): the task takes the StartExecution
parameters in their API spelling (``StateMachineArn``, ``Input``, ``Name``); the plain pattern returns
``ExecutionArn`` and ``StartDate`` at once; ``.sync`` waits for the child and returns its
DescribeExecution with ``Output`` as JSON text, ``.sync:2`` with ``Output`` parsed as JSON; a child that
fails, times out or is aborted fails the task with ``States.TaskFailed`` (the cause holds the child's
description, its error and cause included), which the parent's Retry and Catch handle. The child has its
own execution history, so its own history quota.

moto 5.2.5 has all of this in its port of the LocalStack engine except the two hooks that turn the
parameters into boto3's spelling (``stateMachineArn``) and the answer back into the API's (``Output``),
which it stubs out: every pattern ended in ``States.Runtime``. They are filled in here, as for the
``aws-sdk:`` tasks (see ``sfn_aws_sdk``).

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py):
``StateTaskServiceSfn._normalise_parameters(parameters, boto_service_name, service_action_name)`` (moto's
own turns a JSON ``Input`` into text, then calls the stubbed base hook) and the base hooks'
``_normalise_response(response, boto_service_name, service_action_name)``, called with
``service_action_name="describe_execution"`` by the ``.sync`` resolvers; ``_get_boto_service_name``,
``_get_boto_service_action``, ``_to_boto_request``, ``_from_boto_response``.
"""

from __future__ import annotations

from typing import Any

from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import (
    StateTaskServiceSfn,
)

from embedded_aws.moto_internals.patching import PatchSet
from embedded_aws.moto_internals.sfn_aws_sdk import operation_model, timestamps_to_text


def _operation_of(task: Any, service_action_name: str | None) -> Any:
    return operation_model(task._get_boto_service_name(), task._get_boto_service_action(service_action_name))


def install(patches: PatchSet) -> None:
    original_parameters = StateTaskServiceSfn._normalise_parameters

    def normalise_parameters(
        self: StateTaskServiceSfn,
        parameters: dict[str, Any],
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        original_parameters(self, parameters, boto_service_name, service_action_name)
        operation = _operation_of(self, service_action_name)
        if operation is not None and operation.input_shape is not None:
            self._to_boto_request(parameters, operation.input_shape)

    def normalise_response(
        self: StateTaskServiceSfn,
        response: Any,
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        operation = _operation_of(self, service_action_name)
        if operation is not None and operation.output_shape is not None:
            self._from_boto_response(response, operation.output_shape)
        timestamps_to_text(response)

    patches.replace(StateTaskServiceSfn, "_normalise_parameters", normalise_parameters)
    patches.replace(StateTaskServiceSfn, "_normalise_response", normalise_response)
