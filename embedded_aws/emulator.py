"""The embedded AWS emulator: moto in-process on 127.0.0.1, with real Lambda execution and the SQS and
DynamoDB Streams pollers of event source mappings."""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import shutil
import tempfile
import threading
import time
import urllib.request
import warnings
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3
from botocore.config import Config

from embedded_aws import moto_internals
from embedded_aws.dynamodb_stream_event_source import DynamoDbStreamPollers, StreamPollerActivity
from embedded_aws.heap_tuning import HeapTuning
from embedded_aws.invocation_counter import InvocationCounter, InvocationPath
from embedded_aws.lambda_runtime.runner import LambdaRunner, default_local_concurrency
from embedded_aws.moto_internals import event_source_mappings, sqs_speed
from embedded_aws.moto_internals.dynamodb_streams import MotoStreams
from embedded_aws.moto_internals.lambda_functions import LambdaExecution, MotoLogSink, find_function
from embedded_aws.moto_internals.server import MotoHttpServer
from embedded_aws.moto_internals.sqs_backlog_bound import DEFAULT_BACKLOG_BOUND, BacklogBound
from embedded_aws.request_counter import INTERNAL_USER_AGENT, CountingMiddleware, RequestCounter
from embedded_aws.sqs_event_source import MessageWaits, PollerActivity, SqsEventSourcePollers
from embedded_aws.status_events import StatusEventPublisher
from migration_runtime.aws_limits import STATES_MAX_HISTORY_EVENTS

DEFAULT_REGION = "us-east-1"
# moto's default account: every request signed with a key it does not know lands there.
ACCOUNT_ID = "123456789012"
DUMMY_CREDENTIALS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "aws_session_token": "testing",
}


class EmulatorAlreadyRunning(RuntimeError):
    pass


class EmbeddedAws:
    """Start with ``with EmbeddedAws() as aws:`` (or ``start()`` / ``stop()``).

    moto keeps its state in process-wide globals, so one emulator at a time may run in a process.
    """

    _running: EmbeddedAws | None = None
    _running_lock = threading.Lock()

    def __init__(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        region: str = DEFAULT_REGION,
        lambda_concurrency: int | None = None,
        states_history_quota: int = STATES_MAX_HISTORY_EVENTS,
        queue_backlog_bound: int | None = DEFAULT_BACKLOG_BOUND,
        idle_worker_ttl_seconds: float | None = None,
    ) -> None:
        """``lambda_concurrency``: executions of one function at once (worker processes per function);
        default ``default_local_concurrency()``. Event source mappings poll within it too.
        ``states_history_quota``: history events at which a Step Functions execution fails (AWS: 25,000;
        smaller in tests that reach it). ``queue_backlog_bound``: messages a queue drained by an enabled
        event source mapping holds before a send to it waits (see ``sqs_backlog_bound``; None: never).
        ``idle_worker_ttl_seconds``: how long a warm Lambda worker is kept without work (default: the
        runner's)."""
        if lambda_concurrency is not None and lambda_concurrency < 1:  # before `or`: 0 is not "default"
            raise ValueError(f"lambda_concurrency must be at least 1, got {lambda_concurrency}")
        if states_history_quota < 1:
            raise ValueError(f"states_history_quota must be at least 1, got {states_history_quota}")
        self._requested_port = port
        self._backlog_bound = (
            BacklogBound(self._drained_queues, queue_backlog_bound)
            if queue_backlog_bound is not None
            else None
        )
        self._idle_worker_ttl_seconds = idle_worker_ttl_seconds
        self.states_history_quota = states_history_quota
        self.lambda_concurrency = lambda_concurrency or default_local_concurrency()
        self.host = host
        self.region = region
        self.account_id = ACCOUNT_ID
        self.requests = RequestCounter()
        # Every Lambda invocation, by path (api / sfn / event-source-mapping / other) and by function.
        self.invocations = InvocationCounter()
        self._log_groups: dict[str, str] = {}
        self._server: MotoHttpServer | None = None
        self._patches: moto_internals.PatchSet | None = None
        self._runner: LambdaRunner | None = None
        self._execution: LambdaExecution | None = None
        self._pollers: SqsEventSourcePollers | None = None
        self._stream_pollers: DynamoDbStreamPollers | None = None
        self._status_events: StatusEventPublisher | None = None
        self._work_dir: Path | None = None
        self._previous_moto_port: str | None = None
        self._session: boto3.Session | None = None
        self._session_lock = threading.Lock()
        self._heap = HeapTuning()

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> EmbeddedAws:
        with EmbeddedAws._running_lock:
            if EmbeddedAws._running is not None:
                raise EmulatorAlreadyRunning("an embedded AWS emulator is already running in this process")
            EmbeddedAws._running = self
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        installed = importlib.metadata.version("moto")
        if installed != moto_internals.PINNED_MOTO_VERSION:
            warnings.warn(
                f"embedded_aws was built against moto {moto_internals.PINNED_MOTO_VERSION}, "
                f"found {installed}: run tests/functional/runtime/test_runtime_moto_contracts.py",
                RuntimeWarning,
                stacklevel=3,
            )
        self._heap.apply()
        self._server = MotoHttpServer(
            self.host, self._requested_port, middleware=lambda app: CountingMiddleware(app, self.requests)
        )
        self._server.start()
        # moto's Step Functions engine calls the other services at http://localhost:$MOTO_PORT.
        self._previous_moto_port = os.environ.get("MOTO_PORT")
        os.environ["MOTO_PORT"] = str(self.port)
        self._moto_api("/moto-api/reset")
        # Must be set before any state machine exists, or executions only record their input.
        self._moto_api("/moto-api/config", {"stepfunctions": {"execute_state_machine": True}})
        self._work_dir = Path(tempfile.mkdtemp(prefix="embedded-aws-"))
        self._runner = LambdaRunner(
            self._work_dir,
            self.endpoint_url,
            log_sink=MotoLogSink(self.account_id, self.region),
            max_concurrency_per_function=self.lambda_concurrency,
            **(
                {"idle_worker_ttl_seconds": self._idle_worker_ttl_seconds}
                if self._idle_worker_ttl_seconds is not None
                else {}
            ),
        )
        self._execution = LambdaExecution(self._runner, self._log_groups.get, self.invocations)
        self._status_events = StatusEventPublisher(
            lambda entries: self.client("events", internal=True).put_events(Entries=entries)
        ).start()
        self._patches = moto_internals.install(
            self._execution,
            self._status_events.publish,
            self._deliver_to_lambda,
            lambda: self.states_history_quota,
            self._backlog_bound,
            self._stream_unread_from,
        )
        self._pollers = SqsEventSourcePollers(
            list_mappings=lambda: event_source_mappings.list_sqs_mappings(self.account_id, self.region),
            read_mapping=lambda uuid: event_source_mappings.read_sqs_mapping(
                self.account_id, self.region, uuid
            ),
            sqs_client=lambda: self.client("sqs", internal=True),
            queue_url=self.queue_url_of,
            invoke=self._invoke_for_mapping,
            local_concurrency=self.lambda_concurrency,
            wait_for_message=sqs_speed.wait_for_message,
        ).start()
        self._stream_pollers = DynamoDbStreamPollers(
            list_mappings=lambda: event_source_mappings.list_stream_mappings(self.account_id, self.region),
            read_mapping=lambda uuid: event_source_mappings.read_stream_mapping(
                self.account_id, self.region, uuid
            ),
            streams=MotoStreams(self.account_id, self.region),
            invoke=self._invoke_for_mapping,
        ).start()
        self.requests.reset()
        self.invocations.reset()

    def stop(self) -> None:
        # No new batches, then end the invocations in flight, then wait for the pollers to notice.
        if self._pollers is not None:
            self._pollers.request_stop()
        if self._stream_pollers is not None:
            self._stream_pollers.request_stop()
        if self._runner is not None:
            self._runner.shutdown()
            self._runner = None
            self._execution = None
        if self._pollers is not None:
            self._pollers.join()
            self._pollers = None
        if self._stream_pollers is not None:
            self._stream_pollers.join()
            self._stream_pollers = None
        if self._status_events is not None:
            self._status_events.stop()
            self._status_events = None
        if self._server is not None:
            # moto's config is process-wide: leave Step Functions as moto's default has it (record only),
            # so later in-process uses of moto (mock_aws in other tests) are not affected.
            with contextlib.suppress(OSError):
                self._moto_api("/moto-api/config", {"stepfunctions": {"execute_state_machine": False}})
            self._server.stop()
            self._server = None
        if self._patches is not None:
            self._patches.restore()
            self._patches = None
        if self._previous_moto_port is None:
            os.environ.pop("MOTO_PORT", None)
        else:
            os.environ["MOTO_PORT"] = self._previous_moto_port
        if self._work_dir is not None:
            shutil.rmtree(self._work_dir, ignore_errors=True)
            self._work_dir = None
        self._heap.restore()
        with EmbeddedAws._running_lock:
            if EmbeddedAws._running is self:
                EmbeddedAws._running = None

    def __enter__(self) -> EmbeddedAws:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- access -----------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return self._server.port

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def session(self) -> boto3.Session:
        """A new boto3 session with the emulator's dummy credentials and region."""
        return boto3.Session(region_name=self.region, **DUMMY_CREDENTIALS)

    def client(self, service: str, internal: bool = False, **config: Any) -> Any:
        """A boto3 client bound to the emulator (``internal=True``: counted as the runtime's own).

        Clients come from one shared session (loading service models once); a session is not thread
        safe, so creation is serialised, while the clients themselves may be shared between threads.
        """
        options: dict[str, Any] = {"retries": {"mode": "standard", "max_attempts": 3}, **config}
        if internal:
            options["user_agent_extra"] = INTERNAL_USER_AGENT
        with self._session_lock:
            if self._session is None:
                self._session = self.session()
            return self._session.client(service, endpoint_url=self.endpoint_url, config=Config(**options))

    def queue_url_of(self, queue_arn: str) -> str:
        _, _, _, _region, account, name = queue_arn.split(":", 5)
        return f"{self.endpoint_url}/{account}/{name}"

    def set_function_log_group(self, function_name: str, log_group_name: str) -> None:
        """Where a function's logs go when its LoggingConfig names a log group (moto drops that setting)."""
        self._log_groups[function_name] = log_group_name

    @property
    def runner(self) -> LambdaRunner:
        if self._runner is None:
            raise RuntimeError("the emulator is not running")
        return self._runner

    def event_source_activity(self, mapping_uuid: str) -> PollerActivity:
        """What the SQS pollers have done for one event source mapping so far (see ``PollerActivity``):
        tests wait on it - e.g. until every poller has seen a disable - instead of sleeping."""
        if self._pollers is None:
            raise RuntimeError("the emulator is not running")
        return self._pollers.activity(mapping_uuid)

    @property
    def message_waits(self) -> MessageWaits:
        """How long messages of each queue waited between send and being handled (see ``MessageWaits``)."""
        if self._pollers is None:
            raise RuntimeError("the emulator is not running")
        return self._pollers.waits

    def stream_event_source_activity(self, mapping_uuid: str) -> StreamPollerActivity:
        """What the DynamoDB Streams pollers have done for one mapping so far (see
        ``StreamPollerActivity``): tests wait on it instead of sleeping."""
        if self._stream_pollers is None:
            raise RuntimeError("the emulator is not running")
        return self._stream_pollers.activity(mapping_uuid)

    def send_held_seconds(self, queue_name: str) -> float:
        """Seconds sends to ``queue_name`` waited for the backlog bound so far (0 without a bound)."""
        return self._backlog_bound.held_seconds(queue_name) if self._backlog_bound else 0.0

    def freeze_long_lived_objects(self) -> None:
        """Leave every object alive now out of later garbage collections (call once deployed; see
        ``embedded_aws.heap_tuning``). Undone when the emulator stops."""
        self._heap.freeze_long_lived()

    def prewarm(self, function_name: str, workers: int = 1, wait_seconds: float = 0.0) -> int:
        """Start a function's workers in the background (the first invocations skip the cold start).

        Starts at most ``lambda_concurrency`` workers and returns how many; with ``wait_seconds``, waits
        that long at most for them to be ready (benchmarks time steady throughput, not start-up).
        """
        function = find_function(self.account_id, self.region, function_name)
        count = min(workers, self.lambda_concurrency)
        self.runner.prewarm(LambdaExecution(self.runner, self._log_groups.get).spec_for(function), count)
        deadline = time.monotonic() + wait_seconds
        while self.runner.worker_count(function.function_arn) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return count

    # -- internals --------------------------------------------------------------------------------

    def _drained_queues(self, account_id: str, region: str) -> frozenset[str]:
        mappings = event_source_mappings.list_sqs_mappings(account_id, region)
        return frozenset(mapping.queue_arn for mapping in mappings if mapping.enabled)

    def _stream_unread_from(self, stream_arn: str) -> int | None:
        pollers = self._stream_pollers
        return pollers.unread_from(stream_arn) if pollers is not None else None

    def _invoke_for_mapping(self, function_arn: str, event: dict[str, Any]) -> tuple[str, bool]:
        if self._execution is None:
            raise RuntimeError("the emulator is not running")
        function = find_function(self.account_id, self.region, function_arn)
        result = self._execution.invoke(function, event, InvocationPath.EVENT_SOURCE_MAPPING)
        return result.payload, result.errored

    def _deliver_to_lambda(self, function_arn: str, event: Any) -> None:
        """An EventBridge rule's Lambda target: invoked asynchronously, as EventBridge does."""
        execution = self._execution
        if execution is None:
            return
        function = find_function(self.account_id, self.region, function_arn)

        def invoke() -> None:
            execution.invoke(function, event, InvocationPath.EVENTBRIDGE)

        threading.Thread(target=invoke, name=f"eventbridge-{function.function_name}", daemon=True).start()

    def _moto_api(self, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body or {}).encode("utf-8")
        request = urllib.request.Request(
            self.endpoint_url + path, data=data, method="POST", headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
        return json.loads(raw) if raw else None
