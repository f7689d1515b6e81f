"""The JSON API beside the pages: `api/index.json` and one document per article and entity.

Shapes are described by `api.schema.json` (shipped in this package and copied to `api/schema.json`).
URLs in the documents are relative to the site root, so the data works wherever the site is hosted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Container, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from ..desk.index import DeskIndex
from ..desk.model import Article, Entity, EntityKey, Event, Outlet, Source
from ..desk.schema import ENTITY_KINDS, FOLDERS
from . import urls

API_VERSION = 1


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class ApiWriter:
    """Builds the API documents from the index."""

    def __init__(self, index: DeskIndex, directory_urls: bool = True) -> None:
        self.index = index
        self.directory_urls = directory_urls
        self._refs: dict[str, dict[str, Any]] = {}  # an article is listed by every entity it covers

    def _url(self, kind: str, slug: str) -> str:
        return urls.page_url(urls.entity_uri(kind, slug), self.directory_urls)

    def _article_ref(self, article: Article) -> dict[str, Any]:
        """The article's reference; shared between documents, so callers copy it before adding keys."""
        ref = self._refs.get(article.slug)
        if ref is None:
            ref = self._refs[article.slug] = {
                "slug": article.slug, "title": article.title, "date": article.date.isoformat(),
                "url": self._url("article", article.slug), "api": document_path(article.key)}
        return ref

    def index_document(self) -> dict[str, Any]:
        """Every entity with its kind, URL and counts, and every article."""
        desk = self.index.desk
        return {
            "version": API_VERSION,
            "entities": [
                {"kind": e.kind, "slug": e.slug, "name": e.name, "url": self._url(e.kind, e.slug),
                 "api": document_path(e.key),
                 "counts": {"articles": len(self.index.coverage_of(e.key)),
                            "quotes": len(self.index.quotes.get(e.key, []))}}
                for e in desk.all_entities()
            ],
            "articles": [self._article_ref(a) for a in desk.articles],
        }

    def entity_document(self, entity: Entity) -> dict[str, Any]:
        """The entity's fields, its articles (newest first, as its page and feed list them: an event's with its
        sub-events'; a source's, those drawn from it) and its relations."""
        fields = _plain(dataclasses.asdict(entity))
        fields.pop("path", None)
        index = self.index
        if isinstance(entity, Event):  # as given, else from the dates and the desk's date (never the clock)
            fields["status"] = entity.status_on(index.desk.date)
        if isinstance(entity, Outlet):  # `url` is the entity's page in every document: the outlet's own site
            fields["website"] = fields.pop("url")
        return {
            "version": API_VERSION,
            "kind": entity.kind,
            **fields,
            "source_file": entity.path,
            "url": self._url(entity.kind, entity.slug),
            "articles": [
                {**self._article_ref(a), "sentence": index.mention_sentence(a, entity.key),
                 "about": index.is_about(a, entity.key)}
                for a in index.coverage_of(entity.key)
            ],
            "quotes": [{"by": r.quote.by, "text": r.quote.text, "context": r.quote.context,
                        "article": r.article.slug} for r in index.quotes.get(entity.key, [])],
            "connections": {
                FOLDERS[kind]: [{"slug": k[1], "count": n} for k, n in index.ranked_together(entity.key, kind, 50)]
                for kind in ENTITY_KINDS
            },
            "children": [k[1] for k in index.children.get(entity.key, [])],
            "events": [k[1] for k in index.events_of.get(entity.key, [])],
            "people": [k[1] for k in index.people_of.get(entity.key, [])],
        }

    def _source(self, source: Source) -> dict[str, Any]:
        return {"name": self.index.desk.source_name(source), "url": source.url, "outlet": source.slug}

    def article_document(self, article: Article) -> dict[str, Any]:
        """The article's metadata, what it covers and its quotes (not the body: the page has it)."""
        return {
            "version": API_VERSION,
            "kind": "article",
            **self._article_ref(article),
            "source": self._source(article.source),
            "summary": article.summary,
            "key_points": list(article.key_points),
            "key_point_sources": [{"point": n, **self._source(article.point_sources[n])}
                                  for n in sorted(article.point_sources)],
            "why_it_matters": article.why_it_matters,
            "whats_next": article.whats_next,
            "updated": article.updated.isoformat() if article.updated else None,
            "last_changed": article.last_changed.isoformat(),
            "corrections": [{"date": c.date.isoformat(), "text": c.text} for c in article.corrections],
            "about": [{"kind": kind, "slug": slug} for kind, slug in article.about],
            "covers": {FOLDERS[kind]: list(article.refs[kind]) for kind in ENTITY_KINDS},
            "quotes": [{"by": q.by, "text": q.text, "context": q.context} for q in article.quotes],
            "source_file": article.path,
        }

    def documents(self, only: Container[EntityKey] | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
        """(path under the site root, document) for every API file, or for the index and `only` these."""
        yield "api/index.json", self.index_document()
        for article in self.index.desk.articles:
            if only is None or article.key in only:
                yield document_path(article.key), self.article_document(article)
        for entity in self.index.desk.all_entities():
            if only is None or entity.key in only:
                yield document_path(entity.key), self.entity_document(entity)


def document_path(key: EntityKey) -> str:
    """Where the API document of an article or entity lives, relative to the site root."""
    kind, slug = key
    return f"api/{'articles' if kind == 'article' else FOLDERS[kind]}/{slug}.json"


def api_schema() -> dict[str, Any]:
    """The JSON Schema of the API documents."""
    return json.loads(resources.files("briefgen.pages").joinpath("api.schema.json").read_text(encoding="utf-8"))


def write_api(index: DeskIndex, site_dir: Path, directory_urls: bool = True,
              only: Container[EntityKey] | None = None) -> int:
    """Write every API document (and the schema) into `site_dir`; returns how many files were written.

    `only` limits the article and entity documents to those keys (the preview's partial rebuilds).
    """
    count = 0
    folders: set[str] = set()
    for rel, document in ApiWriter(index, directory_urls).documents(only):
        folder = rel.rpartition("/")[0]
        if folder not in folders:  # a mkdir per folder, not per document: every article shares one
            (site_dir / folder).mkdir(parents=True, exist_ok=True)
            folders.add(folder)
        (site_dir / rel).write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n",
                                    encoding="utf-8")
        count += 1
    (site_dir / "api/schema.json").write_text(json.dumps(api_schema(), indent=2) + "\n", encoding="utf-8")
    return count + 1
