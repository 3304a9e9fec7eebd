"""The process a local Lambda worker runs: import the handler once, then serve invocations one by one.

The runner starts it with ``runpy.run_path`` (see worker.py), the unpacked archive as the working directory
and first on ``PYTHONPATH``, like ``/var/task`` on AWS; it must import nothing from the project. Channels:

- stdin: one JSON request per line ``{"request_id", "deadline_ms", "invoked_function_arn", "event"}``,
  optionally ``"exit_after_handler": true`` (fault injection: run the handler, then die before replying);
- the original stdout (kept on a private descriptor): one JSON line ``{"ready": true}`` or
  ``{"init_error": {...}}`` after the import, then one ``{"payload": str, "errored": bool}`` per request;
- descriptors 1 and 2 both point at the worker's log file (opened for append); the runner reads and
  empties it between invocations, so everything the handler prints, its logger included, is that
  invocation's log (the first one also gets what the import printed, as the INIT phase does on AWS).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    """The subset of the AWS Python runtime's context object that handlers and Powertools use."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.aws_request_id: str = request["request_id"]
        self.invoked_function_arn: str = request["invoked_function_arn"]
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        # The AWS runtime exposes the memory size as the string it reads from the environment.
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline_ms: int = request["deadline_ms"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._deadline_ms - time.time() * 1000))


def _error(error_type: str, message: str, exc: BaseException | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"errorMessage": message, "errorType": error_type}
    if exc is not None:
        body["stackTrace"] = traceback.format_list(traceback.extract_tb(exc.__traceback__))
    return body


def _load_handler() -> Any:
    module_path, _, function_name = os.environ["_HANDLER"].rpartition(".")
    module_name = module_path.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as exc:
        raise _InitError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}"
        ) from exc
    except ImportError as exc:
        raise _InitError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from exc
    handler = getattr(module, function_name, None)
    if handler is None:
        raise _InitError(
            "Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'"
        )
    return handler


class _InitError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def _invoke(handler: Any, request: dict[str, Any]) -> dict[str, Any]:
    context = LambdaContext(request)
    try:
        result = handler(request["event"], context)
    except Exception as exc:
        # Same shape and log line as the AWS Python runtime, so Step Functions sees the error type.
        print(f"[ERROR] {type(exc).__name__}: {exc}", file=sys.stderr)
        traceback.print_exc()
        body = _error(type(exc).__name__, str(exc), exc)
        body["requestId"] = context.aws_request_id
        return {"payload": json.dumps(body), "errored": True}
    try:
        return {"payload": json.dumps(result), "errored": False}
    except (TypeError, ValueError) as exc:
        message = f"Unable to marshal response: {exc}"
        print(f"[ERROR] Runtime.MarshalError: {message}", file=sys.stderr)
        return {"payload": json.dumps(_error("Runtime.MarshalError", message)), "errored": True}


def main() -> None:
    # Keep the channel to the runner private, then send everything else the process prints to the log.
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)

    def reply(message: dict[str, Any]) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        channel.write(json.dumps(message) + "\n")
        channel.flush()

    try:
        handler = _load_handler()
    except _InitError as exc:
        print(f"[ERROR] {exc.error_type}: {exc}", file=sys.stderr)
        reply({"init_error": _error(exc.error_type, str(exc))})
        return
    except Exception as exc:
        traceback.print_exc()
        reply({"init_error": _error(type(exc).__name__, str(exc), exc)})
        return
    reply({"ready": True})

    for line in sys.stdin:
        request = json.loads(line)
        outcome = _invoke(handler, request)
        if request.get("exit_after_handler"):
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(1)
        reply(outcome)


if __name__ == "__main__":
    main()
