"""RSS 2.0 and Atom feeds for the whole desk and for every entity, written with `feedgen`.

A feed item's id is the article's URL, which depends on its slug only: editing a title never makes
readers see an article twice. Feed dates come from the content, never from the clock.

The desk is the author of its briefs (Atom requires an author). The original article is not a feed, so it
is never a `<source>` (RSS and Atom both mean a feed by that): Atom links it with `rel="via"`, and, since
RSS has no such relation, each item's HTML links it as a page does.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..desk.index import DeskIndex
from ..desk.model import Article, EntityKey
from . import urls

#: Items per feed: readers poll often, so a feed needs only the latest news.
FEED_ITEMS = 30
RSS_NAME, ATOM_NAME = "feed.xml", "atom.xml"


@dataclass(frozen=True)
class FeedSpec:
    """One feed: where it lives, what it is about and which articles it carries."""

    folder: str
    """Folder relative to the site root ("" for the site feed, `people/sergey-lavrov/` for a person)."""
    title: str
    description: str
    page_url: str
    """The page the feed follows, relative to the site root."""
    articles: Sequence[Article]
    author: str
    """Who writes the briefs: the desk's name (MkDocs' `site_name`)."""
    owner: EntityKey | None = None
    """The entity the feed follows; None for the site feed."""


def feed_specs(index: DeskIndex, site_name: str, directory_urls: bool = True) -> list[FeedSpec]:
    """The site feed and one feed per entity."""
    desk = index.desk
    specs = [FeedSpec("", site_name, f"The latest briefs from {site_name}.", "", desk.articles[:FEED_ITEMS],
                      site_name)]
    for entity in desk.all_entities():
        page = urls.page_url(urls.entity_uri(entity.kind, entity.slug), directory_urls)
        specs.append(FeedSpec(feed_folder_of(page), f"{entity.name} · {site_name}", f"Briefs on {entity.name}.", page,
                              index.coverage.get(entity.key, [])[:FEED_ITEMS], site_name, entity.key))
    return specs


def feed_folder_of(page_url: str) -> str:
    """The folder holding a page's feeds: the page's own folder (`people/x/` for `people/x.html` too)."""
    return page_url if page_url.endswith("/") else page_url[: -len(".html")] + "/"


def feed_links(folder: str) -> dict[str, str]:
    """Site-relative addresses of the RSS and Atom feeds in `folder`."""
    return {"rss": f"{folder}{RSS_NAME}", "atom": f"{folder}{ATOM_NAME}"}


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


#: Characters an address from the content may hold (it only has to be http(s) without whitespace) that no
#: IRI may: feeds with them fail validation, so they are percent-encoded, as a browser does before a request.
_NOT_IN_IRI = re.compile(r'[\x00-\x20"<>\\^`{|}\x7f]')


def _iri(url: str) -> str:
    return _NOT_IN_IRI.sub(lambda m: f"%{ord(m[0]):02X}", url)


class _Via:
    """A feedgen entry extension writing an Atom entry's `rel="via"` link to the original article.

    Not `entry.link(rel="via")`: feedgen 1.0 writes every entry link without its `rel` (its loop variable
    shadows the link), so the original article would become a second alternate of the entry.
    """

    def __init__(self) -> None:
        self.link: dict[str, str] = {}

    def extend_ns(self) -> dict[str, str]:
        return {}

    def extend_atom(self, entry: Any) -> Any:  # an lxml element; lxml is feedgen's, imported only with it
        if self.link:
            entry.append(entry.makeelement("link", self.link))
        return entry


def _item_html(article: Article) -> str:
    points = "".join(f"<li>{html.escape(p)}</li>" for p in article.key_points)
    source = f'<p>Source: <a href="{html.escape(_iri(article.source.url))}">{html.escape(article.source.name)}</a></p>'
    return f"<p>{html.escape(article.summary)}</p><ul>{points}</ul>{source}"


def render_feed(spec: FeedSpec, site_url: str, updated: dt.date, directory_urls: bool = True) -> tuple[bytes, bytes]:
    """The RSS and Atom documents of one feed; `site_url` ends with a slash."""
    # Imported here: feedgen and lxml are a twentieth of `briefgen check`'s start-up, and only builds write feeds.
    from feedgen.feed import FeedGenerator

    links = feed_links(spec.folder)
    gen = FeedGenerator()
    gen.id(site_url + spec.page_url)
    gen.title(spec.title)
    # Atom's only (RSS's author elements take an e-mail address): one author for the feed covers every entry.
    gen.author({"name": spec.author, "uri": site_url})
    # feedgen keeps one value for Atom's subtitle (text) and RSS's description, which readers render as
    # HTML: it is set for each format just before that format is written, escaped for RSS as items are.
    gen.subtitle(spec.description)
    gen.language("en")
    newest = max((article.moment for article in spec.articles), default=_moment(updated))
    gen.lastBuildDate(newest)
    gen.updated(newest)
    for article in spec.articles:
        url = site_url + urls.page_url(urls.entity_uri("article", article.slug), directory_urls)
        entry = gen.add_entry(order="append")
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(article.title)
        entry.link(href=url)
        entry.register_extension("via", _Via, atom=True, rss=False)
        entry.via.link = {"rel": "via", "href": _iri(article.source.url), "title": article.source.name}
        entry.published(article.moment)
        entry.updated(article.moment)
        entry.description(_item_html(article))
        entry.content(_item_html(article), type="html")
    alternate = {"href": site_url + spec.page_url, "rel": "alternate"}
    gen.link([{"href": site_url + links["rss"], "rel": "self"}, alternate], replace=True)
    gen.description(html.escape(spec.description))
    rss = gen.rss_str(pretty=True)
    gen.link([alternate, {"href": site_url + links["atom"], "rel": "self"}], replace=True)
    gen.subtitle(spec.description)
    atom = gen.atom_str(pretty=True)
    return rss, atom


def write_feeds(specs: Iterable[FeedSpec], site_dir: Path, site_url: str, updated: dt.date,
                directory_urls: bool = True) -> int:
    """Write every feed into `site_dir`; returns how many files were written."""
    base = site_url if site_url.endswith("/") else site_url + "/"
    count = 0
    for spec in specs:
        rss, atom = render_feed(spec, base, updated, directory_urls)
        folder = site_dir / spec.folder
        folder.mkdir(parents=True, exist_ok=True)
        (folder / RSS_NAME).write_bytes(rss)
        (folder / ATOM_NAME).write_bytes(atom)
        count += 2
    return count
