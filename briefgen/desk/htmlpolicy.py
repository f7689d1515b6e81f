"""What HTML an article body may hold: the allow-list pages are sanitised with, and the check that
reports, before a build, what the sanitiser would remove.

Apart from `body` so that `briefgen check`, which needs only the check, does not import Markdown
and the sanitiser.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: Tags and attributes a body may keep; everything else is removed, content of script/style included.
ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div", "dl", "dt", "em",
    "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol",
    "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "time", "tr", "u", "ul",
})
ALLOWED_ATTRIBUTES = {
    "*": {"title", "lang", "dir"},
    "a": {"href", "class", "data-entity"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "time": {"datetime"},
    "ol": {"start"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})

_CODE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`", re.S)
_MD_LINK_URL = re.compile(r"\]\(\s*<?([A-Za-z][A-Za-z0-9+.-]*):")


class _UnsafeScanner(HTMLParser):
    """Finds the raw HTML in a Markdown body that `sanitize` would remove."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, col = self.getpos()
        if tag not in ALLOWED_TAGS:
            self.found.append((line, col + 1, f"the `<{tag}>` element"))
            return
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ALLOWED_ATTRIBUTES["*"]
        for name, value in attrs:
            if name not in allowed:
                self.found.append((line, col + 1, f"the `{name}` attribute of `<{tag}>`"))
            elif name in ("href", "src") and value and _scheme(value) not in (None, *URL_SCHEMES):
                self.found.append((line, col + 1, f"the `{_scheme(value)}:` address in `<{tag} {name}>`"))


def _scheme(url: str) -> str | None:
    # Browsers ignore whitespace and control characters inside a scheme ("jav\tascript:").
    compact = "".join(c for c in url if c > " ").lower()
    head, sep, _ = compact.partition(":")
    return head if sep and head.isalnum() else None


def unsafe_html(body: str) -> list[tuple[int, int, str]]:
    """(line, column, what) for each piece of HTML or link in `body` that the page will not keep.

    Lines and columns are 1-based within the body. Code spans and blocks are skipped: Markdown
    shows their text as text, so nothing there is removed.
    """
    masked = _CODE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), body) if "`" in body or "~~~" in body else body
    found: list[tuple[int, int, str]] = []
    if "<" in masked:  # no tag without one; most bodies are plain Markdown, and the parser costs
        scanner = _UnsafeScanner()
        scanner.feed(masked)
        scanner.close()
        found = scanner.found
    if "](" not in masked:
        return sorted(found)
    for number, line in enumerate(masked.split("\n"), start=1):
        for match in _MD_LINK_URL.finditer(line):
            scheme = match.group(1).lower()
            if scheme not in URL_SCHEMES:
                found.append((number, match.start() + 3, f"the `{scheme}:` link address"))
    return sorted(found)
