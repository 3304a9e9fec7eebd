"""Fixtures for the Pulumi mock tests: one captured run of the whole program; every run has fresh mocks,
its own root stack and config (the engine runs each in a context of its own, so nothing needs a reset)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tests.functional.stack.pulumi_harness import FUNCTION_NAMES, CapturedStack, run_program


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # pulumi_aws deprecation noise is expected here, and only here.
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.filterwarnings("ignore::DeprecationWarning:pulumi_aws.*"))


@pytest.fixture(scope="session")
def stack() -> CapturedStack:
    """The program run once with default config; tests only read the captured graph."""
    return run_program()


@pytest.fixture
def run_stack() -> Callable[[Mapping[str, str]], CapturedStack]:
    """Run the program with some `onboarding:*` config values (strings, as the CLI stores them)."""
    return run_program


@pytest.fixture
def source_tree(tmp_path: Path) -> Path:
    """A minimal project tree (handlers, the runtime package, a mapping, fault injection) for building
    functions in isolation."""
    for folder in ("record_mappings/onboarding", "fault_injection", "demo_data"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "__init__.py").write_text("")
    (tmp_path / "record_mappings" / "__init__.py").write_text("")
    package = tmp_path / "migration_runtime"
    (package / "models").mkdir(parents=True)
    (package / "__init__.py").write_text('"""shared"""\n')
    (package / "models" / "__init__.py").write_text("")
    (package / "models" / "record.py").write_text("RECORD = 1\n")
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "stale.cpython-311.pyc").write_bytes(b"\x00bytecode")
    (package / "models" / "stray.pyc").write_bytes(b"\x00bytecode")
    for name in FUNCTION_NAMES:
        folder = tmp_path / "functions" / name
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_text("")
        (folder / "handler.py").write_text(f"def lambda_handler(event, context):\n    return {name!r}\n")
    return tmp_path
