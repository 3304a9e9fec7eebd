"""What a mapping's demo data provides to `local run`, `local up`, the tests and the benchmarks.

Each mapping with demo data has a module ``demo_data/<mapping name>_records.py`` exposing ``DEMO_DATA``, an
object with the attributes and methods of ``DemoData``. Demo data never ships in a Lambda archive.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class DemoDataSet:
    """A synthetic legacy service's data: the records that migrate and what they refer to."""

    legacy_records: list[dict[str, Any]]
    """The legacy table's items (a mix of eligible, ineligible and invalid records)."""

    lookup_items: Mapping[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Each lookup table's items, by the mapping's ``LookupTable.name``."""


@runtime_checkable
class DemoData(Protocol):
    mapping_name: str
    """The record mapping this data is for (``record_mappings/<mapping_name>``)."""

    def data_set(self, count: int, *, seed: str) -> DemoDataSet:
        """``count`` legacy records (and their lookup items), the same for the same seed."""
        ...

    def intake_bodies(self, count: int, *, seed: str) -> list[str]:
        """``count`` intake message bodies, mostly valid records, some malformed ones."""
        ...


class NoDemoData(ValueError):
    """The mapping has no demo data module."""


def load_demo_data(mapping_name: str) -> DemoData:
    """``DEMO_DATA`` of ``demo_data/<mapping_name>_records.py``."""
    module_name = f"demo_data.{mapping_name}_records"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        raise NoDemoData(
            f"no demo data for mapping {mapping_name!r} ({module_name.replace('.', '/')}.py)"
        ) from None
    demo = getattr(module, "DEMO_DATA", None)
    if not isinstance(demo, DemoData):
        raise NoDemoData(f"{module_name} must define DEMO_DATA, a DemoData")
    return demo
