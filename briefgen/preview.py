"""The preview server: after an edit, rebuild only the pages the edit can change.

`briefgen serve` is MkDocs' live-reload server with four differences, which
keep a one-article edit on a 10,000-article desk near a second instead of a
full rebuild:

- content is re-read and re-checked only for files whose size or times changed
  (`reuse.FileCache`), and an edit that moves no relation updates a copy of the last index
  instead of computing it again (`index.build_index`);
- only pages whose inputs changed are rendered again (`pages_to_rebuild`); the
  rest of the previous build stays in place (MkDocs' "dirty" build, made exact
  by the dependency rules below);
- MkDocs' lists of the files in `docs_dir` and in the theme are reused while no
  file there was added, removed or renamed (`DocsListing`);
- file changes come from the operating system (inotify) as they happen, not
  from polling every file of the desk twice a second (`--poll` brings that back
  for file systems that send no events, such as some network and container mounts).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import jinja2
import jinja2.bccache

from . import urls
from .index import DeskIndex
from .matcher import name_key
from .model import Article, Desk, Entity, EntityKey, Event
from .pipeline import Stamp, files_stamp
from .render import KeptPages, PageSpec, RenderOptions
from .reuse import FileCache
from .schema import ENTITY_KINDS

if TYPE_CHECKING:  # MkDocs is imported when the preview starts
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files

T = TypeVar("T")

log = logging.getLogger("mkdocs.plugins.briefgen")

@dataclass
class Snapshot:
    """What the previous preview build rendered, and from what."""

    index: DeskIndex
    specs: dict[str, PageSpec]
    settings: object
    """Templates, mkdocs.yml and render options: when any changes, every page is rebuilt."""
    reads: dict[str, frozenset[EntityKey]] = field(default_factory=dict)
    """Page → the articles and entities it showed when it was last rendered."""


class MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept in memory between rebuilds (Jinja checks each against its source).

    Every rebuild gets a fresh Jinja environment from MkDocs; compiling Material's templates and
    the desk's again took a fifth of a one-article rebuild.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Fill `bucket` from memory (Jinja discards it if the template's source changed)."""
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Keep a freshly compiled template."""
        self._code[bucket.key] = bucket.bytecode_to_string()


@dataclass
class PreviewState:
    """Kept by the plugin across the rebuilds of one `serve` session."""

    cache: FileCache = field(default_factory=FileCache)
    templates: MemoryBytecodeCache = field(default_factory=MemoryBytecodeCache)
    pages: KeptPages = field(default_factory=dict)
    """Each article's and entity's pages, kept while what they are made from is the same (`SiteRenderer.pages`)."""
    last: Snapshot | None = None


def changed_keys(old: Desk, new: Desk) -> set[EntityKey]:
    """Articles and entities added, removed or edited between two desks."""
    changed: set[EntityKey] = set()
    olds, news = old.articles, new.articles
    if len(olds) == len(news):
        # Unchanged files keep their model objects, mostly in the same places. An article in a place
        # whose object is the same in both desks is unchanged; slugs being unique, one that moved or
        # changed is, in each desk that has it, in a place whose object differs.
        differ = [(a, b) for a, b in zip(olds, news, strict=True) if a is not b]
        olds, news = tuple(a for a, _ in differ), tuple(b for _, b in differ)
    before = {a.slug: a for a in olds}
    after = {a.slug: a for a in news}
    for slug in before.keys() | after.keys():
        a, b = before.get(slug), after.get(slug)
        if a is not b and a != b:
            changed.add(("article", slug))
    for kind in ENTITY_KINDS:
        was, now = old.entities[kind], new.entities[kind]
        if was is now:  # an edit to articles alone keeps the last model's entities
            continue
        for slug in was.keys() | now.keys():
            x, y = was.get(slug), now.get(slug)
            if x is not y and x != y:
                changed.add((kind, slug))
    return changed


class _Version:
    """One version of the desk, with articles by slug."""

    def __init__(self, index: DeskIndex) -> None:
        self.index = index
        self.articles = {a.slug: a for a in index.desk.articles}

    def item(self, key: EntityKey) -> Article | Entity | None:
        return self.articles.get(key[1]) if key[0] == "article" else self.index.desk.get(key)


def _reshaped(version: _Version, key: EntityKey) -> Iterator[EntityKey]:
    """Entities whose own pages list or count `key` (in one version of the desk)."""
    item = version.item(key)
    if isinstance(item, Article):
        yield from item.covers()  # coverage, quotes, connections, counts, mention sentences
    elif item is not None:
        yield from item.references()  # children, people, events
        if isinstance(item, Event):  # "related events" share participants
            for person in item.participants:
                yield from version.index.events_of.get(("person", person), [])


def _names(desk: Desk) -> set[tuple[str, EntityKey]]:
    return {(name, e.key) for e in desk.all_entities() for name in e.names}


def pages_to_rebuild(last: Snapshot, index: DeskIndex, specs: dict[str, PageSpec]) -> set[str]:
    """The pages (source URIs) whose HTML may differ from the previous build's.

    A page is rebuilt when it showed an article or entity that changed (its recorded reads), when
    it belongs to an entity whose lists the change reshapes (coverage, quotes, connections,
    members, related events: everything the old and the new version refer to), or when it is a
    listing whose order or grouping the change can move (home, archives, index pages of the kind).
    """
    old_index = last.index
    changed = changed_keys(old_index.desk, index.desk)
    shown = set(changed)  # what pages may show differently: the changes, and bodies that link anew
    if any(key[0] != "article" for key in changed):
        # New or dropped names can change where bodies link and which sentence mentions whom.
        renamed = _names(old_index.desk) ^ _names(index.desk)
        # The matcher's own first word ("Al" of "Al-Assad"), looked for as plain text: a superset.
        firsts = {key[0] for name, _ in renamed if (key := name_key(name))}
        shown |= {a.key for a in index.desk.articles if any(word in a.body for word in firsts)}
    versions = (_Version(old_index), _Version(index))
    reshaped = {key for key in changed if key[0] != "article"}
    for key in changed:
        for version in versions:
            reshaped.update(_reshaped(version, key))
    changed_kinds = {key[0] for key in changed}

    @functools.cache
    def coverage_moved(key: EntityKey) -> bool:
        before, after = old_index.coverage.get(key, []), index.coverage.get(key, [])
        return len(before) != len(after) or any(a.slug != b.slug for a, b in zip(before, after, strict=True))

    months = {urls.month_uri(a.date.year, a.date.month) for key in changed if key[0] == "article"
              for version in versions if isinstance(a := version.item(key), Article)}
    all_months = (_months(old_index.desk) != _months(index.desk))

    def is_dirty(uri: str, spec: PageSpec) -> bool:
        reads = last.reads.get(uri)
        if uri not in last.specs or reads is None:
            return True  # new, or never rendered
        if spec.owner is not None:
            if spec.owner in shown or not reads.isdisjoint(shown):
                return True
            # Later coverage pages change only when the list itself does.
            return spec.owner in reshaped and (spec.number == 1 or coverage_moved(spec.owner))
        if spec.listing in ("home", "articles"):
            return bool(changed)
        if spec.listing == "month":
            return all_months or uri in months or not reads.isdisjoint(shown)
        if spec.listing in ENTITY_KINDS:
            # Order and paging move when an entry of the kind changes; counts when one is reshaped.
            return spec.listing in changed_kinds or not reads.isdisjoint(reshaped)
        return False  # neither owner nor listing (the search page): depends on the settings alone

    return {uri for uri, spec in specs.items() if is_dirty(uri, spec)}


def _months(desk: Desk) -> set[tuple[int, int]]:
    return {(a.date.year, a.date.month) for a in desk.articles}


def same_settings(last: Snapshot | None, settings: object) -> bool:
    """Whether the previous build used the same templates, configuration and options."""
    return last is not None and last.settings == settings


def render_settings(templates: Stamp, config_file: str | None, options: RenderOptions, extra: object) -> object:
    """Everything besides content that every page depends on."""
    config_stamp = files_stamp(config_file) if config_file and os.path.isfile(config_file) else ()
    return (templates, config_stamp, options, extra)


class AfterReload:
    """Work that a preview rebuild leaves until after the browser reloads: a thread, waited for before the next.

    What it writes is not on the page being previewed (feeds, API documents), so the reload need not
    wait for it; the next rebuild does, so two rebuilds never write the same files at once.
    """

    def __init__(self, work: Callable[[], int], what: str) -> None:
        self.what = what
        self.failed = False
        self._thread = threading.Thread(target=self._run, args=(work,), name=f"briefgen: {what}", daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[], int]) -> None:
        try:
            count = work()
        except Exception as exc:  # a failed write (a full disk) must not end the preview: the next build redoes it
            self.failed = True
            log.error(f"briefgen: writing {self.what} failed: {exc}")
        else:
            log.info(f"briefgen: wrote {count} {self.what}")

    def wait(self) -> bool:
        """Wait until the work is done; False if it failed."""
        self._thread.join()
        return not self.failed


Listing = tuple[tuple[str, tuple[str, ...]], ...]


class DocsListing:
    """MkDocs' `get_files`, reusing the last list of `docs_dir`'s files while their names stay the same.

    MkDocs lists `docs_dir` afresh for every build, and with `docs_dir: content` that is every file
    of the desk: on a 10,000-article desk, 13,000 `File` objects and their exclusion patterns took
    a third of a second per rebuild, for a list that an edit to a file's text leaves as it was.
    Walking the folder for names alone takes a twentieth of that. Each build gets new `File`
    objects, copied from the state the originals had when MkDocs made them, so nothing a build
    attaches to a file (its page, its inclusion in the nav) reaches the next build.

    The theme's files are kept the same way (`theme_files`): Material ships 14,500 files, and
    matching each against MkDocs' exclusion patterns took 0.07-0.13 s per rebuild, to find the
    same 43 assets every time.

    The content files among them, which the plugin drops from the site anyway (`on_files`), are
    left out of the kept list when no other plugin's `on_files` comes before it to see them: making
    13,000 `File` objects per rebuild only to drop them took a tenth of a rebuild at 10,000 articles.
    """

    def __init__(self, list_files: Callable[[MkDocsConfig], Files]) -> None:
        self._list_files = list_files
        self._kept: dict[tuple[Any, ...], tuple[Any, tuple[list[dict[str, Any]], frozenset[str]]]] = {}
        self._themes: dict[tuple[Any, ...], tuple[Any, list[dict[str, Any]]]] = {}
        self._dropped: frozenset[str] = frozenset()
        """The source URIs of the content files left out of this build's list."""
        self.reused = 0
        """How many builds got a kept list of `docs_dir` (tests)."""
        self.reused_theme = 0
        """How many builds got a kept list of the theme's files (tests)."""
        self.dropped = 0
        """How many content files the last build's list left out (tests)."""

    def __call__(self, config: MkDocsConfig) -> Files:
        """The `Files` of `config.docs_dir`, as MkDocs' `get_files` makes them."""
        # Everything besides the names that MkDocs' list depends on: where files go, their URLs, exclusions.
        key = (config.docs_dir, config.site_dir, config.use_directory_urls,
               config.exclude_docs, config.draft_docs, config.not_in_nav)
        sources = _sources_dropped_first(config)
        (states, self._dropped), reused = _kept_states(
            self._kept, (*key, sources), _listing(config.docs_dir),
            lambda: _without_sources([dict(vars(file)) for file in self._list_files(config)], sources))
        self.reused += reused
        self.dropped = len(self._dropped)
        return _listed_files_class()(map(_copy_file, states), self)

    def theme_files(self, files: Files, env: jinja2.Environment, config: MkDocsConfig) -> None:
        """Add the theme's files to `files`, as `Files.add_files_from_theme` does."""
        from mkdocs.structure.files import Files

        def list_theme() -> Files:
            found = Files([])
            found.add_files_from_theme(env, config)  # MkDocs' own listing, with no docs file to give way to
            return found

        # The patterns MkDocs matches are fixed but for `static_templates`; what matches depends on the names.
        key = (tuple(config.theme.dirs), tuple(sorted(config.theme.static_templates)), config.site_dir,
               config.use_directory_urls)
        names = tuple(_listing(folder) for folder in config.theme.dirs)
        states, reused = _kept_states(self._themes, key, names, lambda: [dict(vars(file)) for file in list_theme()])
        self.reused_theme += reused
        for state in states:
            uri = state["src_uri"]
            # Theme files do not override docs files, not even the content files left out of the list.
            if uri not in self._dropped and files.get_file_from_path(uri) is None:
                files.append(_copy_file(state))


def _kept_states(kept: dict[tuple[Any, ...], tuple[Any, T]], key: tuple[Any, ...], names: Any,
                 make: Callable[[], T]) -> tuple[T, bool]:
    """What `make` gives (the states of a list of files), kept under `key` while the folders' `names` are the same.

    Returns it and whether it was a kept one.
    """
    found = kept.get(key)
    if found is not None and found[0] == names:
        return found[1], True
    states = make()
    kept[key] = (names, states)
    return states, False


def _sources_dropped_first(config: MkDocsConfig) -> str | None:
    """How the source URIs of content files begin (see `content_prefix`), if the briefgen plugin's
    `on_files` is the first to see the list (plugins after it never see the content sources); else None."""
    from .mkdocs_plugin import BriefgenPlugin, content_prefix

    handlers = config.plugins.events.get("files") or []
    plugin = getattr(handlers[0], "__self__", None) if handlers else None
    if not isinstance(plugin, BriefgenPlugin) or plugin.project is None:
        return None
    return content_prefix(plugin.project.content_dir, config.docs_dir)


def _without_sources(states: list[dict[str, Any]], prefix: str | None) -> tuple[list[dict[str, Any]], frozenset[str]]:
    """`states` without those of content files under `prefix`, and the source URIs of those."""
    from .mkdocs_plugin import is_content_source

    if prefix is None:
        return states, frozenset()
    dropped = {state["src_uri"] for state in states if is_content_source(state["src_uri"], prefix)}
    return [state for state in states if state["src_uri"] not in dropped], frozenset(dropped)


def _copy_file(state: dict[str, Any]) -> Any:
    """A new MkDocs `File` in the given state (see `DocsListing`)."""
    from mkdocs.structure.files import File

    file = File.__new__(File)
    file.__dict__.update(state)
    return file


@functools.cache
def _listed_files_class() -> type[Files]:
    """MkDocs' `Files`, taking the theme's files from a `DocsListing` (made when MkDocs is imported)."""
    from mkdocs.structure.files import Files

    class ListedFiles(Files):
        def __init__(self, files: Iterable[Any], listing: DocsListing) -> None:
            super().__init__(files)
            self._listing = listing

        def add_files_from_theme(self, env: jinja2.Environment, config: MkDocsConfig) -> None:
            self._listing.theme_files(self, env, config)

    return ListedFiles


def _listing(docs_dir: str) -> Listing:
    """The names of the folders and files below `docs_dir`, walked as MkDocs walks it."""
    found = []
    for folder, dirnames, filenames in os.walk(docs_dir, followlinks=True):
        dirnames.sort()
        found.append((folder, tuple(sorted(filenames))))
    return tuple(found)


@contextlib.contextmanager
def reused_listings() -> Iterator[DocsListing]:
    """While active, MkDocs' builds in this process list `docs_dir` and the theme through one `DocsListing`.

    MkDocs has no plugin event before it lists the files, so the preview swaps the function its
    build calls, and puts it back when the preview ends.
    """
    from mkdocs.commands import build as mkdocs_build

    original = mkdocs_build.get_files
    listing = DocsListing(original)
    mkdocs_build.get_files = listing
    try:
        yield listing
    finally:
        mkdocs_build.get_files = original


def _change_observer() -> Any:
    """A native file-system observer that reports writes, creations, moves and deletions only.

    Native observers also report files being opened and read; the build reads every content
    file, so passing those on would start a new build after each build, for ever. The filter is
    watchdog's own: inotify is not even asked for the other events, of which each rebuild's walks
    of a 10,000-article desk's folders made about 400 for the observer's thread to decode (now 30).
    """
    from watchdog import events as ev
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    changes = [ev.FileCreatedEvent, ev.DirCreatedEvent, ev.FileModifiedEvent, ev.DirModifiedEvent,
               ev.FileMovedEvent, ev.DirMovedEvent, ev.FileDeletedEvent, ev.DirDeletedEvent, ev.FileClosedEvent]

    class ChangeObserver(Observer):  # type: ignore[misc,valid-type]
        def schedule(self, event_handler: FileSystemEventHandler, path: str, **options: Any) -> Any:
            return super().schedule(event_handler, path, event_filter=changes, **options)

    return ChangeObserver()


class IdleCollector:
    """Runs the cyclic garbage collector in the pauses between preview rebuilds, not during them.

    During a rebuild its passes over young objects (about 200 of them) cost a fifth of it: on a
    10,000-article desk, rebuilds took 0.80 s with the collector off against 0.99 s with it on
    (six each, interleaved, collecting in the pause after each). So rebuilds run with it off, and it
    collects (0.1 to 0.2 s), and is back on, `pause` seconds after a build: once the browser has
    fetched the page, and before most next saves. The garbage must not be left for long: with a
    one-second pause, saves half a second after each reload never reached it, and rebuilds on top
    of several rebuilds' garbage were slower than with the collector on (median of ten saves 1.31 s
    against 1.22 s). Saves always closer together than `pause` (an editor saving as you type) would
    still put it off, so after `patience` rebuilds without a pause it collects before the next one.
    """

    def __init__(self, pause: float = 0.3, patience: int = 4) -> None:
        self.pause, self.patience = pause, patience
        self._timer: threading.Timer | None = None
        self._uncollected = 0
        """Rebuilds since the last collection."""

    def before_build(self) -> None:
        """A rebuild starts: switch the collector off (collecting first if it has waited too long)."""
        if self._timer is not None:
            self._timer.cancel()  # (if it has begun, the rebuild may run with the collector on: harmless)
            self._timer = None
        if self._uncollected >= self.patience:
            self.collect()
        gc.disable()

    def after_build(self) -> None:
        """A build ended, or failed: collect after the pause unless another rebuild starts first."""
        self._uncollected += 1
        self._timer = threading.Timer(self.pause, self.collect)
        self._timer.daemon = True
        self._timer.start()

    def collect(self) -> None:
        """Collect now, and switch the collector back on."""
        gc.collect()
        self._uncollected = 0
        gc.enable()

    def stop(self) -> None:
        """The preview ends: no collection pending, and the collector on as it was."""
        if self._timer is not None:
            self._timer.cancel()
        gc.enable()


class _DirtyWarningFilter(logging.Filter):
    """Hides MkDocs' warning that dirty builds may be inaccurate: the dependency rules make them exact."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "A 'dirty' build is being performed" not in record.getMessage()


def serve(config_file: str, *, dev_addr: str | None = None, poll: bool = False,
          open_in_browser: bool = False) -> None:
    """Serve the desk with live reload, rebuilding only what each edit changes (see the module doc)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.livereload import LiveReloadServer

    site_dir = tempfile.mkdtemp(prefix="briefgen-preview-")
    overrides = {"dev_addr": dev_addr} if dev_addr else {}

    def get_config():  # type: ignore[no-untyped-def]
        config = load_config(config_file=config_file, site_dir=site_dir, **overrides)
        config.site_url = serve_url
        return config

    config = load_config(config_file=config_file, site_dir=site_dir, **overrides)
    config.plugins.on_startup(command="serve", dirty=True)
    host, port = config.dev_addr
    mount_path = urlsplit(config.site_url or "/").path or "/"
    serve_url = f"http://{host}:{port}{mount_path}"
    config.site_url = serve_url
    logging.getLogger("mkdocs.commands.build").addFilter(_DirtyWarningFilter())

    built = False
    collector = IdleCollector()

    def builder(config=None) -> None:  # type: ignore[no-untyped-def]
        nonlocal built
        if built:
            collector.before_build()
        try:
            log.info("Building the preview ...")
            build(config or get_config(), serve_url=serve_url, dirty=True)
            if not built:
                # What the first build leaves (the file cache, compiled templates) lives for the whole
                # session. Frozen, it no longer makes the collector's full passes take a second or more
                # in the middle of a later rebuild (they did, one rebuild in five, on a 10,000-article desk).
                gc.collect()
                gc.freeze()
                gc.set_threshold(*gc.get_threshold()[:2], 1000)  # full passes: rarely between rebuilds
                built = True
        finally:
            collector.after_build()

    server = LiveReloadServer(builder=builder, host=host, port=port, root=site_dir, mount_path=mount_path)
    if not poll:
        server.observer = _change_observer()  # inotify on Linux, FSEvents on macOS
    server.build_delay = 0.05  # editors write a file in one go; MkDocs waits 0.1 s for more events

    def error_page(code: int) -> bytes | None:
        page = os.path.join(site_dir, f"{code}.html")
        if os.path.isfile(page):
            with open(page, "rb") as handle:
                return handle.read()
        return None

    server.error_handler = error_page
    try:
        with reused_listings():
            builder(config)
            server.watch(config.docs_dir)
            if config.config_file_path:
                server.watch(config.config_file_path)
            for item in config.watch:
                server.watch(item)
            try:
                server.serve(open_in_browser=open_in_browser)
            except KeyboardInterrupt:
                log.info("Shutting down ...")
            finally:
                server.shutdown()
    finally:
        collector.stop()
        config.plugins.on_shutdown()
        shutil.rmtree(site_dir, ignore_errors=True)
