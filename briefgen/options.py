"""The briefgen plugin's options in mkdocs.yml (`plugins: - briefgen: ...`)."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.base import ValidationError

from .settings import RANGES, in_range, sections_problem


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


class _Sections(c.BaseConfigOption[list[dict[str, object]]]):
    """`briefing_sections`: a list of `{title, topics}` (`settings.sections_problem` says what is wrong)."""

    def __init__(self) -> None:
        super().__init__()
        self.default = []

    def run_validation(self, value: object) -> list[dict[str, object]]:
        if value is None:  # `briefing_sections:` with nothing under it
            return []
        problem = sections_problem(value)
        if problem is not None:
            raise ValidationError(problem)
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
    """Items per page in indexes, coverage lists, the briefing archive and a day's briefing."""
    home_articles = _Count("home_articles", default=10)
    """Articles on the home briefing."""
    search_engine = c.Choice(("pagefind", "material"), default="pagefind")
    """`pagefind` (chunked index, scales to large desks; a Search page) or `material` (the theme's search plugin)."""
    jobs = _Count("jobs", default=0)
    """Processes that build and check: 0 for one per CPU (at most 4), 1 to do everything in the main process."""
    briefing_sections = _Sections()
    """The fixed sections of the daily briefings (`/briefings/YYYY-MM-DD/`), in order, each `{title, topics}`.

    An article goes under the first section holding a topic it is `about`, else the first holding any
    topic it lists, else under "Other news" (shown only when it has articles). Unset or empty: each day
    is one list, "Today's briefs". A slug that names no topic is reported as a warning (which `strict`
    makes fatal) when the site is built. See docs/briefings.md.
    """
