"""The migration tap as deployed: the migrate mapping's batch size and maximum concurrency, and the memory
of the function it feeds (what `plan` and the report's estimate read from the stack)."""

from __future__ import annotations

from typing import Any

from migration_cli.migration_plan import Tap
from migration_cli.stack_outputs import StackOutputs

# Without a ScalingConfig the mapping's concurrency is bounded by the function's (AWS: up to 1,000).
UNCAPPED_CONCURRENCY = 1000


def read_tap(lambda_client: Any, outputs: StackOutputs) -> tuple[Tap, int]:
    """The migrate mapping's batch size and maximum concurrency, and migrate_record's memory (MB)."""
    mapping = lambda_client.get_event_source_mapping(UUID=outputs.migrate_mapping_uuid)
    concurrency = mapping.get("ScalingConfig", {}).get("MaximumConcurrency") or UNCAPPED_CONCURRENCY
    function = lambda_client.get_function_configuration(FunctionName=outputs.migrate_record_function_name)
    return Tap(int(mapping["BatchSize"]), int(concurrency)), int(function.get("MemorySize", 128))
