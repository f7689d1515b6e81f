"""Stage 3, model: immutable objects built once from validated content.

Everything after this stage (index, render, the MkDocs plugin) reads these
objects and never the YAML. Identity is `(kind, slug)`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

from .schema import ENTITY_KINDS, LISTED_KINDS, UnknownKind, article_slugs
from .validate import ValidDoc

EntityKey = tuple[str, str]
"""`(kind, slug)`, e.g. `("person", "sergey-lavrov")`."""


@dataclass(frozen=True, kw_only=True)
class Link:
    """An external link shown on an entity page."""

    title: str
    url: str


@dataclass(frozen=True, kw_only=True)
class Entity:
    """A registry entry: anything an article can be about."""

    kind: ClassVar[str] = ""
    slug: str
    path: str
    """Source file, relative to the project root."""
    name: str
    aliases: tuple[str, ...] = ()
    summary: str = ""
    wikidata: str | None = None
    links: tuple[Link, ...] = ()

    @property
    def key(self) -> EntityKey:
        """The entity's identity."""
        return (self.kind, self.slug)

    @property
    def names(self) -> tuple[str, ...]:
        """The name followed by every alias: what the matcher looks for."""
        return (self.name, *self.aliases)

    def references(self) -> Iterator[EntityKey]:
        """The other entries this one names (parent, place, country, participants, organisations)."""
        return iter(())

    @classmethod
    def from_values(cls, common: dict[str, Any], values: Mapping[str, Any]) -> Entity:
        """The entity from the fields every kind has (`common`) and its checked `values`."""
        return cls(**common)


@dataclass(frozen=True, kw_only=True)
class Role:
    """A position a person held, with optional dates."""

    title: str
    org: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None

    def held_on(self, day: dt.date) -> bool:
        """True when the role was held on `day` (open ends count as held)."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True, kw_only=True)
class Person(Entity):
    """A person in the news."""

    kind: ClassVar[str] = "person"
    roles: tuple[Role, ...] = ()
    country: str | None = None

    def references(self) -> Iterator[EntityKey]:
        """The organisations of the person's roles, and their country."""
        yield from (("org", r.org) for r in self.roles if r.org)
        if self.country:
            yield ("place", self.country)

    @classmethod
    def from_values(cls, common: dict[str, Any], values: Mapping[str, Any]) -> Person:
        """The person, with their roles."""
        roles = tuple(Role(title=r["title"], org=r.get("org"), start=r.get("from"), end=r.get("to"))
                      for r in values.get("roles", ()))
        return cls(**common, roles=roles, country=values.get("country"))

    def current_role(self) -> Role | None:
        """The most recently started role with no end date, if any."""
        open_roles = [r for r in self.roles if r.end is None]
        return max(open_roles, key=lambda r: r.start or dt.date.min, default=None)

    def role_on(self, day: dt.date) -> Role | None:
        """The role the person held on `day`: of the dated roles held then, the one started last; with
        none, a role given without dates (held as far as the desk knows); else None."""
        held = [r for r in self.roles if (r.start or r.end) and r.held_on(day)]
        if not held:
            held = [r for r in self.roles if r.start is None and r.end is None]
        return max(held, key=lambda r: r.start or dt.date.min, default=None)


@dataclass(frozen=True, kw_only=True)
class Event(Entity):
    """Something that happened over one or more days."""

    kind: ClassVar[str] = "event"
    start: dt.date
    end: dt.date | None = None
    ongoing: bool = False
    place: str | None = None
    parent: str | None = None
    participants: tuple[str, ...] = ()
    status: str | None = None
    """The status the file gives (`scheduled`, `ongoing`, `concluded`); None to follow the dates."""

    @classmethod
    def from_values(cls, common: dict[str, Any], values: Mapping[str, Any]) -> Event:
        """The event, with its dates, place, parent and participants."""
        return cls(**common, start=values["start"], end=values.get("end"), ongoing=values.get("ongoing", False),
                   place=values.get("place"), parent=values.get("parent"),
                   participants=tuple(values.get("participants", ())), status=values.get("status"))

    def status_on(self, day: dt.date) -> str:
        """`scheduled`, `ongoing` or `concluded` as of `day` (the desk's date): as given, else from the dates."""
        if self.status:
            return self.status
        if day < self.start:
            return "scheduled"
        if self.ongoing or day <= (self.end or self.start):
            return "ongoing"
        return "concluded"

    def references(self) -> Iterator[EntityKey]:
        """The event's place, parent event and participants."""
        if self.place:
            yield ("place", self.place)
        if self.parent:
            yield ("event", self.parent)
        yield from (("person", p) for p in self.participants)


@dataclass(frozen=True, kw_only=True)
class Org(Entity):
    """An organisation."""

    kind: ClassVar[str] = "org"
    parent: str | None = None

    @classmethod
    def from_values(cls, common: dict[str, Any], values: Mapping[str, Any]) -> Org:
        """The organisation, with its parent."""
        return cls(**common, parent=values.get("parent"))

    def references(self) -> Iterator[EntityKey]:
        """The parent organisation."""
        if self.parent:
            yield ("org", self.parent)


@dataclass(frozen=True, kw_only=True)
class Place(Entity):
    """A country, city or region."""

    kind: ClassVar[str] = "place"
    country: str | None = None

    @classmethod
    def from_values(cls, common: dict[str, Any], values: Mapping[str, Any]) -> Place:
        """The place, with its country."""
        return cls(**common, country=values.get("country"))

    def references(self) -> Iterator[EntityKey]:
        """The country the place lies in."""
        if self.country:
            yield ("place", self.country)


@dataclass(frozen=True, kw_only=True)
class Topic(Entity):
    """A subject that runs through many articles."""

    kind: ClassVar[str] = "topic"


@dataclass(frozen=True, kw_only=True)
class Outlet(Entity):
    """A source: a news agency, broadcaster, newspaper, ministry… that articles are drawn from."""

    kind: ClassVar[str] = "source"
    outlet_kind: str | None = None
    """`agency`, `newspaper`, … (the file's `kind`)."""
    country: str | None = None
    url: str | None = None
    notes: str = ""

    @classmethod
    def from_values(cls, common: dict[str, Any], values: Mapping[str, Any]) -> Outlet:
        """The source, with what it is and where it is from."""
        return cls(**common, outlet_kind=values.get("kind"), country=values.get("country"), url=values.get("url"),
                   notes=values.get("notes", ""))

    def references(self) -> Iterator[EntityKey]:
        """The country it is published from."""
        if self.country:
            yield ("place", self.country)


@dataclass(frozen=True, kw_only=True)
class Source:
    """Where an article, or one of its key points, comes from: an outlet's name or entry, and an address."""

    name: str = ""
    """The name as the article gives it; empty when it names the outlet's entry alone (`slug`)."""
    url: str | None = None
    """The original article; None when only the outlet is named."""
    slug: str | None = None
    """The outlet's entry in `content/sources/`, if named."""


@dataclass(frozen=True, kw_only=True)
class Correction:
    """A correction made after publication."""

    date: dt.date
    text: str


@dataclass(frozen=True, kw_only=True)
class BriefingNote:
    """The editor's note above a day's briefing (`content/briefings/YYYY-MM-DD.md`)."""

    day: dt.date
    path: str
    title: str
    body: str
    body_line: int = 1


@dataclass(frozen=True, kw_only=True)
class Quote:
    """Words a person said, verbatim."""

    by: str
    text: str
    context: str = ""


@dataclass(frozen=True, kw_only=True)
class Article:
    """A brief of one source article."""

    slug: str
    path: str
    title: str
    date: dt.date
    """The day of publication, where it was published (the day of `published` when that is given)."""
    source: Source
    summary: str
    key_points: tuple[str, ...]
    refs: Mapping[str, tuple[str, ...]]
    """Slugs of the covered entities, by kind."""
    quotes: tuple[Quote, ...] = ()
    draft: bool = False
    body: str = ""
    body_line: int = 0
    published: dt.datetime | None = None
    """The moment of publication with its time zone, when the article gives one."""
    about: tuple[EntityKey, ...] = ()
    """What the article is mainly about (each also in `refs`); the rest of `refs` it only mentions."""
    point_sources: Mapping[int, Source] = field(default_factory=dict)
    """Key point (by position) → its own source, for the points that give one."""
    why_it_matters: str = ""
    whats_next: str = ""
    updated: dt.date | None = None
    corrections: tuple[Correction, ...] = ()

    kind: ClassVar[str] = "article"

    @property
    def moment(self) -> dt.datetime:
        """When the article was published: `published`, else the start of its day in UTC (feeds need a moment)."""
        if self.published is not None:
            return self.published
        return dt.datetime(self.date.year, self.date.month, self.date.day, tzinfo=dt.UTC)

    @property
    def key(self) -> EntityKey:
        """The article's identity."""
        return ("article", self.slug)

    def covers(self) -> tuple[EntityKey, ...]:
        """Every entity the article is annotated with, in kind order."""
        return self._covered

    @functools.cached_property
    def _covered(self) -> tuple[EntityKey, ...]:
        # Asked for by the index, the preview's planning and several views: made once per article object.
        return tuple((kind, slug) for kind in ENTITY_KINDS for slug in self.refs.get(kind, ()))

    def cited_sources(self) -> tuple[EntityKey, ...]:
        """The sources its key points are drawn from, besides its own, in order, each once."""
        own = self.source.slug
        return tuple(dict.fromkeys(("source", s.slug) for s in self.point_sources.values() if s.slug and s.slug != own))

    def is_about(self, key: EntityKey) -> bool:
        """Whether the article is mainly about `key` (not merely mentioning it)."""
        return key in self.about_set

    @functools.cached_property
    def about_set(self) -> frozenset[EntityKey]:
        """`about` as a set: looked up once for every entry the article covers."""
        return frozenset(self.about)

    @property
    def last_changed(self) -> dt.date:
        """The day of the latest update or correction, else the day of publication."""
        return max((self.date, *([self.updated] if self.updated else ()), *(c.date for c in self.corrections)))


ENTITY_CLASSES: dict[str, type[Entity]] = {cls.kind: cls for cls in (Person, Event, Org, Place, Topic, Outlet)}


@dataclass(frozen=True)
class Desk:
    """Everything the site is built from."""

    articles: tuple[Article, ...]
    """Newest first; equal dates are ordered by slug so output never depends on file order."""
    entities: Mapping[str, Mapping[str, Entity]]
    """kind → slug → entity, each sorted by slug."""
    notes: Mapping[dt.date, BriefingNote] = field(default_factory=dict)
    """The editors' notes of the daily briefings, by day."""

    def entity(self, key: EntityKey) -> Entity:
        """Look up an entity by `(kind, slug)`."""
        return self.entities[key[0]][key[1]]

    def get(self, key: EntityKey) -> Entity | None:
        """Like `entity`, but None for an unknown key."""
        return self.entities.get(key[0], {}).get(key[1])

    def all_entities(self) -> Iterable[Entity]:
        """Every entity, kind by kind, each kind by slug."""
        for kind in ENTITY_KINDS:
            yield from self.entities[kind].values()

    def source_name(self, source: Source) -> str:
        """How pages name a source: as the article writes it, else its outlet's name, else its slug."""
        if source.name:
            return source.name
        outlet = self.get(("source", source.slug)) if source.slug else None
        return outlet.name if outlet is not None else (source.slug or "")

    @property
    def date(self) -> dt.date:
        """The newest article's date, or a later editor's note's: what "now" means for the site (statuses,
        "upcoming"), so that builds never read the clock."""
        newest = self.articles[0].date if self.articles else dt.date(1970, 1, 1)
        return max(newest, max(self.notes)) if self.notes else newest


def entity_from(doc: ValidDoc) -> Entity:
    """The model object of a checked registry entry; raises `UnknownKind` for a kind with no model class."""
    v = doc.values
    common: dict[str, Any] = {
        "slug": doc.slug,
        "path": doc.source.path,
        "name": v["name"],
        "aliases": tuple(v.get("aliases", ())),
        "summary": v.get("summary", ""),
        "wikidata": v.get("wikidata"),
        "links": tuple(Link(**link) for link in v.get("links", ())),
    }
    cls = ENTITY_CLASSES.get(doc.kind)
    if cls is None:  # never a default class: an entity of a new kind must not pass for another kind
        raise UnknownKind(f"no model class for the kind {doc.kind!r} ({doc.source.path}); add one to ENTITY_CLASSES")
    return cls.from_values(common, v)


def article_from(doc: ValidDoc) -> Article:
    """The model object of a checked article."""
    v = doc.values
    refs = {kind: tuple(article_slugs(v, kind)) for kind in ENTITY_KINDS}
    source = v["source"]
    points = v["key_points"]
    return Article(
        slug=doc.slug,
        path=doc.source.path,
        title=v["title"],
        date=_day(v["date"]),
        published=v["date"] if isinstance(v["date"], dt.datetime) else None,
        source=Source(slug=source) if isinstance(source, str) else Source(
            name=source.get("name", ""), url=source["url"], slug=source.get("outlet")),
        summary=v["summary"],
        key_points=tuple(p if isinstance(p, str) else p["text"] for p in points),
        point_sources=MappingProxyType({n: Source(slug=p["source"], url=p.get("url"))
                                        for n, p in enumerate(points) if not isinstance(p, str)}),
        refs=MappingProxyType(refs),
        quotes=tuple(Quote(by=q["by"], text=q["text"], context=q.get("context", "")) for q in v.get("quotes", ())),
        draft=v.get("status") == "draft",
        body=doc.source.body,
        body_line=doc.source.body_line,
        about=_about(v.get("about", ()), refs),
        why_it_matters=v.get("why_it_matters", ""),
        whats_next=v.get("whats_next", ""),
        updated=v.get("updated"),
        corrections=tuple(Correction(date=c["date"], text=c["text"]) for c in v.get("corrections", ())),
    )


def _about(slugs: Iterable[str], refs: Mapping[str, tuple[str, ...]]) -> tuple[EntityKey, ...]:
    """The entries an article is about: each slug of `about` in every listed kind whose field names it."""
    slugs = list(slugs)
    if not slugs:
        return ()
    listed = {kind: set(refs[kind]) for kind in LISTED_KINDS}
    return tuple((kind, slug) for slug in slugs for kind in LISTED_KINDS if slug in listed[kind])


def note_from(doc: ValidDoc) -> BriefingNote:
    """The model object of a checked briefing note."""
    return BriefingNote(day=dt.date.fromisoformat(doc.slug), path=doc.source.path,
                        title=doc.values.get("title") or "Editor's note", body=doc.source.body,
                        body_line=doc.source.body_line)


def _day(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def item_from(doc: ValidDoc) -> Article | Entity | BriefingNote:
    """The model object of any checked file."""
    if doc.kind == "article":
        return article_from(doc)
    return note_from(doc) if doc.kind == "briefing" else entity_from(doc)


def build_desk(docs: Iterable[ValidDoc], *, drafts: bool = False,
               make: Callable[[ValidDoc], Article | Entity | BriefingNote] = item_from) -> Desk:
    """Build the model from validated documents (call only when validation found no errors).

    Drafts are left out unless `drafts` is true. `make` turns each file into its object: the
    preview passes one that keeps an unchanged file's object, so comparing two desks is mostly
    comparing identities.
    """
    articles: list[Article] = []
    entities: dict[str, dict[str, Entity]] = {kind: {} for kind in ENTITY_KINDS}
    notes: dict[dt.date, BriefingNote] = {}
    for doc in docs:
        item = make(doc)
        if isinstance(item, Article):
            if drafts or not item.draft:
                articles.append(item)
        elif isinstance(item, BriefingNote):
            notes[item.day] = item
        else:
            entities[doc.kind][doc.slug] = item
    return Desk(tuple(sort_articles(articles)), MappingProxyType(
        {kind: MappingProxyType(dict(sorted(entities[kind].items()))) for kind in ENTITY_KINDS}),
        MappingProxyType(dict(sorted(notes.items()))))


def sort_articles(articles: list[Article]) -> list[Article]:
    """`articles` sorted as a desk lists them: newest first, then by slug (so never by file order)."""
    articles.sort(key=newest_first)
    return articles


def names_in(desk: Desk) -> list[tuple[str, EntityKey]]:
    """Every name and alias with its entity, in the desk's order: what the alias matcher is made of."""
    return [(name, entity.key) for kind in LISTED_KINDS for entity in desk.entities[kind].values()
            for name in entity.names]


def newest_first(article: Article) -> tuple[int, str]:
    """An article's place in the desk's order (newest first, then by slug): a sort key, and a `bisect` key."""
    return -article.date.toordinal(), article.slug
