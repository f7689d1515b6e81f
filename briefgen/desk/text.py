"""Plain-text helpers: Markdown to readable sentences.

Used to show "the sentence in which a person is mentioned"; it needs readable
prose, not a faithful rendering, so a few substitutions suffice.

Bodies are untrusted, so each step takes time in proportion to the text. The substitutions are
those of a few regular expressions (kept in the docstrings), made by one pass over the marks: the
expressions themselves would scan to the end of the paragraph again from every mark that never
closes (`*a *a *a …`, `[a](` left open), a time that grows with the square of the paragraph.
"""

from __future__ import annotations

import bisect
import re

#: What `^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)+` removes from a line (headings, quotes, list
#: items), matched a few markers at a time: the expression keeps a way back into each marker it matched,
#: which takes time out of proportion on a line of many thousands of them.
_FIRST_MARKER = re.compile(r"\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)")
_MORE_MARKERS = re.compile(r"(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+){1,64}")
_SPACE = re.compile(r"\s+")
#: The longest tag `_strip_tags` removes, `<` and `>` apart.
_LONGEST_TAG = 500
#: The runs of marks emphasis can open with (`~` only in pairs).
_MARK_RUNS = re.compile(r"\*+|_+|`+|~~+")

# A sentence ends at . ! or ? (perhaps followed by a closing quote) before a space and a capital or an
# opening quote, unless the word before the stop is an initial ("S.") or a common abbreviation.
_BOUNDARY = re.compile(r"(?<=[.!?])([”\"’')\]]?)\s+(?=[A-Z“\"‘'(\[0-9])")
_ABBREVIATIONS = frozenset({"Mr", "Mrs", "Ms", "Dr", "St", "Prof", "Gen", "Sr", "Jr", "No", "vs", "Lt", "Col", "Capt"})
_LONGEST_ABBREVIATION = max(map(len, _ABBREVIATIONS))


def plain_paragraphs(markdown: str) -> list[str]:
    """The text of each paragraph of a Markdown body, without markup."""
    paragraphs: list[str] = []
    for block in re.split(r"\n\s*\n", markdown):
        lines = [_without_markers(line) for line in block.splitlines() if not line.lstrip().startswith("```")]
        text = " ".join(lines)  # one line: the emphasis below never spans a line break
        # Most prose has no markup at all: each substitution runs only where its marker occurs.
        if "](" in text:
            text = _unwrap(_unwrap(text, "![", 0, "(", ")"), "[", 1, "(", ")")
        if "][" in text:
            text = _unwrap(text, "[", 1, "[", "]")
        if "<" in text:
            text = _strip_tags(text)
        if any(marker in text for marker in "*_`~"):
            for _ in range(3):  # nested emphasis such as ***bold italic***
                text, count = _strip_emphasis(text)
                if not count:
                    break
        text = _SPACE.sub(" ", text).strip()
        if text:
            paragraphs.append(text)
    return paragraphs


def _without_markers(line: str) -> str:
    """`line` without the heading, quote and list markers it starts with."""
    marker = _FIRST_MARKER.match(line)
    if marker is None:
        return line
    at = marker.end()
    while (more := _MORE_MARKERS.match(line, at)) is not None:
        at = more.end()
    return line[at:]


def _unwrap(text: str, opener: str, shortest: int, middle: str, closer: str) -> str:
    """`text` with each `<opener>words]<middle>…<closer>` replaced by its words.

    What `re.sub` makes of `!\\[([^\\]]*)\\]\\([^)]*\\)` (images: opener `![`, `shortest` 0),
    `\\[([^\\]]+)\\]\\([^)]*\\)` (links) and `\\[([^\\]]+)\\]\\[[^\\]]*\\]` (reference links) with `\\1`.
    Every opener before a `]` shares that `]`, so one that fails there is followed by none that
    succeeds before it; and once no `]` or closer follows, none can further on.
    """
    kept: list[str] = []
    done = at = 0
    while (start := text.find(opener, at)) >= 0:
        words = start + len(opener)
        end = text.find("]", words)
        if end < 0:
            break
        if end - words >= shortest and text.startswith(middle, end + 1):
            close = text.find(closer, end + 2)
            if close < 0:
                break
            kept += [text[done:start], text[words:end]]
            done = at = close + 1
        else:
            at = end + 1
    kept.append(text[done:])
    return "".join(kept)


def _strip_tags(text: str) -> str:
    """`text` without what `<[^>]{0,500}>` matches: HTML tags, from `<` to the first `>` not far after it."""
    kept: list[str] = []
    done = at = 0
    while (start := text.find("<", at)) >= 0:
        end = text.find(">", start + 1)
        if end < 0:
            break
        if end - start - 1 <= _LONGEST_TAG:
            kept.append(text[done:start])
            done = at = end + 1
        else:  # every `<` up to `_LONGEST_TAG` before this `>` is too far from it as well
            at = max(start + 1, end - _LONGEST_TAG - 1)
    kept.append(text[done:])
    return "".join(kept)


def _strip_emphasis(text: str) -> tuple[str, int]:
    """`text` (one line) with each emphasised span replaced by its words, and how many there were.

    What `re.subn` makes of `(\\*{1,3}|_{1,3}|`+|~~)(?=\\S)(.+?)(?<=\\S)\\1` with `\\2`: at each place,
    the longest opening mark that has a closing one further on (the same mark, right after a
    non-space), and the first such closing mark. Where each mark closes is looked up in a table
    made once, instead of in a scan to the end of the line from each place.
    """
    closings = _Closings(text)
    kept: list[str] = []
    done = count = 0
    for run in _MARK_RUNS.finditer(text):
        start = max(run.start(), done)
        while start < run.end():
            found = closings.after(start, run.end())
            if found is None:
                start += 1
                continue
            length, end = found
            kept += [text[done:start], text[start + length : end]]
            done = start = end + length
            count += 1
    kept.append(text[done:])
    return "".join(kept), count


class _Closings:
    """Where the marks of one line of text close: the tables `_strip_emphasis` looks up."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._places: dict[str, list[int]] = {}  # `*`, `**`, `***`, `_` …, `~~` → where it can close
        self._ticks: list[tuple[int, int, int]] | None = None  # each run of backticks: start, end, usable
        self._best_after: list[int] = []  # the most usable backticks in the runs after each run

    def after(self, start: int, run_end: int) -> tuple[int, int] | None:
        """(length of the opening mark, where the closing one starts) for a span opening at `start`.

        `run_end` is where the run of marks holding `start` ends. Up to three `*` or `_` open a span,
        exactly two `~`, any number of backticks; the opening mark must be followed by a non-space.
        """
        text = self.text
        char, longest = text[start], run_end - start
        if char == "`":
            return self._backticks(start, run_end)
        lengths = ((2,) if longest >= 2 else ()) if char == "~" else range(min(3, longest), 0, -1)
        for length in lengths:
            words = start + length
            if words < len(text) and not text[words].isspace():
                places = self._places.get(text[start:words])
                if places is None:
                    places = self._places[text[start:words]] = self._closing_places(char, length)
                at = bisect.bisect_left(places, words + 1)  # at least one character in between
                if at < len(places):
                    return length, places[at]
        return None

    def _closing_places(self, char: str, length: int) -> list[int]:
        """Where `length` times `char` stands right after a non-space character."""
        text = self.text
        places: list[int] = []
        for run in re.finditer(re.escape(char) + "+", text):
            first = run.start() + (run.start() == 0 or text[run.start() - 1].isspace())
            places.extend(range(first, run.end() - length + 1))
        return places

    def _backticks(self, start: int, run_end: int) -> tuple[int, int] | None:
        # Backticks open with any number of them, so a table per number would not do. An opening mark
        # of `length` ticks closes inside its own run when the rest of the run holds it twice and one
        # tick between; otherwise in the first later run with `length` ticks after a non-space.
        text = self.text
        if self._ticks is None:
            self._ticks = []
            for run in re.finditer("`+", text):
                after_space = run.start() == 0 or text[run.start() - 1].isspace()
                self._ticks.append((run.start(), run.end(), run.end() - run.start() - after_space))
            best = 0
            self._best_after = [0] * len(self._ticks)
            for index in range(len(self._ticks) - 1, -1, -1):
                self._best_after[index] = best
                best = max(best, self._ticks[index][2])
        ticks = self._ticks
        here = bisect.bisect_right(ticks, (start, len(text) + 1, 0)) - 1
        rest = run_end - start
        longest = rest if run_end < len(text) and not text[run_end].isspace() else rest - 1
        within = (rest - 1) // 2  # the longest mark that closes inside its own run
        length = min(longest, self._best_after[here])
        if length > within:
            for index in range(here + 1, len(ticks)):  # a span ends here: each run is passed over once
                run_start, _, usable = ticks[index]
                if usable >= length:
                    return length, run_start + (run_start == 0 or text[run_start - 1].isspace())
        if within >= 1:
            return within, start + within + 1
        return None


def sentence_spans(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a paragraph, keeping initials such as "S. Jaishankar" together."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(paragraph):
        if _goes_on(paragraph, start, m.start()):
            continue
        spans.append((start, m.end(1)))
        start = m.end()
    if paragraph[start:].strip():
        spans.append((start, len(paragraph)))
    return spans


def _goes_on(paragraph: str, start: int, stop: int) -> bool:
    """Whether the word before the stop at `stop` is an initial or an abbreviation: the sentence goes on.

    Only the last few characters are read: a sentence of initials ("A. B. C. …") would otherwise be
    read again from its start at each stop.
    """
    end = stop
    while end > start and paragraph[end - 1] in ".!?":
        end -= 1
    space = paragraph.rfind(" ", max(start, end - _LONGEST_ABBREVIATION - 1), end)
    if space < 0 and end - start > _LONGEST_ABBREVIATION:
        return False  # the last word is longer than any abbreviation
    last_word = paragraph[space + 1 if space >= 0 else start : end]
    return (len(last_word) == 1 and last_word.isupper()) or last_word in _ABBREVIATIONS


def sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences, keeping initials such as "S. Jaishankar" together."""
    return [paragraph[start:end].strip() for start, end in sentence_spans(paragraph)]
