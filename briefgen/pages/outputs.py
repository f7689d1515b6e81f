"""The files written beside the pages: the JSON API and the feeds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..desk.index import DeskIndex
from ..desk.model import EntityKey
from .api import write_api
from .briefings import BriefingSection
from .feeds import feed_specs, write_briefing_feed, write_feeds


@dataclass(frozen=True)
class SiteOutput:
    """Where and how the site is written (from the MkDocs configuration)."""

    site_dir: Path
    site_url: str | None
    """The site's absolute address; feeds are written only with one."""
    site_name: str
    directory_urls: bool
    briefing_sections: tuple[BriefingSection, ...] = ()
    """The sections of the daily briefings (the feed of briefings files articles under them)."""
    page_size: int = 50
    """Articles on a page of a day's briefing, and so in the day's item of the feed of briefings."""


def write_feeds_and_api(index: DeskIndex, out: SiteOutput, desk_date: dt.date,
                        owners: set[EntityKey] | None = None) -> int:
    """Write the JSON API and (with a `site_url`) the feeds; returns how many files were written.

    With `owners`, only the site's and their own feeds and documents (and the API index).
    """
    count = write_api(index, out.site_dir, out.directory_urls, only=owners)
    if out.site_url:
        specs = feed_specs(index, out.site_name, out.directory_urls)
        if owners is not None:
            specs = [s for s in specs if s.owner is None or s.owner in owners]
        count += write_feeds(specs, out.site_dir, out.site_url, desk_date, out.directory_urls)
        # Like the site feed, written whatever a preview rebuild changed: a day's item may follow any article.
        count += write_briefing_feed(index, out.briefing_sections, out.site_dir, out.site_url, out.site_name,
                                     desk_date, out.directory_urls, out.page_size)
    return count
