"""Lambda execution: moto's Docker-based invoke replaced by the local runner.

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py):
- ``LambdaFunction._invoke_lambda(self, event=None) -> (payload, errored, logs)``: the one method every
  invocation path ends in (the Invoke API, the Step Functions ``lambda:invoke`` and function-ARN tasks).
- ``LambdaBackend.invoke(self, function_name, qualifier, body, headers, response_headers)``: wrapped so
  that ``InvocationType=Event`` is asynchronous, and to tell where the invocation came from: moto's
  Step Functions engine signs its requests with the access key ``"ak"``
  (``moto.stepfunctions.parser.asl.utils.boto_client.boto_client_for``); ``headers`` are the request's.
- ``LambdaFunction`` attributes: function_name, function_arn, handler, run_time, timeout, memory_size,
  environment_vars, code_sha_256, code_bytes, region, account_id, logs_group_name.
- ``moto.awslambda.utils.get_backend(account, region).get_function(name_or_arn)``.
- ``moto.logs.models.logs_backends[account][region]``: ensure_log_group, ensure_log_stream, put_log_events,
  ``groups[group].streams[stream]`` with ``events`` (a list, oldest first, of events with ``message``)
  and ``stored_bytes``.
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.awslambda.utils import get_backend as get_lambda_backend
from moto.logs.models import logs_backends

from embedded_aws.invocation_counter import InvocationCounter, InvocationPath
from embedded_aws.lambda_runtime.runner import LambdaRunner
from embedded_aws.lambda_runtime.spec import FunctionSpec, InvocationResult
from embedded_aws.moto_internals.patching import PatchSet

_LOG_LOCK = threading.Lock()
# The access key of the clients moto's Step Functions engine calls the other services with.
STEP_FUNCTIONS_ENGINE_ACCESS_KEY = "ak"
_SFN_CREDENTIAL = re.compile(r"Credential=" + STEP_FUNCTIONS_ENGINE_ACCESS_KEY + "/")
# Set around moto's invoke while it runs: the path of the invocation it is serving.
_INVOKING = threading.local()


def function_spec(function: Any, log_group_override: Callable[[str], str | None]) -> FunctionSpec:
    """A plain description of a moto ``LambdaFunction`` for the runner."""
    return FunctionSpec(
        name=function.function_name,
        arn=function.function_arn,
        handler=function.handler or "",
        runtime=function.run_time or "python3.11",
        timeout_seconds=float(function.timeout),
        memory_mb=int(function.memory_size),
        environment={str(k): str(v) for k, v in (function.environment_vars or {}).items()},
        code_sha256=function.code_sha_256,
        region=function.region,
        version="$LATEST",
        log_group_name=log_group_override(function.function_name) or function.logs_group_name,
        code_bytes=lambda: function.code_bytes,
    )


def find_function(account_id: str, region: str, name_or_arn: str) -> Any:
    return get_lambda_backend(account_id, region).get_function(name_or_arn)


# Log events kept per log stream (each warm worker writes its own stream). CloudWatch keeps them for
# the group's retention; locally the newest are enough to read what happened, and keeping all of them
# cost ~1 KiB of the emulator's memory per migrated record (1.2 events of ~430 bytes each).
LOCAL_LOG_EVENTS_PER_STREAM = 10_000


class MotoLogSink:
    """Writes function logs straight into the emulator's CloudWatch Logs (no HTTP round trip), keeping
    the newest ``max_events_per_stream`` of each stream."""

    def __init__(
        self, account_id: str, region: str, max_events_per_stream: int = LOCAL_LOG_EVENTS_PER_STREAM
    ) -> None:
        self._account_id = account_id
        self._region = region
        self._max_events = max_events_per_stream

    def put(self, group: str, stream: str, messages: list[str]) -> None:
        backend = logs_backends[self._account_id][self._region]
        now = int(time.time() * 1000)
        events = [{"timestamp": now, "message": message} for message in messages]
        # moto's log streams are not thread safe (its own TODO says so).
        with _LOG_LOCK:
            backend.ensure_log_group(group)
            backend.ensure_log_stream(group, stream)
            backend.put_log_events(group, stream, events)
            stored = backend.groups[group].streams[stream]
            excess = len(stored.events) - self._max_events
            if excess > 0:
                stored.stored_bytes -= sum(len(event.message) for event in stored.events[:excess])
                del stored.events[:excess]


class LambdaExecution:
    """Routes every moto invocation to ``runner``, counting it; one instance per running emulator."""

    def __init__(
        self,
        runner: LambdaRunner,
        log_group_override: Callable[[str], str | None] = lambda _name: None,
        counter: InvocationCounter | None = None,
    ) -> None:
        self.runner = runner
        self._log_group_override = log_group_override
        self.counter = counter if counter is not None else InvocationCounter()

    def spec_for(self, function: Any) -> FunctionSpec:
        return function_spec(function, self._log_group_override)

    def invoke(self, function: Any, event: Any, path: InvocationPath) -> InvocationResult:
        self.counter.record(function.function_name, path)
        return self.runner.invoke(self.spec_for(function), event)

    def install(self, patches: PatchSet) -> None:
        execution = self

        def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
            # moto passes the parsed request body, or the string "{}" when the body was empty.
            if event is None or event == "{}":
                event = {}
            result = execution.invoke(self, event, getattr(_INVOKING, "path", InvocationPath.OTHER))
            return result.payload, result.errored, result.logs

        patches.replace(LambdaFunction, "_invoke_lambda", _invoke_lambda)
        patches.replace(
            LambdaBackend, "invoke", _asynchronous_event_invocations(vars(LambdaBackend)["invoke"])
        )


def invocation_path(headers: Mapping[str, str]) -> InvocationPath:
    """Where an ``Invoke`` request came from: moto's Step Functions engine, or anyone else."""
    authorization = headers.get("Authorization") or ""
    return InvocationPath.SFN if _SFN_CREDENTIAL.search(authorization) else InvocationPath.API


@contextlib.contextmanager
def _invoking(path: InvocationPath) -> Iterator[None]:
    outer = getattr(_INVOKING, "path", None)
    _INVOKING.path = path
    try:
        yield
    finally:
        if outer is None:
            del _INVOKING.path
        else:
            _INVOKING.path = outer


def _asynchronous_event_invocations(original: Callable[..., Any]) -> Callable[..., Any]:
    """``InvocationType=Event`` returns at once (202) and runs in the background, as on AWS.

    moto runs every invocation synchronously, which would hold the caller for the whole run.
    """

    @functools.wraps(original)
    def invoke(
        self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
    ) -> Any:
        path = invocation_path(headers)
        if headers.get("X-Amz-Invocation-Type") != "Event":
            with _invoking(path):
                return original(self, function_name, qualifier, body, headers, response_headers)
        self.get_function(function_name, qualifier)  # an unknown function still fails synchronously

        def run_in_background() -> None:
            with _invoking(path):
                original(self, function_name, qualifier, body, {"X-Amz-Invocation-Type": "Event"}, {})

        threading.Thread(target=run_in_background, name=f"lambda-event-{function_name}", daemon=True).start()
        response_headers["Content-Length"] = "0"
        return b""

    return invoke
