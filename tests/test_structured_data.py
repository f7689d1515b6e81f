"""Structured data: the schema.org JSON-LD of article, person, event and other entity pages, in real builds."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import pytest
import yaml
from conftest import Desk, make_desk

from briefgen.pages.jsonld import script_json

SITE = "https://desk.example.org/"
WIKI = "https://www.wikidata.org/wiki/"


def _dump(data: dict[str, Any]) -> str:
    # ASCII with escapes: a raw U+2028 in a file is refused (`encoding`), a `\L` escape reads as one.
    return yaml.safe_dump(data, allow_unicode=False, sort_keys=False)


def _files(text: str = "") -> dict[str, str]:
    """A small desk: a story about Ada and a summit, with a sub-session, an outlet, a topic and an org.

    `text` is added to every value that reaches the JSON-LD (the hostile test puts markup there).
    """
    story = {
        "title": f"Ada Lovelace opens the summit{text}", "date": "2024-07-03T14:05:00+05:30",
        "source": {"name": f"Example News{text}", "url": "https://news.example.com/a-story", "outlet": "example-news"},
        "summary": f"Ada spoke first.{text}",
        "key_points": [f"A point.{text}",
                       {"text": f"A point from another source.{text}", "source": "wire-agency",
                        "url": "https://wire.example.com/1"}],
        "why_it_matters": f"It matters.{text}", "whats_next": f"More talks.{text}",
        "updated": "2024-07-05", "corrections": [{"date": "2024-07-04", "text": f"The date was wrong.{text}"}],
        "people": ["ada-lovelace", "charles-babbage"], "events": ["engine-summit"], "orgs": ["babbage-co"],
        "places": ["london"], "topics": ["computing"], "about": ["ada-lovelace", "engine-summit"],
    }
    older = {
        "title": f"Babbage prepares{text}", "date": "2024-07-01", "source": "wire-agency",
        "summary": f"Charles prepared.{text}", "key_points": [f"Preparation.{text}"],
        "people": ["charles-babbage"], "events": ["engine-session"],
    }
    return {
        "content/articles/2024/07/a-story.md": f"---\n{_dump(story)}---\nAda Lovelace met Charles Babbage in London.\n",
        "content/articles/2024/07/b-story.md": f"---\n{_dump(older)}---\nCharles Babbage prepared.\n",
        "content/people/ada-lovelace.yml": _dump({
            "name": f"Ada Lovelace{text}", "aliases": [f"Lovelace{text}", "Ada"], "summary": f"A mathematician.{text}",
            "wikidata": "Q7259", "links": [{"title": "Profile", "url": "https://example.org/ada"}],
            "roles": [{"title": f"Translator{text}", "from": "2020-01-01", "to": "2023-12-31"},
                      {"title": f"Analyst{text}", "org": "babbage-co", "from": "2024-01-01"}],
            "country": "london"}),
        "content/people/charles-babbage.yml": _dump({"name": f"Charles Babbage{text}", "aliases": ["Babbage"]}),
        "content/orgs/babbage-co.yml": _dump({"name": f"Babbage & Co{text}", "wikidata": "Q42"}),
        "content/places/london.yml": _dump({"name": f"London{text}", "wikidata": "Q84"}),
        "content/topics/computing.yml": _dump({"name": f"Computing{text}", "wikidata": "Q21198"}),
        "content/events/engine-congress.yml": _dump({"name": f"Engine Congress{text}", "start": "2024-06-01",
                                                     "ongoing": True}),
        "content/events/engine-summit.yml": _dump({
            "name": f"Engine Summit{text}", "summary": f"A summit.{text}", "start": "2024-07-03", "end": "2024-07-04",
            "place": "london", "parent": "engine-congress", "participants": ["ada-lovelace"], "wikidata": "Q1"}),
        "content/events/engine-session.yml": _dump({
            "name": f"Engine Session{text}", "start": "2024-07-01", "parent": "engine-summit",
            "participants": ["charles-babbage"]}),
        "content/sources/example-news.yml": _dump({
            "name": f"Example News Ltd{text}", "kind": "newspaper", "url": "https://news.example.com/",
            "wikidata": "Q5", "country": "london"}),
        "content/sources/wire-agency.yml": _dump({"name": f"Wire Agency{text}", "kind": "agency"}),
    }


class Scripts(HTMLParser):
    """Every script element of a page: (type, src, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[str | None, str | None, str]] = []
        self._open: tuple[str | None, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            found = dict(attrs)
            self._open = (found.get("type"), found.get("src"))
            self.scripts.append((*self._open, ""))

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            kind, src, text = self.scripts[-1]
            self.scripts[-1] = (kind, src, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._open = None


def scripts_of(page: str) -> list[tuple[str | None, str | None, str]]:
    parser = Scripts()
    parser.feed(page)
    parser.close()
    return parser.scripts


def json_ld(page: str) -> dict[str, Any]:
    """The page's one JSON-LD document."""
    blocks = [text for kind, _, text in scripts_of(page) if kind == "application/ld+json"]
    assert len(blocks) == 1, blocks
    assert "<" not in blocks[0], "nothing in the data block can end it or open a comment"
    return json.loads(blocks[0])


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    built = make_desk(tmp_path_factory.mktemp("jsonld"), _files())
    assert built.build() == 0
    return built


def test_an_article_page_is_a_news_article_with_what_it_is_about_and_mentions(desk: Desk) -> None:
    data = json_ld(desk.page("articles/a-story"))
    url = f"{SITE}articles/a-story/"
    assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
    assert (data["headline"], data["description"]) == ("Ada Lovelace opens the summit", "Ada spoke first.")
    assert data["url"] == data["mainEntityOfPage"] == url
    assert data["datePublished"] == "2024-07-03T14:05:00+05:30", "the moment of publication, with its zone"
    assert data["dateModified"] == "2024-07-05T00:00:00+00:00", "the day of the update"
    assert data["isBasedOn"] == "https://news.example.com/a-story"
    desk_org = {"@type": "Organization", "name": "Test desk", "url": SITE}
    assert data["author"] == data["publisher"] == desk_org, "the desk writes and publishes its briefs"
    assert data["sourceOrganization"] == {"@type": "NewsMediaOrganization", "name": "Example News",
                                          "url": f"{SITE}sources/example-news/", "sameAs": [f"{WIKI}Q5"]}
    assert data["citation"] == [{"@type": "CreativeWork", "url": "https://wire.example.com/1",
                                 "publisher": {"@type": "NewsMediaOrganization", "name": "Wire Agency",
                                               "url": f"{SITE}sources/wire-agency/"}}]
    assert data["about"] == [
        {"@type": "Person", "name": "Ada Lovelace", "url": f"{SITE}people/ada-lovelace/", "sameAs": [f"{WIKI}Q7259"]},
        {"@type": "Event", "name": "Engine Summit", "url": f"{SITE}events/engine-summit/", "sameAs": [f"{WIKI}Q1"]},
    ]
    # The rest of what it covers, in kind order; the outlet is its source, not something it mentions.
    assert data["mentions"] == [
        {"@type": "Person", "name": "Charles Babbage", "url": f"{SITE}people/charles-babbage/"},
        {"@type": "Organization", "name": "Babbage & Co", "url": f"{SITE}orgs/babbage-co/", "sameAs": [f"{WIKI}Q42"]},
        {"@type": "Place", "name": "London", "url": f"{SITE}places/london/", "sameAs": [f"{WIKI}Q84"]},
        {"@type": "Thing", "name": "Computing", "url": f"{SITE}topics/computing/", "sameAs": [f"{WIKI}Q21198"]},
    ]
    assert data["correction"] == [{"@type": "CorrectionComment", "text": "The date was wrong.",
                                   "datePublished": "2024-07-04"}]


def test_an_article_named_by_its_outlet_alone_has_no_original_to_point_to(desk: Desk) -> None:
    data = json_ld(desk.page("articles/b-story"))
    assert "isBasedOn" not in data and "about" not in data and "citation" not in data
    assert data["sourceOrganization"] == {"@type": "NewsMediaOrganization", "name": "Wire Agency",
                                          "url": f"{SITE}sources/wire-agency/"}
    assert data["datePublished"] == data["dateModified"] == "2024-07-01T00:00:00+00:00"
    assert [m["name"] for m in data["mentions"]] == ["Charles Babbage", "Engine Session"]


def test_a_person_page_is_a_person_with_the_current_role(desk: Desk) -> None:
    data = json_ld(desk.page("people/ada-lovelace"))
    assert data == {
        "@context": "https://schema.org", "@type": "Person", "name": "Ada Lovelace",
        "url": f"{SITE}people/ada-lovelace/", "alternateName": ["Lovelace", "Ada"], "description": "A mathematician.",
        "jobTitle": "Analyst",
        "affiliation": {"@type": "Organization", "name": "Babbage & Co", "url": f"{SITE}orgs/babbage-co/",
                        "sameAs": [f"{WIKI}Q42"]},
        "sameAs": [f"{WIKI}Q7259", "https://example.org/ada"],
    }
    assert "jobTitle" not in json_ld(desk.page("people/charles-babbage")), "no role, no title"


def test_an_event_page_is_an_event_with_its_place_family_and_participants(desk: Desk) -> None:
    data = json_ld(desk.page("events/engine-summit"))
    assert data == {
        "@context": "https://schema.org", "@type": "Event", "name": "Engine Summit", "description": "A summit.",
        "url": f"{SITE}events/engine-summit/", "sameAs": [f"{WIKI}Q1"],
        "startDate": "2024-07-03", "endDate": "2024-07-04", "eventStatus": "https://schema.org/EventScheduled",
        "location": {"@type": "Place", "name": "London", "url": f"{SITE}places/london/", "sameAs": [f"{WIKI}Q84"]},
        "superEvent": {"@type": "Event", "name": "Engine Congress", "url": f"{SITE}events/engine-congress/"},
        "subEvent": [{"@type": "Event", "name": "Engine Session", "url": f"{SITE}events/engine-session/"}],
        # Its own participants, then its sub-events' (as its page rolls them up).
        "attendee": [{"@type": "Person", "name": "Ada Lovelace", "url": f"{SITE}people/ada-lovelace/",
                      "sameAs": [f"{WIKI}Q7259"]},
                     {"@type": "Person", "name": "Charles Babbage", "url": f"{SITE}people/charles-babbage/"}],
    }
    congress = json_ld(desk.page("events/engine-congress"))
    assert "endDate" not in congress, "an ongoing event has no end yet"
    assert [p["name"] for p in congress["attendee"]] == ["Ada Lovelace", "Charles Babbage"], "two levels down"


def test_other_entries_are_organisations_places_and_things(desk: Desk) -> None:
    assert json_ld(desk.page("sources/example-news")) == {
        "@context": "https://schema.org", "@type": "NewsMediaOrganization", "name": "Example News Ltd",
        "url": f"{SITE}sources/example-news/", "sameAs": [f"{WIKI}Q5", "https://news.example.com/"],
        "location": {"@type": "Place", "name": "London", "url": f"{SITE}places/london/", "sameAs": [f"{WIKI}Q84"]},
    }
    assert json_ld(desk.page("orgs/babbage-co"))["@type"] == "Organization"
    assert json_ld(desk.page("topics/computing"))["@type"] == "Thing"
    assert json_ld(desk.page("places/london"))["@type"] == "Place"


def test_listings_and_coverage_pages_carry_no_structured_data(desk: Desk) -> None:
    for url in ("", "articles", "people", "articles/2024/07"):
        assert not [s for s in scripts_of(desk.page(url)) if s[0] == "application/ld+json"], url


HOSTILE = "</script><script>alert(1)</script><!--<script>\u2028\u2029&amp;"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    built = make_desk(tmp_path_factory.mktemp("jsonld-hostile"), _files(f" {HOSTILE}"))
    assert built.build() == 0
    return built


@pytest.mark.parametrize(("url", "fields"), [
    ("articles/a-story", [("headline",), ("description",), ("sourceOrganization", "name"), ("about", 0, "name"),
                          ("about", 1, "name"), ("mentions", 0, "name"), ("mentions", 1, "name"),
                          ("mentions", 2, "name"), ("mentions", 3, "name"), ("correction", 0, "text"),
                          ("citation", 0, "publisher", "name")]),
    ("people/ada-lovelace", [("name",), ("alternateName", 0), ("description",), ("jobTitle",),
                             ("affiliation", "name")]),
    ("events/engine-summit", [("name",), ("description",), ("location", "name"), ("superEvent", "name"),
                              ("subEvent", 0, "name"), ("attendee", 1, "name")]),
    ("sources/example-news", [("name",), ("location", "name")]),
])
def test_markup_in_every_field_stays_data(url: str, fields: list[tuple[Any, ...]], hostile: Desk, desk: Desk) -> None:
    """`</script>`, `<!--`, `&` and JavaScript's line separators in every value: the page has exactly the script
    elements a plain page has, and the JSON-LD parses to the values as written."""
    page = hostile.page(url)
    plain = desk.page(url)
    shape = [(kind, src) for kind, src, _ in scripts_of(page)]
    assert shape == [(kind, src) for kind, src, _ in scripts_of(plain)], "no script element more, none less"
    assert not [text for kind, _, text in scripts_of(page) if "alert(" in text and kind != "application/ld+json"]
    data, clean = json_ld(page), json_ld(plain)
    for path in fields:
        value, expected = data, clean
        for step in path:
            value, expected = value[step], expected[step]
        assert value == f"{expected} {HOSTILE}", path


def test_the_json_is_inert_in_a_script_element_and_stable() -> None:
    data = {"b": "</script><!--\u2028&", "a": ["<b>"]}
    text = script_json(data)
    assert text == '{"a":["\\u003cb\\u003e"],"b":"\\u003c/script\\u003e\\u003c!--\\u2028\\u0026"}'
    assert json.loads(text) == data
    assert script_json(dict(reversed(data.items()))) == text, "keys sorted: dict order never shows"


def test_structured_data_is_the_same_on_every_build(desk: Desk, tmp_path) -> None:
    again = make_desk(tmp_path / "again", _files())
    assert again.build() == 0
    for url in ("articles/a-story", "people/ada-lovelace", "events/engine-summit"):
        assert again.page(url) == desk.page(url), url
