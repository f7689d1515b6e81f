"""The alias matcher: finds names of registry entries in running text.

Shared by validation (mentions an article forgot to annotate), the index
(the sentence in which a person is mentioned) and rendering (linking the first
mention); the planned import and annotation assistant will use it too.

Names are compared as sequences of word tokens, so punctuation and spacing do
not matter ("S. Jaishankar" = "S Jaishankar", "Modi’s" contains "Modi") while
case does ("Mark" the person is not "mark" the verb). Matching is a dictionary
look-up per token, so its cost grows with the text, not with the registry.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

# Letters, digits and combining marks (so "é" written as e + U+0301 stays one token).
_TOKEN_RE = re.compile(r"[\w\u0300-\u036f]+")
# In ASCII text the tokens are the runs of [A-Za-z0-9_]; blanking every other byte and splitting on
# the blanks finds them in a quarter of the time of the regular expression.
_ASCII_BLANKS = bytes(c if c < 128 and _TOKEN_RE.fullmatch(chr(c)) else 32 for c in range(256))

NameKey = tuple[str, ...]


def _nfc(token: str) -> str:
    # Most tokens are ASCII, which NFC leaves unchanged; skipping them halves the matcher's time.
    return token if token.isascii() else unicodedata.normalize("NFC", token)


def name_key(name: str) -> NameKey:
    """The tokens a name is matched by; two names with the same key are the same name."""
    return tuple(_nfc(t) for t in _TOKEN_RE.findall(name))


@dataclass(frozen=True)
class Match(Generic[T]):
    """One occurrence of a known name in a text."""

    start: int
    end: int
    target: T
    surface: str
    """The text as written, e.g. `Sergei Lavrov`."""


class AliasMatcher(Generic[T]):
    """Finds the longest known names in a text, left to right, without overlaps."""

    def __init__(self, names: Iterable[tuple[str, T]]) -> None:
        self._targets: dict[NameKey, T] = {}
        self._lengths: dict[str, list[int]] = {}
        self._starting: dict[str, list[T]] = {}
        """First word → the targets of the names that start with it."""
        for name, target in names:
            key = name_key(name)
            if not key or key in self._targets:
                continue  # Conflicts are reported by validation; the first claim wins here.
            self._targets[key] = target
            self._starting.setdefault(key[0], []).append(target)
            # Each length once: many names can start with one word ("John"), and each length is a look-up.
            lengths = self._lengths.setdefault(key[0], [])
            if len(key) not in lengths:
                lengths.append(len(key))
        for lengths in self._lengths.values():
            lengths.sort(reverse=True)

    def __bool__(self) -> bool:
        return bool(self._targets)

    def find(self, text: str) -> Iterator[Match[T]]:
        """Every non-overlapping mention in `text`, preferring the longest name at each place."""
        words = _words(text)
        tokens = _TOKEN_RE.finditer(text)
        consumed = 0  # words taken from `tokens` so far

        def span(k: int) -> tuple[int, int]:
            # Character positions come from a second scan, run only as far as the last match.
            nonlocal consumed
            token = next(itertools.islice(tokens, k - consumed, None))  # skips in C, no list
            consumed = k + 1
            return token.span()

        for i, length, target in self._matches(words):
            start, end = span(i)
            if length > 1:
                end = span(i + length - 1)[1]
            yield Match(start, end, target, text[start:end])

    def candidates(self, text: str) -> list[T]:
        """The targets of every name whose first word is in `text`: all that `find` can match, and more.

        Found with set operations alone, without working out where names start and end: a caller
        that can often decide from this superset (no unannotated entity among them) spares the scan.
        """
        starting = self._starting
        return [target for word in starting.keys() & set(_words(text)) for target in starting[word]]

    def targets(self, text: str) -> list[T]:
        """What `text` mentions in order, without where: cheaper than `find` when positions are rarely needed."""
        return [target for _, _, target in self._matches(_words(text))]

    def _matches(self, words: list[str]) -> Iterator[tuple[int, int, T]]:
        """(first word, number of words, target) of each mention, longest name first at each place."""
        lengths = self._lengths
        # Names are rare among words: look only where a name can start.
        candidates = [i for i, word in enumerate(words) if word in lengths]
        free = 0  # first word not yet part of a match
        for i in candidates:
            if i < free:
                continue
            for length in lengths[words[i]]:
                key = tuple(words[i : i + length])
                target = self._targets.get(key) if len(key) == length else None
                if target is None:
                    continue
                yield i, length, target
                free = i + length
                break


def _words(text: str) -> list[str]:
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_BLANKS).decode("ascii").split()
    return [_nfc(w) for w in _TOKEN_RE.findall(text)]
