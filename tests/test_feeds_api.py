"""Following the desk: feeds, the JSON API, sharing metadata and site search."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import pytest
from conftest import CHROMIUM, Desk, article, chromium_dom, copy_of_sample, person, static_server, tree_digest
from jsonschema import Draft202012Validator

from briefgen.desk.model import Article, Source
from briefgen.desk.pipeline import run
from briefgen.desk.project import project_at
from briefgen.pages import search
from briefgen.pages.api import api_schema
from briefgen.pages.feeds import FeedSpec, render_feed
from briefgen.pages.head import script_tag
from briefgen.pages.render import RenderOptions, SiteRenderer, default_templates_dir

SITE = "https://desk.example.org/"


@pytest.fixture(scope="module")
def news_desk(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    from conftest import make_desk

    files = {**person(), **person("grace-hopper", "Grace Hopper", "Hopper")}
    for i, day in enumerate(["2024-07-01", "2024-07-03", "2024-06-20", "2024-07-03"]):
        files.update(article(f"story-{i}", date=day, title=f"Story {i}",
                             people="ada-lovelace, grace-hopper" if i % 2 else "ada-lovelace",
                             body="Ada Lovelace and Grace Hopper spoke." if i % 2 else "Ada Lovelace spoke."))
    desk = make_desk(tmp_path_factory.mktemp("news"), files, page_size=2)
    assert desk.build() == 0
    return desk


def _feed(desk: Desk, rel: str) -> feedparser.FeedParserDict:
    data = (desk.site / rel).read_bytes()
    parsed = feedparser.parse(data)
    assert not parsed.bozo, (rel, parsed.get("bozo_exception"))
    return parsed


def test_every_feed_parses_clean(news_desk: Desk) -> None:
    feeds = sorted(news_desk.site.rglob("feed.xml")) + sorted(news_desk.site.rglob("atom.xml"))
    assert len(feeds) == 2 * (1 + 2 + 1)  # the site, each person, and the daily briefings
    for path in feeds:
        _feed(news_desk, str(path.relative_to(news_desk.site)))


def test_feeds_list_newest_first_with_absolute_links_and_spec_dates(news_desk: Desk) -> None:
    rss = _feed(news_desk, "feed.xml")
    # Equal dates are ordered by slug, so the order never depends on the file system.
    assert [e.title for e in rss.entries] == ["Story 1", "Story 3", "Story 0", "Story 2"]
    assert rss.entries[0].link == f"{SITE}articles/story-1/"
    assert rss.feed.link == SITE
    raw = (news_desk.site / "feed.xml").read_text()
    for stamp in re.findall(r"<pubDate>(.*?)</pubDate>", raw):  # RFC 822
        assert parsedate_to_datetime(stamp).utcoffset() is not None
    atom_raw = (news_desk.site / "atom.xml").read_text()
    assert re.findall(r"<updated>(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00)</updated>", atom_raw)  # RFC 3339
    assert "A point." in rss.entries[0].summary, "key points travel with each item"

    grace = _feed(news_desk, "people/grace-hopper/feed.xml")
    assert [e.title for e in grace.entries] == ["Story 1", "Story 3"]
    assert grace.feed.link == f"{SITE}people/grace-hopper/"
    atom = _feed(news_desk, "people/grace-hopper/atom.xml")
    assert [e.id for e in atom.entries] == [f"{SITE}articles/story-1/", f"{SITE}articles/story-3/"]


def test_guids_survive_a_title_edit(desk_factory) -> None:
    desk = desk_factory({**person(), **article(title="First headline")})
    assert desk.build() == 0
    before = _feed(desk, "feed.xml").entries[0]
    story = desk.root / "content/articles/2024/07/a-story.md"
    story.write_text(story.read_text().replace("First headline", "Corrected headline"))
    assert desk.build() == 0
    after = _feed(desk, "feed.xml").entries[0]
    assert (before.title, after.title) == ("First headline", "Corrected headline")
    assert before.id == after.id == f"{SITE}articles/a-story/"


def _entries(desk: Desk, name: str) -> list[dict[str, str | None]]:
    """Each item's id, and the dates a feed gives it (Atom: published and updated; RSS: pubDate)."""
    root = ET.fromstring((desk.site / name).read_bytes())
    if name.endswith("atom.xml"):
        return [{tag: e.findtext(f"{ATOM}{tag}") for tag in ("id", "published", "updated")}
                for e in root.findall(f"{ATOM}entry")]
    return [{tag: i.findtext(tag) for tag in ("guid", "pubDate")} for i in root.iter("item")]


def test_an_updated_article_keeps_its_guid_and_says_what_changed(desk_factory) -> None:
    desk = desk_factory({**person(), **article()})
    assert desk.build() == 0
    rss_before, atom_before = _entries(desk, "feed.xml"), _entries(desk, "atom.xml")
    assert atom_before == [{"id": f"{SITE}articles/a-story/", "published": "2024-07-03T00:00:00+00:00",
                            "updated": "2024-07-03T00:00:00+00:00"}]
    story = desk.root / "content/articles/2024/07/a-story.md"
    story.write_text(story.read_text().replace("date: 2024-07-03\n", "date: 2024-07-03\nupdated: 2024-07-05\n"
                                               "corrections:\n  - date: 2024-07-04\n    text: The <date> was wrong.\n"))
    assert desk.build() == 0
    assert _entries(desk, "feed.xml") == rss_before, "same guid, same pubDate: readers see no new item"
    assert _entries(desk, "atom.xml") == [{**atom_before[0], "updated": "2024-07-05T00:00:00+00:00"}]
    atom = ET.fromstring((desk.site / "atom.xml").read_bytes())
    assert atom.findtext(f"{ATOM}updated") == "2024-07-05T00:00:00+00:00", "the feed changed with its entry"
    item = _feed(desk, "feed.xml").entries[0].summary
    assert "<p><em>Updated 5 July 2024.</em></p>" in item
    assert "<p><strong>Correction, 4 July 2024:</strong> The &lt;date&gt; was wrong.</p>" in item
    feeds = {f"{SITE}feed.xml", f"{SITE}atom.xml"}
    assert atom_problems((desk.site / "atom.xml").read_bytes(), feeds) == []
    assert rss_problems((desk.site / "feed.xml").read_bytes(), feeds) == []
    document = json.loads((desk.site / "api/articles/a-story.json").read_text())
    assert (document["updated"], document["last_changed"]) == ("2024-07-05", "2024-07-05")
    assert document["corrections"] == [{"date": "2024-07-04", "text": "The <date> was wrong."}]


OUTLET_STORY = """\
---
title: A story
date: 2024-07-03
source: example-news
summary: A summary.
key_points:
  - A point.
  - text: A point of the wire.
    source: wire-agency
    url: https://wire.example.com/1
why_it_matters: It matters & more.
whats_next: Talks on <Friday>.
people: [ada-lovelace]
events: [session]
about: [ada-lovelace]
---
Ada Lovelace spoke at the session.
"""


@pytest.fixture(scope="module")
def outlet_desk(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    """An article named by its outlet's slug alone, with a key point from another outlet, about a sub-event."""
    from conftest import make_desk

    desk = make_desk(tmp_path_factory.mktemp("outlet"), {
        **person(),
        "content/sources/example-news.yml": "name: Example News\nkind: newspaper\nurl: https://news.example.com/\n",
        "content/sources/wire-agency.yml": "name: Wire Agency\nkind: agency\n",
        "content/events/summit.yml": "name: Summit\nstart: 2024-07-01\nend: 2024-07-02\n",
        "content/events/session.yml": "name: Session\nstart: 2024-07-10\nparent: summit\n",
        "content/articles/2024/07/a-story.md": OUTLET_STORY,
    })
    assert desk.build() == 0
    return desk


def test_a_source_named_by_its_slug_alone_is_its_outlet_in_feeds(outlet_desk: Desk) -> None:
    paths = {path: SITE + path.relative_to(outlet_desk.site).as_posix()
             for name in ("feed.xml", "atom.xml") for path in sorted(outlet_desk.site.rglob(name))}
    for path in paths:
        check = atom_problems if path.name == "atom.xml" else rss_problems
        assert check(path.read_bytes(), set(paths.values())) == [], path
    entry = ET.fromstring((outlet_desk.site / "atom.xml").read_bytes()).find(f"{ATOM}entry")
    assert entry is not None
    assert [dict(link.attrib) for link in entry.findall(f"{ATOM}link")] == [{"href": f"{SITE}articles/a-story/"}], (
        "no original article to link `via`")
    item = _feed(outlet_desk, "feed.xml").entries[0].summary
    assert f'<p>Source: <a href="{SITE}sources/example-news/">Example News</a></p>' in item
    assert '<li>A point of the wire. (<a href="https://wire.example.com/1">Wire Agency</a>)</li>' in item
    assert "<p><strong>Why it matters:</strong> It matters &amp; more.</p>" in item
    assert "<p><strong>What’s next:</strong> Talks on &lt;Friday&gt;.</p>" in item
    # A source's feed carries what was drawn from it; an event's, its sub-events' coverage too.
    assert [e.title for e in _feed(outlet_desk, "sources/example-news/feed.xml").entries] == ["A story"]
    assert [e.title for e in _feed(outlet_desk, "events/summit/atom.xml").entries] == ["A story"]


def test_the_api_carries_sources_salience_briefing_fields_and_event_status(outlet_desk: Desk) -> None:
    api = outlet_desk.site / "api"
    for path in sorted(api.rglob("*.json")):
        if path.name != "schema.json":
            definition = "index" if path.name == "index.json" else (
                "article" if path.parent.name == "articles" else "entity")
            errors = list(_validator(definition).iter_errors(json.loads(path.read_text())))
            assert errors == [], (path, errors[0].message if errors else "")
    story = json.loads((api / "articles/a-story.json").read_text())
    assert story["source"] == {"name": "Example News", "url": None, "outlet": "example-news"}
    assert story["key_point_sources"] == [{"point": 1, "name": "Wire Agency", "url": "https://wire.example.com/1",
                                           "outlet": "wire-agency"}]
    assert story["key_points"] == ["A point.", "A point of the wire."]
    assert (story["why_it_matters"], story["whats_next"]) == ("It matters & more.", "Talks on <Friday>.")
    assert (story["updated"], story["last_changed"], story["corrections"]) == (None, "2024-07-03", [])
    assert story["about"] == [{"kind": "person", "slug": "ada-lovelace"}]
    assert story["covers"]["sources"] == ["example-news"]
    outlet = json.loads((api / "sources/example-news.json").read_text())
    assert (outlet["kind"], outlet["outlet_kind"], outlet["website"]) == ("source", "newspaper",
                                                                         "https://news.example.com/")
    assert outlet["url"] == "sources/example-news/"
    assert [(a["slug"], a["about"]) for a in outlet["articles"]] == [("a-story", False)]
    ada = json.loads((api / "people/ada-lovelace.json").read_text())
    assert [(a["slug"], a["about"]) for a in ada["articles"]] == [("a-story", True)]
    summit, session = (json.loads((api / f"events/{slug}.json").read_text()) for slug in ("summit", "session"))
    # As of the newest article's date (3 July): the summit is over, its session still to come.
    assert (summit["status"], session["status"], session["parent"]) == ("concluded", "scheduled", "summit")
    assert [a["slug"] for a in summit["articles"]] == ["a-story"], "a sub-event's coverage rolls up"
    index = json.loads((api / "index.json").read_text())
    assert {e["kind"] for e in index["entities"]} == {"person", "event", "source"}


def test_a_broken_article_document_fails_the_schema(outlet_desk: Desk) -> None:
    """The article schema is strict: an unknown field, or a source without its outlet, is rejected."""
    story = json.loads((outlet_desk.site / "api/articles/a-story.json").read_text())
    assert list(_validator("article").iter_errors({**story, "extra": 1}))
    assert list(_validator("article").iter_errors({**story, "source": {"name": "X", "url": None}}))
    assert not list(_validator("article").iter_errors(story))


def test_pages_advertise_their_feeds_and_sharing_metadata(news_desk: Desk) -> None:
    page = news_desk.page("people/grace-hopper")
    assert '<link rel="alternate" type="application/rss+xml" title="Grace Hopper (RSS)" href="feed.xml">' in page
    assert '<link rel="alternate" type="application/atom+xml" title="Test desk (ATOM)" href="../../atom.xml">' in page
    assert re.search(r'class="bg-follow"[^>]*>Follow: <a href="feed.xml"', page), "a visible follow link"
    assert f'<link rel="canonical" href="{SITE}people/grace-hopper/">' in page
    assert '<meta property="og:type" content="profile">' in page
    assert f'<meta property="og:url" content="{SITE}people/grace-hopper/">' in page
    assert '<meta name="twitter:card" content="summary">' in page
    article_page = news_desk.page("articles/story-1")
    assert '<meta property="og:type" content="article">' in article_page
    assert '<meta property="article:published_time" content="2024-07-03">' in article_page
    assert '<meta name="description" content="A summary.">' in article_page
    sitemap = (news_desk.site / "sitemap.xml").read_text()
    assert f"<loc>{SITE}articles/story-2/</loc>\n         <lastmod>2024-06-20</lastmod>" in sitemap


def _validator(definition: str) -> Draft202012Validator:
    """A validator for one kind of document: the API schema with its root pointed at one definition."""
    schema = {k: v for k, v in api_schema().items() if k != "oneOf"}
    schema["$ref"] = f"#/$defs/{definition}"
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("site", ["news", "sample"])
def test_json_api_validates_against_its_schema(site: str, news_desk: Desk, sample_site: Desk) -> None:
    desk = news_desk if site == "news" else sample_site
    api = desk.site / "api"
    documents = sorted(api.rglob("*.json"))
    assert len(documents) > 5
    Draft202012Validator.check_schema(api_schema())
    assert json.loads((api / "schema.json").read_text()) == api_schema()
    kinds = {"index.json": "index", "articles": "article"}
    for path in documents:
        if path.name == "schema.json":
            continue
        definition = kinds.get(path.name) or kinds.get(path.parent.name) or "entity"
        errors = list(_validator(definition).iter_errors(json.loads(path.read_text())))
        assert errors == [], (path, errors[0].message if errors else "")


def test_json_api_carries_counts_and_relations(news_desk: Desk) -> None:
    index = json.loads((news_desk.site / "api/index.json").read_text())
    ada = next(e for e in index["entities"] if e["slug"] == "ada-lovelace")
    assert ada == {"kind": "person", "slug": "ada-lovelace", "name": "Ada Lovelace", "url": "people/ada-lovelace/",
                   "api": "api/people/ada-lovelace.json", "counts": {"articles": 4, "quotes": 0}}
    grace = json.loads((news_desk.site / "api/people/grace-hopper.json").read_text())
    assert [a["slug"] for a in grace["articles"]] == ["story-1", "story-3"]
    assert grace["articles"][0]["sentence"] == "Ada Lovelace and Grace Hopper spoke."
    assert grace["connections"]["people"] == [{"slug": "ada-lovelace", "count": 2}]
    assert grace["roles"] == [{"title": "Minister", "org": None, "start": None, "end": None}]


def test_a_broken_document_fails_the_schema(news_desk: Desk) -> None:
    """The schema check above can fail: a document missing its articles is rejected."""
    doc = json.loads((news_desk.site / "api/people/grace-hopper.json").read_text())
    del doc["articles"]
    assert list(_validator("entity").iter_errors(doc))


def test_pagefind_indexes_articles_and_profiles_only(news_desk: Desk) -> None:
    assert (news_desk.site / "pagefind/pagefind.js").is_file()
    assert (news_desk.site / "pagefind/pagefind-ui.js").is_file()
    search = news_desk.page("search")
    assert 'data-base-url="/"' in search and 'src="../pagefind/pagefind-ui.js"' in search
    assert "data-pagefind-body" in news_desk.page("people/ada-lovelace")
    assert "data-pagefind-body" in news_desk.page("articles/story-1")
    for listing in ("", "articles", "articles/2024/07", "people", "people/ada-lovelace/page/2"):
        assert "data-pagefind-body" not in news_desk.page(listing), listing
    related = news_desk.page("people/ada-lovelace").split('class="bg-related" data-pagefind-ignore', 1)
    assert len(related) == 2 and "bg-article-item" in related[1] and "bg-article-item" not in related[0]


def test_material_search_ranks_profiles_first(desk_factory) -> None:
    """The theme's search stays available; profiles are boosted and listings left out of its index."""
    files = {**person(), **person("grace-hopper", "Grace Hopper", "Hopper")}
    for i in range(3):
        files.update(article(f"story-{i}", people="ada-lovelace"))
    desk = desk_factory(files, page_size=2)
    desk.write("mkdocs.yml", desk.config.read_text().replace(
        "plugins:\n", "plugins:\n  - search\n").replace("page_size: 2", "page_size: 2\n      search_engine: material"))
    assert desk.build() == 0
    assert not (desk.site / "pagefind").exists() and not (desk.site / "search/index.html").exists()
    index = json.loads((desk.site / "search/search_index.json").read_text())
    docs = {d["location"]: d for d in index["docs"]}
    assert docs["people/ada-lovelace/"].get("boost", 1) > 1
    assert "articles/story-1/" in docs
    # Listings repeat what articles and profiles hold: they stay out, and so do a profile's related sections.
    assert not {"", "articles/", "articles/2024/07/", "people/"} & set(docs)
    assert (desk.site / "people/ada-lovelace/page/2/index.html").is_file()
    assert not any(loc.startswith("people/ada-lovelace/page/") for loc in docs), "coverage pages stay out"
    assert not any("#coverage" in loc for loc in docs)


def test_search_job_reports_a_failure_while_handing_pages_over(tmp_path) -> None:
    """A page source that breaks mid-way fails the job with its reason instead of leaving it waiting."""
    def pages():
        yield "a/index.html", "A", "<main data-pagefind-body><p>Ada Lovelace</p></main>"
        raise RuntimeError("page source broke")

    job = search.SearchIndexJob(pages(), tmp_path, "en")
    with pytest.raises(search.SearchIndexError, match="handing pages to Pagefind failed: RuntimeError"):
        job.wait()
    assert not (tmp_path / "pagefind").exists()


@pytest.mark.parametrize(("content", "sent"), [
    ('<p>a</p><div class="x" data-pagefind-ignore><div>b</div><p>c</p></div><p>d</p>', "<p>a</p><p>d</p>"),
    ('<DIV data-pagefind-ignore="all">a<div data-pagefind-ignore>b</div>c</Div>d<ul data-pagefind-ignore>e</ul>', "d"),
    ('<div data-pagefind-ignore><div-card>a</div-card></div>b', "b"),  # a custom element is not a div
    ("<a title='data-pagefind-ignore' data-pagefind-ignore\nhref=x>a</a><a data-pagefind-ignore>b</a>c", "c"),
    # A picture's `<title>` of plain text is markup either way.
    ('<figure data-pagefind-ignore><svg><title id="t">3 articles</title></svg></figure>b', "b"),
])
def test_ignored_sections_are_not_sent_to_pagefind(content: str, sent: str) -> None:
    assert search.without_ignored(content) == sent


@pytest.mark.parametrize("content", [
    "<div data-pagefind-ignore><div>a</div>",  # no end tag
    "<div data-pagefind-ignore/><p>a</p></div>",  # empty
    '<div data-pagefind-ignore><b data-pagefind-filter="k">v</b></div>',  # Pagefind still reads filters there
    "<!-- </div> --><div data-pagefind-ignore>a</div>",  # tags in comments or scripts would be miscounted
    '<div data-pagefind-ignore><script>"</div>"</script></div>',
    # The words without the attribute: in a value, in another attribute's name, or in text.
    '<div class="data-pagefind-ignore-x">a</div><p title="x data-pagefind-ignore">b</p>',
    "<div data-pagefind-ignored>a</div><p>data-pagefind-ignore</p>",
    '<p title="a>b" data-pagefind-ignore>c</p>',  # a `>` in a value: where the tag ends is unclear
    "<title><div data-pagefind-ignore>a</div></title>",  # an HTML title's content is text
])
def test_sections_that_cannot_be_cut_safely_are_left_to_pagefind(content: str) -> None:
    assert search.without_ignored(content) == content


def test_cutting_ignored_sections_leaves_the_search_index_unchanged(sample_site: Desk, tmp_path, monkeypatch) -> None:
    """Pagefind makes the same index from whole pages: the cut only spares it reading what it skips."""
    project = project_at(sample_site.root, "content", "templates")
    renderer = SiteRenderer(run(project).index, [default_templates_dir()], RenderOptions())
    profile = renderer.render(next(s for s in renderer.pages() if s.template == "person.html"))
    assert len(search.without_ignored(profile)) < len(profile) / 2  # the sample's pages do lose most of it

    monkeypatch.setattr(search, "without_ignored", lambda content: content)
    whole = copy_of_sample(tmp_path)
    assert whole.build() == 0
    assert tree_digest(whole.site / "pagefind") == tree_digest(sample_site.site / "pagefind")


# --- Feed validity: the W3C feed validator's rules that matter here, run offline ---------------------------
# `feedvalidator` is not on PyPI in a usable form (and the W3C service needs the network), so the rules of
# RFC 4287 and RSS 2.0 that these feeds can break are encoded here, each with the section it comes from.

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")
RFC822 = re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                    r"\d{4} \d\d:\d\d:\d\d [+-]\d{4}")
#: An absolute http(s) IRI: no whitespace, nor any character RFC 3987 leaves out of IRIs.
ABSOLUTE_IRI = re.compile(r'https?://[^\s"<>\\^`{|}]+')
#: What an atom:source carries: the metadata of the feed an entry was copied from (RFC 4287 §4.2.11).
FEED_METADATA = {f"{ATOM}{name}" for name in ("author", "category", "contributor", "generator", "icon", "id",
                                              "link", "logo", "rights", "subtitle", "title", "updated")}


def _one(parent: ET.Element, tag: str, where: str, problems: list[str]) -> ET.Element | None:
    found = parent.findall(tag)
    if len(found) != 1:
        problems.append(f"{where}: {len(found)} {tag.removeprefix(ATOM)} elements, not exactly one")
    return found[0] if found else None


def _atom_links(parent: ET.Element, where: str, problems: list[str]) -> list[ET.Element]:
    """RFC 4287 §4.2.7: an href IRI on every link; at most one alternate per (type, hreflang)."""
    links = parent.findall(f"{ATOM}link")
    alternates = [(link.get("type"), link.get("hreflang")) for link in links if link.get("rel", "alternate") ==
                  "alternate"]
    if len(alternates) != len(set(alternates)):
        problems.append(f"{where}: two alternate links of the same type and language")
    problems += [f"{where}: link href {link.get('href')!r} is not an absolute IRI" for link in links
                 if not ABSOLUTE_IRI.fullmatch(link.get("href") or "")]
    return links


def atom_problems(data: bytes, feeds: set[str]) -> list[str]:
    """What a strict Atom 1.0 validator reports; `feeds` are the addresses that are feeds."""
    root = ET.fromstring(data)
    if root.tag != f"{ATOM}feed":
        return [f"the root is {root.tag}, not atom:feed"]
    problems: list[str] = []
    for tag in ("id", "title", "updated"):  # §4.1.1
        _one(root, f"{ATOM}{tag}", "feed", problems)
    _atom_common(root, "feed", problems)
    links = _atom_links(root, "feed", problems)
    if not any(link.get("rel") == "self" and link.get("href") in feeds for link in links):
        problems.append("feed: no self link to where the feed is")  # the validator's "missing atom:link rel=self"
    feed_author = [a for a in root.findall(f"{ATOM}author") if (a.findtext(f"{ATOM}name") or "").strip()]
    for n, entry in enumerate(root.findall(f"{ATOM}entry")):
        where = f"entry {n}"
        for tag in ("id", "title", "updated"):  # §4.1.2
            _one(entry, f"{ATOM}{tag}", where, problems)
        _atom_common(entry, where, problems)
        entry_links = _atom_links(entry, where, problems)
        content = entry.find(f"{ATOM}content")
        if content is None and not any(link.get("rel", "alternate") == "alternate" for link in entry_links):
            problems.append(f"{where}: neither content nor an alternate link")
        if content is not None and content.get("type", "text") not in ("text", "html", "xhtml"):
            problems.append(f"{where}: content of type {content.get('type')!r}")
        source = entry.find(f"{ATOM}source")
        if source is not None:  # §4.2.11: a feed's metadata, never the page an entry comes from
            if {child.tag for child in source} - FEED_METADATA:
                problems.append(f"{where}: source holds more than a feed's metadata")
            for tag in ("id", "title", "updated"):
                _one(source, f"{ATOM}{tag}", f"{where} source", problems)
            if not any(link.get("rel") == "self" and link.get("href") in feeds
                       for link in source.findall(f"{ATOM}link")):
                problems.append(f"{where}: source does not name the feed it comes from")
        has_author = entry.find(f"{ATOM}author") is not None or (
            source is not None and source.find(f"{ATOM}author") is not None)
        if not (feed_author or has_author):  # §4.1.1, §4.1.2
            problems.append(f"{where}: no author, and the feed has none")
    return problems


def _atom_common(element: ET.Element, where: str, problems: list[str]) -> None:
    """Dates (§3.3), ids (§4.2.6) and persons (§3.2) of a feed or an entry."""
    for tag in ("updated", "published"):
        for date in element.findall(f"{ATOM}{tag}"):
            if not RFC3339.fullmatch(date.text or ""):
                problems.append(f"{where}: {tag} {date.text!r} is not an RFC 3339 date-time")
    for id_ in element.findall(f"{ATOM}id"):
        if not ABSOLUTE_IRI.fullmatch(id_.text or ""):
            problems.append(f"{where}: id {id_.text!r} is not an absolute IRI")
    for who in element.findall(f"{ATOM}author") + element.findall(f"{ATOM}contributor"):
        _one(who, f"{ATOM}name", f"{where} {who.tag.removeprefix(ATOM)}", problems)


def rss_problems(data: bytes, feeds: set[str]) -> list[str]:
    """What a strict RSS 2.0 validator reports; `feeds` are the addresses that are RSS feeds."""
    root = ET.fromstring(data)
    if root.tag != "rss" or root.get("version") != "2.0":
        return ["not an RSS 2.0 document"]
    problems: list[str] = []
    channel = _one(root, "channel", "rss", problems)
    if channel is None:
        return problems
    for tag in ("title", "link", "description"):  # required channel elements
        element = _one(channel, tag, "channel", problems)
        if element is not None and not (element.text or "").strip():
            problems.append(f"channel: empty {tag}")
    if not ABSOLUTE_IRI.fullmatch(channel.findtext("link") or ""):
        problems.append("channel: link is not an absolute URL")
    for tag in ("pubDate", "lastBuildDate"):
        for date in channel.findall(tag):
            problems += _rfc822_problems(date.text or "", f"channel {tag}")
    if not any(link.get("rel") == "self" and link.get("href") in feeds for link in channel.findall(f"{ATOM}link")):
        problems.append("channel: no atom:link rel=self to where the feed is")
    for n, item in enumerate(channel.findall("item")):
        where = f"item {n}"
        if item.find("title") is None and item.find("description") is None:
            problems.append(f"{where}: neither title nor description")
        guid = _one(item, "guid", where, problems)
        if guid is not None and guid.get("isPermaLink", "true") == "true" and not ABSOLUTE_IRI.fullmatch(
                guid.text or ""):
            problems.append(f"{where}: a permalink guid that is not a URL")
        date = _one(item, "pubDate", where, problems)
        if date is not None:
            problems += _rfc822_problems(date.text or "", f"{where} pubDate")
        for author in item.findall("author"):  # an e-mail address, optionally with a name
            if "@" not in (author.text or ""):
                problems.append(f"{where}: author {author.text!r} is not an e-mail address")
        for source in item.findall("source"):  # "the RSS channel that the item came from"
            if source.get("url") not in feeds:
                problems.append(f"{where}: source url {source.get('url')!r} is not an RSS feed")
    return problems


def _rfc822_problems(stamp: str, where: str) -> list[str]:
    if not RFC822.fullmatch(stamp):
        return [f"{where}: {stamp!r} is not an RFC 822 date with a four-digit year and a numeric zone"]
    if parsedate_to_datetime(stamp).strftime("%a") != stamp[:3]:
        return [f"{where}: {stamp!r} names the wrong day of the week"]
    return []


@pytest.mark.parametrize("site", ["news", "sample"])
def test_every_feed_passes_the_validator_rules(site: str, news_desk: Desk, sample_site: Desk) -> None:
    desk = news_desk if site == "news" else sample_site
    base = SITE if site == "news" else "https://example.github.io/briefgen/"
    paths = {path: base + path.relative_to(desk.site).as_posix()
             for name in ("feed.xml", "atom.xml") for path in sorted(desk.site.rglob(name))}
    assert len(paths) >= 6
    for path, address in paths.items():
        check = atom_problems if path.name == "atom.xml" else rss_problems
        assert check(path.read_bytes(), set(paths.values())) == [], address


def test_the_validator_rules_reject_what_the_feeds_used_to_say(news_desk: Desk) -> None:
    """The checks above can fail: no author, and the original article given as a source, are both reported."""
    feeds = {f"{SITE}feed.xml", f"{SITE}atom.xml"}
    atom = (news_desk.site / "atom.xml").read_text()
    no_author = re.sub(r"<author>.*?</author>", "", atom, count=1, flags=re.S)
    assert "entry 0: no author, and the feed has none" in atom_problems(no_author.encode(), feeds)
    article_as_source = atom.replace(
        "<published>", '<source><title>Example News</title><link href="https://news.example.com/story-1"/>'
        "</source><published>", 1)
    problems = atom_problems(article_as_source.encode(), feeds)
    assert "entry 0 source: 0 id elements, not exactly one" in problems
    assert "entry 0: source does not name the feed it comes from" in problems
    rss = (news_desk.site / "feed.xml").read_text().replace(
        "<pubDate>", '<source url="https://news.example.com/story-1">Example News</source><pubDate>', 1)
    assert rss_problems(rss.encode(), feeds) == [
        "item 0: source url 'https://news.example.com/story-1' is not an RSS feed"]
    two_digit_year = (news_desk.site / "feed.xml").read_text().replace(" 2024 ", " 24 ", 1)
    assert rss_problems(two_digit_year.encode(), feeds)


def test_the_desk_is_the_author_and_the_original_article_is_a_link(news_desk: Desk) -> None:
    atom_raw = (news_desk.site / "people/grace-hopper/atom.xml").read_bytes()
    atom = ET.fromstring(atom_raw)
    assert [a.findtext(f"{ATOM}name") for a in atom.findall(f"{ATOM}author")] == ["Test desk"]
    entry = atom.find(f"{ATOM}entry")
    assert entry is not None
    links = [dict(link.attrib) for link in entry.findall(f"{ATOM}link")]
    # feedgen writes the alternate without `rel` (it is the default); the original article is `via`, not a
    # second alternate.
    assert links == [{"href": f"{SITE}articles/story-1/"},
                     {"rel": "via", "href": "https://news.example.com/story-1", "title": "Example News"}]
    rss_raw = (news_desk.site / "people/grace-hopper/feed.xml").read_bytes()
    assert b"<source" not in atom_raw and b"<source" not in rss_raw
    assert feedparser.parse(atom_raw).feed.author == "Test desk"

    rss = _feed(news_desk, "people/grace-hopper/feed.xml")
    assert rss.entries[0].link == f"{SITE}articles/story-1/", "the item's own link is still the brief"
    assert '<p>Source: <a href="https://news.example.com/story-1">Example News</a></p>' in rss.entries[0].summary


def _article(slug: str, title: str, url: str, name: str) -> Article:
    when = dt.datetime(2024, 7, 3, 14, 5, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))
    return Article(slug=slug, path=f"content/articles/2024/07/{slug}.md", title=title, date=when.date(),
                   source=Source(name=name, url=url), summary="A summary & more.", key_points=("A <point>.",),
                   refs={}, published=when)


def test_feeds_from_odd_sources_stay_valid_identical_and_keyed_on_the_slug() -> None:
    """Addresses may hold characters no IRI may (the content only has to be http(s) without whitespace)."""
    odd = "https://news.example.com/a?q=<b>|\"x\"&y={1}^`\\"
    spec = FeedSpec("people/ada/", "Ada · Desk", "Briefs on Ada.", "people/ada/",
                    [_article("a-story", "A <story>", odd, 'News & "Views"')], "Desk & Co")
    rss, atom = render_feed(spec, SITE, dt.date(2024, 7, 4))
    assert (rss, atom) == render_feed(spec, SITE, dt.date(2024, 7, 4)), "byte-identical across runs"
    feeds = {f"{SITE}people/ada/feed.xml", f"{SITE}people/ada/atom.xml"}
    assert atom_problems(atom, feeds) == [] and rss_problems(rss, feeds) == []
    encoded = "https://news.example.com/a?q=%3Cb%3E%7C%22x%22&y=%7B1%7D%5E%60%5C"
    via = ET.fromstring(atom).find(f"{ATOM}entry/{ATOM}link[@rel='via']")
    assert via is not None and via.attrib == {"rel": "via", "href": encoded, "title": 'News & "Views"'}
    item = feedparser.parse(rss).entries[0]
    assert f'<a href="{encoded.replace("&", "&amp;")}">News &amp; &quot;Views&quot;</a>' in item.summary
    assert b"<updated>2024-07-03T14:05:00+05:30</updated>" in atom, "the moment keeps its zone"
    assert b"<pubDate>Wed, 03 Jul 2024 14:05:00 +0530</pubDate>" in rss

    retitled = FeedSpec(**{**spec.__dict__, "articles": [_article("a-story", "Corrected", "https://b.example/",
                                                                          "B")]})
    ids = [re.findall(rb"<(?:id|guid)[^>]*>(.*?)</", doc) for doc in render_feed(retitled, SITE, dt.date(2024, 7, 4))]
    assert ids == [re.findall(rb"<(?:id|guid)[^>]*>(.*?)</", doc) for doc in (rss, atom)]


# --- The theme's sitemap requests --------------------------------------------------------------------------


@contextlib.contextmanager
def _recording_server(folder: Path, without: bytes) -> Iterator[tuple[str, list[str]]]:
    """Serve `folder` (conftest's `static_server`), recording every request path.

    A page asked for with `?without-fix` is served with the bytes `without` removed, as a control.
    """
    requests: list[str] = []

    def control(path: str, data: bytes) -> bytes | None:
        if not path.endswith("?without-fix"):
            return None
        assert without in data
        return data.replace(without, b"")

    with static_server(folder, requests=requests, rewrite=control) as base:
        yield base, requests


FEED_LINK = re.compile(r'<link rel="([^"]*)" type="application/(rss|atom)\+xml" title="[^"]*" href="([^"]*)">')


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is installed by `make test`")
def test_entity_pages_keep_their_feed_links_without_the_theme_asking_for_sitemaps(sample_site: Desk,
                                                                                  tmp_path: Path) -> None:
    """Material reads every `link[rel=alternate]` as a language version and requests `sitemap.xml` beside it."""
    entity = "people/sergey-lavrov/"
    feed_links = [("alternate", "rss", "../../feed.xml"), ("alternate", "atom", "../../atom.xml"),
                  ("alternate", "rss", "feed.xml"), ("alternate", "atom", "atom.xml")]
    assert FEED_LINK.findall(sample_site.page(entity)) == feed_links
    with _recording_server(sample_site.site, script_tag(entity).encode()) as (base, requests):
        # The control: the theme's own behaviour, which the test must be able to see.
        chromium_dom(base + entity + "?without-fix", tmp_path / "control")
        assert f"/{entity}sitemap.xml" in requests, requests
        requests.clear()

        dom = chromium_dom(base + entity, tmp_path / "fixed")
        assert "bundle" in " ".join(requests), "the theme's script ran"
        assert not [path for path in requests if path.endswith("sitemap.xml")], requests
        head = dom.split("</head>", 1)[0]
        # After the scripts ran, the links are in the head as feed readers look for them.
        assert FEED_LINK.findall(head) == feed_links
