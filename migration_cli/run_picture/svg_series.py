"""Values over time: records migrated per interval (bars) and sampled queue depths (lines)."""

from __future__ import annotations

import drawsvg as draw

from migration_cli.run_picture import palette
from migration_cli.run_picture.model import CountBucket, DepthSample
from migration_cli.run_picture.series import nice_step
from migration_cli.run_picture.svg_axis import CHART_WIDTH, TimeScale

PLOT_TOP = 24.0
PLOT_HEIGHT = 160.0
DEPTH_SERIES = (
    ("migration queue", "migration_queue", palette.INTAKE_DELIVERED),
    ("migration DLQ", "migration_dlq", palette.DEAD_LETTERED),
    ("intake queue", "intake_queue", palette.INTAKE_REJECTED),
)


def _value_axis(drawing: draw.Drawing, scale: TimeScale, largest: float, caption: str) -> float:
    """Horizontal grid lines at round values; returns the value at the top of the plot."""
    step = nice_step(largest, 4) if largest > 0 else 1.0
    top_value = step * max(1, -(-largest // step))
    value = 0.0
    while value <= top_value + 1e-9:
        y = PLOT_TOP + PLOT_HEIGHT * (1 - value / top_value)
        drawing.append(draw.Line(scale.left, y, scale.right, y, stroke=palette.GRID, stroke_width=1))
        drawing.append(
            draw.Text(f"{value:,.0f}", 11, scale.left - 6, y + 4, text_anchor="end", fill="#555555")
        )
        value += step
    drawing.append(draw.Text(caption, 12, scale.left, PLOT_TOP - 10, fill=palette.TEXT, font_weight="bold"))
    return top_value


def throughput_svg(buckets: tuple[CountBucket, ...], span_seconds: float) -> str:
    high = max([span_seconds] + [bucket.start_seconds + bucket.width_seconds for bucket in buckets])
    low = min([0.0] + [bucket.start_seconds for bucket in buckets])
    scale = TimeScale(low, high)
    bottom = PLOT_TOP + PLOT_HEIGHT
    drawing = draw.Drawing(CHART_WIDTH, bottom + 30, id_prefix="throughput", font_family="sans-serif")
    scale.draw_axis(drawing, PLOT_TOP, bottom)
    width = buckets[0].width_seconds if buckets else 1.0
    top_value = _value_axis(
        drawing,
        scale,
        max((bucket.count for bucket in buckets), default=0),
        f"records migrated per {width:g} s",
    )
    for bucket in buckets:
        left = scale.x(bucket.start_seconds)
        right = scale.x(bucket.start_seconds + bucket.width_seconds)
        height = PLOT_HEIGHT * bucket.count / top_value
        bar = draw.Group(
            class_="throughput-bucket", data_start=f"{bucket.start_seconds:g}", data_count=str(bucket.count)
        )
        bar.append(
            draw.Rectangle(
                left + 0.5, bottom - height, max(1.0, right - left - 1), height, fill=palette.MIGRATED
            )
        )
        bar.append(
            draw.Title(f"{bucket.start_seconds:g} to {bucket.start_seconds + width:g} s: {bucket.count:,}")
        )
        drawing.append(bar)
    return drawing.as_svg(header="", skip_js=True)


def depths_svg(samples: tuple[DepthSample, ...], span_seconds: float) -> str:
    scale = TimeScale(0.0, max([span_seconds] + [sample.at_seconds for sample in samples]))
    bottom = PLOT_TOP + PLOT_HEIGHT
    drawing = draw.Drawing(CHART_WIDTH, bottom + 30, id_prefix="depths", font_family="sans-serif")
    scale.draw_axis(drawing, PLOT_TOP, bottom)
    largest = max((getattr(sample, key) for sample in samples for _, key, _ in DEPTH_SERIES), default=0)
    top_value = _value_axis(drawing, scale, largest, "messages waiting (visible + in flight + delayed)")
    for index, (label, key, colour) in enumerate(DEPTH_SERIES):
        points: list[float] = []
        for sample in samples:
            points += [scale.x(sample.at_seconds), bottom - PLOT_HEIGHT * getattr(sample, key) / top_value]
        series = draw.Group(class_="depth-series", data_queue=key, data_samples=str(len(samples)))
        if len(points) >= 4:
            series.append(draw.Lines(*points, close=False, fill="none", stroke=colour, stroke_width=2))
        legend_x = CHART_WIDTH - 520 + index * 150
        series.append(
            draw.Line(legend_x, PLOT_TOP - 14, legend_x + 18, PLOT_TOP - 14, stroke=colour, stroke_width=3)
        )
        series.append(draw.Text(label, 12, legend_x + 22, PLOT_TOP - 10, fill=palette.TEXT))
        drawing.append(series)
    return drawing.as_svg(header="", skip_js=True)
