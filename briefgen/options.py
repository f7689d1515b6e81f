"""The briefgen plugin's options in mkdocs.yml (`plugins: - briefgen: ...`)."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.base import ValidationError

from .settings import RANGES, in_range


class _Count(c.Type):  # type: ignore[type-arg]
    """A whole number within the option's range (`settings.RANGES`); `true` is not a number here."""

    def __init__(self, name: str, default: int) -> None:
        super().__init__(int, default=default)
        self._name = name

    def run_validation(self, value: object) -> int:
        if not in_range(self._name, value):
            low, high = RANGES[self._name]
            raise ValidationError(f"Expected a whole number from {low} to {high}, but received: {value!r}")
        return value  # type: ignore[return-value]


class BriefgenConfig(base.Config):
    """Options under `plugins: - briefgen:` in mkdocs.yml."""

    content_dir = c.Type(str, default="content")
    """Folder of articles and registries, relative to mkdocs.yml."""
    templates_dir = c.Type(str, default="templates")
    """Folder of the desk's own templates; a template found there replaces the built-in one."""
    drafts = c.Optional(c.Type(bool))
    """Build drafts? Unset: yes for `serve`, no for `build`."""
    page_size = _Count("page_size", default=50)
    """Items per page in indexes and coverage lists."""
    home_articles = _Count("home_articles", default=10)
    """Articles on the home briefing."""
    search_engine = c.Choice(("pagefind", "material"), default="pagefind")
    """`pagefind` (chunked index, scales to large desks; a Search page) or `material` (the theme's search plugin)."""
    jobs = _Count("jobs", default=0)
    """Processes that build and check: 0 for one per CPU (at most 4), 1 to do everything in the main process."""
