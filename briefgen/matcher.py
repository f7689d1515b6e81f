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

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

# Letters, digits and combining marks (so "é" written as e + U+0301 stays one token).
_TOKEN_RE = re.compile(r"[\w\u0300-\u036f]+")

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
        for name, target in names:
            key = name_key(name)
            if not key or key in self._targets:
                continue  # Conflicts are reported by validation; the first claim wins here.
            self._targets[key] = target
            self._lengths.setdefault(key[0], []).append(len(key))
        for lengths in self._lengths.values():
            lengths.sort(reverse=True)

    def __bool__(self) -> bool:
        return bool(self._targets)

    def lookup(self, name: str) -> T | None:
        """The target a whole name stands for, if any."""
        return self._targets.get(name_key(name))

    def find(self, text: str) -> Iterator[Match[T]]:
        """Every non-overlapping mention in `text`, preferring the longest name at each place."""
        tokens = [(m.start(), m.end(), _nfc(m.group())) for m in _TOKEN_RE.finditer(text)]
        i = 0
        while i < len(tokens):
            for length in self._lengths.get(tokens[i][2], ()):
                key = tuple(tok[2] for tok in tokens[i : i + length])
                target = self._targets.get(key)
                if target is not None and len(key) == length:
                    start, end = tokens[i][0], tokens[i + length - 1][1]
                    yield Match(start, end, target, text[start:end])
                    i += length
                    break
            else:
                i += 1
