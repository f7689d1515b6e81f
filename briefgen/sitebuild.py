"""One MkDocs build of the site: what the briefgen plugin's hooks delegate to.

MkDocs asks for files, page Markdown and page HTML; a `SiteBuild` answers from the model.
Generated pages are virtual files (nothing is written into `content/`), enter MkDocs with empty
Markdown, and get their HTML from the Jinja templates, so Python-Markdown never parses a generated
page. A build hands work to forked workers (`speed.workers`): pages rendered ahead, the feeds and
API documents, the search index. In the preview, `preview.rules` chooses which pages a rebuild
renders again.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from .desk.diagnostics import Severity, summary_line
from .desk.model import EntityKey
from .desk.pipeline import Result
from .desk.project import Project, files_stamp
from .options import BriefgenConfig
from .pages import urls
from .pages.api import document_path
from .pages.briefings import sections_from, unknown_topics
from .pages.feeds import feed_folder_of, feed_links
from .pages.head import SCRIPT_URI, head_tags
from .pages.jsonld import StructuredData
from .pages.outputs import SiteOutput, write_feeds_and_api
from .pages.render import PageSpec, RenderOptions, SiteRenderer, TemplateProblem, default_templates_dir
from .pages.search import SearchIndexError, SearchIndexJob
from .pages.sources import content_prefix, is_content_source
from .pages.urls import EditLinks
from .preview.rules import Snapshot, pages_to_rebuild, render_settings, same_settings
from .preview.state import AfterReload, PreviewState
from .speed.workers import Forked, Prerendered, WorkerError, can_fork, default_jobs

log = logging.getLogger("mkdocs.plugins.briefgen")

CSS_URI = "assets/briefgen.css"
#: The id of the element around a generated page's content: where the theme's skip link goes.
SKIP_TARGET = "bg-content"
#: Every stylesheet briefgen adds (from templates/assets/), in the order pages load them: the charts' rules
#: (`pages/pictures.py`) in a file of their own.
CSS_URIS = (CSS_URI, "assets/pictures.css")
_EPOCH = dt.date(1970, 1, 1)
#: Added to the niceness of the workers writing feeds, API documents and the search index. Their output is
#: needed only at the end, while this process and the page workers are what the build waits for: at the
#: same priority, Pagefind's threads took part of this process's core while it wrote pages.
WRITER_NICENESS = 5


class SiteBuild:
    """Everything one build makes and runs: the checked desk, its pages, and the workers."""

    def __init__(self, options: BriefgenConfig, project: Project, config: MkDocsConfig, result: Result,
                 preview: PreviewState | None, fresh: set[str] | None) -> None:
        """Report `result`'s diagnostics, refuse a desk with errors, and plan the pages.

        `fresh` names the files a preview rebuild read again (None: every file).
        """
        self.options = options
        self.project = project
        self.preview = preview
        _report(result, fresh)
        if result.index is None:
            raise PluginError(f"briefgen: content has {summary_line(result.diagnostics)}; nothing was built")
        sections = sections_from(options.briefing_sections)
        for message in unknown_topics(sections, result.index.desk):
            log.warning(message)  # a section no article can fill is a typo; `strict` makes it fatal
        render_options = RenderOptions(config.use_directory_urls, options.page_size, options.home_articles,
                                       search_page=options.search_engine == "pagefind",
                                       base_path=urlsplit(config.site_url or "/").path or "/",
                                       briefing_sections=sections)
        template_dirs = [project.templates_dir, default_templates_dir()]
        self.renderer = SiteRenderer(result.index, template_dirs, render_options,
                                     preview.templates if preview is not None else None)
        kept = preview.pages if preview is not None else None
        self.specs = {spec.src_uri: spec for spec in self.renderer.pages(kept)}
        self.rebuild: set[str] | None = None
        """Pages to render in this preview rebuild; None renders every page."""
        self.pending: Snapshot | None = None
        if preview is not None:
            self._plan_preview(config, render_options)
        self.progress = Progress(len(self.specs) if self.rebuild is None else len(self.rebuild))
        self.writer: Forked[int] | None = None
        """Feeds and API documents being written by a worker process while MkDocs writes pages."""
        self.indexer: Forked[None] | None = None
        """The search index being made by a worker process (with Pagefind) while MkDocs writes pages."""
        self.search_pages: list[tuple[str, str, str]] = []
        self.search_job: SearchIndexJob | None = None
        self.after_reload: AfterReload | None = None
        """The feeds and API documents of a partial preview rebuild, written in a thread after it returns."""
        self.structured: StructuredData | None = None
        """The JSON-LD of article and entity pages, made when the first page is written."""
        # MkDocs asks for pages in this order; workers render the later ones meanwhile. Started here, not
        # when MkDocs lists files (which it does next, with one core idle): they need only the model.
        rendered = [spec for uri, spec in self.specs.items() if self._renders(uri)]
        self.prerendered: Prerendered[PageSpec, tuple[str, frozenset[EntityKey]]] | None = Prerendered(
            rendered, _uri_of, self._render, self._jobs(), _render_cost)

    def _plan_preview(self, config: MkDocsConfig, render_options: RenderOptions) -> None:
        """Choose the pages this preview rebuild renders: all of them, or those the edit can change."""
        assert self.preview is not None
        settings = render_settings(files_stamp(self.project.templates_dir), config.config_file_path, render_options,
                                   (self.options.search_engine, config.site_url))
        last = self.preview.last
        # Material's search indexes only the pages a build renders: with it, every page is rendered.
        partial = self.options.search_engine == "pagefind"
        if partial and last is not None and same_settings(last, settings):
            self.rebuild = pages_to_rebuild(last, self.renderer.index, self.specs)
            log.info(f"briefgen: re-rendering {len(self.rebuild):,} of {len(self.specs):,} pages")
        reads = dict(last.reads) if self.rebuild is not None and last is not None else {}
        self.pending = Snapshot(self.renderer.index, self.specs, settings, reads)

    def files(self, files: Files, config: MkDocsConfig) -> Files:
        """Drop content sources from the site and add a virtual file per generated page."""
        docs_dir = config.docs_dir  # read once: MkDocs' configuration answers each read through a descriptor
        prefix = content_prefix(self.project.content_dir, docs_dir)
        if prefix is not None:
            for file in list(files):
                if file.src_dir == docs_dir and is_content_source(file.src_uri, prefix):
                    files.remove(file)
        in_nav = {uri for item in (config.nav or []) for uri in _nav_uris(item)}
        for uri, spec in self.specs.items():
            existing = files.src_uris.get(uri)  # generated URIs are already POSIX: no path parsing
            if existing is not None:
                raise PluginError(f"briefgen: {existing.src_uri} in {config.docs_dir} would be replaced by the "
                                  f"generated page `{spec.title}`; rename or remove it")
            modified = self._renders(uri)
            if not (modified or uri in in_nav):
                continue  # the preview keeps serving this page from the last build
            inclusion = InclusionLevel.UNDEFINED if uri in in_nav else InclusionLevel.NOT_IN_NAV
            file = GeneratedPage.generated(config, uri, content="", inclusion=inclusion)
            file.modified = modified
            if uri not in in_nav:  # pages in the nav get theirs from MkDocs, with the nav's title
                TemplatePage(None, file, config)
            files.append(file)
        # briefgen's script is loaded by each generated page's head (`head.script_tag`), not by the theme.
        for uri in (*CSS_URIS, SCRIPT_URI):
            css = self.renderer.env.loader.get_source(self.renderer.env, uri)[0]  # type: ignore[union-attr]
            files.append(File.generated(config, uri, content=css))
        if self._forks():
            # The feeds and API documents need only the model, and MkDocs has cleaned the site folder by now.
            # Written from here on, they use the core the page workers leave idle (this process waiting for
            # a worker's pages, MkDocs copying files) instead of competing with the search index at the end.
            out = _output(config, self.renderer.options)
            self.writer = Forked(lambda: self._write_in_background(out))
        return files

    def _renders(self, uri: str) -> bool:
        """Whether this build renders the generated page `uri` (a preview rebuild renders only some)."""
        return self.rebuild is None or uri in self.rebuild

    def _jobs(self) -> int:
        if self.rebuild is not None:
            return 1  # a preview rebuild renders a few pages: forking would cost more than it saves
        return self.options.jobs or default_jobs()

    def _forks(self) -> bool:
        """Whether this build spreads its work over forked workers."""
        return self._jobs() > 1 and can_fork()

    def _render(self, spec: PageSpec) -> tuple[str, frozenset[EntityKey]]:
        return self.renderer.render(spec), self.renderer.last_reads

    def env(self, config: MkDocsConfig) -> None:
        """Every page is rendered: start the search index while MkDocs writes pages."""
        pages, self.search_pages = self.search_pages, []
        if not self._indexes_search():
            return
        if self._forks():
            # Handing pages to Pagefind gets a process of its own (not a thread here, nor one in the feed
            # writer), so that it never waits for another thread's turn at the interpreter lock while
            # Pagefind sits idle.
            self.indexer = Forked(lambda: self._index_search(config, pages))
        else:
            try:
                self.search_job = self._start_search(config, pages)
            except SearchIndexError as exc:
                raise PluginError(f"briefgen: {exc}") from exc

    def _start_search(self, config: MkDocsConfig, pages: list[tuple[str, str, str]]) -> SearchIndexJob:
        return SearchIndexJob(pages, Path(config.site_dir), str(config.theme.get("language") or "en"))

    def _index_search(self, config: MkDocsConfig, search: list[tuple[str, str, str]]) -> None:
        """A worker's share: the search index, made by Pagefind at the writers' lower priority."""
        os.nice(WRITER_NICENESS)  # Pagefind, started from here, inherits it
        job = self._start_search(config, search)
        # Stopped by the main process (its build failed): stop Pagefind too.
        signal.signal(signal.SIGTERM, lambda *_: (job.cancel(), os._exit(1)))
        job.wait()

    def page_markdown(self, markdown: str, page: Page, config: MkDocsConfig) -> str:
        """Give generated pages their title and description; they need no Markdown."""
        spec = self.spec(page)
        if spec is None:
            return markdown
        # Themes print the title and description unescaped (MkDocs assumes Markdown-derived titles);
        # these come from untrusted content, so they go in as HTML-escaped text.
        page.meta["title"] = html.escape(spec.title)
        page.meta["description"] = html.escape(spec.description)
        if spec.hide:
            page.meta["hide"] = list(spec.hide)
        page.edit_url = self._edit_url(spec, config)
        if spec.search_boost is not None:
            page.meta["search"] = {"exclude": True} if spec.search_boost == 0 else {"boost": spec.search_boost}
        # MkDocs would stamp the build date (sitemap lastmod); content dates keep builds reproducible.
        # Not before 1970: MkDocs stamps the gzipped sitemap with the newest of them, in an unsigned field.
        page.update_date = max(spec.updated or self.renderer.desk_date, _EPOCH).isoformat()
        return ""

    def page_content(self, content: str, page: Page) -> str:
        """Render a generated page through its Jinja template."""
        spec = self.spec(page)
        if spec is None:
            return content
        assert self.prerendered is not None
        try:
            content, reads = self.prerendered.get(spec)
        except (TemplateProblem, WorkerError) as exc:
            raise PluginError(f"briefgen: {exc}") from exc
        if self.pending is not None:
            self.pending.reads[spec.src_uri] = reads
        if self._indexes_search() and spec.search_boost != 0:
            self.search_pages.append((page.file.dest_uri, spec.title, content))
        self.progress.step()
        # Material links "Skip to content" to the first entry of the page's table of contents, which a generated
        # page has none of: a level-1 entry (the theme lists only its children) gives each page the skip link,
        # past the header, tabs and navigation, to the wrapper it names.
        page.toc = get_toc([{"level": 1, "id": SKIP_TARGET, "name": html.escape(spec.title), "children": []}])
        return f'<div id="{SKIP_TARGET}">{content}</div>'

    def _indexes_search(self) -> bool:
        """Whether this build makes the Pagefind index (a partial preview rebuild keeps the last one)."""
        return self.options.search_engine == "pagefind" and self.rebuild is None

    def post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        """Add feed links, sharing metadata (Open Graph, Twitter cards) and structured data (JSON-LD) to a
        generated page's head."""
        spec = self.spec(page)
        if spec is None or "</head>" not in output:
            return output
        structured = None
        if spec.owner is not None and spec.number == 1:  # an article's page, or an entry's profile
            if self.structured is None:
                self.structured = StructuredData(self.renderer.index, config.site_url, config.site_name,
                                                 config.use_directory_urls)
            structured, reads = self.structured.page(spec.owner, page.url, page.canonical_url)
            if self.pending is not None:  # what the JSON-LD shows, too, makes the preview render the page again
                self.pending.reads[spec.src_uri] = self.pending.reads.get(spec.src_uri, frozenset()) | reads
        tags = head_tags(spec, page.url, page.canonical_url, config.site_name, structured)
        return output.replace("</head>", tags + "</head>", 1)

    def post_build(self, config: MkDocsConfig) -> None:
        """Finish the feeds, the JSON API and the search index beside the pages (workers may have made them)."""
        self.progress.done()
        self.stop_workers(keep_writers=True)
        if not config.site_url:
            log.info("briefgen: set `site_url` in mkdocs.yml to publish feeds (they need absolute addresses)")
        out = _output(config, self.renderer.options)
        try:
            if self.writer is not None:
                count = self.writer.result()
            elif self.rebuild is not None:
                # The browser reloads once the build returns; the feeds and API documents of what a partial
                # rebuild re-rendered can follow.
                owners = {s.owner for uri in self.rebuild if (s := self.specs[uri]).owner}
                work = functools.partial(write_feeds_and_api, self.renderer.index, out, self.renderer.desk_date,
                                         owners)
                self.after_reload = AfterReload(work, "feed and API files")
                count = None
            else:
                count = write_feeds_and_api(self.renderer.index, out, self.renderer.desk_date)
            if self.indexer is not None:  # while it runs, a failure above leaves it to `stop_workers`
                indexer, self.indexer = self.indexer, None
                indexer.result()
        except WorkerError as exc:
            raise PluginError(f"briefgen: {exc}") from exc
        finally:
            self.writer = None
        if count is not None:
            log.info(f"briefgen: wrote {count} feed and API files")
        if self.preview is not None and self.pending is not None:
            self._finish_preview(config)
            if self.rebuild is not None:
                return  # the search index of the first preview build stays: re-indexing takes seconds
        if self.search_job is not None:
            job, self.search_job = self.search_job, None
            try:
                job.wait()
            except SearchIndexError as exc:
                raise PluginError(f"briefgen: {exc}") from exc

    def stop_workers(self, keep_writers: bool = False) -> None:
        """Stop page workers; unless `keep_writers`, also the feed writer and the search indexer."""
        if self.prerendered is not None:
            self.prerendered.close()
            self.prerendered = None
        self.search_pages = []
        if keep_writers:
            return
        for worker in (self.writer, self.indexer):
            if worker is not None:
                worker.cancel()
        self.writer = self.indexer = None
        if self.search_job is not None:
            self.search_job.cancel()
            self.search_job = None

    def _write_in_background(self, out: SiteOutput) -> int:
        """A worker's share: the feeds and API documents, at a lower priority than rendering pages."""
        os.nice(WRITER_NICENESS)
        return write_feeds_and_api(self.renderer.index, out, self.renderer.desk_date)

    def _finish_preview(self, config: MkDocsConfig) -> None:
        """Remove pages that no longer exist from the preview, and remember what this build rendered."""
        assert self.preview is not None
        site = Path(config.site_dir).resolve()
        last = self.preview.last
        gone = last.specs.keys() - self.specs.keys() if last else set()
        owners = {s.owner for uri in gone if (s := last.specs[uri]).owner} if last else set()
        if owners:  # (most rebuilds remove no page: no need to collect the owners of every page)
            owners -= {s.owner for s in self.specs.values()}
        stale = [File(uri, None, str(site), config.use_directory_urls).abs_dest_path for uri in sorted(gone)]
        for key in sorted(owners):  # deleted articles and entries: their API document and feeds too
            stale.append(str(site / document_path(key)))
            if key[0] != "article":
                folder = feed_folder_of(urls.page_url(urls.entity_uri(*key), config.use_directory_urls))
                stale += [str(site / link) for link in feed_links(folder).values()]
        for name in stale:
            target = Path(name).resolve()
            if target.is_relative_to(site) and target.is_file():
                target.unlink()
        self.preview.last = self.pending
        self.pending = None

    def _edit_url(self, spec: PageSpec, config: MkDocsConfig) -> str | None:
        """The source file of a generated page on the repository host ("edit this page")."""
        if not spec.source_path:
            return None
        return EditLinks(self.project.root, Path(config.docs_dir), config.repo_url, config.edit_uri)(spec.source_path)

    def spec(self, page: Page) -> PageSpec | None:
        """The generated page's spec; None for a page MkDocs made from a Markdown file."""
        if page.file.generated_by is None:
            return None
        return self.specs.get(page.file.src_uri)


def _report(result: Result, fresh: set[str] | None) -> None:
    """Log the diagnostics: errors always; in a preview rebuild, warnings only about files it read again."""
    quiet = 0
    for diagnostic in result.diagnostics:
        if diagnostic.severity is Severity.ERROR:
            log.error(diagnostic.format_text())
        elif fresh is None or diagnostic.path in fresh:
            log.info(diagnostic.format_text())
        else:
            quiet += 1
    if quiet:
        log.info(f"briefgen: {quiet:,} more warning(s) in unchanged files; `briefgen check` lists them all")


def _output(config: MkDocsConfig, options: RenderOptions) -> SiteOutput:
    return SiteOutput(Path(config.site_dir), config.site_url, config.site_name, config.use_directory_urls,
                      options.briefing_sections, options.page_size)


class GeneratedPage(File):
    """A generated page whose "modified" state comes from the preview's dependency rules.

    MkDocs' dirty builds skip unmodified files; for generated pages MkDocs would call every one
    modified, and for content files it would compare file times, which miss a page whose data
    changed in another file (a renamed person on the pages that mention them).
    """

    modified = True

    def is_modified(self) -> bool:
        """Whether this rebuild renders the page."""
        return self.modified


class TemplatePage(Page):
    """The page of a generated file: its HTML comes from a Jinja template, not from Markdown.

    MkDocs would set up a fresh Python-Markdown instance, with every extension, to convert each
    page's empty Markdown (see docs/performance.md).
    """

    def render(self, config: MkDocsConfig, files: Files) -> None:
        """Nothing to convert: the content comes in `on_page_content`."""
        self.content = ""
        self.toc = get_toc([])
        self.present_anchor_ids = set()


class Progress:
    """`rendered 2,500/14,187 pages, 9 s` on a terminal (an example of the line); nothing in CI logs or pipes."""

    EVERY = 250

    def __init__(self, total: int = 0) -> None:
        self.total = total
        self.count = 0
        self.started = time.monotonic()
        self.live = total > self.EVERY and sys.stderr.isatty() and not os.environ.get("CI")

    def step(self) -> None:
        """Count one rendered page."""
        self.count += 1
        if self.live and (self.count % self.EVERY == 0 or self.count == self.total):
            elapsed = time.monotonic() - self.started
            sys.stderr.write(f"\rbriefgen: rendered {self.count:,}/{self.total:,} pages, {elapsed:.0f} s")
            sys.stderr.flush()

    def done(self) -> None:
        """End the progress line."""
        if self.live and self.count:
            sys.stderr.write("\n")
            self.live = False


def _uri_of(spec: PageSpec) -> str:
    return spec.src_uri


def _render_cost(spec: PageSpec) -> float:
    # Relative rendering times measured on the demo desk: a profile lists connections, quotes and
    # events, and counts co-coverage; an article converts its body.
    if spec.owner is not None and spec.owner[0] != "article" and spec.number == 1:
        return 2.4
    return 1.0


def _nav_uris(item: Any) -> list[str]:
    if isinstance(item, str):
        return [item]
    if isinstance(item, dict):
        return [uri for value in item.values() for uri in _nav_uris(value)]
    if isinstance(item, list):
        return [uri for value in item for uri in _nav_uris(value)]
    return []
