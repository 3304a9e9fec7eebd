"""Reads a rendered picture back as elements (tag, attributes, text), with the standard HTML parser, so
tests check structure, not substrings."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

_VOID = frozenset({"meta", "br", "img", "link", "input", "hr"})


@dataclass
class Element:
    tag: str
    attributes: dict[str, str]
    content: list[str | Element] = field(default_factory=list)
    """Text and child elements, in document order."""

    @property
    def children(self) -> list[Element]:
        return [part for part in self.content if isinstance(part, Element)]

    @property
    def text(self) -> str:
        return "".join(part if isinstance(part, str) else part.text for part in self.content)

    @property
    def classes(self) -> set[str]:
        return set(self.attributes.get("class", "").split())


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        if self._open:
            self._open[-1].content.append(element)
        self.elements.append(element)
        if tag not in _VOID:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        if self._open:
            self._open[-1].content.append(element)
        self.elements.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1].content.append(data)


def parse(document: str) -> list[Element]:
    collector = _Collector()
    collector.feed(document)
    collector.close()
    return collector.elements


def with_class(elements: list[Element], name: str) -> list[Element]:
    return [element for element in elements if name in element.classes]


def by_id(elements: list[Element], identifier: str) -> Element:
    (found,) = [element for element in elements if element.attributes.get("id") == identifier]
    return found
