"""Where each phase of the state machine graph is drawn, and the curve of each edge (pure geometry).

The phases of this project's migration have fixed places on a grid, chosen so the happy path reads left to
right on one line, the optional detours (backup, dry run, redrive) sit above it, the rollback is one wide
bar under everything it can roll back, and the three ends stand on the right. A phase the grid does not
know (a new one in the definition) is placed on an extra row at the bottom, so it is never left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from migration_cli.run_picture.state_graph import (
    FAILED_NODE,
    ROLLED_BACK_NODE,
    SUCCEEDED_NODE,
    PhaseGraph,
)

COLUMN_WIDTH = 118.0
ROW_HEIGHT = 84.0
NODE_WIDTH = 96.0
NODE_HEIGHT = 38.0
MARGIN = 28.0

# phase: (column, row, columns spanned); rows grow downwards, row 0 is the happy path.
GRID: dict[str, tuple[float, float, float]] = {
    "Setup": (0, 0, 1),
    "Pause": (1, 0, 1),
    "Backup": (1.5, -1, 1),
    "Migrate": (2, 0, 1),
    "DryRun": (2.5, -2, 1),
    "Settle": (3, 0, 1),
    "Validate": (4, 0, 1),
    "Redrive": (4.5, -1, 1),
    "Gate": (5, 0, 1),
    "CutOver": (6, 0, 1),
    "Drain": (7, 0, 1),
    "Resume": (8, 0, 1),
    SUCCEEDED_NODE: (9, 0, 1),
    "Rollback": (1, 1, 5.6),
    ROLLED_BACK_NODE: (8, 1, 1),
    FAILED_NODE: (9.9, 2, 1),
}
_EXTRA_ROW = 3


@dataclass(frozen=True)
class NodeBox:
    name: str
    x: float
    """Left edge."""
    y: float
    """Top edge."""
    width: float
    height: float

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height


@dataclass(frozen=True)
class GraphLayout:
    boxes: dict[str, NodeBox]
    width: float
    height: float
    main_row_y: float
    """The middle of the happy path's row."""


def layout(graph: PhaseGraph) -> GraphLayout:
    """A box for every phase and end node of the graph, in pixels."""
    places: dict[str, tuple[float, float, float]] = {}
    extra = 0
    for phase in graph.phases:
        if phase in GRID:
            places[phase] = GRID[phase]
        else:
            places[phase] = (float(extra), _EXTRA_ROW, 1)
            extra += 1
    top_row = min(row for _, row, _ in places.values())
    boxes = {}
    for phase, (column, row, span) in places.items():
        width = NODE_WIDTH + (span - 1) * COLUMN_WIDTH
        boxes[phase] = NodeBox(
            name=phase,
            x=MARGIN + column * COLUMN_WIDTH + (COLUMN_WIDTH - NODE_WIDTH) / 2,
            y=MARGIN + (row - top_row) * ROW_HEIGHT,
            width=width,
            height=NODE_HEIGHT,
        )
    width = max(box.right for box in boxes.values()) + MARGIN
    height = max(box.bottom for box in boxes.values()) + MARGIN
    main_row_y = MARGIN - top_row * ROW_HEIGHT + NODE_HEIGHT / 2
    return GraphLayout(boxes=boxes, width=width, height=height, main_row_y=main_row_y)


Point = tuple[float, float]


def edge_curve(source: NodeBox, target: NodeBox, main_row_y: float) -> tuple[Point, Point, Point, Point]:
    """A cubic Bézier (start, control, control, end) from one box's border to the other's.

    One row: neighbours going right are joined straight, farther ones by an arc under the row, and an
    edge going back by an arc over it. Between rows: straight up or down where the boxes overlap, else a
    rounded L: from the side into the top or bottom for a near target; for a far one, first along a
    detour row above the main one (so it stays clear of the main row), otherwise first down or up.
    """
    if abs(source.cy - target.cy) < 1:
        return _same_row(source, target)
    downwards = target.cy > source.cy
    vertical_x = _overlap_x(source, target)
    if vertical_x is not None:
        start = (vertical_x, source.bottom if downwards else source.y)
        end = (vertical_x, target.y if downwards else target.bottom)
        return start, start, end, end
    rightwards = target.cx > source.cx
    near = abs(target.cx - source.cx) <= COLUMN_WIDTH * 1.6
    if near or source.cy < main_row_y:
        start = (source.right, source.cy) if rightwards else (source.x, source.cy)
        end = (target.cx, target.y if downwards else target.bottom)
        corner = (end[0], start[1])
    else:
        offset = 24.0 if rightwards else -24.0
        start = (min(source.cx + offset, source.right - 6), source.bottom if downwards else source.y)
        end = (target.x, target.cy) if rightwards else (target.right, target.cy)
        corner = (start[0], end[1])
    return start, corner, corner, end


def _same_row(source: NodeBox, target: NodeBox) -> tuple[Point, Point, Point, Point]:
    gap = target.cx - source.cx
    wide = source.width > NODE_WIDTH or target.width > NODE_WIDTH
    if 0 < gap <= COLUMN_WIDTH * 1.01 or (gap > 0 and wide):
        start, end = (source.right, source.cy), (target.x, target.cy)
        return start, start, end, end
    bulge = min(ROW_HEIGHT * 0.45, 20 + abs(gap) * 0.06)
    if gap > 0:
        start, end = (source.cx + 12, source.bottom), (target.cx - 12, target.bottom)
        return start, (start[0], start[1] + bulge), (end[0], end[1] + bulge), end
    start, end = (source.cx - 12, source.y), (target.cx + 12, target.y)
    return start, (start[0], start[1] - bulge), (end[0], end[1] - bulge), end


def _overlap_x(source: NodeBox, target: NodeBox) -> float | None:
    """Where a vertical line can join two boxes one above the other (a wide bar included), else None."""
    low, high = max(source.x, target.x) + 10, min(source.right, target.right) - 10
    if low > high:
        return None
    narrow = source if source.width <= target.width else target
    return min(max(narrow.cx, low), high)
