"""The seam between the migration machine and the records it moves: a ``RecordMapping``.

The machine (queues, taps, pause / copy / validate / drain / resume, pointers, ledger, verification, change
capture, report, CLI) never imports a service's record rules; it asks the mapping the stack chose. A mapping
is a module ``record_mappings/<name>/mapping.py`` exposing ``MAPPING``, an object with the attributes and
methods below. It is packaged into every Lambda archive and named to the functions by ``RECORD_MAPPING``.

What the machine does around a mapping, so a mapping need not:
- reads the record id (``record_id_field``) without trusting the body, skips run sentinels, keeps the
  ledger, decides which copy wins (versions and pointers), retries and dead-letters;
- checks the transformed content against DynamoDB's limits (nesting, numbers, 400 KB) and adds
  ``checksum``, ``source``, ``written_at`` and ``version`` (so none of those may be content keys);
- scrubs every text value of a failing record from error reasons; ``personal_fields`` says which values
  must never be logged even when short.

A mapping's ``validate`` and ``transform`` raise ``RecordRejected`` (with a reason that names fields and
never quotes values) for data no retry can fix; any other exception is a transient failure and is retried.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from migration_runtime.new_items import NOT_CONTENT
from migration_runtime.record_validation import RecordRejected

__all__ = [
    "DEFAULT_MAPPING",
    "LookupTable",
    "Lookups",
    "RecordMapping",
    "RecordRejected",
    "UnknownMapping",
    "load_mapping",
]

DEFAULT_MAPPING = "onboarding"
_MAPPING_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
# What the machine adds to every item: a mapping's content must not use these names.
MACHINE_ATTRIBUTES = NOT_CONTENT


@dataclass(frozen=True)
class LookupTable:
    """A legacy table the transformation reads, never writes (e.g. the versioned definitions records name)."""

    name: str
    """Logical name, lower case (``routines``); the functions find the table in ``LOOKUP_TABLE_<NAME>``."""

    hash_key: str
    """Its partition key attribute (a string)."""

    range_key: str | None = None
    """Its sort key attribute (a string), if any; ``Lookups.latest_at_or_before`` needs one."""


class Lookups(Protocol):
    """Read-only access to a mapping's lookup tables during a transformation (consistent reads, cached for
    the length of one invocation). A missing item is ``None``; a failing read raises (and is retried)."""

    def get(self, table: str, key: Mapping[str, str]) -> dict[str, Any] | None:
        """The item of ``table`` with exactly this key."""
        ...

    def latest_at_or_before(self, table: str, hash_value: str, range_value: str) -> dict[str, Any] | None:
        """The item of ``table`` under ``hash_value`` with the greatest sort key ``<= range_value``."""
        ...


@runtime_checkable
class RecordMapping(Protocol):
    """One service's records: contract, eligibility, validation, transformation, personal data."""

    name: str
    """The mapping's name, as in ``RECORD_MAPPING`` and ``--mapping`` (``onboarding``, ``workouts``)."""

    record_id_field: str
    """Top-level string field naming the record: the legacy table's partition key, the intake message's id."""

    record_kind: str
    """Upper-case word keying the machine's per-record items in the new table (``APPLICATION#<id>``)."""

    loggable_fields: tuple[str, ...]
    """Top-level string fields a log line may carry (ids and a status; never personal data)."""

    personal_fields: tuple[tuple[str, ...], ...]
    """Paths of personal values, never logged or stored in a reason, however short."""

    lookup_tables: tuple[LookupTable, ...]
    """Tables ``transform`` reads; empty when a record carries all it needs."""

    def is_eligible(self, raw: Mapping[str, Any]) -> bool:
        """Whether a legacy record migrates at all; decided before validation, never raises."""
        ...

    def validate(self, raw: Any, *, now: datetime) -> Any:
        """The record as the mapping's model, or ``RecordRejected``; nothing else is raised."""
        ...

    def transform(self, record: Any, lookups: Lookups) -> dict[str, Any]:
        """The new item's content (``pk``, ``sk`` and attributes) for a validated record, or
        ``RecordRejected`` (e.g. it refers to something the lookup tables do not hold)."""
        ...

    def is_item(self, item: Mapping[str, Any]) -> bool:
        """Whether a new-table item is one of this mapping's record items (by its keys)."""
        ...


class UnknownMapping(ValueError):
    """No mapping module of that name, or the module does not expose a ``MAPPING``."""


def load_mapping(name: str = DEFAULT_MAPPING) -> RecordMapping:
    """The mapping ``record_mappings/<name>/mapping.py`` exposes as ``MAPPING``."""
    if not _MAPPING_NAME.fullmatch(name):
        raise UnknownMapping(f"mapping name must be lower-case letters, digits or '_', got {name!r}")
    try:
        module = importlib.import_module(f"record_mappings.{name}.mapping")
    except ModuleNotFoundError as error:
        own_modules = {"record_mappings", f"record_mappings.{name}", f"record_mappings.{name}.mapping"}
        if error.name not in own_modules:
            raise  # the mapping exists but imports something missing: say that, not "no mapping"
        raise UnknownMapping(f"no record mapping {name!r} (record_mappings/{name}/mapping.py)") from error
    mapping = getattr(module, "MAPPING", None)
    if not isinstance(mapping, RecordMapping):
        raise UnknownMapping(f"record_mappings/{name}/mapping.py must define MAPPING, a RecordMapping")
    return mapping
