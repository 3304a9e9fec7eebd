"""A horizontal time axis shared by the timeline and the series charts."""

from __future__ import annotations

import drawsvg as draw

from migration_cli.run_picture import palette
from migration_cli.run_picture.series import nice_step

CHART_WIDTH = 1040.0
LABEL_WIDTH = 150.0
RIGHT_MARGIN = 70.0


def seconds_label(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s" if seconds < 10 and seconds != int(seconds) else f"{seconds:.0f} s"


class TimeScale:
    """Maps seconds since the start to x, over [low, high]."""

    def __init__(
        self, low: float, high: float, left: float = LABEL_WIDTH, right: float = CHART_WIDTH
    ) -> None:
        self.low = low
        self.high = high if high > low else low + 1.0
        self.left = left
        self.right = right - RIGHT_MARGIN

    def x(self, seconds: float) -> float:
        share = (seconds - self.low) / (self.high - self.low)
        return self.left + min(1.0, max(0.0, share)) * (self.right - self.left)

    def draw_axis(self, drawing: draw.Drawing, top: float, bottom: float) -> None:
        """Vertical grid lines at round seconds from `top` to `bottom`, labelled under `bottom`."""
        step = nice_step(self.high - self.low, 8)
        tick = step * int(self.low / step)
        while tick <= self.high + 1e-9:
            if tick >= self.low:
                x = self.x(tick)
                drawing.append(draw.Line(x, top, x, bottom, stroke=palette.GRID, stroke_width=1))
                drawing.append(
                    draw.Text(seconds_label(tick), 11, x, bottom + 14, text_anchor="middle", fill="#555555")
                )
            tick += step
