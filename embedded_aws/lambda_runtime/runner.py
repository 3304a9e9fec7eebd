"""Runs Lambda invocations in warm worker processes, with the function's timeout enforced.

A timed-out, crashed or failed-to-start invocation is a function error with the payload the AWS Python
runtime would return; the worker involved is discarded and the runner keeps serving.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from embedded_aws.heap_tuning import MALLOC_ARENAS
from embedded_aws.lambda_runtime.code_cache import CodeCache
from embedded_aws.lambda_runtime.spec import FunctionSpec, InvocationResult
from embedded_aws.lambda_runtime.worker import Worker

# Local stand-in for the 10 s INIT phase of AWS: generous, as a loaded laptop imports slowly.
DEFAULT_INIT_TIMEOUT_SECONDS = 30.0
# Scheduling slack on top of the function timeout, so a handler that returns right at its limit is not
# reported as timed out because of the pipe round trip.
_REPLY_GRACE_SECONDS = 0.05
# The tail of the logs returned to a RequestResponse caller, as AWS's LogType=Tail does.
_LOG_TAIL_BYTES = 4096
# Warm workers are stopped after this long without work, as AWS reclaims idle execution environments:
# a burst does not leave its processes behind for good, and a function nobody calls (the legacy
# consumer while the migration runs) holds no memory. The next invocation starts cold again.
IDLE_WORKER_TTL_SECONDS = 60.0
# How often idle workers are looked at, at most (and at least a few times per TTL).
_REAP_INTERVAL_SECONDS = 5.0


def default_local_concurrency() -> int:
    """Concurrent executions per function on this machine: one per core, at least 2.

    AWS runs up to a mapping's MaximumConcurrency (or the Map state's) execution environments at once;
    on one machine each environment is a process of ~60 MiB, and all of them share the same few cores
    and the one emulator process they call, so beyond one per core more processes add memory, not
    throughput (benchmarks, 2 cores, 3,000 records: 2 per function 182 records/s with 7 workers,
    4 per function 158 with 11, 10 per function 157 with 17 workers and 1.5 GiB). Invocations beyond
    the cap wait for a free environment (on AWS a throttled invocation from an event source mapping or
    a Step Functions task is retried), so nothing is lost or failed.
    """
    return max(2, os.cpu_count() or 2)


class LogSink(Protocol):
    def put(self, group: str, stream: str, messages: list[str]) -> None: ...


@dataclass
class _Pool:
    spec: FunctionSpec
    code_dir: Path
    slots: threading.BoundedSemaphore
    idle: list[Worker] = field(default_factory=list)
    waiting: int = 0  # invocations waiting for a free slot
    retired: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


class LambdaRunner:
    def __init__(
        self,
        work_dir: Path,
        endpoint_url: str,
        log_sink: LogSink | None = None,
        max_idle_workers: int = 32,
        init_timeout_seconds: float = DEFAULT_INIT_TIMEOUT_SECONDS,
        idle_worker_ttl_seconds: float = IDLE_WORKER_TTL_SECONDS,
        max_concurrency_per_function: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``max_concurrency_per_function``: executions of one function at once (and so its worker
        processes); invocations beyond it wait for one to finish. Default: ``default_local_concurrency()``.
        ``clock``: seconds, for durations and idle times (tests pass one they move by hand); the function
        timeout is real time whatever the clock.
        """
        if max_concurrency_per_function is not None and max_concurrency_per_function < 1:
            raise ValueError(
                f"max_concurrency_per_function must be at least 1, got {max_concurrency_per_function}"
            )
        self.max_concurrency_per_function = max_concurrency_per_function or default_local_concurrency()
        self._endpoint_url = endpoint_url
        self._log_sink = log_sink
        self._max_idle = max_idle_workers
        self._idle_ttl = idle_worker_ttl_seconds
        self._clock = clock
        self._init_timeout = init_timeout_seconds
        self._code = CodeCache(work_dir / "code")
        self._log_dir = work_dir / "logs"
        (work_dir / "code").mkdir(parents=True, exist_ok=True)
        self._log_dir.mkdir(parents=True, exist_ok=True)
        self._pools: dict[tuple[str, ...], _Pool] = {}
        self._active_key: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()
        self._crashes_armed: dict[str, int] = {}
        self._closed = False
        self._reaper = threading.Thread(
            target=self._reap_idle_workers, name="lambda-idle-reaper", daemon=True
        )
        self._reaper_stop = threading.Event()
        self._reaper.start()

    # -- public -----------------------------------------------------------------------------------

    def invoke(self, spec: FunctionSpec, event: Any, invoked_arn: str | None = None) -> InvocationResult:
        pool = self._pool_for(spec)
        # Waiting for a free execution environment is part of neither the timeout nor the duration.
        with pool.lock:
            pool.waiting += 1
        try:
            pool.slots.acquire()
        finally:
            with pool.lock:
                pool.waiting -= 1
        try:
            return self._invoke_in(pool, spec, event, invoked_arn)
        finally:
            pool.slots.release()

    def crash_next_invocations(self, function_name: str, count: int = 1) -> None:
        """Test hook (fault injection): the next ``count`` invocations of the function kill their worker.

        Each such worker runs the handler to its end, then exits with status 1 before it replies, as an
        execution environment dies on AWS (out of memory, a killed process): whatever the handler did is
        done, but the caller gets ``Runtime.ExitError``, so a retry does it again. Deterministic: the
        crash is tied to the invocation, not to a moment.
        """
        with self._lock:
            self._crashes_armed[function_name] = self._crashes_armed.get(function_name, 0) + count

    def crashes_pending(self, function_name: str) -> int:
        """Armed crashes that no invocation has taken yet."""
        with self._lock:
            return self._crashes_armed.get(function_name, 0)

    def _take_armed_crash(self, function_name: str) -> bool:
        with self._lock:
            armed = self._crashes_armed.get(function_name, 0)
            if armed:
                self._crashes_armed[function_name] = armed - 1
            return armed > 0

    def _invoke_in(
        self,
        pool: _Pool,
        spec: FunctionSpec,
        event: Any,
        invoked_arn: str | None,
    ) -> InvocationResult:
        request_id = str(uuid.uuid4())
        started = self._clock()
        request = {
            "request_id": request_id,
            "invoked_function_arn": invoked_arn or spec.arn,
            "event": event,
        }
        if self._take_armed_crash(spec.name):
            request["exit_after_handler"] = True
        while True:
            worker, init_error = self._acquire(pool)
            if worker is None:
                assert init_error is not None
                return self._finish(spec, None, request_id, started, init_error, errored=True, logs="")
            # The timeout runs from the moment the handler gets the event (a cold start is not counted).
            request["deadline_ms"] = int(time.time() * 1000 + spec.timeout_seconds * 1000)
            if worker.send(request):
                break
            # The process died while idle: not this invocation's fault, take another one.
            self._release(pool, worker, reusable=False)
        reply = worker.wait(spec.timeout_seconds + _REPLY_GRACE_SECONDS)
        if reply.message is not None and "payload" in reply.message:
            logs = worker.take_logs()
            self._release(pool, worker, reusable=True)
            return self._finish(
                spec, worker, request_id, started, reply.message["payload"], reply.message["errored"], logs
            )
        # Timed out or the process died: the worker is gone either way.
        worker_logs = worker.take_logs()
        self._release(pool, worker, reusable=False)
        if reply.timed_out:
            message = f"Task timed out after {spec.timeout_seconds:.2f} seconds"
            worker_logs += f"{_utc_now()} {request_id} {message}\n"
            payload = _error_payload("Sandbox.Timedout", f"RequestId: {request_id} Error: {message}")
        else:
            status = reply.exit_code if reply.exit_code is not None else "unknown"
            message = f"Runtime exited with error: exit status {status}"
            worker_logs += f"RequestId: {request_id} Error: {message}\nRuntime.ExitError\n"
            payload = _error_payload("Runtime.ExitError", f"RequestId: {request_id} Error: {message}")
        return self._finish(spec, worker, request_id, started, payload, True, worker_logs)

    def prewarm(self, spec: FunctionSpec, count: int = 1) -> None:
        """Start workers in the background so the first invocations skip the cold start."""

        def warm() -> None:
            try:
                pool = self._pool_for(spec)
            except RuntimeError:
                return  # the runner was shut down meanwhile
            wanted = min(count, self.max_concurrency_per_function)
            # Start them side by side; taking them all before returning any makes `count` distinct ones.
            with ThreadPoolExecutor(
                max_workers=wanted, thread_name_prefix=f"lambda-prewarm-{spec.name}"
            ) as executor:
                started = list(executor.map(lambda _: self._acquire(pool)[0], range(wanted)))
            for worker in started:
                if worker is not None:
                    self._release(pool, worker, reusable=True)

        threading.Thread(target=warm, name=f"lambda-prewarm-{spec.name}", daemon=True).start()

    def worker_count(self, function_arn: str) -> int:
        """Idle warm workers of the function's current configuration (for tests and diagnostics)."""
        pool = self._active_pool(function_arn)
        if pool is None:
            return 0
        with pool.lock:
            return len(pool.idle)

    def waiting_invocations(self, function_arn: str) -> int:
        """Invocations of the function's current configuration waiting for a free execution environment
        (for tests and diagnostics)."""
        pool = self._active_pool(function_arn)
        if pool is None:
            return 0
        with pool.lock:
            return pool.waiting

    def shutdown(self) -> None:
        self._reaper_stop.set()
        with self._lock:
            self._closed = True
            pools = list(self._pools.values())
            self._pools.clear()
            self._active_key.clear()
        for pool in pools:
            self._retire(pool)

    # -- pools ------------------------------------------------------------------------------------

    def _active_pool(self, function_arn: str) -> _Pool | None:
        with self._lock:
            key = self._active_key.get(function_arn)
            return self._pools.get(key) if key else None

    def _pool_for(self, spec: FunctionSpec) -> _Pool:
        key = spec.pool_key
        retired: _Pool | None = None
        with self._lock:
            if self._closed:
                raise RuntimeError("the Lambda runner is shut down")
            pool = self._pools.get(key)
            if pool is None:
                previous = self._active_key.get(spec.arn)
                if previous is not None:
                    retired = self._pools.pop(previous, None)
                code_dir = self._code.directory_for(spec.code_sha256, spec.code_bytes)
                pool = self._pools[key] = _Pool(
                    spec=spec,
                    code_dir=code_dir,
                    slots=threading.BoundedSemaphore(self.max_concurrency_per_function),
                )
                self._active_key[spec.arn] = key
        if retired is not None:
            self._retire(retired)
        return pool

    def _retire(self, pool: _Pool) -> None:
        with pool.lock:
            pool.retired = True
            idle, pool.idle = pool.idle, []
        for worker in idle:
            worker.kill()

    def _acquire(self, pool: _Pool) -> tuple[Worker | None, str | None]:
        with pool.lock:
            while pool.idle:
                worker = pool.idle.pop()
                if worker.alive:
                    return worker, None
                worker.kill()
        worker = self._spawn(pool.spec, pool.code_dir)
        reply = worker.wait(self._init_timeout)
        if reply.message is not None and reply.message.get("ready"):
            worker.ready = True
            return worker, None
        logs = worker.take_logs()
        worker.kill()
        if reply.message is not None and "init_error" in reply.message:
            error = reply.message["init_error"]
        elif reply.timed_out:
            error = _error_body("Runtime.InitTimeout", f"Init phase exceeded {self._init_timeout:.0f} s")
        else:
            error = _error_body(
                "Runtime.ExitError", f"Runtime exited during init: exit status {reply.exit_code}"
            )
        self._ship_logs(pool.spec, _stream_name(worker.worker_id), logs.splitlines())
        return None, json.dumps(error)

    def _release(self, pool: _Pool, worker: Worker, reusable: bool) -> None:
        with pool.lock:
            keep = reusable and not pool.retired and worker.alive and len(pool.idle) < self._max_idle
            if keep:
                worker.idle_since = self._clock()
                pool.idle.append(worker)
        if not keep:
            worker.kill()

    def _reap_idle_workers(self) -> None:
        interval = min(_REAP_INTERVAL_SECONDS, max(0.05, self._idle_ttl / 4))
        while not self._reaper_stop.wait(interval):
            with self._lock:
                pools = list(self._pools.values())
            now = self._clock()
            for pool in pools:
                with pool.lock:
                    expired = [w for w in pool.idle if now - w.idle_since > self._idle_ttl]
                    pool.idle = [w for w in pool.idle if w not in expired]
                for worker in expired:
                    worker.kill()

    def _spawn(self, spec: FunctionSpec, code_dir: Path) -> Worker:
        worker_id = uuid.uuid4().hex
        return Worker(worker_id, code_dir, self._environment(spec, code_dir, worker_id), self._log_dir)

    def _environment(self, spec: FunctionSpec, code_dir: Path, worker_id: str) -> dict[str, str]:
        """The execution environment: a clean one, not the caller's (no real credentials or profiles)."""
        base = {
            "PATH": os.environ.get("PATH", os.defpath),
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            "TZ": ":UTC",
            "PYTHONUNBUFFERED": "1",
            # As in the emulator's process (embedded_aws.heap_tuning): a worker's threads (a function's
            # parallel scan segments) would each get a malloc arena whose freed memory the others never
            # reuse. A function may set its own.
            "MALLOC_ARENA_MAX": str(MALLOC_ARENAS),
        }
        reserved = {
            "PYTHONPATH": str(code_dir),
            "LAMBDA_TASK_ROOT": str(code_dir),
            "_HANDLER": spec.handler,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group_name,
            "AWS_LAMBDA_LOG_STREAM_NAME": _stream_name(worker_id),
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_ENDPOINT_URL": self._endpoint_url,
            # Never read the user's AWS profiles: a local function must not reach a real account.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            # There is no X-Ray daemon locally.
            "POWERTOOLS_TRACE_DISABLED": "true",
            "AWS_XRAY_SDK_ENABLED": "false",
            "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
        }
        return {**base, **spec.environment, **reserved}

    # -- results ----------------------------------------------------------------------------------

    def _finish(
        self,
        spec: FunctionSpec,
        worker: Worker | None,
        request_id: str,
        started: float,
        payload: str,
        errored: bool,
        logs: str,
    ) -> InvocationResult:
        duration_ms = (self._clock() - started) * 1000
        lines = [f"START RequestId: {request_id} Version: {spec.version}"]
        lines += logs.splitlines()
        lines += [
            f"END RequestId: {request_id}",
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {max(1, round(duration_ms))} ms\tMemory Size: {spec.memory_mb} MB",
        ]
        stream = _stream_name(worker.worker_id) if worker is not None else _stream_name(request_id)
        self._ship_logs(spec, stream, lines)
        return InvocationResult(
            payload=payload,
            errored=errored,
            logs=logs[-_LOG_TAIL_BYTES:],
            request_id=request_id,
            duration_ms=duration_ms,
        )

    def _ship_logs(self, spec: FunctionSpec, stream: str, lines: list[str]) -> None:
        if self._log_sink is not None and lines:
            self._log_sink.put(spec.log_group_name, stream, lines)


def _stream_name(worker_id: str) -> str:
    return f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{worker_id}"


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _error_body(error_type: str, message: str) -> dict[str, str]:
    return {"errorMessage": message, "errorType": error_type}


def _error_payload(error_type: str, message: str) -> str:
    return json.dumps(_error_body(error_type, message))
