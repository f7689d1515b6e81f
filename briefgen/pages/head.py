"""The tags a generated page adds to its `<head>`: feed links and link-preview metadata."""

from __future__ import annotations

import html

from .feeds import feed_links
from .render import PageSpec
from .urls import relative_url


def head_tags(spec: PageSpec, page_url: str, canonical: str | None, site_name: str) -> str:
    """`<link>` and `<meta>` tags for feeds and link previews; every value HTML-escaped."""
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
    meta = {"og:type": spec.og_type, "og:title": spec.title, "og:description": spec.description,
            "og:site_name": site_name}
    if canonical:
        meta["og:url"] = canonical
    if spec.og_type == "article" and spec.updated:
        meta["article:published_time"] = spec.updated.isoformat()
    tags += [f'<meta property="{k}" content="{attr(v)}">' for k, v in meta.items()]
    twitter = {"twitter:card": "summary", "twitter:title": spec.title, "twitter:description": spec.description}
    tags += [f'<meta name="{k}" content="{attr(v)}">' for k, v in twitter.items()]
    return "\n".join(tags) + "\n"
