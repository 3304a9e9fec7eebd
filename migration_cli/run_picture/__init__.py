"""A picture of one migration: a self-contained HTML file (inline SVG and CSS, nothing fetched).

`RunPicture` (model.py) is everything the picture shows, plain typed data; `render_html` (page.py) turns
it into the file. The adapters (from_run.py) build a RunPicture from a report, the execution's history,
the state machine definition and the new table's items.
"""

from migration_cli.run_picture.model import RunPicture
from migration_cli.run_picture.page import render_html

__all__ = ["RunPicture", "render_html"]
