"""Reusing per-file work between preview rebuilds in one process.

A content file's parse and schema check depend on nothing but its bytes; the
unannotated-mention scan and the mention sentences of an article depend on its
bytes and on the registry's names. While those are unchanged, the preview server
reuses the previous run's results instead of redoing the work for every file of
a large desk. `briefgen build` and `briefgen check` run once and use no cache.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from ..desk.diagnostics import Diagnostic

T = TypeVar("T")


@dataclass
class _Entry:
    stamp: object
    value: Any
    diagnostics: tuple[Diagnostic, ...]
    run: int
    """The last run that asked for it."""


class FileCache:
    """Results of each stage for each file, kept while the file's stamp stays the same."""

    def __init__(self) -> None:
        # Stage → path → entry: a full rebuild asks for every file at every stage, so a lookup is two
        # string-keyed dict reads and no tuple is made.
        self._stages: dict[str, dict[str, _Entry]] = {}
        self._run = 0
        self._asked = 0
        """Entries asked for in the current run."""
        self._interned: dict[str, Hashable] = {}
        self.recomputed: set[str] = set()
        """Files whose results were computed afresh (not reused) in the current run."""
        self._same_files = False

    def get(self, stage: str, path: str, stamp: object, compute: Callable[[list[Diagnostic]], T],
            diagnostics: list[Diagnostic]) -> T:
        """`compute(into)` for `path`, or the last run's result (and its diagnostics) if `stamp` is unchanged.

        The diagnostics the stage reports for the file are added to `diagnostics` either way.
        """
        entries = self._stages.get(stage)
        if entries is None:
            entries = self._stages[stage] = {}
        entry = entries.get(path)
        # Stamps are compared by identity first: reused model objects and interned signatures
        # make the common case one pointer comparison.
        if entry is None or not (entry.stamp is stamp or entry.stamp == stamp):
            self.recomputed.add(path)
            found: list[Diagnostic] = []
            fresh = _Entry(stamp, compute(found), tuple(found), self._run)
            self._asked += entry is None or entry.run != self._run
            entries[path] = entry = fresh
        elif entry.run != self._run:
            entry.run = self._run
            self._asked += 1
        if entry.diagnostics:
            diagnostics.extend(entry.diagnostics)
        return entry.value

    def intern(self, name: str, signature: Hashable) -> Hashable:
        """The signature kept from the last run if it equals `signature`, else `signature` itself.

        A signature shared by every file (the registry's names) is compared once per run this
        way, and then by identity inside each file's stamp.
        """
        kept = self._interned.get(name)
        if kept is not None and kept == signature:
            return kept
        self._interned[name] = signature
        return signature

    def start_run(self) -> None:
        """Begin a run: entries not asked for until `end_run` belong to deleted files and are dropped."""
        self._run += 1
        self._asked = 0
        self._same_files = False
        self.recomputed = set()

    def same_files(self) -> None:
        """Tell the cache that this run's files are the last run's, so none of its entries is stale,
        though this run may not ask for them all."""
        self._same_files = True

    def end_run(self) -> None:
        """Forget the entries of files that no longer exist."""
        if self._same_files or self._asked == sum(map(len, self._stages.values())):
            return  # every entry was asked for (the usual rebuild): none is stale, and no scan is needed
        for entries in self._stages.values():
            for path in [p for p, e in entries.items() if e.run != self._run]:
                del entries[path]
