"""The phases on a time line, one row per phase, with the window during which the intake was paused."""

from __future__ import annotations

import drawsvg as draw

from migration_cli.run_picture import palette
from migration_cli.run_picture.model import RunPicture
from migration_cli.run_picture.svg_axis import CHART_WIDTH, LABEL_WIDTH, TimeScale, seconds_label
from migration_cli.run_picture.svg_graph import LABELS
from migration_cli.run_picture.svg_text import attribute_value, shortened

ROW = 26.0
TOP = 30.0


def timeline_svg(picture: RunPicture) -> str:
    spans = picture.phase_spans
    phases = list(dict.fromkeys(span.phase for span in spans))
    end = max([span.end_seconds for span in spans] + [picture.duration_seconds or 0.0, 1.0])
    scale = TimeScale(0.0, end)
    bottom = TOP + ROW * max(1, len(phases))
    drawing = draw.Drawing(CHART_WIDTH, bottom + 30, id_prefix="timeline", font_family="sans-serif")
    scale.draw_axis(drawing, TOP - 6, bottom)
    if picture.intake_paused is not None:
        paused_from, paused_to = picture.intake_paused
        left, right = scale.x(paused_from), scale.x(paused_to)
        window = draw.Group(class_="intake-paused", data_seconds=f"{paused_to - paused_from:.1f}")
        window.append(
            draw.Rectangle(left, TOP - 6, max(1.0, right - left), bottom - TOP + 6, fill=palette.PAUSED)
        )
        window.append(
            draw.Text(
                f"intake paused {seconds_label(paused_to - paused_from)}",
                12,
                (left + right) / 2,
                TOP - 12,
                text_anchor="middle",
                fill=palette.DEAD_LETTERED,
                font_weight="bold",
            )
        )
        drawing.append(window)
    for row, phase in enumerate(phases):
        y = TOP + row * ROW
        drawing.append(
            draw.Text(
                shortened(LABELS.get(phase, phase), 20),
                12,
                LABEL_WIDTH - 10,
                y + 16,
                text_anchor="end",
                fill=palette.TEXT,
            )
        )
        for span in spans:
            if span.phase != phase:
                continue
            left, right = scale.x(span.start_seconds), scale.x(span.end_seconds)
            bar = draw.Group(
                class_="phase-span",
                data_phase=attribute_value(phase),
                data_start=f"{span.start_seconds:.1f}",
                data_seconds=f"{span.seconds:.1f}",
            )
            colour = palette.ENDS["Rolled back"] if phase == "Rollback" else palette.PATH
            bar.append(draw.Rectangle(left, y + 4, max(2.0, right - left), ROW - 8, fill=colour, rx=2))
            bar.append(
                draw.Text(seconds_label(span.seconds), 11, max(left, right) + 4, y + 16, fill="#333333")
            )
            drawing.append(bar)
    return drawing.as_svg(header="", skip_js=True)
