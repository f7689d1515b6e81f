"""Stage 3, model: immutable objects built once from validated content.

Everything after this stage (index, render, the MkDocs plugin) reads these
objects and never the YAML. Identity is `(kind, slug)`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

from .reuse import FileCache
from .schema import ARTICLE_FIELD, ENTITY_KINDS
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
    bio: str = ""

    def references(self) -> Iterator[EntityKey]:
        """The organisations of the person's roles, and their country."""
        yield from (("org", r.org) for r in self.roles if r.org)
        if self.country:
            yield ("place", self.country)

    def current_role(self) -> Role | None:
        """The most recently started role with no end date, if any."""
        open_roles = [r for r in self.roles if r.end is None]
        return max(open_roles, key=lambda r: r.start or dt.date.min, default=None)

    def role_on(self, day: dt.date) -> Role | None:
        """The most recently started role held on `day`, if any."""
        held = [r for r in self.roles if r.held_on(day)]
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

    def references(self) -> Iterator[EntityKey]:
        """The parent organisation."""
        if self.parent:
            yield ("org", self.parent)


@dataclass(frozen=True, kw_only=True)
class Place(Entity):
    """A country, city or region."""

    kind: ClassVar[str] = "place"
    country: str | None = None

    def references(self) -> Iterator[EntityKey]:
        """The country the place lies in."""
        if self.country:
            yield ("place", self.country)


@dataclass(frozen=True, kw_only=True)
class Topic(Entity):
    """A subject that runs through many articles."""

    kind: ClassVar[str] = "topic"


@dataclass(frozen=True, kw_only=True)
class Source:
    """The publication an article summarises."""

    name: str
    url: str


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
    source: Source
    summary: str
    key_points: tuple[str, ...]
    refs: Mapping[str, tuple[str, ...]]
    """Slugs of the covered entities, by kind."""
    quotes: tuple[Quote, ...] = ()
    draft: bool = False
    body: str = ""
    body_line: int = 0

    kind: ClassVar[str] = "article"

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


ENTITY_CLASSES: dict[str, type[Entity]] = {cls.kind: cls for cls in (Person, Event, Org, Place, Topic)}


@dataclass(frozen=True)
class Desk:
    """Everything the site is built from."""

    articles: tuple[Article, ...]
    """Newest first; equal dates are ordered by slug so output never depends on file order."""
    entities: Mapping[str, Mapping[str, Entity]]
    """kind → slug → entity, each sorted by slug."""

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


def _entity_from(doc: ValidDoc) -> Entity:
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
    if doc.kind == "person":
        roles = tuple(
            Role(title=r["title"], org=r.get("org"), start=r.get("from"), end=r.get("to")) for r in v.get("roles", ())
        )
        return Person(**common, roles=roles, country=v.get("country"), bio=v.get("bio", ""))
    if doc.kind == "event":
        return Event(**common, start=v["start"], end=v.get("end"), ongoing=v.get("ongoing", False),
                     place=v.get("place"), parent=v.get("parent"), participants=tuple(v.get("participants", ())))
    if doc.kind == "org":
        return Org(**common, parent=v.get("parent"))
    if doc.kind == "place":
        return Place(**common, country=v.get("country"))
    return Topic(**common)


def _article_from(doc: ValidDoc) -> Article:
    v = doc.values
    return Article(
        slug=doc.slug,
        path=doc.source.path,
        title=v["title"],
        date=v["date"],
        source=Source(**v["source"]),
        summary=v["summary"],
        key_points=tuple(v["key_points"]),
        refs=MappingProxyType({kind: tuple(v.get(ARTICLE_FIELD[kind], ())) for kind in ENTITY_KINDS}),
        quotes=tuple(Quote(by=q["by"], text=q["text"], context=q.get("context", "")) for q in v.get("quotes", ())),
        draft=v.get("status") == "draft",
        body=doc.source.body,
        body_line=doc.source.body_line,
    )


def build_desk(docs: Iterable[ValidDoc], *, drafts: bool = False, cache: FileCache | None = None) -> Desk:
    """Build the model from validated documents (call only when validation found no errors).

    Drafts are left out unless `drafts` is true. With a `cache`, a file that has not changed keeps
    its model object, so comparing two desks is mostly comparing identities.
    """
    articles: list[Article] = []
    entities: dict[str, dict[str, Entity]] = {kind: {} for kind in ENTITY_KINDS}
    for doc in docs:
        convert: Callable[[ValidDoc], Article | Entity] = _article_from if doc.kind == "article" else _entity_from
        if cache is None:
            item = convert(doc)
        else:
            item = cache.get("model", doc.source.path, doc, lambda _, d=doc, f=convert: f(d), [])
        if isinstance(item, Article):
            if drafts or not item.draft:
                articles.append(item)
        else:
            entities[doc.kind][doc.slug] = item
    articles.sort(key=_newest_first)
    frozen = {kind: MappingProxyType(dict(sorted(entities[kind].items()))) for kind in ENTITY_KINDS}
    return Desk(tuple(articles), MappingProxyType(frozen))


def edited_desk(previous: Desk, edited: Mapping[str, ValidDoc | None], *, drafts: bool, cache: FileCache) -> Desk:
    """`previous` with the articles of the `edited` slugs replaced (None: the file no longer makes one).

    What `build_desk` makes of the same documents when no registry entry changed and only these
    articles did, and `previous` was built with the same `drafts` (the preview, see `recheck`).
    """
    articles = [article for article in previous.articles if article.slug not in edited]
    for doc in edited.values():
        if doc is not None:
            item = cache.get("model", doc.source.path, doc, lambda _, d=doc: _article_from(d), [])
            if drafts or not item.draft:
                articles.append(item)
    articles.sort(key=_newest_first)
    return Desk(tuple(articles), previous.entities)


def _newest_first(article: Article) -> tuple[int, str]:
    return -article.date.toordinal(), article.slug
