"""Run the whole Pulumi program against mocks and capture every registered resource.

Facts about Pulumi's Python mocks (``pulumi.runtime.set_mocks``) this harness relies on: mocks must be set
before anything is constructed, the root stack resource is process-wide and must be reset between runs,
`preview=False` with complete outputs (arn/url/id/name) keeps dependent Outputs known, invokes must be
answered, numbers arrive as floats and nested inputs in camelCase.
"""

from __future__ import annotations

import json
import runpy
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import config as pulumi_config
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.settings import get_root_resource, set_root_resource

with warnings.catch_warnings():
    # pulumi_aws warns about its own deprecated members on import; silence exactly that, here only.
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pulumi_aws(\..*)?$")
    import pulumi_aws  # noqa: F401  (imported under the filter so later imports hit the module cache)

PROGRAM = Path(__file__).resolve().parents[2] / "__main__.py"
PROJECT = "onboarding-migration"
STACK = "test"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
STACK_TYPE = "pulumi:pulumi:Stack"
FUNCTION_NAMES = (
    "legacy_intake",
    "onboarding_intake",
    "enqueue_records",
    "migrate_record",
    "validate_migration",
    "restore_serving",
)


@dataclass(frozen=True)
class RegisteredResource:
    """One resource as the program registered it."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    ignore_changes: tuple[str, ...]
    dependencies: tuple[str, ...]


@dataclass
class CapturedStack:
    """Everything one program run registered, plus its exports and invokes."""

    resources: list[RegisteredResource] = field(default_factory=list)
    exports: dict[str, Any] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def of_type(self, type_: str) -> list[RegisteredResource]:
        return [resource for resource in self.resources if resource.type == type_]

    def by_urn(self, urn: str) -> RegisteredResource:
        matches = [resource for resource in self.resources if resource.urn == urn]
        assert len(matches) == 1, f"expected one resource with URN {urn}, found {len(matches)}"
        return matches[0]

    def one(self, type_: str, **outputs: Any) -> RegisteredResource:
        """The single resource of a type whose outputs have the given values."""
        matches = [
            resource
            for resource in self.of_type(type_)
            if all(resource.outputs.get(key) == value for key, value in outputs.items())
        ]
        assert len(matches) == 1, f"expected one {type_} with {outputs}, found {len(matches)}"
        return matches[0]

    def children_of(self, parent: RegisteredResource, type_: str | None = None) -> list[RegisteredResource]:
        return [
            resource
            for resource in self.resources
            if resource.parent == parent.urn and (type_ is None or resource.type == type_)
        ]

    def policy_documents(self) -> Iterator[tuple[RegisteredResource, dict[str, Any]]]:
        """Every policy document anywhere in any resource's inputs (a JSON string with a Statement)."""
        for resource in self.resources:
            for document in _policy_documents_in(resource.inputs):
                yield resource, document


def _policy_documents_in(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _policy_documents_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _policy_documents_in(item)
    elif isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return
        if isinstance(parsed, dict) and "Statement" in parsed:
            yield parsed


def statements(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = document["Statement"]
    return [found] if isinstance(found, dict) else list(found)


def as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str | dict) else list(value)


class StackMocks(Mocks):
    """Answers every invoke the program makes and returns complete outputs for every resource."""

    def __init__(self, calls: list[tuple[str, dict[str, Any]]]) -> None:
        self.calls = calls

    def call(self, args: MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        # A bare dict means "no failures" to MockMonitor.Invoke (a (dict, None) tuple would crash it).
        self.calls.append((args.token, dict(args.args)))
        if args.token == "aws:index/getRegion:getRegion":
            return {
                "id": REGION,
                "name": REGION,
                "region": REGION,
                "endpoint": f"ec2.{REGION}.amazonaws.com",
                "description": "Europe (Ireland)",
            }
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "id": ACCOUNT,
                "accountId": ACCOUNT,
                "arn": f"arn:aws:iam::{ACCOUNT}:user/test",
                "userId": "AIDATEST",
            }
        if args.token == "aws:ssm/getParameter:getParameter":
            name = args.args["name"]
            version = name.rsplit("/", 1)[-1]
            value = (
                f"arn:aws:lambda:{REGION}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:"
                f"ssm-{version}"
            )
            return {
                "id": name,
                "arn": f"arn:aws:ssm:{REGION}::parameter{name}",
                "name": name,
                "type": "String",
                "value": value,
                "insecureValue": value,
                "version": 1,
                "withDecryption": True,
            }
        raise NotImplementedError(f"the stack mocks do not answer the invoke {args.token}")

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if not args.custom:
            return "", {}
        inputs = dict(args.inputs)
        name = inputs.get("name") or f"{args.name}-mock"
        outputs: dict[str, Any] = {**inputs, "name": name}
        resource_id = name
        service_arn = f"arn:aws:{{}}:{REGION}:{ACCOUNT}:{{}}"
        if args.typ == "aws:sqs/queue:Queue":
            resource_id = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}"
            outputs |= {"url": resource_id, "arn": service_arn.format("sqs", name)}
        elif args.typ == "aws:dynamodb/table:Table":
            outputs |= {"arn": service_arn.format("dynamodb", f"table/{name}")}
        elif args.typ == "aws:lambda/function:Function":
            arn = service_arn.format("lambda", f"function:{name}")
            outputs |= {"arn": arn, "qualifiedArn": f"{arn}:$LATEST", "invokeArn": arn, "version": "$LATEST"}
        elif args.typ == "aws:lambda/eventSourceMapping:EventSourceMapping":
            resource_id = f"uuid-{args.name}"
            outputs |= {
                "uuid": resource_id,
                "arn": service_arn.format("lambda", f"event-source-mapping:{args.name}"),
            }
        elif args.typ == "aws:iam/role:Role":
            outputs |= {"arn": f"arn:aws:iam::{ACCOUNT}:role/{name}", "uniqueId": f"AROA{args.name}"}
        elif args.typ == "aws:cloudwatch/logGroup:LogGroup":
            outputs |= {"arn": service_arn.format("logs", f"log-group:{name}")}
        elif args.typ == "aws:sns/topic:Topic":
            outputs |= {"arn": service_arn.format("sns", name)}
        elif args.typ == "aws:cloudwatch/dashboard:Dashboard":
            outputs |= {"dashboardArn": f"arn:aws:cloudwatch::{ACCOUNT}:dashboard/{inputs['dashboardName']}"}
        else:
            outputs |= {"arn": service_arn.format("mock", f"{args.typ}/{name}")}
        return resource_id, outputs


class CapturingMonitor(MockMonitor):
    """A mock monitor that records what was registered: type, name, inputs, parent, ignore_changes."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.registered: list[RegisteredResource] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type == STACK_TYPE:
            return response
        registration = self.resources[response.urn]
        self.registered.append(
            RegisteredResource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                parent=request.parent,
                inputs=rpc.deserialize_properties(request.object),
                outputs=dict(registration.state),
                ignore_changes=tuple(request.ignoreChanges),
                dependencies=tuple(request.dependencies),
            )
        )
        return response


def reset_pulumi() -> None:
    """Forget the root stack and the config, so the next run starts clean."""
    set_root_resource(None)  # type: ignore[arg-type]
    pulumi_config.set_all_config({}, [])


def start_mocks(captured: CapturedStack, config: Mapping[str, str] | None = None) -> CapturingMonitor:
    """Install fresh mocks (and config) before anything is constructed."""
    reset_pulumi()
    pulumi_config.set_all_config({f"onboarding:{key}": value for key, value in (config or {}).items()}, [])
    monitor = CapturingMonitor(StackMocks(captured.calls))
    pulumi.runtime.set_mocks(monitor.mocks, project=PROJECT, stack=STACK, preview=False, monitor=monitor)
    return monitor


def run_in_mocks(build: Callable[[], Any], config: Mapping[str, str] | None = None) -> CapturedStack:
    """Run `build` under fresh mocks and wait for every resource and output to settle."""
    captured = CapturedStack()
    monitor = start_mocks(captured, config)

    @pulumi.runtime.test
    def settle() -> pulumi.Output[Any]:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pulumi_aws(\..*)?$")
            build()
        root = get_root_resource()
        outputs = getattr(root, "outputs", {})
        return (
            pulumi.Output.all(**outputs).apply(captured.exports.update)
            if outputs
            else pulumi.Output.from_input(None)
        )

    try:
        settle()
    finally:
        captured.resources = list(monitor.registered)
        reset_pulumi()
    return captured


def run_program(config: Mapping[str, str] | None = None, program: Path = PROGRAM) -> CapturedStack:
    """Run the real `__main__.py` the way `pulumi up` would, but against mocks."""
    return run_in_mocks(lambda: runpy.run_path(str(program), run_name="__main__"), config)
