"""The pipeline in one call: load → validate → model → index.

The command line and the MkDocs plugin both come through here, so `briefgen
check`, `briefgen build` and `mkdocs build` can never disagree about content.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .checkcache import CheckCache, file_stamp
from .diagnostics import Diagnostic, has_errors
from .load import ContentFile, FileStamp, content_files, load_content, load_files, sharing_a_slug, slug_of
from .parallel import FromBothEnds, Later, can_fork
from .recheck import CheckedDesk, check_again, desk_of
from .reuse import FileCache
from .validate import (
    Registry,
    ValidDoc,
    check_articles,
    check_registry,
    references_in,
    report_unused,
    validate,
    validate_files,
)

if TYPE_CHECKING:
    from .index import DeskIndex


@dataclass(frozen=True)
class Project:
    """Where a desk's files are."""

    root: Path
    """Folder of mkdocs.yml; paths in diagnostics are relative to it."""
    content_dir: Path
    templates_dir: Path


class UnsafeProjectPath(ValueError):
    """A configured folder lies outside the project: the build must not read from there."""


def project_at(root: Path, content_dir: str, templates_dir: str) -> Project:
    """The project rooted at `root`, refusing folders (`../x`, absolute paths, links) that leave it."""
    root = root.resolve()
    for option, value in (("content_dir", content_dir), ("templates_dir", templates_dir)):
        if not (root / value).resolve().is_relative_to(root):
            raise UnsafeProjectPath(f"`{option}: {value}` points outside the project folder {root}")
    return Project(root, root / content_dir, root / templates_dir)


@dataclass(frozen=True)
class Result:
    """What one run of the pipeline produced."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    index: DeskIndex | None = None
    """The indexed desk, or None when there were errors."""

    @property
    def ok(self) -> bool:
        """True when no diagnostic is an error."""
        return not has_errors(self.diagnostics)


@contextlib.contextmanager
def _gc_paused(freeze: bool = True) -> Iterator[None]:
    """Pause the cyclic garbage collector while content is parsed.

    Loading a desk creates hundreds of thousands of YAML nodes and model objects, none of them in
    reference cycles; every collection would walk all of them again. Pausing cut the load and
    validation of a 10,000-article desk from 5.1 s to 1.5 s. Afterwards the survivors are frozen out
    of later collections too (reference counting still frees them when they are dropped), except in
    the long-running preview (`freeze=False`), where frozen garbage would pile up rebuild after rebuild.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


def check(project: Project, cache: FileCache | None = None) -> tuple[list[Diagnostic], list[ValidDoc]]:
    """Load and validate all content (drafts included): every diagnostic, sorted, and the valid files.

    A `cache` (the preview server's) lets unchanged files skip their parse and checks (`recheck`). (Checking in
    several processes was tried: sending the checked files back cost as much as it saved. `briefgen
    check`, which needs no checked files, does use several: see `diagnose`.)
    """
    if cache is not None:
        checked = _check_again(project, cache)
        return checked.diagnostics, list(checked.valid.values())
    diagnostics: list[Diagnostic] = []
    with _gc_paused():
        valid = validate(load_content(project.content_dir, project.root, diagnostics), diagnostics)
    return sorted(set(diagnostics)), valid


def _check_again(project: Project, cache: FileCache) -> CheckedDesk:
    with _gc_paused(freeze=False):
        cache.start_run()
        return check_again(project.content_dir, project.root, cache)


def diagnose(project: Project, jobs: int = 1, cache_dir: Path | None = None) -> list[Diagnostic]:
    """Every diagnostic `check` reports, sorted, with the articles checked in up to `jobs` processes.

    `briefgen check` needs the diagnostics alone. So forked workers read and check articles (most
    of a desk's files and work) on their own while the main process checks the registry entries
    and then joins in (`FromBothEnds`). Each process checks its articles against the registry too,
    from the moment it has it (the main process sends it to the workers once it is checked), and the
    workers send back only their diagnostics and the entries their articles name. The checks are
    those of `check`, in the same steps (`validate`'s registry, article and usage checks).

    With a `cache_dir`, an article unchanged since the last run (and the registry and briefgen with
    it) is not read again: what that run found for it is reported (see `checkcache`).
    """
    diagnostics: list[Diagnostic] = []
    with _gc_paused():
        files = content_files(project.content_dir, project.root, diagnostics)
        entry_files = [f for f in files if f[0] != "article"]
        cache = None if cache_dir is None else CheckCache.open(
            cache_dir, project.root, project.content_dir, [(path, rel) for _, path, _, rel in entry_files])
        workers = jobs - 1 if jobs > 1 and can_fork() else 0
        later: Later[Registry] = Later(readers=workers)
        here = _ArticlesChecked(later, cache)
        shared = FromBothEnds(_slug_groups([f for f in files if f[0] == "article"]), workers + 1, here.add,
                              lambda part: here.result())
        try:
            entries = _checked_entries(entry_files, diagnostics, cache)
            if cache is not None:
                cache.entries_done()
            registry = check_registry(entries, diagnostics)
            if shared.workers:
                later.send(registry.for_articles())
            here.use(registry)
            shared.work_here()
            results = [here.result(), *shared.results()]
        finally:
            shared.cancel()
            later.close()
        referenced = references_in(entries)
        for part, (found, names, kept) in enumerate(results):
            diagnostics += found
            referenced |= names
            if cache is not None and part > 0:  # a worker's records (the first result is this process's)
                chunks, reused, read = kept
                cache.chunks += chunks
                cache.reused += reused
                cache.read += read
        report_unused(registry, referenced, diagnostics)
        if cache is not None:
            cache.save()
    return sorted(set(diagnostics))


def _checked_entries(files: list[ContentFile], diagnostics: list[Diagnostic],
                     cache: CheckCache | None) -> list[ValidDoc]:
    """The registry's files that pass their schemas, in order; with a `cache`, only those that changed are read."""
    if cache is None:
        return validate_files(load_files(files, diagnostics), diagnostics)
    # Files that share a slug are read together, in order: which one is the duplicate depends on that.
    read_together = sharing_a_slug(files)
    shared = [file for file in files if file[3] in read_together]
    checked = {doc.source.path: doc for doc in validate_files(load_files(shared, diagnostics), diagnostics)}
    for file in files:
        if file[3] in read_together:
            continue
        rel = file[3]
        stamp = file_stamp(file[1])
        reused = None if stamp is None else cache.reuse_entry(rel, stamp)
        if reused is not None:
            found, doc = reused
        else:
            found = []
            [doc] = validate_files(load_files([file], found), found) or [None]
            if stamp is not None and cache.settled(stamp):
                cache.keep_entry(rel, stamp, found, doc)
        diagnostics += found
        if doc is not None:
            checked[rel] = doc
    return [checked[rel] for _, _, _, rel in files if rel in checked]


_Kept = tuple[list[bytes], int, int]
"""What a process's `CheckCache` made: its pickled article records, and how many it reused and read."""
_Checked = tuple[list[Diagnostic], set[tuple[str, str]], _Kept]


class _ArticlesChecked:
    """One process's articles in `diagnose`: each read and checked on its own as it is added, and
    checked against the registry too as soon as the process has it.

    Checking against the registry as the articles come, rather than all at the end, keeps the
    processes' loads even: at the end, the one that had met more articles had more left to do.
    """

    def __init__(self, registry: Later[Registry], cache: CheckCache | None = None) -> None:
        self.found: list[Diagnostic] = []
        self.referenced: set[tuple[str, str]] = set()
        self._unchecked: list[ValidDoc] = []  # articles added before the registry came
        self._later = registry
        self._registry: Registry | None = None
        self._cache = cache
        self._to_keep: dict[str, tuple[FileStamp, list[Diagnostic]]] = {}
        """Articles read, to be kept in the cache once checked against the registry: their stamps
        before reading, and their own diagnostics."""

    def use(self, registry: Registry) -> None:
        """Check the articles against `registry` from now on (the main process has its own)."""
        self._registry = registry
        self._check_unchecked()

    def add(self, files: list[ContentFile]) -> None:
        """Read and check the files of one slug (together, so that the later ones are reported as duplicates)."""
        stamp = None
        if self._cache is not None and len(files) == 1:
            reused, stamp = self._from_cache(self._cache, files[0])
            if reused:
                return
        own: list[Diagnostic] = []
        docs = validate_files(load_files(files, own), own)
        self.found += own
        if stamp is not None and self._cache is not None:
            if docs:
                self._to_keep[files[0][3]] = (stamp, own)
            else:  # nothing to check against the registry: its diagnostics are all there are
                self._cache.keep(files[0][3], stamp, own, frozenset())
        self._unchecked += docs
        if self._registry is None and self._later.ready():
            self._registry = self._later.receive()
        self._check_unchecked()

    def result(self) -> _Checked:
        """The diagnostics of every article added, checked against the registry too, the entries they
        name, and what the cache made of them."""
        if self._registry is None:
            self._registry = self._later.receive()
        self._check_unchecked()
        if self._cache is None:
            return self.found, self.referenced, ([], 0, 0)
        self._cache.flush()
        return self.found, self.referenced, (self._cache.chunks, self._cache.reused, self._cache.read)

    def _from_cache(self, cache: CheckCache, file: ContentFile) -> tuple[bool, FileStamp | None]:
        """Whether the cache had the article's result (now added), and if not, the stamp to keep this run's with."""
        stamp = file_stamp(file[1])
        if stamp is None:
            return False, None  # a link, refused when read, or a file gone, which reading reports
        reused = cache.reuse(file[3], stamp)
        if reused is None:
            return False, stamp if cache.settled(stamp) else None
        found, named = reused
        self.found += found
        self.referenced |= named
        return True, None

    def _check_unchecked(self) -> None:
        if self._registry is None or not self._unchecked:
            return
        cross: list[Diagnostic] = []
        check_articles(self._unchecked, self._registry, cross)
        self.found += cross
        self.referenced |= references_in(self._unchecked)
        if self._cache is not None and self._to_keep:
            for doc in self._unchecked:
                path = doc.source.path
                if path in self._to_keep:
                    stamp, own = self._to_keep.pop(path)
                    self._cache.keep(path, stamp, own + [d for d in cross if d.path == path], doc.referenced)
        self._unchecked = []


def _slug_groups(files: list[ContentFile]) -> list[list[ContentFile]]:
    """`files` grouped by slug, in the order of each slug's first file.

    Which of two files with the same slug is the duplicate depends on their order, so both must
    be seen by the same process, one after the other.
    """
    groups: dict[str, list[ContentFile]] = {}
    for file in files:
        groups.setdefault(slug_of(file[1]), []).append(file)
    return list(groups.values())


def run(project: Project, *, drafts: bool = False, cache: FileCache | None = None,
        previous: DeskIndex | None = None) -> Result:
    """Check all content; build the model and index when it is free of errors.

    The preview passes its `cache` and the `previous` index so that unchanged files cost little.
    """
    # Imported here: `briefgen check` never gets this far, and defining the model's classes is a tenth
    # of its start-up.
    from .index import build_index
    from .model import build_desk

    if cache is None:
        diagnostics, valid = check(project)
    else:
        checked = _check_again(project, cache)
        diagnostics = checked.diagnostics
    if has_errors(diagnostics):
        if cache is not None:
            cache.end_run()
        return Result(diagnostics)
    with _gc_paused(freeze=cache is None):
        desk = build_desk(valid, drafts=drafts) if cache is None else desk_of(checked, drafts=drafts, cache=cache)
        result = Result(diagnostics, build_index(desk, previous))
    if cache is not None:
        cache.end_run()
    return result


Stamp = tuple[tuple[str, int, int], ...]


def files_stamp(*paths: os.PathLike[str] | str) -> Stamp:
    """Name, size and modification time of each file at or below `paths`: cheap, and changes with any edit."""
    entries = []
    for top in paths:
        if os.path.isfile(top):
            st = os.lstat(top)
            entries.append((os.fspath(top), st.st_size, st.st_mtime_ns))
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                entries.append((path, st.st_size, st.st_mtime_ns))
    return tuple(entries)


def fingerprint(project: Project) -> Stamp:
    """The stamp of every content file."""
    return files_stamp(project.content_dir)


_cache: dict[tuple[Path, bool], tuple[Stamp, Result]] = {}


def clear_cache() -> None:
    """Forget every cached result (tests, and callers that edit content between runs in one process)."""
    _cache.clear()


def run_cached(project: Project, *, drafts: bool = False) -> Result:
    """`run`, but reuse the last result while no content file has changed.

    `briefgen build` checks content before handing over to MkDocs, whose
    plugin then needs the same result; previews rebuild after template edits
    without re-reading unchanged content.
    """
    key = (project.content_dir.resolve(), drafts)
    stamp = fingerprint(project)
    cached = _cache.get(key)
    if cached and cached[0] == stamp:
        return cached[1]
    result = run(project, drafts=drafts)
    _cache[key] = (stamp, result)
    return result
