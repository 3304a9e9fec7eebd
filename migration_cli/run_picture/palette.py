"""Colours of the picture: one meaning, one colour, readable on white and by colour-blind readers
(Okabe-Ito palette)."""

from __future__ import annotations

MIGRATED = "#009E73"
INELIGIBLE = "#999999"
REJECTED = "#E69F00"
DEAD_LETTERED = "#D55E00"
SUPERSEDED = "#56B4E9"
INTAKE_DELIVERED = "#0072B2"
INTAKE_REJECTED = "#CC79A7"
INTAKE_PENDING = "#BBBBBB"

PATH = "#0072B2"
PATH_FILL = "#E3F0FA"
IDLE_STROKE = "#C8C8C8"
IDLE_TEXT = "#8A8A8A"
TEXT = "#222222"
GRID = "#E6E6E6"
PAUSED = "#F6D8C4"

ENDS = {"Succeeded": "#009E73", "Rolled back": "#E69F00", "Failed": "#D55E00"}

FATE_COLOURS = {
    "migrated": MIGRATED,
    "superseded by intake": SUPERSEDED,
    "ineligible": INELIGIBLE,
    "rejected": REJECTED,
    "dead-lettered": DEAD_LETTERED,
    "delivered": INTAKE_DELIVERED,
    "intake rejected": INTAKE_REJECTED,
    "pending": INTAKE_PENDING,
    "would migrate": MIGRATED,
    "would be rejected": REJECTED,
    "missing": "#555555",
}
ISSUE_COLOURS = {"rejected": REJECTED, "dead-lettered": DEAD_LETTERED, "intake rejected": INTAKE_REJECTED}
