"""The migration tap as deployed: the migrate mapping's batch size and maximum concurrency, the records
per bulk-copy message enqueue_records sends, and the memory of the function the mapping feeds (what `plan`
and the report's estimate read from the stack)."""

from __future__ import annotations

from typing import Any

from migration_cli.migration_plan import Tap
from migration_cli.stack_outputs import StackOutputs
from migration_runtime import settings as function_settings
from onboarding_stack.function_names import ENQUEUE_RECORDS, MIGRATE_RECORD

# Without a ScalingConfig the mapping's concurrency is bounded by the function's (AWS: up to 1,000).
UNCAPPED_CONCURRENCY = 1000


def read_tap(lambda_client: Any, outputs: StackOutputs) -> tuple[Tap, int]:
    """The migrate mapping's batch size and maximum concurrency, and migrate_record's memory (MB)."""
    mapping = lambda_client.get_event_source_mapping(UUID=outputs.migrate_mapping_uuid)
    concurrency = mapping.get("ScalingConfig", {}).get("MaximumConcurrency") or UNCAPPED_CONCURRENCY
    function = lambda_client.get_function_configuration(FunctionName=outputs.migrate_record_function_name)
    tap = Tap(int(mapping["BatchSize"]), int(concurrency), records_per_message(lambda_client, outputs))
    return tap, int(function.get("MemorySize", 128))


def records_per_message(lambda_client: Any, outputs: StackOutputs) -> int:
    """enqueue_records' ``RECORDS_PER_MESSAGE`` (the stack names both functions ``<prefix>-<name>``); 1 for
    a stack deployed before bulk messages carried several records (its enqueue sends one each)."""
    prefix = outputs.migrate_record_function_name.removesuffix(MIGRATE_RECORD)
    try:
        function = lambda_client.get_function_configuration(FunctionName=prefix + ENQUEUE_RECORDS)
    except lambda_client.exceptions.ResourceNotFoundException:
        return 1
    variables = function.get("Environment", {}).get("Variables", {})
    value = str(variables.get(function_settings.RECORDS_PER_MESSAGE, "")).strip()
    return int(value) if value.isdigit() and int(value) >= 1 else 1
