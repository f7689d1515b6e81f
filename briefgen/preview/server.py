"""The preview server: after an edit, rebuild only the pages the edit can change.

`briefgen serve` is MkDocs' live-reload server with these differences. The first
four keep a one-article edit on a large desk well under a second instead of a
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

And a failed build never stops the preview or holds a request (`_server_class`): the browser
shows its errors over the last good site, or instead of any page while no build has succeeded
(`errors`), until a build succeeds and the page reloads without them.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import os
import posixpath
import re
import shutil
import tempfile
import threading
import wsgiref.util
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlsplit

import jinja2

from ..pages.urls import EditLinks
from .errors import (
    BuildFailure,
    EditUrl,
    error_page_html,
    failure_of,
    insert_before_body_end,
    no_edit_links,
    overlay_html,
)

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


HTML_WAIT = 1.0
"""Seconds a request for a page waits for a rebuild under way before it gets the page on disk.

Most rebuilds end sooner, and the page then comes from them; a long one (a full rebuild of a large
desk) must not hold the browser: the page served meanwhile reloads when the rebuild ends.
"""


class _Preview:
    """What the request threads read of the preview: the last build's failure, if it failed, and
    whether any build has succeeded (if not, there is no site on disk to show)."""

    def __init__(self) -> None:
        self.failure: BuildFailure | None = None
        self.good = False
        """Whether a build has succeeded in this session."""
        self.edit_url: EditUrl = no_edit_links


@functools.cache
def _server_class() -> type[Any]:
    """MkDocs' `LiveReloadServer`, never holding a request for a build, showing a failed build's errors.

    MkDocs' server holds every request under the site's path until the build under way is done, and
    a build that raises leaves them held until a later one succeeds: while content was broken, every
    page and asset hung. Here the builder never raises (it records the failure instead, so MkDocs
    counts the build as done and reloads the browsers, which then show the errors), files other than
    pages are served from disk at once, and a page waits at most `HTML_WAIT` for a rebuild.

    Made when MkDocs is imported (the preview starts), as `_listed_files_class`.
    """
    from mkdocs.livereload import LiveReloadServer

    class PreviewServer(LiveReloadServer):  # type: ignore[misc]
        # MkDocs keeps socketserver's listen backlog of 5: a page's assets requested at once by a few
        # browsers (or a link checker) overflowed it, and each connection dropped then waited a second
        # or more for the client's next SYN. 128 still overflowed under a burst just after a build; the
        # kernel caps the value at net.core.somaxconn.
        request_queue_size = 1024

        def __init__(self, preview: _Preview, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.preview = preview
            self.error_handler = self._error_page

        def _serve_request(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes] | None:
            path = environ["PATH_INFO"].encode("latin-1").decode("utf-8", "ignore")  # as MkDocs reads it
            if _LIVERELOAD.fullmatch(path) or not (path + "/").startswith(self.mount_path):
                return super()._serve_request(environ, start_response)  # the poll, the redirect of "/"
            rel_path = path[len(self.mount_path):]
            if path.endswith("/"):
                rel_path += "index.html"
            rel_path = posixpath.normpath("/" + rel_path).lstrip("/")  # no way out of the site's folder
            file_path = os.path.join(self.root, rel_path)
            page = file_path.endswith(".html")
            with self._epoch_cond:
                if page:
                    self._epoch_cond.wait_for(lambda: self._visible_epoch == self._wanted_epoch, timeout=HTML_WAIT)
                # A page served before the build under way is done carries the last epoch: it reloads then.
                epoch = self._visible_epoch
            failure = self.preview.failure
            try:
                file = open(file_path, "rb")  # noqa: SIM115 (handed to the WSGI server, which closes it)
            except OSError:
                if not path.endswith("/") and os.path.isfile(os.path.join(file_path, "index.html")):
                    start_response("302 Found", [("Location", quote(path) + "/")])
                    return []
                if failure is not None and not self.preview.good:
                    return self._respond("500 Internal Server Error", self._standalone(failure, epoch), start_response)
                return None  # MkDocs answers 404, with `_error_page`
            if page:
                with file:
                    content = self._inject_js_into_html(file.read(), epoch)
                return self._respond("200 OK", self._with_overlay(content, failure), start_response)
            start_response("200 OK", [("Content-Type", self._guess_type(file_path)),
                                      ("Content-Length", str(os.fstat(file.fileno()).st_size))])
            return wsgiref.util.FileWrapper(file)

        @staticmethod
        def _respond(status: str, content: bytes, start_response: Callable[..., Any]) -> list[bytes]:
            start_response(status, [("Content-Type", "text/html; charset=utf-8"),
                                    ("Content-Length", str(len(content)))])
            return [content]

        def _standalone(self, failure: BuildFailure, epoch: int) -> bytes:
            """The error page shown while no build has succeeded, with the live-reload script."""
            page = error_page_html(failure, self.preview.edit_url).encode("utf-8")
            return bytes(self._inject_js_into_html(page, epoch))

        def _with_overlay(self, content: bytes, failure: BuildFailure | None) -> bytes:
            if failure is None:
                return content
            return insert_before_body_end(content, overlay_html(failure, self.preview.edit_url))

        def _error_page(self, code: int) -> bytes | None:
            """The site's own page for `code` (its 404.html), live-reloading and showing a failed build's errors."""
            failure = self.preview.failure
            epoch = self._visible_epoch
            if failure is not None and not self.preview.good:
                return self._standalone(failure, epoch)
            page = os.path.join(self.root, f"{code}.html")
            if not os.path.isfile(page):
                return None
            with open(page, "rb") as handle:
                content = handle.read()
            # A page missing now may be made by the next rebuild: the script reloads it then.
            return self._with_overlay(self._inject_js_into_html(content, epoch), failure)

    return PreviewServer


_LIVERELOAD = re.compile(r"/livereload/[0-9]+/[0-9]+")
"""The path of the live-reload script's poll, which MkDocs' server answers (see `_server_class`)."""


def _failure(exc: Exception, plugin: Any) -> BuildFailure:
    """The failure of a rebuild that raised `exc`: the check's errors if the plugin kept them, else `exc`'s message."""
    from mkdocs.exceptions import Abort

    # MkDocs logs a plugin's error and raises "Aborted with a BuildError!" from it: the plugin's says more.
    cause = exc.__context__ if isinstance(exc, Abort) and isinstance(exc.__context__, Exception) else exc
    return failure_of(getattr(plugin, "failed", None), str(cause) or type(cause).__name__)


def _edit_links(config: MkDocsConfig) -> EditUrl:
    """The edit URL of each file of the project, from `repo_url` and `edit_uri` (the plugin's rule)."""
    if not (config.repo_url and config.edit_uri):
        return no_edit_links
    root = Path(config.config_file_path or ".").resolve().parent
    return EditLinks(root, Path(config.docs_dir), config.repo_url, config.edit_uri)


class _DirtyWarningFilter(logging.Filter):
    """Hides MkDocs' warning that dirty builds may be inaccurate: the dependency rules make them exact."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "A 'dirty' build is being performed" not in record.getMessage()


def serve(config_file: str, *, dev_addr: str | None = None, poll: bool = False,
          open_in_browser: bool = False) -> None:
    """Serve the desk with live reload, rebuilding only what each edit changes (see the module doc).

    A build that fails does not stop the preview, not even the first: the browser shows its errors
    (`errors`) over the last good site, or instead of any page while there is none.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

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
    preview = _Preview()

    def builder(config=None) -> None:  # type: ignore[no-untyped-def]
        nonlocal built
        if built:
            collector.before_build()
        plugin = None
        try:
            log.info("Building the preview ...")
            config = config or get_config()
            preview.edit_url = _edit_links(config)
            plugin = config.plugins.get("briefgen")
            if plugin is not None:
                plugin.failed = None  # what a build that fails before the check leaves is not this build's
            build(config, serve_url=serve_url, dirty=True)
        except Exception as exc:
            # Recorded, not raised: MkDocs' server then counts the build as done, so no request waits for
            # a good one and the browsers reload to show the errors.
            preview.failure = _failure(exc, plugin)
            if not isinstance(exc, MkDocsException | jinja2.TemplateError):
                log.exception("briefgen: the preview build failed")  # a bug: the traceback helps
            shown = "over the last good site" if preview.good else "instead of the site"
            log.error(f"briefgen: the build failed; the browser shows why, {shown}, until a build succeeds")
        else:
            preview.failure = None
            preview.good = True
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

    server = _server_class()(preview, builder=builder, host=host, port=port, root=site_dir, mount_path=mount_path)
    if not poll:
        server.observer = _change_observer()  # inotify on Linux, FSEvents on macOS
    server.build_delay = 0.05  # editors write a file in one go; MkDocs waits 0.1 s for more events

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
