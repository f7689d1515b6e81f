"""The alias matcher: finds names of registry entries in running text.

Shared by validation (mentions an article forgot to annotate), the index
(the sentence in which a person is mentioned), rendering (linking the first
mention) and `briefgen annotate`.

A name may be claimed by several entries (two people called Reyes; Georgia the
country and the US state): a match then carries every claimant, in the order
the names were given, and `resolve` decides against an article's annotations
which one it means, or that it is ambiguous.

Names are compared as sequences of word tokens, so punctuation and spacing do
not matter ("S. Jaishankar" = "S Jaishankar", "Modi’s" contains "Modi") while
case does ("Mark" the person is not "mark" the verb). Matching is a dictionary
look-up per token, so its cost grows with the text, not with the registry.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Container, Iterable, Iterator
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
    targets: tuple[T, ...]
    """Every entry that claims the name, in the order given: one for most names, several for a shared one.
    The matcher's own tuple, not a copy (nothing is made per match but the `Match`)."""
    surface: str
    """The text as written, e.g. `Sergei Lavrov`."""

    @property
    def target(self) -> T:
        """The first entry that claims the name (the only one, unless `shared`)."""
        return self.targets[0]

    @property
    def shared(self) -> bool:
        """Whether several entries claim the name, so that only an article's annotations tell which is meant."""
        return len(self.targets) > 1


def resolve(targets: tuple[T, ...], annotated: Container[T]) -> T | None:
    """The entry a name means in an article annotated with `annotated`, or None if it means none of them.

    A name one entry claims means that entry if the article lists it. A shared name means the one of its
    claimants the article lists; if it lists none or several, it is ambiguous (None), never guessed.
    """
    if len(targets) == 1:
        target = targets[0]
        return target if target in annotated else None
    found = None
    for target in targets:
        if target in annotated:
            if found is not None:
                return None
            found = target
    return found


class AliasMatcher(Generic[T]):
    """Finds the longest known names in a text, left to right, without overlaps."""

    def __init__(self, names: Iterable[tuple[str, T]]) -> None:
        claims: dict[NameKey, list[T]] = {}
        self._lengths: dict[str, list[int]] = {}
        for name, target in names:
            key = name_key(name)
            if not key:
                continue
            claimants = claims.get(key)
            if claimants is None:
                claims[key] = [target]
                # Each length once: many names can start with one word ("John"), and each length is a look-up.
                lengths = self._lengths.setdefault(key[0], [])
                if len(key) not in lengths:
                    lengths.append(len(key))
            elif target not in claimants:  # (an entry may give one name twice, as name and alias)
                claimants.append(target)
        # One tuple per name, made here: matches hand it on rather than building one each.
        self._targets: dict[NameKey, tuple[T, ...]] = {key: tuple(c) for key, c in claims.items()}
        self._starting: dict[str, list[tuple[T, ...]]] = {}
        """First word → the claimants of each name that starts with it."""
        for key, targets in self._targets.items():
            self._starting.setdefault(key[0], []).append(targets)
        for lengths in self._lengths.values():
            lengths.sort(reverse=True)

    def __bool__(self) -> bool:
        return bool(self._targets)

    def claimants(self, name: str) -> tuple[T, ...]:
        """Every entry that claims `name` (compared as `name_key`), in the order given; () if none does."""
        return self._targets.get(name_key(name), ())

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

        for i, length, targets in self._matches(words):
            start, end = span(i)
            if length > 1:
                end = span(i + length - 1)[1]
            yield Match(start, end, targets, text[start:end])

    def candidates(self, text: str) -> list[tuple[T, ...]]:
        """The claimants of every name whose first word is in `text`: all that `find` can match, and more.

        Found with set operations alone, without working out where names start and end: a caller
        that can often decide from this superset (no unannotated entity among them) spares the scan.
        """
        starting = self._starting
        return [targets for word in starting.keys() & set(_words(text)) for targets in starting[word]]

    def targets(self, text: str) -> list[tuple[T, ...]]:
        """The claimants of each name `text` mentions, in order, without where: cheaper than `find` when
        positions are rarely needed."""
        return [targets for _, _, targets in self._matches(_words(text))]

    def _matches(self, words: list[str]) -> Iterator[tuple[int, int, tuple[T, ...]]]:
        """(first word, number of words, claimants) of each mention, longest name first at each place."""
        lengths = self._lengths
        # Names are rare among words: look only where a name can start.
        candidates = [i for i, word in enumerate(words) if word in lengths]
        free = 0  # first word not yet part of a match
        for i in candidates:
            if i < free:
                continue
            for length in lengths[words[i]]:
                key = tuple(words[i : i + length])
                targets = self._targets.get(key) if len(key) == length else None
                if targets is None:
                    continue
                yield i, length, targets
                free = i + length
                break


def _words(text: str) -> list[str]:
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_BLANKS).decode("ascii").split()
    return [_nfc(w) for w in _TOKEN_RE.findall(text)]
