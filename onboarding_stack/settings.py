"""Every tunable of the stack, read from the project's config namespace with defaults that work.

The namespace is the project's name (`Pulumi.yaml`: `onboarding-migration`), the one Pulumi gives a key
set without a namespace, and the only one a `config:` schema in `Pulumi.yaml` may declare types for
(Pulumi project file reference, "config options": "Schemas are only valid for project property keys").
E.g. `pulumi config set maxReceiveCount 5` sets `onboarding-migration:maxReceiveCount`. Defaults the
functions also fall back to (retry delays, receive count, enqueue slices, metrics namespace) come from
`migration_runtime/settings.py`, so the stack and the code it deploys cannot disagree.
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
from migration_runtime.record_mapping import DEFAULT_MAPPING, UnknownMapping, load_mapping
from onboarding_stack.existing_service import (
    ADOPTION_KEYS,
    LOOKUP_TABLES_KEY,
    ExistingService,
    existing_service,
)
from onboarding_stack.function_names import FUNCTION_DEFAULTS

CONFIG_NAMESPACE = "onboarding-migration"
# Where the keys lived before they moved to the project's namespace: a key left there is refused, since
# Pulumi would otherwise hand it to nobody and the stack would silently deploy its default.
FORMER_CONFIG_NAMESPACE = "onboarding"
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
    records_per_message: int
    """Scanned records per bulk-copy message (``migration_runtime.packed_messages``); 1: one each."""
    migration_execution_timeout_seconds: int
    functions: Mapping[str, FunctionSettings] = field(default_factory=dict)
    record_mapping: str = DEFAULT_MAPPING
    """The record mapping (``record_mappings/<name>``) every function loads and every archive holds."""
    fault_injection: bool = False
    """Whether the archives carry ``fault_injection/`` (the local runtime's fault runs need it)."""
    existing: ExistingService | None = None
    """The live service to adopt; None: the stack creates its own demo legacy service."""


class StackSettingError(ValueError):
    """A config value the stack cannot use (the message names the key)."""


def load_settings(config: pulumi.Config | None = None) -> StackSettings:
    """Read the project's config keys (camelCase), falling back to working defaults."""
    if config is None:
        config = pulumi.Config(CONFIG_NAMESPACE)
        _refuse_former_namespace(pulumi.Config(FORMER_CONFIG_NAMESPACE))

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
    mapping_name = config.get("recordMapping") or DEFAULT_MAPPING
    try:
        mapping = load_mapping(mapping_name)
    except UnknownMapping as error:
        raise StackSettingError(f"recordMapping: {error}") from error
    existing = existing_service(
        {key: config.get(key) for key in ADOPTION_KEYS}, config.get_object(LOOKUP_TABLES_KEY), mapping
    )
    return StackSettings(
        name_prefix=config.get("namePrefix") or f"onboarding-{pulumi.get_stack()}",
        max_receive_count=integer("maxReceiveCount", function_settings.DEFAULT_MAX_RECEIVE_COUNT),
        alarm_email=config.get("alarmEmail") or None,
        deletion_protection=flag("deletionProtection", True),
        log_retention_days=integer("logRetentionDays", DEFAULT_LOG_RETENTION_DAYS),
        log_level=config.get("logLevel") or "INFO",
        metrics_namespace=config.get("metricsNamespace") or function_settings.DEFAULT_METRICS_NAMESPACE,
        powertools_version=config.get("powertoolsVersion") or DEFAULT_POWERTOOLS_VERSION,
        powertools_layer_version=config.get_int("powertoolsLayerVersion") or None,  # 0: unset
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
        records_per_message=_records_per_message(
            integer("recordsPerMessage", function_settings.DEFAULT_RECORDS_PER_MESSAGE)
        ),
        migration_execution_timeout_seconds=integer("migrationExecutionTimeoutSeconds", 30 * 24 * 3600),
        functions=functions,
        record_mapping=mapping.name,
        fault_injection=flag("faultInjection", False),
        existing=existing,
    )


def _records_per_message(value: int) -> int:
    if not 1 <= value <= function_settings.MAX_RECORDS_PER_MESSAGE:
        raise StackSettingError(
            f"recordsPerMessage: must be 1..{function_settings.MAX_RECORDS_PER_MESSAGE}, got {value}"
        )
    return value


def _refuse_former_namespace(former: pulumi.Config) -> None:
    stale = sorted(key for key in config_keys() if former.get(key) is not None)
    if stale:
        raise StackSettingError(
            f"config keys in the former namespace {FORMER_CONFIG_NAMESPACE!r}: {stale}; the stack reads "
            f"{CONFIG_NAMESPACE!r} now (e.g. `pulumi config rm {FORMER_CONFIG_NAMESPACE}:{stale[0]}` and "
            f"`pulumi config set {stale[0]} <value>`)"
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
    get_object = get_int


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
