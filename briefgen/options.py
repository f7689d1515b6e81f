"""The briefgen plugin's options in mkdocs.yml (`plugins: - briefgen: ...`)."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c


class BriefgenConfig(base.Config):
    """Options under `plugins: - briefgen:` in mkdocs.yml."""

    content_dir = c.Type(str, default="content")
    """Folder of articles and registries, relative to mkdocs.yml."""
    templates_dir = c.Type(str, default="templates")
    """Folder of the desk's own templates; a template found there replaces the built-in one."""
    drafts = c.Optional(c.Type(bool))
    """Build drafts? Unset: yes for `serve`, no for `build`."""
    page_size = c.Type(int, default=50)
    """Items per page in indexes and coverage lists."""
    home_articles = c.Type(int, default=10)
    """Articles on the home briefing."""
    search_engine = c.Choice(("pagefind", "material"), default="pagefind")
    """`pagefind` (chunked index, scales to large desks; a Search page) or `material` (the theme's search plugin)."""
    jobs = c.Type(int, default=0)
    """Processes that build and check: 0 for one per CPU (at most 4), 1 to do everything in the main process."""
