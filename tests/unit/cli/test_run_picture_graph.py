"""The state machine as a graph of phases, read from the real definition, and the path through it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from migration_cli.run_picture.graph_layout import NODE_WIDTH, edge_curve, layout
from migration_cli.run_picture.state_graph import (
    FAILED_NODE,
    ROLLED_BACK_END_STATE,
    ROLLED_BACK_NODE,
    SUCCEEDED_NODE,
    path_edges,
    phase_graph,
    phase_path,
)

DEFINITION_FILE = Path(__file__).resolve().parents[3] / "statemachines" / "migration.asl.json"


@pytest.fixture(scope="module")
def definition() -> dict[str, Any]:
    return json.loads(DEFINITION_FILE.read_text())


def test_graph_of_the_migration_holds_every_phase_and_its_routes(definition: dict[str, Any]) -> None:
    # GIVEN the migration's definition
    # WHEN it is read as a graph of phases
    graph = phase_graph(definition)

    # THEN every phase and end is a node, and the routes an approver follows are edges
    assert set(graph.phases) >= {"Setup", "Pause", "Backup", "Migrate", "Settle", "Validate", "Gate"}
    assert set(graph.phases) >= {"Redrive", "CutOver", "Drain", "Resume", "Rollback", "DryRun"}
    assert graph.phases[-3:] == (SUCCEEDED_NODE, ROLLED_BACK_NODE, FAILED_NODE)
    for edge in [
        ("Pause", "Migrate"),  # through the Choice "BackupIsRequested" answered no
        ("Pause", "Backup"),
        ("Gate", "Redrive"),
        ("Redrive", "Settle"),
        ("Validate", "CutOver"),
        ("Gate", "Rollback"),
        ("Resume", SUCCEEDED_NODE),
        ("Rollback", ROLLED_BACK_NODE),
        ("Setup", FAILED_NODE),
    ]:
        assert graph.has_edge(*edge), edge
    # AND nothing after the commit leads back to the rollback but the commit's own failure
    assert not graph.has_edge("Drain", "Rollback")
    assert not graph.has_edge("Resume", "Rollback")
    assert all(source != target for source, target in graph.edges)


def test_the_rolled_back_end_state_exists_in_the_definition(definition: dict[str, Any]) -> None:
    # GIVEN the state the graph takes as "rolled back"
    state = definition["States"].get(ROLLED_BACK_END_STATE)

    # THEN it is a Fail state the rollback ends in
    assert state is not None and state["Type"] == "Fail"


def test_path_leaves_out_choices_and_map_iterations_and_repeats_after_a_redrive(
    definition: dict[str, Any],
) -> None:
    # GIVEN states entered by an execution that redrove once (with a Map iteration's inner state)
    entered = [
        "SetupDefaults",
        "SetupIsDryRun",
        "SetupTakeLock",
        "PauseDisableLegacyMapping",
        "PauseRoute",
        "BackupIsRequested",
        "MigrateRecordPhase",
        "MigrateScanSegments",
        "MigrateEnqueueSegment",
        "SettleRecordPhase",
        "ValidateMigration",
        "ValidateIsClean",
        "GateRecordPhase",
        "GateAwaitDecision",
        "GateRoute",
        "RedriveIsOverLimit",
        "RedriveCount",
        "SettleRecordPhase",
        "ValidateMigration",
        "ValidateIsClean",
        "CutOverCommit",
        "DrainRecordPhase",
        "ResumeReport",
    ]

    # WHEN the path is read
    path = phase_path(entered, definition)

    # THEN Backup (only its Choice was entered) is not on it, and the phases after the redrive repeat
    assert path == (
        "Setup",
        "Pause",
        "Migrate",
        "Settle",
        "Validate",
        "Gate",
        "Redrive",
        "Settle",
        "Validate",
        "CutOver",
        "Drain",
        "Resume",
    )
    # AND its edges end in the end node of its status
    assert path_edges(path, "SUCCEEDED")[-1] == ("Resume", SUCCEEDED_NODE)
    assert path_edges(path, "RUNNING")[-1] == ("Drain", "Resume")


def test_layout_places_every_node_apart_and_an_unknown_phase_too(definition: dict[str, Any]) -> None:
    # GIVEN the graph with one more phase than the grid knows
    definition = {**definition, "States": {**definition["States"], "AuditExport": {"Type": "Succeed"}}}
    graph = phase_graph(definition)

    # WHEN it is laid out
    places = layout(graph)

    # THEN every node has a box inside the drawing, and no two boxes overlap
    assert set(places.boxes) == set(graph.phases)
    boxes = list(places.boxes.values())
    for box in boxes:
        assert box.x >= 0 and box.right <= places.width and box.y >= 0 and box.bottom <= places.height
    for index, first in enumerate(boxes):
        for second in boxes[index + 1 :]:
            apart = (
                first.right <= second.x
                or second.right <= first.x
                or first.bottom <= second.y
                or second.bottom <= first.y
            )
            assert apart, (first.name, second.name)
    # AND each edge starts on its source's border and ends on its target's
    for source, target in graph.edges:
        start, _, _, end = edge_curve(places.boxes[source], places.boxes[target], places.main_row_y)
        assert _on_border(places.boxes[source], start), (source, target)
        assert _on_border(places.boxes[target], end), (source, target)
    assert places.boxes["Rollback"].width > NODE_WIDTH


def _on_border(box: Any, point: tuple[float, float]) -> bool:
    x, y = point
    inside = box.x - 0.01 <= x <= box.right + 0.01 and box.y - 0.01 <= y <= box.bottom + 0.01
    on_edge = min(abs(x - box.x), abs(x - box.right), abs(y - box.y), abs(y - box.bottom)) < 0.01
    return inside and on_edge
