"""Stage 4, index: every relation between articles and entities, computed in one pass.

The model says what each file states; the index answers the questions pages
ask: which articles cover Lavrov, in which sentence, whom he appears with,
which events took place in Astana. Relations are stored both ways.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .matcher import AliasMatcher
from .model import Article, Desk, EntityKey, Event, Org, Person, Place, Quote
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
    _together: dict[EntityKey, Counter[EntityKey]] = field(default_factory=dict, repr=False)
    _sentences: dict[str, dict[EntityKey, str]] = field(default_factory=dict, repr=False)

    def together(self, key: EntityKey) -> Counter[EntityKey]:
        """How many articles `key` shares with each other entity."""
        counts = self._together.get(key)
        if counts is None:
            counts = Counter()
            for article in self.coverage.get(key, []):
                counts.update(article.covers())
            counts.pop(key, None)
            self._together[key] = counts
        return counts

    def mention_sentence(self, article: Article, key: EntityKey) -> str | None:
        """The first sentence of the article's body that names `key`, if any does."""
        found = self._sentences.get(article.slug)
        if found is None:
            found = self._sentences[article.slug] = _mention_sentences(self.matcher, article)
        return found.get(key)

    def ranked_together(self, key: EntityKey, kind: str, limit: int = 10) -> list[tuple[EntityKey, int]]:
        """Entities of `kind` most often covered with `key`: by count, then by slug."""
        pairs = [(other, n) for other, n in self.together(key).items() if other[0] == kind]
        pairs.sort(key=lambda p: (-p[1], p[0][1]))
        return pairs[:limit]

    def related_events(self, event: Event, limit: int = 10) -> list[tuple[EntityKey, int]]:
        """Other events sharing the most participants with `event`, by number shared, then slug.

        Capped like `ranked_together`: a regular participant's events grow with the desk, and an
        uncapped list made event pages 2.5 times larger at 10,000 articles than at 1,000.
        """
        shared: Counter[EntityKey] = Counter()
        for person in set(event.participants):
            shared.update(self.events_of.get(("person", person), []))
        shared.pop(event.key, None)
        return sorted(shared.items(), key=lambda p: (-p[1], p[0][1]))[:limit]


def build_index(desk: Desk, previous: DeskIndex | None = None) -> DeskIndex:
    """Compute the relations of the desk (the costlier ones wait until a page asks, see `DeskIndex`).

    With the `previous` index (the preview's last build), co-coverage counts and mention sentences
    already computed for unchanged entities and articles are kept, and an edit that leaves every
    relation in place (see `_edited_in_place`) updates a copy of the previous relations.
    """
    edited = None if previous is None else _edited_in_place(previous.desk, desk)
    if previous is not None and edited is not None:
        index = DeskIndex(desk, previous.matcher)  # equal entities: the same names
        _patch(previous, index, edited)
        return index
    names = _names_of(desk)
    same_names = previous is not None and _names_of(previous.desk) == names
    matcher = previous.matcher if previous is not None and same_names else AliasMatcher(names)
    index = DeskIndex(desk, matcher)
    _relate(index)
    if previous is not None:
        _carry_over(previous, index, same_names)
    return index


#: More edited articles than this and the relations are computed afresh: patching looks through the
#: lists of every entity an edited article covers, which for the most covered is most of the desk.
_MAX_PATCHED = 20


def _edited_in_place(before: Desk, after: Desk) -> list[tuple[Article, Article]] | None:
    """The (old, new) articles of an edit that moves no relation, or None if it may move one.

    That is: the entities are equal (relations between them stay), and the articles are the same
    slugs in the same order, those that differ covering the same entities and quoting the same
    people in the same order (the new objects take the old ones' places in every list).
    """
    if len(before.articles) != len(after.articles) or before.entities != after.entities:
        return None
    edited = [(a, b) for a, b in zip(before.articles, after.articles, strict=True) if a is not b]
    if len(edited) > _MAX_PATCHED:
        return None
    for a, b in edited:
        if (a.slug != b.slug or a.covers() != b.covers()
                or [q.by for q in a.quotes] != [q.by for q in b.quotes]):
            return None
    return edited


def _patch(previous: DeskIndex, index: DeskIndex, edited: list[tuple[Article, Article]]) -> None:
    """The previous relations with each edited article (and its quotes) in its old one's places.

    Lists are shared with the previous index but for those an edit touches, which are copied: the
    preview compares the two indexes to decide which pages to render again. The same articles cover
    the same entities, so every co-coverage count stands, and so does every mention sentence but
    those of the edited articles.
    """
    for name in ("coverage", "quotes", "children", "events_of", "people_of"):
        setattr(index, name, defaultdict(list, getattr(previous, name)))
    index._together = dict(previous._together)
    index._sentences = dict(previous._sentences)
    for old, new in edited:
        index._sentences.pop(old.slug, None)
        for key in old.covers():
            index.coverage[key] = [new if item is old else item for item in index.coverage[key]]
        refs = {id(ref): QuoteRef(quote, new) for quote, ref in zip(new.quotes, _quote_refs(previous, old),
                                                                    strict=True)}
        touched = {("person", quote.by) for quote in old.quotes}
        touched.update(key for key in old.covers() if key[0] != "person" and old.quotes)
        for key in touched:
            index.quotes[key] = [refs.get(id(ref), ref) for ref in index.quotes[key]]


def _quote_refs(index: DeskIndex, article: Article) -> list[QuoteRef]:
    """The index's `QuoteRef` of each of the article's quotes, in order."""
    return [next(ref for ref in index.quotes[("person", quote.by)] if ref.quote is quote and ref.article is article)
            for quote in article.quotes]


def _relate(index: DeskIndex) -> None:
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


def _names_of(desk: Desk) -> list[tuple[str, EntityKey]]:
    """Every name and alias with its entity, in the desk's order: what the alias matcher is made of."""
    return [(name, entity.key) for entity in desk.all_entities() for name in entity.names]


def _carry_over(previous: DeskIndex, index: DeskIndex, same_names: bool) -> None:
    """Keep lazily computed results whose inputs are the same objects as before."""
    for key, counts in previous._together.items():
        # Equal articles cover the same entities, so equal lists give equal counts. Lists compare
        # item by item, identity first: unchanged articles are the same objects, found in C.
        if previous.coverage.get(key, []) == index.coverage.get(key, []):
            index._together[key] = counts
    if not same_names:
        return  # other names may now match first: every sentence must be found again
    before_articles = {a.slug: a for a in previous.desk.articles}
    for article in index.desk.articles:
        found = previous._sentences.get(article.slug)
        if found is not None and before_articles.get(article.slug) is article:
            index._sentences[article.slug] = found


def _event_sort_key(desk: Desk, key: EntityKey) -> tuple[int, str]:
    event = desk.entity(key)
    assert isinstance(event, Event)
    return (-event.start.toordinal(), key[1])


def _mention_sentences(matcher: AliasMatcher[EntityKey], article: Article) -> dict[EntityKey, str]:
    """Covered entity → the first sentence of the body naming it."""
    found: dict[EntityKey, str] = {}
    pending = set(article.covers())
    for paragraph in plain_paragraphs(article.body):
        spans: list[tuple[int, int]] | None = None  # sentences, split only once a name turns up
        for match in matcher.find(paragraph):
            if match.target not in pending:
                continue
            pending.discard(match.target)
            spans = spans or sentence_spans(paragraph)
            at = bisect.bisect_right(spans, (match.start, len(paragraph))) - 1
            start, end = spans[max(at, 0)]
            found[match.target] = paragraph[start:end].strip()
            if not pending:
                return found
    return found


def week_window(desk: Desk) -> tuple[dt.date, dt.date] | None:
    """The seven days ending on the newest article's date: "this week" without reading the clock."""
    if not desk.articles:
        return None
    end = desk.articles[0].date
    return end - dt.timedelta(days=6), end
