"""Stage 2, validate: check every file against the schema, then the files against each other.

Each problem becomes a `Diagnostic` with the file, line and column, and all of
them are collected before anything stops. Values come out as plain Python
(str, date, bool, list, dict) together with the position of each, so later
cross-file checks can point at the exact list item that is wrong.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections.abc import Collection, Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import yaml
from slugify import slugify

from .diagnostics import Diagnostic, DiagnosticSink, did_you_mean
from .htmlpolicy import too_complex, unsafe_html
from .load import ParsedFile, SourceDoc
from .matcher import AliasMatcher, NameKey, name_key, resolve
from .schema import (
    ARTICLE_FIELD,
    ENTITY_KINDS,
    FOLDERS,
    LISTED_KINDS,
    PLACEHOLDER_PREFIX,
    PLACEHOLDER_URL,
    REGISTRY_KINDS,
    SCHEMAS,
    SLUG_RE,
    SLUG_RULE,
    URL_RE,
    Choice,
    Date,
    Either,
    FieldType,
    Flag,
    ListOf,
    Pattern,
    Record,
    Ref,
    Text,
    Url,
)
from .text import plain_paragraphs, sentences
from .verbatim import copied_run

#: Most YAML values one file may hold: a bound on the work a hostile file can cause.
MAX_NODES = 20_000
#: The dates content may give: four-digit years, so that every page, feed and archive can show them
#: and a week either side of any of them is still a date; and none later than the gzip header of the
#: sitemap, stamped with the newest page's date, can hold (early 2106).
FIRST_DATE = dt.date(1000, 1, 1)
LAST_DATE = dt.date(2100, 12, 31)

Path_ = tuple[object, ...]
Position = tuple[int, int]

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?P<zone>Z|[+-]\d{2}:\d{2})?$")
_STANDARD_TAG = "tag:yaml.org,2002:"
_NULL_TAG = _STANDARD_TAG + "null"
# Tags plain YAML resolves by itself; anything else (`!!python/...`, `!custom`) was written on purpose.
_PLAIN_TAGS = frozenset(_STANDARD_TAG + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp"))


@dataclass
class ValidDoc:
    """A file whose fields passed the schema: values plus where each one was written."""

    source: SourceDoc
    values: dict[str, Any]
    positions: dict[Path_, Position] = field(default_factory=dict)
    refs: list[tuple[Path_, str, str]] = field(default_factory=list)
    """Every (path, kind, slug) reference the file makes, in the order written."""
    errors: int = 0
    """How many errors the file's own checks found (its values were kept where they were valid)."""

    # Copied from `source`: the pipeline sorts files by kind several times over. (Not `cached_property`s,
    # which take a lock the first time each file is asked.)
    kind: str = field(init=False, repr=False, compare=False)
    """The kind of the source file."""
    slug: str = field(init=False, repr=False, compare=False)
    """The slug of the source file."""

    def __post_init__(self) -> None:
        self.kind = self.source.kind
        self.slug = self.source.slug

    # Cached: the preview reuses the file.
    @functools.cached_property
    def referenced(self) -> frozenset[tuple[str, str]]:
        """Every (kind, slug) the file refers to (kept with the file, which the preview reuses)."""
        return frozenset((kind, slug) for _, kind, slug in self.refs)

    def position(self, *path: object) -> Position:
        """Line and column of the value at `path`, falling back to its closest parent."""
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), (1, 1))


class _TooComplex(Exception):
    pass


class _Converter:
    """Turns one file's YAML nodes into values following the schema."""

    def __init__(self, sink: DiagnosticSink, line_offset: int) -> None:
        self.sink = sink
        self.offset = line_offset
        self.positions: dict[Path_, Position] = {}
        self.refs: list[tuple[Path_, str, str]] = []
        self.placeholders: list[tuple[Path_, str]] = []
        """(path, text) of each value that is a placeholder of `briefgen new`."""
        self.budget = MAX_NODES
        self.errors = 0

    def pos(self, node: yaml.Node) -> Position:
        return node.start_mark.line + 1 + self.offset, node.start_mark.column + 1

    def error(self, node: yaml.Node, code: str, message: str, hint: str = "") -> None:
        self.errors += 1
        self.sink.error(*self.pos(node), code, message, hint)

    def convert(self, node: yaml.Node, ftype: FieldType, path: Path_, label: str) -> Any:
        """The value of `node`, or None after reporting why it is not a valid `ftype`."""
        mark = node.start_mark  # inlined `pos`: this runs for every value of every file
        self.positions[path] = (mark.line + 1 + self.offset, mark.column + 1)
        if node.tag not in _PLAIN_TAGS:
            self.error(node, "yaml-tag", f"YAML tag `{node.tag}` is not allowed in content", "remove the tag")
            return None
        # This runs for every value of every file: dispatched on the exact type (schema types have no
        # subclasses), with text and references, most of a file's values, handled here.
        ftype_class = type(ftype)
        written = ftype  # what the author may write, for the message when it is neither form
        if ftype_class is Either:
            ftype = ftype.mapping if type(node) is yaml.MappingNode else ftype.scalar  # type: ignore[union-attr]
            ftype_class = type(ftype)
        if ftype_class is Record:
            return self.record(node, ftype, path, label)  # type: ignore[arg-type]
        if ftype_class is ListOf:
            return self.sequence(node, ftype, path, label)  # type: ignore[arg-type]
        if type(node) is not yaml.ScalarNode:
            shape = "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
            self.error(node, "wrong-type", f"`{label}` must be {_describe(written)}, not {shape}")
            return None
        if ftype_class is Text:
            # node.value is the text as written: YAML 1.1's `NO` → False or 12:30 → 750 never happens here.
            text = node.value.strip()
            if text[:4] == PLACEHOLDER_PREFIX:  # noted as values pass: a walk of every file's values cost more
                self.placeholders.append((path, text))
            return text or None
        if ftype_class is Ref:
            text = node.value.strip()
            if SLUG_RE.fullmatch(text):
                self.refs.append((path, ftype.kind, text))  # type: ignore[union-attr]
                return text
        value = self.scalar(node, ftype, label)
        if value == PLACEHOLDER_URL:
            self.placeholders.append((path, value))
        return value

    def record(self, node: yaml.Node, schema: Record, path: Path_, label: str) -> dict[str, Any] | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, "wrong-type", f"`{label}` must be a mapping of fields, not {_shape(node)}",
                       "write one `key: value` per line")
            return None
        self.budget -= len(node.value)  # counted per mapping or list: cheaper than per value
        if self.budget < 0:
            raise _TooComplex
        values: dict[str, Any] = {}
        first_seen: dict[str, yaml.Node] = {}
        failed: set[str] = set()  # present but invalid: already reported, so not "missing" too
        fields = schema.by_name
        for key_node, value_node in node.value:
            key = key_node.value if type(key_node) is yaml.ScalarNode else None
            if not isinstance(key, str) or not key:
                self.error(key_node, "wrong-type", "field names must be plain words")
                continue
            if key in first_seen:
                self.error(key_node, "duplicate-key", f"field `{key}` is given twice",
                           f"it was first given on line {self.pos(first_seen[key])[0]}; keep one")
                continue
            first_seen[key] = key_node
            spec = fields.get(key)
            if spec is None:
                known = [f.name for f in schema.fields]
                hint = _meant_field(key, fields) or did_you_mean(key, known) or f"known fields: {', '.join(known)}"
                self.error(key_node, "unknown-key", f"unknown field `{key}` in {label}", hint)
                continue
            if value_node.tag == _NULL_TAG and _is_null(value_node):  # the tag first: most values are not null
                self.positions[(*path, key)] = self.pos(value_node)
                continue  # An empty value means "not given"; `required` below catches it.
            errors_before = self.errors
            value = self.convert(value_node, spec.type, (*path, key), key)
            if value is not None:
                values[key] = value
            elif self.errors > errors_before:
                failed.add(key)
        for spec in schema.required_fields:
            if spec.name not in values and spec.name not in failed:
                self.error(node, "missing-field", f"required field `{spec.name}` is missing from {label}",
                           f"add `{spec.name}:` ({_describe(spec.type)})")
        return values

    def sequence(self, node: yaml.Node, ltype: ListOf, path: Path_, label: str) -> list[Any] | None:
        if not isinstance(node, yaml.SequenceNode):
            example = "[a, b]" if not isinstance(ltype.item, Record) else "a list of `- key: value` items"
            self.error(node, "wrong-type", f"`{label}` must be a list, not {_shape(node)}", f"write it as {example}")
            return None
        self.budget -= len(node.value)  # counted per mapping or list: cheaper than per value
        if self.budget < 0:
            raise _TooComplex
        items: list[Any] = []
        seen: dict[Any, int] = {}
        errors_before = self.errors
        for index, item_node in enumerate(node.value):
            if item_node.tag == _NULL_TAG and _is_null(item_node):
                self.error(item_node, "wrong-type", f"`{label}` has an empty item", "remove the empty `-` line")
                continue
            value = self.convert(item_node, ltype.item, (*path, index), label)
            if value is None:
                continue
            if ltype.unique and isinstance(value, str):
                if value in seen:
                    self.error(item_node, "duplicate-item", f"`{value}` appears twice in `{label}`",
                               f"it is already item {seen[value] + 1}; remove this one")
                    if self.refs and self.refs[-1][0] == (*path, index):
                        self.refs.pop()  # the item is dropped, so is the reference it made
                    continue
                seen[value] = index
            items.append(value)
        if len(items) < ltype.min_items and self.errors == errors_before:
            self.error(node, "too-few-items", f"`{label}` needs at least {ltype.min_items} item(s)")
        return items

    def scalar(self, node: yaml.ScalarNode, ftype: FieldType, label: str) -> Any:
        # node.value is the text as written: YAML 1.1's `NO` → False or 12:30 → 750 never happens here.
        text = node.value.strip()
        if isinstance(ftype, Text):
            return text if text else None
        if isinstance(ftype, Date):
            moment: dt.datetime | None = None
            try:
                if ftype.time and "T" in text:
                    found = _DATETIME_RE.fullmatch(text)
                    if not found:
                        raise ValueError
                    if not found.group("zone"):
                        self.error(node, "bad-date", f"`{label}` gives a time without its time zone: `{text}`",
                                   f"add the zone, e.g. {text}+05:30, or Z for UTC")
                        return None
                    moment = dt.datetime.fromisoformat(text)
                    day = moment.date()
                elif not _DATE_RE.fullmatch(text):
                    raise ValueError
                else:
                    day = dt.date.fromisoformat(text)
            except ValueError:
                self.error(node, "bad-date", f"`{label}` is not a valid date: `{text}`",
                           "write dates as YYYY-MM-DD, e.g. 2024-07-03" + (
                               ", or with the time and its zone, e.g. 2024-07-03T14:05+05:30" if ftype.time else ""))
                return None
            if not FIRST_DATE <= day <= LAST_DATE:
                self.error(node, "date-out-of-range", f"`{label}` is {text}, outside the years "
                           f"{FIRST_DATE.year} to {LAST_DATE.year} that pages, feeds and archives can show",
                           "check the year for a typo")
                return None
            return moment or day  # a datetime is a date too: its `date()` is the day where it was written
        if isinstance(ftype, Url):
            if not URL_RE.fullmatch(text) or not _host_is_valid(text):
                self.error(node, "bad-url", f"`{label}` must be an absolute http(s) address, not `{text[:80]}`",
                           "write the full address, e.g. https://example.com/page")
                return None
            scheme, rest = text.split(":", 1)
            return scheme.lower() + ":" + rest  # `HTTPS://` is the same address; pages, feeds and the API say `https`
        if isinstance(ftype, Pattern):
            if not re.match(ftype.regex, text):
                self.error(node, "bad-value", f"`{label}` must be {ftype.rule}, not `{text[:80]}`")
                return None
            return text
        if isinstance(ftype, Flag):
            if text.lower() in ("true", "false"):
                return text.lower() == "true"
            self.error(node, "wrong-type", f"`{label}` must be true or false, not `{text[:80]}`")
            return None
        if isinstance(ftype, Choice):
            if text not in ftype.values:
                hint = did_you_mean(text, ftype.values) or "one of: " + ", ".join(ftype.values)
                self.error(node, "bad-value", f"`{label}` must be one of {', '.join(ftype.values)}, not `{text[:80]}`",
                           hint)
                return None
            return text
        if isinstance(ftype, Ref):
            if not SLUG_RE.fullmatch(text):
                suggestion = slugify(text)
                self.error(node, "bad-ref", f"`{text[:80]}` in `{label}` is not a slug ({SLUG_RULE})",
                           f"refer to a {ftype.kind} by its file name, e.g. `{suggestion}`" if suggestion else "")
                return None
            return text
        raise AssertionError(f"unhandled field type {ftype!r}")  # pragma: no cover


#: Fields other tools (blogs, CMSs, static-site generators) have, by what they are called there → the
#: field of briefgen that holds the same thing, or how briefgen says it. Offered where that field exists
#: (`*`: in any record).
_FIELD_MEANINGS: dict[str, tuple[str, str]] = {
    "tags": ("topics", "tags are topics here: list topic slugs in `topics`"),
    "tag": ("topics", "tags are topics here: list topic slugs in `topics`"),
    "categories": ("topics", "categories are topics here: list topic slugs in `topics`"),
    "category": ("topics", "categories are topics here: list topic slugs in `topics`"),
    "keywords": ("topics", "keywords are topics here: list topic slugs in `topics`"),
    "author": ("source", "a brief names the publication it summarises in `source` (name and url), not an author"),
    "authors": ("source", "a brief names the publication it summarises in `source` (name and url), not authors"),
    "byline": ("source", "a brief names the publication it summarises in `source` (name and url), not a byline"),
    "publisher": ("source", "the publication goes in `source` (name and url)"),
    "url": ("source", "the original article's address goes in `source: {url: ...}`"),
    "link": ("source", "the original article's address goes in `source: {url: ...}`"),
    "description": ("summary", "the short description is `summary`"),
    "excerpt": ("summary", "the short description is `summary`"),
    "abstract": ("summary", "the short description is `summary`"),
    "published": ("date", "the publication date is `date` (YYYY-MM-DD)"),
    "pubdate": ("date", "the publication date is `date` (YYYY-MM-DD)"),
    "date_published": ("date", "the publication date is `date` (YYYY-MM-DD)"),
    "slug": ("*", "the slug is the file's name: rename the file to change it"),
    "image": ("title", "briefgen has no image field: put a picture in the body as Markdown, ![text](file.png)"),
    "cover": ("title", "briefgen has no image field: put a picture in the body as Markdown, ![text](file.png)"),
    "draft": ("status", "write `status: draft` (or `published`)"),
    "persons": ("people", "people are listed in `people`"),
    "person": ("people", "people are listed in `people`"),
    "organisations": ("orgs", "organisations are listed in `orgs`"),
    "organizations": ("orgs", "organisations are listed in `orgs`"),
    "locations": ("places", "places are listed in `places`"),
    "location": ("places", "places are listed in `places`"),
    "alias": ("aliases", "other names are listed in `aliases`"),
    "title": ("name", "an entry's display name is `name` (a person's office goes in `roles`)"),
    "bio": ("summary", "a person is described in `summary`, one or two sentences, as every entry is"),
    "biography": ("summary", "a person is described in `summary`, one or two sentences, as every entry is"),
}


def _meant_field(key: str, fields: dict[str, Any]) -> str:
    """A hint for an unknown field that another tool uses for something this record has ("" if none)."""
    meant = _FIELD_MEANINGS.get(key.lower())
    return meant[1] if meant is not None and (meant[0] == "*" or meant[0] in fields) else ""


def _host_is_valid(url: str) -> bool:
    """Whether an address that `URL_RE` accepts has a valid host: `URL_RE` leaves a bracketed IP
    address's digits unchecked, and `urlsplit` raises on a wrong one (`https://[1:2:3]/`)."""
    if "[" not in url:
        return True  # the usual case, decided without parsing the address again
    try:
        urlsplit(url)
    except ValueError:
        return False
    return True


def _is_null(node: yaml.Node) -> bool:
    # libyaml reports the plain style as "", the pure-Python parser as None.
    return type(node) is yaml.ScalarNode and node.tag == _NULL_TAG and not node.style


def _shape(node: yaml.Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    return f"`{str(node.value)[:40]}`"


def _describe(ftype: FieldType) -> str:
    if isinstance(ftype, Text):
        return "text"
    if isinstance(ftype, Date):
        return "a date (YYYY-MM-DD)"
    if isinstance(ftype, Url):
        return "an http(s) address"
    if isinstance(ftype, Pattern):
        return ftype.rule
    if isinstance(ftype, Flag):
        return "true or false"
    if isinstance(ftype, Choice):
        return "one of " + ", ".join(ftype.values)
    if isinstance(ftype, Ref):
        return f"a {ftype.kind} slug"
    if isinstance(ftype, ListOf):
        return f"a list of {_describe(ftype.item)}"
    if isinstance(ftype, Either):
        return f"{_describe(ftype.scalar)} or a mapping"
    return "a mapping"


def validate_file(parsed: ParsedFile, diagnostics: list[Diagnostic]) -> ValidDoc | None:
    """Check one loaded file against its kind's schema; None if it cannot be used at all."""
    doc = parsed.source
    sink = DiagnosticSink(doc.path, diagnostics)
    if parsed.node is None:
        if not parsed.unparsable:
            sink.error(1 + parsed.line_offset, 1, "empty-file", f"the {doc.kind} file has no fields",
                       "required: " + ", ".join(f.name for f in SCHEMAS[doc.kind].fields if f.required))
        return None
    converter = _Converter(sink, parsed.line_offset)
    try:
        values = converter.convert(parsed.node, SCHEMAS[doc.kind], (), f"this {doc.kind}")
    except _TooComplex:
        sink.error(*converter.pos(parsed.node), "yaml-too-complex",
                   f"the file holds more than {MAX_NODES:,} YAML values",
                   "split it up: no brief or registry entry needs that many")
        return None
    if values is None:
        return None
    valid = ValidDoc(doc, values, converter.positions, converter.refs)
    _check_semantics(valid, sink, clean=converter.errors == 0)
    _check_placeholders(valid, converter.placeholders, sink)
    _check_long_verbatim(valid, sink)
    valid.errors = sink.errors
    return valid


def _check_semantics(doc: ValidDoc, sink: DiagnosticSink, *, clean: bool = True) -> None:
    """The checks of a file's values against each other. Those that point at an item of a list run only
    on a `clean` file: an item dropped as invalid would shift every later item's place."""
    values = doc.values
    if doc.kind == "event":
        start, end = values.get("start"), values.get("end")
        if start and end and end < start:
            sink.error(*doc.position("end"), "end-before-start", f"the event ends ({end}) before it starts ({start})",
                       "swap the dates, or fix the typo")
        if end and values.get("ongoing"):
            sink.error(*doc.position("ongoing"), "ongoing-with-end", "an ongoing event cannot have an `end`",
                       "remove `ongoing: true` or the `end` date")
        status = values.get("status")
        if status and status != "ongoing" and values.get("ongoing"):
            sink.error(*doc.position("status"), "status-conflict",
                       f"the event says `status: {status}` and `ongoing: true`",
                       "keep one: `ongoing: true` says it has not ended")
    for index, role in enumerate(values.get("roles", [])):
        start, end = role.get("from"), role.get("to")
        if start and end and end < start:
            sink.error(*doc.position("roles", index, "to"), "end-before-start",
                       f"the role `{role.get('title')}` ends ({end}) before it starts ({start})")
    if doc.kind == "person" and clean:
        _check_role_overlaps(doc, sink)
    if doc.kind == "briefing":
        day = dt.date.fromisoformat(doc.slug) if _DATE_RE.fullmatch(doc.slug) and _is_date(doc.slug) else None
        if day is None:
            sink.error(1, 1, "bad-briefing-date", f"a briefing note is named after its day, not `{doc.slug}`",
                       "name the file YYYY-MM-DD.md, e.g. content/briefings/2024-07-03.md")
        elif not FIRST_DATE <= day <= LAST_DATE:
            sink.error(1, 1, "date-out-of-range", f"the note is dated {day}, outside the years {FIRST_DATE.year} "
                       f"to {LAST_DATE.year} that pages, feeds and archives can show", "check the year for a typo")
    if doc.kind == "article" and "date" in values:
        date = values["date"]
        expected = (f"{date.year:04d}", f"{date.month:02d}")
        if doc.source.folders != expected:
            sink.error(*doc.position("date"), "misplaced-article",
                       f"an article dated {date} belongs in content/articles/{expected[0]}/{expected[1]}/",
                       f"move it to content/articles/{expected[0]}/{expected[1]}/{doc.slug}.md")
    if doc.kind == "article" and clean:
        _check_article_fields(doc, sink)
    if doc.source.body:  # an article's, or an editor's note's: both are rendered the same way
        complex_body = too_complex(doc.source.body)
        if complex_body is not None:  # no page is made from it: Markdown would take too long, or fail
            sink.error(doc.source.body_line + complex_body.line - 1, complex_body.col, "too-complex",
                       f"the body is too complex to convert: {complex_body.what}", complex_body.hint)
        for line, col, what in unsafe_html(doc.source.body):
            sink.warning(doc.source.body_line + line - 1, col, "unsafe-html", f"{what} is removed from the page",
                         "pages keep only safe HTML; write Markdown, and link with http(s) addresses")
    if doc.kind == "article":
        _check_quotes_verbatim(doc, sink)


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _check_role_overlaps(doc: ValidDoc, sink: DiagnosticSink) -> None:
    """Warn when two dated roles in one organisation overlap: pages could not tell which was held then.

    Roles in different organisations, or given without one, may be held at once (a minister and a
    member of parliament); two in one organisation overlapping is nearly always an old role whose `to`
    was not written. Each role is reported once, against the earlier role it overlaps that ends last:
    one pass over the roles sorted by start, whatever their number.
    """
    by_org: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for index, role in enumerate(doc.values.get("roles", [])):
        if role.get("org") and (role.get("from") or role.get("to")):
            by_org.setdefault(role["org"], []).append((index, role))
    reported = 0
    for roles in by_org.values():
        roles.sort(key=lambda pair: (pair[1].get("from") or dt.date.min, pair[0]))
        longest: dict[str, Any] | None = None  # of the roles so far, the one that ends last
        for index, role in roles:
            start = role.get("from") or dt.date.min
            if longest is not None and start <= (longest.get("to") or dt.date.max):
                end = min(role.get("to") or dt.date.max, longest.get("to") or dt.date.max)
                since = f"from {start}" if start != dt.date.min else "on every day"
                sink.warning(*doc.position("roles", index), "overlapping-roles",
                             f"the roles `{longest.get('title')}` and `{role.get('title')}` overlap {since}"
                             + (f" to {end}" if end != dt.date.max else "")
                             + ", so pages cannot tell which one the person held then",
                             f"give `{longest.get('title')}` a `to:` date before `{role.get('title')}` starts, "
                             "or correct the dates")
                reported += 1
                if reported == _MAX_ROLE_WARNINGS:
                    return
            if longest is None or (role.get("to") or dt.date.max) > (longest.get("to") or dt.date.max):
                longest = role


#: Overlapping roles reported in one file: the first few say what to fix.
_MAX_ROLE_WARNINGS = 10


def _check_article_fields(doc: ValidDoc, sink: DiagnosticSink) -> None:
    """The article's fields against each other: `about`, later dates, the source's name."""
    values = doc.values
    listed = {slug for kind in LISTED_KINDS for slug in values.get(ARTICLE_FIELD[kind], ())}
    for index, slug in enumerate(values.get("about", ())):
        if slug not in listed:
            sink.error(*doc.position("about", index), "about-not-listed",
                       f"`about` names `{slug}`, which no field of this article lists",
                       f"add `{slug}` to the field of its kind (`people`, `events`, …), or remove it from `about`")
    date = values.get("date")
    day = date.date() if isinstance(date, dt.datetime) else date
    if day is not None:
        later = [(("updated",), values.get("updated"))]
        later += [(("corrections", index, "date"), c.get("date"))
                  for index, c in enumerate(values.get("corrections", ()))]
        for path, when in later:
            if when is not None and when < day:
                sink.error(*doc.position(*path), "before-publication",
                           f"`{_label(path)}` is {when}, before the article's date ({day})",
                           "a brief is updated or corrected after it is published: check the year and month")
    source = values.get("source")
    if isinstance(source, dict) and "url" in source and not source.get("name") and not source.get("outlet"):
        sink.error(*doc.position("source"), "source-without-name", "the source has no `name` and no `outlet`",
                   "add `name:` (the publication, e.g. `Hindustan Times`) or `outlet:` (the slug of its "
                   "entry in content/sources/)")


def _check_placeholders(doc: ValidDoc, placeholders: list[tuple[Path_, str]], sink: DiagnosticSink) -> None:
    """Refuse the placeholders `briefgen new` writes (`placeholders`, as the values were converted), in
    every entry and every article not a draft."""
    if doc.kind == "article" and doc.values.get("status") == "draft":
        return
    hint = ("write the real value, or keep `status: draft` until the brief is done" if doc.kind == "article"
            else "write the real value, or leave the field empty: an empty field means \"not given\"")
    for path, value in placeholders:
        shown = value if len(value) <= 60 else value[:57] + "..."
        sink.error(*doc.position(*path), "placeholder", f"`{_label(path)}` still holds the placeholder `{shown}`",
                   hint)
    if doc.kind == "article" and PLACEHOLDER_PREFIX in doc.source.body:
        for number, line in enumerate(doc.source.body.split("\n")):
            if line.lstrip().startswith(PLACEHOLDER_PREFIX):
                sink.error(doc.source.body_line + number, len(line) - len(line.lstrip()) + 1, "placeholder",
                           "the body still holds the placeholder text of `briefgen new`",
                           "write the brief, or keep `status: draft` until it is done")


#: Quotations in a body: kept verbatim on purpose, so left out of the long-verbatim check.
_QUOTATION = re.compile(r"“[^“”]*”|\"[^\"\n]*\"")


def _check_long_verbatim(doc: ValidDoc, sink: DiagnosticSink) -> None:
    """Warn when a published brief's body still copies a long run of the source `briefgen import` read."""
    recorded = doc.values.get("source_fingerprint")
    if doc.kind != "article" or not recorded or doc.values.get("status") == "draft":
        return
    prose = _QUOTATION.split(" ".join(plain_paragraphs(doc.source.body)))
    run = copied_run(recorded, prose)
    if run is not None:
        sink.warning(*doc.position("source_fingerprint"), "long-verbatim",
                     f"the body copies its source word for word: “{run} …”",
                     "the desk writes briefs: say it in your own words, and keep only quotes verbatim, "
                     "inside quotation marks")


def _label(path: Path_) -> str:
    """`source.url`, `key_points[1]`: a value's place in a file, as an editor reads it."""
    label = ""
    for part in path:
        label += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if label else str(part))
    return label


# --- checks across files -------------------------------------------------------------------------


@dataclass(eq=False)  # compared by identity: the preview's cache keeps per-article results while it is the same
class Registry:
    """The valid registry entries by kind and slug, and every name they claim."""

    docs: dict[str, dict[str, ValidDoc]]
    names: dict[NameKey, tuple[ValidDoc, ...]]
    """Each name or alias → the entries that claim it, in the registry's order (several for a shared name)."""
    broken: frozenset[tuple[str, str]] = frozenset()
    """(kind, slug) of the entry files that exist but failed their own checks: references to them are
    not reported again as unknown (the file's own diagnostics say what is wrong)."""
    _matcher: AliasMatcher[tuple[str, str]] | None = field(default=None, init=False, repr=False)

    def matcher(self) -> AliasMatcher[tuple[str, str]]:
        """A matcher over the names and aliases of every registry entry, to its (kind, slug) (made once).

        The targets are the model's `EntityKey`s, as in the index's matcher, so that a match is resolved
        against an article's annotations the same way in `check` as on the page.
        """
        if self._matcher is None:
            self._matcher = AliasMatcher((name, (doc.kind, doc.slug)) for doc in _all(self.docs, LISTED_KINDS)
                                         for name in entry_names(doc))
        return self._matcher

    def for_articles(self) -> Registry:
        """The registry as far as `check_articles` reads it: each entry's kind, slug, file, name and aliases.

        Small enough to send to another process quickly, unlike the whole registry with its YAML nodes
        and positions, about ten times larger (docs/performance.md).
        """
        docs: dict[str, dict[str, ValidDoc]] = {kind: {} for kind in ENTITY_KINDS}
        for doc in _all(self.docs):
            names = {key: doc.values[key] for key in _NAME_FIELDS if key in doc.values}
            docs[doc.kind][doc.slug] = ValidDoc(SourceDoc(doc.kind, doc.slug, doc.source.path), names)
        return Registry(docs, {key: tuple(docs[doc.kind][doc.slug] for doc in claimants)
                               for key, claimants in self.names.items()}, self.broken)


#: The fields an entry's names come from (`entry_names`): all that `Registry.for_articles` keeps of its values.
_NAME_FIELDS = ("name", "aliases")


def entry_names(doc: ValidDoc) -> list[str]:
    """A checked registry entry's name, then its aliases: what the matcher looks for (`model.Entity.names`)."""
    return [doc.values.get("name", ""), *doc.values.get("aliases", [])]


def _all(docs: dict[str, dict[str, ValidDoc]], kinds: tuple[str, ...] = ENTITY_KINDS) -> Iterator[ValidDoc]:
    """The entries of `kinds` (by default every entity: not the briefing notes, which claim no names)."""
    for kind in kinds:
        yield from docs[kind].values()


def build_registry(valid: list[ValidDoc], diagnostics: list[Diagnostic],
                   broken: frozenset[tuple[str, str]] = frozenset()) -> Registry:
    """Index registry entries; report two entries of one kind with the same full name. `broken` as in `Registry`.

    Aliases may be shared (two people called Reyes), and so may a name across kinds (Georgia the place
    and a person called Georgia): an article's annotations tell which one a mention means. Two entries
    of one kind with the same `name` have nothing that tells them apart on their pages or in `briefgen
    new`, so that stays an error.
    """
    docs: dict[str, dict[str, ValidDoc]] = {kind: {} for kind in REGISTRY_KINDS}
    for doc in valid:
        if doc.kind != "article":
            docs[doc.kind][doc.slug] = doc
    names: dict[NameKey, tuple[ValidDoc, ...]] = {}
    full_names: dict[tuple[str, NameKey], ValidDoc] = {}
    for doc in _all(docs):
        sink = DiagnosticSink(doc.source.path, diagnostics)
        own: set[NameKey] = set()
        for index, name in enumerate(entry_names(doc)):
            key = name_key(name)
            if not key or key in own:
                continue
            own.add(key)
            names[key] = (*names.get(key, ()), doc)
            if index != 0:
                continue
            other = full_names.setdefault((doc.kind, key), doc)
            if other is not doc:
                sink.error(*doc.position("name"), "duplicate-alias",
                           f"the name `{name}` is also the name of {other.kind} `{other.slug}` ({other.source.path})",
                           "tell them apart: give one a fuller name (e.g. add a first name or a qualifier in "
                           "brackets) and keep the shared form as an alias")
    return Registry(docs, names, broken)


def check_references(valid: list[ValidDoc], registry: Registry, diagnostics: list[Diagnostic]) -> None:
    """Report references to slugs that no registry file defines, with a did-you-mean."""
    for doc in valid:
        sink = DiagnosticSink(doc.source.path, diagnostics)
        for path, kind, slug in doc.refs:
            if slug in registry.docs[kind] or (kind, slug) in registry.broken:
                continue
            sink.error(*doc.position(*path), "unknown-ref", f"unknown {kind} `{slug}`",
                       _suggest_slug(slug, kind, registry))


#: How alike a slug and a known spelling must be to be offered as "did you mean": below this, names that
#: share a few letters (`china` and `india`) would be offered as each other.
_CLOSE_SLUG = 0.75


def _suggest_slug(slug: str, kind: str, registry: Registry) -> str:
    """Slugs the author may have meant (they often write a name or alias, "lavrov", for a slug), and
    how to create the entry if it is new."""
    spellings: dict[str, str] = {}  # a slug, or a slugified name or alias → the entry's slug
    for doc in registry.docs[kind].values():
        spellings[doc.slug] = doc.slug
        for name in entry_names(doc):
            spellings.setdefault(slugify(name), doc.slug)
    exact = [spellings[slug]] if slug in spellings else []
    close = [spellings[s] for s in difflib.get_close_matches(slug, list(spellings), n=3, cutoff=_CLOSE_SLUG)]
    partial = [target for spelling, target in sorted(spellings.items()) if slug in spelling.split("-")]
    targets = list(dict.fromkeys(exact + close + partial))[:3]
    name = " ".join(word.capitalize() for word in slug.split("-"))
    create = f'create content/{FOLDERS[kind]}/{slug}.yml (`briefgen new {kind} "{name}"`)'
    if targets:
        return "did you mean " + " or ".join(f"`{t}`" for t in targets) + f"? If it is new, {create}"
    return f"{create}, or check the spelling"


def check_parent_cycles(registry: Registry, diagnostics: list[Diagnostic]) -> None:
    """Report chains of `parent` (events, orgs) or `country` (places) that loop back on themselves."""
    for kind, key in (("event", "parent"), ("org", "parent"), ("place", "country")):
        docs = registry.docs[kind]
        reported: set[str] = set()
        for slug in sorted(docs):
            chain = [slug]
            current = docs[slug].values.get(key)
            while current in docs and current not in chain:
                chain.append(current)
                current = docs[current].values.get(key)
            if current != slug or slug in reported:
                continue
            loop = " → ".join([*chain, slug])
            for member in chain:
                reported.add(member)
                doc = docs[member]
                DiagnosticSink(doc.source.path, diagnostics).error(
                    *doc.position(key), "parent-cycle", f"`{key}` goes round in a circle: {loop}",
                    f"remove `{key}` from one of them")


def check_registry(entries: list[ValidDoc], diagnostics: list[Diagnostic],
                   broken: frozenset[tuple[str, str]] = frozenset()) -> Registry:
    """The checks among registry entries; returns the registry that articles are checked against.

    `broken` names the entry files that failed their own checks (see `Registry.broken`).
    """
    registry = build_registry(entries, diagnostics, broken)
    check_references(entries, registry, diagnostics)
    check_parent_cycles(registry, diagnostics)
    return registry


def check_articles(articles: list[ValidDoc], registry: Registry, diagnostics: list[Diagnostic]) -> None:
    """The checks of articles against the registry; each article is checked on its own."""
    check_references(articles, registry, diagnostics)
    check_speakers(articles, registry, diagnostics)
    check_mentions([doc for doc in articles if mentions_apply(doc, registry)], registry, diagnostics)


#: Quotes of one article looked for in its body (see `_check_quotes_verbatim`).
_MAX_QUOTES_CHECKED = 200
#: Quotes of one article that get a hint worked out from the body: each costs a pass over the body, so
#: a file of thousands of quotes must not cost thousands of passes (the rest get the plain hint).
_WORKED_HINTS = 10


def check_speakers(articles: list[ValidDoc], registry: Registry, diagnostics: list[Diagnostic]) -> None:
    """Report quotes by people the article does not list, and who the body says spoke, where it tells."""
    for doc in articles:
        quotes = doc.values.get("quotes")
        people = _lookup(doc.values.get("people", ()))
        if not quotes or all(quote.get("by") in people for quote in quotes):
            continue  # the usual article: every speaker listed
        listed_people = {("person", slug) for slug in people}
        paragraphs: list[tuple[str, str]] | None = None  # (text, as quotes compare it), made once if needed
        worked = 0
        for index, quote in enumerate(doc.values.get("quotes", [])):
            speaker = quote.get("by")
            if not speaker or speaker in people:
                continue
            hint = f"if `{speaker}` said it, add them to `people`"
            named: set[str] = set()
            if worked < _WORKED_HINTS:
                worked += 1
                if paragraphs is None:
                    paragraphs = [(p, normal_quote(p)) for p in plain_paragraphs(doc.source.body)]
                named = _speakers_named_with(quote.get("text", ""), paragraphs, registry, listed_people) - {speaker}
            if named:
                listed = " or ".join(f"{registry.docs['person'][slug].values.get('name', slug)} (`{slug}`)"
                                     for slug in sorted(named))
                hint += f"; else check `by`: the body gives these words to {listed}"
            else:
                hint += "; else check `by`: quotes are easily given to the wrong speaker"
            DiagnosticSink(doc.source.path, diagnostics).error(
                *doc.position("quotes", index, "by"), "quote-speaker-not-listed",
                f"the quote is by `{speaker}`, who is not in this article's `people`", hint)


def _speakers_named_with(text: str, paragraphs: list[tuple[str, str]], registry: Registry,
                         listed: AbstractSet[tuple[str, str]]) -> set[str]:
    """The people the registry knows who are named in the body's paragraph that holds `text`, given the
    body's (paragraph, `normal_quote` of it) pairs; a shared name counts only where the article's `listed`
    people tell which one it is."""
    needle = normal_quote(text)[:60]
    if not needle:
        return set()
    for paragraph, normal in paragraphs:
        if needle in normal:
            named = set()
            for match in registry.matcher().find(paragraph):
                target = resolve(match.targets, listed) if match.shared else match.target
                if target is not None and target[0] == "person":
                    named.add(target[1])
            return named
    return set()


#: Quotation marks and apostrophes as typesetting curls them, and the straight ones they stand for.
_CURLY = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"',
                        "‘": "'", "’": "'", "‚": "'", "‛": "'"})


def normal_quote(text: str) -> str:
    """Text as a quote check compares it: straight quotation marks, single spaces, no final comma or
    full stop (a quote that ends a sentence in the body may end with a comma in `quotes`), and no case
    (a quote that opens a sentence in `quotes` may run on inside one in the body)."""
    return " ".join(text.translate(_CURLY).split()).rstrip(".,").strip('"\'').casefold()


def _check_quotes_verbatim(doc: ValidDoc, sink: DiagnosticSink) -> None:
    """Warn about a quote whose words are not in the body, unless it says they were checked in the source."""
    quotes = doc.values.get("quotes", [])
    raw = doc.source.body
    # The usual case, decided without reading the body's markup: every quote is in it as written.
    if len(quotes) <= _MAX_QUOTES_CHECKED and all(quote.get("text", "").rstrip(".,") in raw for quote in quotes):
        return
    paragraphs = plain_paragraphs(raw)
    body = normal_quote(" ".join(paragraphs))
    body_sentences: list[str] | None = None
    worked = 0
    if len(quotes) > _MAX_QUOTES_CHECKED:  # each is a search of the body: a bound on a hostile file's cost
        sink.warning(*doc.position("quotes", _MAX_QUOTES_CHECKED), "quote-not-in-body",
                     f"only the first {_MAX_QUOTES_CHECKED} quotes are looked for in the body",
                     "a brief needs far fewer quotes; split the article or drop quotes")
    for index, quote in enumerate(quotes[:_MAX_QUOTES_CHECKED]):
        words = normal_quote(quote.get("text", ""))
        if not words or quote.get("verbatim_in") == "source" or words in body:
            continue
        closest = ""
        if worked < _WORKED_HINTS:  # (see `_WORKED_HINTS`: each search is a pass over the body)
            worked += 1
            if body_sentences is None:
                body_sentences = [s for paragraph in paragraphs for s in sentences(paragraph)]
            closest = _closest_sentence(words, body_sentences)
        hint = (f"the closest words in the body are “{closest}”; " if closest else "") + \
            "quote the words exactly, or add `verbatim_in: source` if you checked them against the original"
        sink.warning(*doc.position("quotes", index, "text"), "quote-not-in-body",
                     "the quote's words are not in the body, so they cannot be checked there", hint)


def _closest_sentence(words: str, body_sentences: list[str]) -> str:
    """The sentence most like `words` (shortened for a hint), or "" if none is much alike."""
    best, score = "", 0.5
    for sentence in body_sentences:
        ratio = difflib.SequenceMatcher(None, words, normal_quote(sentence), autojunk=False).quick_ratio()
        if ratio > score:
            best, score = sentence, ratio
    return best if len(best) <= 120 else best[:117] + "..."


def mentions_apply(doc: ValidDoc, registry: Registry) -> bool:
    """Whether an article's body is checked for names it does not list: not while the article has
    errors of its own or names entries that do not exist. Until those are fixed, what it lists is not
    what it means (`lavrov` for `sergey-lavrov`), and a warning for every name would bury the error."""
    docs = registry.docs
    people = _lookup(doc.values.get("people", ()))
    return (not doc.errors and all(slug in docs[kind] for _, kind, slug in doc.refs)
            and all(quote.get("by") in people for quote in doc.values.get("quotes", ())))


def _lookup(items: list[str] | tuple[str, ...]) -> Collection[str]:
    """`items` as something to look slugs up in: the list itself while short (no set to make for the
    usual article), a set when long (a file of thousands of quotes and people must not cost their product)."""
    return items if len(items) <= 16 else set(items)


def references_in(valid: list[ValidDoc]) -> set[tuple[str, str]]:
    """Every (kind, slug) that the files refer to."""
    return set().union(*[doc.referenced for doc in valid])


def report_unused(registry: Registry, referenced: AbstractSet[tuple[str, str]], diagnostics: list[Diagnostic]) -> None:
    """Warn about registry entries that nothing in `referenced` names."""
    for doc in _all(registry.docs):
        if (doc.kind, doc.slug) not in referenced:
            use = (f"annotate an article with it (`{ARTICLE_FIELD[doc.kind]}: [{doc.slug}]`)"
                   if doc.kind in LISTED_KINDS
                   else f"name it as an article's source (`source: {{outlet: {doc.slug}, url: ...}}`)")
            DiagnosticSink(doc.source.path, diagnostics).warning(
                1, 1, "unused-entry", f"no article or entry refers to {doc.kind} `{doc.slug}`",
                f"{use} or delete the file")


def check_mentions(articles: list[ValidDoc], registry: Registry, diagnostics: list[Diagnostic]) -> None:
    """Warn about names of registry entries in article bodies that the article does not list."""
    matcher = registry.matcher()
    if not matcher:
        return
    for doc in articles:
        check_mentions_of(doc, matcher, diagnostics)


def check_mentions_of(doc: ValidDoc, matcher: AliasMatcher[tuple[str, str]], diagnostics: list[Diagnostic]) -> None:
    """`check_mentions` for one article, given the registry's matcher.

    A name one entry claims and the article does not list is an `unannotated-mention`. A name several
    entries share (`matcher.resolve`) is fine when the article lists exactly one of them; when it lists
    none or several, the page cannot link it and `ambiguous-mention` names the candidates.
    """
    annotated = {(kind, slug) for kind in LISTED_KINDS for slug in doc.values.get(ARTICLE_FIELD[kind], [])}
    sink = DiagnosticSink(doc.source.path, diagnostics)
    warned: set[object] = set()  # (kind, slug) of an unlisted entry, or the candidates of an ambiguous name
    body = doc.source.body
    if all(resolve(targets, annotated) is not None for targets in matcher.candidates(body)):
        return  # the usual case: every entity the body could name is listed, so every one it names is
    if all(resolve(targets, annotated) is not None for targets in matcher.targets(body)):
        return  # still without working out where each name is
    for match in matcher.find(body):  # the whole body at once: a name may wrap onto the next line
        targets = match.targets
        if resolve(targets, annotated) is not None:
            continue
        seen = targets if match.shared else targets[0]
        if seen in warned:
            continue
        warned.add(seen)
        line_start = body.rfind("\n", 0, match.start) + 1
        line, col = doc.source.body_line + body.count("\n", 0, match.start), match.start - line_start + 1
        if match.shared:
            listed = [t for t in targets if t in annotated]
            candidates = " or ".join(f"{kind} `{slug}`" for kind, slug in targets)
            fields = " or ".join(f"`{f}`" for f in dict.fromkeys(ARTICLE_FIELD[kind] for kind, _ in targets))
            sink.warning(line, col, "ambiguous-mention",
                         f"`{match.surface}` may name {candidates}, and this article lists "
                         f"{'more than one' if listed else 'none'} of them, so it is not linked",
                         f"list only the one meant in {fields}, or write a name only that one has")
            continue
        kind, slug = targets[0]
        sink.warning(line, col, "unannotated-mention",
                     f"`{match.surface}` names {kind} `{slug}`, which this article does not list",
                     f"add `{slug}` to `{ARTICLE_FIELD[kind]}`")


def validate_files(sources: Iterable[ParsedFile], diagnostics: list[Diagnostic]) -> list[ValidDoc]:
    """Check each file against its schema on its own (`validate_file`); returns those that passed.

    Given `load_files`' generator, each file is checked as it is read and its node tree freed
    before the next one is parsed.
    """
    return [v for parsed in sources if (v := validate_file(parsed, diagnostics)) is not None]
