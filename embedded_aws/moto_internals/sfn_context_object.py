"""The context object's ``$$.Execution.StartTime`` as AWS gives it: ISO 8601 text, not a datetime.

AWS, "Accessing execution data from the Context object in Step Functions": ``Execution.StartTime`` is
"the date the execution is started", an ISO 8601 string such as ``2019-03-26T20:14:13.192Z``. moto 5.2.5
puts the execution's ``start_time`` datetime object there, so any state that passes
``$$.Execution.StartTime`` to a task (the migration records it in its run record) fails with "Object of
type datetime is not JSON serializable".

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py):
``ExecutionWorker._get_evaluation_environment(self) -> Environment`` whose
``states.context_object.context_object_data["Execution"]["StartTime"]`` holds the start time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

from embedded_aws.moto_internals.patching import PatchSet


def aws_timestamp(moment: datetime) -> str:
    """`2019-03-26T20:14:13.192Z`: UTC, milliseconds, a Z."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def install(patches: PatchSet) -> None:
    original = ExecutionWorker._get_evaluation_environment

    def _get_evaluation_environment(self: ExecutionWorker) -> Any:
        environment = original(self)
        execution = environment.states.context_object.context_object_data["Execution"]
        if isinstance(execution.get("StartTime"), datetime):
            execution["StartTime"] = aws_timestamp(execution["StartTime"])
        return environment

    patches.replace(ExecutionWorker, "_get_evaluation_environment", _get_evaluation_environment)
