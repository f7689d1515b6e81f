"""RSS 2.0 and Atom feeds for the whole desk and for every entity, written with `feedgen`.

A feed item's id is the article's URL, which depends on its slug only: editing a title, updating or
correcting a brief never makes readers see an article twice. An update or correction moves the Atom
entry's `updated` (RSS has no such date: the item keeps its `pubDate`), and the item's HTML says what
changed. Feed dates come from the content, never from the clock.

The desk is the author of its briefs (Atom requires an author). The original article is not a feed, so it
is never a `<source>` (RSS and Atom both mean a feed by that): Atom links it with `rel="via"`, and, since
RSS has no such relation, each item's HTML links it as a page does.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..desk.index import DeskIndex
from ..desk.model import Article, BriefingNote, EntityKey, Source
from . import urls
from .body import BodyRenderer
from .briefings import BriefingDays, BriefingSection, briefing_title, file_articles, page_of
from .dates import format_date

#: Items per feed: readers poll often, so a feed needs only the latest news.
FEED_ITEMS = 30
RSS_NAME, ATOM_NAME = "feed.xml", "atom.xml"


def _given_name(source: Source) -> str:
    return source.name or source.slug or ""


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
    source_name: Callable[[Source], str] = _given_name
    """How items name a source: `Desk.source_name` (a source named by its outlet's slug alone gets the
    outlet's name)."""


def feed_specs(index: DeskIndex, site_name: str, directory_urls: bool = True) -> list[FeedSpec]:
    """The site feed and one feed per entity."""
    desk = index.desk
    specs = [FeedSpec("", site_name, f"The latest briefs from {site_name}.", "", desk.articles[:FEED_ITEMS],
                      site_name, source_name=desk.source_name)]
    for entity in desk.all_entities():
        page = urls.page_url(urls.entity_uri(entity.kind, entity.slug), directory_urls)
        # As the entity's page lists it: an event's own coverage and its sub-events'; a source's, the
        # articles drawn from it.
        specs.append(FeedSpec(feed_folder_of(page), f"{entity.name} · {site_name}", f"Briefs on {entity.name}.", page,
                              index.coverage_of(entity.key)[:FEED_ITEMS], site_name, entity.key, desk.source_name))
    return specs


def feed_folder_of(page_url: str) -> str:
    """The folder holding a page's feeds: the page's own folder (`people/x/` for `people/x.html` too)."""
    return page_url if page_url.endswith("/") else page_url[: -len(".html")] + "/"


def feed_links(folder: str) -> dict[str, str]:
    """Site-relative addresses of the RSS and Atom feeds in `folder`."""
    return {"rss": f"{folder}{RSS_NAME}", "atom": f"{folder}{ATOM_NAME}"}


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def changed_moment(article: Article) -> dt.datetime:
    """When the brief last changed (`Article.last_changed`) as a moment: its publication, or the start (UTC)
    of the day of its latest update or correction, never before its publication."""
    day = article.last_changed
    if day == article.date:
        return article.moment
    return max(article.moment, _moment(day))


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


def _item_html(article: Article, name_of: Callable[[Source], str], outlet_url: Callable[[str], str]) -> str:
    """What a reader sees of an item: the brief with its points, why it matters, what is next, its source,
    and the update and corrections made since it was published. Every value from the content is escaped."""

    def cite(source: Source) -> str:
        name = html.escape(name_of(source))
        # The original article; without one, the outlet's page on this site.
        href = _iri(source.url) if source.url else outlet_url(source.slug) if source.slug else None
        return f'<a href="{html.escape(href)}">{name}</a>' if href else name

    points = "".join(
        f"<li>{html.escape(point)}{f' ({cite(own)})' if (own := article.point_sources.get(n)) else ''}</li>"
        for n, point in enumerate(article.key_points))
    parts = [f"<p>{html.escape(article.summary)}</p><ul>{points}</ul>"]
    if article.why_it_matters:
        parts.append(f"<p><strong>Why it matters:</strong> {html.escape(article.why_it_matters)}</p>")
    if article.whats_next:
        parts.append(f"<p><strong>What’s next:</strong> {html.escape(article.whats_next)}</p>")
    parts.append(f"<p>Source: {cite(article.source)}</p>")
    if article.updated:
        parts.append(f"<p><em>Updated {format_date(article.updated)}.</em></p>")
    parts += [f"<p><strong>Correction, {format_date(c.date)}:</strong> {html.escape(c.text)}</p>"
              for c in article.corrections]
    return "".join(parts)


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
    newest = max((changed_moment(article) for article in spec.articles), default=_moment(updated))
    gen.lastBuildDate(newest)
    gen.updated(newest)

    def outlet_url(slug: str) -> str:
        return site_url + urls.page_url(urls.entity_uri("source", slug), directory_urls)

    for article in spec.articles:
        url = site_url + urls.page_url(urls.entity_uri("article", article.slug), directory_urls)
        entry = gen.add_entry(order="append")
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(article.title)
        entry.link(href=url)
        entry.register_extension("via", _Via, atom=True, rss=False)
        if article.source.url:  # a source named by its outlet alone has no original article to link
            entry.via.link = {"rel": "via", "href": _iri(article.source.url), "title": spec.source_name(article.source)}
        entry.published(article.moment)
        entry.updated(changed_moment(article))
        item = _item_html(article, spec.source_name, outlet_url)
        entry.description(item)
        entry.content(item, type="html")
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


def render_briefing_feed(index: DeskIndex, sections: Sequence[BriefingSection], site_name: str, site_url: str,
                         updated: dt.date, directory_urls: bool, page_size: int) -> tuple[bytes, bytes]:
    """The RSS and Atom documents of the feed of daily briefings (`briefings/feed.xml`, `…/atom.xml`).

    One item per day, the latest `FEED_ITEMS` days. An item's id is the day's page, which depends on the
    date only; its `updated` follows the latest update or correction of the day's articles. Its HTML is the
    editor's note (sanitised as on the page, without links) and what the first page of the day's briefing
    lists (`page_size` briefs), then a link to the rest, every text escaped.
    """
    from feedgen.feed import FeedGenerator  # see render_feed

    plan = BriefingDays.of(index.desk)
    bodies = BodyRenderer(index.matcher)
    page_url = urls.page_url(urls.briefings_uri(), directory_urls)
    links = feed_links(urls.BRIEFINGS_FEED_FOLDER)
    description = f"The daily briefings of {site_name}."
    gen = FeedGenerator()
    gen.id(site_url + page_url)
    gen.title(f"Briefings · {site_name}")
    gen.author({"name": site_name, "uri": site_url})
    gen.subtitle(description)
    gen.language("en")
    days = plan.days[:FEED_ITEMS]
    newest = max((_moment(plan.updated(day)) for day in days), default=_moment(updated))
    gen.lastBuildDate(newest)
    gen.updated(newest)
    for day in days:
        url = site_url + urls.page_url(urls.briefing_uri(day), directory_urls)
        entry = gen.add_entry(order="append")
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(briefing_title(day))
        entry.link(href=url)
        entry.published(_moment(day))
        entry.updated(_moment(plan.updated(day)))
        item = _briefing_html(plan.articles.get(day, ()), plan.notes.get(day), sections, bodies, site_url,
                              index.desk.source_name, directory_urls, page_size)
        entry.description(item)
        entry.content(item, type="html")
    alternate = {"href": site_url + page_url, "rel": "alternate"}
    gen.link([{"href": site_url + links["rss"], "rel": "self"}, alternate], replace=True)
    gen.description(html.escape(description))
    rss = gen.rss_str(pretty=True)
    gen.link([alternate, {"href": site_url + links["atom"], "rel": "self"}], replace=True)
    gen.subtitle(description)
    atom = gen.atom_str(pretty=True)
    return rss, atom


def _briefing_html(articles: Sequence[Article], note: BriefingNote | None, sections: Sequence[BriefingSection],
                   bodies: BodyRenderer, site_url: str, name_of: Callable[[Source], str],
                   directory_urls: bool, page_size: int) -> str:
    """A day's briefing as an item's HTML: the note, then each section's articles with their key points, as
    many as the first page of the day shows, and a link to the day's page for the rest."""
    parts = []
    if note is not None:
        # The note's links to entries would be relative to its page: in a feed it is linked to nothing.
        parts.append(f"<h2>{html.escape(note.title)}</h2>{bodies.render(note.body, set(), lambda key: '')}")
    for filed in page_of(file_articles(articles, sections), 1, page_size):
        items = []
        for article in filed.articles:
            url = site_url + urls.page_url(urls.entity_uri("article", article.slug), directory_urls)
            points = "".join(f"<li>{html.escape(p)}</li>" for p in article.key_points)
            source = name_of(article.source)
            why = f"<p>Why it matters: {html.escape(article.why_it_matters)}</p>" if article.why_it_matters else ""
            items.append(f'<li><a href="{html.escape(_iri(url))}">{html.escape(article.title)}</a>'
                         f"{f' ({html.escape(source)})' if source else ''}<ul>{points}</ul>{why}</li>")
        parts.append(f"<h3>{html.escape(filed.title)}</h3><ul>{''.join(items)}</ul>")
    if len(articles) > page_size:
        day = site_url + urls.page_url(urls.briefing_uri(articles[0].date), directory_urls)
        parts.append(f'<p><a href="{html.escape(_iri(day))}">All {len(articles):,} briefs of the day</a></p>')
    return "".join(parts)


def write_briefing_feed(index: DeskIndex, sections: Sequence[BriefingSection], site_dir: Path, site_url: str,
                        site_name: str, updated: dt.date, directory_urls: bool, page_size: int) -> int:
    """Write the feed of daily briefings into `site_dir`; returns how many files were written."""
    base = site_url if site_url.endswith("/") else site_url + "/"
    rss, atom = render_briefing_feed(index, sections, site_name, base, updated, directory_urls, page_size)
    folder = site_dir / urls.BRIEFINGS_FEED_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RSS_NAME).write_bytes(rss)
    (folder / ATOM_NAME).write_bytes(atom)
    return 2
