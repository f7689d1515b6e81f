"""The tags a generated page adds to its `<head>`: feed links, link-preview metadata, structured data and
briefgen's script."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from .feeds import feed_links
from .jsonld import script_json
from .render import PageSpec
from .urls import relative_url

#: briefgen's script (templates/assets/briefgen.js), a file of the site rather than an inline script, so that
#: pages work under a Content-Security-Policy of `script-src 'self'`. It hides an entity's feed links from the
#: theme while the theme reads `link[rel=alternate]` as language versions (and would request a `sitemap.xml`
#: beside each feed), and starts Pagefind's interface on the search page.
SCRIPT_URI = "assets/briefgen.js"


def script_tag(page_url: str) -> str:
    """The `<script>` element loading `SCRIPT_URI` on the page at `page_url`.

    Neither `defer` nor `async`: its DOMContentLoaded listener must be registered before the theme's, which
    the theme's bundle adds at the end of the body.
    """
    return f'<script src="{relative_url(page_url, SCRIPT_URI)}"></script>'


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
    tags.append(script_tag(page_url))
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
