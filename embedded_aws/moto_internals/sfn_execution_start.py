"""``StartExecution`` as AWS answers it: a generated name when none is given, the input quota enforced.

AWS, StartExecution API reference
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html): ``name`` is
optional ("If you don't provide a name for the execution, Step Functions automatically generates a
universally unique identifier (UUID) as the execution name"); ``input`` has "Maximum length of 262144"
bytes in UTF-8, and a request breaking a length constraint is refused with ``ValidationException``.
moto 5.2.5 names an unnamed execution ``None`` (its ARN ends ``:None``, so a second one collides) and
accepts any input size.

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py):
``StepFunctionsParserBackend.start_execution(self, state_machine_arn, name, execution_input,
trace_header)``; ``moto.stepfunctions.exceptions.ValidationException(msg)``.
"""

from __future__ import annotations

import uuid
from typing import Any

from moto.stepfunctions.exceptions import ValidationException
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from embedded_aws.moto_internals.patching import PatchSet
from migration_runtime.aws_limits import STATES_MAX_PAYLOAD_BYTES


def check_input_size(execution_input: str | None) -> None:
    if execution_input is None:
        return
    size = len(execution_input.encode("utf-8"))
    if size > STATES_MAX_PAYLOAD_BYTES:
        raise ValidationException(
            "1 validation error detected: Value at 'input' failed to satisfy constraint: "
            f"Member must have length less than or equal to {STATES_MAX_PAYLOAD_BYTES}"
        )


def install(patches: PatchSet) -> None:
    original = StepFunctionsParserBackend.start_execution

    def start_execution(
        self: StepFunctionsParserBackend,
        state_machine_arn: str,
        name: str | None = None,
        execution_input: str | None = None,
        trace_header: str | None = None,
    ) -> Any:
        check_input_size(execution_input)
        return original(self, state_machine_arn, name or str(uuid.uuid4()), execution_input, trace_header)

    patches.replace(StepFunctionsParserBackend, "start_execution", start_execution)
