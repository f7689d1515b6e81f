"""Stage 4, index: every relation between articles and entities, computed in one pass.

The model says what each file states; the index answers the questions pages
ask: which articles cover Lavrov, in which sentence, whom he appears with,
which events took place in Astana. Relations are stored both ways.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .matcher import AliasMatcher
from .model import Article, Desk, EntityKey, Event, Org, Person, Place, Quote
from .text import plain_paragraphs, sentences


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
    mention_sentence: dict[tuple[str, EntityKey], str] = field(default_factory=dict)
    """(article slug, entity) → first sentence of the body that names the entity."""
    quotes: dict[EntityKey, list[QuoteRef]] = field(default_factory=lambda: defaultdict(list))
    """Quotes said by a person, or carried by an article covering an entity."""
    together: dict[EntityKey, Counter[EntityKey]] = field(default_factory=lambda: defaultdict(Counter))
    """Entity → how many articles it shares with each other entity."""
    children: dict[EntityKey, list[EntityKey]] = field(default_factory=lambda: defaultdict(list))
    """Sub-events of an event, member orgs of an org, places in a country."""
    events_of: dict[EntityKey, list[EntityKey]] = field(default_factory=lambda: defaultdict(list))
    """Person → events they took part in; place → events held there."""
    people_of: dict[EntityKey, list[EntityKey]] = field(default_factory=lambda: defaultdict(list))
    """Org → people with a role in it; place → people of that country."""

    def ranked_together(self, key: EntityKey, kind: str, limit: int = 10) -> list[tuple[EntityKey, int]]:
        """Entities of `kind` most often covered with `key`: by count, then by slug."""
        pairs = [(other, n) for other, n in self.together.get(key, Counter()).items() if other[0] == kind]
        pairs.sort(key=lambda p: (-p[1], p[0][1]))
        return pairs[:limit]

    def related_events(self, event: Event) -> list[tuple[EntityKey, int]]:
        """Other events sharing participants with `event`, by number shared."""
        shared: Counter[EntityKey] = Counter()
        for person in set(event.participants):
            shared.update(k for k in self.events_of.get(("person", person), []) if k != event.key)
        return sorted(shared.items(), key=lambda p: (-p[1], p[0][1]))


def build_index(desk: Desk) -> DeskIndex:
    """Compute every relation of the desk."""
    matcher: AliasMatcher[EntityKey] = AliasMatcher(
        (name, entity.key) for entity in desk.all_entities() for name in entity.names
    )
    index = DeskIndex(desk, matcher)
    for article in desk.articles:
        covered = list(article.covers())
        for key in covered:
            index.coverage[key].append(article)
            for other in covered:
                if other != key:
                    index.together[key][other] += 1
        _index_mentions(index, matcher, article, set(covered))
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
    return index


def _event_sort_key(desk: Desk, key: EntityKey) -> tuple[int, str]:
    event = desk.entity(key)
    assert isinstance(event, Event)
    return (-event.start.toordinal(), key[1])


def _index_mentions(index: DeskIndex, matcher: AliasMatcher[EntityKey], article: Article,
                    covered: set[EntityKey]) -> None:
    pending = set(covered)
    for paragraph in plain_paragraphs(article.body):
        for sentence in sentences(paragraph):
            for match in matcher.find(sentence):
                if match.target in pending:
                    pending.discard(match.target)
                    index.mention_sentence[(article.slug, match.target)] = sentence
            if not pending:
                return


def week_window(desk: Desk) -> tuple[dt.date, dt.date] | None:
    """The seven days ending on the newest article's date: "this week" without reading the clock."""
    if not desk.articles:
        return None
    end = desk.articles[0].date
    return end - dt.timedelta(days=6), end
