"""What an article body may hold: the HTML allow-list pages are sanitised with, the check that
reports, before a build, what the sanitiser would remove, and the check that refuses a body whose
conversion would take time out of proportion to its size.

Apart from `body` so that `briefgen check`, which needs only the checks, does not import Markdown
and the sanitiser.

Bodies are untrusted: every function here takes time in proportion to the body.
"""

from __future__ import annotations

import bisect
import html
import re
from collections import Counter
from collections.abc import Iterator
from html import unescape
from typing import NamedTuple

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
#: Where a Markdown link's address starts (after `](`, blanks and an optional `<`).
_MD_LINK_START = re.compile(r"\]\(\s*<?")
#: How far an address is read for its scheme: Markdown reads entities (`jav&#x61;script:`) and line breaks
#: inside it, so the scheme may be spelled out at length, but not beyond this.
_SCHEME_WINDOW = 200


def _scheme(url: str) -> str | None:
    # Browsers ignore whitespace and control characters inside a scheme ("jav\tascript:").
    compact = "".join(c for c in url if c > " ").lower()
    head, sep, _ = compact.partition(":")
    return head if sep and head.isalnum() else None


def _masked(body: str) -> str:
    """`body` with the text of code spans and blocks blanked out (line breaks kept): Markdown shows it as text."""
    if "`" not in body and "~~~" not in body:
        return body
    return _CODE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), body)


def unsafe_html(body: str) -> list[tuple[int, int, str]]:
    """(line, column, what) for each piece of HTML or link in `body` that the page will not keep.

    Lines and columns are 1-based within the body. Code spans and blocks are skipped: Markdown
    shows their text as text, so nothing there is removed.
    """
    masked = _masked(body)
    found: list[tuple[int, int, str]] = []
    if "<" in masked:  # no tag without one; most bodies are plain Markdown
        for line, col, tag, attrs in _start_tags(masked):
            if tag not in ALLOWED_TAGS:
                found.append((line, col, f"the `<{tag}>` element"))
                continue
            allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ALLOWED_ATTRIBUTES["*"]
            for name, value in attrs:
                if name not in allowed:
                    found.append((line, col, f"the `{name}` attribute of `<{tag}>`"))
                elif name in ("href", "src") and value and _scheme(value) not in (None, *URL_SCHEMES):
                    found.append((line, col, f"the `{_scheme(value)}:` address in `<{tag} {name}>`"))
    where = _Positions(masked)
    if "<!--" in masked:
        found += [(*where(at), "an HTML comment") for at in _all(masked, "<!--")]
    if "](" not in masked:
        return sorted(found)
    for match in _MD_LINK_START.finditer(masked):
        address = masked[match.end() : match.end() + _SCHEME_WINDOW].split(")", 1)[0]
        scheme = _scheme(html.unescape(address)) if ":" in address else None
        if scheme is not None and scheme not in URL_SCHEMES:
            found.append((*where(match.start() + 2), f"the `{scheme}:` link address"))
    return sorted(found)


def _all(text: str, needle: str) -> list[int]:
    """Every position of `needle` in `text`."""
    found, at = [], text.find(needle)
    while at != -1:
        found.append(at)
        at = text.find(needle, at + len(needle))
    return found


class _Positions:
    """1-based (line, column) of positions in a text, its line starts found once, when first asked."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts: list[int] | None = None

    def __call__(self, at: int) -> tuple[int, int]:
        if self._starts is None:
            self._starts = [0, *(at + 1 for at in _all(self._text, "\n"))]
        line = bisect.bisect_right(self._starts, at)
        return line, at - self._starts[line - 1] + 1


# --- the start tags of a body ---------------------------------------------------------------------------------
#
# As the HTML standard's tokenizer reads them, in one pass: each construct is read from its `<` to its
# end once. (The standard library's HTMLParser reads an unclosed one again from every `<` after it, a
# time that grows with the square of a run of `<a `, and it raises on some declarations.)

#: Elements whose text is not markup, up to their end tag: a `<` inside them opens no tag.
_RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"})
_TAG_NAME = re.compile(r"[^\t\n\f\r />]*")
_BEFORE_ATTRIBUTE = re.compile(r"[\t\n\f\r /]*")
_ATTRIBUTE_NAME = re.compile(r"[^\t\n\f\r />][^\t\n\f\r />=]*")
_SPACES = re.compile(r"[\t\n\f\r ]*")
_BLANKS = re.compile(r"[ \t]*")
_UNQUOTED_VALUE = re.compile(r"[^\t\n\f\r >]*")
_COMMENT_END = re.compile(r"--!?>")
#: Tags the text ends inside that are read: each is read to the end of the text.
_MOST_UNCLOSED_TAGS = 8
_raw_text_ends: dict[str, re.Pattern[str]] = {}


def _start_tags(html: str) -> Iterator[tuple[int, int, str, list[tuple[str, str | None]]]]:
    """(line, column, tag, attributes) of each start tag of `html`, lines and columns 1-based.

    A tag or comment that the text ends inside is text up to the next `>`, as HTMLParser has it.
    """
    at, line, line_start, counted = 0, 1, 0, 0
    unclosed_tags, comments_end_before = 0, len(html)  # no comment ends after the latter
    while (start := html.find("<", at)) >= 0:
        after = html[start + 1 : start + 2]
        closing = after == "/"
        name_at = start + 1 + closing
        first = html[name_at : name_at + 1]
        if first.isascii() and first.isalpha():  # a start or end tag (an end tag is read as a start tag is)
            tag = _read_tag(html, name_at)
            if tag is None:
                # Read to the end of the text: only a few times, or a run of `<a ` would be read again and again.
                unclosed_tags += 1
                at = _past(html, ">", start + 1) if unclosed_tags <= _MOST_UNCLOSED_TAGS else -1
            elif not closing:
                name, attrs, at = tag
                breaks = html.count("\n", counted, start)
                if breaks:
                    line, line_start = line + breaks, html.rfind("\n", counted, start) + 1
                counted = start
                yield line, start - line_start + 1, name, attrs
                if name == "plaintext":
                    return
                if name in _RAW_TEXT:
                    end = _raw_text_end(name).search(html, at)
                    at = end.start() if end else -1
            else:
                at = tag[2]
        elif closing:
            at = start + 3 if first == ">" else _past(html, ">", start + 2)
        elif html.startswith("<!--", start):
            if html.startswith((">", "->"), start + 4):  # `<!-->` and `<!--->` end where they begin
                at = html.index(">", start + 4) + 1
            else:
                end = _COMMENT_END.search(html, start + 4) if start < comments_end_before else None
                if end is None:
                    comments_end_before = min(comments_end_before, start)
                at = end.end() if end else _past(html, ">", start + 1)
        elif after in ("!", "?"):  # a declaration or processing instruction: a comment up to `>`
            at = _past(html, ">", start + 2)
        else:
            at = start + 1
        if at < 0:
            return  # nothing after the last `>` can complete a tag


def _past(html: str, char: str, at: int) -> int:
    """Where the text after the next `char` from `at` begins, or -1 if there is none."""
    found = html.find(char, at)
    return found + 1 if found >= 0 else -1


def _read_tag(html: str, at: int) -> tuple[str, list[tuple[str, str | None]], int] | None:
    """(name, attributes, where it ends) of the tag whose name begins at `at`; None if the text ends first."""
    end = _end_of(_TAG_NAME, html, at)
    name = html[at:end].lower()
    attrs: list[tuple[str, str | None]] = []
    while True:
        at = _end_of(_BEFORE_ATTRIBUTE, html, end)
        if at >= len(html):
            return None
        if html[at] == ">":
            return name, attrs, at + 1
        end = _end_of(_ATTRIBUTE_NAME, html, at)
        attribute, value = html[at:end].lower(), None
        at = _end_of(_SPACES, html, end)
        if html.startswith("=", at):
            at = _end_of(_SPACES, html, at + 1)
            quote = html[at : at + 1]
            if quote in ('"', "'"):
                end = html.find(quote, at + 1)
                if end < 0:
                    return None
                value, end = unescape(html[at + 1 : end]), end + 1
            else:  # unquoted, or none before `>`
                end = _end_of(_UNQUOTED_VALUE, html, at)
                value = unescape(html[at:end])
        else:
            end = at
        attrs.append((attribute, value))


def _end_of(pattern: re.Pattern[str], text: str, at: int) -> int:
    """Where what `pattern` matches at `at` ends (`at` if nothing)."""
    match = pattern.match(text, at)
    return match.end() if match else at


def _raw_text_end(name: str) -> re.Pattern[str]:
    pattern = _raw_text_ends.get(name)
    if pattern is None:
        pattern = _raw_text_ends[name] = re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE)
    return pattern


# --- bodies too complex to convert ----------------------------------------------------------------------------
#
# Python-Markdown and nh3 take time out of proportion to some inputs: Markdown reads from each `[`, `](`,
# backtick run and unclosed `<` to where it closes (or to the end), copies a paragraph's text once for each
# piece of markup found in it, splits a block again for each heading or rule in it, compares the text with
# every abbreviation, numbers a footnote's references by counting the earlier ones, and recurses once for
# each level of nesting (so that a few hundred levels raise RecursionError); nh3 walks the open elements
# at each new one. `too_complex` estimates that work from the body in one pass and refuses a body whose
# work is out of proportion to its length, before Markdown sees it.

#: A body may cost this much extra work whatever its length ...
_BASE_WORK = 200_000_000
#: ... and this much per character: what converting a character costs anyway, so a body within the
#: limit takes time in proportion to its length.
_WORK_PER_CHARACTER = 2_000
#: The cost of one step of each kind of work, relative to one another: a character read by one of
#: Markdown's Python loops, by a regular expression, or copied.
_PYTHON_STEP, _PATTERN_STEP, _COPY_STEP = 200, 20, 1
#: Deepest nesting of lists, quotes or HTML elements: Markdown recurses for each level.
MAX_NESTING = 64

_BLOCK_BREAK = re.compile(r"\n(?:[ \t]*\n)+")
_BRACKETS = re.compile(r"\\.|\]\(|[\[\]()]")
_TICKS = re.compile(r"`+")
_INLINE_MARKUP = re.compile(r"[*_\[<&\\]")
_TAG_START = re.compile(r"<[A-Za-z/]")
#: Runs of `*` and `_` that can open emphasis (before a non-space) and that can close it (after one).
_EMPHASIS_RUNS = (("*", re.compile(r"(?<!\*)\*+(?=[^\s*])"), re.compile(r"(?<=[^\s*])\*+")),
                  ("_", re.compile(r"(?<!_)_+(?=[^\s_])"), re.compile(r"(?<=[^\s_])_+")))
#: Lines that end a paragraph where they stand: headings, rules and underlines, definitions, footnotes.
_BLOCK_SPLITTING = re.compile(r"^ {0,3}(?:#|:[ \t]|\*\[|\[\^|[-*_=][-*_= \t]*$)", re.MULTILINE)
_ABBREVIATION = re.compile(r"^ {0,3}\*\[[^\]\n]*\]:", re.MULTILINE)
_FOOTNOTE_REFERENCE = re.compile(r"\[\^([^\[\]\s]+)\](?!:)")
_EMPTY_LINE = re.compile(r"^[ \t>]*$", re.MULTILINE)
_HTML_MARK = re.compile(r"<[A-Za-z/!?]|>")
#: Lines nested deeper than a few levels (a cheap test, then the exact count).
_DEEP_LINE = re.compile(r"^(?:[ \t]*(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))){8}|^[ \t]{32}", re.MULTILINE)
#: A line after the first that may be nested: it starts with a list or quote marker, or 32 blanks.
_NESTING_START = re.compile(r"\n(?:[ \t]*[>*+\-0-9]|[ \t]{32})")
#: Lines that may split a block or be nested (a first character that can): an upper bound on both, counted
#: by looking at line starts alone (the search jumps from newline to newline), for `_surely_within`.
_MARKED_LINE = re.compile(r"\n[ \t]*[#:*\[\-_=>+0-9]")
_CONTAINER = re.compile(r"[ \t]*(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))")
_HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?![A-Za-z0-9-])[^<>]*>")
#: Elements that hold nothing or whose end tag may be left out: they do not deepen the nesting.
_NOT_NESTING = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
    "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "optgroup", "rb",
    "rt", "rp", "rtc", "colgroup", "caption", "html", "head", "body",
})


class TooComplex(NamedTuple):
    """Where a body stops being convertible in time in proportion to its size, and why."""

    line: int
    """1-based within the body."""
    col: int
    what: str
    """What is there, for the message: "the body is too complex to convert: {what}"."""
    hint: str


class _Work(NamedTuple):
    cost: int
    at: int
    what: str
    hint: str


def too_complex(body: str) -> TooComplex | None:
    """Where and why converting `body` would take time out of proportion to its length, or None.

    Pages are made only from bodies for which this is None (`briefgen check` reports the others as
    `too-complex` errors), so every conversion takes time in proportion to the body's length.
    """
    worst = _too_deep(body)
    if worst is None:
        if _surely_within(body):
            return None
        works = list(_works(body))
        if sum(work.cost for work in works) <= max(_BASE_WORK, _WORK_PER_CHARACTER * len(body)):
            return None
        # The largest share, where it starts: the longest scan starts where a run of unclosed marks does.
        worst = max(works, key=lambda work: (work.cost, -work.at))
    line = body.count("\n", 0, worst.at) + 1
    return TooComplex(line, worst.at - (body.rfind("\n", 0, worst.at) + 1) + 1, worst.what, worst.hint)


#: The characters every estimate of `_works` counts, but for blank lines and lines that split blocks.
_MARK = re.compile(r"[\[\]`*_<>&\\^]")
#: How many of `_works`' estimates may count one mark: a bound on their sum, not an estimate.
_ESTIMATES = 8


def _surely_within(body: str) -> bool:
    """Whether `_works` cannot add up to more than the allowance, told from two counts instead of its
    estimates (most bodies have little markup, and this is checked for every article of the desk).

    Each estimate is at most its marks (a character of `_MARK`, or a line that splits a block) times
    the body's length, at `_PYTHON_STEP` each at most; the blank lines' at most their count squared.
    """
    length = len(body)
    marks = len(_MARK.findall(body)) + len(_MARKED_LINE.findall(body)) + 1  # (+ 1: the first line)
    lines = body.count("\n") + 1
    bound = marks * length * _PYTHON_STEP * _ESTIMATES + lines * lines * _COPY_STEP
    return bound <= max(_BASE_WORK, _WORK_PER_CHARACTER * length)


def _too_deep(body: str) -> _Work | None:
    """The first line or element nested deeper than `MAX_NESTING`."""
    # Most bodies have no line after the first that could open a list or quote: then only the first is looked at.
    lines = _DEEP_LINE.finditer(body) if _NESTING_START.search(body) else [m for m in [_DEEP_LINE.match(body)] if m]
    for line in lines:
        depth, at = 0, line.start()
        while depth <= MAX_NESTING and (container := _CONTAINER.match(body, at)) is not None:
            depth, at = depth + 1, container.end()
        prefix = body[line.start() : _end_of(_BLANKS, body, at)]
        if depth + (prefix.count(" ") + 4 * prefix.count("\t")) // 4 > MAX_NESTING:
            return _Work(0, line.start(), f"a line nested more than {MAX_NESTING} lists or quotes deep",
                         f"nest lists and quotes at most {MAX_NESTING} levels deep")
    if "<" not in body:
        return None
    depth = 0
    for tag in _HTML_TAG.finditer(body):
        name = tag.group(2).lower()
        if name in _NOT_NESTING or tag.group().endswith("/>"):
            continue
        depth = max(depth - 1, 0) if tag.group(1) else depth + 1
        if depth > MAX_NESTING:
            return _Work(0, tag.start(), f"HTML elements nested more than {MAX_NESTING} deep",
                         f"close the elements, nesting them at most {MAX_NESTING} deep")
    return None


def _works(body: str) -> Iterator[_Work]:
    """The work of each kind that converting `body` takes beyond reading it once, and where it is largest."""
    masked = _masked(body)  # Markdown reads no link in code
    start = 0
    for block_break in [*_BLOCK_BREAK.finditer(body), None]:
        end = block_break.start() if block_break else len(body)
        if end > start:
            yield from _block_works(body, masked, start, end)
        if block_break is None:
            break
        start = block_break.end()
    blocks = len(_EMPTY_LINE.findall(body))  # inside quotes too: `>` lines are blank lines there
    first = _EMPTY_LINE.search(body)
    yield _Work(blocks * blocks * _COPY_STEP, first.start() if first else 0, f"{blocks:,} blank lines",
                "leave out the blank lines that separate nothing")
    if "<" in body:
        yield _html_work(body)
    if "*[" in body:
        definitions = list(_ABBREVIATION.finditer(body))
        if definitions:
            yield _Work(len(definitions) * len(body) * _PATTERN_STEP, definitions[0].start(),
                        f"{len(definitions):,} abbreviations, each looked for in the whole body",
                        "define fewer abbreviations")
    if "[^" in body:
        references = Counter(match.group(1) for match in _FOOTNOTE_REFERENCE.finditer(body))
        if references:
            label, count = references.most_common(1)[0]
            yield _Work(sum(n * n // 2 for n in references.values()) * _PYTHON_STEP, body.find(f"[^{label}]"),
                        f"{count:,} references to the footnote `[^{label}]`", "refer to each footnote less often")


def _block_works(body: str, masked: str, start: int, end: int) -> Iterator[_Work]:
    """The work in one block of lines (Markdown's paragraphs, lists and tables are made from one)."""
    length = end - start
    matches = _inline_matches(body, masked, start, end)
    if matches:
        yield _Work(matches * length * _COPY_STEP, start, f"{matches:,} pieces of markup in one paragraph",
                    "break the paragraph up with blank lines")
    splitting = list(_BLOCK_SPLITTING.finditer(body, start, end))
    if splitting:
        yield _Work(len(splitting) * length * _PATTERN_STEP, splitting[0].start(),
                    f"{len(splitting):,} headings, rules or definitions in one block of lines",
                    "separate them with blank lines")
    if masked.find("[", start, end) >= 0 or masked.find("](", start, end) >= 0:
        yield from _bracket_works(masked, start, end)
    if body.find("`", start, end) >= 0:
        yield _tick_work(body, start, end)


def _inline_matches(body: str, masked: str, start: int, end: int) -> int:
    """About how many pieces of inline markup Markdown finds in a block: it copies the text for each."""
    matches = len(_TICKS.findall(body, start, end)) // 2  # code spans
    if _INLINE_MARKUP.search(masked, start, end) is None:
        return matches
    count = masked.count
    matches += count("](", start, end) + count("][", start, end) + count("\\", start, end)
    matches += len(_FOOTNOTE_REFERENCE.findall(masked, start, end))
    matches += min(len(_TAG_START.findall(masked, start, end)), count(">", start, end))
    matches += min(count("&", start, end), count(";", start, end))
    for char, opening, closing in _EMPHASIS_RUNS:  # a span needs a mark that can open and one that can close
        if masked.find(char, start, end) >= 0:
            matches += min(len(opening.findall(masked, start, end)), len(closing.findall(masked, start, end)))
    return matches


def _bracket_works(masked: str, start: int, end: int) -> Iterator[_Work]:
    """Markdown reads from each `[` to its `]`, and from each `](` to its `)`, nested ones counted."""
    brackets: list[int] = []
    parentheses: list[tuple[int, bool]] = []  # where each `(` is, and whether it opens a link's address
    text_cost = address_cost = 0
    longest_text = longest_address = (0, -start)
    for mark in _BRACKETS.finditer(masked, start, end):
        char, at = mark.group(), mark.start()
        if char[0] == "\\":
            continue
        if char[0] == "]":
            if brackets:
                opened = brackets.pop()
                text_cost += at - opened
                longest_text = max(longest_text, (at - opened, -opened))
            if char == "](":
                parentheses.append((at + 1, True))
        elif char == "[":
            brackets.append(at)
        elif char == "(":
            parentheses.append((at, False))
        elif parentheses:
            opened, address = parentheses.pop()
            if address:
                address_cost += at - opened
                longest_address = max(longest_address, (at - opened, -opened))
    for opened in brackets:
        text_cost += end - opened
        longest_text = max(longest_text, (end - opened, -opened))
    for opened, address in parentheses:
        if address:
            address_cost += end - opened
            longest_address = max(longest_address, (end - opened, -opened))
    if text_cost:
        yield _Work(text_cost * _PYTHON_STEP, -longest_text[1], "`[` whose `]` is far away or missing",
                    "break up the run with blank lines, close each `[` with `]`, or escape it as `\\[`")
    if address_cost:
        yield _Work(address_cost * _PYTHON_STEP, -longest_address[1],
                    "link addresses `](` whose `)` is far away or missing",
                    "close each link's `(` with `)`, or escape the `[` and `]`")


def _tick_work(body: str, start: int, end: int) -> _Work:
    """Markdown reads from each run of backticks to the next run as long, or to the end of the block."""
    runs = [(run.start(), run.end() - run.start()) for run in _TICKS.finditer(body, start, end)]
    following: dict[int, int] = {}  # a run's length → where the next run that long starts
    cost, longest = 0, (0, -start)
    for at, length in reversed(runs):
        read = following.get(length, end) - at
        cost, longest = cost + read, max(longest, (read, -at))
        following[length] = at
    return _Work(cost * _PYTHON_STEP, -longest[1], "backticks with no run as long soon after them",
                 "pair each run of backticks with one as long, or escape them as \\`")


def _html_work(body: str) -> _Work:
    """Markdown's HTML parser reads from each `<` that may open a tag to the next `>`, or to the end."""
    opened: list[int] = []
    cost, longest = 0, (0, 0)
    for mark in _HTML_MARK.finditer(body):
        if mark.group() != ">":
            opened.append(mark.start())
            continue
        if opened:
            cost += len(opened) * mark.start() - sum(opened)
            longest = max(longest, (mark.start() - opened[0], -opened[0]))
            opened.clear()
    if opened:
        cost += len(opened) * len(body) - sum(opened)
        longest = max(longest, (len(body) - opened[0], -opened[0]))
    return _Work(cost * _PATTERN_STEP, -longest[1], "`<` whose `>` is far away or missing",
                 "close each tag with `>`, or escape the `<` as `&lt;`")
