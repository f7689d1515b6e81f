"""Structured data: the schema.org JSON-LD of article and entity pages.

Search engines and link previews read a page's `<script type="application/ld+json">`: a brief is a
`NewsArticle` (with what it is about, what it mentions and where it comes from), a person a `Person`,
an event an `Event`, and the other entries an `Organization`, `Place` or `Thing`. Every node that
stands for an entry links its page on this site (`url`) and, where the entry gives one, its Wikidata
item (`sameAs`).

The values come from content files, so the JSON is written to be inert inside a script element
(`script_json`), and with sorted keys, so that the same desk gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..desk.index import DeskIndex
from ..desk.model import Article, Entity, EntityKey, Event, Org, Outlet, Person, Place, Source
from . import urls
from .feeds import changed_moment

SCHEMA_ORG = "https://schema.org"
WIKIDATA = "https://www.wikidata.org/wiki/"

#: The schema.org type of an entry of each kind (a source's depends on what it is: `OUTLET_TYPES`).
NODE_TYPES = {"person": "Person", "event": "Event", "org": "Organization", "place": "Place", "topic": "Thing",
              "source": "Organization"}
#: A source's schema.org type by its `kind`; other kinds (and none) are a plain `Organization`.
OUTLET_TYPES = {"agency": "NewsMediaOrganization", "broadcaster": "NewsMediaOrganization",
                "newspaper": "NewsMediaOrganization", "magazine": "NewsMediaOrganization",
                "online": "NewsMediaOrganization", "state-media": "NewsMediaOrganization",
                "ministry": "GovernmentOrganization"}
#: The most sub-events and participants an event's data lists: a page's head must not grow with the desk.
LIST_LIMIT = 50
#: schema.org's statuses say whether an event was called off or moved, which `status` never says: an event
#: scheduled, under way or over took place as planned. A constant, so it never depends on the desk's date.
EVENT_SCHEDULED = "https://schema.org/EventScheduled"

#: Characters that could end the script element or open a comment in it (`</script>`, `<!--`), or that
#: end a line in JavaScript but not in JSON: written as JSON escapes, which mean the same characters.
_INERT = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def script_json(data: Mapping[str, Any]) -> str:
    """`data` as JSON that can stand inside `<script type="application/ld+json">` whatever its strings hold.

    Outside strings JSON has none of the replaced characters, so every replacement is an escape inside a
    string and the JSON parses to the same values. Keys are sorted: the output never depends on dict order.
    """
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).translate(_INERT)


class StructuredData:
    """The JSON-LD of each article and entity page of one build."""

    def __init__(self, index: DeskIndex, site_url: str | None, site_name: str, directory_urls: bool = True) -> None:
        self.index = index
        self.desk = index.desk
        self.base = (site_url if site_url.endswith("/") else site_url + "/") if site_url else None
        """The site's absolute address; without one, addresses are relative to the page."""
        self.site_name = site_name
        self.directory_urls = directory_urls
        self._articles: dict[str, Article] | None = None
        self._nodes: dict[EntityKey, dict[str, Any]] = {}
        """Reference nodes already made, when addresses are absolute (the same on every page): never changed,
        shared by the pages that name the entry."""
        self._page = ""
        self._reads: set[EntityKey] = set()

    def page(self, owner: EntityKey, page_url: str, canonical: str | None) -> tuple[dict[str, Any] | None,
                                                                                      frozenset[EntityKey]]:
        """The JSON-LD of the page presenting `owner` (an article or entity) at `page_url`, and the articles
        and entries it shows (the preview renders the page again when one of them changes)."""
        self._page = page_url
        self._reads = {owner}
        url = canonical or self._address(page_url)
        kind, slug = owner
        data: dict[str, Any] | None
        if kind == "article":
            article = self._article(slug)
            data = self.article(article, url) if article is not None else None
        else:
            entity = self.desk.get(owner)
            data = self.entity(entity, url) if entity is not None else None
        return data, frozenset(self._reads)

    def _article(self, slug: str) -> Article | None:
        if self._articles is None:  # made once per build, at its first article page
            self._articles = {a.slug: a for a in self.desk.articles}
        return self._articles.get(slug)

    # --- addresses and references --------------------------------------------------------------------

    def _address(self, target: str) -> str:
        """The address of `target` (relative to the site root): absolute with a site URL, else from the page."""
        return self.base + target if self.base is not None else urls.relative_url(self._page, target)

    def _url(self, key: EntityKey) -> str:
        return self._address(urls.page_url(urls.entity_uri(*key), self.directory_urls))

    def _ref(self, key: EntityKey) -> dict[str, Any] | None:
        """A node standing for an entry: its type, name, page on this site and Wikidata item (not to be changed:
        it may be shared)."""
        self._reads.add(key)
        node = self._nodes.get(key)
        if node is not None:
            return node
        entity = self.desk.get(key)
        if entity is None:
            return None
        node = {"@type": _node_type(entity), "name": entity.name, "url": self._url(key)}
        if entity.wikidata:
            node["sameAs"] = [WIKIDATA + entity.wikidata]
        if self.base is not None:
            self._nodes[key] = node
        return node

    def _refs(self, keys: list[EntityKey]) -> list[dict[str, Any]]:
        return [node for key in keys if (node := self._ref(key)) is not None]

    def _desk(self) -> dict[str, Any]:
        """The desk as an organisation: the author and publisher of its briefs."""
        return {"@type": "Organization", "name": self.site_name, "url": self._address("")}

    def _source(self, source: Source) -> dict[str, Any]:
        """The outlet a source names: its entry's node, named as the article names it, else a bare organisation."""
        name = self.desk.source_name(source)
        node = self._ref(("source", source.slug)) if source.slug else None
        if node is None:
            return {"@type": "Organization", "name": name}
        return {**node, "name": name}

    # --- articles -------------------------------------------------------------------------------------

    def article(self, article: Article, url: str) -> dict[str, Any]:
        """A brief as a `NewsArticle`: the desk writes and publishes it; the outlet it draws on is its source."""
        about = list(article.about)
        shown = set(about)
        mentions = [key for key in article.covers() if key[0] != "source" and key not in shown]
        data: dict[str, Any] = {
            "@context": SCHEMA_ORG,
            "@type": "NewsArticle",
            "headline": article.title,
            "description": article.summary,
            "url": url,
            "mainEntityOfPage": url,
            "datePublished": article.moment.isoformat(),
            "dateModified": changed_moment(article).isoformat(),
            "author": self._desk(),
            "publisher": self._desk(),
            "sourceOrganization": self._source(article.source),
        }
        if article.source.url:
            data["isBasedOn"] = article.source.url
        citations = []
        for number in sorted(article.point_sources):
            point = article.point_sources[number]
            work: dict[str, Any] = {"@type": "CreativeWork", "publisher": self._source(point)}
            if point.url:
                work["url"] = point.url
            citations.append(work)
        if citations:
            data["citation"] = citations
        if about:
            data["about"] = self._refs(about)
        if mentions:
            data["mentions"] = self._refs(mentions)
        if article.corrections:
            data["correction"] = [{"@type": "CorrectionComment", "text": c.text, "datePublished": c.date.isoformat()}
                                  for c in article.corrections]
        return data

    # --- entities -------------------------------------------------------------------------------------

    def entity(self, entity: Entity, url: str) -> dict[str, Any]:
        """An entry's own page: its node with names, description, external identities and relations."""
        data: dict[str, Any] = {"@context": SCHEMA_ORG, "@type": _node_type(entity), "name": entity.name, "url": url}
        if entity.aliases:
            data["alternateName"] = list(entity.aliases)
        if entity.summary:
            data["description"] = entity.summary
        same = [WIKIDATA + entity.wikidata] if entity.wikidata else []
        same += [link.url for link in entity.links]
        if isinstance(entity, Person):
            role = entity.current_role()
            if role is not None:
                data["jobTitle"] = role.title
                if role.org and (org := self._ref(("org", role.org))) is not None:
                    data["affiliation"] = org
        elif isinstance(entity, Event):
            self._event(entity, data)
        elif isinstance(entity, Org) and entity.parent:
            if (parent := self._ref(("org", entity.parent))) is not None:
                data["parentOrganization"] = parent
        elif isinstance(entity, Place) and entity.country:
            if (country := self._ref(("place", entity.country))) is not None:
                data["containedInPlace"] = country
        elif isinstance(entity, Outlet):
            if entity.url:
                same.append(entity.url)
            if entity.country and (country := self._ref(("place", entity.country))) is not None:
                data["location"] = country
        if same:
            data["sameAs"] = list(dict.fromkeys(same))
        return data

    def _event(self, event: Event, data: dict[str, Any]) -> None:
        """Dates, place, the larger event, sub-events and participants (its sub-events' too, as its page)."""
        data["startDate"] = event.start.isoformat()
        if event.end:
            data["endDate"] = event.end.isoformat()
        data["eventStatus"] = EVENT_SCHEDULED
        if event.place and (place := self._ref(("place", event.place))) is not None:
            data["location"] = place
        if event.parent and (parent := self._ref(("event", event.parent))) is not None:
            data["superEvent"] = parent
        children = self.index.children.get(event.key, [])[:LIST_LIMIT]
        if children:
            data["subEvent"] = self._refs(children)
        # The participants of sub-events at any depth: an edit to any of them changes this page's data.
        self._reads.update(self.index.descendants(event.key))
        people = [("person", slug) for slug, _ in self.index.participants_of(event)[:LIST_LIMIT]]
        if people:
            data["attendee"] = self._refs(people)


def _node_type(entity: Entity) -> str:
    if isinstance(entity, Outlet):
        return OUTLET_TYPES.get(entity.outlet_kind or "", "Organization")
    return NODE_TYPES[entity.kind]
