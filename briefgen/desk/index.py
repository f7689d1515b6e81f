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

from . import related
from .matcher import AliasMatcher, resolve
from .model import Article, Desk, EntityKey, Event, Org, Person, Place, Quote, names_in, newest_first, sort_articles
from .related import salience
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
    cited: dict[EntityKey, list[Article]] = field(default_factory=lambda: defaultdict(list))
    """Source → articles with a key point drawn from it (besides those drawn from it whole), newest first."""
    # Co-coverage counts and mention sentences are computed when a page first asks for them: a
    # full build asks for nearly all (the same work as computing them up front), a preview
    # rebuild only for the few pages it renders.
    together_memo: dict[EntityKey, tuple[Counter[EntityKey], Counter[EntityKey]]] = field(
        default_factory=dict, repr=False)
    sentences_memo: dict[str, dict[EntityKey, str]] = field(default_factory=dict, repr=False)
    rolled_memo: dict[EntityKey, list[Article]] = field(default_factory=dict, repr=False)
    ranked_memo: dict[EntityKey, list[Article]] = field(default_factory=dict, repr=False)
    family_memo: dict[EntityKey, frozenset[EntityKey]] = field(default_factory=dict, repr=False)

    def together(self, key: EntityKey) -> Counter[EntityKey]:
        """How many articles `key` shares with each other entity."""
        return self._together(key)[0]

    def _together(self, key: EntityKey) -> tuple[Counter[EntityKey], Counter[EntityKey]]:
        """Counts of shared articles, and the same weighed by salience (`related.salience` of each side)."""
        found = self.together_memo.get(key)
        if found is None:
            counts: Counter[EntityKey] = Counter()
            weights: Counter[EntityKey] = Counter()
            for article in self.coverage.get(key, []):
                covered = article.covers()
                counts.update(covered)
                if article.about:
                    own = salience(article, key)
                    weights.update({other: own * salience(article, other) for other in covered})
                else:  # the usual article without `about`: every entry a mention
                    weights.update(covered)
            counts.pop(key, None)
            weights.pop(key, None)
            found = self.together_memo[key] = (counts, weights)
        return found

    def mention_sentence(self, article: Article, key: EntityKey) -> str | None:
        """The first sentence of the article's body that names `key`, if any does."""
        found = self.sentences_memo.get(article.slug)
        if found is None:
            found = self.sentences_memo[article.slug] = _mention_sentences(self.matcher, article)
        return found.get(key)

    def ranked_together(self, key: EntityKey, kind: str, limit: int = 10) -> list[tuple[EntityKey, int]]:
        """Entities of `kind` most often covered with `key`, with the number of articles they share:
        ranked by those articles weighed by salience (a passing mention counts less than an article
        about both), then by count, then by slug."""
        counts, weights = self._together(key)
        pairs = [(other, n) for other, n in counts.items() if other[0] == kind]
        pairs.sort(key=lambda p: (-weights[p[0]], -p[1], p[0][1]))
        return pairs[:limit]

    def related_events(self, event: Event, limit: int = 5,
                       exclude: Collection[EntityKey] = ()) -> list[tuple[EntityKey, int]]:
        """Up to `limit` other events closest to `event`, with the number of participants they share.

        Scored by shared participants, articles covering both (weighed by salience) and a shared place,
        weighed by how close in time they are (`related.related_events`). Candidates through a participant
        or the place are the nearest in time in its list (`events_near`); the list is capped, so that an
        event page does not grow with the desk, nor the work of making it.
        `exclude`: the event's own sub-events and parent, listed as such.
        """
        shared: Counter[EntityKey] = Counter()
        for person in set(event.participants):
            shared.update(self.events_near(("person", person), event))
        scores: dict[EntityKey, float] = {k: related.KIND_WEIGHT["person"] * n for k, n in shared.items()}
        for other, weight in self._together(event.key)[1].items():
            if other[0] == "event":
                scores[other] = scores.get(other, 0.0) + related.KIND_WEIGHT["event"] * weight / related.ABOUT
        if event.place:
            for other in self.events_near(("place", event.place), event):
                scores[other] = scores.get(other, 0.0) + related.KIND_WEIGHT["place"]
        for key in (event.key, *exclude):
            scores.pop(key, None)
        events = self.desk.entities["event"]
        ranked = related.related_events(event, scores, events, limit)  # type: ignore[arg-type]
        return [(key, shared.get(key, 0)) for key, _ in ranked]

    def events_near(self, key: EntityKey, event: Event, window: int = related.WINDOW) -> list[EntityKey]:
        """The events of a person or place (`events_of`) nearest `event` in time: `window` on either side
        of where it falls in the list, so that finding an event's related events costs no more for a
        person at hundreds of summits than for one at a few (the list of the desk's most travelled
        minister grows with the desk; a window does not)."""
        listed = self.events_of.get(key, [])
        if len(listed) <= 2 * window + 1:
            return listed
        desk = self.desk
        at = bisect.bisect_left(listed, (-event.start.toordinal(), event.slug),
                                key=lambda other: _event_sort_key(desk, other))
        return listed[max(0, at - window) : at + window + 1]

    # --- events: sub-events, roll-ups and story threads --------------------------------------------

    def descendants(self, key: EntityKey) -> list[EntityKey]:
        """Every sub-event of an event, at any depth, parents before their children (check refuses cycles)."""
        found: list[EntityKey] = []
        stack = list(reversed(self.children.get(key, [])))
        seen = {key}
        while stack:
            child = stack.pop()
            if child in seen:
                continue
            seen.add(child)
            found.append(child)
            stack.extend(reversed(self.children.get(child, [])))
        return found

    def ancestors(self, event: Event) -> list[Event]:
        """The event's parent, its parent's parent, …: the outermost last."""
        chain: list[Event] = []
        events = self.desk.entities["event"]
        current = events.get(event.parent) if event.parent else None
        while isinstance(current, Event) and current not in chain and current.key != event.key:
            chain.append(current)
            current = events.get(current.parent) if current.parent else None
        return chain

    def coverage_of(self, key: EntityKey) -> list[Article]:
        """The articles an entity's page and feed list, newest first: an event's own and its sub-events';
        a source's articles drawn from it, and those with a key point drawn from it."""
        if key in self.children and key[0] == "event":
            parts = [self.coverage.get(k, []) for k in (key, *self.descendants(key))]
        elif key in self.cited:
            parts = [self.coverage.get(key, []), self.cited[key]]
        else:
            return self.coverage.get(key, [])
        found = self.rolled_memo.get(key)
        if found is None:
            merged = {a.slug: a for part in parts for a in part}
            found = self.rolled_memo[key] = sort_articles(list(merged.values()))
        return found

    def is_about(self, article: Article, key: EntityKey) -> bool:
        """Whether `article` is about `key` (or, for an event, about one of its sub-events)."""
        if key in article.about:
            return True
        if key[0] != "event" or key not in self.children or not article.about:
            return False
        family = self.family_memo.get(key)
        if family is None:  # asked for each article of a long war's coverage: the sub-events found once
            family = self.family_memo[key] = frozenset(self.descendants(key))
        return not family.isdisjoint(article.about)

    def page_coverage(self, key: EntityKey) -> list[Article]:
        """An entity's coverage as its pages list it: the articles about it first, then those that
        mention it, each newest first."""
        found = self.ranked_memo.get(key)
        if found is None:
            listed = self.coverage_of(key)
            about = [a for a in listed if self.is_about(a, key)]
            found = listed if not about else about + [a for a in listed if not self.is_about(a, key)]
            self.ranked_memo[key] = found
        return found

    def participants_of(self, event: Event) -> list[tuple[str, EntityKey | None]]:
        """The people who took part in the event or its sub-events: (slug, the sub-event, or None for the event)."""
        found: dict[str, EntityKey | None] = dict.fromkeys(event.participants)
        for key in self.descendants(event.key):
            sub = self.desk.entities["event"].get(key[1])
            if isinstance(sub, Event):
                for person in sub.participants:
                    found.setdefault(person, key)
        return list(found.items())

    def main_event(self, article: Article) -> EntityKey | None:
        """The story an article belongs to: the first event it is about, else the first it lists."""
        about = [k for k in article.about if k[0] == "event"]
        if about:
            return about[0]
        events = article.refs.get("event", ())
        return ("event", events[0]) if events else None

    def story_neighbours(self, article: Article) -> tuple[Article | None, Article | None]:
        """The previous (older) and next (newer) article in the coverage of the article's main event."""
        main = self.main_event(article)
        if main is None:
            return None, None
        listed = self.coverage.get(main, [])
        at = bisect.bisect_left(listed, newest_first(article), key=newest_first)
        if at >= len(listed) or listed[at].slug != article.slug:
            return None, None
        return (listed[at + 1] if at + 1 < len(listed) else None), (listed[at - 1] if at > 0 else None)

    def related_articles(self, article: Article, limit: int = 5) -> list[Article]:
        """Up to `limit` articles most related to `article` (`related.related_articles`)."""
        return related.related_articles(article, lambda key: self.coverage.get(key, []), limit)


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
        for key in article.cited_sources():
            index.cited[key].append(article)
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
