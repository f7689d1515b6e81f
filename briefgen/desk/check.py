"""The one check: every content file on its own, then the registry, then the articles against it.

`briefgen build`, `briefgen check`, `mkdocs build` and the preview all run `check`. They differ only
in the `FileChecks` they pass: this module's own does each step the simple way, in this process,
file after file. The accelerators subclass it to do the same steps faster (`speed.parallel_check`:
articles in several processes, results kept between runs; `preview.recheck`: after an edit, only
the edited articles), and each has a test that it reports exactly what this one reports.

The steps, in order:
1. list `content/` (layout problems: a file where none belongs, a link, a folder missing);
2. each registry entry read and checked against its kind's schema on its own;
3. the registry: names and aliases claimed twice, unknown references, parent cycles;
4. each article read and checked against its schema, then against the registry (references,
   mentions of entries it does not list);
5. entries nothing refers to.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from .diagnostics import Diagnostic
from .load import ContentFile, content_files, load_files, slug_of
from .project import Project
from .validate import Registry, ValidDoc, check_articles, check_registry, references_in, report_unused, validate_files


@dataclass(frozen=True)
class ArticlesChecked:
    """What the article step found besides its diagnostics."""

    valid: list[ValidDoc] | None
    """The articles that passed their schema, in the order listed; None when the checks kept no
    files (`briefgen check` needs the diagnostics alone)."""
    referenced: AbstractSet[tuple[str, str]]
    """Every (kind, slug) the articles refer to."""


@dataclass(frozen=True)
class Checked:
    """What one check found."""

    diagnostics: list[Diagnostic]
    """Every diagnostic, sorted, each once."""
    files: list[ContentFile]
    """The content files listed, in order."""
    entries: list[ValidDoc]
    """The registry entries that passed their schemas."""
    articles: list[ValidDoc] | None
    """The articles that passed their schemas (None: not kept, see `ArticlesChecked.valid`)."""
    registry: Registry

    @property
    def valid(self) -> list[ValidDoc]:
        """Every file that passed its schema: what the model is made of."""
        if self.articles is None:
            raise ValueError("these checks kept no articles; run `check` with the default `FileChecks`")
        return [*self.entries, *self.articles]


class FileChecks:
    """How `check` lists, reads and checks the files: here, every file in this process, in order.

    Subclasses may do any step another way, as long as they report the same diagnostics and the
    same checked files.
    """

    freeze: bool = True
    """Freeze what the check leaves out of later garbage collections (not in a long-running preview,
    where frozen garbage would pile up rebuild after rebuild)."""

    def __init__(self) -> None:
        self.entry_files: list[ContentFile] = []
        self.article_files: list[ContentFile] = []

    def listing(self, project: Project, diagnostics: list[Diagnostic]) -> list[ContentFile]:
        """Step 1: every content file to read, in order."""
        return content_files(project.content_dir, project.root, diagnostics)

    def start(self, files: list[ContentFile]) -> None:
        """Before step 2: take the listing (workers may start on the articles now)."""
        self.entry_files = [file for file in files if file[0] != "article"]
        self.article_files = [file for file in files if file[0] == "article"]

    def entries(self, diagnostics: list[Diagnostic]) -> list[ValidDoc]:
        """Step 2: the registry's files that pass their schemas, in order."""
        return validate_files(load_files(self.entry_files, diagnostics), diagnostics)

    def registry(self, entries: list[ValidDoc], diagnostics: list[Diagnostic]) -> Registry:
        """Step 3: the checks among registry entries."""
        return check_registry(entries, diagnostics, broken_entries(self.entry_files, entries))

    def articles(self, registry: Registry, diagnostics: list[Diagnostic]) -> ArticlesChecked:
        """Step 4: each article on its own, then against `registry`."""
        valid = validate_files(load_files(self.article_files, diagnostics), diagnostics)
        check_articles(valid, registry, diagnostics)
        return ArticlesChecked(valid, references_in(valid))

    def finish(self, checked: Checked) -> None:
        """After step 5, when every step ran: keep what the next run may reuse."""

    def close(self) -> None:
        """Whatever happened: stop anything still running."""


def check(project: Project, checks: FileChecks | None = None) -> Checked:
    """Check every content file of `project` (drafts included) in the steps of the module's docstring."""
    checks = checks if checks is not None else FileChecks()
    diagnostics: list[Diagnostic] = []
    with gc_paused(freeze=checks.freeze):
        files = checks.listing(project, diagnostics)
        try:
            checks.start(files)
            entries = checks.entries(diagnostics)
            registry = checks.registry(entries, diagnostics)
            articles = checks.articles(registry, diagnostics)
            report_unused(registry, references_in(entries) | articles.referenced, diagnostics)
            checked = Checked(sorted(set(diagnostics)), files, entries, articles.valid, registry)
            checks.finish(checked)
        finally:
            checks.close()
    return checked


def broken_entries(files: list[ContentFile], entries: list[ValidDoc]) -> frozenset[tuple[str, str]]:
    """(kind, slug) of the entry `files` that did not pass their checks: their files exist, so a
    reference to them is not "unknown"; their own diagnostics say what is wrong."""
    valid = {(doc.kind, doc.slug) for doc in entries}
    return frozenset((kind, slug_of(path)) for kind, path, _, _ in files) - valid


@contextlib.contextmanager
def gc_paused(freeze: bool = True) -> Iterator[None]:
    """Pause the cyclic garbage collector while content is parsed and modelled.

    Loading a desk creates hundreds of thousands of YAML nodes and model objects, none of them in
    reference cycles; every collection would walk all of them again (see docs/performance.md).
    Afterwards the survivors are frozen out of later collections too (reference counting still
    frees them when they are dropped), unless `freeze` is false.
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
