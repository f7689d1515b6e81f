"""The preview server: after an edit, rebuild only the pages the edit can change.

`briefgen serve` is MkDocs' live-reload server with four differences, which
keep a one-article edit on a large desk well under a second instead of a
full rebuild:

- content is re-read and re-checked only for files whose size or times changed
  (`recheck`, `filecache`), and an edit that moves no relation updates a copy of the last index
  instead of computing it again (`incremental`);
- only pages whose inputs changed are rendered again (`rules.pages_to_rebuild`); the
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
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import jinja2

if TYPE_CHECKING:  # MkDocs is imported when the preview starts
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files

T = TypeVar("T")

log = logging.getLogger("mkdocs.plugins.briefgen")


FolderNames = tuple[tuple[str, tuple[str, ...]], ...]
"""The names of the folders and files below a folder (`_listing`)."""


class DocsListing:
    """MkDocs' `get_files`, reusing the last list of `docs_dir`'s files while their names stay the same.

    MkDocs lists `docs_dir` afresh for every build, and with `docs_dir: content` that is every file
    of the desk: a `File` object per file, each matched against the exclusion patterns, for a list
    that an edit to a file's text leaves as it was. Walking the folder for names alone costs far
    less (docs/performance.md has the figures). Each build gets new `File`
    objects, copied from the state the originals had when MkDocs made them, so nothing a build
    attaches to a file (its page, its inclusion in the nav) reaches the next build.

    The theme's files are kept the same way (`theme_files`): Material ships thousands of files, and
    matching each against MkDocs' exclusion patterns at every rebuild finds the same few assets.

    The content files among them, which the plugin drops from the site anyway (`on_files`), are
    left out of the kept list when no other plugin's `on_files` comes before it to see them: making
    a `File` object per content file at every rebuild only to drop it is wasted work.
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
    handlers = config.plugins.events.get("files") or []
    plugin = getattr(handlers[0], "__self__", None) if handlers else None
    # The briefgen plugin says where its content sources are; any other plugin first keeps them all.
    content_sources_prefix = getattr(plugin, "content_sources_prefix", None)
    return content_sources_prefix(config.docs_dir) if callable(content_sources_prefix) else None


def _without_sources(states: list[dict[str, Any]], prefix: str | None) -> tuple[list[dict[str, Any]], frozenset[str]]:
    """`states` without those of content files under `prefix`, and the source URIs of those."""
    from ..pages.sources import is_content_source

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


def _listing(docs_dir: str) -> FolderNames:
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
    watchdog's own: inotify is not even asked for the other events, which each rebuild's walks of a
    large desk's folders made by the hundred for the observer's thread to decode.
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

    During a rebuild its passes over young objects cost a large part of it (docs/performance.md). So
    rebuilds run with it off, and it collects, and is back on, `pause` seconds after a build: once
    the browser has fetched the page, and before most next saves. The garbage must not be left for
    long: with a one-second pause, saves half a second after each reload never reached it, and
    rebuilds on top of several rebuilds' garbage were slower than with the collector on. Saves
    always closer together than `pause` (an editor saving as you type) would still put it off, so
    after `patience` rebuilds without a pause it collects before the next one.
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
                # session. Frozen, it no longer makes the collector's full passes walk it in the middle
                # of a later rebuild, which made a large desk's rebuilds take a second more now and then.
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
