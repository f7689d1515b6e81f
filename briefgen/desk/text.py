"""Plain-text helpers: Markdown to readable sentences.

Used to show "the sentence in which a person is mentioned"; it needs readable
prose, not a faithful rendering, so a few substitutions suffice.
"""

from __future__ import annotations

import re

_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_TAG = re.compile(r"<[^>]{0,500}>")
_EMPHASIS = re.compile(r"(\*{1,3}|_{1,3}|`+|~~)(?=\S)(.+?)(?<=\S)\1")
_BLOCK_PREFIX = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)+")
_SPACE = re.compile(r"\s+")

# A sentence ends at . ! or ? (perhaps followed by a closing quote) before a space and a capital or an
# opening quote, unless the word before the stop is an initial ("S.") or a common abbreviation.
_BOUNDARY = re.compile(r"(?<=[.!?])([”\"’')\]]?)\s+(?=[A-Z“\"‘'(\[0-9])")
_ABBREVIATIONS = frozenset({"Mr", "Mrs", "Ms", "Dr", "St", "Prof", "Gen", "Sr", "Jr", "No", "vs", "Lt", "Col", "Capt"})


def plain_paragraphs(markdown: str) -> list[str]:
    """The text of each paragraph of a Markdown body, without markup."""
    paragraphs: list[str] = []
    for block in re.split(r"\n\s*\n", markdown):
        lines = [_BLOCK_PREFIX.sub("", line) for line in block.splitlines() if not line.lstrip().startswith("```")]
        text = " ".join(lines)
        # Most prose has no markup at all: each substitution runs only where its marker occurs.
        if "](" in text:
            text = _LINK.sub(r"\1", _IMAGE.sub(r"\1", text))
        if "][" in text:
            text = _REF_LINK.sub(r"\1", text)
        if "<" in text:
            text = _TAG.sub("", text)
        if any(marker in text for marker in "*_`~"):
            for _ in range(3):  # nested emphasis such as ***bold italic***
                text, count = _EMPHASIS.subn(r"\2", text)
                if not count:
                    break
        text = _SPACE.sub(" ", text).strip()
        if text:
            paragraphs.append(text)
    return paragraphs


def sentence_spans(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a paragraph, keeping initials such as "S. Jaishankar" together."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(paragraph):
        before = paragraph[start : m.start()].rstrip(".!?")
        last_word = before.rsplit(" ", 1)[-1]
        if (len(last_word) == 1 and last_word.isupper()) or last_word in _ABBREVIATIONS:
            continue
        spans.append((start, m.end(1)))
        start = m.end()
    if paragraph[start:].strip():
        spans.append((start, len(paragraph)))
    return spans


def sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences, keeping initials such as "S. Jaishankar" together."""
    return [paragraph[start:end].strip() for start, end in sentence_spans(paragraph)]
