"""Step Functions errors that no ``States.ALL`` catches, and the 256 KiB payload quota, as on AWS.

AWS, "Handling errors in Step Functions workflows"
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html):

- ``States.ALL`` "can't catch the ``States.DataLimitExceeded`` terminal error type and runtime error
  types". ``States.DataLimitExceeded`` is caught only by a Retrier or Catcher that names it.
- ``States.Runtime`` "isn't retriable, and will always cause the execution to fail. A retry or catch on
  ``States.ALL`` won't catch ``States.Runtime`` errors": no Retrier or Catcher matches it, named or not.

moto 5.2.5 lets ``States.ALL`` match everything, so a local run rolled back where AWS stops dead. It
also rebuilt the error of a failed Parallel branch or Map iteration with ``CustomErrorName``, which
refuses any ``States.`` name: a branch failing with ``States.TaskFailed`` or ``States.Timeout`` turned
into ``States.Runtime``. Both are fixed here.

Payload quota (AWS, "Step Functions service quotas": 256 KiB per state input or output; the
StartExecution API reference: ``input`` "Maximum length of 262144" bytes in UTF-8): moto refuses a
payload of exactly 262,144 bytes (it compares with ``<``); the quota is made inclusive, and an execution
input over it is refused by ``StartExecution`` with ``ValidationException``.

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py):
``ErrorEqualsDecl._eval_body`` (pops an ``ErrorName`` from ``env.stack``, pushes a bool) and its
``error_names``; the module global ``CustomErrorName`` of ``branches_decl`` and ``iteration_worker``;
``StatesErrorName`` / ``StatesErrorNameType.from_name``; ``quotas.MAX_STATE_SIZE_UTF8_BYTES`` (read
by ``quotas.is_within_size_quota`` as ``len < MAX``).
"""

from __future__ import annotations

from typing import Any

from moto.stepfunctions.parser import quotas
from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import ErrorEqualsDecl
from moto.stepfunctions.parser.asl.component.common.error_name.error_name import ErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import iteration_worker
from moto.stepfunctions.parser.asl.component.state.exec.state_parallel import branches_decl

from embedded_aws.moto_internals.patching import PatchSet
from migration_runtime.aws_limits import STATES_MAX_PAYLOAD_BYTES

DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
RUNTIME = "States.Runtime"
_STATES_PREFIX = "States."


class _ReportedErrorName(ErrorName):
    """An error name as a state reported it (``States.`` names included), compared by name."""


def reported_error_name(error_name: str | None) -> ErrorName:
    """The error name a failed branch or iteration hands to its Parallel or Map state.

    A ``States.`` name keeps its meaning (``States.Runtime`` stays uncatchable, ``States.TaskFailed``
    stays catchable), so it is built as the built-in name, never refused.
    """
    if error_name is not None and error_name.startswith(_STATES_PREFIX):
        try:
            return StatesErrorName(typ=StatesErrorNameType.from_name(error_name))
        except ValueError:
            return _ReportedErrorName(error_name=error_name)
    return _ReportedErrorName(error_name=error_name)


def terminal_error_matches(listed: list[str | None], error: str) -> bool:
    """Does an ``ErrorEquals`` list match ``States.Runtime`` (never) or ``States.DataLimitExceeded``
    (only by name)?"""
    return error == DATA_LIMIT_EXCEEDED and DATA_LIMIT_EXCEEDED in listed


_original_eval_body = ErrorEqualsDecl._eval_body


def _eval_body(self: ErrorEqualsDecl, env: Any) -> None:
    error_name: ErrorName | None = env.stack[-1]
    error = error_name.error_name if error_name is not None else None
    if error in (RUNTIME, DATA_LIMIT_EXCEEDED):
        env.stack.pop()
        env.stack.append(terminal_error_matches([name.error_name for name in self.error_names], error))
        return
    # Every other error keeps moto's rules (States.ALL, States.TaskFailed for non-States errors, names).
    _original_eval_body(self, env)


def install(patches: PatchSet) -> None:
    patches.replace(ErrorEqualsDecl, "_eval_body", _eval_body)
    patches.replace(branches_decl, "CustomErrorName", reported_error_name)
    patches.replace(iteration_worker, "CustomErrorName", reported_error_name)
    # moto fails a payload when len >= its constant; AWS allows exactly the quota.
    patches.replace(quotas, "MAX_STATE_SIZE_UTF8_BYTES", STATES_MAX_PAYLOAD_BYTES + 1)
