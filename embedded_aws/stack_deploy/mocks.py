"""Pulumi mocks: one that creates every resource in the emulator, one that only echoes (for comparisons)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.sync_await import _ensure_event_loop

from embedded_aws.stack_deploy.adapters import DeployContext, adapter_for

STACK_TYPE = "pulumi:pulumi:Stack"


class UnsupportedInvoke(NotImplementedError):
    pass


@dataclass(frozen=True)
class Registration:
    """One resource as the program registered it, and what the mocks answered."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]


class RecordingMonitor(MockMonitor):
    """A mock monitor that also keeps every registration (type, name, parent, inputs, outputs)."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []
        self._lock = threading.Lock()

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type == STACK_TYPE:
            return response
        _ensure_event_loop()
        inputs = rpc.deserialize_properties(request.object)
        registered = self.resources[response.urn]
        with self._lock:
            self.registrations.append(
                Registration(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    custom=bool(request.custom),
                    parent=request.parent,
                    id=registered.id or "",
                    inputs=inputs,
                    outputs=dict(registered.state),
                )
            )
        return response


def _caller_identity(region: str, account_id: str) -> dict[str, Any]:
    return {
        "accountId": account_id,
        "arn": f"arn:aws:iam::{account_id}:user/local",
        "userId": "AIDALOCALEMBEDDEDAWS",
        "id": account_id,
    }


def _region(region: str) -> dict[str, Any]:
    return {
        "name": region,
        "region": region,
        "id": region,
        "description": f"Local emulator ({region})",
        "endpoint": f"ec2.{region}.amazonaws.com",
    }


def _partition() -> dict[str, Any]:
    return {
        "partition": "aws",
        "dnsSuffix": "amazonaws.com",
        "id": "aws",
        "reverseDnsPrefix": "com.amazonaws",
    }


class EmulatorMocks(Mocks):
    """Creates each resource in the emulator and answers invokes with the emulator's region and account."""

    def __init__(self, ctx: DeployContext) -> None:
        self._ctx = ctx

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if not args.custom:
            # Component resources (onboarding:*) are groupings: nothing to create.
            return args.name, {}
        if args.typ.startswith("pulumi:providers:"):
            return f"{args.name}_id", dict(args.inputs)
        adapter = adapter_for(args.typ, args.name)
        return adapter(self._ctx, args.name, dict(args.inputs))

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        region, account = self._ctx.region, self._ctx.account_id
        if args.token == "aws:index/getRegion:getRegion":
            return _region(region), []
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return _caller_identity(region, account), []
        if args.token == "aws:index/getPartition:getPartition":
            return _partition(), []
        if args.token == "aws:ssm/getParameter:getParameter":
            return self._ssm_parameter(args.args["name"]), []
        raise UnsupportedInvoke(
            f"the program calls {args.token}, which the embedded local runtime does not answer; "
            "add it to embedded_aws/stack_deploy/mocks.py"
        )

    def _ssm_parameter(self, name: str) -> dict[str, Any]:
        ssm = self._ctx.client("ssm")
        try:
            parameter = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
            value = parameter["Value"]
        except ssm.exceptions.ParameterNotFound:
            if not name.startswith("/aws/service/"):
                raise
            # An AWS public parameter (such as the Powertools layer ARN): it has no local counterpart, and
            # what it names (a public layer) is left out locally anyway.
            value = f"local-unresolved-public-parameter:{name}"
        return {
            "name": name,
            "value": value,
            "insecureValue": value,
            "type": "String",
            "id": name,
            "version": 1,
        }


class EchoMocks(Mocks):
    """Returns the inputs plus made-up identifiers: the program's own view, with no emulator."""

    def __init__(self, region: str, account_id: str) -> None:
        self._region = region
        self._account = account_id

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if not args.custom:
            return args.name, {}
        service = args.typ.split(":")[1].split("/")[0]
        arn = f"arn:aws:{service}:{self._region}:{self._account}:{args.name}"
        outputs = {
            "name": args.name,
            "arn": arn,
            "url": f"https://{service}.{self._region}.amazonaws.com/{self._account}/{args.name}",
            "uuid": f"{args.name}-uuid",
            **args.inputs,
        }
        return f"{args.name}-id", outputs

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == "aws:index/getRegion:getRegion":
            return _region(self._region), []
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return _caller_identity(self._region, self._account), []
        if args.token == "aws:index/getPartition:getPartition":
            return _partition(), []
        if args.token == "aws:ssm/getParameter:getParameter":
            value = f"echo:{args.args['name']}"
            return {"name": args.args["name"], "value": value, "insecureValue": value, "type": "String"}, []
        return {}, []


__all__ = ["EchoMocks", "EmulatorMocks", "RecordingMonitor", "Registration", "UnsupportedInvoke"]
