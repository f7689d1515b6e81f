"""Stage 4, index: every relation between articles and entities, computed in one pass.

The model says what each file states; the index answers the questions pages
ask: which articles cover Lavrov, in which sentence, whom he appears with,
which events took place in Astana. Relations are stored both ways.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from .matcher import AliasMatcher, resolve
from .model import Article, Desk, EntityKey, Event, Org, Person, Place, Quote, names_in
from .text import plain_paragraphs, sentence_spans


@dataclass(frozen=True)
class QuoteRef:
    """A quote and the article that carries it."""

    quote: Quote
    article: Article


@dataclass
class DeskIndex:
    """Relations between the desk's articles and entities."""

    desk: Desk
    matcher: AliasMatcher[EntityKey]
    """Every entity's name and aliases; shared with the body renderer, which links mentions."""
    coverage: dict[EntityKey, list[Article]] = field(default_factory=lambda: defaultdict(list))
    """Articles annotated with an entity, newest first."""
    quotes: dict[EntityKey, list[QuoteRef]] = field(default_factory=lambda: defaultdict(list))
    """Quotes said by a person, or carried by an article covering an entity."""
    children: dict[EntityKey, list[EntityKey]] = field(default_factory=lambda: defaultdict(list))
    """Sub-events of an event, member orgs of an org, places in a country."""
    events_of: dict[EntityKey, list[EntityKey]] = field(default_factory=lambda: defaultdict(list))
    """Person → events they took part in; place → events held there."""
    people_of: dict[EntityKey, list[EntityKey]] = field(default_factory=lambda: defaultdict(list))
    """Org → people with a role in it; place → people of that country."""
    # Co-coverage counts and mention sentences are computed when a page first asks for them: a
    # full build asks for nearly all (the same work as computing them up front), a preview
    # rebuild only for the few pages it renders.
    together_memo: dict[EntityKey, Counter[EntityKey]] = field(default_factory=dict, repr=False)
    sentences_memo: dict[str, dict[EntityKey, str]] = field(default_factory=dict, repr=False)

    def together(self, key: EntityKey) -> Counter[EntityKey]:
        """How many articles `key` shares with each other entity."""
        counts = self.together_memo.get(key)
        if counts is None:
            counts = Counter()
            for article in self.coverage.get(key, []):
                counts.update(article.covers())
            counts.pop(key, None)
            self.together_memo[key] = counts
        return counts

    def mention_sentence(self, article: Article, key: EntityKey) -> str | None:
        """The first sentence of the article's body that names `key`, if any does."""
        found = self.sentences_memo.get(article.slug)
        if found is None:
            found = self.sentences_memo[article.slug] = _mention_sentences(self.matcher, article)
        return found.get(key)

    def ranked_together(self, key: EntityKey, kind: str, limit: int = 10) -> list[tuple[EntityKey, int]]:
        """Entities of `kind` most often covered with `key`: by count, then by slug."""
        pairs = [(other, n) for other, n in self.together(key).items() if other[0] == kind]
        pairs.sort(key=lambda p: (-p[1], p[0][1]))
        return pairs[:limit]

    def related_events(self, event: Event, limit: int = 10,
                       exclude: Collection[EntityKey] = ()) -> list[tuple[EntityKey, int]]:
        """Other events sharing the most participants with `event`, by number shared, then slug.

        Capped like `ranked_together`: a regular participant's events grow with the desk, and an
        uncapped list made event pages grow with the desk.
        """
        shared: Counter[EntityKey] = Counter()
        for person in set(event.participants):
            shared.update(self.events_of.get(("person", person), []))
        shared.pop(event.key, None)
        for key in exclude:  # (the event's own sub-events and parent, which its page lists as such)
            shared.pop(key, None)
        return sorted(shared.items(), key=lambda p: (-p[1], p[0][1]))[:limit]


def build_index(desk: Desk, matcher: AliasMatcher[EntityKey] | None = None) -> DeskIndex:
    """Compute the relations of the desk (the costlier ones wait until a page asks, see `DeskIndex`).

    `matcher` is the alias matcher of the desk's names (`names_in`), when the caller has one.
    """
    index = DeskIndex(desk, matcher if matcher is not None else AliasMatcher(names_in(desk)))
    relate(index)
    return index


def relate(index: DeskIndex) -> None:
    """Fill `index` with every relation of its desk."""
    desk = index.desk
    for article in desk.articles:
        covered = article.covers()
        for key in covered:
            index.coverage[key].append(article)
        for quote in article.quotes:
            ref = QuoteRef(quote, article)
            index.quotes[("person", quote.by)].append(ref)
            for key in covered:
                if key[0] != "person":
                    index.quotes[key].append(ref)
    for event in desk.entities["event"].values():
        assert isinstance(event, Event)
        if event.parent:
            index.children[("event", event.parent)].append(event.key)
        for person in event.participants:
            index.events_of[("person", person)].append(event.key)
        if event.place:
            index.events_of[("place", event.place)].append(event.key)
    for org in desk.entities["org"].values():
        if isinstance(org, Org) and org.parent:
            index.children[("org", org.parent)].append(org.key)
    for place in desk.entities["place"].values():
        if isinstance(place, Place) and place.country:
            index.children[("place", place.country)].append(place.key)
    for person in desk.entities["person"].values():
        assert isinstance(person, Person)
        if person.country:
            index.people_of[("place", person.country)].append(person.key)
        for org in sorted({r.org for r in person.roles if r.org}):
            index.people_of[("org", org)].append(person.key)
    for events in index.events_of.values():
        events.sort(key=lambda k: _event_sort_key(desk, k))
    for kids in index.children.values():
        kids.sort(key=lambda k: _event_sort_key(desk, k) if k[0] == "event" else (0, k[1]))


def _event_sort_key(desk: Desk, key: EntityKey) -> tuple[int, str]:
    event = desk.entity(key)
    assert isinstance(event, Event)
    return (-event.start.toordinal(), key[1])


def _mention_sentences(matcher: AliasMatcher[EntityKey], article: Article) -> dict[EntityKey, str]:
    """Covered entity → the first sentence of the body naming it.

    A name several entries share names the one of them the article covers, as on the page
    (`matcher.resolve`); covering none or several, it names none of them.
    """
    found: dict[EntityKey, str] = {}
    covered = frozenset(article.covers())
    pending = set(covered)
    for paragraph in plain_paragraphs(article.body):
        spans: list[tuple[int, int]] | None = None  # sentences, split only once a name turns up
        for match in matcher.find(paragraph):
            key = resolve(match.targets, covered) if match.shared else match.target
            if key not in pending:
                continue
            pending.discard(key)
            spans = spans or sentence_spans(paragraph)
            at = bisect.bisect_right(spans, (match.start, len(paragraph))) - 1
            start, end = spans[max(at, 0)]
            found[key] = paragraph[start:end].strip()
            if not pending:
                return found
    return found


def week_window(desk: Desk) -> tuple[dt.date, dt.date] | None:
    """The seven days ending on the newest article's date: "this week" without reading the clock."""
    if not desk.articles:
        return None
    end = desk.articles[0].date
    return end - dt.timedelta(days=6), end
