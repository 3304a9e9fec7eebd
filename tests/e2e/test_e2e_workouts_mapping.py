"""The second mapping end to end: `local run --mapping workouts` on the embedded runtime.

Completions migrate through the same machine (queues, pointers, ledger, verification, invariants) with the
routine version valid at completion time copied into each item, read from the routines lookup table while
the stack runs. The expected version is computed here from the demo data itself, independently of the
mapping's code. Its own module (and emulator), as `local run` deploys its own stack.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from demo_data.demo_set import DemoDataSet
from demo_data.workouts_records import DEMO_DATA
from migration_cli.local_run import run_local_migration
from migration_runtime.record_validation import RecordRejected
from record_mappings.workouts.mapping import MAPPING
from tests.e2e.e2e_support import assert_invariants_hold, e2e_options
from tests.fixtures.in_memory_lookups import InMemoryLookups

RECORDS = 400


def _utc_z(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _version_at(versions: list[dict[str, Any]], completed_at: str) -> dict[str, Any] | None:
    at = _utc_z(completed_at)
    valid = [version for version in versions if version["valid_from"] <= at]
    return max(valid, key=lambda version: version["valid_from"]) if valid else None


def _migratable_ids(data: DemoDataSet) -> list[str]:
    lookups = InMemoryLookups(MAPPING.lookup_tables, data.lookup_items)
    migratable = []
    for record in data.legacy_records:
        if not MAPPING.is_eligible(record):
            continue
        try:
            MAPPING.transform(MAPPING.validate(record, now=datetime.now(UTC)), lookups)
        except RecordRejected:
            continue
        migratable.append(record["completion_id"])
    return migratable


def _items(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_workout_completions_migrate_with_the_routine_version_valid_at_completion_time(tmp_path: Path):
    # GIVEN the workouts demo data: completions over users and 20 routines with 3 versions each
    seed = "e2e-workouts"
    data = DEMO_DATA.data_set(RECORDS, seed=seed)
    versions_by_routine: dict[str, list[dict[str, Any]]] = {}
    for version in data.lookup_items["routines"]:
        versions_by_routine.setdefault(version["routine_id"], []).append(version)
    legacy = {record["completion_id"]: record for record in data.legacy_records}

    # ... two of whose valid completions fail at every write attempt until the fault is lifted
    failing = tuple(_migratable_ids(data)[:2])

    # WHEN a whole local run migrates them with the workouts mapping, the operator redriving the
    # dead-lettered completions once the fault is lifted, exporting the tables
    result = run_local_migration(
        e2e_options(
            mapping="workouts",
            records=RECORDS,
            intake=20,
            seed=seed,
            export_dir=tmp_path,
            fail_permanent=failing,
            gate="redrive",
        )
    )
    report = result.report

    # THEN it succeeded with every invariant the CLI checks (each record in exactly one place, intake
    # accounted, the legacy table untouched, one item per record)
    assert report["status"] == "SUCCEEDED", report.get("error")
    assert (report["record_mapping"], report["record_id_field"]) == ("workouts", "completion_id")
    assert_invariants_hold(result)
    counts = report["counts"]
    assert counts["legacy"] == RECORDS
    assert counts["ineligible"] > 0 and counts["rejected"] > 0 and counts["dead_lettered"] == 0
    # ... the injected faults dead-lettered the two completions, and the redrive migrated them
    assert report["gate_decisions"] == ["redrive"]
    assert report["validation"]["runs"] == 2 and report["validation"]["clean"] is True
    # ... a completion before its routine's first version is rejected naming routine_id
    reasons = Counter(entry["reason"].split(":")[0] for entry in report["rejected"])
    assert reasons["routine_id"] >= 1

    # ... and every migrated completion carries the routine version valid when it was completed
    items = [item for item in _items(tmp_path / "new_table.jsonl") if item["pk"].startswith("USER#")]
    migrated = [item for item in items if item.get("source") == "migration"]
    assert len(migrated) == counts["migrated"] > 0
    used_versions = set()
    for item in migrated:
        record = legacy[item["completion_id"]]
        expected = _version_at(versions_by_routine[record["routine_id"]], record["completed_at"])
        assert expected is not None, item["completion_id"]
        assert item["routine"]["version"] == expected["version"], item["completion_id"]
        assert item["routine"]["exercises"] == expected["exercises"], item["completion_id"]
        assert item["pk"] == f"USER#{record['user_id']}"
        assert item["sk"] == f"COMPLETION#{_utc_z(record['completed_at'])}#{record['completion_id']}"
        used_versions.add((record["routine_id"], expected["version"]))
    # ... which spans several versions of the routines, not only the latest
    assert len({version for _, version in used_versions}) == 3
