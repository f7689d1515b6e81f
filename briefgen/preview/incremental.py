"""The model and index in the preview: the last ones, with what an edit changed replaced.

After an edit to articles (or briefing notes) alone (see `recheck`), the model is the last one with
those articles and notes replaced; after an edit that moves no relation (same entities; the edited
articles keep their place, entities, `about` and quoted people), the index is a patched copy of the
last one, and otherwise its lazily computed parts (co-coverage counts, mention sentences) are
carried over where their inputs are the same objects. A test holds that every preview rebuild
renders what a full build renders.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Mapping
from types import MappingProxyType

from ..desk.check import Checked
from ..desk.index import DeskIndex, QuoteRef, build_index
from ..desk.load import slug_of
from ..desk.matcher import AliasMatcher
from ..desk.model import Article, BriefingNote, Desk, Entity, build_desk, item_from, names_in, sort_articles
from ..desk.pipeline import Result, run
from ..desk.project import Project
from ..desk.validate import ValidDoc
from .filecache import FileCache
from .recheck import CheckedDesk, PreviewChecks


class IncrementalRun:
    """The pipeline as the preview runs it, rebuild after rebuild: the one `check` with `PreviewChecks`,
    then the model and index made from the last ones where the edit allows."""

    def __init__(self, cache: FileCache | None = None) -> None:
        self.cache = cache if cache is not None else FileCache()
        self.checks = PreviewChecks(self.cache)
        self._last_desk: tuple[object, bool, Desk] | None = None
        """The last model made: the `token` of the check it was made from, whether with drafts, the model."""

    @property
    def recomputed(self) -> set[str]:
        """The files read again in the last run."""
        return self.cache.recomputed

    def run(self, project: Project, *, drafts: bool, previous: DeskIndex | None) -> Result:
        """`pipeline.run`, reusing the last run's work for what did not change."""
        self.cache.start_run()
        try:
            return run(project, drafts=drafts, checks=self.checks,
                       make_index=functools.partial(self._index, previous))
        finally:
            self.cache.end_run()

    def _index(self, previous: DeskIndex | None, checked: Checked, drafts: bool) -> DeskIndex:
        assert self.checks.last is not None
        return index_again(self._desk(self.checks.last, drafts), previous)

    def _desk(self, checked: CheckedDesk, drafts: bool) -> Desk:
        """The model of the checked files: the last run's with the rechecked articles and notes replaced,
        where it was made from the check this one started from, with the same `drafts`; else built afresh."""
        last = self._last_desk
        cache = self.cache

        def make(doc: ValidDoc) -> Article | Entity | BriefingNote:
            return cache.get("model", doc.source.path, doc, lambda _: item_from(doc), [])

        if checked.rechecked is not None and last is not None and last[:2] == (checked.since, drafts):
            edited = {slug_of(path): checked.articles.get(path) for path in checked.rechecked}
            notes = None
            if checked.renoted:
                valid = {doc.source.path: doc for doc in checked.entries if doc.kind == "briefing"}
                notes = {path: valid.get(path) for path in checked.renoted}
            desk = edited_desk(last[2], edited, drafts=drafts, make=make, notes=notes)
        else:
            desk = build_desk([*checked.entries, *checked.articles.values()], drafts=drafts, make=make)
        self._last_desk = (checked.token, drafts, desk)
        return desk


def edited_desk(previous: Desk, edited: Mapping[str, ValidDoc | None], *, drafts: bool,
                make: Callable[[ValidDoc], Article | Entity | BriefingNote] = item_from,
                notes: Mapping[str, ValidDoc | None] | None = None) -> Desk:
    """`previous` with the articles of the `edited` slugs replaced (None: the file no longer makes one),
    and the briefing notes of the `notes` paths likewise.

    What `build_desk` makes of the same documents when no entity entry changed and only these
    articles and notes did, and `previous` was built with the same `drafts`. Without `notes`, the
    notes are `previous`' own (the same mapping).
    """
    articles = [article for article in previous.articles if article.slug not in edited]
    for doc in edited.values():
        if doc is not None:
            item = make(doc)
            assert isinstance(item, Article)
            if drafts or not item.draft:
                articles.append(item)
    return Desk(tuple(sort_articles(articles)), previous.entities,
                previous.notes if not notes else _edited_notes(previous.notes, notes, make))


def _edited_notes(previous: Mapping[dt.date, BriefingNote], notes: Mapping[str, ValidDoc | None],
                  make: Callable[[ValidDoc], Article | Entity | BriefingNote]) -> Mapping[dt.date, BriefingNote]:
    """`previous` with the notes of the `notes` paths replaced or dropped, by day, as `build_desk` keeps them."""
    kept = {day: note for day, note in previous.items() if note.path not in notes}
    for doc in notes.values():
        if doc is not None:
            note = make(doc)
            assert isinstance(note, BriefingNote)
            kept[note.day] = note
    return MappingProxyType(dict(sorted(kept.items())))


def index_again(desk: Desk, previous: DeskIndex | None) -> DeskIndex:
    """`build_index(desk)`, starting from the `previous` index where an edit allows.

    With the `previous` index (the preview's last build), co-coverage counts and mention sentences
    already computed for unchanged entities and articles are kept, and an edit that leaves every
    relation in place (see `_edited_in_place`) updates a copy of the previous relations.
    """
    edited = None if previous is None else _edited_in_place(previous.desk, desk)
    if previous is not None and edited is not None:
        index = DeskIndex(desk, previous.matcher)  # equal entities: the same names
        _patch(previous, index, edited)
        return index
    names = names_in(desk)
    same_names = previous is not None and names_in(previous.desk) == names
    matcher = previous.matcher if previous is not None and same_names else AliasMatcher(names)
    index = build_index(desk, matcher)
    if previous is not None:
        _carry_over(previous, index, same_names)
    return index


#: More edited articles than this and the relations are computed afresh: patching looks through the
#: lists of every entity an edited article covers, which for the most covered is most of the desk.
_MAX_PATCHED = 20


def _edited_in_place(before: Desk, after: Desk) -> list[tuple[Article, Article]] | None:
    """The (old, new) articles of an edit that moves no relation, or None if it may move one.

    That is: the entities are equal (relations between them stay), and the articles are the same
    slugs in the same order, those that differ covering the same entities (and being about the same
    ones: the co-coverage weights stand), drawing key points from the same sources and quoting the
    same people in the same order (the new objects take the old ones' places in every list).
    """
    if len(before.articles) != len(after.articles) or before.entities != after.entities:
        return None
    edited = [(a, b) for a, b in zip(before.articles, after.articles, strict=True) if a is not b]
    if len(edited) > _MAX_PATCHED:
        return None
    for a, b in edited:
        if (a.slug != b.slug or a.covers() != b.covers() or a.about != b.about
                or a.cited_sources() != b.cited_sources()
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
    for name in ("coverage", "quotes", "children", "events_of", "people_of", "cited"):
        setattr(index, name, defaultdict(list, getattr(previous, name)))
    index.together_memo = dict(previous.together_memo)
    index.sentences_memo = dict(previous.sentences_memo)
    for old, new in edited:
        index.sentences_memo.pop(old.slug, None)
        for key in old.covers():
            index.coverage[key] = [new if item is old else item for item in index.coverage[key]]
        for key in old.cited_sources():
            index.cited[key] = [new if item is old else item for item in index.cited[key]]
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


def _carry_over(previous: DeskIndex, index: DeskIndex, same_names: bool) -> None:
    """Keep lazily computed results whose inputs are the same objects as before."""
    for key, counts in previous.together_memo.items():
        # Equal articles cover the same entities, so equal lists give equal counts. Lists compare
        # item by item, identity first: unchanged articles are the same objects, found in C.
        if previous.coverage.get(key, []) == index.coverage.get(key, []):
            index.together_memo[key] = counts
    if not same_names:
        return  # other names may now match first: every sentence must be found again
    before_articles = {a.slug: a for a in previous.desk.articles}
    for article in index.desk.articles:
        found = previous.sentences_memo.get(article.slug)
        if found is not None and before_articles.get(article.slug) is article:
            index.sentences_memo[article.slug] = found


