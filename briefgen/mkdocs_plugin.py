"""The MkDocs plugin: MkDocs' build events, handed to the briefgen pipeline and one `SiteBuild`.

Each hook does one thing or delegates it: `on_pre_build` runs the pipeline (or takes the result
`briefgen build` already has, see `use_result`) and makes the build's `SiteBuild`, to which the
page, file and post-build hooks hand over.
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from .desk.diagnostics import Diagnostic
from .desk.pipeline import Result, run
from .desk.project import Project, UnsafeProjectPath, project_at
from .options import BriefgenConfig
from .pages.render import SiteRenderer
from .pages.sources import content_prefix
from .preview.state import PreviewState
from .sitebuild import CSS_URIS, SiteBuild


class BriefgenPlugin(BasePlugin[BriefgenConfig]):
    """Generates the briefing's pages from the content model."""

    supports_multiple_instances = False

    def __init__(self) -> None:
        self.command = "build"
        self.project: Project | None = None
        self.preview: PreviewState | None = None
        """Set while `briefgen serve` runs: what lets a rebuild render only the pages an edit changed."""
        self.site: SiteBuild | None = None
        """The current (or last) build."""
        self.failed: list[Diagnostic] | None = None
        """The diagnostics of the last build, if its content had errors (so nothing was built); else None.

        The preview shows them in the browser; a build that gets past the check clears them.
        """
        self._given: Result | None = None

    def use_result(self, result: Result) -> None:
        """Build from `result` (a `pipeline.run` with `stamped=True`) instead of running the pipeline
        again, if the content is still what it was checked as: `briefgen build` checks first."""
        self._given = result

    def content_sources_prefix(self, docs_dir: str) -> str | None:
        """How the source URIs of content files in `docs_dir` begin (`pages.sources.content_prefix`)."""
        return None if self.project is None else content_prefix(self.project.content_dir, docs_dir)

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Remember whether this is a preview (which shows drafts) and whether it may rebuild in part."""
        self.command = command
        # A dirty build keeps the last build's files, so pages left out of a rebuild stay served.
        self.preview = PreviewState() if command == "serve" and dirty else None

    def on_shutdown(self) -> None:
        """Let the last preview rebuild's feeds and API documents be written."""
        self.wait_after_reload()

    def wait_after_reload(self) -> None:
        """Wait for the work the last preview rebuild left until after the browser reloaded."""
        after = self.site.after_reload if self.site is not None else None
        if after is not None:
            self.site.after_reload = None  # type: ignore[union-attr]
            if not after.wait() and self.preview is not None:
                self.preview.last = None  # the next build renders and writes everything again

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Resolve folders, add the navigation, the stylesheet and the folders to watch."""
        root = Path(config.config_file_path or ".").resolve().parent
        try:
            self.project = project_at(root, self.config.content_dir, self.config.templates_dir)
        except UnsafeProjectPath as exc:
            raise PluginError(f"briefgen: {exc}") from exc
        if not config.nav:
            config.nav = SiteRenderer.static_nav(search_page=self.config.search_engine == "pagefind")
        for uri in CSS_URIS:
            if uri not in config.extra_css:
                config.extra_css.append(uri)
        private_theme_defaults(config)
        for folder in (self.project.content_dir, self.project.templates_dir):
            if folder.is_dir() and str(folder) not in config.watch:
                config.watch.append(str(folder))
        return config

    def on_pre_build(self, config: MkDocsConfig) -> None:
        """Run the pipeline; content errors stop the build before anything is written (and are kept in `failed`)."""
        assert self.project is not None
        self.failed = None
        self.wait_after_reload()
        self.site = None
        drafts = self.config.drafts if self.config.drafts is not None else self.command == "serve"
        fresh: set[str] | None = None  # files read again in this preview rebuild; None: all
        given, self._given = self._given, None
        if self.preview is not None:
            last = self.preview.last
            result = self.preview.pipeline.run(self.project, drafts=drafts, previous=last and last.index)
            if last is not None:
                fresh = self.preview.pipeline.recomputed
        elif given is not None and given.still_current(self.project, drafts=drafts):
            result = given
        else:
            result = run(self.project, drafts=drafts)
        # Kept before SiteBuild refuses the desk: its error carries a count, the preview shows each one.
        self.failed = list(result.diagnostics) if result.index is None else None
        self.site = SiteBuild(self.config, self.project, config, result, self.preview, fresh)

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        """Drop content sources from the site and add a virtual file per generated page."""
        assert self.site is not None
        return self.site.files(files, config)

    def on_env(self, env: jinja2.Environment, *, config: MkDocsConfig, files: Files) -> jinja2.Environment:
        """Every page is rendered: start the search index while MkDocs writes pages.

        In the preview, also keep the theme's compiled templates from one rebuild to the next.
        """
        if self.preview is not None and env.bytecode_cache is None:
            env.bytecode_cache = self.preview.templates
        if self.preview is None:
            # Every page and its content now lives until the build ends; keeping them out of the cyclic
            # collector's later passes saves it walking them again and again while pages are written.
            gc.freeze()
        if self.site is not None:
            self.site.env(config)
        return env

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Give generated pages their title and description; they need no Markdown."""
        return markdown if self.site is None else self.site.page_markdown(markdown, page, config)

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Render a generated page through its Jinja template."""
        return html if self.site is None else self.site.page_content(html, page)

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        """Add feed links and sharing metadata (Open Graph, Twitter cards) to a generated page's head."""
        return output if self.site is None else self.site.post_page(output, page, config)

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Finish the feeds, the JSON API and the search index beside the pages (workers may have made them)."""
        if self.site is not None:
            self.site.post_build(config)

    def on_build_error(self, *, error: Exception) -> None:
        """Stop the worker processes of a build that failed."""
        if self.site is not None:
            self.site.stop_workers()


#: Material's colours when mkdocs.yml chooses none: light or dark as the reader's system prefers, looked up
#: on each visit (Material keeps a choice between light and dark alone from the first visit on), until
#: they choose one with the toggle.
AUTO_PALETTE: tuple[Mapping[str, Any], ...] = (
    {"media": "(prefers-color-scheme)", "primary": "indigo", "accent": "indigo",
     "toggle": {"icon": "material/brightness-auto", "name": "Switch to light mode"}},
    {"media": "(prefers-color-scheme: light)", "scheme": "default", "primary": "indigo", "accent": "indigo",
     "toggle": {"icon": "material/brightness-7", "name": "Switch to dark mode"}},
    {"media": "(prefers-color-scheme: dark)", "scheme": "slate", "primary": "indigo", "accent": "indigo",
     "toggle": {"icon": "material/brightness-4", "name": "Switch to the system's preference"}},
)
#: What Material loads from Google Fonts unless told otherwise.
_MATERIAL_FONT = {"text": "Roboto", "code": "Roboto Mono"}


def private_theme_defaults(config: MkDocsConfig) -> None:
    """Material without Google Fonts (the system's fonts instead: every page would tell Google who reads it,
    and fail offline) and following the reader's light or dark preference, unless mkdocs.yml chooses
    `theme.font` or `theme.palette` itself."""
    theme = config.theme
    if theme.name != "material":
        return
    given = _given_theme_keys(config)
    font_chosen = "font" in given if given is not None else theme.get("font") != _MATERIAL_FONT
    if not font_chosen:
        theme["font"] = False
    if not theme.get("palette"):
        theme["palette"] = [dict(option) for option in AUTO_PALETTE]


def _given_theme_keys(config: MkDocsConfig) -> set[str] | None:
    """The `theme` keys mkdocs.yml (and the command line) set; None where MkDocs no longer keeps them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # MkDocs 1.6 keeps them, and warns it may not
        patches = getattr(config, "user_configs", None)
    if patches is None:
        return None
    keys: set[str] = set()
    for patch in patches:
        theme = patch.get("theme")
        if isinstance(theme, Mapping):
            keys |= set(theme)
    return keys
