"""What a page is before it is rendered: its address, title, template and the view that fills it.

Shared by `render` (which lists the pages) and the modules that make pages of one type (`briefings`),
so that neither imports the other for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..desk.model import EntityKey


class Listing(StrEnum):
    """What a page that no single article or entity owns lists. The preview decides from it which
    of these pages an edit changes (`preview.rules`); a page it has no rule for is always rendered again."""

    HOME = "home"
    """The home briefing."""
    ARTICLES = "articles"
    """The article archive's first page."""
    MONTH = "month"
    """A month of the archive."""
    ENTITY_INDEX = "entity-index"
    """A page of the index of one kind of entity (`PageSpec.index_kind`)."""
    SEARCH = "search"
    """The search page: the same whatever the content."""
    BRIEFING = "briefing"
    """A day's briefing (`briefings.briefing_pages`): its articles and its editor's note."""
    BRIEFINGS = "briefings"
    """A page of the briefing archive: days, newest first."""
    TIMELINE = "timeline"
    """A page of the timeline of events (`timeline.timeline_pages`): the whole of it, or a year."""


@dataclass(frozen=True)
class PageSpec:
    """One page to generate: where it goes, what it is called and how to fill it."""

    src_uri: str
    title: str
    template: str
    description: str
    source_path: str | None
    """Content file the page comes from, for "edit this page"."""
    view: Callable[[Any], dict[str, Any]]
    """Builds the view data with the renderer that renders the page (`render.SiteRenderer`); called only then."""
    updated: dt.date | None = None
    """Last change, from the content (sitemap `lastmod`); None means the newest article's date."""
    hide: tuple[str, ...] = ()
    """Theme parts to hide (Material's `hide:` front matter), e.g. the sidebar on the home page."""
    feed_folder: str | None = None
    """Site-relative folder of this page's own feeds, if it has any."""
    og_type: str = "website"
    """Open Graph type: `article` for briefs, `profile` for people, `website` otherwise."""
    owner: EntityKey | None = None
    """The article or entity the page presents (all of an entity's coverage pages share it)."""
    number: int = 1
    """Page number within a paged list (an entity's coverage, an index)."""
    listing: Listing | None = None
    """For a page no article or entity owns: what it lists."""
    index_kind: str | None = None
    """For an entity index page: the kind of entity it lists."""
    search_boost: float | None = None
    """Rank in site search: entity profiles come first for a name. 0 keeps listings (home, indexes,
    archives, coverage pages) out of the index: they repeat what articles and profiles hold, and
    leaving them out keeps the index from growing faster than the content."""


KeptPages = dict[EntityKey, tuple[tuple[Any, ...], list[PageSpec]]]
"""An article's or entity's pages, with what they were made from (see `SiteRenderer.pages`)."""
