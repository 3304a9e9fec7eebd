"""The function code archive: layout, reproducibility, and the hash Lambda compares."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

import pytest

from components.python_function import build_function_archive


def test_archive_holds_the_handler_at_the_root_and_the_shared_package_without_bytecode(
    source_tree: Path, tmp_path: Path
):
    # GIVEN a project tree with stale bytecode in the shared package
    # WHEN the migrate_record archive is built
    archive = build_function_archive("migrate_record", source_tree, tmp_path / "build")

    # THEN it holds that function's handler at the root, every source file of the runtime package, the
    # default mapping (with its parent package), fault injection, and no demo data
    with zipfile.ZipFile(archive.path) as zipped:
        names = zipped.namelist()
        handler = zipped.read("handler.py").decode()
    assert names == [
        "fault_injection/__init__.py",
        "handler.py",
        "migration_runtime/__init__.py",
        "migration_runtime/models/__init__.py",
        "migration_runtime/models/record.py",
        "record_mappings/__init__.py",
        "record_mappings/onboarding/__init__.py",
    ]
    assert "'migrate_record'" in handler
    assert archive.entries == tuple(names)


def test_archive_is_byte_identical_across_builds_and_file_times(source_tree: Path, tmp_path: Path):
    # GIVEN an archive built once
    first = build_function_archive("legacy_intake", source_tree, tmp_path / "one")
    first_bytes = first.path.read_bytes()

    # WHEN the sources are touched (new mtimes) and the archive is built again elsewhere
    for path in source_tree.rglob("*.py"):
        path.touch()
    second = build_function_archive("legacy_intake", source_tree, tmp_path / "two")

    # THEN the bytes and the hash are the same, and every entry carries the fixed timestamp
    assert second.path.read_bytes() == first_bytes
    assert second.source_code_hash == first.source_code_hash
    with zipfile.ZipFile(second.path) as zipped:
        assert {info.date_time for info in zipped.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_source_code_hash_is_the_base64_sha256_of_the_zip(source_tree: Path, tmp_path: Path):
    # GIVEN a built archive
    archive = build_function_archive("enqueue_records", source_tree, tmp_path)

    # THEN its hash is what Lambda reports as CodeSha256
    expected = base64.b64encode(hashlib.sha256(archive.path.read_bytes()).digest()).decode()
    assert archive.source_code_hash == expected


def test_a_change_in_the_shared_package_changes_every_function_hash(source_tree: Path, tmp_path: Path):
    # GIVEN an archive built from the current sources
    before = build_function_archive("validate_migration", source_tree, tmp_path)

    # WHEN a shared module changes
    (source_tree / "migration_runtime" / "models" / "record.py").write_text("RECORD = 2\n")
    after = build_function_archive("validate_migration", source_tree, tmp_path)

    # THEN the hash changes, so `pulumi up` ships the new code
    assert after.source_code_hash != before.source_code_hash


def test_a_function_without_handler_fails_loudly(source_tree: Path, tmp_path: Path):
    # GIVEN a function folder without handler.py
    (source_tree / "functions" / "migrate_record" / "handler.py").unlink()

    # WHEN its archive is built THEN the missing file is named
    with pytest.raises(FileNotFoundError, match=r"migrate_record.*handler\.py"):
        build_function_archive("migrate_record", source_tree, tmp_path)
