"""The two kinds of Pulumi mocks the engine (``engine.run_under_mocks``) runs a program with.

``EmulatorMocks`` creates every resource in the emulator (the local deploy); ``DeclaredMocks`` creates
nothing and answers with the inputs plus identifiers shaped like AWS's (``local preview``, the declared
view the deploy is compared with, and the Pulumi unit tests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

from embedded_aws.stack_deploy.adapters import DeployContext, adapter_for
from embedded_aws.stack_deploy.lookups import (
    GET_QUEUE,
    GET_TABLE,
    ExistingResourceNotFound,
    emulator_lookup,
    queue_result,
    table_result,
)


class UnsupportedInvoke(NotImplementedError):
    pass


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
        if args.token in (GET_QUEUE, GET_TABLE):
            # An adopted service's resources, read from the emulator (never created by this program).
            return emulator_lookup(self._ctx.client, args.token, args.args, region), []
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


def _public_parameter_placeholder(name: str) -> str:
    return f"declared:{name}"


class DeclaredMocks(Mocks):
    """Creates nothing: each resource gets its inputs back plus the identifiers AWS would add (ARN, URL,
    UUID ...), shaped like AWS's so dependents (policies, definitions, exports) read like the real ones."""

    def __init__(
        self,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        parameter_value: Callable[[str], str] = _public_parameter_placeholder,
        existing_queues: Iterable[str] = (),
        existing_tables: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """``existing_queues`` (names) and ``existing_tables`` (name -> ``DescribeTable`` document) are what
        ``get_queue`` / ``get_table`` find: the live service a test's program adopts."""
        self._region = region
        self._account = account_id
        self._parameter_value = parameter_value
        self._existing_queues = frozenset(existing_queues)
        self._existing_tables = dict(existing_tables or {})

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if not args.custom:
            # Component resources (onboarding:*) are groupings: nothing to create.
            return args.name, {}
        inputs = dict(args.inputs)
        name = inputs.get("name") or args.name
        outputs: dict[str, Any] = {**inputs, "name": name}
        resource_id = name
        arn = f"arn:aws:{{}}:{self._region}:{self._account}:{{}}"
        if args.typ == "aws:sqs/queue:Queue":
            resource_id = f"https://sqs.{self._region}.amazonaws.com/{self._account}/{name}"
            outputs |= {"url": resource_id, "arn": arn.format("sqs", name)}
        elif args.typ == "aws:dynamodb/table:Table":
            outputs |= {"arn": arn.format("dynamodb", f"table/{name}")}
            if inputs.get("streamEnabled"):
                label = "2026-01-01T00:00:00.000"  # AWS labels a stream with its creation time
                outputs |= {
                    "streamArn": arn.format("dynamodb", f"table/{name}/stream/{label}"),
                    "streamLabel": label,
                }
        elif args.typ == "aws:lambda/function:Function":
            function_arn = arn.format("lambda", f"function:{name}")
            outputs |= {
                "arn": function_arn,
                "qualifiedArn": f"{function_arn}:$LATEST",
                "invokeArn": function_arn,
                "version": "$LATEST",
            }
        elif args.typ == "aws:lambda/eventSourceMapping:EventSourceMapping":
            resource_id = f"uuid-{args.name}"
            outputs |= {"uuid": resource_id, "arn": arn.format("lambda", f"event-source-mapping:{args.name}")}
        elif args.typ == "aws:iam/role:Role":
            outputs |= {"arn": f"arn:aws:iam::{self._account}:role/{name}", "uniqueId": f"AROA{args.name}"}
        elif args.typ == "aws:cloudwatch/logGroup:LogGroup":
            outputs |= {"arn": arn.format("logs", f"log-group:{name}")}
        elif args.typ == "aws:sns/topic:Topic":
            outputs |= {"arn": arn.format("sns", name)}
        elif args.typ == "aws:sfn/stateMachine:StateMachine":
            outputs |= {"arn": arn.format("states", f"stateMachine:{name}")}
        elif args.typ == "aws:cloudwatch/dashboard:Dashboard":
            dashboard = inputs.get("dashboardName", name)
            outputs |= {"dashboardArn": f"arn:aws:cloudwatch::{self._account}:dashboard/{dashboard}"}
        else:
            service = args.typ.split(":")[1].split("/")[0]
            outputs |= {"arn": arn.format(service, f"{args.typ.rsplit(':', 1)[-1].lower()}/{name}")}
        return resource_id, outputs

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == "aws:index/getRegion:getRegion":
            return _region(self._region), []
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return _caller_identity(self._region, self._account), []
        if args.token == "aws:index/getPartition:getPartition":
            return _partition(), []
        if args.token == "aws:ssm/getParameter:getParameter":
            name = args.args["name"]
            value = self._parameter_value(name)
            return {
                "id": name,
                "arn": f"arn:aws:ssm:{self._region}::parameter{name}",
                "name": name,
                "type": "String",
                "value": value,
                "insecureValue": value,
                "version": 1,
                "withDecryption": True,
            }, []
        if args.token == GET_QUEUE:
            name = str(args.args["name"])
            if name not in self._existing_queues:
                raise ExistingResourceNotFound(f"no SQS queue named {name!r}")
            url = f"https://sqs.{self._region}.amazonaws.com/{self._account}/{name}"
            arn = f"arn:aws:sqs:{self._region}:{self._account}:{name}"
            return queue_result(name, url, arn, self._region), []
        if args.token == GET_TABLE:
            name = str(args.args["name"])
            if name not in self._existing_tables:
                raise ExistingResourceNotFound(f"no DynamoDB table named {name!r}")
            return table_result(self._existing_tables[name], self._region), []
        # An empty answer would reach the program as None, silently: refuse instead.
        raise UnsupportedInvoke(f"the declared mocks do not answer the invoke {args.token}")


__all__ = ["DeclaredMocks", "EmulatorMocks", "UnsupportedInvoke"]
