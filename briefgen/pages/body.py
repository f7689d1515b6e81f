"""Article bodies: Markdown → safe HTML, with the first mention of each entity linked.

Bodies come from pull requests, so they are untrusted: the HTML that Markdown
produces (including any raw HTML the author wrote) goes through `nh3`, a
maintained allow-list sanitiser, before it reaches a page; and a body that would
take Markdown or nh3 time out of proportion to its length never reaches them
(`htmlpolicy.too_complex`).
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as etree
from collections.abc import Callable
from typing import TYPE_CHECKING

import markdown
import nh3
from markdown.treeprocessors import Treeprocessor

if TYPE_CHECKING:  # model imports validate, which imports this module
    from ..desk.model import EntityKey

from ..desk.htmlpolicy import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES, too_complex
from ..desk.matcher import AliasMatcher, resolve

_SKIP = frozenset({"a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6"})


class _MentionLinker(Treeprocessor):
    """Wraps the first mention of each wanted entity in a link.

    A name several entries share links to the one of them the article covers (`matcher.resolve`), and to
    none when it covers none or several of them: `briefgen check` warns about those (`ambiguous-mention`).
    """

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.matcher: AliasMatcher[EntityKey] | None = None
        self.href: Callable[[EntityKey], str] = lambda key: ""
        self.wanted: set[EntityKey] = set()
        self.covered: frozenset[EntityKey] = frozenset()
        """Every entity the article covers: what a shared name is resolved against (`wanted` shrinks)."""

    def run(self, root: etree.Element) -> None:
        if self.matcher and self.wanted:
            self._walk(root)

    def _walk(self, element: etree.Element) -> None:
        # Document order: the element's own text, then each child followed by the text after it.
        if element.tag in _SKIP:
            return
        if element.text:
            self._link_text(element)
        for child in list(element):
            if child.get("class") == "bg-mention":
                continue  # a link made just now from this element's text
            self._walk(child)
            if child.tail:
                self._link_tail(element, child)

    def _pieces(self, text: str) -> list[str | etree.Element]:
        assert self.matcher is not None
        pieces: list[str | etree.Element] = []
        pos = 0
        for match in self.matcher.find(text):
            key = resolve(match.targets, self.covered) if match.shared else match.target
            if key is None or key not in self.wanted:
                continue
            self.wanted.discard(key)
            link = etree.Element("a", {"href": self.href(key), "class": "bg-mention",
                                       "data-entity": f"{key[0]}:{key[1]}"})
            link.text = match.surface
            pieces.extend([text[pos : match.start], link])
            pos = match.end
        pieces.append(text[pos:])
        return pieces

    def _link_text(self, element: etree.Element) -> None:
        pieces = self._pieces(element.text or "")
        if len(pieces) == 1:
            return
        element.text = pieces[0]  # type: ignore[assignment]
        self._insert(element, 0, pieces[1:])

    def _link_tail(self, parent: etree.Element, child: etree.Element) -> None:
        pieces = self._pieces(child.tail or "")
        if len(pieces) == 1:
            return
        child.tail = pieces[0]  # type: ignore[assignment]
        self._insert(parent, list(parent).index(child) + 1, pieces[1:])

    @staticmethod
    def _insert(parent: etree.Element, at: int, pieces: list[str | etree.Element]) -> None:
        # pieces alternate element, text, element, text ...: each text becomes the previous link's tail.
        for i in range(0, len(pieces), 2):
            link = pieces[i]
            assert isinstance(link, etree.Element)
            link.tail = pieces[i + 1] if i + 1 < len(pieces) else ""  # type: ignore[assignment]
            parent.insert(at, link)
            at += 1


class BodyRenderer:
    """Converts article bodies; one Markdown instance is reused for every article."""

    def __init__(self, matcher: AliasMatcher[EntityKey]) -> None:
        self._md = markdown.Markdown(extensions=["extra", "sane_lists"], output_format="html")
        self._linker = _MentionLinker(self._md)
        self._linker.matcher = matcher
        # After inline processing, so text nodes hold their final words.
        self._md.treeprocessors.register(self._linker, "briefgen-mentions", 0)

    def render(self, body: str, wanted: set[EntityKey], href: Callable[[EntityKey], str]) -> str:
        """Safe HTML for `body`, linking the first mention of each entity in `wanted`.

        A body too complex to convert (which `briefgen check` refuses, so that no build gets here with
        one) is shown as its text.
        """
        if too_complex(body) is not None:
            return f"<p>{html.escape(body, quote=False)}</p>"
        self._md.reset()
        self._linker.wanted = set(wanted)
        self._linker.covered = frozenset(wanted)
        self._linker.href = href
        return sanitize(self._md.convert(body))


def sanitize(html: str) -> str:
    """Remove every tag, attribute and URL scheme not on the allow-list."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
    )
