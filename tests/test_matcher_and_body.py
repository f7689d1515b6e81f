"""The alias matcher, sentence splitting and body linking: the pure pieces under the pages."""

from __future__ import annotations

import pytest
from conftest import article, person

from briefgen.desk.htmlpolicy import unsafe_html
from briefgen.desk.matcher import AliasMatcher
from briefgen.desk.text import plain_paragraphs, sentences
from briefgen.pages.body import BodyRenderer
from briefgen.pages.urls import relative_url

NAMES = [("Narendra Modi", "modi"), ("Modi", "modi"), ("S Jaishankar", "jaishankar"), ("Jaishankar", "jaishankar"),
         ("Sergei Lavrov", "lavrov"), ("Lavrov", "lavrov"), ("SCO", "sco")]


def test_matcher_finds_longest_names_with_any_punctuation() -> None:
    matcher = AliasMatcher(NAMES)
    text = "Prime Minister Narendra Modi’s visit; S. Jaishankar met Sergei Lavrov at the SCO. Modi left."
    found = [(m.surface, m.target) for m in matcher.find(text)]
    assert found == [("Narendra Modi", "modi"), ("S. Jaishankar", "jaishankar"), ("Sergei Lavrov", "lavrov"),
                     ("SCO", "sco"), ("Modi", "modi")]


def test_matcher_is_case_and_word_sensitive() -> None:
    matcher = AliasMatcher([("Mark", "mark"), ("Astana", "astana")])
    assert [m.surface for m in matcher.find("mark the Markov chain in Astanaville and Astana")] == ["Astana"]


def test_ascii_text_is_split_into_words_as_other_text_is() -> None:
    # ASCII text takes a faster path to its words than text with other characters: both must agree.
    matcher = AliasMatcher([("S Jaishankar", "s-j"), ("Jaishankar", "j"), ("Lavrov_2", "l2"), ("Lavrov", "l")])
    for char in map(chr, range(128)):
        text = f"S{char}Jaishankar met Lavrov{char}2."
        assert matcher.targets(text) == matcher.targets(text + " \u00e9"), repr(char)
    assert matcher.targets("S Jaishankar met Lavrov_2.") == [("s-j",), ("l2",)]
    assert matcher.targets("S-Jaishankar met Lavrov 2, SJaishankar.") == [("s-j",), ("l",)]


def test_candidates_hold_every_target_a_text_names() -> None:
    # `check` skips the scan for names when no candidate is left out of an article's list: candidates
    # must include every target that the scan could find, whichever name of it starts with a shared word.
    matcher = AliasMatcher([("John Smith", "smith"), ("John Doe", "doe"), ("Jane Doe", "jane"), ("Modi", "modi")])
    for text in ("John Doe met Modi.", "John Smith", "Jane, John and Doe", "No one.", "Modi’s John Doe"):
        assert set(matcher.targets(text)) <= set(matcher.candidates(text)), text
    assert set(matcher.candidates("John met Jane.")) == {("smith",), ("doe",), ("jane",)}
    assert matcher.candidates("Doe and Smith") == []


def test_matcher_keeps_decomposed_accents_together() -> None:
    matcher = AliasMatcher([("António Guterres", "guterres")])
    decomposed = "Anto\u0301nio Guterres spoke"
    assert [m.target for m in matcher.find(decomposed)] == ["guterres"]


def test_sentences_keep_initials_and_quotes_together() -> None:
    paragraph = ('External Affairs Minister S. Jaishankar met Lavrov. “We noted the progress,” he said. '
                 "Mr. Modi will visit Moscow on July 8-9.")
    assert sentences(paragraph) == [
        "External Affairs Minister S. Jaishankar met Lavrov.",
        "“We noted the progress,” he said.",
        "Mr. Modi will visit Moscow on July 8-9.",
    ]


def test_plain_paragraphs_drop_markup() -> None:
    md = "## Heading\n\nSee [Lavrov](https://x.example) and **bold** `code`.\n\n- item one\n- item two"
    assert plain_paragraphs(md) == ["Heading", "See Lavrov and bold code.", "item one item two"]


@pytest.mark.parametrize(
    ("body", "linked"),
    [
        ("*Lavrov* spoke before Lavrov left.", "<em><a"),  # the first mention is inside emphasis
        ("Lavrov spoke, *then* Lavrov left.", "<p><a"),  # the first mention is the paragraph's own text
        ("`Lavrov` in code, then Lavrov.", "</code> in code, then <a"),  # code is never linked
    ],
)
def test_body_links_the_first_mention_in_document_order(body: str, linked: str) -> None:
    renderer = BodyRenderer(AliasMatcher([("Lavrov", ("person", "sergey-lavrov"))]))
    html = renderer.render(body, {("person", "sergey-lavrov")}, lambda key: f"/people/{key[1]}/")
    assert html.count('href="/people/sergey-lavrov/"') == 1
    assert linked in html, html


def test_empty_required_value_is_missing(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory({**person(), **article(), "content/topics/t.yml": "name:\nsummary: A topic.\n"})
    assert desk.cli("check") == 1
    assert ("content/topics/t.yml:1:1: error[missing-field]: required field `name` is missing from this topic"
            in capsys.readouterr().out.splitlines())


@pytest.mark.parametrize(("here", "there", "link"), [
    ("people/x/", "people/y/", "../y/"), ("people/x/", "", "../../"), ("", "people/x/", "people/x/"),
    ("people/x/", "people/x/", "./"), ("people/x.html", "articles/a.html", "../articles/a.html"),
    ("people/x/page/2/", "people/x/", "../../"), ("people/x/", "people/x/feed.xml", "feed.xml"),
])
def test_relative_urls(here: str, there: str, link: str) -> None:
    assert relative_url(here, there) == link


def test_matcher_at_the_end_of_a_text_falls_back_to_the_shorter_name() -> None:
    matcher = AliasMatcher([("Sergei Lavrov", "lavrov"), ("Sergei", "someone-else")])
    assert [(m.surface, m.target) for m in matcher.find("Then came Sergei")] == [("Sergei", "someone-else")]


@pytest.mark.parametrize(("body", "found"), [
    ("Plain Markdown, a [link](https://example.com) and 3 > 2.\n", []),
    # No `<` at all: only the Markdown link scan can find something.
    ("First line.\nSee [this](javascript:alert(1)) now.\n", [(2, 12, "the `javascript:` link address")]),
    ("Text <script>x()</script> and <b onclick=\"f()\">b</b>\n",
     [(1, 6, "the `<script>` element"), (1, 31, "the `onclick` attribute of `<b>`")]),
    # Code shows its text as text: nothing in it is removed, with or without other HTML around.
    ("Write `<script>` or `[a](javascript:x)` in code.\n", []),
    ("```\n<iframe src=x></iframe>\n```\n~~~\n[a](javascript:x)\n~~~\n<em>kept</em>\n", []),
])
def test_unsafe_html_reports_what_the_page_drops_and_nothing_in_code(body: str,
                                                                      found: list[tuple[int, int, str]]) -> None:
    assert unsafe_html(body) == found
