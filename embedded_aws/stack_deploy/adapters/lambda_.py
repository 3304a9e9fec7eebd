"""aws:lambda/* resources: functions (with their code archive), event source mappings and permissions."""

from __future__ import annotations

import io
import secrets
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pulumi

from embedded_aws.stack_deploy.adapters.base import (
    CreateResult,
    DeployContext,
    as_int,
    physical_name,
    without_none,
)


class UnsupportedCode(ValueError):
    pass


def _add_directory(archive: zipfile.ZipFile, directory: Path, prefix: str = "") -> None:
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            archive.write(path, prefix + path.relative_to(directory).as_posix())


def _add_asset(archive: zipfile.ZipFile, name: str, asset: Any) -> None:
    if isinstance(asset, pulumi.StringAsset):
        archive.writestr(name, asset.text)
    elif isinstance(asset, pulumi.FileAsset):
        archive.write(asset.path, name)
    elif isinstance(asset, pulumi.FileArchive) and Path(asset.path).is_dir():
        _add_directory(archive, Path(asset.path), f"{name.rstrip('/')}/")
    elif isinstance(asset, pulumi.FileArchive):
        with zipfile.ZipFile(asset.path) as inner:
            for member in inner.infolist():
                archive.writestr(f"{name.rstrip('/')}/{member.filename}", inner.read(member))
    elif isinstance(asset, pulumi.AssetArchive):
        for inner_name, inner_asset in asset.assets.items():
            _add_asset(archive, f"{name.rstrip('/')}/{inner_name}", inner_asset)
    else:
        raise UnsupportedCode(f"unsupported asset {type(asset).__name__} at {name!r} in a function archive")


def code_zip(code: Any) -> bytes:
    """The deployment package as zip bytes, from the forms a Pulumi program gives it."""
    if isinstance(code, pulumi.FileArchive):
        path = Path(code.path)
        if path.is_file():
            return path.read_bytes()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            _add_directory(archive, path)
        return buffer.getvalue()
    if isinstance(code, pulumi.AssetArchive):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, asset in code.assets.items():
                _add_asset(archive, name, asset)
        return buffer.getvalue()
    raise UnsupportedCode(
        f"function code of type {type(code).__name__} is not supported locally "
        "(use a FileArchive or an AssetArchive)"
    )


def _local_layers(ctx: DeployContext, layers: list[str]) -> list[str]:
    # Public layers (such as Powertools) do not exist in the emulator and moto rejects them; the local
    # runner already has the project's packages.
    return [arn for arn in layers if arn.startswith("arn:") and arn.split(":")[4] == ctx.account_id]


def function(ctx: DeployContext, name: str, inputs: dict[str, Any]) -> CreateResult:
    if inputs.get("imageUri") or inputs.get("s3Bucket"):
        raise UnsupportedCode(f"function {name}: only zip code archives are supported locally")
    function_name = physical_name(inputs, name, max_length=64)
    logging_config = inputs.get("loggingConfig") or {}
    request = without_none(
        {
            "FunctionName": function_name,
            "Runtime": inputs.get("runtime"),
            "Role": inputs["role"],
            "Handler": inputs.get("handler"),
            "Code": {"ZipFile": code_zip(inputs["code"])},
            "Description": inputs.get("description"),
            "Timeout": as_int(inputs.get("timeout")),
            "MemorySize": as_int(inputs.get("memorySize")),
            "Environment": {"Variables": dict((inputs.get("environment") or {}).get("variables") or {})},
            "Architectures": inputs.get("architectures"),
            "TracingConfig": {"Mode": inputs["tracingConfig"]["mode"]}
            if inputs.get("tracingConfig")
            else None,
            "Layers": _local_layers(ctx, inputs.get("layers") or []) or None,
            "Publish": bool(inputs.get("publish", False)),
            "Tags": inputs.get("tags"),
            "LoggingConfig": without_none(
                {"LogFormat": logging_config.get("logFormat"), "LogGroup": logging_config.get("logGroup")}
            )
            or None,
        }
    )
    created = ctx.client("lambda").create_function(**request)
    if logging_config.get("logGroup"):
        ctx.target.set_function_log_group(function_name, logging_config["logGroup"])
    if ctx.prewarm_functions:
        ctx.target.prewarm(function_name)
    arn = created["FunctionArn"]
    outputs = {
        **inputs,
        "name": function_name,
        "arn": arn,
        "invokeArn": f"arn:aws:apigateway:{ctx.region}:lambda:path/2015-03-31/functions/{arn}/invocations",
        "qualifiedArn": f"{arn}:$LATEST",
        "version": "$LATEST",
        "lastModified": created.get("LastModified", ""),
        "sourceCodeSize": created.get("CodeSize", 0),
        "code": inputs["code"],
    }
    return function_name, outputs


def event_source_mapping(ctx: DeployContext, name: str, inputs: dict[str, Any]) -> CreateResult:
    scaling = inputs.get("scalingConfig") or {}
    request = without_none(
        {
            "EventSourceArn": inputs["eventSourceArn"],
            "FunctionName": inputs["functionName"],
            "Enabled": inputs.get("enabled", True),
            "BatchSize": as_int(inputs.get("batchSize")),
            "MaximumBatchingWindowInSeconds": as_int(inputs.get("maximumBatchingWindowInSeconds")),
            "ScalingConfig": {"MaximumConcurrency": as_int(scaling["maximumConcurrency"])}
            if scaling.get("maximumConcurrency")
            else None,
            "FunctionResponseTypes": inputs.get("functionResponseTypes"),
            "FilterCriteria": {
                "Filters": [{"Pattern": f["pattern"]} for f in inputs["filterCriteria"]["filters"]]
            }
            if inputs.get("filterCriteria")
            else None,
            "StartingPosition": inputs.get("startingPosition"),
            # Stream sources (DynamoDB Streams): retries, bisection, on-failure destination.
            "MaximumRetryAttempts": as_int(inputs.get("maximumRetryAttempts")),
            "MaximumRecordAgeInSeconds": as_int(inputs.get("maximumRecordAgeInSeconds")),
            "BisectBatchOnFunctionError": inputs.get("bisectBatchOnFunctionError"),
            "ParallelizationFactor": as_int(inputs.get("parallelizationFactor")),
            "TumblingWindowInSeconds": as_int(inputs.get("tumblingWindowInSeconds")),
            "DestinationConfig": {"OnFailure": {"Destination": on_failure["destinationArn"]}}
            if (on_failure := (inputs.get("destinationConfig") or {}).get("onFailure"))
            else None,
        }
    )
    created = ctx.client("lambda").create_event_source_mapping(**request)
    last_modified = created.get("LastModified")
    outputs = {
        **inputs,
        "uuid": created["UUID"],
        "arn": created.get("EventSourceMappingArn")
        or ctx.arn("lambda", f"event-source-mapping:{created['UUID']}"),
        "functionArn": created["FunctionArn"],
        "state": created.get("State", ""),
        "stateTransitionReason": created.get("StateTransitionReason", ""),
        "lastModified": last_modified.astimezone(UTC).isoformat()
        if isinstance(last_modified, datetime)
        else str(last_modified or ""),
    }
    return created["UUID"], outputs


def permission(ctx: DeployContext, name: str, inputs: dict[str, Any]) -> CreateResult:
    """aws:lambda/permission: a statement in the function's resource policy (id: the statement id)."""
    statement_id = str(
        inputs.get("statementId") or f"{inputs.get('statementIdPrefix') or name + '-'}{secrets.token_hex(4)}"
    )
    ctx.client("lambda").add_permission(
        **without_none(
            {
                "FunctionName": inputs["function"],
                "StatementId": statement_id,
                "Action": inputs["action"],
                "Principal": inputs["principal"],
                "SourceArn": inputs.get("sourceArn"),
                "SourceAccount": inputs.get("sourceAccount"),
                "Qualifier": inputs.get("qualifier"),
                "EventSourceToken": inputs.get("eventSourceToken"),
                "PrincipalOrgID": inputs.get("principalOrgId"),
                "FunctionUrlAuthType": inputs.get("functionUrlAuthType"),
            }
        )
    )
    return statement_id, {**inputs, "statementId": statement_id}
