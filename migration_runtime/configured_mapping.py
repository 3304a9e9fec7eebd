"""The record mapping a function runs with: ``RECORD_MAPPING`` (the onboarding one by default).

Loaded once per process (a Lambda cold start) for each name; the lookups are built per invocation, so
their cache never outlives one batch.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from migration_runtime import settings
from migration_runtime.lookup_tables import lookups_for
from migration_runtime.record_mapping import Lookups, RecordMapping, load_mapping

_load = cache(load_mapping)


def configured_mapping() -> RecordMapping:
    return _load(settings.record_mapping_name())


def configured_lookups(dynamodb: Any) -> Lookups:
    """Fresh lookups over the configured mapping's tables (``NoLookups`` when it has none)."""
    return lookups_for(configured_mapping(), dynamodb)
