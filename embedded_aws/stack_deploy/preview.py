"""``local preview``: the resource tree the program would create, like ``pulumi preview``, without an account.

The program runs through the one mocks engine with mocks that create nothing (``record_program``); the
registrations it leaves are arranged by parent into a tree (``resource_tree``, a pure function), which
is rendered as ``pulumi preview`` renders a first ``pulumi up`` (``render_preview``) or as JSON
(``preview_document``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embedded_aws.stack_deploy import DEFAULT_STACK, record_program
from embedded_aws.stack_deploy.engine import STACK_TYPE, Registration


@dataclass(frozen=True)
class PlannedResource:
    """One resource the program would create, with the ones it parents."""

    urn: str
    type: str
    name: str
    parent: str  # the parent's URN; empty for the stack itself
    custom: bool  # a cloud resource, as opposed to a component (a grouping) or the stack
    children: tuple[PlannedResource, ...] = ()

    def walk(self, depth: int = 0) -> Iterator[tuple[int, PlannedResource]]:
        """This resource and every descendant, depth-first, with its depth (the stack is at 0)."""
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)


@dataclass(frozen=True)
class ResourceCounts:
    components: int
    cloud_resources: int

    @property
    def to_create(self) -> int:
        # As `pulumi preview` counts: the stack itself is created too.
        return 1 + self.components + self.cloud_resources


def _name_in_urn(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def resource_tree(stack_urn: str, registrations: Sequence[Registration]) -> PlannedResource:
    """The stack, with every registration under its parent; siblings sorted by type, then name, so the
    same program always prints the same tree. A parent that was never registered (none in a program run
    to completion) would leave its children under the stack rather than lose them."""
    known = {registration.urn for registration in registrations}
    children_of: dict[str, list[Registration]] = {}
    for registration in registrations:
        parent = registration.parent if registration.parent in known else stack_urn
        children_of.setdefault(parent, []).append(registration)

    def planned(urn: str, type_: str, name: str, parent: str, custom: bool) -> PlannedResource:
        children = sorted(children_of.get(urn, []), key=lambda child: (child.type, child.name))
        return PlannedResource(
            urn=urn,
            type=type_,
            name=name,
            parent=parent,
            custom=custom,
            children=tuple(planned(c.urn, c.type, c.name, parent=urn, custom=c.custom) for c in children),
        )

    return planned(stack_urn, STACK_TYPE, _name_in_urn(stack_urn), parent="", custom=False)


def count_resources(root: PlannedResource) -> ResourceCounts:
    below = [resource for depth, resource in root.walk() if depth > 0]
    custom = sum(1 for resource in below if resource.custom)
    return ResourceCounts(components=len(below) - custom, cloud_resources=custom)


def preview_stack(
    program_dir: Path | str, stack: str = DEFAULT_STACK, config: dict[str, Any] | None = None
) -> PlannedResource:
    """Run the program under mocks that create nothing and return its resource tree; deploys nothing.

    ``config``: ``namespace:key`` overrides on top of ``Pulumi.<stack>.yaml``, as ``local up`` takes."""
    declared = record_program(program_dir, stack=stack, config=config)
    return resource_tree(declared.stack_urn, declared.resources)


def render_preview(root: PlannedResource) -> str:
    """The tree as ``pulumi preview`` prints a first ``pulumi up``: one ``+`` line per resource, indented
    under its parent, then the count of what would be created."""
    rows: list[tuple[str, str]] = []
    _tree_rows(root, prefix="", is_root=True, is_last=True, rows=rows)
    width = max(len(type_column) for type_column, _ in rows)
    lines = ["     Type".ljust(width + 7) + "Name"]
    lines += [f" +   {type_column.ljust(width)}  {name}" for type_column, name in rows]
    counts = count_resources(root)
    lines += [
        "",
        "Resources:",
        f"    + {counts.to_create} to create "
        f"(1 stack, {counts.components} components, {counts.cloud_resources} cloud resources)",
    ]
    return "\n".join(lines) + "\n"


def _tree_rows(
    resource: PlannedResource, prefix: str, is_root: bool, is_last: bool, rows: list[tuple[str, str]]
) -> None:
    branch = "" if is_root else ("└─ " if is_last else "├─ ")
    rows.append((f"{prefix}{branch}{resource.type}", resource.name))
    below = "" if is_root else prefix + ("   " if is_last else "│  ")
    for index, child in enumerate(resource.children):
        _tree_rows(child, below, is_root=False, is_last=index == len(resource.children) - 1, rows=rows)


def preview_document(root: PlannedResource, project: str, stack: str) -> dict[str, Any]:
    """The tree as one JSON-ready object: every resource depth-first with its parent's URN, and counts."""
    counts = count_resources(root)
    return {
        "project": project,
        "stack": stack,
        "resources": [
            {
                "urn": resource.urn,
                "type": resource.type,
                "name": resource.name,
                "parent": resource.parent or None,
                "custom": resource.custom,
                "depth": depth,
            }
            for depth, resource in root.walk()
        ],
        "counts": {
            "create": counts.to_create,
            "components": counts.components,
            "cloud_resources": counts.cloud_resources,
        },
    }


__all__ = [
    "PlannedResource",
    "ResourceCounts",
    "count_resources",
    "preview_document",
    "preview_stack",
    "render_preview",
    "resource_tree",
]
