"""The version every function result that crosses a boundary carries (see ``function_results``).

A reader compares it before it trusts a result's fields: a result of a version it does not know is not
read as if it were this one. Raise it when a field of a result changes meaning or goes away; adding a
field keeps it.
"""

from __future__ import annotations

from typing import Literal

RESULT_VERSION: Literal[1] = 1
ResultVersion = Literal[1]
