"""Which pages a preview rebuild renders again: the dependency rules.

A rebuild keeps the last build's pages and renders again only those whose HTML an edit can change
(MkDocs' "dirty" build, made exact by these rules). A test holds, for every kind of edit, that the
pages a partial rebuild leaves in place are byte-identical to a full build's. A page of a kind these
rules do not know (no owner, and a listing they have no rule for) is always rendered again.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..desk.index import DeskIndex
from ..desk.matcher import name_key
from ..desk.model import Article, Desk, Entity, EntityKey, Event, names_in
from ..desk.project import Stamp, files_stamp
from ..desk.schema import ENTITY_KINDS
from ..pages import urls
from ..pages.render import Listing, PageSpec, RenderOptions


@dataclass
class Snapshot:
    """What the previous preview build rendered, and from what."""

    index: DeskIndex
    specs: dict[str, PageSpec]
    settings: object
    """Templates, mkdocs.yml and render options: when any changes, every page is rebuilt."""
    reads: dict[str, frozenset[EntityKey]] = field(default_factory=dict)
    """Page → the articles and entities it showed when it was last rendered."""


def changed_keys(old: Desk, new: Desk) -> set[EntityKey]:
    """Articles and entities added, removed or edited between two desks."""
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
    return changed


class _DeskVersion:
    """One version of the desk, with articles by slug."""

    def __init__(self, index: DeskIndex) -> None:
        self.index = index
        self.articles = {a.slug: a for a in index.desk.articles}

    def item(self, key: EntityKey) -> Article | Entity | None:
        return self.articles.get(key[1]) if key[0] == "article" else self.index.desk.get(key)


def _reshaped(version: _DeskVersion, key: EntityKey) -> Iterator[EntityKey]:
    """Entities whose own pages list or count `key` (in one version of the desk)."""
    item = version.item(key)
    if isinstance(item, Article):
        yield from item.covers()  # coverage, quotes, connections, counts, mention sentences
    elif item is not None:
        yield from item.references()  # children, people, events
        if isinstance(item, Event):  # "related events" share participants
            for person in item.participants:
                yield from version.index.events_of.get(("person", person), [])


def pages_to_rebuild(last: Snapshot, index: DeskIndex, specs: dict[str, PageSpec]) -> set[str]:
    """The pages (source URIs) whose HTML may differ from the previous build's.

    A page is rebuilt when it showed an article or entity that changed (its recorded reads), when
    it belongs to an entity whose lists the change reshapes (coverage, quotes, connections,
    members, related events: everything the old and the new version refer to), or when it is a
    listing whose order or grouping the change can move (home, archives, index pages of the kind).
    """
    old_index = last.index
    changed = changed_keys(old_index.desk, index.desk)
    shown = set(changed)  # what pages may show differently: the changes, and bodies that link anew
    if any(key[0] != "article" for key in changed):
        # New or dropped names can change where bodies link and which sentence mentions whom.
        renamed = set(names_in(old_index.desk)) ^ set(names_in(index.desk))
        # The matcher's own first word ("Al" of "Al-Assad"), looked for as plain text: a superset.
        firsts = {key[0] for name, _ in renamed if (key := name_key(name))}
        shown |= {a.key for a in index.desk.articles if any(word in a.body for word in firsts)}
    versions = (_DeskVersion(old_index), _DeskVersion(index))
    reshaped = {key for key in changed if key[0] != "article"}
    for key in changed:
        for version in versions:
            reshaped.update(_reshaped(version, key))
    changed_kinds = {key[0] for key in changed}

    @functools.cache
    def coverage_moved(key: EntityKey) -> bool:
        before, after = old_index.coverage.get(key, []), index.coverage.get(key, [])
        return len(before) != len(after) or any(a.slug != b.slug for a, b in zip(before, after, strict=True))

    months = {urls.month_uri(a.date.year, a.date.month) for key in changed if key[0] == "article"
              for version in versions if isinstance(a := version.item(key), Article)}
    all_months = (_months(old_index.desk) != _months(index.desk))

    def listing_changed(uri: str, spec: PageSpec, reads: frozenset[EntityKey]) -> bool:
        listing = spec.listing
        if listing is Listing.HOME or listing is Listing.ARTICLES:
            return bool(changed)
        if listing is Listing.MONTH:
            return all_months or uri in months or not reads.isdisjoint(shown)
        if listing is Listing.ENTITY_INDEX:
            # Order and paging move when an entry of the kind changes; counts when one is reshaped.
            return spec.index_kind in changed_kinds or not reads.isdisjoint(reshaped)
        # The search page depends on the settings alone; a page these rules do not know is rendered
        # again, never left stale.
        return listing is not Listing.SEARCH

    def is_dirty(uri: str, spec: PageSpec) -> bool:
        reads = last.reads.get(uri)
        if uri not in last.specs or reads is None:
            return True  # new, or never rendered
        if spec.owner is not None:
            if spec.owner in shown or not reads.isdisjoint(shown):
                return True
            # Later coverage pages change only when the list itself does.
            return spec.owner in reshaped and (spec.number == 1 or coverage_moved(spec.owner))
        return listing_changed(uri, spec, reads)

    return {uri for uri, spec in specs.items() if is_dirty(uri, spec)}


def _months(desk: Desk) -> set[tuple[int, int]]:
    return {(a.date.year, a.date.month) for a in desk.articles}


def same_settings(last: Snapshot | None, settings: object) -> bool:
    """Whether the previous build used the same templates, configuration and options."""
    return last is not None and last.settings == settings


def render_settings(templates: Stamp, config_file: str | None, options: RenderOptions, extra: object) -> object:
    """Everything besides content that every page depends on."""
    config_stamp = files_stamp(config_file) if config_file and os.path.isfile(config_file) else ()
    return (templates, config_stamp, options, extra)

