"""Stage 5, render: the list of pages, their view data, and their HTML from Jinja templates.

Templates receive ready-made view data (names, relative URLs, formatted
dates), never YAML or model internals, so a desk can restyle pages without
knowing Python. Rendering is pure: the same desk gives the same HTML.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from ..desk.index import DeskIndex, week_window
from ..desk.model import Article, Desk, Entity, EntityKey, Event, Org, Outlet, Person, Place, Role, Source
from ..desk.schema import ENTITY_KINDS, KINDS
from . import charts, urls
from .body import BodyRenderer
from .briefings import BriefingSection, briefing_pages, earlier_briefings, event_boxes, home_briefing
from .dates import format_date, format_span, month_label
from .feeds import feed_folder_of, feed_links
from .spec import KeptPages, Listing, PageSpec
from .timeline import timeline_pages


def default_templates_dir() -> Path:
    """The templates shipped with briefgen (inside the wheel, or at the root of a source checkout)."""
    package = Path(__file__).resolve().parent.parent  # briefgen/, which holds them in a wheel
    packaged = package / "templates"
    return packaged if packaged.is_dir() else package.parent / "templates"


class TemplateProblem(Exception):
    """A template failed to render a page: a problem in the (trusted) templates, named precisely."""

    def __init__(self, spec: PageSpec, error: Exception) -> None:
        where, line = getattr(error, "filename", None) or spec.template, getattr(error, "lineno", None)
        # Runtime errors carry no position, but Jinja puts template lines into the traceback.
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith(".html")]
        if line is None and frames:
            where, line = _shown_path(frames[-1].filename), frames[-1].lineno
        location = f"{where}:{line}" if line else where
        if isinstance(error, jinja2.TemplateError):
            what = error.message or str(error)
        else:  # an expression in the template raised (a division by zero, a method of the wrong type)
            what = f"{type(error).__name__}: {error}"
        super().__init__(f"template {location}: {what} (rendering {spec.src_uri})")


def _shown_path(filename: str) -> str:
    """A template's file as a message names it: relative to the working folder (the project) if inside it."""
    path = Path(filename)
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass(frozen=True)
class RenderOptions:
    """Presentation settings from the plugin configuration."""

    directory_urls: bool = True
    page_size: int = 50
    home_articles: int = 10
    search_page: bool = True
    """Generate the Pagefind search page (when Pagefind is the search engine)."""
    base_path: str = "/"
    """Path of the site root on its host (from `site_url`), which Pagefind's results link under."""
    briefing_sections: tuple[BriefingSection, ...] = ()
    """The fixed sections of the daily briefings (`briefing_sections`); none: a day is one list."""


#: How a source's page names what it is (`schema.SOURCE_KINDS`).
OUTLET_KIND_LABELS: dict[str, str] = {
    "agency": "News agency", "broadcaster": "Broadcaster", "newspaper": "Newspaper", "magazine": "Magazine",
    "online": "Online publication", "state-media": "State media", "ministry": "Ministry", "other": "Other",
}

#: Related articles an article page lists.
RELATED_ARTICLES = 5

#: Entries a profile lists of each relation the registries give it: an event's sub-events and rolled-up
#: participants, a person's or place's events, a place's or organisation's people and parts. A long war's
#: tree, the most travelled minister's summits and a country's people grow with the desk; a page must not.
LIST_CAP = 100


#: People and events of the week the home page lists.
WEEK_LIST = 10


def _week_order(desk: Desk, key: EntityKey, window: tuple[dt.date, dt.date] | None) -> tuple[bool, int, str]:
    """Events of the week: those that began in it first, soonest first; then those that began before it
    (a war years old meets every week), the latest begun first; ties by slug."""
    event = desk.entity(key)
    assert isinstance(event, Event) and window is not None
    before = event.start < window[0]
    return before, -event.start.toordinal() if before else event.start.toordinal(), key[1]


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [items[:0]]


class SiteRenderer:
    """Knows every page of the site and renders any of them on demand."""

    def __init__(self, index: DeskIndex, template_dirs: Sequence[Path], options: RenderOptions,
                 bytecode_cache: jinja2.BytecodeCache | None = None) -> None:
        self.index = index
        self.desk = index.desk
        self.options = options
        loaders = [jinja2.FileSystemLoader(str(d)) for d in dict.fromkeys(template_dirs)]
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            bytecode_cache=bytecode_cache,
        )
        self.env.filters["date"] = format_date
        self._bodies = BodyRenderer(index.matcher)
        self._current = ""
        self._reads: set[EntityKey] = set()

    # --- the page list ---------------------------------------------------------------------------

    @property
    def desk_date(self) -> dt.date:
        """What "now" means for the site (`Desk.date`: the newest article's or editor's note's date), so that
        builds never read the clock."""
        return self.desk.date

    def pages(self, kept: KeptPages | None = None) -> list[PageSpec]:
        """Every page of the site, in a stable order.

        With `kept` (the preview's, from one rebuild to the next), an article or entity keeps its
        pages while what they are made from is unchanged: the article's model object; the entity's,
        its coverage and the options: making the pages of every unchanged article and entity again was a
        large part of a one-article rebuild. `kept` is updated to this desk.
        """
        specs = [self._home(), *self._article_indexes()]
        if self.options.search_page:
            specs.append(self._search_page())
        specs += briefing_pages(self)
        specs += timeline_pages(self)
        owned: KeptPages = {}

        def own(key: EntityKey, inputs: tuple[Any, ...], make: Callable[[], list[PageSpec]]) -> list[PageSpec]:
            found = kept.get(key) if kept is not None else None
            # Tuples and lists compare item by item, identity first: an unchanged model object or coverage
            # list costs a pointer comparison, and an equal one (a file saved as it was) makes the same pages.
            if found is None or found[0] != inputs:
                found = (inputs, make())
            owned[key] = found
            return found[1]

        for article in self.desk.articles:
            specs += own(article.key, (article,), lambda a=article: [self._article_page(a)])
        for kind in ENTITY_KINDS:
            specs += self._entity_indexes(kind)
            for entity in self.desk.entities[kind].values():
                # The pages are cut from the list as pages show it (`page_coverage`: about-first, which the
                # articles of the coverage decide; for an event, rolled up from its sub-events; for a source,
                # with the articles citing it in a key point). An event's page also says its status, which
                # follows the desk's date.
                inputs: tuple[Any, ...] = (entity, self.index.page_coverage(entity.key), self.options)
                if kind == "event":
                    inputs += (self.desk.date,)
                specs += own(entity.key, inputs, lambda e=entity: self._entity_pages(e))
        if kept is not None:
            kept.clear()
            kept.update(owned)
        return specs

    @staticmethod
    def static_nav(search_page: bool = True) -> list[dict[str, str]]:
        """The navigation: the home page (the latest briefing), the briefing archive, one index per kind, the
        timeline of events and the search page. The home tab is "Home", not "Briefing": beside "Briefings" the
        two read as one."""
        nav = [{"Home": urls.HOME}, {"Briefings": urls.briefings_uri()}, {"Articles": urls.index_uri("article")}] + [
            {KINDS[k].plural: urls.index_uri(k)} for k in ENTITY_KINDS
        ] + [{"Timeline": urls.timeline_uri()}]
        return [*nav, {"Search": urls.SEARCH}] if search_page else nav

    def _search_page(self) -> PageSpec:
        def view(r: SiteRenderer) -> dict[str, Any]:
            return {"bundle": urls.relative_url(r._current, "pagefind/"), "base_path": r.options.base_path}

        return PageSpec(urls.SEARCH, "Search", "search.html", "Search every brief, person, event and place.",
                        None, view, hide=("navigation", "toc"), listing=Listing.SEARCH, search_boost=0.0)

    def render(self, spec: PageSpec) -> str:
        """The HTML of one page (the part inside the theme's content area)."""
        self._current = urls.page_url(spec.src_uri, self.options.directory_urls)
        self._reads = set()
        view = spec.view(self)
        try:
            template = self.env.get_template(spec.template)
            return template.render(**view, page_title=spec.title, home_url=self._url(urls.HOME))
        except Exception as exc:  # templates are trusted, but a mistake in one must not end in a traceback
            raise TemplateProblem(spec, exc) from exc

    @property
    def last_reads(self) -> frozenset[EntityKey]:
        """The articles and entities whose data the last rendered page shows: its inputs.

        The preview server re-renders a page only when one of these (or a rule in `preview`) says
        it may have changed.
        """
        return frozenset(self._reads)

    # --- links -----------------------------------------------------------------------------------

    def _url(self, src_uri: str) -> str:
        return urls.relative_url(self._current, urls.page_url(src_uri, self.options.directory_urls))

    def _follow(self, folder: str) -> dict[str, str]:
        return {k: urls.relative_url(self._current, v) for k, v in feed_links(folder).items()}

    def _href(self, key: EntityKey) -> str:
        return self._url(urls.entity_uri(*key))

    def _card(self, key: EntityKey, note: str = "", count: int | None = None) -> dict[str, Any]:
        self._reads.add(key)
        entity = self.desk.get(key)
        name = entity.name if entity else key[1]
        # An event's status as of the desk's date (never the clock), shown wherever the event is.
        status = entity.status_on(self.desk.date) if isinstance(entity, Event) else None
        return {"name": name, "url": self._href(key) if entity else "", "kind": key[0],
                "kind_label": KINDS[key[0]].label, "note": note, "count": count, "status": status}

    def _cards(self, keys: Iterable[EntityKey], day: dt.date | None = None) -> list[dict[str, Any]]:
        """Cards of `keys`, people with the role they held on `day` (their current one without)."""
        return [self._card(k, self._note(k, day)) for k in keys]

    def _capped(self, name: str, keys: Sequence[EntityKey]) -> dict[str, Any]:
        """`name`: the cards of the first `LIST_CAP` of `keys`; `name_more`: how many more are left out."""
        return {name: self._cards(keys[:LIST_CAP]), f"{name}_more": max(0, len(keys) - LIST_CAP)}

    def _card_on(self, key: EntityKey, day: dt.date | None) -> dict[str, Any]:
        """The card of one entry named next to an article or event of `day`."""
        return self._card(key, self._note(key, day))

    def _note(self, key: EntityKey, day: dt.date | None = None) -> str:
        """What a card says beside the name: a person's role (on `day` when given, so that an article of
        2024 names the minister of 2024), an event's dates, what kind of source an outlet is."""
        self._reads.add(key)
        entity = self.desk.get(key)
        if isinstance(entity, Person):
            role = entity.role_on(day) if day is not None else entity.current_role()
            return role.title if role else ""
        if isinstance(entity, Event):
            return format_span(entity.start, entity.end, entity.ongoing)
        if isinstance(entity, Outlet) and entity.outlet_kind:
            return OUTLET_KIND_LABELS.get(entity.outlet_kind, "")
        return ""

    def _source_item(self, source: Source) -> dict[str, Any]:
        """A source as pages name it: its name, its outlet's page (if it has an entry) and the original's address."""
        outlet = ("source", source.slug) if source.slug else None
        if outlet:
            self._reads.add(outlet)  # its name, when the article gives none, and its page
        page = self._href(outlet) if outlet and self.desk.get(outlet) else ""
        return {"name": self.desk.source_name(source), "page": page, "url": source.url or ""}

    def _article_item(self, article: Article, key: EntityKey | None = None, *,
                      people: bool = False) -> dict[str, Any]:
        """An article in a list. With `people`, the people it names with the role each held on its date."""
        self._reads.add(article.key)
        if article.source.slug:
            self._reads.add(("source", article.source.slug))
        sentence = self.index.mention_sentence(article, key) if key else None
        item = {
            "title": article.title,
            "url": self._href(article.key),
            "date": format_date(article.date),
            "iso_date": article.date.isoformat(),
            "updated": format_date(article.updated),
            "source": self.desk.source_name(article.source),
            "summary": article.summary,
            "key_points": list(article.key_points),
            "sentence": sentence,
        }
        if people:
            item["people"] = [self._card_on(("person", s), article.date) for s in article.refs["person"]]
        return item

    def _quote_items(self, key: EntityKey, limit: int = 20) -> list[dict[str, Any]]:
        # The speaker is named with the role held when the quoting article was published.
        return [
            {"text": ref.quote.text, "context": ref.quote.context,
             "by": self._card_on(("person", ref.quote.by), ref.article.date),
             "article": self._article_item(ref.article)}
            for ref in self.index.quotes.get(key, [])[:limit]
        ]

    # --- home and indexes ------------------------------------------------------------------------

    def _home(self) -> PageSpec:
        def view(r: SiteRenderer) -> dict[str, Any]:
            window = week_window(r.desk)
            # The latest briefing first (on a phone too: it leads the HTML), then what came before it.
            briefing = home_briefing(r)
            skip = briefing["count"] if briefing else 0  # its articles lead the desk (newest first)
            earlier = r.desk.articles[skip : skip + r.options.home_articles]
            ongoing, upcoming = event_boxes(r.desk)
            people: Counter[EntityKey] = Counter()
            events: set[EntityKey] = set()
            if window:
                for article in r.desk.articles:
                    if not window[0] <= article.date <= window[1]:
                        continue
                    people.update(("person", s) for s in article.refs["person"])
                # Events of the week are those whose dates meet the week, not every event this week's
                # articles mention (a war that began years ago is on its own page, and in the articles).
                for event in r.desk.entities["event"].values():
                    assert isinstance(event, Event)
                    end = event.end or (window[1] if event.ongoing else event.start)
                    if event.start <= window[1] and end >= window[0]:
                        events.add(event.key)
            ranked = sorted(people.items(), key=lambda p: (-p[1], p[0][1]))[:WEEK_LIST]
            week_events = sorted(events - {*ongoing, *upcoming}, key=lambda k: _week_order(r.desk, k, window))
            return {
                "window": {"start": format_date(window[0]), "end": format_date(window[1])} if window else None,
                "briefing": briefing,
                "briefings_url": r._url(urls.briefings_uri()),
                "earlier_briefings": earlier_briefings(r),
                "ongoing": r._cards(ongoing),
                "upcoming": r._cards(upcoming),
                "articles": [r._article_item(a) for a in earlier],
                # Each with a sparkline of the weeks before (`charts.spark`).
                "people": [{**(card := r._card(k, r._note(k), n)), "spark": charts.spark(r, k, card["name"])}
                           for k, n in ranked],
                # An event in the Ongoing or Upcoming box is not listed again.
                "events": r._cards(week_events[:WEEK_LIST]),
                "archive_url": r._url(urls.index_uri("article")),
                "follow": r._follow(""),
                "follow_briefings": r._follow(urls.BRIEFINGS_FEED_FOLDER),
                "counts": [{"label": KINDS[k].plural, "count": len(r.desk.entities[k]),
                            "url": r._url(urls.index_uri(k))} for k in ENTITY_KINDS],
            }

        return PageSpec(urls.HOME, "Briefing", "home.html",
                        "The latest briefing, ongoing and upcoming events, and the latest articles.",
                        None, view, hide=("navigation", "toc"), feed_folder="", listing=Listing.HOME, search_boost=0.0)

    def _article_indexes(self) -> list[PageSpec]:
        months: dict[tuple[int, int], list[Article]] = defaultdict(list)
        for article in self.desk.articles:
            months[(article.date.year, article.date.month)].append(article)
        ordered = sorted(months, reverse=True)

        def index_view(r: SiteRenderer) -> dict[str, Any]:
            return {
                "months": [{"label": month_label(y, m), "url": r._url(urls.month_uri(y, m)),
                            "count": len(months[(y, m)])} for y, m in ordered],
                "articles": [r._article_item(a) for a in r.desk.articles[: r.options.page_size]],
            }

        specs = [PageSpec(urls.index_uri("article"), "Articles", "articles_index.html",
                          "Every brief, month by month.", None, index_view, listing=Listing.ARTICLES, search_boost=0.0)]
        for position, (year, month) in enumerate(ordered):
            label = month_label(year, month)

            def month_view(r: SiteRenderer, year: int = year, month: int = month,
                           position: int = position) -> dict[str, Any]:
                newer = ordered[position - 1] if position > 0 else None
                older = ordered[position + 1] if position + 1 < len(ordered) else None
                return {
                    "label": month_label(year, month),
                    "articles": [r._article_item(a) for a in months[(year, month)]],
                    "newer": r._month_link(newer),
                    "older": r._month_link(older),
                    "index_url": r._url(urls.index_uri("article")),
                }

            specs.append(PageSpec(urls.month_uri(year, month), f"Articles of {label}", "articles_month.html",
                                  f"Briefs published in {label}.", None, month_view,
                                  updated=months[(year, month)][0].date, listing=Listing.MONTH, search_boost=0.0))
        return specs

    def _month_link(self, month: tuple[int, int] | None) -> dict[str, str] | None:
        if month is None:
            return None
        return {"label": month_label(*month), "url": self._url(urls.month_uri(*month))}

    def _entity_indexes(self, kind: str) -> list[PageSpec]:
        entities = list(self.desk.entities[kind].values())
        if kind == "event":
            entities.sort(key=lambda e: (-e.start.toordinal(), e.slug))  # type: ignore[attr-defined]
        else:
            entities.sort(key=lambda e: (e.name.casefold(), e.slug))
        chunks = _chunks(entities, self.options.page_size)
        label = KINDS[kind].plural
        specs = []
        for number, chunk in enumerate(chunks, start=1):

            def view(r: SiteRenderer, chunk: Sequence[Entity] = chunk, number: int = number) -> dict[str, Any]:
                groups: dict[str, list[dict[str, Any]]] = {}
                for entity in chunk:
                    if kind == "event":
                        heading = str(entity.start.year)  # type: ignore[attr-defined]
                    else:
                        heading = entity.name[:1].upper() if entity.name[:1].isalpha() else "#"
                    card = r._card(entity.key, r._note(entity.key), len(r.index.coverage.get(entity.key, [])))
                    groups.setdefault(heading, []).append(card)
                return {
                    "kind": kind,
                    "label": label,
                    "groups": [{"heading": h, "members": items} for h, items in groups.items()],
                    "pager": r._pager(lambda n: urls.index_uri(kind, n), number, len(chunks)),
                    "total": len(entities),
                    # The people's co-mention network on the first page; the events' timeline linked.
                    "network": charts.people_network(r) if kind == "person" and number == 1 else None,
                    "timeline_url": r._url(urls.timeline_uri()) if kind == "event" else "",
                }

            title = label if number == 1 else f"{label} (page {number})"
            specs.append(PageSpec(urls.index_uri(kind, number), title, "entity_index.html",
                                  f"All {label.lower()} in the briefing.", None, view, listing=Listing.ENTITY_INDEX,
                                  index_kind=kind,
                                  search_boost=0.0))
        return specs

    def _pager(self, uri: Callable[[int], str], number: int, total: int) -> dict[str, Any] | None:
        if total <= 1:
            return None
        return {
            "number": number,
            "total": total,
            "previous": self._url(uri(number - 1)) if number > 1 else None,
            "next": self._url(uri(number + 1)) if number < total else None,
        }

    # --- articles --------------------------------------------------------------------------------

    @staticmethod
    def _article_page(article: Article) -> PageSpec:
        def view(r: SiteRenderer) -> dict[str, Any]:  # from `article` and `r` alone: the page is kept (`pages`)
            day = article.date
            index = r.index
            body = r._bodies.render(article.body, set(article.covers()), r._href)
            # What the article is about comes first; each entry is listed once, and the source is the
            # source line's, not an entry among the people and places.
            main = set(article.about)
            covers = [{"label": "Main subjects", "main": True, "members": [r._card_on(k, day) for k in article.about]}]
            covers += [{"label": KINDS[kind].plural, "main": False, "members": members}
                       for kind in ENTITY_KINDS if kind != "source"
                       if (members := [r._card_on((kind, s), day) for s in article.refs[kind]
                                       if (kind, s) not in main])]
            event = index.main_event(article)
            older, newer = index.story_neighbours(article)
            # The story's previous and next are linked as such, not again among the related.
            story = {a.slug for a in (older, newer) if a is not None}
            related = [a for a in index.related_articles(article, RELATED_ARTICLES + len(story)) if a.slug not in story]
            return {
                "article": r._article_item(article),
                "source": r._source_item(article.source),
                "updated": {"date": format_date(article.updated), "iso_date": article.updated.isoformat()}
                if article.updated else None,
                "key_points": [{"text": text, "source": r._source_item(article.point_sources[n])
                                if n in article.point_sources else None}
                               for n, text in enumerate(article.key_points)],
                "why_it_matters": article.why_it_matters,
                "whats_next": article.whats_next,
                "corrections": [{"date": format_date(c.date), "iso_date": c.date.isoformat(), "text": c.text}
                                for c in article.corrections],
                "body": body,
                "draft": article.draft,
                "quotes": [{"text": q.text, "context": q.context, "by": r._card_on(("person", q.by), day)}
                           for q in article.quotes],
                "covers": [group for group in covers if group["members"]],
                "related": [r._article_item(a) for a in related[:RELATED_ARTICLES]],
                "story": {"event": r._card(event), "previous": r._article_item(older) if older else None,
                          "next": r._article_item(newer) if newer else None}
                if event is not None and (older or newer) else None,
                "month_url": r._url(urls.month_uri(article.date.year, article.date.month)),
            }

        return PageSpec(urls.entity_uri("article", article.slug), article.title, "article.html",
                        article.summary, article.path, view, updated=article.date, og_type="article",
                        owner=article.key)

    # --- entities --------------------------------------------------------------------------------

    def _entity_pages(self, entity: Entity) -> list[PageSpec]:
        # Made from the entity, its coverage as pages list it and the options alone (the views use the
        # renderer they get): see `pages`.
        coverage = self.index.page_coverage(entity.key)
        chunks = _chunks(coverage, self.options.page_size)
        profile_url = urls.page_url(urls.entity_uri(entity.kind, entity.slug), self.options.directory_urls)
        feed_folder = feed_folder_of(profile_url)
        specs = []
        for number, chunk in enumerate(chunks, start=1):

            def view(r: SiteRenderer, chunk: Sequence[Article] = chunk, number: int = number) -> dict[str, Any]:
                r._reads.add(entity.key)
                data = r._entity_view(entity) if number == 1 else {}
                groups = r._coverage_groups(entity, chunk, coverage)
                data.update({
                    "name": entity.name,
                    "kind": entity.kind,
                    "kind_label": KINDS[entity.kind].label,
                    "first_page": number == 1,
                    "follow": r._follow(feed_folder),
                    "profile_url": r._href(entity.key),
                    "coverage": [item for group in groups for item in group["items"]],
                    "coverage_groups": groups,
                    "coverage_heading": f"Drawn from {entity.name}" if entity.kind == "source" else "Coverage",
                    "coverage_total": len(coverage),
                    "pager": r._pager(lambda n: urls.entity_uri(entity.kind, entity.slug, n), number, len(chunks)),
                })
                return data

            title = entity.name if number == 1 else f"{entity.name} (page {number})"
            description = entity.summary or f"{entity.name} in the briefing"
            template = f"{entity.kind}.html" if number == 1 else "coverage_page.html"
            # About-first, a page's newest article need not be its first.
            specs.append(PageSpec(urls.entity_uri(entity.kind, entity.slug, number), title, template,
                                  description, entity.path, view, updated=max((a.date for a in chunk), default=None),
                                  feed_folder=feed_folder if number == 1 else None, owner=entity.key,
                                  number=number,
                                  og_type="profile" if entity.kind == "person" else "website",
                                  search_boost=5.0 if number == 1 else 0.0))
        return specs

    def _coverage_groups(self, entity: Entity, chunk: Sequence[Article],
                         coverage: Sequence[Article]) -> list[dict[str, Any]]:
        """One page of an entity's coverage: the articles about it under their own heading, then those
        that mention it (`page_coverage` lists them in that order); one list when none is about it."""
        key = entity.key
        items = [self._article_item(a, key) for a in chunk]
        if not coverage or not self.index.is_about(coverage[0], key):
            return [{"heading": "", "id": "", "items": items}]
        about = sum(1 for a in chunk if self.index.is_about(a, key))
        groups = [{"heading": f"About {entity.name}", "id": "about", "items": items[:about]},
                  {"heading": "Also mentioned in", "id": "mentioned-in", "items": items[about:]}]
        return [group for group in groups if group["items"]]

    def _entity_view(self, entity: Entity) -> dict[str, Any]:
        key = entity.key
        self._reads.add(key)
        index = self.index
        view: dict[str, Any] = {
            "summary": entity.summary,
            "aliases": list(entity.aliases),
            "wikidata": {"id": entity.wikidata, "url": f"https://www.wikidata.org/wiki/{entity.wikidata}"}
            if entity.wikidata else None,
            "links": [{"title": link.title, "url": link.url} for link in entity.links],
            "quotes": self._quote_items(key),
        }
        # What the page's own lists already show: "often covered with" leaves them out, so that each
        # entry appears once on a page, in the list that says best how it is related.
        shown: set[EntityKey] = {key}
        if isinstance(entity, Person):
            role = entity.current_role()
            view.update({
                "role": self._role_item(role) if role else None,
                "roles": [self._role_item(r) for r in sorted(entity.roles, key=lambda r: r.start or dt.date.min,
                                                            reverse=True)],
                "country": self._card(("place", entity.country)) if entity.country else None,
                **self._capped("events", index.events_of.get(key, [])),
                "together": [self._card(k, self._note(k), n) for k, n in index.ranked_together(key, "person")],
                "orgs": self._cards(sorted({("org", r.org) for r in entity.roles if r.org}
                                           | {k for k, _ in index.ranked_together(key, "org")})),
            })
        elif isinstance(entity, Event):
            view.update(self._event_view(entity, shown))
        elif isinstance(entity, Org):
            shown |= {*index.children.get(key, [])[:LIST_CAP], *index.people_of.get(key, [])[:LIST_CAP]}
            if entity.parent:
                shown.add(("org", entity.parent))
            view.update({
                "parent": self._card(("org", entity.parent)) if entity.parent else None,
                **self._capped("children", index.children.get(key, [])),
                **self._capped("people", index.people_of.get(key, [])),
            })
        elif isinstance(entity, Place):
            shown |= {*index.children.get(key, [])[:LIST_CAP], *index.events_of.get(key, [])[:LIST_CAP],
                      *index.people_of.get(key, [])[:LIST_CAP]}
            if entity.country:
                shown.add(("place", entity.country))
            view.update({
                "country": self._card(("place", entity.country)) if entity.country else None,
                **self._capped("children", index.children.get(key, [])),
                **self._capped("events", index.events_of.get(key, [])),
                **self._capped("people", index.people_of.get(key, [])),
            })
        elif isinstance(entity, Outlet):
            if entity.country:
                shown.add(("place", entity.country))
            drawn = index.page_coverage(key)  # newest first: no article is "about" a source
            view.update({
                "outlet_kind": OUTLET_KIND_LABELS.get(entity.outlet_kind or "", ""),
                "country": self._card(("place", entity.country)) if entity.country else None,
                "url": entity.url or "",
                "notes": [part.strip() for part in entity.notes.split("\n\n") if part.strip()],
                "activity": {"count": len(drawn), "first": format_date(drawn[-1].date),
                             "latest": format_date(drawn[0].date)} if drawn else None,
            })
        # Pictures (`charts`): coverage per period on every profile, and what the kind draws besides.
        view["activity_chart"] = charts.activity(self, entity)
        if isinstance(entity, Person):
            view["connections_chart"] = charts.connections(self, key, entity.name)
        elif isinstance(entity, Event):
            view["timeline_chart"] = charts.event_timeline(self, entity)
        # Sources are left out: an article has one, so "covered with" a source says only where it was read.
        view["connections"] = [
            {"label": KINDS[kind].plural, "members": [self._card(k, self._note(k), n) for k, n in members]}
            for kind in ENTITY_KINDS if kind != "source"
            if (members := [(k, n) for k, n in index.ranked_together(key, kind) if k not in shown])
        ]
        return view

    def _event_view(self, event: Event, shown: set[EntityKey]) -> dict[str, Any]:
        """An event's own part of its page; adds what it lists to `shown`."""
        index = self.index
        key = event.key
        ancestors = index.ancestors(event)
        descendants = index.descendants(key)
        family = {*descendants, *(a.key for a in ancestors)}
        related = index.related_events(event, exclude=family)
        participants = index.participants_of(event)
        shown |= family | {k for k, _ in related} | {("person", p) for p, _ in participants}
        if event.place:
            shown.add(("place", event.place))
        # The sub-events as a tree, parents before their children (`descendants`' order), capped.
        nodes: dict[EntityKey, dict[str, Any]] = {}
        tree: list[dict[str, Any]] = []
        for sub in descendants[:LIST_CAP]:
            found = self.desk.get(sub)
            parent = ("event", found.parent) if isinstance(found, Event) and found.parent else None
            node = nodes[sub] = {"card": self._card_on(sub, None), "children": []}
            (nodes[parent]["children"] if parent in nodes else tree).append(node)
        events = self.desk.entities["event"]

        def taking_part(slug: str, via: EntityKey | None) -> dict[str, Any]:
            # Named with the role held when they took part: on the (sub-)event's first day.
            where = events.get(via[1]) if via else event
            day = where.start if isinstance(where, Event) else event.start
            return {**self._card_on(("person", slug), day), "via": self._card(via) if via else None}

        return {
            "dates": format_span(event.start, event.end, event.ongoing),
            "status": event.status_on(self.desk.date),
            "place": self._card(("place", event.place)) if event.place else None,
            "parent": self._card(("event", event.parent)) if event.parent else None,
            "breadcrumb": [self._card(a.key) for a in reversed(ancestors)],
            "sub_events": tree,
            "sub_events_total": len(descendants),
            "sub_events_more": max(0, len(descendants) - LIST_CAP),
            "participants": [taking_part(p, via) for p, via in participants[:LIST_CAP]],
            "participants_more": max(0, len(participants) - LIST_CAP),
            # Events related by their coverage alone share no participant: no count for them.
            "related": [self._card(k, self._note(k), n or None) for k, n in related],
        }

    def _role_item(self, role: Role) -> dict[str, Any]:
        span = ""
        if role.start or role.end:
            span = f"{format_date(role.start) or '…'} – {format_date(role.end) if role.end else 'present'}"
        return {"title": role.title, "org": self._card(("org", role.org)) if role.org else None, "span": span}

