"""Every tunable of the stack, read from the `onboarding` config namespace with defaults that work.

E.g. `pulumi config set onboarding:maxReceiveCount 5`. Defaults the functions also fall back to (retry
delays, receive count, enqueue slices, metrics namespace) come from
`migration_runtime/settings.py`, so the stack
and the code it deploys cannot disagree.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.log_retention import DEFAULT_LOG_RETENTION_DAYS
from components.python_function import powertools_layer_arn, powertools_layer_parameter_name
from migration_runtime import settings as function_settings
from onboarding_stack.function_names import FUNCTION_DEFAULTS

CONFIG_NAMESPACE = "onboarding"
DEFAULT_POWERTOOLS_VERSION = "3.37.0"


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True)
class FunctionSettings:
    """Size of one function."""

    memory_size_mb: int
    timeout_seconds: int


@dataclass(frozen=True)
class ConsumerSettings:
    """Throughput of one event source mapping (the tap)."""

    batch_size: int
    batching_window_seconds: int
    maximum_concurrency: int


@dataclass(frozen=True)
class StackSettings:
    """Every tunable of the stack, resolved from config and defaults."""

    name_prefix: str
    max_receive_count: int
    alarm_email: str | None
    deletion_protection: bool
    log_retention_days: int
    log_level: str
    metrics_namespace: str
    powertools_version: str
    powertools_layer_version: int | None
    powertools_layer_arn: str | None
    intake_visibility_timeout_seconds: int
    migration_visibility_timeout_seconds: int
    queue_retention_seconds: int
    intake_consumer: ConsumerSettings
    migrate_consumer: ConsumerSettings
    retry_base_delay_seconds: int
    retry_max_delay_seconds: int
    enqueue_time_reserve_ms: int
    enqueue_call_slice_seconds: int
    migration_execution_timeout_seconds: int
    functions: Mapping[str, FunctionSettings] = field(default_factory=dict)


def load_settings(config: pulumi.Config | None = None) -> StackSettings:
    """Read the `onboarding:*` config keys (camelCase), falling back to working defaults."""
    config = config or pulumi.Config(CONFIG_NAMESPACE)

    def integer(key: str, default: int) -> int:
        value = config.get_int(key)
        return default if value is None else value

    def flag(key: str, default: bool) -> bool:
        value = config.get_bool(key)
        return default if value is None else value

    def tap(prefix: str) -> ConsumerSettings:
        return ConsumerSettings(
            batch_size=integer(f"{prefix}BatchSize", 10),
            batching_window_seconds=integer(f"{prefix}BatchingWindowSeconds", 0),
            maximum_concurrency=integer(f"{prefix}MaxConcurrency", 10),
        )

    functions = {
        name: FunctionSettings(
            memory_size_mb=integer(f"{_camel(name)}MemoryMb", memory),
            timeout_seconds=integer(f"{_camel(name)}TimeoutSeconds", timeout),
        )
        for name, (memory, timeout) in FUNCTION_DEFAULTS.items()
    }
    return StackSettings(
        name_prefix=config.get("namePrefix") or f"onboarding-{pulumi.get_stack()}",
        max_receive_count=integer("maxReceiveCount", function_settings.DEFAULT_MAX_RECEIVE_COUNT),
        alarm_email=config.get("alarmEmail") or None,
        deletion_protection=flag("deletionProtection", True),
        log_retention_days=integer("logRetentionDays", DEFAULT_LOG_RETENTION_DAYS),
        log_level=config.get("logLevel") or "INFO",
        metrics_namespace=config.get("metricsNamespace") or function_settings.DEFAULT_METRICS_NAMESPACE,
        powertools_version=config.get("powertoolsVersion") or DEFAULT_POWERTOOLS_VERSION,
        powertools_layer_version=config.get_int("powertoolsLayerVersion"),
        powertools_layer_arn=config.get("powertoolsLayerArn") or None,
        # 0 means "derive it": each queue gets max(this, 6 x its slowest consumer's timeout).
        intake_visibility_timeout_seconds=integer("intakeVisibilityTimeoutSeconds", 0),
        migration_visibility_timeout_seconds=integer("migrationVisibilityTimeoutSeconds", 0),
        queue_retention_seconds=integer("queueRetentionSeconds", 345_600),
        intake_consumer=tap("intake"),
        migrate_consumer=tap("migrate"),
        retry_base_delay_seconds=integer(
            "retryBaseDelaySeconds", function_settings.DEFAULT_RETRY_BASE_DELAY_SECONDS
        ),
        retry_max_delay_seconds=integer(
            "retryMaxDelaySeconds", function_settings.DEFAULT_RETRY_MAX_DELAY_SECONDS
        ),
        enqueue_time_reserve_ms=integer(
            "enqueueTimeReserveMs", function_settings.DEFAULT_ENQUEUE_TIME_RESERVE_MS
        ),
        enqueue_call_slice_seconds=integer(
            "enqueueCallSliceSeconds", function_settings.DEFAULT_ENQUEUE_CALL_SLICE_SECONDS
        ),
        migration_execution_timeout_seconds=integer("migrationExecutionTimeoutSeconds", 30 * 24 * 3600),
        functions=functions,
    )


class _KeyRecorder:
    """A config that answers nothing and notes every key asked for: `load_settings` reads them all."""

    def __init__(self) -> None:
        self.keys: set[str] = set()

    def get(self, key: str) -> str | None:
        self.keys.add(key)
        return "unused" if key == "namePrefix" else None  # a prefix spares asking Pulumi for the stack

    def get_int(self, key: str) -> None:
        self.keys.add(key)
        return None

    get_bool = get_int


@functools.cache
def config_keys() -> frozenset[str]:
    """Every key of the config namespace the stack reads (from `load_settings` itself: no second list)."""
    recorder = _KeyRecorder()
    load_settings(recorder)  # type: ignore[arg-type]
    return frozenset(recorder.keys)


def resolve_powertools_layer(settings: StackSettings, region: str) -> pulumi.Input[str]:
    """The Powertools layer ARN: explicit ARN, else explicit layer version, else the pinned release (SSM)."""
    if settings.powertools_layer_arn:
        return settings.powertools_layer_arn
    if settings.powertools_layer_version is not None:
        return powertools_layer_arn(region, settings.powertools_layer_version)
    # Public parameter, not a secret: `insecure_value` keeps the ARN readable in the state and in diffs.
    parameter = aws.ssm.get_parameter_output(
        name=powertools_layer_parameter_name(settings.powertools_version)
    )
    return parameter.insecure_value
