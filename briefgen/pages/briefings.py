"""Daily briefings: a page per publication day with that day's articles under the desk's fixed sections,
the archive of days, and the latest briefing and event boxes of the home page.

A day has a briefing when at least one article was published on it or an editor wrote a note for it
(`content/briefings/YYYY-MM-DD.md`, `Desk.notes`). Its articles are filed under the sections of the
`briefing_sections` option by topic (`file_articles`); with no sections configured, a day is one list.

`render` imports this module, so this module does not import `render`: the views receive the renderer
itself (`Renderer` names what they use of it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..desk.index import DeskIndex
from ..desk.model import Article, BriefingNote, Desk, EntityKey, Event
from . import urls
from .body import BodyRenderer
from .dates import format_date, weekday_name
from .spec import Listing, PageSpec

#: The heading of the articles no configured section takes (shown only when it has any).
OTHER_NEWS = "Other news"
#: The heading of a day's one list when the desk configures no sections.
ALL_NEWS = "Today's briefs"
#: Articles the home page shows of the latest briefing; the rest are on the briefing's own page.
HOME_ITEMS = 25
#: Headlines the archive shows under each day.
ARCHIVE_HEADLINES = 3
#: Earlier briefings the home page links besides the latest.
RECENT_BRIEFINGS = 5
#: Events in each of the home page's Ongoing and Upcoming boxes (a long war must not grow the page).
EVENT_BOX_CAP = 8


@dataclass(frozen=True)
class BriefingSection:
    """One fixed section of the daily briefings (`briefing_sections` in mkdocs.yml)."""

    title: str
    topics: tuple[str, ...]
    """Topic slugs: an article listing one of them is filed here (unless an earlier section takes it)."""


def sections_from(value: Iterable[Mapping[str, Any]]) -> tuple[BriefingSection, ...]:
    """The sections of the `briefing_sections` option as MkDocs has checked it (a list of mappings)."""
    return tuple(BriefingSection(str(s["title"]), tuple(s.get("topics") or ())) for s in value)


def unknown_topics(sections: Sequence[BriefingSection], desk: Desk) -> list[str]:
    """A message for each topic slug of `sections` that names no topic of the desk, in the order given.

    Not an error: the build goes on (a section that can never fill is a typo, not a broken site), and
    MkDocs' `strict` mode turns these warnings into a failed build for a desk that wants that.
    """
    topics = desk.entities.get("topic", {})
    return [f"briefgen: mkdocs.yml: `briefing_sections` section {n} ({section.title!r}) names the topic "
            f"{slug!r}, which is not in content/topics/: no article is filed under it. Fix the slug, or add "
            f"the topic to content/topics/"
            for n, section in enumerate(sections, start=1) for slug in section.topics if slug not in topics]


@dataclass(frozen=True)
class Filed:
    """One section of a day's briefing with the articles filed under it (on one page of the day, `page_of`)."""

    title: str
    anchor: str
    articles: tuple[Article, ...]
    count: int
    """Articles filed under the section that day, on this page and others."""
    continued: bool = False
    """Whether the section began on an earlier page of the day."""


def file_articles(articles: Sequence[Article], sections: Sequence[BriefingSection]) -> list[Filed]:
    """`articles` under `sections`, in the sections' order, each article once; empty sections left out.

    An article goes to the first section holding a topic it is *about*; failing that, to the first
    holding any topic it lists; failing that, under "Other news". (A brief about Central Asia that
    mentions India–Russia relations belongs with Central Asia, wherever the sections put each topic.)
    With no sections every article is in one list, "Today's briefs". Within a section articles keep
    the desk's order (newest first, then by slug).
    """
    if not sections:
        return [Filed(ALL_NEWS, "briefs", tuple(articles), len(articles))] if articles else []
    section_of: dict[str, int] = {}
    for n, section in enumerate(sections):
        for slug in section.topics:
            section_of.setdefault(slug, n)  # a topic two sections name belongs to the first
    filed: list[list[Article]] = [[] for _ in sections]
    other: list[Article] = []
    for article in articles:
        about = [section_of[slug] for kind, slug in article.about if kind == "topic" and slug in section_of]
        listed = [section_of[slug] for slug in article.refs.get("topic", ()) if slug in section_of]
        chosen = min(about or listed, default=None)
        (other if chosen is None else filed[chosen]).append(article)
    anchors = _anchors([s.title for s in sections] + [OTHER_NEWS])
    groups = [Filed(s.title, anchors[n], tuple(filed[n]), len(filed[n])) for n, s in enumerate(sections) if filed[n]]
    if other:
        groups.append(Filed(OTHER_NEWS, anchors[-1], tuple(other), len(other)))
    return groups


def page_count(articles: int, size: int) -> int:
    """Pages of a day's briefing of `articles` articles at `size` a page (a day with a note alone has one)."""
    return max(1, -(-articles // size))


def page_of(filed: Sequence[Filed], number: int, size: int) -> list[Filed]:
    """Page `number` of a day whose sections are `filed`, at `size` articles a page: the sections in their
    order, cut where the page ends; a section cut by the end of a page goes on at the top of the next.

    A bulk import can date hundreds of articles on one day: its briefing is paged like any listing,
    so that no page grows with the desk.
    """
    start, end = (number - 1) * size, number * size
    page: list[Filed] = []
    before = 0
    for section in filed:
        first, after = before, before + len(section.articles)
        before = after
        if after > start and first < end:
            page.append(Filed(section.title, section.anchor, section.articles[max(start - first, 0) : end - first],
                              section.count, continued=first < start))
    return page


def _anchors(titles: Sequence[str]) -> list[str]:
    """An `id` for each heading, from its title, unique on the page (titles may repeat or be non-Latin)."""
    seen: set[str] = set()
    anchors = []
    for n, title in enumerate(titles, start=1):
        anchor = re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-") or f"section-{n}"
        while anchor in seen or anchor in ("note", "briefs-nav"):
            anchor += f"-{n}"
        seen.add(anchor)
        anchors.append(anchor)
    return anchors


@dataclass(frozen=True)
class BriefingDays:
    """Which days have a briefing, newest first, and the articles of each (in the desk's order)."""

    days: tuple[dt.date, ...]
    articles: Mapping[dt.date, Sequence[Article]]
    notes: Mapping[dt.date, BriefingNote]

    @classmethod
    def of(cls, desk: Desk) -> BriefingDays:
        """The days of `desk`: one pass over its articles (newest first, so each day's run is contiguous)."""
        by_day: dict[dt.date, list[Article]] = {}
        for article in desk.articles:
            by_day.setdefault(article.date, []).append(article)
        days = sorted(by_day.keys() | desk.notes.keys(), reverse=True)
        return cls(tuple(days), by_day, desk.notes)

    def updated(self, day: dt.date) -> dt.date:
        """The last change to a day's briefing: its day, or a later update or correction of one of its articles."""
        return max((day, *(a.last_changed for a in self.articles.get(day, ()))))


def latest_day(desk: Desk) -> tuple[dt.date, Sequence[Article]] | None:
    """The newest day with a briefing and its articles, without going through the whole desk."""
    candidates = [*([desk.articles[0].date] if desk.articles else []), *([max(desk.notes)] if desk.notes else [])]
    if not candidates:
        return None
    day = max(candidates)
    articles = []
    for article in desk.articles:  # newest first: the day's articles lead the desk, if it has any
        if article.date != day:
            break
        articles.append(article)
    return day, articles


def briefing_title(day: dt.date) -> str:
    """`Briefing of 3 July 2024`."""
    return f"Briefing of {format_date(day)}"


def note_html(bodies: BodyRenderer, note: BriefingNote, wanted: set[EntityKey],
              href: Callable[[EntityKey], str]) -> str:
    """The note's Markdown as HTML, sanitised as article bodies are, linking the first mention of `wanted`."""
    return bodies.render(note.body, wanted, href)


class Renderer(Protocol):
    """What the views use of `render.SiteRenderer` (the renderer that renders the page)."""

    desk: Desk
    index: DeskIndex
    options: Any
    _bodies: BodyRenderer

    def _url(self, src_uri: str) -> str: ...
    def _href(self, key: EntityKey) -> str: ...
    def _follow(self, folder: str) -> dict[str, str]: ...
    def _article_item(self, article: Article, key: EntityKey | None = None) -> dict[str, Any]: ...
    def _card(self, key: EntityKey, note: str = "", count: int | None = None) -> dict[str, Any]: ...
    def _note(self, key: EntityKey) -> str: ...
    def _pager(self, uri: Callable[[int], str], number: int, total: int) -> dict[str, Any] | None: ...


def _item(r: Renderer, article: Article) -> dict[str, Any]:
    """An article in a briefing: its list item, with why it matters and what is next."""
    item = r._article_item(article)
    item["why_it_matters"] = article.why_it_matters
    item["whats_next"] = article.whats_next
    return item


def briefing_view(r: Renderer, day: dt.date, articles: Sequence[Article], note: BriefingNote | None,
                  limit: int | None = None, number: int = 1) -> dict[str, Any]:
    """A day's briefing as templates show it: the note on top, then the sections with their items.

    With `limit`, at most that many articles (the home page); `more` says how many are left out.
    Otherwise page `number` of the day (`page_of`, `page_size` articles a page); the note is on the first.
    """
    sections = r.options.briefing_sections
    if limit is not None:
        shown = articles[:limit]
        filed = file_articles(shown, sections)
    else:
        shown = articles
        filed = page_of(file_articles(articles, sections), number, r.options.page_size)
    if number > 1:
        note = None
    wanted = {key for article in articles for key in article.covers()} if note else set()
    return {
        "date": format_date(day),
        "iso_date": day.isoformat(),
        "weekday": weekday_name(day),
        "url": r._url(urls.briefing_uri(day)),
        "note": {"title": note.title, "html": note_html(r._bodies, note, wanted, r._href)} if note else None,
        "sections": [{"title": f.title, "id": f.anchor, "count": f.count, "continued": f.continued,
                      "articles": [_item(r, a) for a in f.articles]} for f in filed],
        "count": len(articles),
        "more": len(articles) - len(shown),
    }


def briefing_pages(r: Renderer) -> list[PageSpec]:
    """The page of each day's briefing and the pages of the briefing archive.

    Each view reads only its own day (or page of days): the days are found once, here.
    """
    plan = BriefingDays.of(r.desk)
    days = plan.days
    specs: list[PageSpec] = []
    size = r.options.page_size
    for position, day in enumerate(days):
        note = plan.notes.get(day)
        articles = plan.articles.get(day, ())
        total = page_count(len(articles), size)
        for number in range(1, total + 1):

            def view(r: Renderer, day: dt.date = day, position: int = position, number: int = number,
                     total: int = total) -> dict[str, Any]:
                data = briefing_view(r, day, plan.articles.get(day, ()), plan.notes.get(day), number=number)
                newer = days[position - 1] if position > 0 else None
                older = days[position + 1] if position + 1 < len(days) else None
                data.update({
                    "newer": _day_link(r, newer),
                    "older": _day_link(r, older),
                    "archive_url": r._url(urls.briefings_uri()),
                    "follow": r._follow(urls.BRIEFINGS_FEED_FOLDER),
                    "pager": r._pager(lambda n, day=day: urls.briefing_uri(day, n), number, total),
                })
                return data

            title = briefing_title(day) + (f" (page {number})" if number > 1 else "")
            description = (f"The briefs of {format_date(day)}, by section." if articles or note is None
                           else note.title)
            specs.append(PageSpec(
                urls.briefing_uri(day, number), title, "briefing.html", description, note.path if note else None,
                view, updated=plan.updated(day), feed_folder=urls.BRIEFINGS_FEED_FOLDER, listing=Listing.BRIEFING,
                number=number,
                # The editor's note is the page's own text, found by search; the items are the articles'.
                search_boost=None if note is not None and number == 1 else 0.0))

    chunks = [days[i : i + r.options.page_size] for i in range(0, len(days), r.options.page_size)] or [()]
    for number, chunk in enumerate(chunks, start=1):

        def archive_view(r: Renderer, chunk: Sequence[dt.date] = chunk, number: int = number) -> dict[str, Any]:
            return {
                "days": [{
                    "date": format_date(day),
                    "iso_date": day.isoformat(),
                    "weekday": weekday_name(day),
                    "url": r._url(urls.briefing_uri(day)),
                    "note_title": note.title if (note := plan.notes.get(day)) else "",
                    "count": len(plan.articles.get(day, ())),
                    "headlines": [r._article_item(a) for a in plan.articles.get(day, ())[:ARCHIVE_HEADLINES]],
                } for day in chunk],
                "total": len(days),
                "pager": r._pager(urls.briefings_uri, number, len(chunks)),
                "follow": r._follow(urls.BRIEFINGS_FEED_FOLDER),
            }

        specs.append(PageSpec(
            urls.briefings_uri(number), "Briefings" if number == 1 else f"Briefings (page {number})",
            "briefings_index.html", "Every daily briefing, newest first.", None, archive_view,
            updated=max((plan.updated(d) for d in chunk), default=None), feed_folder=urls.BRIEFINGS_FEED_FOLDER,
            listing=Listing.BRIEFINGS, number=number, search_boost=0.0))
    return specs


def _day_link(r: Renderer, day: dt.date | None) -> dict[str, str] | None:
    if day is None:
        return None
    return {"label": format_date(day), "url": r._url(urls.briefing_uri(day))}


def home_briefing(r: Renderer) -> dict[str, Any] | None:
    """The latest briefing, as the home page opens on it (at most `HOME_ITEMS` articles); None for an empty desk."""
    latest = latest_day(r.desk)
    if latest is None:
        return None
    day, articles = latest
    return briefing_view(r, day, articles, r.desk.notes.get(day), limit=HOME_ITEMS)


def earlier_briefings(r: Renderer, limit: int = RECENT_BRIEFINGS) -> list[dict[str, Any]]:
    """The `limit` briefings before the latest (which the home page opens on), newest first: each
    day's date, address, note title and number of briefs. Reads only the newest days of the desk."""
    desk = r.desk
    counts: dict[dt.date, int] = {}
    for article in desk.articles:  # newest first: stop at the first day past the ones needed
        if article.date not in counts and len(counts) > limit:
            break
        counts[article.date] = counts.get(article.date, 0) + 1
    days = sorted(counts.keys() | set(sorted(desk.notes)[-(limit + 1):]), reverse=True)[1 : limit + 1]
    return [{"date": format_date(day), "iso_date": day.isoformat(), "url": r._url(urls.briefing_uri(day)),
             "note_title": note.title if (note := desk.notes.get(day)) else "", "count": counts.get(day, 0)}
            for day in days]


def event_boxes(desk: Desk) -> tuple[list[EntityKey], list[EntityKey]]:
    """The home page's Ongoing and Upcoming events as of the desk's date (never the clock).

    Ongoing: events whose status on that day is `ongoing`, the latest started first. Upcoming:
    scheduled events starting after it, the soonest first. Each capped at `EVENT_BOX_CAP`; ties by slug.
    Concluded events are in neither.
    """
    today = desk.date
    ongoing: list[Event] = []
    upcoming: list[Event] = []
    for event in desk.entities["event"].values():
        assert isinstance(event, Event)
        status = event.status_on(today)
        if status == "ongoing":
            ongoing.append(event)
        elif status == "scheduled" and event.start > today:
            upcoming.append(event)
    ongoing.sort(key=lambda e: (-e.start.toordinal(), e.slug))
    upcoming.sort(key=lambda e: (e.start, e.slug))
    return [e.key for e in ongoing[:EVENT_BOX_CAP]], [e.key for e in upcoming[:EVENT_BOX_CAP]]
