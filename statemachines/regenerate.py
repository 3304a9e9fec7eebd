"""Rewrite the generated parts of ``statemachines/migration.asl.json`` in place.

Two generators own parts of the migration's definition; everything else in it is written by hand:

- the Setup states, from the execution input schema ``migration_runtime/execution_input.py``
  (``components/execution_input_states.py``);
- the waits' states (Capture, Pause, Settle, Redrive, OnlinePause, CatchUp, Drain), from one spec per phase
  (``statemachines/wait_phase_states.py``).

Run after changing either (``tests/unit/statemachine/test_statemachine_definition.py`` fails until you do)::

    venv/bin/python -m statemachines.regenerate

The file keeps its key order and formatting (two-space JSON), so the diff is only what changed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from components.execution_input_states import with_setup_states
from components.migration_state_machine import DEFINITION_PATH, WAIT_DEFINITION_PATH
from statemachines.wait_phase_states import wait_child_max_polls, with_wait_states


def regenerated(definition: Mapping[str, Any], wait_definition: Mapping[str, Any]) -> dict[str, Any]:
    """The migration definition with every generated state as its generators make it now."""
    return with_wait_states(
        with_setup_states(definition), polls_per_child=wait_child_max_polls(wait_definition)
    )


def definition_text(definition: Mapping[str, Any]) -> str:
    """The file's text for a definition: the one formatting every rewrite uses."""
    return json.dumps(definition, indent=2, ensure_ascii=False) + "\n"


def regenerated_text(path: Path = DEFINITION_PATH, wait_path: Path = WAIT_DEFINITION_PATH) -> str:
    definition = json.loads(path.read_text(encoding="utf-8"))
    wait_definition = json.loads(wait_path.read_text(encoding="utf-8"))
    return definition_text(regenerated(definition, wait_definition))


def main() -> None:
    path = Path(DEFINITION_PATH)
    path.write_text(regenerated_text(path), encoding="utf-8")


if __name__ == "__main__":
    main()
