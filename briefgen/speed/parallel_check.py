"""`briefgen check` made fast: articles checked in several processes, and results kept between runs.

`ParallelChecks` is a `desk.check.FileChecks`: `check` takes the same steps with it, and reports
what it reports with the simple `FileChecks` (a test compares the two on every desk of the suite).

`briefgen check` needs the diagnostics alone. So forked workers read and check articles (most of a
desk's files and work) on their own while the main process checks the registry entries and then
joins in (`FromBothEnds`). Each process checks its articles against the registry too, from the
moment it has it (the main process sends it to the workers once it is checked), and the workers send
back only their diagnostics and the entries their articles name. No checked file comes back:
sending them cost as much as checking them, so a build, which needs them, checks in one process.

With a `CheckCache`, an article unchanged since the last run (and the registry and briefgen with
it) is not read again: what that run found for it is reported (see `checkcache`).
"""

from __future__ import annotations

from pathlib import Path

from ..desk.check import ArticlesChecked, Checked, FileChecks, check
from ..desk.diagnostics import Diagnostic
from ..desk.load import ContentFile, FileStamp, load_files, sharing_a_slug, slug_of
from ..desk.project import Project
from ..desk.schema import ENTITY_KINDS
from ..desk.validate import Registry, ValidDoc, check_articles, references_in, validate_files
from .checkcache import CheckCache, file_stamp
from .workers import FromBothEnds, Later, can_fork


class ParallelChecks(FileChecks):
    """The articles checked in up to `jobs` processes; with a `cache_dir`, only the files that changed."""

    def __init__(self, project: Project, jobs: int = 1, cache_dir: Path | None = None) -> None:
        super().__init__()
        self._project = project
        self._jobs = jobs
        self._cache_dir = cache_dir
        self._cache: CheckCache | None = None
        self._later: Later[Registry] | None = None
        self._here: _ArticlesChecked | None = None
        self._shared: FromBothEnds[list[ContentFile], _Checked] | None = None

    def start(self, files: list[ContentFile]) -> None:
        """Open the cache and start the workers on the articles, from the end of the list."""
        super().start(files)
        project = self._project
        if self._cache_dir is not None:
            # Articles are checked against the entity entries alone: an editor's note names nothing.
            self._cache = CheckCache.open(self._cache_dir, project.root, project.content_dir,
                                          [(path, rel) for kind, path, _, rel in self.entry_files
                                           if kind in ENTITY_KINDS])
        workers = self._jobs - 1 if self._jobs > 1 and can_fork() else 0
        self._later = Later(readers=workers)
        here = self._here = _ArticlesChecked(self._later, self._cache)
        self._shared = FromBothEnds(_slug_groups(self.article_files), workers + 1, here.add,
                                    lambda part: here.result())

    def entries(self, diagnostics: list[Diagnostic]) -> list[ValidDoc]:
        """The registry's files, each read only if it changed since the last run."""
        entries = _checked_entries(self.entry_files, diagnostics, self._cache)
        if self._cache is not None:
            self._cache.entries_done()
        return entries

    def articles(self, registry: Registry, diagnostics: list[Diagnostic]) -> ArticlesChecked:
        """Send the registry to the workers, take articles from the start until meeting them, and gather."""
        assert self._shared is not None and self._later is not None and self._here is not None
        if self._shared.workers:
            self._later.send(registry.for_articles())
        self._here.use(registry)
        self._shared.work_here()
        referenced: set[tuple[str, str]] = set()
        for part, (found, names, kept) in enumerate([self._here.result(), *self._shared.results()]):
            diagnostics += found
            referenced |= names
            if self._cache is not None and part > 0:  # a worker's records (the first result is this process's)
                chunks, reused, read = kept
                self._cache.chunks += chunks
                self._cache.reused += reused
                self._cache.read += read
        return ArticlesChecked(None, referenced)

    def finish(self, checked: Checked) -> None:
        """Keep this run's records for the next one."""
        if self._cache is not None:
            self._cache.save()

    def close(self) -> None:
        """Stop the workers if the main process failed, and drop the registry's hand-over file."""
        if self._shared is not None:
            self._shared.cancel()
        if self._later is not None:
            self._later.close()


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


def diagnose(project: Project, jobs: int = 1, cache_dir: Path | None = None) -> list[Diagnostic]:
    """Every diagnostic `check` reports, sorted: the one check with `ParallelChecks` (`briefgen check`)."""
    return check(project, ParallelChecks(project, jobs, cache_dir)).diagnostics
