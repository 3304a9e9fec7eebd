"""Contract tests: one per moto internal the embedded runtime relies on (embedded_aws/moto_internals).

moto is pinned exactly. When an upgrade changes one of these internals, the matching test fails here,
naming it, instead of the runtime silently changing behaviour.

Each contract is checked by behaviour where one can be observed: stock moto does what the runtime relies
on (and, where the runtime patches it, the patch changes exactly that). Reading moto's source text (a
"source tripwire") is kept only where nothing can be observed from outside, and each one says why. They
fall in three kinds:
- a fast path that re-implements a moto function (json_response_speed, dynamodb_speed, the DynamoDB
  scan and item paths, server_speed): the equivalence tests in
  tests/functional/runtime/test_runtime_*_speed.py
  compare outputs on the inputs they try, but only the source says the upstream function still takes no
  other branch the copy would miss;
- a call order or a hook inside one step of the Step Functions interpreter (the normalisation hooks,
  the worker's status reflection, error names): the observable outcome is the whole execution, which
  the sfn_* runtime tests cover, while the tripwire names the one line that moved;
- an absence (a method moto does not define, a mutation moto never makes), which no call can show.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import io
import json
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from embedded_aws.moto_internals import PINNED_MOTO_VERSION, event_source_mappings, sqs_speed
from embedded_aws.moto_internals.patching import PatchSet

REGION = "us-east-1"
ACCOUNT = "123456789012"


def parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


@pytest.fixture
def moto_in_process(credentials: None) -> Iterator[None]:
    with mock_aws():
        yield


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def lambda_handler(event, context):\n    return event\n")
    return buffer.getvalue()


def _function(name: str = "contract") -> str:
    role = boto3.client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"][
        "Arn"
    ]
    return boto3.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="handler.lambda_handler",
        Code={"ZipFile": _zip()},
        Environment={"Variables": {"K": "v"}},
    )["FunctionArn"]


def test_moto_is_the_pinned_version():
    # GIVEN the runtime built against one moto release / WHEN the installed one is read / THEN they match
    assert importlib.metadata.version("moto") == PINNED_MOTO_VERSION


# --- Lambda ----------------------------------------------------------------------------------------


def test_lambda_invoke_ends_in_invoke_lambda_returning_payload_error_flag_and_logs(moto_in_process):
    # GIVEN moto's LambdaFunction._invoke_lambda(self, event=None), replaced by a recording stub
    from moto.awslambda.models import LambdaBackend, LambdaFunction

    assert parameters(vars(LambdaFunction)["_invoke_lambda"]) == ["self", "event"]
    # (the runtime also wraps the backend's invoke to make InvocationType=Event asynchronous)
    assert parameters(vars(LambdaBackend)["invoke"]) == [
        "self",
        "function_name",
        "qualifier",
        "body",
        "headers",
        "response_headers",
    ]
    calls: list[Any] = []

    def stub(self: Any, event: Any = None) -> tuple[str, bool, str]:
        calls.append(event)
        return json.dumps({"errorType": "Stubbed"}), True, "a log line"

    patches = PatchSet()
    patches.replace(LambdaFunction, "_invoke_lambda", stub)
    try:
        # WHEN a function is invoked through the API
        _function()
        response = boto3.client("lambda").invoke(FunctionName="contract", Payload=b'{"x": 1}')
    finally:
        patches.restore()

    # THEN the stub got the parsed event, and its (payload, errored, logs) became the API response
    assert calls == [{"x": 1}]
    assert response["FunctionError"]
    assert json.loads(response["Payload"].read()) == {"errorType": "Stubbed"}


def test_lambda_function_exposes_what_the_runner_reads(moto_in_process):
    # GIVEN a function created in moto
    from moto.awslambda.utils import get_backend

    arn = _function()

    # WHEN the backend's model is fetched by ARN
    function = get_backend(ACCOUNT, REGION).get_function(arn)

    # THEN every attribute embedded_aws.moto_internals.lambda_functions reads is there, as expected
    assert function.function_name == "contract"
    assert function.function_arn == arn
    assert function.handler == "handler.lambda_handler"
    assert function.run_time == "python3.11"
    assert int(function.timeout) == 3
    assert int(function.memory_size) == 128
    assert function.environment_vars == {"K": "v"}
    assert zipfile.ZipFile(io.BytesIO(function.code_bytes)).namelist() == ["handler.py"]
    assert isinstance(function.code_sha_256, str) and function.code_sha_256
    assert function.region == REGION
    assert function.account_id == ACCOUNT
    assert function.logs_group_name == "/aws/lambda/contract"


def test_configuration_updates_replace_the_environment_variables(moto_in_process):
    # GIVEN a function (the runner keys its warm workers on the environment)
    from moto.awslambda.utils import get_backend

    _function()

    # WHEN its environment is updated
    boto3.client("lambda").update_function_configuration(
        FunctionName="contract", Environment={"Variables": {"K": "changed"}}
    )

    # THEN the model's environment_vars reflect it
    assert get_backend(ACCOUNT, REGION).get_function("contract").environment_vars == {"K": "changed"}


def test_logs_backend_methods_used_to_ship_function_logs(moto_in_process):
    # GIVEN moto's logs backend
    from moto.logs.models import logs_backends

    backend = logs_backends[ACCOUNT][REGION]
    assert parameters(backend.ensure_log_group) == ["log_group_name"]
    assert parameters(backend.ensure_log_stream) == ["log_group_name", "log_stream_name"]
    assert parameters(backend.put_log_events) == ["log_group_name", "log_stream_name", "log_events"]

    # WHEN a group, a stream and an event are written the way MotoLogSink does
    backend.ensure_log_group("/contract")
    backend.ensure_log_stream("/contract", "stream")
    backend.put_log_events(
        "/contract", "stream", [{"timestamp": int(time.time() * 1000), "message": "hello"}]
    )

    # THEN the API reads them back
    events = boto3.client("logs").get_log_events(logGroupName="/contract", logStreamName="stream")["events"]
    assert [event["message"] for event in events] == ["hello"]
    stream = backend.groups["/contract"].streams["stream"]
    assert [event.message for event in stream.events] == ["hello"]
    assert stream.stored_bytes == len("hello")


def test_the_log_sink_keeps_the_newest_events_of_each_stream(moto_in_process):
    # GIVEN a sink that keeps three events per stream
    from embedded_aws.moto_internals.lambda_functions import MotoLogSink

    sink = MotoLogSink(ACCOUNT, REGION, max_events_per_stream=3)

    # WHEN five lines are shipped in two puts
    sink.put("/capped", "stream", ["one", "two"])
    sink.put("/capped", "stream", ["three", "four", "five"])

    # THEN the API reads back the newest three, and the stream's stored bytes count only those
    logs = boto3.client("logs")
    events = logs.get_log_events(logGroupName="/capped", logStreamName="stream", startFromHead=True)["events"]
    assert [event["message"] for event in events] == ["three", "four", "five"]
    described = logs.describe_log_streams(logGroupName="/capped")["logStreams"][0]
    assert described["storedBytes"] == len("threefourfive")


# --- SQS event source mappings ---------------------------------------------------------------------


def _send_to_a_mapped_queue(queue_name: str, detach: bool) -> tuple[list[Any], str]:
    """Send one message to a queue mapped to a function; the events moto invoked it with, and the depth."""
    from moto.awslambda.models import LambdaFunction

    calls: list[Any] = []
    patches = PatchSet()
    patches.replace(
        LambdaFunction, "_invoke_lambda", lambda self, event=None: calls.append(event) or ("{}", False, "")
    )
    if detach:
        event_source_mappings.detach_inline_delivery(patches)
    try:
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        boto3.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName="contract")
        sqs.send_message(QueueUrl=url, MessageBody="x")
    finally:
        patches.restore()
    visible = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return calls, visible["Attributes"]["ApproximateNumberOfMessages"]


def test_detaching_inline_delivery_stops_moto_invoking_from_send_message(moto_in_process):
    # GIVEN a function, and queues mapped to it
    _function()

    # WHEN a message is sent on stock moto
    stock_calls, _ = _send_to_a_mapped_queue("inline", detach=False)

    # THEN moto invokes the function itself, inside SendMessage (what the runtime takes over)
    assert len(stock_calls) == 1 and "x" in json.dumps(stock_calls[0])

    # WHEN a message is sent with inline delivery detached
    detached_calls, depth = _send_to_a_mapped_queue("mapped", detach=True)

    # THEN moto did not invoke the function, and the message waits for the runtime's poller
    assert detached_calls == []
    assert depth == "1"


def test_event_source_mappings_are_read_from_the_lambda_backend(moto_in_process):
    # GIVEN an SQS mapping with a concurrency cap and partial batch responses
    from moto.awslambda.utils import get_backend

    backend = get_backend(ACCOUNT, REGION)
    assert parameters(backend.list_event_source_mappings) == ["event_source_arn", "function_name"]
    assert parameters(backend.get_event_source_mapping) == ["uuid"]
    _function()
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="source")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    uuid = boto3.client("lambda").create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName="contract",
        BatchSize=7,
        Enabled=False,
        ScalingConfig={"MaximumConcurrency": 4},
        FunctionResponseTypes=["ReportBatchItemFailures"],
        MaximumBatchingWindowInSeconds=2,
    )["UUID"]

    # WHEN the runtime reads it
    mapping = event_source_mappings.read_sqs_mapping(ACCOUNT, REGION, uuid)

    # THEN every field the pollers use comes through
    assert mapping is not None
    assert (mapping.enabled, mapping.batch_size, mapping.maximum_concurrency) == (False, 7, 4)
    assert mapping.report_batch_item_failures is True
    assert mapping.maximum_batching_window_seconds == 2
    assert mapping.queue_arn == arn
    assert mapping.function_arn.endswith(":function:contract")
    assert [m.uuid for m in event_source_mappings.list_sqs_mappings(ACCOUNT, REGION)] == [uuid]

    # WHEN it is enabled through the API / THEN the same object reflects it (the pollers re-read it)
    boto3.client("lambda").update_event_source_mapping(UUID=uuid, Enabled=True)
    assert event_source_mappings.read_sqs_mapping(ACCOUNT, REGION, uuid).enabled is True


# --- SQS speed -------------------------------------------------------------------------------------


def test_sqs_internals_replaced_for_speed_have_the_expected_shape():
    # GIVEN moto's SQS models / WHEN their members are inspected / THEN they are what sqs_speed replaces
    import moto.sqs.models as sqs_models
    from moto.sqs.models import Message, Queue, SQSBackend

    assert callable(sqs_models.unix_time) and callable(sqs_models.unix_time_millis)
    assert "unix_time_millis()" in inspect.getsource(Message.visible.fget)
    for name in (
        "messages",
        "attributes",
        "approximate_number_of_messages",
        "approximate_number_of_messages_delayed",
        "approximate_number_of_messages_not_visible",
    ):
        assert isinstance(vars(Queue)[name], property), name
    assert parameters(Queue.delete_message) == ["self", "receipt_handle"]
    assert parameters(Message.mark_received) == ["self", "visibility_timeout"]
    assert parameters(SQSBackend.is_message_valid_based_on_retention_period) == [
        "self",
        "queue_name",
        "message",
    ]
    assert parameters(SQSBackend.receive_message) == [
        "self",
        "queue_name",
        "count",
        "wait_seconds_timeout",
        "visibility_timeout",
        "message_attribute_names",
    ]
    assert parameters(SQSBackend.change_message_visibility) == [
        "self",
        "queue_name",
        "receipt_handle",
        "visibility_timeout",
    ]
    assert parameters(SQSBackend.send_message)[:3] == ["self", "queue_name", "message_body"]
    assert parameters(SQSBackend.send_message_batch) == ["self", "queue_name", "entries"]
    assert parameters(SQSBackend.get_queue_attributes) == ["self", "queue_name", "attribute_names"]
    # Tripwires: sqs_speed replaces these paths wholesale; test_sqs_speed_patches_keep_moto_behaviour below
    # compares the outcomes, but only the source shows the upstream paths still read what the copy reads.
    assert "for message in queue.messages:" in inspect.getsource(SQSBackend.receive_message)
    # SendMessage reads the whole attribute map only for this key: the speed-up relies on it.
    assert 'attributes.get("ContentBasedDeduplication")' in inspect.getsource(SQSBackend.send_message)
    assert "get_queue_attributes" in inspect.getsource(SQSBackend.is_message_valid_based_on_retention_period)
    for attribute in ("_messages", "_messages_lock", "pending_messages", "deleted_messages"):
        assert attribute in inspect.getsource(Queue.__init__) or hasattr(Queue, attribute), attribute


def _queue_states() -> dict[str, Any]:
    """Drive one queue through send / delay / receive / delete / visibility and record what SQS reports."""
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="equivalence", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    for index in range(6):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{index}")
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, MessageSystemAttributeNames=["All"])
    messages = received["Messages"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
    sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])  # deleting twice is fine
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=messages[1]["ReceiptHandle"], VisibilityTimeout=0
    )
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    named = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "Policy", "VisibilityTimeout"]
    )["Attributes"]
    invalid_name = None
    try:
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["NoSuchAttribute"])
    except sqs.exceptions.ClientError as error:
        invalid_name = error.response["Error"]["Code"]
    invalid_delete = None
    try:
        sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")
    except sqs.exceptions.ClientError as error:
        invalid_delete = error.response["Error"]["Code"]
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"])
    return {
        "received": [m["Body"] for m in messages],
        "counts": {key: value for key, value in attributes.items() if key.startswith("ApproximateNumber")},
        "named": named,
        "invalid_name": invalid_name,
        "invalid_delete": invalid_delete,
        "again": sorted((m["Body"], m["Attributes"]["ApproximateReceiveCount"]) for m in again["Messages"]),
    }


def test_sqs_speed_patches_keep_moto_behaviour(moto_in_process):
    # GIVEN the same queue scenario run on stock moto
    stock = _queue_states()
    boto3.client("sqs").delete_queue(
        QueueUrl=boto3.client("sqs").get_queue_url(QueueName="equivalence")["QueueUrl"]
    )

    # WHEN it runs again with the speed patches installed
    patches = PatchSet()
    sqs_speed.install(patches)
    try:
        patched = _queue_states()
    finally:
        patches.restore()

    # THEN SQS reports exactly the same
    assert patched == stock
    assert stock["named"] == {"ApproximateNumberOfMessages": "4", "VisibilityTimeout": "30"}
    assert stock["invalid_name"] is not None
    assert stock["counts"] == {
        "ApproximateNumberOfMessages": "4",
        "ApproximateNumberOfMessagesDelayed": "1",
        "ApproximateNumberOfMessagesNotVisible": "1",
    }


def test_models_are_tracked_through_their_class_list_which_the_runtime_empties(moto_in_process):
    # GIVEN moto's model base class, which records every instance on its class
    from moto.core.common_models import BaseModel
    from moto.dynamodb.models.dynamo_type import Item
    from moto.sqs.models import Message

    from embedded_aws.moto_internals import model_tracking

    assert issubclass(Message, BaseModel) and issubclass(Item, BaseModel)
    sqs = boto3.client("sqs")
    stock_url = sqs.create_queue(QueueName="tracked")["QueueUrl"]
    before = len(Message.instances_tracked)
    sqs.send_message(QueueUrl=stock_url, MessageBody="x")
    # (stock moto keeps every message it ever built on the class: what the runtime stops)
    assert len(Message.instances_tracked) == before + 1

    # WHEN messages are sent and received with the runtime's untracked lists installed
    patches = PatchSet()
    model_tracking.install(patches)
    try:
        url = sqs.create_queue(QueueName="tracking")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="x")
        received = sqs.receive_message(QueueUrl=url)["Messages"]
        untracked = len(Message.instances_tracked)
    finally:
        patches.restore()

    # THEN SQS still works, and nothing was kept
    assert [m["Body"] for m in received] == ["x"]
    assert untracked == 0


# --- JSON responses --------------------------------------------------------------------------------


def test_json_serializer_handlers_are_the_ones_the_fast_path_mirrors():
    # GIVEN moto's JSON serializers / WHEN their per-type handlers and walk steps are listed
    from moto.core.serialize import SERIALIZERS, BaseJSONSerializer, JSONSerializer

    from embedded_aws.moto_internals.json_response_speed import MIRRORED_HANDLERS, MIRRORED_STEPS

    handlers = {name for name in dir(JSONSerializer) if name.startswith("_serialize_type_")}

    # THEN they are exactly those json_response_speed mirrors, defined where it expects them
    assert handlers == {f"_serialize_type_{type_name}" for type_name in MIRRORED_HANDLERS}
    for type_name, (owner, method) in MIRRORED_HANDLERS.items():
        assert getattr(JSONSerializer, f"_serialize_type_{type_name}") is vars(owner)[method], type_name
    for step, owner in MIRRORED_STEPS.items():
        assert getattr(JSONSerializer, step) is vars(owner)[step], step
    assert SERIALIZERS["json"] is JSONSerializer and issubclass(JSONSerializer, BaseJSONSerializer)
    assert parameters(vars(BaseJSONSerializer)["_serialize_type_structure"]) == [
        "self",
        "serialized",
        "value",
        "shape",
        "key",
    ]


def test_json_serializer_walk_is_the_one_the_fast_path_mirrors():
    # GIVEN the sources of the steps moto runs per structure, map, list and scalar
    from moto.core.serialize import BaseJSONSerializer, ResponseSerializer

    def source(owner: type, name: str) -> str:
        return inspect.getsource(vars(owner)[name])

    # WHEN they are read / THEN they still do what json_response_speed reproduces
    assert "shape.members.items()" in source(ResponseSerializer, "_serialize_type_structure")
    assert "member_shape.parent = shape" in source(ResponseSerializer, "_serialize_type_structure")
    assert "if member_value is not None:" in source(ResponseSerializer, "_serialize_structure_member")
    assert "self._value_picker(context)" in source(ResponseSerializer, "get_value")
    assert 'shape.serialization.get("name", default_name)' in source(
        ResponseSerializer, "get_serialized_name"
    )
    assert "if shape.is_document_type:" in source(BaseJSONSerializer, "_serialize_type_structure")
    assert "value.items()" in source(BaseJSONSerializer, "_serialize_type_map")
    assert "item_key = shape.member.name" in source(BaseJSONSerializer, "_serialize_type_list")
    assert "str(value) if value not in [None, {}, []] else value" in source(
        BaseJSONSerializer, "_serialize_type_string"
    )
    assert "int(value)" in source(ResponseSerializer, "_serialize_type_integer")
    assert "float(value)" in source(ResponseSerializer, "_serialize_type_float")
    assert "base64.b64encode(value).strip()" in source(ResponseSerializer, "_base64")
    assert "json.dumps(body" in source(BaseJSONSerializer, "_serialize_body")


def test_responses_pick_values_with_the_default_xformed_attribute_picker():
    # GIVEN moto's response execution and its picker
    from moto.core import serialize
    from moto.core.responses import ActionResult, BaseResponse
    from moto.core.serialize import AttributePicker, AttributePickerContext, XFormedAttributePicker
    from moto.core.utils import get_value

    # WHEN the picker is built and asked for the keys it tries on a plain dict
    source = inspect.getsource(ActionResult.execute_result)
    picker = XFormedAttributePicker(response_transformers={})
    context = AttributePickerContext(obj={}, key="Items", shape=None)  # type: ignore[arg-type]

    # THEN responses use it with moto's default aliases, and its answer for a dict depends only on the key
    assert "XFormedAttributePicker(" in source and "value_picker=value_picker" in source
    assert "alias_providers if alias_providers is not None else DEFAULT_ALIAS_PROVIDERS" in inspect.getsource(
        AttributePicker.__init__
    )
    assert picker.alias_providers is serialize.DEFAULT_ALIAS_PROVIDERS
    assert list(picker.get_possible_keys(context)) == ["Items", "items"]
    assert BaseResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER == {}
    # a dict is read by key, a dotted key as a path (so the fast path leaves dotted keys to moto)
    assert get_value({"a": 1}, "a", None) == 1 and get_value({"a": {"b": 2}}, "a.b", None) == 2


def test_service_models_are_cached_so_shapes_live_for_the_process():
    # GIVEN moto's service model loader / WHEN a model is asked for twice
    from moto.core.utils import get_service_model

    first = get_service_model("dynamodb").operation_model("Scan").output_shape
    second = get_service_model("dynamodb").operation_model("Scan").output_shape

    # THEN the same shapes come back (json_response_speed keeps one plan per shape object)
    assert first is second
    assert first.members["Items"] is second.members["Items"]


# --- DynamoDB items --------------------------------------------------------------------------------


def test_items_are_built_one_size_checked_attribute_at_a_time():
    # GIVEN moto's Item and the dict holding its attributes
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    from embedded_aws.moto_internals.dynamodb_speed import MOTO_ITEM_SIZE_LIMIT

    # WHEN their sources are read
    init = inspect.getsource(Item.__init__)
    setitem = inspect.getsource(LimitedSizeDict.__setitem__)

    # THEN Item.__init__ is what dynamodb_speed rebuilds, and the size rule and limit are the ones it mirrors
    assert parameters(Item.__init__) == ["self", "hash_key", "range_key", "attrs"]
    assert "self.hash_key = hash_key" in init and "self.range_key = range_key" in init
    assert "self.attrs = LimitedSizeDict()" in init
    assert "self.attrs[key] = DynamoType(value)" in init
    assert "item.size() if type(item) is DynamoType else bytesize(str(item))" in setitem
    assert "for item in (list(self.keys()) + list(self.values()))" in setitem
    assert "new_item_size = bytesize(key) + (" in setitem
    assert f"(current_item_size + new_item_size) > {MOTO_ITEM_SIZE_LIMIT}" in setitem
    assert "raise ItemSizeTooLarge" in setitem
    assert DynamoType({"S": "abc"}).size() == 3 and bytesize("é") == 2


# --- SQS message move tasks ------------------------------------------------------------------------


def test_moto_still_lacks_message_move_tasks():
    # GIVEN moto's SQS responses / WHEN the move-task actions are looked up
    from moto.sqs.responses import SQSResponse

    # THEN moto has none of its own (if it gains them, drop the shim in moto_internals/message_move.py);
    # an absence, so it is read from the class (moto answers the actions with HTTP 500 today)
    for action in ("start_message_move_task", "list_message_move_tasks", "cancel_message_move_task"):
        assert action not in vars(SQSResponse), action
    assert callable(SQSResponse._get_param)


def test_sqs_actions_reach_a_method_named_after_them_with_the_requests_account_and_region(moto_in_process):
    # GIVEN a method added to moto's SQS responses under the snake-cased action name, as the shim does
    from moto.sqs.responses import SQSResponse

    seen: list[tuple[str, str, str]] = []

    def list_message_move_tasks(self: SQSResponse) -> Any:
        seen.append((self._get_param("SourceArn"), self.current_account, self.region))
        return list_original(self)

    from embedded_aws.moto_internals import message_move

    list_original = message_move.list_message_move_tasks
    patches = PatchSet()
    message_move.install(patches)
    patches.replace(SQSResponse, "list_message_move_tasks", list_message_move_tasks)
    try:
        sqs = boto3.client("sqs", region_name="eu-west-1")
        url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

        # WHEN the action is called through the API
        results = sqs.list_message_move_tasks(SourceArn=arn)["Results"]
    finally:
        patches.restore()

    # THEN moto dispatched it to that method, whose parameters, account and region are the request's
    assert results == []
    assert seen == [(arn, ACCOUNT, "eu-west-1")]


# --- Step Functions --------------------------------------------------------------------------------


def test_aws_sdk_tasks_have_stubbed_normalisation_hooks_and_the_converters():
    # GIVEN moto's aws-sdk task and its base class
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
        StateTaskService,
    )

    aws_sdk_task = state_task_service_aws_sdk.StateTaskServiceAwsSdk

    # WHEN the hooks are inspected
    # THEN the aws-sdk task does not override them (moto leaves them as no-ops), with the expected signatures
    assert "_normalise_parameters" not in vars(aws_sdk_task)
    assert "_normalise_response" not in vars(aws_sdk_task)
    hook_parameters = ["self", "parameters", "boto_service_name", "service_action_name"]
    assert parameters(StateTaskService._normalise_parameters) == hook_parameters
    assert parameters(StateTaskService._normalise_response) == [
        "self",
        "response",
        "boto_service_name",
        "service_action_name",
    ]
    assert parameters(StateTaskService._to_boto_request) == ["self", "parameters", "structure_shape"]
    assert parameters(StateTaskService._from_boto_response) == ["self", "response", "structure_shape"]
    assert callable(StateTaskService._get_boto_service_name)
    assert callable(StateTaskService._get_boto_service_action)
    # and the task calls both hooks around the service call
    source = inspect.getsource(StateTaskService._eval_execution)
    assert "self._normalise_parameters(normalised_parameters)" in source
    assert "self._normalise_response(output_value)" in source


def test_step_functions_engine_calls_the_server_on_moto_port(monkeypatch: pytest.MonkeyPatch):
    # GIVEN the engine's client factory, outside mock_aws (as in the server), and MOTO_PORT set
    from moto.stepfunctions.parser.asl.utils import boto_client

    monkeypatch.setenv("MOTO_PORT", "4321")

    # WHEN it builds a client / THEN the client talks to the server on that port
    client = boto_client.boto_client_for("us-east-1", "lambda")
    assert client.meta.endpoint_url == "http://localhost:4321"


def test_step_functions_engine_signs_with_the_access_key_the_invocation_counter_recognises():
    # GIVEN the engine's client factory
    from moto.stepfunctions.parser.asl.utils import boto_client

    from embedded_aws.moto_internals.lambda_functions import STEP_FUNCTIONS_ENGINE_ACCESS_KEY

    # WHEN it builds a client
    credentials = boto_client.boto_client_for("us-east-1", "lambda")._request_signer._credentials

    # THEN the client signs with that fixed key (lambda_functions tells "sfn" invocations apart by it)
    assert credentials.access_key == STEP_FUNCTIONS_ENGINE_ACCESS_KEY


def test_moto_logs_under_the_logger_names_the_runtime_quiets():
    # GIVEN the modules that log a failed execution, and the Lambda backend
    from moto.awslambda import models as lambda_models
    from moto.stepfunctions.parser.asl.component import eval_component
    from moto.stepfunctions.parser.asl.component.program import program

    from embedded_aws.moto_internals.quiet_loggers import QUIETED_LOGGERS

    # WHEN their loggers are read / THEN they sit under the quieted names
    assert program.LOG.name.startswith("moto.stepfunctions.")
    assert eval_component.LOG.name.startswith("moto.stepfunctions.")
    assert lambda_models.logger.name.startswith("moto.awslambda.")
    # Tripwire: the error is logged from inside the interpreter's worker thread, only on a failing
    # execution; the logger's name above is what the runtime relies on, this pins that it is the one used.
    assert 'LOG.error("Stepfunctions computation ended with exception' in inspect.getsource(program)
    assert set(QUIETED_LOGGERS) == {"moto.stepfunctions", "moto.awslambda"}


# --- Server ----------------------------------------------------------------------------------------


def test_server_building_blocks_are_public():
    # GIVEN moto.server / WHEN its WSGI pieces are imported / THEN they are there with the expected shape
    from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import WSGIRequestHandler

    assert callable(create_backend_app)
    assert parameters(DomainDispatcherApplication.__init__)[:2] == ["self", "create_app"]
    assert issubclass(MotoRequestHandler, WSGIRequestHandler)


def test_per_request_lookups_cached_by_server_speed_are_where_expected():
    # GIVEN moto's dispatcher and base response
    import moto.backends
    import moto.core.responses
    from moto.core.responses import BaseResponse
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    # WHEN their sources are read
    # THEN the host lookup lists moto's modules through the module, and actions are found by class methods
    assert "backends.list_of_moto_modules()" in inspect.getsource(
        DomainDispatcherApplication.get_backend_for_host
    )
    assert "method_names_from_class(self.__class__)" in inspect.getsource(BaseResponse.call_action)
    assert callable(vars(moto.core.responses)["method_names_from_class"])
    assert "sqs" in list(moto.backends.list_of_moto_modules())


def test_moto_api_config_and_reset_endpoints_exist():
    # GIVEN moto's internal API routes / WHEN they are listed / THEN reset and config are served
    from moto.moto_api._internal.urls import url_paths

    assert "{0}/moto-api/reset" in url_paths
    assert "{0}/moto-api/config" in url_paths


# --- DynamoDB compact items ------------------------------------------------------------------------


def _flat_source(function: Any) -> str:
    """The source with all whitespace runs made one space (moto's formatting wraps lines)."""
    return " ".join(inspect.getsource(function).split())


def test_attribute_values_are_type_and_value_with_maps_and_lists_of_attribute_values():
    # GIVEN moto's DynamoType / WHEN values of every kind are built
    from moto.dynamodb.models.dynamo_type import DynamoType

    nested = DynamoType({"M": {"l": {"L": [{"S": "x"}, {"SS": ["a"]}]}, "b": {"B": b"\x00"}}})

    # THEN each holds only its type and value (what dynamodb_compact_items packs and rebuilds),
    # maps hold a dict and lists a list of DynamoType, other values are kept as given
    assert vars(nested).keys() == {"type", "value"}
    assert type(nested.value) is dict and type(nested.value["l"]) is DynamoType
    assert type(nested.value["l"].value) is list and type(nested.value["l"].value[0]) is DynamoType
    assert nested.value["l"].value[1].value == ["a"] and nested.value["b"].value == b"\x00"
    for value in ({"S": "x"}, {"N": "1"}, {"B": b"\x01"}, {"BOOL": True}, {"NULL": True}, {"NS": ["1"]}):
        assert vars(DynamoType(value)) == {"type": next(iter(value)), "value": next(iter(value.values()))}


def test_item_sizes_are_what_the_packed_items_count():
    # GIVEN items with values of every type, as moto builds them
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    from embedded_aws.moto_internals.dynamodb_compact_items import PackedItem

    values: list[dict[str, Any]] = [
        {"S": "Zoë"},
        {"S": ""},
        {"N": "-12.50"},
        {"B": b"\x00\xff"},
        {"B": "AAE="},
        {"BOOL": False},
        {"NULL": True},
        {"SS": ["é", "b"]},
        {"NS": ["1", "2.5"]},
        {"BS": [b"\x01", b"\x02\x03"]},
        {"L": [{"S": "x"}, {"N": "10"}, {"L": []}, {"M": {"ü": {"BOOL": True}}}]},
        {"M": {"k": {"SS": ["a"]}, "m": {"M": {"deep": {"B": b"zz"}}}}},
    ]
    for value in values:
        item = Item(DynamoType({"S": "k"}), None, {"k": {"S": "k"}, "attribute": value})

        # WHEN moto and the packed item measure it / THEN they agree (moto's rules are mirrored)
        packed = PackedItem.pack(item)
        assert packed is not None, value
        assert packed.size() == item.size(), value


def test_items_are_mutated_in_place_only_by_update_with_attribute_updates():
    # GIVEN moto's Item / WHEN its methods' sources are read
    import re

    from moto.dynamodb.models.dynamo_type import Item

    writers = {
        name
        for name, member in vars(Item).items()
        if inspect.isfunction(member)
        and re.search(r"self\.attrs\[[^\]]+\] = |del self\.attrs\[|self\.attrs = ", inspect.getsource(member))
    }

    # THEN only the constructor and the legacy AttributeUpdates writer change attributes (a packed
    # item refuses the latter; the other in-place writes go through the Item Table.get_item returns)
    assert writers == {"__init__", "update_with_attribute_updates"}


def test_tables_store_items_in_a_dict_written_only_by_put_and_delete():
    # GIVEN moto's DynamoDB model sources
    import re

    import moto.dynamodb.models as backend_module
    import moto.dynamodb.models.table as table_module
    from moto.dynamodb.models.table import Table

    sources = inspect.getsource(table_module) + inspect.getsource(backend_module)

    # WHEN the writes to a table's items are looked for
    stores = re.findall(r"self\.items\[[^\n]*\] = [^\n]*", sources)
    removals = re.findall(r"self\.items[^\n]*\.pop\([^\n]*", sources)
    replacements = re.findall(r"self\.items = [^\n]*", sources)

    # THEN they are the ones dynamodb_compact_items and dynamodb_scan_speed follow
    assert stores == [
        "self.items[hash_value][range_value] = item",
        "self.items[hash_value] = item  # type: ignore[assignment]",
    ]
    assert removals == [
        "self.items[hash_key].pop(range_key)",
        "self.items.pop(hash_key)",
    ]
    assert replacements == [
        "self.items = []",  # StreamShard's records, not a table's items
        "self.items = defaultdict(dict)  # type: ignore  # [hash: DynamoType] or [hash: [range: DynamoType]]",
        "self.items = copy.deepcopy(backup.table.items)",
        "self.items = copy.deepcopy(source.items)",
    ]
    assert "self.items[hash_value][range_value] = item" in inspect.getsource(Table.put_item)
    assert "self.items.pop(hash_key)" in inspect.getsource(Table.delete_item)


def test_put_get_and_delete_hand_out_the_stored_item():
    # GIVEN moto's Table / WHEN put_item, get_item and delete_item are read
    from moto.dynamodb.models.table import Table

    put = _flat_source(Table.put_item)
    get = _flat_source(Table.get_item)
    delete = _flat_source(Table.delete_item)

    # THEN put_item returns the Item it stored, get_item the stored one (or its projection, a new Item),
    # delete_item the removed one (or None)
    assert "item = Item(hash_value, range_value, item_attrs)" in put and put.endswith("return item")
    assert "current = self.get_item(hash_value, lookup_range_value)" in put
    assert "self.stream_shard.add(current, item)" in put
    assert parameters(Table.get_item) == ["self", "hash_key", "range_key", "projection_expression"]
    assert "result = self.items[hash_key][range_key]" in get and "result = self.items[hash_key]" in get
    assert "result = result.project(projection_expression)" in get and "return result" in get
    assert parameters(Table.delete_item) == ["self", "hash_key", "range_key"]
    assert "return item except KeyError: return None" in delete


def test_update_item_mutates_the_item_table_get_item_returned():
    # GIVEN moto's backend update_item / WHEN its source is read
    from moto.dynamodb.models import DynamoDBBackend

    source = _flat_source(DynamoDBBackend.update_item)

    # THEN it reads the item through table.get_item (also right after creating it), changes that object
    # in place and returns it, without storing it itself
    assert parameters(DynamoDBBackend.update_item)[:3] == ["self", "table_name", "key"]
    assert source.count("item = table.get_item(hash_value, range_value)") == 2
    assert "table.put_item(data)" in source
    assert (
        "UpdateExpressionExecutor( validated_ast, item, # type: ignore[arg-type] "
        "expression_attribute_names, ).execute()" in source
    )
    assert "item.update_with_attribute_updates(attribute_updates)" in source
    assert "table.items" not in source and source.endswith("return item # type: ignore[return-value]")


def test_tables_are_deep_copied_by_the_default_protocol_and_restores_copy_items():
    # GIVEN moto's table classes
    from moto.core.common_models import BaseModel, CloudFormationModel
    from moto.dynamodb.models.table import RestoredPITTable, RestoredTable, Table

    # WHEN their copy hooks are looked for / THEN there are none (dynamodb_compact_items adds
    # Table.__deepcopy__ doing what the default does), and restored tables deep-copy the source items
    for cls in (Table, CloudFormationModel, BaseModel, RestoredTable, RestoredPITTable):
        for hook in (
            "__deepcopy__",
            "__copy__",
            "__reduce__",
            "__reduce_ex__",
            "__getstate__",
            "__setstate__",
        ):
            assert hook not in vars(cls), (cls, hook)
    assert "self.items = copy.deepcopy(backup.table.items)" in inspect.getsource(RestoredTable.__init__)
    assert "self.items = copy.deepcopy(source.items)" in inspect.getsource(RestoredPITTable.__init__)


def test_model_classes_register_for_the_dashboard_by_module():
    # GIVEN moto's instance tracking metaclass / WHEN its source is read
    from moto.core.base_backend import InstanceTrackerMeta
    from moto.core.model_instances import model_data

    from embedded_aws.moto_internals.dynamodb_compact_items import PackedItem

    source = inspect.getsource(InstanceTrackerMeta.__new__)

    # THEN classes are registered by the module's second name part (PackedItem takes itself out again)
    assert 'service = cls.__module__.split(".")[1]' in source
    assert "model_data[service][name] = cls" in source
    assert all(PackedItem not in models.values() for models in model_data.values())
    assert PackedItem.instances_tracked == []


# --- DynamoDB scans --------------------------------------------------------------------------------


def test_scan_is_the_loop_the_fast_path_mirrors():
    # GIVEN moto's Table.scan / WHEN its source is read
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import RESULT_SIZE_LIMIT, Table

    source = _flat_source(Table.scan)

    # THEN without an index it walks all_items(), and the per-item steps are those dynamodb_scan_speed runs
    assert parameters(Table.scan) == [
        "self",
        "filters",
        "limit",
        "exclusive_start_key",
        "filter_expression",
        "index_name",
        "consistent_read",
        "projection_expression",
        "segments",
    ]
    for step in (
        "hash_attrs = [self.hash_key_attr] range_attrs = [self.range_key_attr] items = self.all_items()",
        "processing_previous_page = exclusive_start_key is not None for item in items: "
        "if not item.is_within_segment(segments): continue",
        "reached_length_limit = len(results) == limit",
        "reached_size_limit = (result_size + item.size()) > RESULT_SIZE_LIMIT",
        "if reached_length_limit or reached_size_limit: last_evaluated_key = self._get_last_evaluated_key( "
        "results[-1], index_name ) break",
        "for attribute_name in filters: attribute = item.attrs.get(attribute_name) "
        "(comparison_operator, comparison_objs) = filters[attribute_name] if attribute: "
        "# Attribute found if not attribute.compare(comparison_operator, comparison_objs): "
        'passes_all_conditions = False break elif comparison_operator == "NULL": '
        "# Comparison is NULL and we don't have the attribute continue else: "
        "# No attribute found and comparison is no NULL. This item # fails "
        "passes_all_conditions = False break",
        "else: results.append(copy.deepcopy(item)) result_size += item.size() scanned_count += 1",
        "if filter_expression is not None: "
        "results = [item for item in results if filter_expression.expr(item)]",
        "if projection_expression: results = [r.project(projection_expression) for r in results] "
        "return results, scanned_count, last_evaluated_key",
    ):
        assert step in source, step
    assert RESULT_SIZE_LIMIT == 1000000
    assert parameters(Item.is_within_segment) == ["self", "segments"]
    assert parameters(Table._get_last_evaluated_key) == ["self", "last_result", "index_name"]
    assert "segments=segments" in inspect.getsource(DynamoDBBackend.scan)


def test_all_items_order_and_the_start_key_skip_rule_are_the_bisected_ones():
    # GIVEN the order all_items() sorts by and the rule that skips items up to the ExclusiveStartKey
    from decimal import Decimal

    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    order = _flat_source(Table.all_items)
    skip = _flat_source(Table._item_comes_before_dct)

    # WHEN they are read / THEN keys sort as DynamoType compares them, by cast_value, hash then range,
    # and an item is skipped while it is before or equal to the start key (bisect_right)
    assert "key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key" in order
    assert (
        "return ( (item.attrs[attr] < DynamoType(dct.get(attr))) # type: ignore == scan_index_forward )"
        in skip
    )
    assert skip.endswith("# Keys were equal, items are identical return True")
    assert DynamoType({"N": "9"}) < DynamoType({"N": "10"}) and DynamoType(
        {"N": "1.50"}
    ).cast_value == Decimal("1.5")
    assert DynamoType({"S": "b"}).cast_value == "b" and DynamoType({"B": b"\x01"}).cast_value == b"\x01"
    assert DynamoType({"N": "1.0"}) == DynamoType({"N": "1"})
    assert hash(DynamoType({"N": "1.0"})) == hash(DynamoType({"N": "1"}))
    for attribute in ("hash_key_attr", "range_key_attr", "hash_key_type", "range_key_type"):
        assert f"self.{attribute}" in inspect.getsource(Table.__init__), attribute
    # tables are told apart by identity (the key orders are kept in a WeakKeyDictionary)
    assert Table.__eq__ is object.__eq__ and Table.__hash__ is object.__hash__


# --- Step Functions: errors, quotas and execution names (embedded_aws/moto_internals/sfn_*) --------


def test_error_equals_pops_an_error_name_and_pushes_whether_it_matches():
    # GIVEN moto's ErrorEquals decision, with States.ALL listed
    from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import ErrorEqualsDecl
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )

    decl = ErrorEqualsDecl([StatesErrorName(StatesErrorNameType.StatesALL)])
    stack: list[Any] = [StatesErrorName(StatesErrorNameType.StatesRuntime)]

    class Env:
        pass

    env = Env()
    env.stack = stack  # type: ignore[attr-defined]

    # WHEN moto's own rule decides for States.Runtime
    decl._eval_body(env)

    # THEN it pops the name and pushes True: moto lets States.ALL catch it (sfn_error_handling fixes that)
    assert stack == [True]
    assert [name.error_name for name in decl.error_names] == ["States.ALL"]
    assert StatesErrorNameType.from_name("States.DataLimitExceeded").to_name() == "States.DataLimitExceeded"


def test_failed_branches_and_iterations_name_their_error_with_the_module_custom_error_name():
    # GIVEN the Parallel and Map modules, and moto's CustomErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import iteration_worker
    from moto.stepfunctions.parser.asl.component.state.exec.state_parallel import branches_decl

    # WHEN they are inspected / THEN both build the error through their module global, which refuses States.
    assert branches_decl.CustomErrorName is CustomErrorName
    assert iteration_worker.CustomErrorName is CustomErrorName
    assert "CustomErrorName(error_name=exit_error_name)" in inspect.getsource(branches_decl)
    assert "CustomErrorName(error_name=error_name)" in inspect.getsource(iteration_worker)
    with pytest.raises(ValueError):
        CustomErrorName("States.TaskFailed")


def test_the_payload_quota_is_read_at_call_time_and_is_exclusive():
    # GIVEN moto's quota check
    from moto.stepfunctions.parser import quotas

    # WHEN a value of exactly 256 KiB is checked / THEN moto refuses it (AWS allows it: the runtime adds 1)
    assert quotas.MAX_STATE_SIZE_UTF8_BYTES == 256 * 1024
    assert not quotas.is_within_size_quota("x" * (256 * 1024))
    assert quotas.is_within_size_quota("x" * (256 * 1024 - 1))


def test_the_payload_quota_is_read_from_the_module_at_call_time(monkeypatch: pytest.MonkeyPatch):
    # GIVEN moto's quota check, with the module's quota raised by one byte (what sfn_error_handling does)
    from moto.stepfunctions.parser import quotas

    monkeypatch.setattr(quotas, "MAX_STATE_SIZE_UTF8_BYTES", 256 * 1024 + 1)

    # WHEN exactly 256 KiB is checked / THEN the new quota applies
    assert quotas.is_within_size_quota("x" * (256 * 1024))


def test_start_execution_takes_name_and_input_and_names_an_unnamed_execution_none(moto_in_process):
    # GIVEN the executing backend's start_execution
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    assert parameters(StepFunctionsParserBackend.start_execution) == [
        "self",
        "state_machine_arn",
        "name",
        "execution_input",
        "trace_header",
    ]
    # WHEN its source is read / THEN an unnamed execution takes `name` into its ARN as it is (None)
    source = inspect.getsource(StepFunctionsParserBackend.start_execution)
    assert "exec_name = name" in source
    assert "len(" not in source  # no size check of its own


def test_executions_start_stop_and_report_their_end_through_the_worker_communication():
    # GIVEN the executing backend's Execution and the object its engine reports the end through
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication, Execution

    # WHEN their methods are inspected / THEN they are the hooks sfn_status_events wraps
    assert parameters(Execution.start) == ["self"]
    assert parameters(Execution.stop) == ["self", "stop_date", "error", "cause"]
    assert parameters(BaseExecutionWorkerCommunication.terminated) == ["self"]
    init = inspect.getsource(Execution.__init__)
    for attribute in ("self.exec_arn", "self.name", "self.start_date", "self.input_data", "self.output"):
        assert attribute in init
    reflect = inspect.getsource(BaseExecutionWorkerCommunication._reflect_execution_status)
    for status in ("SUCCEEDED", "ABORTED", "FAILED", "TIMED_OUT"):
        assert f"ExecutionStatus.{status}" in reflect
    # and StopExecution only signals the engine (the status follows later), which the runtime fixes
    assert "exec_status" not in inspect.getsource(Execution.stop)
    # and StartSyncExecution runs to its end inside start()
    from moto.stepfunctions.parser.backend.execution import SyncExecution
    from moto.stepfunctions.parser.backend.execution_worker import SyncExecutionWorker

    assert issubclass(SyncExecution, Execution)
    assert "self._execution_logic()" in inspect.getsource(SyncExecutionWorker.start)


def test_eventbridge_rules_deliver_through_send_to_targets_without_lambda_support():
    # GIVEN moto's EventBridge rule and its input transformer
    from moto.events.models import Rule
    from moto.events.utils import EventTemplateParser

    # WHEN inspected / THEN delivery is one method per rule, and Lambda targets are not among moto's
    assert parameters(Rule.send_to_targets) == ["self", "original_event", "transform_input"]
    source = inspect.getsource(Rule.send_to_targets)
    assert "self.event_pattern.matches_event(original_event)" in source
    assert 'arn.service == "lambda"' not in source
    assert "raise NotImplementedError" in source
    assert parameters(EventTemplateParser.parse) == ["input_template", "input_paths_map", "event"]


def test_every_state_is_entered_through_one_eval_body_sharing_the_executions_event_manager():
    # GIVEN the engine's state base class, its execution worker and its environment frames
    from moto.stepfunctions.parser.asl.component.state.state import CommonStateField
    from moto.stepfunctions.parser.asl.eval.environment import Environment
    from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    # WHEN inspected
    # THEN each state's body is entered through CommonStateField._eval_body (no state type overrides it)
    assert parameters(CommonStateField._eval_body) == ["self", "env"]
    from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.state_map import StateMap
    from moto.stepfunctions.parser.asl.component.state.exec.state_parallel.state_parallel import StateParallel
    from moto.stepfunctions.parser.asl.component.state.state_pass.state_pass import StatePass

    for state_type in (ExecutionState, StateMap, StateParallel, StatePass):
        assert "_eval_body" not in vars(state_type)
    # and the worker builds the one environment whose event manager its frames share, holding a list
    assert parameters(ExecutionWorker._get_evaluation_environment) == ["self"]
    assert "frame.event_manager = env.event_manager" in inspect.getsource(Environment.as_inner_frame_of)
    assert "self._history_event_list = []" in inspect.getsource(EventManager.__init__)


def test_child_execution_tasks_normalise_through_the_stubbed_base_hooks():
    # GIVEN the startExecution task and the base service task
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
        StateTaskService,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import (
        StateTaskServiceSfn,
    )

    # WHEN inspected
    # THEN its own parameter hook only turns Input into text and defers to the base hook, which is a no-op
    own = inspect.getsource(StateTaskServiceSfn._normalise_parameters)
    assert "super()._normalise_parameters(" in own
    assert "_to_boto_request" not in own
    assert "_normalise_response" not in vars(StateTaskServiceSfn)
    assert inspect.getsource(StateTaskService._normalise_response).rstrip().endswith("pass")
    assert parameters(StateTaskServiceSfn._normalise_parameters) == [
        "self",
        "parameters",
        "boto_service_name",
        "service_action_name",
    ]
    # and the .sync resolvers normalise DescribeExecution through the response hook, by action name
    sync = inspect.getsource(StateTaskServiceSfn._build_sync_resolver)
    assert 'service_action_name="describe_execution"' in sync
    assert "StatesErrorNameType.StatesTaskFailed" in sync


def test_variable_references_evaluate_as_jsonata_whose_evaluator_moto_leaves_unset():
    # GIVEN moto's variable reference and its JSONata evaluator
    from moto.stepfunctions.parser.asl.component.common.string.string_expression import StringVariableSample
    from moto.stepfunctions.parser.asl.jsonata import jsonata
    from moto.stepfunctions.parser.asl.utils.json_path import extract_json

    # WHEN inspected / THEN a reference keeps its mode and text, and is evaluated as JSONata (not wired)
    sample = StringVariableSample(query_language_mode=None, expression="$n.a")  # type: ignore[arg-type]
    assert (sample.expression, sample.query_language_mode) == ("$n.a", None)
    assert "eval_jsonata_expression(rich_jsonata_expression)" in inspect.getsource(
        StringVariableSample._eval_body
    )
    assert "_eval_body" in vars(StringVariableSample)
    assert extract_json("$.a", {"a": 1}) == 1
    with pytest.raises(TypeError, match="not callable"):
        jsonata.eval_jsonata_expression("$n")


def test_sqs_counts_message_sizes_in_characters_of_the_body_only():
    # GIVEN moto's SQS backend and its size errors
    from moto.sqs.exceptions import BatchRequestTooLong, InvalidParameterValue
    from moto.sqs.models import SQSBackend

    # WHEN inspected / THEN sends take the arguments sqs_message_size reads, and count body characters
    assert parameters(SQSBackend.send_message)[:4] == [
        "self",
        "queue_name",
        "message_body",
        "message_attributes",
    ]
    assert parameters(SQSBackend.send_message_batch) == ["self", "queue_name", "entries"]
    assert parameters(InvalidParameterValue.__init__) == ["self", "message"]
    assert parameters(BatchRequestTooLong.__init__) == ["self", "length"]


def test_sqs_measures_a_body_in_characters_and_a_batch_without_its_attributes(moto_in_process):
    # GIVEN a queue taking messages up to 1,024 (moto's lowest MaximumMessageSize)
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="sizes", Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
    two_byte_body = "é" * 1024  # 1,024 characters, 2,048 bytes in UTF-8
    attributes = {"padding": {"DataType": "String", "StringValue": "p" * 2000}}

    # WHEN a body of 1,024 two-byte characters with a large attribute is sent / THEN moto accepts it
    sqs.send_message(QueueUrl=url, MessageBody=two_byte_body, MessageAttributes=attributes)
    # AND one character more is refused: the body is measured in characters
    with pytest.raises(sqs.exceptions.ClientError, match="InvalidParameterValue"):
        sqs.send_message(QueueUrl=url, MessageBody=two_byte_body + "é")

    # WHEN a batch's bodies total exactly 1,048,576 characters, attributes on top / THEN it is accepted
    body = "é" * (1024 * 1024 // 2)
    big = boto3.client("sqs").create_queue(QueueName="big-batch")["QueueUrl"]
    entries = [{"Id": str(i), "MessageBody": body, "MessageAttributes": attributes} for i in range(2)]
    assert len(sqs.send_message_batch(QueueUrl=big, Entries=entries)["Successful"]) == 2
    # AND one character more is refused as too long
    entries[1]["MessageBody"] = body + "x"
    with pytest.raises(sqs.exceptions.ClientError, match="BatchRequestTooLong"):
        sqs.send_message_batch(QueueUrl=big, Entries=entries)


def test_the_evaluation_environment_holds_the_start_time_as_a_datetime_in_its_context_object():
    # GIVEN the worker's environment builder and the context object it fills
    from moto.stepfunctions.parser.asl.eval.environment import Environment
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    # WHEN their sources are read / THEN StartTime is the execution's start_time, kept in
    # states.context_object.context_object_data (what sfn_context_object rewrites)
    assert parameters(ExecutionWorker._get_evaluation_environment) == ["self"]
    builder = inspect.getsource(ExecutionWorker._get_evaluation_environment)
    assert "StartTime=self._evaluation_details.execution_details.start_time" in builder
    assert "self.states = States(context=context)" in inspect.getsource(Environment.__init__)


def test_extract_json_lists_a_value_reached_through_an_index_and_is_imported_by_name():
    # GIVEN moto's extract_json and the modules that bound it at import
    import importlib

    from moto.stepfunctions.parser.asl.utils import json_path

    from embedded_aws.moto_internals.sfn_json_path import IMPORTERS

    # WHEN a definite path goes through an index / THEN stock moto wraps the value in a list (the bug
    # sfn_json_path fixes), and each importer holds the same function object
    assert json_path.extract_json("$.t[0].s", {"t": [{"s": "x"}]}) == ["x"]
    for name in IMPORTERS:
        assert importlib.import_module(name).extract_json is json_path.extract_json, name
