"""The state machine as a graph of phases, with the path this execution took drawn over it.

Every element that a test (or a reader of the file) looks for carries data attributes: a node
`data-phase` and `data-visits`, an edge `data-from` / `data-to`; `class` says whether the run took it.
"""

from __future__ import annotations

from collections import Counter

import drawsvg as draw

from migration_cli.run_picture import palette
from migration_cli.run_picture.graph_layout import NodeBox, edge_curve, layout
from migration_cli.run_picture.model import RunPicture
from migration_cli.run_picture.state_graph import END_NODES, end_node_of_status, path_edges
from migration_cli.run_picture.svg_text import attribute_value, shortened

LABELS = {"CutOver": "Cut-over", "DryRun": "Dry run"}
UNPLANNED = "#B00020"


def _arrow(colour: str) -> draw.Marker:
    # The tip is the path's end, so the arrow stops at the box's border instead of under the box.
    # Sized in pixels, not in stroke widths, so a thick taken edge does not get a huge head.
    marker = draw.Marker(-6, -3, 0.5, 3, scale=1.8, orient="auto", markerUnits="userSpaceOnUse")
    marker.append(draw.Lines(-5.5, -2.6, 0, 0, -5.5, 2.6, close=True, fill=colour))
    return marker


def _edge(group: draw.Group, source: NodeBox, target: NodeBox, main_row_y: float, **style: object) -> None:
    start, first, second, end = edge_curve(source, target, main_row_y)
    path = draw.Path(fill="none", **style)
    path.M(*start).C(*first, *second, *end)
    group.append(path)


def graph_svg(picture: RunPicture) -> str:
    graph = picture.graph
    places = layout(graph)
    drawing = draw.Drawing(places.width, places.height, id_prefix="graph", font_family="sans-serif")
    idle_arrow, taken_arrow, unplanned_arrow = (
        _arrow(colour) for colour in (palette.IDLE_STROKE, palette.PATH, UNPLANNED)
    )
    taken = list(dict.fromkeys(path_edges(picture.path, picture.ending.status)))
    for source, target in sorted(graph.edges - set(taken)):
        group = draw.Group(
            class_="edge idle", data_from=attribute_value(source), data_to=attribute_value(target)
        )
        _edge(
            group,
            places.boxes[source],
            places.boxes[target],
            places.main_row_y,
            stroke=palette.IDLE_STROKE,
            stroke_width=1.2,
            marker_end=idle_arrow,
        )
        drawing.append(group)
    for source, target in taken:
        if source not in places.boxes or target not in places.boxes:
            continue
        planned = graph.has_edge(source, target)
        group = draw.Group(
            class_="edge taken" if planned else "edge taken unplanned",
            data_from=attribute_value(source),
            data_to=attribute_value(target),
        )
        # An end the definition has no edge for (an operator's stop, a time-out, a runtime error).
        _edge(
            group,
            places.boxes[source],
            places.boxes[target],
            places.main_row_y,
            stroke=palette.PATH if planned else UNPLANNED,
            stroke_width=3,
            stroke_dasharray="none" if planned else "6 4",
            marker_end=taken_arrow if planned else unplanned_arrow,
        )
        drawing.append(group)
    visits = Counter(picture.path)
    end = end_node_of_status(picture.ending.status)
    for name, box in places.boxes.items():
        drawing.append(_node(name, box, visits[name] if name not in END_NODES else int(name == end)))
    if picture.gate_decisions and "Gate" in places.boxes:
        gate = places.boxes["Gate"]
        drawing.append(
            draw.Text(
                "answered: " + shortened(" → ".join(picture.gate_decisions), 60),
                11,
                gate.cx,
                gate.bottom + 16,
                text_anchor="middle",
                stroke="#FFFFFF",
                stroke_width=4,
                paint_order="stroke",
                fill=palette.TEXT,
                font_weight="bold",
                class_="gate-decisions",
            )
        )
    return drawing.as_svg(header="", skip_js=True)


def _node(name: str, box: NodeBox, visits: int) -> draw.Group:
    is_end = name in END_NODES
    visited = visits > 0
    group = draw.Group(
        class_="node visited" if visited else "node",
        data_phase=attribute_value(name),
        data_visits=str(visits),
    )
    if is_end:
        colour = palette.ENDS[name]
        fill, stroke, text = (colour, colour, "#FFFFFF") if visited else ("#FFFFFF", colour, colour)
    else:
        fill, stroke, text = (
            (palette.PATH_FILL, palette.PATH, palette.TEXT)
            if visited
            else ("#FFFFFF", palette.IDLE_STROKE, palette.IDLE_TEXT)
        )
    group.append(
        draw.Rectangle(
            box.x,
            box.y,
            box.width,
            box.height,
            rx=box.height / 2 if is_end else 6,
            fill=fill,
            stroke=stroke,
            stroke_width=2.5 if visited else 1.2,
        )
    )
    label = shortened(LABELS.get(name, name), 16)
    group.append(
        draw.Text(
            label,
            13,
            box.cx,
            box.cy + 4.5,
            text_anchor="middle",
            fill=text,
            font_weight="bold" if visited else "normal",
        )
    )
    if visits > 1:
        group.append(draw.Circle(box.right - 2, box.y + 2, 10, fill=palette.PATH))
        group.append(
            draw.Text(f"\u00d7{visits}", 10, box.right - 2, box.y + 5.5, text_anchor="middle", fill="#FFFFFF")
        )
    return group
