"""The pictures of each page, from the index: the data each one draws, handed to `pictures`.

An entity page's activity chart, an event page's small timeline, a person page's connections, the
people index's co-mention network (by year and by topic) and the home page's sparklines. Every list is
capped, so that no page grows with the desk, and nothing compares every person with every other: the
network counts the pairs within each article among its few chosen people.

`render` imports this module, so this module does not import `render`: the views pass the renderer.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from markupsafe import Markup

from ..desk.model import Article, Entity, EntityKey, Event
from . import pictures
from .briefings import Renderer
from .dates import format_date

#: Sub-events an event page's timeline draws (the list below it names up to `render.LIST_CAP`).
EVENT_TIMELINE_CAP = 24
#: People in a person page's connections graph.
CONNECTIONS_CAP = 25
#: Links between a person's neighbours the graph draws, the strongest first.
NEIGHBOUR_LINKS_CAP = 40
#: People in the people index's network, its links, and how many years and topics it can be filtered by.
NETWORK_PEOPLE = 40
NETWORK_LINKS = 80
NETWORK_YEARS = 6
NETWORK_TOPICS = 8
#: Weeks of a home page sparkline, ending on the desk's date.
SPARK_WEEKS = 12


def drawn_end(event: Event, today: dt.date) -> dt.date:
    """The last day a timeline draws an event on: its end; for an ongoing one, the desk's date."""
    if event.end is not None:
        return max(event.end, event.start)
    if event.ongoing or event.status == "ongoing":
        return max(today, event.start)
    return event.start


def span_of(r: Renderer, event: Event, url: str, *, current: bool = False) -> pictures.Span:
    """An event as a timeline row: linked, its dates and status in its title, classed by status."""
    today = r.desk.date
    status = event.status_on(today)
    end = drawn_end(event, today)
    dates = pictures.span_text(event.start, end) if event.end or not event.ongoing else (
        f"since {format_date(event.start)}")
    css = " ".join(c for c in (f"bg-tl-{status}", "bg-tl-current" if current else "") if c)
    return pictures.Span(event.name, url, event.start, end, f"{dates}, {status}", css)


def activity(r: Renderer, entity: Entity) -> Markup | None:
    """The entity's coverage (as its pages list it) per week, month, quarter or year; None without any."""
    coverage = r.index.page_coverage(entity.key)
    if not coverage:
        return None
    unit, bins, earlier = pictures.activity_bins(a.date for a in coverage)
    what = "brief" if entity.kind == "source" else "article"
    title = (f"Briefs drawn from {entity.name}, by {unit}" if entity.kind == "source"
             else f"Coverage of {entity.name}, by {unit}")
    caption = pictures.activity_caption(unit, bins, earlier, what)
    return pictures.bar_chart(bins, chart_id="bg-activity", title=title, caption=caption, what=what)


def event_timeline(r: Renderer, event: Event) -> Markup | None:
    """The event among its parent chain and sub-events, with its dated coverage below, on one axis.

    The axis spans the event, its drawn sub-events and its coverage; the parents, longer, are cut at its
    ends. None when there is nothing to set the event against (no parent, sub-event or coverage).
    """
    index, today = r.index, r.desk.date
    ancestors = list(reversed(index.ancestors(event)))  # the outermost first
    events = r.desk.entities["event"]
    descendants = index.descendants(event.key)
    subs = [e for k in descendants[:EVENT_TIMELINE_CAP] if isinstance(e := events.get(k[1]), Event)]
    subs.sort(key=lambda e: (e.start, e.slug))
    coverage = index.coverage_of(event.key)
    if not (ancestors or subs or coverage):
        return None
    dates = [event.start, drawn_end(event, today)]
    dates += [d for e in subs for d in (e.start, drawn_end(e, today))]
    if coverage:
        dates += [coverage[-1].date, coverage[0].date]  # newest first
    a0, a1 = min(dates), max(dates)
    pad = max(1, (a1 - a0).days // 40)
    axis = (a0 - dt.timedelta(days=pad), a1 + dt.timedelta(days=pad))
    spans = [span_of(r, e, r._href(e.key)) for e in ancestors]
    spans.append(span_of(r, event, "", current=True))
    spans += [span_of(r, e, r._href(e.key)) for e in subs]
    bins = pictures.even_bins((a.date for a in coverage), axis) if coverage else []
    parts = []
    if ancestors:
        parts.append(f"part of {' › '.join(e.name for e in ancestors)}")
    if descendants:
        shown = f"{len(subs)} sub-events" if len(subs) == len(descendants) else (
            f"{len(subs)} of its {len(descendants)} sub-events")
        parts.append(shown if len(subs) != 1 else "1 sub-event")
    caption = f"{event.name}, {spans[len(ancestors)].note}"
    if parts:
        caption += "; " + "; ".join(parts)
    caption += "."
    if coverage:
        busiest = max(bins, key=lambda b: (b.count, -b.start.toordinal()))
        caption += (f" {len(coverage)} {'article' if len(coverage) == 1 else 'articles'}, from "
                    f"{format_date(coverage[-1].date)} to {format_date(coverage[0].date)}; "
                    f"the most, {busiest.count}, {busiest.label}.")
    return pictures.timeline(spans, axis, chart_id="bg-event-timeline", title=f"{event.name} on a timeline",
                             caption=caption, coverage=bins)


def connections(r: Renderer, key: EntityKey, name: str) -> Markup | None:
    """The people most often covered with a person, around them: each line as wide as the articles they
    share; curves between two of them, as wide as theirs. None when no one is covered with them."""
    index = r.index
    ranked = index.ranked_together(key, "person", CONNECTIONS_CAP)
    if not ranked:
        return None
    nodes = []
    for other, n in ranked:
        card = r._card(other)
        nodes.append(pictures.Node(card["name"], card["url"], n,
                                   f"{card['name']}: {n} {'article' if n == 1 else 'articles'} with {name}"))
    position = {other: i for i, (other, _) in enumerate(ranked)}
    links = []
    for i, (other, _) in enumerate(ranked):
        together = index.together(other)  # memoised: the neighbour's own page asks for it too
        for peer, j in position.items():
            if j > i and (shared := together.get(peer, 0)):
                links.append((i, j, shared))
    links.sort(key=lambda link: (-link[2], link[0], link[1]))
    links = sorted(links[:NEIGHBOUR_LINKS_CAP], key=lambda link: (link[0], link[1]))
    strongest = ", ".join(f"{node.label} ({node.count})" for node in nodes[:5])
    caption = (f"The {len(nodes)} {'person' if len(nodes) == 1 else 'people'} most often covered with {name}, "
               f"with the articles they share: {strongest}{', …' if len(nodes) > 5 else ''}. "
               f"Lines between two of them: articles naming both.")
    centre = pictures.Node(name, "", sum(n for _, n in ranked), name)
    return pictures.network(nodes, links, chart_id="bg-connections", title=f"People covered with {name}",
                            caption=caption, centre=centre)


def _network(r: Renderer, articles: Iterable[Article], chart_id: str, scope: str,
             default: bool = False) -> dict[str, Any] | None:
    """The co-mention network of `articles`: the `NETWORK_PEOPLE` people they name most, and the pairs of
    them named in one article (the strongest `NETWORK_LINKS`). Two passes over `articles`, each looking at
    the people of one article at a time."""
    articles = list(articles)
    named: Counter[str] = Counter()
    for article in articles:
        named.update(article.refs["person"])
    chosen = sorted(named.items(), key=lambda p: (-p[1], p[0]))[:NETWORK_PEOPLE]
    if len(chosen) < 2:
        return None
    position = {slug: i for i, (slug, _) in enumerate(chosen)}
    pairs: Counter[tuple[int, int]] = Counter()
    for article in articles:
        present = sorted({position[s] for s in article.refs["person"] if s in position})
        for a, i in enumerate(present):
            for j in present[a + 1 :]:
                pairs[(i, j)] += 1
    links = sorted(((i, j, n) for (i, j), n in pairs.items()), key=lambda link: (-link[2], link[0], link[1]))
    links = links[:NETWORK_LINKS]
    nodes = []
    for slug, n in chosen:
        card = r._card(("person", slug))
        nodes.append(pictures.Node(card["name"], card["url"], n,
                                   f"{card['name']}: {n} {'article' if n == 1 else 'articles'}"))
    top = "; ".join(f"{nodes[i].label} and {nodes[j].label} ({n})" for i, j, n in links[:5])
    caption = (f"The {len(nodes)} people named in the most articles {scope}, on a circle, the most named first; "
               f"a curve joins two named in the same articles, wider for more."
               + (f" Most often together: {top}." if top else " None of them are named together."))
    svg = pictures.network(nodes, sorted(links, key=lambda link: (link[0], link[1])), chart_id=f"bg-{chart_id}",
                           title=f"Who is covered with whom, {scope}", caption=caption)
    return {"id": chart_id, "svg": svg, "default": default}


def people_network(r: Renderer) -> dict[str, Any] | None:
    """The people index's network: of the whole desk (shown first), of each of the latest years, and of each
    of the topics with the most coverage; each variant a figure of its own, chosen with a link (`:target`)."""
    articles = r.desk.articles
    if not articles:
        return None
    whole = _network(r, articles, "network-all", "in all the briefing", default=True)
    if whole is None:
        return None
    by_year: dict[int, list[Article]] = {}
    for article in articles:
        by_year.setdefault(article.date.year, []).append(article)
    years = []
    for year in sorted(by_year, reverse=True)[:NETWORK_YEARS]:
        variant = _network(r, by_year[year], f"network-{year}", f"in {year}")
        if variant is not None:
            years.append({"label": str(year), **variant})
    topics_found = [(key, len(found)) for key, found in r.index.coverage.items() if key[0] == "topic" and found]
    topics_found.sort(key=lambda t: (-t[1], t[0][1]))
    topics = []
    for key, _ in topics_found[:NETWORK_TOPICS]:
        name = r._card(key)["name"]
        variant = _network(r, r.index.coverage[key], f"network-topic-{key[1]}", f"on {name}")
        if variant is not None:
            topics.append({"label": name, **variant})
    topics.sort(key=lambda t: (t["label"].casefold(), t["id"]))
    # The whole desk's comes last: shown unless another is the target (`pictures.css`).
    return {"whole": whole, "years": years, "topics": topics, "variants": [*years, *topics, whole]}


def weekly_counts(coverage: Sequence[Article], end: dt.date, weeks: int = SPARK_WEEKS) -> list[int]:
    """Articles of each of the `weeks` seven-day weeks ending on `end`, oldest first (coverage newest first:
    only the articles of those weeks are looked at)."""
    counts = [0] * weeks
    start = end - dt.timedelta(days=7 * weeks - 1)
    for article in coverage:
        if article.date > end:
            continue
        if article.date < start:
            break
        counts[weeks - 1 - (end - article.date).days // 7] += 1
    return counts


def spark(r: Renderer, key: EntityKey, name: str) -> Markup:
    """A person's sparkline for the home page: articles a week over the `SPARK_WEEKS` weeks to the desk's date."""
    end = r.desk.date
    counts = weekly_counts(r.index.coverage.get(key, []), end)
    title = (f"{name}: articles a week, the {SPARK_WEEKS} weeks to {format_date(end)}, oldest first: "
             + ", ".join(str(n) for n in counts))
    return pictures.sparkline(counts, chart_id=f"bg-spark-{key[1]}", title=title)
