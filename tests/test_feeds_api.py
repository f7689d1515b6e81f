"""Following the desk: feeds, the JSON API, sharing metadata and site search."""

from __future__ import annotations

import json
import re
from email.utils import parsedate_to_datetime

import feedparser
import pytest
from conftest import Desk, article, copy_of_sample, person, tree_digest
from jsonschema import Draft202012Validator

from briefgen.desk.pipeline import run
from briefgen.desk.project import project_at
from briefgen.pages import search
from briefgen.pages.api import api_schema
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
    assert len(feeds) == 2 * (1 + 2)  # the site and each person
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
    assert 'baseUrl: "/"' in search and 'src="../pagefind/pagefind-ui.js"' in search
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
