"""The version every function result that crosses a boundary carries (see ``function_results``).

A reader compares it before it trusts a result's fields: a result of a version it does not know is not
read as if it were this one. Raise it when a field of a result changes meaning or goes away; adding a
field keeps it; a renamed field keeps its old name readable (``validate_by_name``) for one version.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict

# Every part of a function result: unknown fields ignored (a newer writer may add some); a field's name on
# the wire is its alias where it has one (``Field(alias="...")``), and either name is read, so renaming a
# field on the wire is one line in the model.
RESULT_MODEL_CONFIG = ConfigDict(
    extra="ignore", frozen=True, serialize_by_alias=True, validate_by_alias=True, validate_by_name=True
)

RESULT_VERSION: Literal[1] = 1
ResultVersion = Literal[1]
