"""The tags a generated page adds to its `<head>`: feed links, link-preview metadata and structured data."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from .feeds import feed_links
from .jsonld import script_json
from .render import PageSpec
from .urls import relative_url

#: Material's `setupAlternate` (integrations/alternate in its bundle, run on every page whatever the features)
#: reads every `link[rel=alternate]` as another language version of the site and requests `sitemap.xml`
#: beside its href: for an entity's feeds, `<folder>/sitemap.xml`, which does not exist. Feed readers need
#: these links exactly as they are, so they stay in the HTML; this script takes the feeds' `rel` away only
#: while the theme reads the links, in its DOMContentLoaded listener on `document`. Registered from the head,
#: the first listener runs before the theme's (added by its bundle at the end of the body); the second, on
#: `window`, runs once the event has passed every listener on `document`, and puts the `rel` back. Pages that
#: `navigation.instant` (off in this project) brings in are not covered: the theme merges their head and
#: reads it again without an event this script could precede.
HIDE_FEEDS_FROM_THEME = (
    "<script>(function(){var h=[];"
    "document.addEventListener('DOMContentLoaded',function(){h=[].slice.call(document.querySelectorAll("
    "'link[rel=alternate][type=\"application/rss+xml\"],link[rel=alternate][type=\"application/atom+xml\"]'));"
    "h.forEach(function(l){l.rel='feed'})});"
    "addEventListener('DOMContentLoaded',function(){h.forEach(function(l){l.rel='alternate'})})})()</script>"
)


def head_tags(spec: PageSpec, page_url: str, canonical: str | None, site_name: str,
              structured: Mapping[str, Any] | None = None) -> str:
    """`<link>` and `<meta>` tags for feeds and link previews, every value HTML-escaped, and the page's
    JSON-LD (`structured`, from `jsonld.StructuredData`) in a script element it cannot leave."""
    def attr(value: str) -> str:
        return html.escape(value, quote=True)

    tags = []
    feeds = [("", site_name)]
    if spec.feed_folder:
        feeds.append((spec.feed_folder, spec.title))
    for folder, title in feeds:
        links = feed_links(folder)
        for kind, mime in (("rss", "application/rss+xml"), ("atom", "application/atom+xml")):
            href = relative_url(page_url, links[kind])
            tags.append(f'<link rel="alternate" type="{mime}" title="{attr(title)} ({kind.upper()})" href="{href}">')
    tags.append(HIDE_FEEDS_FROM_THEME)
    meta = {"og:type": spec.og_type, "og:title": spec.title, "og:description": spec.description,
            "og:site_name": site_name}
    if canonical:
        meta["og:url"] = canonical
    if spec.og_type == "article" and spec.updated:
        meta["article:published_time"] = spec.updated.isoformat()
    tags += [f'<meta property="{k}" content="{attr(v)}">' for k, v in meta.items()]
    twitter = {"twitter:card": "summary", "twitter:title": spec.title, "twitter:description": spec.description}
    tags += [f'<meta name="{k}" content="{attr(v)}">' for k, v in twitter.items()]
    if structured:
        tags.append(json_ld_tag(structured))
    return "\n".join(tags) + "\n"


def json_ld_tag(data: Mapping[str, Any]) -> str:
    """A `<script type="application/ld+json">` element holding `data` (escaped by `jsonld.script_json`)."""
    return f'<script type="application/ld+json">{script_json(data)}</script>'
