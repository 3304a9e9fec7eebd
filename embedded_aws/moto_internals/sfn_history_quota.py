"""A Standard execution fails when its history reaches the quota (25,000 events on AWS).

AWS, "Step Functions service quotas" (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html):
"Maximum execution history size: 25,000 events in a single state machine execution history. If the
execution history reaches this quota the execution fails." No Catch can turn that into a rollback; a
child execution (``states:startExecution``) has a history, and so a budget, of its own. The quota is a
constructor option of the runtime so that a test can reach it with a small number.

moto records the same history events AWS counts (ExecutionStarted, every state entered / exited, task
scheduled / started / succeeded / failed, Map and Parallel iteration events, retries...), in the
execution's one ``EventManager`` (shared by the frames of its Map iterations and Parallel branches), but
never stops an execution for it. Here, before each state is entered, an execution whose history already
holds the quota fails with ``States.Runtime`` (AWS documents no error name for this; ``States.Runtime``
is the one no Retry or Catch handles, which is what "the execution fails" means).

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py):
``ExecutionWorker._get_evaluation_environment()`` returning the ``Environment`` whose ``event_manager``
is shared with its frames; ``EventManager._history_event_list``; ``CommonStateField._eval_body(env)``
(entered for every state, Map and Parallel inner states included); ``FailureEvent`` /
``FailureEventException``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.stepfunctions.parser.api import ExecutionFailedEventDetails, HistoryEventType
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.state.state import CommonStateField
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

from embedded_aws.moto_internals.patching import PatchSet

_QUOTA_ATTRIBUTE = "_embedded_history_quota"


def history_quota_cause(quota: int) -> str:
    return f"The execution reached the maximum number of history events ({quota})."


def install(patches: PatchSet, quota: int | Callable[[], int]) -> None:
    """``quota``: the number, or a callable read as each execution starts (a test may lower it for a
    while on a running emulator)."""
    read_quota = quota if callable(quota) else (lambda: quota)
    if read_quota() < 1:
        raise ValueError(f"the history quota must be at least 1, got {read_quota()}")
    original_environment = ExecutionWorker._get_evaluation_environment
    original_eval_body = CommonStateField._eval_body

    def get_evaluation_environment(self: ExecutionWorker) -> Any:
        env = original_environment(self)
        setattr(env.event_manager, _QUOTA_ATTRIBUTE, read_quota())
        return env

    def eval_body(self: CommonStateField, env: Any) -> None:
        limit = getattr(env.event_manager, _QUOTA_ATTRIBUTE, None)
        if limit is not None and len(env.event_manager._history_event_list) >= limit:
            error = StatesErrorNameType.StatesRuntime
            raise FailureEventException(
                failure_event=FailureEvent(
                    env=env,
                    error_name=StatesErrorName(typ=error),
                    event_type=HistoryEventType.ExecutionFailed,
                    event_details=EventDetails(
                        executionFailedEventDetails=ExecutionFailedEventDetails(
                            error=error.to_name(), cause=history_quota_cause(limit)
                        )
                    ),
                )
            )
        original_eval_body(self, env)

    patches.replace(ExecutionWorker, "_get_evaluation_environment", get_evaluation_environment)
    patches.replace(CommonStateField, "_eval_body", eval_body)
