"""No traceback, ever: odd names, dates, options, templates and terminals give a diagnostic or a one-line error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import jsonschema
import pytest
from conftest import ARTICLE, Desk, article, person

from briefgen.pages.api import api_schema

GOOD = {**person(), **article()}
ADA = "content/people/ada-lovelace.yml"
STORY = "content/articles/2024/07/a-story.md"


def _check(desk: Desk, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    status = desk.cli("check", *args)
    return status, capsys.readouterr().out.splitlines()


def test_a_file_name_ending_in_a_newline_is_not_a_slug(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory(GOOD)
    desk.write("content/people/grace\n.yml", "name: Grace Hopper\n")
    status, lines = _check(desk, capsys)
    assert status == 1
    assert ("content/people/grace\\n.yml:1:1: error[bad-slug]: file name `grace\\n` is not a valid slug (lowercase "
            "ASCII letters, digits and single hyphens, e.g. `sergey-lavrov`)") in lines
    assert "  hint: rename the file to `grace.yml`" in lines


def test_a_broken_entry_is_reported_alone_not_as_unknown_where_it_is_named(desk_factory,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory(GOOD)
    desk.write(ADA, "name: Ada: Lovelace\n")  # broken YAML: the person file exists but cannot be used
    status, lines = _check(desk, capsys, "--format", "json")
    found = json.loads("\n".join(lines))
    assert status == 1
    assert [(d["path"], d["line"], d["col"], d["code"]) for d in found] == [(ADA, 1, 10, "yaml-syntax")]


def test_an_address_with_an_upper_case_scheme_is_published_as_https(desk_factory) -> None:
    desk = desk_factory({**person(), **article()})
    story = desk.root / STORY
    story.write_text(story.read_text().replace("url: https://news", "url: HTTPS://news"), encoding="utf-8")
    assert desk.build() == 0
    document = json.loads((desk.site / "api/articles/a-story.json").read_text(encoding="utf-8"))
    assert document["source"]["url"] == "https://news.example.com/a-story"
    jsonschema.validate(document, api_schema())


def test_dates_at_the_ends_of_the_range_build(desk_factory) -> None:
    files = {**person(), **article("first", date="1000-01-01"), **article("last", date="2100-12-31"),
             "content/events/long-ago.yml": "name: Long ago\nstart: 1000-01-01\nend: 2100-12-31\n"}
    desk = desk_factory(files)
    story = desk.root / "content/articles/1000/01/first.md"
    story.write_text(story.read_text().replace("people: [ada-lovelace]", "people: [ada-lovelace]\nevents: [long-ago]"),
                     encoding="utf-8")
    assert desk.build() == 0
    assert "1000" in desk.page("events/long-ago")


@pytest.mark.parametrize(("option", "value"), [("page_size", "0"), ("page_size", "true"), ("jobs", "5000"),
                                               ("home_articles", "-1")])
@pytest.mark.parametrize("command", ["check", "build"])
def test_an_option_out_of_range_is_a_configuration_error(option: str, value: str, command: str, desk_factory,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory(GOOD)
    config = desk.config.read_text().replace("page_size: 50", f"page_size: 50\n      {option}: {value}")
    if option == "page_size":
        config = desk.config.read_text().replace("page_size: 50", f"page_size: {value}")
    desk.config.write_text(config, encoding="utf-8")
    status = desk.cli(command) if command == "check" else desk.build()
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Traceback" not in err
    assert "Expected a whole number from" in err and option in err


def test_a_template_that_raises_fails_the_build_with_its_place(desk_factory, capsys) -> None:
    desk = desk_factory(GOOD)
    desk.write("templates/person.html", "<p>{{ page_title }}</p>\n<p>{{ 1 // 0 }}</p>\n")
    assert desk.build() == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"template {desk.root / 'templates/person.html'}:2: ZeroDivisionError: integer division or modulo by " \
           "zero (rendering people/ada-lovelace.md)" in err


def test_new_says_which_folder_is_a_file(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory(GOOD)
    desk.write("content/articles/2025", "not a folder\n")
    status = desk.cli("new", "article", "A new story", "--date", "2025-03-01")
    err = capsys.readouterr().err
    assert status == 2
    assert ("briefgen: error: content/articles/2025 is a file, not a folder; move it away so that the new file "
            "can go below it") in err


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_check_reports_to_a_terminal_that_is_not_utf8(fmt: str, desk_factory) -> None:
    desk = desk_factory({**GOOD, "content/places/kyiv.yml": "name: Kyïv\ncountry: ukraine\n",
                         "content/places/ukraine.yml": "name: Ukraine\ncountry: kyiv\n"})  # a cycle: "→"
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}
    env.pop("PYTHONIOENCODING", None)
    done = subprocess.run([sys.executable, "-m", "briefgen", "check", "-f", str(desk.config), "--format", fmt],
                          capture_output=True, env=env, timeout=120)
    assert done.returncode == 1, done.stderr.decode("ascii", "replace")
    assert b"Traceback" not in done.stderr
    out = done.stdout.decode("ascii")  # nothing but ASCII reaches a pipe that is not UTF-8
    assert "parent-cycle" in out
    if fmt == "json":
        messages = [d["message"] for d in json.loads(out)]
        assert any("kyiv → ukraine → kyiv" in m for m in messages), messages
    else:
        assert "\\u2192" in out


def test_an_entity_feed_describes_its_entity_escaped_as_html(desk_factory) -> None:
    desk = desk_factory({**person(name="Ada <b>Lovelace</b>", alias="Lovelace"), **article()})
    assert desk.build() == 0
    channel = ET.parse(desk.site / "people/ada-lovelace/feed.xml").getroot().find("channel")
    assert channel is not None
    assert channel.findtext("description") == "Briefs on Ada &lt;b&gt;Lovelace&lt;/b&gt;."


def test_an_article_with_an_old_mac_body_names_the_line(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory(person())
    text = ARTICLE.format(title="A story", date="2024-07-03", slug="a-story", people="ada-lovelace",
                          body="Ada Lovelace spoke.\rThen she left.\r")
    desk.write(STORY, text)
    status, lines = _check(desk, capsys)
    assert status == 1
    assert (f"{STORY}:12:20: error[encoding]: a carriage return (CR) without a line feed: the file has old Mac "
            "line endings") in lines


def test_a_desk_of_old_news_alone_builds(desk_factory) -> None:
    desk = desk_factory({**person(), **article("treaty", date="1648-10-24")})
    assert desk.build() == 0
    assert "24 October 1648" in desk.page("articles/treaty")


def test_an_article_at_the_end_of_the_calendar_is_out_of_range(desk_factory, capsys) -> None:
    desk = desk_factory({**person(), **article("far", date="9999-12-31")})
    assert desk.build() == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert ("content/articles/9999/12/far.md:3:7: error[date-out-of-range]: `date` is 9999-12-31, outside the years "
            "1000 to 2100 that pages, feeds and archives can show") in err


def test_an_unknown_reference_is_reported_alone_without_the_warnings_it_causes(desk_factory, capsys) -> None:
    # `lovelace` for `ada-lovelace`: the body's "Ada Lovelace" is then a name the article does not list.
    desk = desk_factory({**person(), **article(people="lovelace", body="Ada Lovelace spoke. Lovelace left.")})
    status, lines = _check(desk, capsys, "--format", "json")
    found = [(d["path"], d["line"], d["col"], d["code"]) for d in json.loads("\n".join(lines))]
    assert status == 1
    assert found == [(STORY, 10, 10, "unknown-ref"), (ADA, 1, 1, "unused-entry")]
    # Fixed, the article is checked for names again.
    story = desk.root / STORY
    story.write_text(story.read_text().replace("[lovelace]", "[]"), encoding="utf-8")
    status, lines = _check(desk, capsys, "--format", "json")
    assert [d["code"] for d in json.loads("\n".join(lines)) if d["path"] == STORY] == ["unannotated-mention"]


def test_a_scaffolded_article_publishes_only_once_its_placeholders_are_replaced(desk_factory, capsys) -> None:
    desk = desk_factory(GOOD)
    assert desk.cli("new", "article", "Talks resume", "--date", "2024-07-05") == 0
    capsys.readouterr()
    new = desk.root / "content/articles/2024/07/talks-resume.md"
    assert desk.cli("check", "--strict") == 0, "a draft keeps its placeholders"
    capsys.readouterr()
    new.write_text(new.read_text().replace("status: draft\n", ""), encoding="utf-8")
    status, lines = _check(desk, capsys, "--format", "json")
    found = [(d["line"], d["code"]) for d in json.loads("\n".join(lines)) if d["path"].endswith("talks-resume.md")]
    assert status == 1
    assert [code for _, code in found] == ["placeholder"] * 5
    assert desk.build() == 1


def test_an_article_may_give_its_time_and_zone_and_feeds_use_them(desk_factory, capsys) -> None:
    desk = desk_factory({**person(), **article(date="2024-07-03")})
    story = desk.root / STORY
    story.write_text(story.read_text().replace("date: 2024-07-03", "date: 2024-07-03T23:05+05:30"), encoding="utf-8")
    assert desk.build() == 0  # the day where it was published decides the month folder: 3 July
    rss = ET.parse(desk.site / "feed.xml").getroot()
    assert rss.findtext("channel/item/pubDate") == "Wed, 03 Jul 2024 23:05:00 +0530"
    atom = (desk.site / "atom.xml").read_text(encoding="utf-8")
    assert "<published>2024-07-03T23:05:00+05:30</published>" in atom
    story.write_text(story.read_text().replace("T23:05+05:30", "T23:05"), encoding="utf-8")
    status, lines = _check(desk, capsys)
    assert status == 1
    assert f"{STORY}:3:7: error[bad-date]: `date` gives a time without its time zone: `2024-07-03T23:05`" in lines
    assert "  hint: add the zone, e.g. 2024-07-03T23:05+05:30, or Z for UTC" in lines


def test_a_person_is_described_in_summary_as_every_entry_is(desk_factory, capsys) -> None:
    desk = desk_factory({**person(), **article()})
    (desk.root / ADA).write_text("name: Ada Lovelace\naliases: [Lovelace]\nbio: Mathematician.\n", encoding="utf-8")
    status, lines = _check(desk, capsys)
    assert status == 1
    assert f"{ADA}:3:1: error[unknown-key]: unknown field `bio` in this person" in lines
    assert "  hint: a person is described in `summary`, one or two sentences, as every entry is" in lines
    (desk.root / ADA).write_text("name: Ada Lovelace\naliases: [Lovelace]\nsummary: Mathematician.\n",
                                 encoding="utf-8")
    assert desk.build() == 0
    assert desk.page("people/ada-lovelace").count(">Mathematician.</p>") == 1, "shown once, not twice"


def test_new_says_it_wrote_the_editors_schemas_and_keeps_them_out_of_git(desk_factory, capsys) -> None:
    desk = desk_factory(GOOD)
    assert desk.cli("new", "person", "Grace Hopper") == 0
    err = capsys.readouterr().err
    assert ("briefgen: wrote the JSON Schemas editors use into schemas/ (ignored by git; delete its .gitignore to "
            "keep them)") in err
    assert (desk.root / "schemas/.gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert desk.cli("schema", "--out", str(desk.root / "schemas"), "--check") == 0
    assert desk.cli("new", "person", "Alan Turing") == 0
    assert "schemas" not in capsys.readouterr().err, "said once, when the folder is made"


def test_a_quote_is_found_in_the_body_as_typeset_or_checked_against_the_source(desk_factory, capsys) -> None:
    quote = "people: [ada-lovelace]\nquotes:\n  - by: ada-lovelace\n    text: 'The engine, it seems, weaves patterns.'"
    body = "Ada Lovelace wrote that “the engine,   it seems,\nweaves patterns”."
    desk = desk_factory({**person(), STORY: article(body=body)[STORY].replace("people: [ada-lovelace]", quote)})
    assert _check(desk, capsys, "--strict") == (0, []), "curly quotes, spaces and the full stop do not matter"
    story = desk.root / STORY
    story.write_text(story.read_text().replace("weaves patterns.", "weaves algebraic patterns."), encoding="utf-8")
    status, lines = _check(desk, capsys, "--strict")
    assert status == 1 and any("warning[quote-not-in-body]" in line for line in lines)
    story.write_text(story.read_text().replace("patterns.'", "patterns.'\n    verbatim_in: source"), encoding="utf-8")
    assert _check(desk, capsys, "--strict") == (0, []), "checked against the source instead"


def test_addresses_and_comments_that_pages_drop_are_warned_about(desk_factory, capsys) -> None:
    body = ("Ada Lovelace spoke.\nSee [a](jav&#x61;script:alert(1)) and [b](java\nscript:alert(2)).\n"
            "<!-- a note for the desk -->")
    desk = desk_factory({**person(), **article(body=body)})
    status, lines = _check(desk, capsys)
    assert status == 0
    found = [line for line in lines if "warning[unsafe-html]" in line]
    assert found == [
        f"{STORY}:13:9: warning[unsafe-html]: the `javascript:` link address is removed from the page",
        f"{STORY}:13:43: warning[unsafe-html]: the `javascript:` link address is removed from the page",
        f"{STORY}:15:1: warning[unsafe-html]: an HTML comment is removed from the page",
    ]


def test_a_file_of_too_many_quotes_is_checked_for_the_first_two_hundred(desk_factory, capsys) -> None:
    quotes = "".join(f"\n  - by: ada-lovelace\n    text: Ada Lovelace spoke {n}" for n in range(201))
    body = " ".join(f"Ada Lovelace spoke {n}." for n in range(201))
    desk = desk_factory({**person(), STORY: article(body=body)[STORY].replace(
        "people: [ada-lovelace]", "people: [ada-lovelace]\nquotes:" + quotes)})
    status, lines = _check(desk, capsys)
    assert status == 0
    line = 12 + 2 * 200  # the 201st quote's `by`
    assert (f"{STORY}:{line}:5: warning[quote-not-in-body]: only the first 200 quotes are looked for in the body"
            in lines), lines
