"""The migration state machine as a graph of phases, read from its definition (Amazon States Language).

About a hundred states would make an unreadable drawing; what an approver follows is the phases
(statemachines/phases.py lists each phase's states), so states are grouped by phase. Choice
states only route: an edge joins two phases when a state of one leads to a state of the other through
Choice states only, so a skipped Backup ("BackupIsRequested" answered no) reads Pause → Migrate.
Where a run ended is one of three end nodes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from statemachines.phases import phase_of

SUCCEEDED_NODE = "Succeeded"
ROLLED_BACK_NODE = "Rolled back"
FAILED_NODE = "Failed"
END_NODES = (SUCCEEDED_NODE, ROLLED_BACK_NODE, FAILED_NODE)
# The Fail state every rollback ends in (its error is Migration.RolledBack, given by a path).
ROLLED_BACK_END_STATE = "RollbackDone"


@dataclass(frozen=True)
class PhaseGraph:
    phases: tuple[str, ...]
    """The definition's phases in the order their first state appears, then the end nodes."""
    edges: frozenset[tuple[str, str]]

    def has_edge(self, source: str, target: str) -> bool:
        return (source, target) in self.edges


def state_phase(state_name: str) -> str:
    """The phase a state belongs to; a state outside every known phase is its own."""
    return phase_of(state_name) or state_name


def _successors(state: Mapping[str, Any]) -> Iterator[str]:
    for key in ("Next", "Default"):
        if isinstance(state.get(key), str):
            yield state[key]
    for rule in state.get("Choices", []):
        if isinstance(rule.get("Next"), str):
            yield rule["Next"]
    for catcher in state.get("Catch", []):
        if isinstance(catcher.get("Next"), str):
            yield catcher["Next"]


def end_node(state_name: str, state: Mapping[str, Any]) -> str | None:
    """The end node a state finishes the execution at, or None when it leads on."""
    if state.get("Type") == "Fail":
        return ROLLED_BACK_NODE if state_name == ROLLED_BACK_END_STATE else FAILED_NODE
    if state.get("Type") == "Succeed" or state.get("End") is True:
        return SUCCEEDED_NODE
    return None


def _through_choices(states: Mapping[str, Any], name: str) -> Iterator[str]:
    """The non-Choice states `name` leads to (itself when it is not a Choice)."""
    pending, seen = [name], set()
    while pending:
        current = pending.pop()
        if current in seen or current not in states:
            continue
        seen.add(current)
        if states[current].get("Type") == "Choice":
            pending.extend(_successors(states[current]))
        else:
            yield current


def phase_graph(definition: Mapping[str, Any]) -> PhaseGraph:
    states: Mapping[str, Any] = definition["States"]
    phases: list[str] = []
    edges: set[tuple[str, str]] = set()
    for name, state in states.items():
        phase = state_phase(name)
        if phase not in phases:
            phases.append(phase)
        if state.get("Type") == "Choice":
            continue
        end = end_node(name, state)
        if end is not None:
            edges.add((phase, end))
        for successor in _successors(state):
            for target in _through_choices(states, successor):
                if state_phase(target) != phase:
                    edges.add((phase, state_phase(target)))
    return PhaseGraph(phases=(*phases, *END_NODES), edges=frozenset(edges))


def phase_path(entered_states: Iterable[str], definition: Mapping[str, Any]) -> tuple[str, ...]:
    """The phases an execution went through, from the names of the states it entered (in order).

    Only the definition's own top-level states count (a Map iteration's states are inside its phase),
    and Choice states are left out, as in the graph."""
    states: Mapping[str, Any] = definition["States"]
    path: list[str] = []
    for name in entered_states:
        state = states.get(name)
        if state is None or state.get("Type") == "Choice":
            continue
        phase = state_phase(name)
        if not path or path[-1] != phase:
            path.append(phase)
    return tuple(path)


def end_node_of_status(status: str) -> str | None:
    """The end node of a report status (None while the execution runs)."""
    return {"SUCCEEDED": SUCCEEDED_NODE, "ROLLED_BACK": ROLLED_BACK_NODE, "FAILED": FAILED_NODE}.get(status)


def path_edges(path: tuple[str, ...], status: str) -> list[tuple[str, str]]:
    """The edges the path took, in order, the last one into its end node when it has ended."""
    edges = list(itertools.pairwise(path))
    end = end_node_of_status(status)
    if path and end is not None:
        edges.append((path[-1], end))
    return edges
