"""The machine never imports a service's records or demo data directly: only through the seam.

``migration_runtime.record_mapping.load_mapping`` imports a mapping by name, and ``demo_data.demo_set``
loads demo data by name; nothing under the machine's folders names the onboarding modules in an import.
Nor does the runtime import ``fault_injection`` at module level: it ships only in local archives.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
MACHINE_FOLDERS = ("migration_runtime", "functions", "migration_cli")
FORBIDDEN = ("record_mappings.onboarding", "demo_data.onboarding_records")


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every import in ``tree``, wherever it is (module level or inside a function)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # `from record_mappings import onboarding` names the package as an imported name.
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return found


def forbidden_imports(source: str, forbidden: tuple[str, ...]) -> list[str]:
    tree = ast.parse(source)
    return [
        f"line {line}: {module}"
        for line, module in imported_modules(tree)
        if any(module == name or module.startswith(f"{name}.") for name in forbidden)
    ]


def machine_files() -> list[Path]:
    files = [path for folder in MACHINE_FOLDERS for path in sorted((ROOT / folder).rglob("*.py"))]
    assert len(files) > 50, "the machine's folders were not found"
    return files


def test_the_check_finds_a_direct_import_in_every_spelling() -> None:
    # GIVEN sources importing the onboarding mapping or demo data directly, in each spelling
    spellings = [
        "from record_mappings.onboarding.eligibility import is_eligible",
        "import record_mappings.onboarding.mapping",
        "from record_mappings import onboarding",
        "def f():\n    from demo_data.onboarding_records import legacy_records\n",
    ]

    # WHEN checked / THEN each is found; the seam's own dynamic import is not an import statement
    assert all(forbidden_imports(source, FORBIDDEN) for source in spellings)
    assert forbidden_imports('importlib.import_module(f"record_mappings.{name}.mapping")', FORBIDDEN) == []


@pytest.mark.parametrize("path", machine_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_machine_module_imports_the_onboarding_records_or_demo_data(path: Path) -> None:
    assert forbidden_imports(path.read_text(encoding="utf-8"), FORBIDDEN) == []


def test_the_runtime_never_imports_fault_injection_at_module_level() -> None:
    # GIVEN every runtime and handler module (the Lambda archives may lack fault_injection)
    offenders = []
    for path in machine_files():
        if path.parts[len(ROOT.parts)] == "migration_cli":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # Only statements at module level (a function's import runs when called, inside a try).
        top = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
        names = imported_modules(ast.Module(body=top, type_ignores=[]))
        offenders += [
            f"{path.relative_to(ROOT)}: {module}"
            for _, module in names
            if module.startswith("fault_injection")
        ]

    # THEN none imports it at module level
    assert offenders == []
