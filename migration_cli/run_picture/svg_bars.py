"""Where every record ended (stacked bars with a legend) and the top reasons (horizontal bars)."""

from __future__ import annotations

import drawsvg as draw

from migration_cli.run_picture import palette
from migration_cli.run_picture.model import Fate, ReasonGroup
from migration_cli.run_picture.svg_text import attribute_value, shortened

WIDTH = 1040.0
BAR_LEFT = 150.0
BAR_WIDTH = 820.0
REASON_TEXT_WIDTH = 560.0


def fates_svg(rows: list[tuple[str, tuple[Fate, ...]]]) -> str:
    """One stacked bar per row (legacy records, intake messages), each segment as wide as its count."""
    height = 20 + 74 * len(rows)
    drawing = draw.Drawing(WIDTH, height, id_prefix="fates", font_family="sans-serif")
    for index, (title, fates) in enumerate(rows):
        y = 10 + index * 74
        total = sum(fate.count for fate in fates)
        drawing.append(draw.Text(title, 13, BAR_LEFT - 10, y + 19, text_anchor="end", font_weight="bold"))
        drawing.append(draw.Text(f"{total:,}", 12, BAR_LEFT - 10, y + 34, text_anchor="end", fill="#555555"))
        x = BAR_LEFT
        for fate in fates:
            width = BAR_WIDTH * fate.count / total if total else 0.0
            colour = palette.FATE_COLOURS.get(fate.label, palette.INELIGIBLE)
            segment = draw.Group(
                class_="fate", data_label=attribute_value(fate.label), data_count=str(fate.count)
            )
            segment.append(draw.Rectangle(x, y, max(width, 0.0), 30, fill=colour))
            if width >= 48:
                segment.append(
                    draw.Text(
                        f"{fate.count:,}",
                        12,
                        x + width / 2,
                        y + 19,
                        text_anchor="middle",
                        fill="#FFFFFF",
                        font_weight="bold",
                    )
                )
            segment.append(draw.Title(f"{fate.label}: {fate.count:,}"))
            drawing.append(segment)
            x += width
        legend_x = BAR_LEFT
        for fate in fates:
            colour = palette.FATE_COLOURS.get(fate.label, palette.INELIGIBLE)
            drawing.append(draw.Rectangle(legend_x, y + 40, 12, 12, fill=colour))
            text = f"{fate.label} {fate.count:,}"
            drawing.append(draw.Text(text, 12, legend_x + 16, y + 50, fill=palette.TEXT))
            legend_x += 34 + 7 * len(text)
    return drawing.as_svg(header="", skip_js=True)


def reasons_svg(groups: list[ReasonGroup]) -> str:
    """The most frequent reasons, one bar each, coloured by kind; the full text is in each bar's title."""
    row = 24.0
    height = 16 + row * max(1, len(groups))
    drawing = draw.Drawing(WIDTH, height, id_prefix="reasons", font_family="sans-serif")
    largest = max((group.count for group in groups), default=1)
    bar_area = WIDTH - REASON_TEXT_WIDTH - 70
    for index, group in enumerate(groups):
        y = 8 + index * row
        colour = palette.ISSUE_COLOURS.get(group.kind, palette.INELIGIBLE)
        item = draw.Group(
            class_="reason-bar", data_kind=attribute_value(group.kind), data_count=str(group.count)
        )
        item.append(draw.Title(f"{group.kind}: {shortened(group.reason, 2000)} ({group.count:,})"))
        item.append(draw.Rectangle(0, y + 3, 10, 10, fill=colour))
        item.append(
            draw.Text(shortened(f"{group.kind}: {group.reason}", 84), 12, 16, y + 13, fill=palette.TEXT)
        )
        width = max(2.0, bar_area * group.count / largest)
        item.append(draw.Rectangle(REASON_TEXT_WIDTH, y + 1, width, row - 6, fill=colour))
        item.append(
            draw.Text(f"{group.count:,}", 12, REASON_TEXT_WIDTH + width + 6, y + 14, fill=palette.TEXT)
        )
        drawing.append(item)
    return drawing.as_svg(header="", skip_js=True)
