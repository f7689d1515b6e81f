"""The check in the preview: after an edit, read and check again only what the edit changed.

`PreviewChecks` is a `desk.check.FileChecks`: the preview runs the one `check` with it, and a test
holds that it reports what the simple `FileChecks` reports after every kind of edit.

Two ways to spare work, from the cheaper:

- When an edit changed articles (or briefing notes) alone, and `content/` lists the same files as
  before, what the last run found stands for every other file. Each diagnostic an article causes is
  reported at the article's own path (its YAML, its schema, its references and mentions; the same
  rule lets `briefgen check` keep a file's results between runs, see `speed.checkcache`). The
  exception is the "unused entry" warning, which depends on every article; it is worked out again
  from a count of each entry's references, updated by the edited articles. An editor's note is
  checked on its own and claims no name: nothing else is checked against it, so an edited note is
  read again like an edited article, and the registry keeps its names and matcher.
- Otherwise (an entity entry changed; a file added, removed or renamed; an article sharing its slug;
  more than `MAX_RECHECKED` files) every file is checked, each through the `FileCache`, which
  returns the last run's results for a file whose stamp did not change.
"""

from __future__ import annotations

import functools
import itertools
import os
from collections import Counter
from dataclasses import dataclass, field

from ..desk.check import ArticlesChecked, Checked, FileChecks, broken_entries
from ..desk.diagnostics import Diagnostic
from ..desk.load import (
    ContentFile,
    FileStamp,
    ParsedFile,
    content_files,
    file_stat,
    load_file,
    load_files,
    regular_stamp,
    sharing_a_slug,
    stamp_of,
)
from ..desk.project import Project
from ..desk.validate import (
    Registry,
    ValidDoc,
    check_mentions_of,
    check_references,
    check_registry,
    check_speakers,
    mentions_apply,
    validate_file,
)
from .filecache import FileCache

#: More changed articles than this (a branch switched, a name replaced everywhere) are checked the
#: usual way: filtering the last run's diagnostics by path would cost more than it saves.
MAX_RECHECKED = 50

#: The code of the one diagnostic about a file that other files decide (see the module's docstring).
_UNUSED = "unused-entry"
#: The kinds of file an edit to which leaves every other file's results standing (see the module's docstring).
_ALONE = ("article", "briefing")


@dataclass(frozen=True)
class CheckedDesk:
    """What one preview run's check found, and from which files: the next run starts from it."""

    files: list[ContentFile]
    stamps: list[FileStamp | None]
    """Each file's stamp when it was read; None for a file that was gone or not a regular file."""
    listing: frozenset[Diagnostic]
    """The diagnostics of listing `content/` (`content_files`): reported afresh by every run."""
    diagnostics: list[Diagnostic]
    """Every diagnostic, sorted."""
    entries: list[ValidDoc]
    """The registry entries that passed their schemas, in the order of `files`."""
    articles: dict[str, ValidDoc]
    """The articles that passed their schemas, by path, in the order of `files`."""
    registry: Registry
    referenced: Counter[tuple[str, str]]
    """How many valid files refer to each (kind, slug); none are zero."""
    shared: frozenset[str]
    """Files whose slug another file of their kind has: which one is the duplicate depends on both."""
    rechecked: frozenset[str] | None = None
    """The articles read again, starting from the check `since`; None when every file was checked."""
    renoted: frozenset[str] = frozenset()
    """The briefing notes read again, starting from the check `since` (with `rechecked`)."""
    since: object = None
    """The `token` of the check this one started from."""
    token: object = field(default_factory=object)
    """Identifies this check (rather than the check itself, which would keep every earlier one alive)."""

    def changed_articles(self, files: list[ContentFile], stamps: list[FileStamp | None]) -> list[int] | None:
        """The positions in `files` of the articles and briefing notes changed since this check, if nothing
        else changed; else None."""
        if files != self.files:
            return None
        changed = [number for number, (now, then) in enumerate(zip(stamps, self.stamps, strict=True))
                   if now is None or now != then]
        if len(changed) > MAX_RECHECKED:
            return None
        if any(files[number][0] not in _ALONE or files[number][3] in self.shared for number in changed):
            return None
        return changed


class PreviewChecks(FileChecks):
    """The steps of `check`, starting from the last run's check (`last`) where an edit allows it."""

    freeze = False

    def __init__(self, cache: FileCache) -> None:
        super().__init__()
        self.cache = cache
        self.last: CheckedDesk | None = None
        """What the last run's check found (set when a check finishes)."""
        self._files: list[ContentFile] = []
        self._stats: dict[str, os.stat_result | None] = {}
        self._stamps: list[FileStamp | None] = []
        self._listing: list[Diagnostic] = []
        self._changed: list[int] | None = None
        """Positions of the changed articles and notes, when only those changed; None: check every file."""
        self._entries: list[ValidDoc] = []
        self._articles: dict[str, ValidDoc] = {}
        self._referenced: Counter[tuple[str, str]] = Counter()

    def listing(self, project: Project, diagnostics: list[Diagnostic]) -> list[ContentFile]:
        """List `content/`, take every file's stamp, and decide whether only articles changed."""
        self._listing = []
        files = self._files = content_files(project.content_dir, project.root, self._listing)
        diagnostics += self._listing
        stats = [file_stat(path) for _, path, _, _ in files]
        self._stats = {rel: st for (_, _, _, rel), st in zip(files, stats, strict=True)}
        self._stamps = [regular_stamp(st) for st in stats]
        self._changed = None if self.last is None else self.last.changed_articles(files, self._stamps)
        if self._changed is not None:
            self.cache.same_files()
        return files

    def entries(self, diagnostics: list[Diagnostic]) -> list[ValidDoc]:
        """Only articles and notes changed: the last run's entries with the changed notes read again, and
        its findings in every unchanged file. Else each entry through the cache."""
        last = self.last
        if self._changed is not None and last is not None:
            changed = {self._files[number][3] for number in self._changed}
            diagnostics += (d for d in last.diagnostics
                            if d.path not in changed and d.code != _UNUSED and d not in last.listing)
            notes = [self._files[number] for number in self._changed if self._files[number][0] == "briefing"]
            self._entries = self._renoted(last, notes, diagnostics) if notes else last.entries
        else:
            self._entries = self._validated(self.entry_files, diagnostics)
        return self._entries

    def _renoted(self, last: CheckedDesk, notes: list[ContentFile], diagnostics: list[Diagnostic]) -> list[ValidDoc]:
        """The last run's entries with the `notes` read and checked again, in the order of the files."""
        fresh = self._validated(notes, diagnostics)
        paths = {rel for _, _, _, rel in notes}
        docs = {doc.source.path: doc for doc in last.entries if doc.source.path not in paths}
        docs.update((doc.source.path, doc) for doc in fresh)
        return [docs[rel] for kind, _, _, rel in self._files if kind != "article" and rel in docs]

    def registry(self, entries: list[ValidDoc], diagnostics: list[Diagnostic]) -> Registry:
        """The last run's registry, with its matcher, while every entity entry is the same object (its
        notes replaced when they changed)."""
        last = self.last
        if self._changed is not None and last is not None:
            # Its diagnostics came with the unchanged files' above: notes take no part in them.
            if entries is last.entries:
                return last.registry
            return self._with_notes(last.registry, entries)
        broken = broken_entries(self.entry_files, entries)
        return self.cache.get("registry", "", (tuple(entries), broken),
                              functools.partial(check_registry, entries, broken=broken), diagnostics)

    def _with_notes(self, registry: Registry, entries: list[ValidDoc]) -> Registry:
        """`registry` with the notes of `entries`: what `check_registry` makes of them, since notes claim no
        name and refer to nothing. A new registry is a new cache key for the articles checked against it,
        but only the edited articles are checked in this run, and the next full check makes its own."""
        docs = dict(registry.docs)
        docs["briefing"] = {doc.slug: doc for doc in entries if doc.kind == "briefing"}
        return Registry(docs, registry.names, broken_entries(self.entry_files, entries))

    def articles(self, registry: Registry, diagnostics: list[Diagnostic]) -> ArticlesChecked:
        """The changed articles alone, or every article through the cache."""
        if self._changed is not None and self.last is not None:
            return self._recheck(self.last, self._changed, registry, diagnostics)
        valid = self._validated(self.article_files, diagnostics)
        self._check_against(valid, registry, diagnostics)
        self._articles = {doc.source.path: doc for doc in valid}
        self._referenced = Counter(itertools.chain.from_iterable(
            doc.referenced for doc in itertools.chain(self._entries, valid)))
        return ArticlesChecked(valid, self._referenced.keys())

    def _check_against(self, articles: list[ValidDoc], registry: Registry, diagnostics: list[Diagnostic]) -> None:
        """`validate.check_articles`, each article's results kept while it and the registry stay the same."""
        cache = self.cache
        for doc in articles:
            cache.get("references", doc.source.path, (doc, registry),
                      functools.partial(check_references, [doc], registry), diagnostics)
            cache.get("speakers", doc.source.path, (doc, registry),
                      functools.partial(check_speakers, [doc], registry), diagnostics)
        matcher = registry.matcher()
        if matcher:
            # An article's mentions change with its own text and with the registry's names, nothing else.
            names = cache.intern("registry-names", frozenset(
                (k, d.kind, d.slug) for k, claimants in registry.names.items() for d in claimants))
            for doc in [doc for doc in articles if mentions_apply(doc, registry)]:
                cache.get("mentions", doc.source.path, (doc, names),
                          functools.partial(check_mentions_of, doc, matcher), diagnostics)

    def _recheck(self, last: CheckedDesk, changed: list[int], registry: Registry,
                 diagnostics: list[Diagnostic]) -> ArticlesChecked:
        files = self._files
        changed = [number for number in changed if files[number][0] == "article"]  # (notes: see `entries`)
        paths = {files[number][3] for number in changed}
        fresh = self._validated([files[number] for number in changed], diagnostics)
        if fresh:
            self._check_against(fresh, registry, diagnostics)
        valid = dict(last.articles)
        referenced = last.referenced.copy()
        now_valid = {doc.source.path: doc for doc in fresh}
        touched: set[tuple[str, str]] = set()
        newly_valid = False
        for path in paths:
            before, after = valid.get(path), now_valid.get(path)
            if before is not None:
                referenced.subtract(before.referenced)
                touched |= before.referenced
            if after is None:
                valid.pop(path, None)
                continue
            newly_valid |= before is None
            valid[path] = after
            referenced.update(after.referenced)
            touched |= after.referenced
        for key in touched:
            if referenced[key] <= 0:
                del referenced[key]
        if newly_valid:  # added at the end: back in the order of the files, as a full check has them
            valid = {rel: valid[rel] for _, _, _, rel in files if rel in valid}
        self._articles, self._referenced = valid, referenced
        return ArticlesChecked(list(valid.values()), referenced.keys())

    def _validated(self, files: list[ContentFile], diagnostics: list[Diagnostic]) -> list[ValidDoc]:
        """`files` read and checked against their schemas, each through the cache."""
        cache = self.cache

        def read(entry: ContentFile, st: os.stat_result, into: list[Diagnostic]) -> ParsedFile | None:
            return cache.get("load", entry[3], stamp_of(st), functools.partial(load_file, entry), into)

        stats = [self._stats.get(rel) for _, _, _, rel in files]
        checked = (cache.get("validate", parsed.source.path, parsed, functools.partial(validate_file, parsed),
                             diagnostics)
                   for parsed in load_files(files, diagnostics, stats, read))
        return [doc for doc in checked if doc is not None]

    def finish(self, checked: Checked) -> None:
        """Remember this check for the next run to start from."""
        last = self.last
        incremental = self._changed is not None and last is not None
        changed = [self._files[number] for number in self._changed or ()]
        self.last = CheckedDesk(
            self._files, self._stamps, frozenset(self._listing), checked.diagnostics, checked.entries,
            self._articles, checked.registry, self._referenced,
            last.shared if incremental and last is not None else frozenset(sharing_a_slug(self._files)),
            frozenset(rel for kind, _, _, rel in changed if kind == "article") if incremental else None,
            frozenset(rel for kind, _, _, rel in changed if kind == "briefing"),
            last.token if incremental and last is not None else None)
