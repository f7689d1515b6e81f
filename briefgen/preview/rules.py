"""Which pages a preview rebuild renders again: the dependency rules.

A rebuild keeps the last build's pages and renders again only those whose HTML an edit can change
(MkDocs' "dirty" build, made exact by these rules). A test holds, for every kind of edit, that the
pages a partial rebuild leaves in place are byte-identical to a full build's. A page of a kind these
rules do not know (no owner, and a listing they have no rule for) is always rendered again.

What a page shows of other articles and entries is in its recorded reads: a page is rendered again
when one of them changed. The rules below add the pages whose *lists* an edit moves, which reads
cannot tell (an article that now belongs on a page was not read by its last rendering):

- an entity's coverage, quotes, connections and counts: the entries an edited article covers (old and
  new version), and what an edited entry refers to; an event's coverage and participants roll up
  into its ancestors, so those of every event an edit reshapes are reshaped too;
- an article's related coverage (`desk.related`): the articles near an article whose relations moved
  (its date, entries or `about`) in the coverage of an entry it covers, or every article of an entry
  whose coverage grew or shrank (how rare an entry is weighs every score it gives);
- an article's previous and next in its story: the articles next to an edited one in an event's coverage;
- an event's related events: those sharing a participant, a place or an article with an edited event;
- event statuses, which follow the desk's date (its newest article's): events whose status moved;
- the daily briefings: the days of the edited articles (old and new dates) and of the edited notes, the
  days next to one that appeared or went, and the archive pages whose days, counts or note titles change;
- the month archives likewise, and an index of entries when an entry of its kind changes or the
  coverage it counts grows or shrinks.

A later page of an entity's coverage shows only its name (and summary, in its head) and a page of the
list: it is rendered again when those change, or an article it lists does, whatever else of the
entity changed.

Entity pages also own their feed and API document, written again only for the pages a rebuild
renders: an entity whose feed lists an edited article, or an article drawn from a renamed source, has
its first page rendered again for that reason too.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, TypeVar

from ..desk import related
from ..desk.index import DeskIndex
from ..desk.matcher import name_key
from ..desk.model import Article, Desk, Entity, EntityKey, Event, names_in, newest_first
from ..desk.project import Stamp, files_stamp
from ..desk.schema import ENTITY_KINDS
from ..pages import urls
from ..pages.render import RELATED_ARTICLES, RenderOptions
from ..pages.spec import Listing, PageSpec

T = TypeVar("T")

#: The kind of the keys `changed_keys` gives briefing notes: `("briefing", "2024-07-03")`.
NOTE_KIND = "briefing"
#: How many of an article's related articles its page may show: its own, and as many more as it leaves out
#: for being its story's previous and next (compared, those leave nothing shown out of account).
_RELATED_SHOWN = RELATED_ARTICLES + 2
#: The listings `pages_to_rebuild` has a rule for: a page of any other is rendered again by every rebuild.
KNOWN_LISTINGS = frozenset({Listing.HOME, Listing.ARTICLES, Listing.MONTH, Listing.ENTITY_INDEX, Listing.SEARCH,
                            Listing.BRIEFING, Listing.BRIEFINGS, Listing.TIMELINE})


@dataclass
class Snapshot:
    """What the previous preview build rendered, and from what."""

    index: DeskIndex
    specs: dict[str, PageSpec]
    settings: object
    """Templates, mkdocs.yml and render options: when any changes, every page is rebuilt."""
    reads: dict[str, frozenset[EntityKey]] = field(default_factory=dict)
    """Page → the articles and entities it showed when it was last rendered."""


def briefing_key(day: dt.date) -> EntityKey:
    """The key `changed_keys` gives the editor's note of `day`."""
    return (NOTE_KIND, day.isoformat())


def changed_keys(old: Desk, new: Desk) -> set[EntityKey]:
    """Articles, entities and briefing notes (`briefing_key`) added, removed or edited between two desks."""
    changed: set[EntityKey] = set()
    olds, news = old.articles, new.articles
    if len(olds) == len(news):
        # Unchanged files keep their model objects, mostly in the same places. An article in a place
        # whose object is the same in both desks is unchanged; slugs being unique, one that moved or
        # changed is, in each desk that has it, in a place whose object differs.
        differ = [(a, b) for a, b in zip(olds, news, strict=True) if a is not b]
        olds, news = tuple(a for a, _ in differ), tuple(b for _, b in differ)
    before = {a.slug: a for a in olds}
    after = {a.slug: a for a in news}
    for slug in before.keys() | after.keys():
        a, b = before.get(slug), after.get(slug)
        if a is not b and a != b:
            changed.add(("article", slug))
    for kind in ENTITY_KINDS:
        was, now = old.entities[kind], new.entities[kind]
        if was is now:  # an edit to articles alone keeps the last model's entities
            continue
        for slug in was.keys() | now.keys():
            x, y = was.get(slug), now.get(slug)
            if x is not y and x != y:
                changed.add((kind, slug))
    if old.notes is not new.notes:  # (an edit to articles alone keeps the last model's notes too)
        for day in old.notes.keys() | new.notes.keys():
            m, n = old.notes.get(day), new.notes.get(day)
            if m is not n and m != n:
                changed.add(briefing_key(day))
    return changed


class _DeskVersion:
    """One version of the desk, with articles by slug."""

    def __init__(self, index: DeskIndex) -> None:
        self.index = index
        self.desk = index.desk
        self.articles = {a.slug: a for a in index.desk.articles}

    def item(self, key: EntityKey) -> Article | Entity | None:
        return self.articles.get(key[1]) if key[0] == "article" else self.desk.get(key)

    @functools.cached_property
    def days(self) -> tuple[dt.date, ...]:
        """The days with a briefing (a day's articles or its note), oldest first."""
        return tuple(sorted({a.date for a in self.desk.articles} | self.desk.notes.keys()))

    @functools.cached_property
    def _month_uris(self) -> dict[str, tuple[int, int]]:
        return {urls.month_uri(*month): month for month in self.months}

    def month_of(self, uri: str) -> tuple[int, int] | None:
        """The month of the archive page at `uri`."""
        return self._month_uris.get(uri)

    @functools.cached_property
    def months(self) -> tuple[tuple[int, int], ...]:
        """The months with articles, oldest first."""
        return tuple(sorted({(a.date.year, a.date.month) for a in self.desk.articles}))


def _reshaped(version: _DeskVersion, key: EntityKey) -> Iterator[EntityKey]:
    """Entities whose own pages list or count `key` (in one version of the desk)."""
    item = version.item(key)
    if isinstance(item, Article):
        yield from item.covers()  # coverage, quotes, connections, counts, mention sentences, feeds
        yield from item.cited_sources()  # a source's page lists the articles with a key point from it
    elif item is not None:
        yield from item.references()  # children, people, events
        if isinstance(item, Event):  # "related events" share participants, a place or articles
            index = version.index
            for person in item.participants:
                yield from index.events_of.get(("person", person), [])
            if item.place:
                yield from index.events_of.get(("place", item.place), [])
            yield from (other for other in index.together(key) if other[0] == "event")


def _neighbours(items: Sequence[T], item: T) -> tuple[T | None, T | None]:
    """The items before and after `item` in the sorted `items` (which need not hold it)."""
    at = bisect.bisect_left(items, item)  # type: ignore[type-var]
    after = at + 1 if at < len(items) and items[at] == item else at
    return (items[at - 1] if at > 0 else None), (items[after] if after < len(items) else None)


def _relations(article: Article) -> tuple[object, ...]:
    """What an article's place in other articles' lists depends on: its date, entries and salience."""
    return (article.date, article.covers(), article.about)


Edit = tuple[Article | None, Article | None]
"""An edited article's old and new version (None: added, or removed)."""


def _near(listed: Sequence[Article], article: Article, reach: int) -> Sequence[Article]:
    """The articles at most `reach` places from `article` in `listed` (a coverage list, newest first)."""
    at = bisect.bisect_left(listed, newest_first(article), key=newest_first)
    return listed[max(0, at - reach): at + reach + 1]


def _same(a: Sequence[Article | None], b: Sequence[Article | None]) -> bool:
    """Whether two lists hold the very same objects (an edited article is a new object)."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _related_moved(versions: tuple[_DeskVersion, _DeskVersion], moved: list[Edit],
                   changed: set[EntityKey]) -> set[EntityKey]:
    """Articles (not edited themselves) whose related coverage differs after the `moved` edits.

    `related.related_articles` scores an article against those at most `WINDOW` places from it in the
    coverage of each entry they share, each entry weighed by how common it is (`related.commonness`, a
    step at each doubling of its coverage). So an article whose relations moved changes the lists of the
    articles near it, in the old and the new lists; and an entry whose commonness changed, those of every
    article covering it. Each candidate's list is worked out with both indexes (a few lookups each): only
    those that differ are rendered again.
    """
    old, new = versions
    near: set[str] = set()
    for pair in moved:
        for version, article in zip(versions, pair, strict=True):
            if article is None:
                continue
            for key in article.covers():
                if not related.KIND_WEIGHT.get(key[0], 1.0):
                    continue  # (an entry that weighs nothing is skipped by the scoring too)
                before, after = old.index.coverage.get(key, []), new.index.coverage.get(key, [])
                if related.commonness(len(before)) != related.commonness(len(after)):
                    near.update(a.slug for a in after)
                else:
                    near.update(a.slug for a in _near(version.index.coverage.get(key, []), article,
                                                      related.WINDOW + 1))
    found: set[EntityKey] = set()
    for slug in near:
        before, article = old.articles.get(slug), new.articles.get(slug)
        if before is None or article is None or article.key in changed:
            continue  # (an edited article's page is rendered again anyway)
        if not _same(old.index.related_articles(before, _RELATED_SHOWN),
                     new.index.related_articles(article, _RELATED_SHOWN)):
            found.add(article.key)
    return found


def _story_moved(versions: tuple[_DeskVersion, _DeskVersion], edits: list[Edit],
                 changed: set[EntityKey]) -> set[EntityKey]:
    """Articles (not edited themselves) whose previous or next article in their story differs.

    Those are next to an edited article in an event's coverage, in the old or the new lists.
    """
    old, new = versions
    near: set[str] = set()
    for pair in edits:
        for version, article in zip(versions, pair, strict=True):
            if article is not None:
                for key in article.covers():
                    if key[0] == "event":
                        near.update(a.slug for a in _near(version.index.coverage.get(key, []), article, 1))
    found: set[EntityKey] = set()
    for slug in near:
        before, article = old.articles.get(slug), new.articles.get(slug)
        if before is None or article is None or article.key in changed:
            continue
        if not _same(old.index.story_neighbours(before), new.index.story_neighbours(article)):
            found.add(article.key)
    return found


def _status_moved(old: Desk, new: Desk) -> set[EntityKey]:
    """Events whose status (which follows the desk's date unless given) differs between the two desks."""
    if old.date == new.date:
        return set()
    before = old.entities["event"]
    return {event.key for slug, event in new.entities["event"].items()
            if isinstance(event, Event) and isinstance(was := before.get(slug), Event)
            and was.status_on(old.date) != event.status_on(new.date)}


def _pairs_recounted(moved: list[Edit]) -> set[frozenset[EntityKey]]:
    """Pairs of people whose count of articles naming both the `moved` edits change: both named by an
    edited article in one version of it and not in the other."""
    pairs: set[frozenset[EntityKey]] = set()
    for a, b in moved:
        before, after = ({k for k in x.covers() if k[0] == "person"} if x else set() for x in (a, b))
        if before != after:
            pairs.update(frozenset(pair) for pair in itertools.combinations(sorted(before | after), 2)
                         if not (set(pair) <= before and set(pair) <= after))
    return pairs


def _drawn_to_today(desk: Desk) -> set[EntityKey]:
    """Events a timeline draws up to the desk's date: ongoing, with no end (`pages.charts.drawn_end`)."""
    return {e.key for e in desk.entities["event"].values()
            if isinstance(e, Event) and e.end is None and (e.ongoing or e.status == "ongoing")}


def _renamed_outlets(versions: tuple[_DeskVersion, _DeskVersion], changed: set[EntityKey]) -> set[EntityKey]:
    """Sources whose name changed: feeds and lists name an article's source by it."""
    old, new = versions
    return {key for key in changed if key[0] == "source"
            and getattr(old.item(key), "name", None) != getattr(new.item(key), "name", None)}


def _drawn_from(version: _DeskVersion, outlets: set[EntityKey]) -> Iterator[Article]:
    """The articles that name one of `outlets` as their source or a key point's."""
    slugs = {slug for _, slug in outlets}
    for article in version.desk.articles:
        if article.source.slug in slugs or any(s.slug in slugs for s in article.point_sources.values()):
            yield article


def pages_to_rebuild(last: Snapshot, index: DeskIndex, specs: dict[str, PageSpec]) -> set[str]:
    """The pages (source URIs) whose HTML may differ from the previous build's.

    A page is rebuilt when it showed an article or entity that changed (its recorded reads), when
    it belongs to an entity whose lists the change reshapes (coverage, quotes, connections,
    members, related events: everything the old and the new version refer to), when it is an article
    whose related coverage or story links the change moves, or when it is a listing whose order or
    grouping the change can move (home, archives, briefings, index pages of the kind). See the
    module's docstring for each rule.
    """
    old_index = last.index
    old_desk, new_desk = old_index.desk, index.desk
    changed = changed_keys(old_desk, new_desk)
    versions = (_DeskVersion(old_index), _DeskVersion(index))
    old, new = versions
    edits: list[Edit] = [(old.articles.get(slug), new.articles.get(slug))
                         for kind, slug in sorted(changed) if kind == "article"]
    moved = [(a, b) for a, b in edits if a is None or b is None or _relations(a) != _relations(b)]
    notes_changed = {dt.date.fromisoformat(slug) for kind, slug in changed if kind == NOTE_KIND}

    shown = set(changed)  # what pages may show differently: the changes, and bodies that link anew
    if any(key[0] not in ("article", NOTE_KIND) for key in changed):
        # New or dropped names can change where bodies link and which sentence mentions whom.
        renamed = set(names_in(old_desk)) ^ set(names_in(new_desk))
        # The matcher's own first word ("Al" of "Al-Assad"), looked for as plain text: a superset.
        firsts = {key[0] for name, _ in renamed if (key := name_key(name))}
        if firsts:
            shown |= {a.key for a in new_desk.articles if any(word in a.body for word in firsts)}
            # An editor's note links names too.
            notes_changed |= {day for day, note in new_desk.notes.items() if any(word in note.body for word in firsts)}
    statuses = _status_moved(old_desk, new_desk)
    shown |= statuses  # every card of an event says its status

    reshaped = {key for key in changed if key[0] != "article"} | statuses
    for key in changed:
        for version in versions:
            reshaped.update(_reshaped(version, key))
    # Entities whose feed lists an article that shows differently there: the edited articles, and those
    # drawn from a renamed source (an item names the source).
    listed: list[tuple[_DeskVersion, Article]] = [(v, a) for pair in edits
                                                  for v, a in zip(versions, pair, strict=True) if a is not None]
    outlets = _renamed_outlets(versions, changed)
    if outlets:
        listed += [(v, a) for v in versions for a in _drawn_from(v, outlets)]
    rolled: set[tuple[_DeskVersion, EntityKey]] = set()  # events whose own coverage or sub-events changed
    for version, article in listed:
        reshaped.update(article.covers())
        reshaped.update(article.cited_sources())
        rolled.update((version, key) for key in article.covers() if key[0] == "event")
    rolled.update((v, key) for key in changed if key[0] == "event" for v in versions)
    for version, key in rolled:  # an event's page rolls up its sub-events' coverage and participants
        event = version.item(key)
        if isinstance(event, Event):
            reshaped.update(e.key for e in version.index.ancestors(event))
    if old_desk.date != new_desk.date:  # an empty feed is dated by the desk's date
        reshaped.update(e.key for e in new_desk.all_entities() if not index.coverage_of(e.key))
    articles_moved = _story_moved(versions, edits, changed) | _related_moved(versions, moved, changed)
    # Pictures (`pages.charts`): a person's connections draw how often two of their neighbours are named
    # together; the people index's network counts who is named, by year and topic; an event's timeline
    # draws an ongoing event up to the desk's date.
    pairs = _pairs_recounted(moved)
    paired = {key for pair in pairs for key in pair}
    network_moved = any(a is None or b is None or a.covers() != b.covers() or a.date.year != b.date.year
                        for a, b in moved)
    timelines = (_drawn_to_today(old_desk) | _drawn_to_today(new_desk)) if old_desk.date != new_desk.date else set()

    def drawn_anew(owner: EntityKey, reads: frozenset[EntityKey]) -> bool:
        """Whether the picture of an entity's first page (which shows what it reads) changed."""
        if owner[0] == "person" and len(named := reads & paired) > 1:
            return any(pair <= named for pair in pairs)
        return owner[0] == "event" and not reads.isdisjoint(timelines)
    changed_kinds = {key[0] for key in changed}

    @functools.cache
    def coverage_moved(key: EntityKey) -> bool:
        # As pages list it: about-first (with a heading for each part), an event's rolled up.
        return _listed(old_index, key) != _listed(index, key)

    @functools.cache
    def recounted(key: EntityKey) -> bool:  # (an index counts an entry's own coverage)
        return len(old_index.coverage.get(key, [])) != len(index.coverage.get(key, []))

    def headed_anew(key: EntityKey) -> bool:
        """Whether what later coverage pages say of their entity (its name, and the summary in their head) changed."""
        a, b = old.item(key), new.item(key)
        return a is None or b is None or (a.name, a.summary) != (b.name, b.summary)  # type: ignore[union-attr]

    edited = [a for pair in edits for a in pair if a is not None]
    # Articles added, removed or moved to another day: the counts of archives move.
    redated = [(a, b) for a, b in moved if a is None or b is None or a.date != b.date]
    months = {urls.month_uri(a.date.year, a.date.month) for a in edited}
    months_moved = bool(redated) and old.months != new.months

    # The daily briefings: a day's page lists its articles and note, and links the days around it.
    # (Each page of a day: an edit may move articles from one page of it to the next.)
    touched_days = {a.date for a in edited} | notes_changed
    days_moved = bool(redated or notes_changed) and old.days != new.days
    # The archive lists the days (how many in all), with each one's count, first headlines and note title.
    archived = {a.date for pair in redated for a in pair if a is not None} | {
        day for day in notes_changed
        if getattr(old_desk.notes.get(day), "title", None) != getattr(new_desk.notes.get(day), "title", None)}
    page_size = last.settings.options.page_size if isinstance(last.settings, RenderSettings) else None

    def archive_changed(number: int) -> bool:
        if page_size is None or (days_moved and len(old.days) != len(new.days)):
            return days_moved or bool(archived)  # (every page says how many days there are)
        # The pages cut the days newest first.
        start, end = len(new.days) - number * page_size, len(new.days) - (number - 1) * page_size
        shown_days = new.days[max(0, start):max(0, end)]
        return (days_moved and old.days[max(0, start):max(0, end)] != shown_days) or not archived.isdisjoint(
            shown_days)

    def listing_changed(uri: str, spec: PageSpec, reads: frozenset[EntityKey]) -> bool:
        listing = spec.listing
        if listing is Listing.HOME:
            return bool(changed)
        if listing is Listing.ARTICLES:  # the months with their counts, and the latest articles
            return bool(redated) or not reads.isdisjoint(shown)
        if listing is Listing.MONTH:  # its articles, and links to the months around it
            if uri in months or not reads.isdisjoint(shown):
                return True
            month = new.month_of(uri) if months_moved else None
            return month is not None and _neighbours(old.months, month) != _neighbours(new.months, month)
        if listing is Listing.ENTITY_INDEX:
            # Order and paging move when an entry of the kind changes; counts when an entry's coverage does.
            if spec.index_kind == "person" and spec.number == 1 and network_moved:
                return True
            return spec.index_kind in changed_kinds or not reads.isdisjoint(shown) or any(
                recounted(key) for key in reads & reshaped)
        if listing is Listing.BRIEFING:
            day = urls.briefing_day(uri)
            if day in touched_days or not reads.isdisjoint(shown):
                return True
            return days_moved and day is not None and _neighbours(old.days, day) != _neighbours(new.days, day)
        if listing is Listing.BRIEFINGS:
            return archive_changed(spec.number) or not reads.isdisjoint(shown)
        if listing is Listing.TIMELINE:  # every event, drawn as of the desk's date
            return "event" in changed_kinds or old_desk.date != new_desk.date
        # The search page depends on the settings alone; a page these rules do not know is rendered
        # again, never left stale.
        return listing not in KNOWN_LISTINGS

    def is_dirty(uri: str, spec: PageSpec) -> bool:
        reads = last.reads.get(uri)
        if uri not in last.specs or reads is None:
            return True  # new, or never rendered
        owner = spec.owner
        if owner is None:
            return listing_changed(uri, spec, reads)
        if owner in articles_moved:
            return True
        if spec.number == 1:
            return owner in shown or not reads.isdisjoint(shown) or owner in reshaped or drawn_anew(owner, reads)
        # Later coverage pages show their entity's name and a page of its coverage: they change only
        # when those do, or an article they list does.
        return ((owner in shown and headed_anew(owner)) or not (reads - {owner}).isdisjoint(shown)
                or (owner in reshaped and coverage_moved(owner)))

    return {uri for uri, spec in specs.items() if is_dirty(uri, spec)}


def _listed(index: DeskIndex, key: EntityKey) -> list[tuple[str, bool]]:
    """An entity's coverage as its pages list it: each article's slug, and whether it is about the entity."""
    return [(a.slug, index.is_about(a, key)) for a in index.page_coverage(key)]


class RenderSettings(NamedTuple):
    """Everything besides content that every page depends on (`render_settings`)."""

    templates: Stamp
    config: Stamp
    options: RenderOptions
    extra: object


def same_settings(last: Snapshot | None, settings: object) -> bool:
    """Whether the previous build used the same templates, configuration and options."""
    return last is not None and last.settings == settings


def render_settings(templates: Stamp, config_file: str | None, options: RenderOptions, extra: object) -> object:
    """Everything besides content that every page depends on."""
    config_stamp = files_stamp(config_file) if config_file and os.path.isfile(config_file) else ()
    return RenderSettings(templates, config_stamp, options, extra)
