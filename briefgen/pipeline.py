"""The pipeline in one call: load → validate → model → index.

The command line and the MkDocs plugin both come through here, so `briefgen
check`, `briefgen build` and `mkdocs build` can never disagree about content.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import gc
import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .diagnostics import Diagnostic, has_errors
from .load import ContentFile, content_files, load_content, load_files
from .parallel import Forked, Later, can_fork
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

    A `cache` (the preview server's) lets unchanged files skip their parse and checks. (Checking in
    several processes was tried: sending the checked files back cost as much as it saved. `briefgen
    check`, which needs no checked files, does use several: see `diagnose`.)
    """
    diagnostics: list[Diagnostic] = []
    with _gc_paused(freeze=cache is None):
        if cache is not None:
            cache.start_run()
        sources = load_content(project.content_dir, project.root, diagnostics, cache)
        valid = validate(sources, diagnostics, cache)
    return sorted(set(diagnostics)), valid


def diagnose(project: Project, jobs: int = 1) -> list[Diagnostic]:
    """Every diagnostic `check` reports, sorted, with the articles checked in up to `jobs` processes.

    `briefgen check` needs the diagnostics alone. So forked workers take a share of the articles
    (most of a desk's files and work) each and send back only their diagnostics and the entries
    their articles name. They read and check each article on its own while the main process checks
    the registry entries, then check the articles against the registry it sends them. The checks are
    those of `check`, in the same steps (`validate`'s registry, article and usage checks).
    """
    diagnostics: list[Diagnostic] = []
    with _gc_paused():
        files = content_files(project.content_dir, project.root, diagnostics)
        entry_files = [f for f in files if f[0] != "article"]
        parts = _article_shares(files, jobs if can_fork() else 1)
        workers: list[tuple[Forked[_Checked], Later[Registry]]] = []
        try:
            for part in filter(None, parts[1:]):
                later: Later[Registry] = Later()
                workers.append((Forked(functools.partial(_check_articles, part, later.receive)), later))
            entries = validate_files(load_files(entry_files, diagnostics), diagnostics)
            registry = check_registry(entries, diagnostics)
            if workers:
                shared = registry.for_articles()
                for _, later in workers:
                    later.send(shared)
            results = [_check_articles(parts[0], lambda: registry)]
            results += [worker.result() for worker, _ in workers]
        finally:
            for worker, later in workers:
                worker.cancel()
                later.close()
        referenced = references_in(entries)
        for found, names in results:
            diagnostics += found
            referenced |= names
        report_unused(registry, referenced, diagnostics)
    return sorted(set(diagnostics))


_Checked = tuple[list[Diagnostic], set[tuple[str, str]]]

#: What reading and checking one registry entry costs, in articles: the main process, which checks the
#: entries before its share of the articles, gets that many fewer. Measured in instructions executed
#: (steadier than time on a shared machine) at 10,000 articles: 0.44 million against 1.11 million.
ENTRY_COST = 0.4


def _check_articles(files: list[ContentFile], registry: Callable[[], Registry]) -> _Checked:
    """A share of `diagnose`: the articles' diagnostics, and the entries they refer to.

    Each article is read and checked on its own before `registry()` is asked for (a worker waits
    there for the main process to send it).
    """
    found: list[Diagnostic] = []
    articles = validate_files(load_files(files, found), found)
    against = registry()
    check_articles(articles, against, found)
    return found, references_in(articles)


def _article_shares(files: list[ContentFile], jobs: int) -> list[list[ContentFile]]:
    """The articles among `files` in `jobs` shares for `diagnose`, the first for the main process."""
    entries = sum(1 for f in files if f[0] != "article")
    return _by_slug([f for f in files if f[0] == "article"], jobs, ahead=entries * ENTRY_COST)


def _by_slug(files: list[ContentFile], parts: int, ahead: float = 0.0) -> list[list[ContentFile]]:
    """`files` in `parts` shares, in their order; files of one slug share a share.

    Which of two files with the same slug is the duplicate depends on their order, so both must
    be seen by the same process. The first share's process has `ahead` files' worth of other work
    to do first, so its share is that much smaller; the others are of about equal size.
    """
    count = max(parts, 1)
    first = min(max((len(files) + ahead) / count - ahead, 0.0), len(files))
    # Each share takes the slugs whose hash falls below its bound, as a fraction of all hashes.
    total = max(len(files), 1)
    bounds = [(first + (len(files) - first) * number / max(count - 1, 1)) / total for number in range(count)]
    shares: list[list[ContentFile]] = [[] for _ in range(count)]
    for file in files:
        slug = os.path.splitext(os.path.basename(file[1]))[0]
        share = bisect.bisect_right(bounds, zlib.crc32(slug.encode()) / 2**32)
        shares[min(share, count - 1)].append(file)
    return shares


def run(project: Project, *, drafts: bool = False, cache: FileCache | None = None,
        previous: DeskIndex | None = None) -> Result:
    """Check all content; build the model and index when it is free of errors.

    The preview passes its `cache` and the `previous` index so that unchanged files cost little.
    """
    # Imported here: `briefgen check` never gets this far, and defining the model's classes is a tenth
    # of its start-up.
    from .index import build_index
    from .model import build_desk

    diagnostics, valid = check(project, cache)
    if has_errors(diagnostics):
        if cache is not None:
            cache.end_run()
        return Result(diagnostics)
    with _gc_paused(freeze=cache is None):
        result = Result(diagnostics, build_index(build_desk(valid, drafts=drafts, cache=cache), previous))
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
