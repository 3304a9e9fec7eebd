"""A Python Lambda function: reproducible code archive, its own least-privilege role, logs, tracing.

Third-party packages come from the official Powertools for AWS Lambda (Python) v3 layer, not the archive.
Sources: aws-powertools/powertools-lambda-python on GitHub.

- ARN format (docs/getting-started/install.md,
  https://docs.powertools.aws.dev/lambda/python/latest/getting-started/install/):
  ``arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-{python_version}-{arch}:{version}``
  with ``python_version`` like ``python312`` and ``arch`` ``x86_64`` or ``arm64``.
- Contents: the layer is ``pip install "aws-lambda-powertools[all]==<version>"`` (layer_v3/docker/Dockerfile;
  layer_v3/layer_constructors/helpers.py turns ``include_extras=True`` into ``[all]``) minus boto3/botocore,
  which the runtime has. So it carries pydantic (Parser), aws-xray-sdk (Tracer), fastjsonschema (Validation),
  aws-encryption-sdk and jsonpath-ng (Data Masking); the layer canary (layer_v3/layer/canary/app.py) imports
  every one of them before a layer version is published.
- Exact version: each release's ARN is published to the public SSM parameter
  ``/aws/service/powertools/python/{arch}/python3.12/<package version>`` (.github/workflows/update_ssm.yml),
  which lets the program pin the layer to the aws-lambda-powertools release the tests run against.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from components.log_retention import DEFAULT_LOG_RETENTION_DAYS, check_log_retention_days
from migration_runtime.settings import DEFAULT_METRICS_NAMESPACE, POWERTOOLS_METRICS_NAMESPACE

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RUNTIME = "python3.12"
ARCHITECTURE = "x86_64"
HANDLER = "handler.lambda_handler"
# What every archive holds beside the handler: the migration machine's runtime and the record mapping the
# stack chose (``record_mappings/<name>``). Demo data and fault injection are not runtime code.
RUNTIME_PACKAGE = "migration_runtime"
DEFAULT_MAPPING_PACKAGE = "record_mappings/onboarding"
FAULT_INJECTION_PACKAGE = "fault_injection"

POWERTOOLS_LAYER_ACCOUNT = "017000801446"

LOG_LEVELS = frozenset({"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"})

# 1980-01-01 is the earliest date a zip entry can carry: fixed timestamps make the archive byte-identical
# across machines and checkouts, so `pulumi up` only updates code that really changed.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_ZIP_FILE_MODE = 0o644 << 16
_EXCLUDED_SUFFIXES = frozenset({".pyc", ".pyo"})
_FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

LAMBDA_ASSUME_ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def powertools_layer_arn(region: str, layer_version: int) -> str:
    """The official Powertools v3 layer for this runtime and architecture in `region`."""
    python_version = RUNTIME.replace(".", "")
    return (
        f"arn:aws:lambda:{region}:{POWERTOOLS_LAYER_ACCOUNT}:layer:"
        f"AWSLambdaPowertoolsPythonV3-{python_version}-{ARCHITECTURE}:{layer_version}"
    )


def powertools_layer_parameter_name(package_version: str) -> str:
    """The public SSM parameter holding the layer ARN of one aws-lambda-powertools release."""
    return f"/aws/service/powertools/python/{ARCHITECTURE}/{RUNTIME}/{package_version}"


@dataclass(frozen=True)
class FunctionArchive:
    """A built code archive and the hash Lambda reports for it."""

    path: Path
    """Where the zip was written."""

    source_code_hash: str
    """Base64-encoded SHA-256 of the zip (what Lambda calls CodeSha256)."""

    entries: tuple[str, ...]
    """Archive member names, in archive order."""


def archive_packages(record_mapping: str, *, fault_injection: bool) -> tuple[str, ...]:
    """What a function's archive holds beside its handler: the machine's runtime, the chosen record mapping,
    and fault injection only when asked for (an explicitly optional part, off on a deployed stack)."""
    packages = (RUNTIME_PACKAGE, f"record_mappings/{record_mapping}")
    return (*packages, FAULT_INJECTION_PACKAGE) if fault_injection else packages


def _is_packaged(relative: Path) -> bool:
    if any(part == "__pycache__" or part.startswith(".") for part in relative.parts):
        return False
    return relative.suffix not in _EXCLUDED_SUFFIXES


def build_function_archive(
    source_name: str,
    source_root: Path,
    build_dir: Path,
    packages: Sequence[str] = (RUNTIME_PACKAGE, DEFAULT_MAPPING_PACKAGE, FAULT_INJECTION_PACKAGE),
) -> FunctionArchive:
    """Zip `functions/<source_name>/handler.py` (at the archive root) with the given package folders.

    Each package is a folder relative to `source_root`; the `__init__.py` of each folder above it comes
    too, so `record_mappings/onboarding` imports as `record_mappings.onboarding`. Deterministic: sorted
    entries, fixed timestamps and modes, no bytecode. Only rewrites the file when its bytes change.
    """
    handler = source_root / "functions" / source_name / "handler.py"
    if not handler.is_file():
        raise FileNotFoundError(f"function {source_name!r} has no handler: {handler} does not exist")
    members: dict[str, Path] = {"handler.py": handler}
    for package_name in packages:
        package = source_root / package_name
        if not package.is_dir():
            raise FileNotFoundError(f"package {package} does not exist")
        for parent in Path(package_name).parents:
            parent_init = source_root / parent / "__init__.py"
            if parent != Path(".") and parent_init.is_file():
                members[(parent / "__init__.py").as_posix()] = parent_init
        for path in package.rglob("*"):
            relative = path.relative_to(source_root)
            if path.is_file() and _is_packaged(relative):
                members[relative.as_posix()] = path

    buffer = io.BytesIO()
    entries = tuple(sorted(members))
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            info.external_attr = _ZIP_FILE_MODE
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, members[name].read_bytes(), compresslevel=9)
    data = buffer.getvalue()

    build_dir.mkdir(parents=True, exist_ok=True)
    target = build_dir / f"{source_name}.zip"
    if not target.is_file() or target.read_bytes() != data:
        scratch = target.with_suffix(f".{os.getpid()}.tmp")
        scratch.write_bytes(data)
        scratch.replace(target)  # atomic, so a concurrent reader never sees half a zip
    digest = base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
    return FunctionArchive(path=target, source_code_hash=digest, entries=entries)


def _action_list(statement: Mapping[str, Any]) -> list[str]:
    actions = statement.get("Action", [])
    return [actions] if isinstance(actions, str) else list(actions)


@dataclass(frozen=True)
class PythonFunctionArgs:
    """What a function is made of and what it may do."""

    source_name: str
    """Folder under `functions/` holding the function's `handler.py`."""

    function_name: str
    """Deployed Lambda name; explicit, so the log group `/aws/lambda/<name>` can exist before the function."""

    statements: Sequence[Mapping[str, Any]]
    """Exact IAM statements the code needs, each scoped to its resource ARNs (values may be Outputs)."""

    layers: Sequence[pulumi.Input[str]] = ()
    """Layer version ARNs, e.g. the Powertools layer (see the module docstring)."""

    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Function-specific variables, merged over the Powertools ones."""

    memory_size_mb: int = 256
    """Memory (and so CPU share), 128..10240 MB."""

    timeout_seconds: int = 30
    """Maximum run time of one invocation, 1..900 s."""

    log_retention_days: int = DEFAULT_LOG_RETENTION_DAYS
    """Retention of the function's log group; one of the values CloudWatch Logs accepts."""

    log_level: str = "INFO"
    """POWERTOOLS_LOG_LEVEL."""

    service_name: str | None = None
    """POWERTOOLS_SERVICE_NAME; defaults to `source_name`."""

    metrics_namespace: str = DEFAULT_METRICS_NAMESPACE
    """POWERTOOLS_METRICS_NAMESPACE."""

    source_root: Path = PROJECT_ROOT
    """Project root holding `functions/` and the shared package."""

    build_dir: Path | None = None
    """Where archives are written; defaults to `<source_root>/.build/functions`."""

    packages: Sequence[str] = (RUNTIME_PACKAGE, DEFAULT_MAPPING_PACKAGE, FAULT_INJECTION_PACKAGE)
    """Package folders (relative to `source_root`) zipped beside the handler (`archive_packages`)."""

    def __post_init__(self) -> None:
        if not _FUNCTION_NAME.match(self.function_name):
            raise ValueError(
                f"function_name must be 1..64 letters, digits, '-' or '_', got {self.function_name!r}"
            )
        if not 128 <= self.memory_size_mb <= 10_240:
            raise ValueError(f"memory_size_mb must be within 128..10240, got {self.memory_size_mb}")
        if not 1 <= self.timeout_seconds <= 900:
            raise ValueError(f"timeout_seconds must be within 1..900, got {self.timeout_seconds}")
        check_log_retention_days(self.log_retention_days)
        if self.log_level not in LOG_LEVELS:
            raise ValueError(f"log_level must be one of {sorted(LOG_LEVELS)}, got {self.log_level!r}")
        # Least privilege is checked where it is declared: a wildcard action never reaches AWS.
        for statement in self.statements:
            if statement.get("Effect") != "Allow":
                raise ValueError(f"function statements grant access and must be Allow: {statement}")
            wildcards = [action for action in _action_list(statement) if "*" in action]
            if wildcards:
                raise ValueError(f"wildcard actions are not allowed in function statements: {wildcards}")


class PythonFunction(pulumi.ComponentResource):
    """A Powertools-instrumented Python Lambda function with its own role, policies and log group."""

    archive: FunctionArchive
    role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup
    access_policy: aws.iam.RolePolicy | None
    telemetry_policy: aws.iam.RolePolicy
    function: aws.lambda_.Function
    function_name: str
    timeout_seconds: int

    def __init__(
        self,
        name: str,
        args: PythonFunctionArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("onboarding:components:PythonFunction", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.function_name = args.function_name
        self.timeout_seconds = args.timeout_seconds

        # One folder per set of packages: stacks built side by side with different contents (a mapping, fault
        # injection) never overwrite each other's archives.
        contents = "+".join(package.replace("/", ".") for package in args.packages)
        build_dir = args.build_dir or args.source_root / ".build" / "functions" / contents
        self.archive = build_function_archive(args.source_name, args.source_root, build_dir, args.packages)

        self.role = aws.iam.Role(
            f"{name}-role",
            description=f"Execution role of {args.function_name}",
            assume_role_policy=LAMBDA_ASSUME_ROLE_POLICY,
            opts=child,
        )
        # Created before the function so Lambda never auto-creates it without retention.
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/lambda/{args.function_name}",
            retention_in_days=args.log_retention_days,
            opts=child,
        )

        self.access_policy = None
        if args.statements:
            self.access_policy = aws.iam.RolePolicy(
                f"{name}-access",
                role=self.role.id,
                policy=pulumi.Output.json_dumps(
                    {"Version": "2012-10-17", "Statement": list(args.statements)}
                ),
                opts=child,
            )
        self.telemetry_policy = aws.iam.RolePolicy(
            f"{name}-telemetry",
            role=self.role.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "WriteOwnLogs",
                            "Effect": "Allow",
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                            "Resource": self.log_group.arn.apply(lambda arn: f"{arn}:*"),
                        },
                        {
                            # X-Ray has no resource-level permissions: "*" is the only valid resource.
                            "Sid": "WriteTraces",
                            "Effect": "Allow",
                            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                            "Resource": "*",
                        },
                    ],
                }
            ),
            opts=child,
        )

        environment: dict[str, pulumi.Input[str]] = {
            "POWERTOOLS_SERVICE_NAME": args.service_name or args.source_name,
            "POWERTOOLS_LOG_LEVEL": args.log_level,
            POWERTOOLS_METRICS_NAMESPACE: args.metrics_namespace,
            **args.environment,
        }
        policies = [policy for policy in (self.access_policy, self.telemetry_policy) if policy is not None]
        self.function = aws.lambda_.Function(
            f"{name}-function",
            name=args.function_name,
            role=self.role.arn,
            runtime=RUNTIME,
            architectures=[ARCHITECTURE],
            handler=HANDLER,
            code=pulumi.FileArchive(str(self.archive.path)),
            source_code_hash=self.archive.source_code_hash,
            memory_size=args.memory_size_mb,
            timeout=args.timeout_seconds,
            layers=list(args.layers),
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=environment),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="JSON", log_group=self.log_group.name
            ),
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
            # The policies first: an event source mapping checks the role's permissions when it is created.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.log_group, *policies]),
        )

        self.register_outputs(
            {
                "function_name": self.function.name,
                "function_arn": self.function.arn,
                "role_arn": self.role.arn,
                "log_group_name": self.log_group.name,
            }
        )
