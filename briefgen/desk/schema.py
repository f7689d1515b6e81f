"""The content schema: which fields each kind of file has, and their types.

This is data, not code: `validate` walks it to check files, and the same
description can be turned into JSON Schema or documentation. A field's type
says what the author writes; the validator turns it into Python values.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

#: A slug is a file stem that is safe on every file system and in every URL. Match it with
#: `fullmatch`: `$` alone also matches before a final newline, which a file name may end with.
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_RULE = "lowercase ASCII letters, digits and single hyphens, e.g. `sergey-lavrov`"
#: Longest slug: it names a folder of the site, the pages below it and their files, and some file
#: systems and archive formats limit a name to far less than 255 bytes.
MAX_SLUG_LENGTH = 100
#: Slugs the site's own addresses use beside those of entries and articles: a kind's index page
#: (`people/index.md`), the pages of long lists (`people/page/2/`), feeds, the API, search and assets.
RESERVED_SLUGS = frozenset({"index", "page", "feed", "atom", "rss", "api", "search", "sitemap", "assets",
                            "pagefind", "404"})


#: What `briefgen new` writes where only the editor knows the value: text starting with `TODO`, and an
#: address reserved for examples (RFC 2606). `check` refuses both in anything published.
PLACEHOLDER_PREFIX = "TODO"
PLACEHOLDER_URL = "https://example.com/"


def slug_problem(slug: str) -> str | None:
    """Why `slug` cannot name a file of the desk, or None if it can."""
    if not SLUG_RE.fullmatch(slug):
        return f"is not a valid slug ({SLUG_RULE})"
    if len(slug) > MAX_SLUG_LENGTH:
        return f"is {len(slug)} characters long; the limit is {MAX_SLUG_LENGTH}"
    if slug in RESERVED_SLUGS or slug.isdigit():
        return "is a name the site's own addresses use (an index page, a page number, a feed)"
    return None
#: An http(s) address: scheme in any case (as browsers read it), a host (or a bracketed IPv6 address),
#: then an optional path, query or fragment; no whitespace. Shared by the validator and the JSON Schemas.
URL_RE = re.compile(r"^[Hh][Tt][Tt][Pp][Ss]?://(?:\[[0-9A-Fa-f:.]+\]|[^\s/?#\[\]]+)(?:[/?#]\S*)?$")


@dataclass(frozen=True)
class Text:
    """A string, kept exactly as written (YAML 1.1 coercions such as `NO` → false are undone)."""

    multiline: bool = False


@dataclass(frozen=True)
class Date:
    """An ISO calendar date, `YYYY-MM-DD`; with `time`, optionally followed by a time and its zone,
    `2024-07-03T14:05+05:30` (a time without a zone is refused: it would be read differently by each reader)."""

    time: bool = False


@dataclass(frozen=True)
class Url:
    """An absolute http(s) URL."""


@dataclass(frozen=True)
class Pattern:
    """A string that must match `regex`; `rule` explains it to the author."""

    regex: str
    rule: str


@dataclass(frozen=True)
class Flag:
    """A yes/no value, written `true` or `false`."""


@dataclass(frozen=True)
class Choice:
    """One of a fixed set of words."""

    values: tuple[str, ...]


@dataclass(frozen=True)
class Ref:
    """The slug of a registry entry of `kind`."""

    kind: str


@dataclass(frozen=True)
class ListOf:
    """A YAML sequence of `item`."""

    item: FieldType
    min_items: int = 0
    unique: bool = False


@dataclass(frozen=True)
class Record:
    """A YAML mapping with named fields."""

    fields: tuple[Field, ...]

    @functools.cached_property
    def by_name(self) -> dict[str, Field]:
        """The fields by name."""
        return {f.name: f for f in self.fields}

    @functools.cached_property
    def required_fields(self) -> tuple[Field, ...]:
        """The fields that must be given, in order."""
        return tuple(f for f in self.fields if f.required)


@dataclass(frozen=True)
class Either:
    """A value written either as one scalar or as a mapping: `source: reuters` or `source: {name: …, url: …}`."""

    scalar: FieldType
    mapping: Record


FieldType = Text | Date | Url | Pattern | Flag | Choice | Ref | ListOf | Record | Either


@dataclass(frozen=True)
class Field:
    """One key of a mapping."""

    name: str
    type: FieldType
    required: bool = False
    doc: str = ""
    default: object = field(default=None, compare=False)


WIKIDATA = Pattern(r"^Q[1-9][0-9]*$", "a Wikidata item id such as `Q1058`")

LINK = Record(
    (
        Field("title", Text(), required=True, doc="Text of the link."),
        Field("url", Url(), required=True, doc="Absolute http(s) address."),
    )
)


def _common(summary_doc: str = "A sentence or two on who or what this is.") -> tuple[Field, ...]:
    return (
        Field("name", Text(), required=True, doc="Display name."),
        Field(
            "aliases",
            ListOf(Text(), unique=True),
            doc="Other names used in the news; the mention matcher finds these in article text.",
        ),
        Field("summary", Text(multiline=True), doc=summary_doc),
        Field("wikidata", WIKIDATA, doc="Wikidata item id."),
        Field("links", ListOf(LINK), doc="Further reading: official pages, profiles."),
    )


ROLE = Record(
    (
        Field("title", Text(), required=True, doc="Office or position, e.g. `External Affairs Minister`."),
        Field("org", Ref("org"), doc="Organisation the role belongs to."),
        Field("from", Date(), doc="First day in the role."),
        Field("to", Date(), doc="Last day in the role; absent while the role is held."),
    )
)

PERSON = Record(
    (
        *_common(),
        Field("roles", ListOf(ROLE), doc="Positions held, most recent last or first; dates order them."),
        Field("country", Ref("place"), doc="Country the person serves or comes from."),
    )
)

#: What an event's page and the home page say of it (`model.Event.status_on`).
EVENT_STATUSES = ("scheduled", "ongoing", "concluded")

EVENT = Record(
    (
        *_common("What happened."),
        Field("start", Date(), required=True, doc="First day."),
        Field("end", Date(), doc="Last day; absent for a one-day or ongoing event."),
        Field("ongoing", Flag(), doc="`true` while the event has not ended (then `end` is left out)."),
        Field("status", Choice(EVENT_STATUSES),
              doc="`scheduled`, `ongoing` or `concluded`; left out, it follows from the dates and the newest "
                  "article's date (an event that was called off or postponed says so here)."),
        Field("place", Ref("place"), doc="Where it happens."),
        Field("parent", Ref("event"), doc="The larger event this one is part of."),
        Field("participants", ListOf(Ref("person"), unique=True), doc="People who took part."),
    )
)

ORG = Record((*_common(), Field("parent", Ref("org"), doc="Organisation this one belongs to.")))

PLACE = Record((*_common(), Field("country", Ref("place"), doc="Country a city or region lies in.")))

TOPIC = Record(_common("What the topic covers."))

#: What an outlet is, as a source page and the JSON API say (`content/sources/<slug>.yml`, field `kind`).
SOURCE_KINDS = ("agency", "broadcaster", "newspaper", "magazine", "online", "state-media", "ministry", "other")

OUTLET = Record(
    (
        *_common("Who publishes it, and anything a reader should weigh when reading it."),
        Field("kind", Choice(SOURCE_KINDS),
              doc="`agency`, `broadcaster`, `newspaper`, `magazine`, `online`, `state-media`, `ministry` or `other`."),
        Field("country", Ref("place"), doc="Country it is published from."),
        Field("url", Url(), doc="Its home page."),
        Field("notes", Text(multiline=True), doc="The desk's notes on it: ownership, reliability, how it is used."),
    )
)

#: An article's source written out: the outlet's name (or the slug of its entry in `content/sources/`)
#: and the address of the original article.
SOURCE = Record(
    (
        Field("name", Text(), doc="Publication, e.g. `Hindustan Times` (not needed with `outlet`)."),
        Field("url", Url(), required=True, doc="Address of the original article."),
        Field("outlet", Ref("source"), doc="Slug of the publication's entry in `content/sources/`."),
    )
)

#: A key point, as plain text or with the source it comes from (when not the article's own).
KEY_POINT = Either(
    Text(),
    Record(
        (
            Field("text", Text(), required=True, doc="The point."),
            Field("source", Ref("source"), required=True, doc="Slug of the source it comes from."),
            Field("url", Url(), doc="Address where that source says it."),
        )
    ),
)

CORRECTION = Record(
    (
        Field("date", Date(), required=True, doc="Day the correction was made."),
        Field("text", Text(multiline=True), required=True, doc="What was wrong, and what is right."),
    )
)

QUOTE = Record(
    (
        Field("by", Ref("person"), required=True, doc="Speaker; must be listed in the article's `people`."),
        Field("text", Text(multiline=True), required=True, doc="The words, verbatim."),
        Field("context", Text(), doc="Where or how it was said, e.g. `in a message on X`."),
        Field("verbatim_in", Choice(("body", "source")),
              doc="Where the exact words can be read: `body` (the default: `check` finds them in the brief) "
                  "or `source` (checked against the original article, which the brief paraphrases)."),
    )
)


@dataclass(frozen=True)
class Kind:
    """One kind of content file: everything that differs from kind to kind, in one place."""

    name: str
    """`article`, `person`, …: what diagnostics, URLs of the API and the model call it."""
    folder: str
    """Its folder under `content/`, which is also its URL segment."""
    schema: Record
    """The fields of a file of this kind."""
    label: str
    """How a page names one of them (`Organisation`)."""
    plural: str
    """How a page names several (`Organisations`)."""
    article_field: str | None = None
    """The article field that names entities of this kind; None for articles and briefing notes."""
    listed: bool = True
    """Whether the article field is a list of slugs that bodies are matched against (people, events, …);
    a source is named by the article's single `source` field, and bodies quote outlets freely."""
    markdown: bool = False
    """Whether files of the kind are Markdown (`.md`, with a body), not YAML."""


#: The registry kinds, in the order pages and navigation list them.
_ENTITIES = (
    Kind("person", "people", PERSON, "Person", "People", "people"),
    Kind("event", "events", EVENT, "Event", "Events", "events"),
    Kind("org", "orgs", ORG, "Organisation", "Organisations", "orgs"),
    Kind("place", "places", PLACE, "Place", "Places", "places"),
    Kind("topic", "topics", TOPIC, "Topic", "Topics", "topics"),
    Kind("source", "sources", OUTLET, "Source", "Sources", "source", listed=False),
)

#: An editor's note above a day's briefing: `content/briefings/YYYY-MM-DD.md`, Markdown with optional front matter.
BRIEFING = Record(
    (
        Field("title", Text(), doc="Heading of the note (default: `Editor's note`)."),
    )
)

ARTICLE = Record(
    (
        Field("title", Text(), required=True, doc="Headline of the brief."),
        Field("date", Date(time=True), required=True,
              doc="Publication date of the source, or its date, time and time zone, e.g. `2024-07-03T14:05+05:30`."),
        Field("source", Either(Ref("source"), SOURCE), required=True,
              doc="The original article: `{name, url}`, `{outlet, url}` with the slug of an entry in "
                  "`content/sources/`, or that slug alone."),
        Field("summary", Text(multiline=True), required=True, doc="The brief in one to three sentences."),
        Field("key_points", ListOf(KEY_POINT, min_items=1), required=True,
              doc="What a reader must retain; a point from another source is `{text, source, url}`."),
        Field("why_it_matters", Text(multiline=True), doc="Why a reader should care, in a sentence or two."),
        Field("whats_next", Text(multiline=True), doc="What to watch for: the next meeting, vote or deadline."),
        *(
            Field(kind.article_field, ListOf(Ref(kind.name), unique=True), doc=f"Slugs of the {kind.folder} covered.")
            for kind in _ENTITIES if kind.article_field and kind.listed
        ),
        Field("about", ListOf(Pattern(SLUG_RE.pattern, SLUG_RULE), unique=True),
              doc="Slugs of what the article is mainly about (each also listed in its field): their pages "
                  "list it first, and related coverage weighs them more than passing mentions."),
        Field("quotes", ListOf(QUOTE), doc="Direct quotes, verbatim and attributed."),
        Field("status", Choice(("published", "draft")), doc="`draft` keeps the article out of `build`."),
        Field("updated", Date(), doc="Day the brief was last changed in substance; feeds show it as updated."),
        Field("corrections", ListOf(CORRECTION), doc="Corrections made after publication, oldest first."),
        Field("source_fingerprint", Text(multiline=True),
              doc="Written by `briefgen import`: hashes of runs of the source's words, from which `check` "
                  "tells a body that still copies them. Leave it as it is."),
    )
)


#: Every kind, articles first, then the registry kinds in the order pages and navigation list them.
#: Folders, article fields, labels, schemas and model classes all derive from this table (see
#: docs/extending.md for what else a new kind needs).
KINDS: dict[str, Kind] = {
    "article": Kind("article", "articles", ARTICLE, "Article", "Articles", markdown=True),
    **{kind.name: kind for kind in _ENTITIES},
    "briefing": Kind("briefing", "briefings", BRIEFING, "Editor's note", "Editor's notes", markdown=True),
}

#: Kinds of entry with pages of their own that articles name, in order.
ENTITY_KINDS: tuple[str, ...] = tuple(name for name, kind in KINDS.items() if kind.article_field)
#: Entity kinds that articles list in a field of slugs, and whose names bodies are matched against.
LISTED_KINDS: tuple[str, ...] = tuple(name for name in ENTITY_KINDS if KINDS[name].listed)
#: Every kind but articles: the files checked before articles, which articles are checked against.
REGISTRY_KINDS: tuple[str, ...] = tuple(name for name in KINDS if name != "article")
FOLDERS: dict[str, str] = {name: kind.folder for name, kind in KINDS.items()}
#: Article field that names the entities of each kind an article covers.
ARTICLE_FIELD: dict[str, str] = {name: kind.article_field for name, kind in KINDS.items() if kind.article_field}
SCHEMAS: dict[str, Record] = {name: kind.schema for name, kind in KINDS.items()}


class UnknownKind(KeyError):
    """A kind that `KINDS` does not list: a programming error, never a fallback to another kind."""


def kind_of(name: str) -> Kind:
    """The `Kind` called `name`; raises `UnknownKind` for any other name."""
    try:
        return KINDS[name]
    except KeyError:
        raise UnknownKind(f"unknown kind {name!r}; the kinds are {', '.join(KINDS)}") from None


def article_slugs(values: dict[str, object], kind: str) -> list[str]:
    """The slugs of `kind` a checked article's values name: its list field, or its source's outlet."""
    if KINDS[kind].listed:
        return values.get(ARTICLE_FIELD[kind], [])  # type: ignore[return-value]
    source = values.get("source")
    slug = source.get("outlet") if isinstance(source, dict) else source
    return [slug] if isinstance(slug, str) else []
