"""The worst-case number of history events of one execution, computed from an ASL definition.

A Standard execution fails once its history would pass 25,000 events ("Step Functions service quotas":
"Maximum execution history size: 25,000 events"), and that end runs no Catch. So every loop of the
migration's definitions is bounded by a counter, and this module proves the bound: it finds the loops of
the state graph (natural loops of its back edges, inner ones first), multiplies each loop's events by the
iteration bound its counter enforces, and takes the longest path through what remains. It is an upper
bound, not a simulation: one iteration counts every state of the loop body once, every retrier at its
`MaxAttempts`, every Map at its most items.

Events per state follow the history event types of the Step Functions API reference (`HistoryEvent`):
a Task is entered, scheduled, started, (submitted, for `.sync` and `.waitForTaskToken`), succeeded and
exited, and every retry adds a scheduled / started / failed triple (plus submitted); a Pass, Choice,
Wait or Succeed state is entered and exited; a Map is entered, started, succeeded and exited, and each
iteration adds a started and a succeeded event; the execution adds its started and ended events.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

EXECUTION_EVENTS = 2
SIMPLE_STATE_EVENTS = 2
TASK_EVENTS = 5
CALLBACK_OR_SYNC_EXTRA_EVENTS = 1
RETRY_EVENTS = 4
MAP_EVENTS = 4
MAP_ITERATION_EVENTS = 2


class UnboundedLoop(ValueError):
    """A loop of the definition has no known bound: its worst case cannot be computed."""


@dataclass(frozen=True)
class MapBound:
    """How many items a Map state processes at most, and the bounds of its iteration's loops."""

    max_items: int
    loop_bounds: Mapping[str, int]


def _successors(state: Mapping[str, Any]) -> Iterator[str]:
    if "Next" in state:
        yield state["Next"]
    for choice in state.get("Choices", []):
        yield choice["Next"]
    if "Default" in state:
        yield state["Default"]
    for catcher in state.get("Catch", []):
        yield catcher["Next"]


def state_events(state: Mapping[str, Any], map_bounds: Mapping[str, MapBound], name: str) -> int:
    """The most events one visit of a state can add (a Map's iterations included)."""
    kind = state["Type"]
    if kind == "Task":
        resource = str(state.get("Resource", ""))
        events = TASK_EVENTS
        if resource.endswith((".sync", ".sync:2", ".waitForTaskToken")):
            events += CALLBACK_OR_SYNC_EXTRA_EVENTS
        retries = sum(int(retrier.get("MaxAttempts", 3)) for retrier in state.get("Retry", []))
        return events + retries * RETRY_EVENTS
    if kind == "Map":
        if name not in map_bounds:
            raise UnboundedLoop(f"Map state {name} has no item bound")
        bound = map_bounds[name]
        processor = state.get("ItemProcessor") or state.get("Iterator")
        inner = worst_case_events(processor, loop_bounds=bound.loop_bounds, execution=False)
        return MAP_EVENTS + bound.max_items * (MAP_ITERATION_EVENTS + inner)
    if kind == "Parallel":
        return MAP_EVENTS + sum(
            worst_case_events(branch, loop_bounds={}, execution=False) for branch in state["Branches"]
        )
    return SIMPLE_STATE_EVENTS


def _back_edges(states: Mapping[str, Any], start: str) -> list[tuple[str, str]]:
    back: list[tuple[str, str]] = []
    on_stack: set[str] = set()
    done: set[str] = set()

    def visit(name: str) -> None:
        on_stack.add(name)
        for successor in _successors(states[name]):
            if successor in on_stack:
                back.append((name, successor))
            elif successor not in done:
                visit(successor)
        on_stack.discard(name)
        done.add(name)

    visit(start)
    return back


def _natural_loop(predecessors: Mapping[str, set[str]], header: str, sources: list[str]) -> set[str]:
    body = {header}
    pending = [source for source in sources if source != header]
    while pending:
        name = pending.pop()
        if name not in body:
            body.add(name)
            pending.extend(predecessors.get(name, set()))
    return body


def worst_case_events(
    definition: Mapping[str, Any],
    *,
    loop_bounds: Mapping[str, int],
    map_bounds: Mapping[str, MapBound] | None = None,
    execution: bool = True,
) -> int:
    """The most history events an execution of ``definition`` can produce.

    ``loop_bounds`` maps each loop's header (the state its back edges return to) to its most iterations;
    a loop without one raises ``UnboundedLoop``. ``map_bounds`` does the same for Map states.
    """
    states: Mapping[str, Any] = definition["States"]
    start: str = definition["StartAt"]
    maps = map_bounds or {}
    weight = {name: state_events(state, maps, name) for name, state in states.items()}
    edges = {name: set(_successors(state)) for name, state in states.items()}

    back = _back_edges(states, start)
    by_header: dict[str, list[str]] = {}
    for source, header in back:
        by_header.setdefault(header, []).append(source)
    predecessors: dict[str, set[str]] = {}
    for name, successors in edges.items():
        for successor in successors:
            predecessors.setdefault(successor, set()).add(name)
    loops = {header: _natural_loop(predecessors, header, sources) for header, sources in by_header.items()}
    for header in loops:
        if header not in loop_bounds:
            raise UnboundedLoop(f"the loop through {header} has no bound")

    # Collapse loops inner first: a loop becomes one node weighing bound x its heaviest iteration (the
    # longest path from its header through its body, inner loops already collapsed).
    representative = {name: name for name in states}
    for header in sorted(loops, key=lambda name: len(loops[name])):
        members = {representative[name] for name in loops[header]}
        head = representative[header]
        iteration = _longest_from(
            head, {m: {s for s in edges[m] if s in members and s != head} for m in members}, weight
        )
        node = f"loop:{header}"
        outside = {successor for member in members for successor in edges[member] if successor not in members}
        for member in members:
            weight.pop(member)
            edges.pop(member)
        for name, target in representative.items():
            if target in members:
                representative[name] = node
        weight[node] = loop_bounds[header] * iteration
        edges[node] = outside
        for name in edges:
            edges[name] = {node if successor in members else successor for successor in edges[name]}

    total = _longest_from(representative[start], edges, weight)
    return total + (EXECUTION_EVENTS if execution else 0)


def _longest_from(start: str, edges: Mapping[str, set[str]], weight: Mapping[str, int]) -> int:
    """The heaviest path from ``start`` in an acyclic graph (node weights)."""
    longest: dict[str, int] = {}

    def path(node: str) -> int:
        if node not in longest:
            longest[node] = weight[node] + max((path(successor) for successor in edges[node]), default=0)
        return longest[node]

    return path(start)


def literal_of(definition: Mapping[str, Any], state_name: str, operator: str) -> int:
    """The literal a Choice state compares with (the bound its counter enforces), by operator name."""
    for choice in definition["States"][state_name]["Choices"]:
        for rule in [choice, *choice.get("Or", []), *choice.get("And", [])]:
            if operator in rule:
                return int(rule[operator])
    raise KeyError(f"{state_name} has no {operator} rule")


# The migration's own definitions: which state heads each loop, and where its bound is written.
WAIT_PREFIXES = ("Capture", "Pause", "Settle", "Redrive", "OnlinePause", "CatchUp", "Drain")
WAIT_CHILDREN_PER_WAIT = 20
"""Wait children one wait of the migration starts at most (its generated ``<Phase>Route`` enforces it:
``statemachines/wait_phase_states.py``); ``migration_worst_cases`` reads the bound back from the
definition, so the budget is the definition's, whatever this says."""
BUDGET_SHARE = 0.8
"""Each definition's worst case must stay under this share of the quota (room for what the model
rounds away)."""


@dataclass(frozen=True)
class WorstCases:
    migration: int
    wait_until_quiet: int
    enqueue_segment: int

    def over_budget(self, quota: int) -> list[str]:
        limit = int(quota * BUDGET_SHARE)
        return [name for name, events in vars(self).items() if events > limit]


def migration_worst_cases(
    migration: Mapping[str, Any],
    wait_until_quiet: Mapping[str, Any],
    enqueue_segment: Mapping[str, Any],
    *,
    max_segments: int,
) -> WorstCases:
    """The worst case of each of the three definitions, with every bound read from the definitions
    themselves (the counters their Choice states compare), so a changed bound is a changed budget."""
    ge = "NumericGreaterThanEquals"
    polls = int(wait_until_quiet["States"]["Start"]["Parameters"]["max_polls"])
    pages = literal_of(enqueue_segment, "SegmentIsDone", ge)
    children_per_wait = {
        f"{prefix}WaitUntilQuiet": literal_of(migration, f"{prefix}Route", ge) + 1 for prefix in WAIT_PREFIXES
    }
    redrives = literal_of(migration, "RedriveIsOverLimit", ge)
    segment_children = literal_of(
        {"States": migration["States"]["MigrateScanSegments"]["ItemProcessor"]["States"]},
        "MigrateIsSegmentDone",
        ge,
    )
    return WorstCases(
        migration=worst_case_events(
            migration,
            # The validation round (settle, validate, gate) runs once (online: twice, for the bulk copy
            # while serving and for the changes in the pause), then once per redrive. Inside it, online,
            # the validation runs at most twice per round: the converging round (``ConvergeReverifyChanged``)
            # loops back to ``ValidateNoteStart`` only from the stage ``bulk`` (after the full validation
            # or an accepted gate) and sets ``converge``, and the stage never moves back (bulk, converge,
            # cut_over); the budget counts it every round.
            loop_bounds={**children_per_wait, "SettleRecordPhase": redrives + 2, "ValidateNoteStart": 2},
            map_bounds={
                "MigrateScanSegments": MapBound(max_segments, {"MigrateEnqueueSegment": segment_children})
            },
        ),
        # A poll is read, judged and counted; the last one ends the execution instead of waiting.
        wait_until_quiet=worst_case_events(wait_until_quiet, loop_bounds={"Read": polls + 1}),
        enqueue_segment=worst_case_events(enqueue_segment, loop_bounds={"SegmentEnqueuePage": pages}),
    )
