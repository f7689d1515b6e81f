"""Every kind of content problem, with the exact diagnostic `briefgen check` prints for it."""

from __future__ import annotations

import json
import os
import signal

import pytest
from conftest import Desk, article, person

from briefgen.desk.diagnostics import Diagnostic, DiagnosticSink
from briefgen.desk.load import load_content
from briefgen.desk.yamlsource import read_text

GOOD = {**person(), **article()}
ADA = "content/people/ada-lovelace.yml"
STORY = "content/articles/2024/07/a-story.md"

EVENT = "content/events/summit.yml"

# (files to add to a clean desk, expected first line of the diagnostic, expected words of its hint)
CASES: dict[str, tuple[dict[str, str | bytes], str, str]] = {
    "yaml-syntax": (
        {ADA: "name: Ada: Lovelace\n"},
        f"{ADA}:1:10: error[yaml-syntax]: YAML syntax error: mapping values are not allowed in this context",
        "must be quoted",
    ),
    "duplicate-key": (
        {ADA: "name: Ada Lovelace\naliases: [Lovelace]\nname: Ada\n"},
        f"{ADA}:3:1: error[duplicate-key]: field `name` is given twice",
        "first given on line 1",
    ),
    "unknown-key": (
        {ADA: "name: Ada Lovelace\nrols:\n  - title: Countess\n"},
        f"{ADA}:2:1: error[unknown-key]: unknown field `rols` in this person",
        "did you mean `roles`?",
    ),
    "missing-field": (
        {ADA: "aliases: [Lovelace]\n"},
        f"{ADA}:1:1: error[missing-field]: required field `name` is missing from this person",
        "add `name:`",
    ),
    "wrong-type": (
        {ADA: "name: Ada Lovelace\naliases: Lovelace\n"},
        f"{ADA}:2:10: error[wrong-type]: `aliases` must be a list, not `Lovelace`",
        "write it as [a, b]",
    ),
    "bad-date": (
        {EVENT: "name: Summit\nstart: 2024-13-01\n"},
        f"{EVENT}:2:8: error[bad-date]: `start` is not a valid date: `2024-13-01`",
        "YYYY-MM-DD",
    ),
    "end-before-start": (
        {EVENT: "name: Summit\nstart: 2024-07-04\nend: 2024-07-03\n"},
        f"{EVENT}:3:6: error[end-before-start]: the event ends (2024-07-03) before it starts (2024-07-04)",
        "swap the dates",
    ),
    "ongoing-with-end": (
        {EVENT: "name: Summit\nstart: 2024-07-04\nend: 2024-07-05\nongoing: true\n"},
        f"{EVENT}:4:10: error[ongoing-with-end]: an ongoing event cannot have an `end`",
        "remove",
    ),
    "unknown-ref": (
        article(people="lovelace"),
        f"{STORY}:10:10: error[unknown-ref]: unknown person `lovelace`",
        "did you mean `ada-lovelace`?",
    ),
    "unknown-ref-new-entry": (
        {**article(people="ada-lovelace, grace-hopper", body="Ada Lovelace and Grace Hopper spoke.")},
        f"{STORY}:10:24: error[unknown-ref]: unknown person `grace-hopper`",
        'create content/people/grace-hopper.yml (`briefgen new person "Grace Hopper"`), or check the spelling',
    ),
    "unknown-ref-not-a-near-name": (
        {"content/places/india.yml": "name: India\n",
         STORY: "---\ntitle: A story\ndate: 2024-07-03\nsource:\n  name: Example News\n"
                "  url: https://news.example.com/a-story\nsummary: A summary.\nkey_points:\n  - A point.\n"
                "people: [ada-lovelace]\nplaces: [china]\n---\nAda Lovelace spoke.\n"},
        f"{STORY}:11:10: error[unknown-ref]: unknown place `china`",
        'create content/places/china.yml (`briefgen new place "China"`), or check the spelling',
    ),
    "unknown-key-from-another-tool": (
        {STORY: "---\ntitle: A story\ndate: 2024-07-03\nsource:\n  name: Example News\n"
                "  url: https://news.example.com/a-story\nsummary: A summary.\nkey_points:\n  - A point.\n"
                "people: [ada-lovelace]\ntags: [diplomacy]\n---\nAda Lovelace spoke.\n"},
        f"{STORY}:11:1: error[unknown-key]: unknown field `tags` in this article",
        "tags are topics here: list topic slugs in `topics`",
    ),
    "placeholder": (
        {STORY: "---\ntitle: A story\ndate: 2024-07-03\nsource:\n  name: Example News\n"
                "  url: https://example.com/\nsummary: A summary.\nkey_points:\n  - A point.\n"
                "people: [ada-lovelace]\n---\nAda Lovelace spoke.\n"},
        f"{STORY}:6:8: error[placeholder]: `source.url` still holds the placeholder `https://example.com/`",
        "write the real value, or keep `status: draft` until the brief is done",
    ),
    "placeholder-in-an-entry": (
        {ADA: "name: Ada Lovelace\naliases: [Lovelace]\nsummary: 'TODO: A sentence or two.'\n"},
        f"{ADA}:3:10: error[placeholder]: `summary` still holds the placeholder `TODO: A sentence or two.`",
        'leave the field empty: an empty field means "not given"',
    ),
    "duplicate-slug": (
        article(date="2024-06-30"),
        "content/articles/2024/07/a-story.md:1:1: error[duplicate-slug]: another article already has the slug "
        "`a-story`: content/articles/2024/06/a-story.md",
        "rename one of the files",
    ),
    "duplicate-alias": (
        # Two people of the same full name: a shared alias ("Lovelace" of both) is allowed, a shared name is not.
        {"content/people/countess.yml": "name: Ada  Lovelace\naliases: [Lovelace]\n"},
        "content/people/countess.yml:1:7: error[duplicate-alias]: the name `Ada  Lovelace` is also the name of "
        f"person `ada-lovelace` ({ADA})",
        "tell them apart: give one a fuller name (e.g. add a first name or a qualifier in brackets) and keep the "
        "shared form as an alias",
    ),
    "parent-cycle": (
        {"content/events/a.yml": "name: A\nstart: 2024-01-01\nparent: b\n",
         "content/events/b.yml": "name: B\nstart: 2024-01-01\nparent: a\n"},
        "content/events/a.yml:3:9: error[parent-cycle]: `parent` goes round in a circle: a → b → a",
        "remove `parent`",
    ),
    "quote-speaker-not-listed": (
        {STORY: article()[STORY].replace("people: [ada-lovelace]",
                                         "people: []\nquotes:\n  - by: ada-lovelace\n    text: Hello")},
        f"{STORY}:12:9: error[quote-speaker-not-listed]: the quote is by `ada-lovelace`, who is not in this "
        "article's `people`",
        "if `ada-lovelace` said it, add them to `people`; else check `by`",
    ),
    "quote-speaker-not-listed-named-in-the-body": (
        {**person("charles-babbage", "Charles Babbage", "Babbage"),
         STORY: article(people="charles-babbage", body='Babbage said: "The engine works."')[STORY].replace(
             "people: [charles-babbage]", "people: [charles-babbage]\nquotes:\n  - by: ada-lovelace\n"
             "    text: The engine works.")},
        f"{STORY}:12:9: error[quote-speaker-not-listed]: the quote is by `ada-lovelace`, who is not in this "
        "article's `people`",
        "else check `by`: the body gives these words to Charles Babbage (`charles-babbage`)",
    ),
    "quote-not-in-body": (
        {STORY: article(body='Ada Lovelace said: "The engine can compose music."')[STORY].replace(
            "people: [ada-lovelace]", "people: [ada-lovelace]\nquotes:\n  - by: ada-lovelace\n"
            "    text: The engine could compose music.")},
        f"{STORY}:13:11: warning[quote-not-in-body]: the quote's words are not in the body, so they cannot be "
        "checked there",
        "the closest words in the body are “Ada Lovelace said: \"The engine can compose music.\"”",
    ),
    "bad-slug": (
        {"content/people/Ada_Byron.yml": "name: Ada Byron\n"},
        "content/people/Ada_Byron.yml:1:1: error[bad-slug]: file name `Ada_Byron` is not a valid slug "
        "(lowercase ASCII letters, digits and single hyphens, e.g. `sergey-lavrov`)",
        "rename the file to `ada-byron.yml`",
    ),
    "bad-url": (
        {STORY: article()[STORY].replace("https://news.example.com/a-story", "javascript:alert(1)")},
        f"{STORY}:6:8: error[bad-url]: `url` must be an absolute http(s) address, not `javascript:alert(1)`",
        "https://example.com/page",
    ),
    "bad-url-bad-ipv6-host": (
        {STORY: article()[STORY].replace("https://news.example.com/a-story", "https://[1:2:3]/page")},
        f"{STORY}:6:8: error[bad-url]: `url` must be an absolute http(s) address, not `https://[1:2:3]/page`",
        "https://example.com/page",
    ),
    "bad-url-unparsable": (
        {STORY: article()[STORY].replace("https://news.example.com/a-story", "http://[::1")},
        f"{STORY}:6:8: error[bad-url]: `url` must be an absolute http(s) address, not `http://[::1`",
        "https://example.com/page",
    ),
    "bad-value": (
        {ADA: "name: Ada Lovelace\naliases: [Lovelace]\nwikidata: 7259\n"},
        f"{ADA}:3:11: error[bad-value]: `wikidata` must be a Wikidata item id such as `Q1058`, not `7259`",
        "",
    ),
    "bad-ref": (
        article(people="Ada Lovelace"),
        f"{STORY}:10:10: error[bad-ref]: `Ada Lovelace` in `people` is not a slug "
        "(lowercase ASCII letters, digits and single hyphens, e.g. `sergey-lavrov`)",
        "e.g. `ada-lovelace`",
    ),
    "duplicate-item": (
        article(people="ada-lovelace, ada-lovelace"),
        f"{STORY}:10:24: error[duplicate-item]: `ada-lovelace` appears twice in `people`",
        "already item 1",
    ),
    "too-few-items": (
        {STORY: article()[STORY].replace("key_points:\n  - A point.", "key_points: []")},
        f"{STORY}:8:13: error[too-few-items]: `key_points` needs at least 1 item(s)",
        "",
    ),
    "empty-file": (
        {"content/topics/empty.yml": "# nothing yet\n"},
        "content/topics/empty.yml:1:1: error[empty-file]: the topic file has no fields",
        "required: name",
    ),
    "no-front-matter": (
        {"content/articles/2024/07/bare.md": "Just text.\n"},
        "content/articles/2024/07/bare.md:1:1: error[no-front-matter]: an article must start with YAML front "
        "matter between `---` lines",
        "put `---`",
    ),
    "misplaced-article": (
        {"content/articles/2024/06/early.md": article("early")["content/articles/2024/07/early.md"]},
        "content/articles/2024/06/early.md:3:7: error[misplaced-article]: an article dated 2024-07-03 belongs in "
        "content/articles/2024/07/",
        "move it to content/articles/2024/07/early.md",
    ),
    "encoding": (
        {"content/topics/latin.yml": "name: Caf\xe9\n".encode("latin-1")},
        "content/topics/latin.yml:1:10: error[encoding]: the file is not valid UTF-8 (byte 0xe9)",
        "save the file as UTF-8",
    ),
    "file-too-large": (
        {"content/topics/huge.yml": "name: Huge\nsummary: " + "x" * 1_000_001 + "\n"},
        "content/topics/huge.yml:1:1: error[file-too-large]: file is 1,000,022 bytes; the limit is 1,000,000",
        "split the content",
    ),
    "yaml-tag": (
        {ADA: "name: !!python/object/apply:os.system [echo pwned]\n"},
        f"{ADA}:1:7: error[yaml-tag]: YAML tag `tag:yaml.org,2002:python/object/apply:os.system` is not allowed "
        "in content",
        "remove the tag",
    ),
    "yaml-alias": (
        {"content/topics/bomb.yml": "name: Bomb\nsummary: &a text\n"
         + "".join(f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
                   for p, c in zip("abcdefgh", "bcdefghi", strict=True))},
        "content/topics/bomb.yml:3:8: error[yaml-alias]: YAML alias `*a` is not allowed in content",
        "write the value out in full",
    ),
    "yaml-too-complex": (
        {"content/topics/long.yml": "name: Long\naliases:\n" + "".join(f"  - Alias {i}\n" for i in range(20_001))},
        "content/topics/long.yml:1:1: error[yaml-too-complex]: the file holds more than 20,000 YAML values",
        "split it up",
    ),
    "unused-entry": (
        {"content/topics/lonely.yml": "name: Lonely topic\n"},
        "content/topics/lonely.yml:1:1: warning[unused-entry]: no article or entry refers to topic `lonely`",
        "annotate an article with it (`topics: [lonely]`)",
    ),
    "unannotated-mention": (
        {**person("charles-babbage", "Charles Babbage", "Babbage"),
         STORY: article(people="ada-lovelace", body="Ada Lovelace wrote to\nthe engineer Babbage.")[STORY]},
        f"{STORY}:13:14: warning[unannotated-mention]: `Babbage` names person `charles-babbage`, which this "
        "article does not list",
        "add `charles-babbage` to `people`",
    ),
    "ambiguous-mention": (
        # "Lovelace" is an alias of both people, and the article lists both: the page cannot tell which it means.
        {**person("lord-lovelace", "William King", "Lovelace"),
         STORY: article(people="ada-lovelace, lord-lovelace",
                        body="Ada Lovelace met William King.\nThe Lovelace name lives on.")[STORY]},
        f"{STORY}:13:5: warning[ambiguous-mention]: `Lovelace` may name person `ada-lovelace` or person "
        "`lord-lovelace`, and this article lists more than one of them, so it is not linked",
        "list only the one meant in `people`, or write a name only that one has",
    ),
    "unsafe-html": (
        {STORY: article(body="Ada Lovelace spoke.\nSee <img src=x onerror=alert(1)> or [x](javascript:0).")[STORY]},
        f"{STORY}:13:5: warning[unsafe-html]: the `onerror` attribute of `<img>` is removed from the page",
        "pages keep only safe HTML",
    ),
    "date-out-of-range": (
        {EVENT: "name: Summit\nstart: 0001-01-01\n"},
        f"{EVENT}:2:8: error[date-out-of-range]: `start` is 0001-01-01, outside the years 1000 to 2100 that "
        "pages, feeds and archives can show",
        "check the year for a typo",
    ),
    "encoding-control-character": (
        {"content/topics/bell.yml": "name: Bell\x07 ring\n"},
        "content/topics/bell.yml:1:11: error[encoding]: the file contains a control character (U+0007), which is "
        "invisible in most editors",
        "delete it, and save the file as plain UTF-8 text",
    ),
    "encoding-line-separator": (
        {"content/topics/separator.yml": "name: Separator\naliases: [A\u2028B]\n"},
        "content/topics/separator.yml:2:12: error[encoding]: the file contains an invisible line separator "
        "(U+2028), which YAML reads as a line break",
        "replace it with a normal line break",
    ),
    "encoding-carriage-returns": (
        {"content/topics/mac.yml": b"name: Mac\raliases: [Apple]\r"},
        "content/topics/mac.yml:1:10: error[encoding]: a carriage return (CR) without a line feed: the file has "
        "old Mac line endings",
        "save the file with LF (Unix) line endings",
    ),
    "bad-slug-reserved": (
        {"content/people/index.yml": "name: Index\n"},
        "content/people/index.yml:1:1: error[bad-slug]: file name `index` is a name the site's own addresses use "
        "(an index page, a page number, a feed)",
        "rename the file to `index-person.yml`",
    ),
    "bad-slug-too-long": (
        {f"content/topics/{'a' * 101}.yml": "name: Long\n"},
        f"content/topics/{'a' * 101}.yml:1:1: error[bad-slug]: file name `{'a' * 101}` is 101 characters long; "
        "the limit is 100",
        "rename the file to `aaaa",
    ),
    "hidden-file": (
        {"content/articles/2024/07/.draft.md": "---\ntitle: Hidden\n---\n"},
        "content/articles/2024/07/.draft.md:1:1: warning[hidden-file]: the file name starts with a dot, so the "
        "file is ignored",
        "rename it without the leading dot",
    ),
    "unexpected-folder": (
        {"content/persons/grace-hopper.yml": "name: Grace Hopper\n"},
        "content/persons/:0:0: warning[unexpected-folder]: `persons/` is not the folder of a kind, so its files "
        "are ignored",
        "did you mean `people`?",
    ),
    "unexpected-file-outside-the-kinds": (
        {"content/notes.md": "# Notes\n"},
        "content/notes.md:1:1: warning[unexpected-file]: the file is in no kind's folder, so it is ignored",
        "registry entries in content/<kind>/",
    ),
    "about-not-listed": (
        {STORY: "---\ntitle: A story\ndate: 2024-07-03\nsource:\n  name: Example News\n"
                "  url: https://news.example.com/a-story\nsummary: A summary.\nkey_points:\n  - A point.\n"
                "people: [ada-lovelace]\nabout: [ada-lovelace, grace-hopper]\n---\nAda Lovelace spoke.\n"},
        f"{STORY}:11:23: error[about-not-listed]: `about` names `grace-hopper`, which no field of this article lists",
        "add `grace-hopper` to the field of its kind",
    ),
    "before-publication": (
        {STORY: "---\ntitle: A story\ndate: 2024-07-03T10:00+02:00\nsource:\n  name: Example News\n"
                "  url: https://news.example.com/a-story\nsummary: A summary.\nkey_points:\n  - A point.\n"
                "people: [ada-lovelace]\nupdated: 2024-07-04\ncorrections:\n  - date: 2024-06-03\n"
                "    text: The minister's name was misspelt.\n---\nAda Lovelace spoke.\n"},
        f"{STORY}:13:11: error[before-publication]: `corrections[1].date` is 2024-06-03, before the article's "
        "date (2024-07-03)",
        "check the year and month",
    ),
    "source-without-name": (
        {STORY: "---\ntitle: A story\ndate: 2024-07-03\nsource:\n"
                "  url: https://news.example.com/a-story\nsummary: A summary.\nkey_points:\n  - A point.\n"
                "people: [ada-lovelace]\n---\nAda Lovelace spoke.\n"},
        f"{STORY}:5:3: error[source-without-name]: the source has no `name` and no `outlet`",
        "add `name:`",
    ),
    "unknown-source": (
        {STORY: "---\ntitle: A story\ndate: 2024-07-03\nsource: example-news\nsummary: A summary.\n"
                "key_points:\n  - A point.\n  - text: Another point.\n    source: wire\n"
                "people: [ada-lovelace]\n---\nAda Lovelace spoke.\n",
         "content/sources/example-news.yml": "name: Example News\nkind: newspaper\n"},
        f"{STORY}:9:13: error[unknown-ref]: unknown source `wire`",
        "create content/sources/wire.yml",
    ),
    "unused-source": (
        {"content/sources/wire.yml": "name: The Wire Service\nkind: agency\n"},
        "content/sources/wire.yml:1:1: warning[unused-entry]: no article or entry refers to source `wire`",
        "name it as an article's source (`source: {outlet: wire, url: ...}`) or delete the file",
    ),
    "wrong-type-source": (
        {STORY: "---\ntitle: A story\ndate: 2024-07-03\nsource:\n  - Example News\nsummary: A summary.\n"
                "key_points:\n  - A point.\npeople: [ada-lovelace]\n---\nAda Lovelace spoke.\n"},
        f"{STORY}:5:3: error[wrong-type]: `source` must be a source slug or a mapping, not a list",
        "",
    ),
    "status-conflict": (
        {EVENT: "name: Summit\nstart: 2024-07-04\nongoing: true\nstatus: concluded\n"},
        f"{EVENT}:4:9: error[status-conflict]: the event says `status: concluded` and `ongoing: true`",
        "keep one",
    ),
    "overlapping-roles": (
        {ADA: "name: Ada Lovelace\naliases: [Lovelace]\nroles:\n"
              "  - title: Deputy Minister\n    org: ministry\n    from: 2020-01-01\n"
              "  - title: Minister\n    org: ministry\n    from: 2023-05-01\n",
         "content/orgs/ministry.yml": "name: The Ministry\n"},
        f"{ADA}:7:5: warning[overlapping-roles]: the roles `Deputy Minister` and `Minister` overlap from "
        "2023-05-01, so pages cannot tell which one the person held then",
        "give `Deputy Minister` a `to:` date before `Minister` starts",
    ),
    "bad-briefing-date": (
        {"content/briefings/monday.md": "A quiet day.\n"},
        "content/briefings/monday.md:1:1: error[bad-briefing-date]: a briefing note is named after its day, "
        "not `monday`",
        "name the file YYYY-MM-DD.md",
    ),
    "date-out-of-range-note": (
        {"content/briefings/2150-01-01.md": "A day far ahead.\n"},
        "content/briefings/2150-01-01.md:1:1: error[date-out-of-range]: the note is dated 2150-01-01, outside the "
        "years 1000 to 2100 that pages, feeds and archives can show",
        "check the year",
    ),
    "no-front-matter-note": (
        {"content/briefings/2024-07-03.md": "---\ntitel: The day\nA quiet day.\n"},
        "content/briefings/2024-07-03.md:1:1: error[no-front-matter]: the front matter that starts on line 1 is "
        "not closed by a `---` line",
        "close it with a `---` line",
    ),
    "unsafe-html-note": (
        {"content/briefings/2024-07-03.md": "A quiet day.\n\n<script>alert(1)</script>\n"},
        "content/briefings/2024-07-03.md:3:1: warning[unsafe-html]: the `<script>` element is removed from the page",
        "pages keep only safe HTML",
    ),
    "overlapping-roles-reported-once-each": (
        {ADA: "name: Ada Lovelace\naliases: [Lovelace]\nroles:\n"
              "  - title: Aide\n    org: ministry\n    from: 2019-01-01\n    to: 2030-01-01\n"
              "  - title: Deputy Minister\n    org: ministry\n    from: 2020-01-01\n    to: 2021-01-01\n"
              "  - title: Countess\n    from: 2020-01-01\n"
              "  - title: Mathematician\n    from: 2019-01-01\n",
         "content/orgs/ministry.yml": "name: The Ministry\n"},
        f"{ADA}:8:5: warning[overlapping-roles]: the roles `Aide` and `Deputy Minister` overlap from 2020-01-01 "
        "to 2021-01-01, so pages cannot tell which one the person held then",
        "give `Aide` a `to:` date before `Deputy Minister` starts",
    ),
    "bad-briefing-date-impossible-day": (
        {"content/briefings/2024-02-30.md": "---\ntitle: Leap\n---\nA quiet day.\n"},
        "content/briefings/2024-02-30.md:1:1: error[bad-briefing-date]: a briefing note is named after its day, "
        "not `2024-02-30`",
        "e.g. content/briefings/2024-07-03.md",
    ),
    "unexpected-file": (
        {"content/people/notes.txt": "to do\n"},
        "content/people/notes.txt:1:1: warning[unexpected-file]: not a person file, so it is ignored",
        "person files go in content/people/<slug>.yml",
    ),
}


def _write(desk: Desk, files: dict[str, str | bytes]) -> None:
    for rel, text in files.items():
        path = desk.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_problem_is_reported_exactly(code: str, desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    files, expected, hint = CASES[code]
    desk = desk_factory(GOOD)
    _write(desk, files)
    status = desk.cli("check")
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert expected in lines, out
    if hint:
        hint_line = lines[lines.index(expected) + 1]
        assert hint_line.startswith("  hint: ") and hint in hint_line, out
    assert status == (1 if "error[" in expected else 0)


def test_symlinked_content_is_refused(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory(GOOD)
    outside = desk.root / "secret.yml"
    outside.write_text("name: Secret\n")
    (desk.root / "content/topics").mkdir()
    os.symlink(outside, desk.root / "content/topics/secret.yml")
    assert desk.cli("check") == 1
    assert ("content/topics/secret.yml:1:1: error[symlink]: content files must not be symbolic links"
            in capsys.readouterr().out.splitlines())


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_file_that_cannot_be_read_is_reported_without_waiting(desk_factory, capsys) -> None:
    # A named pipe with no writer: opening it as a plain file would wait for ever (here, until the alarm).
    desk = desk_factory(GOOD)
    (desk.root / "content/topics").mkdir()
    os.mkfifo(desk.root / "content/topics/pipe.yml")
    previous = signal.signal(signal.SIGALRM, lambda *_: pytest.fail("`check` waited on a named pipe"))
    signal.alarm(30)
    try:
        assert desk.cli("check") == 1
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert ("content/topics/pipe.yml:1:1: error[unreadable]: cannot read the file: not a regular file"
            in capsys.readouterr().out.splitlines())


@pytest.mark.skipif(not os.path.isfile("/proc/self/status"), reason="needs Linux's /proc")
def test_a_file_longer_than_its_size_says_is_read_whole() -> None:
    # /proc files say they are empty; a file that grows while it is read says too little the same way.
    found: list[Diagnostic] = []
    text = read_text("/proc/self/status", DiagnosticSink("status", found))
    assert found == [] and text is not None
    assert text.startswith("Name:") and f"\nPid:\t{os.getpid()}\n" in text


def test_missing_content_folder(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory()
    (desk.root / "content").rmdir()
    desk.write("mkdocs.yml", desk.config.read_text().replace("docs_dir: content", "docs_dir: docs"))
    (desk.root / "docs").mkdir()
    assert desk.cli("check") == 1
    assert "content:0:0: error[no-content]: the content folder does not exist" in capsys.readouterr().out


def test_all_problems_are_reported_at_once(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory(GOOD)
    _write(desk, {**CASES["unknown-key"][0], **CASES["bad-date"][0], **CASES["no-front-matter"][0]})
    assert desk.cli("check") == 1
    out = capsys.readouterr()
    assert out.out.count(": error[") == 3
    assert "briefgen: 3 errors" in out.err


def test_clean_desk_passes_and_strict_fails_on_warnings(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory(GOOD)
    assert desk.cli("check") == 0
    assert desk.cli("check", "--strict") == 0
    _write(desk, CASES["unused-entry"][0])
    assert desk.cli("check") == 0
    assert desk.cli("check", "--strict") == 1


def test_github_format_gives_workflow_annotations(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory(GOOD)
    _write(desk, CASES["unknown-key"][0])
    assert desk.cli("check", "--format", "github") == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"::error file={ADA},line=2,col=1,title=briefgen unknown-key::[unknown-key] unknown field `rols` in this "
        "person (did you mean `roles`?)"
    ]


def test_json_format_is_machine_readable(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory(GOOD)
    _write(desk, CASES["bad-date"][0])
    assert desk.cli("check", "--format", "json") == 1
    data = [d for d in json.loads(capsys.readouterr().out) if d["severity"] == "error"]
    assert data == [{
        "path": EVENT, "line": 2, "col": 8, "severity": "error", "code": "bad-date",
        "message": "`start` is not a valid date: `2024-13-01`",
        "hint": "write dates as YYYY-MM-DD, e.g. 2024-07-03",
    }]


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_problem_becomes_a_github_annotation(code: str, desk_factory, capsys) -> None:
    files, expected, _ = CASES[code]
    desk = desk_factory(GOOD)
    _write(desk, files)
    desk.cli("check", "--format", "github")
    out = capsys.readouterr().out.splitlines()
    path, line, col, rest = expected.split(":", 3)
    severity, code_and_message = rest.strip().split("[", 1)
    props = f"file={path}" + (f",line={line}" if line != "0" else "") + (f",col={col}" if col != "0" else "")
    found_code = code_and_message.split("]", 1)[0]
    assert any(o.startswith(f"::{severity} {props},title=briefgen {found_code}::[{found_code}]") for o in out), out


def test_byte_order_mark_is_accepted(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory(GOOD)
    (desk.root / ADA).write_bytes(b"\xef\xbb\xbf" + (desk.root / ADA).read_bytes())
    assert desk.cli("check", "--strict") == 0


def test_front_matter_may_close_with_dots_and_trailing_blanks(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    # `...` ends a YAML document as `---` does, and blanks after either are invisible in an editor:
    # the block still closes there, and lines keep their numbers in the front matter and in the body.
    text = article(body="Ada Lovelace spoke.\nSee <img src=x onerror=alert(1)>.")[STORY]
    text = text.replace("date: 2024-07-03", "date: 2024-07-3").replace("\n---\n", "\n... \t\n", 1)
    desk = desk_factory(GOOD)
    _write(desk, {STORY: text})
    assert desk.cli("check") == 1
    out = capsys.readouterr().out.splitlines()
    assert f"{STORY}:3:7: error[bad-date]: `date` is not a valid date: `2024-07-3`" in out
    assert f"{STORY}:13:5: warning[unsafe-html]: the `onerror` attribute of `<img>` is removed from the page" in out


def test_front_matter_that_is_never_closed_is_reported(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    text = article()[STORY].replace("\n---\n", "\n--- no\n", 1)
    desk = desk_factory(GOOD)
    _write(desk, {STORY: text})
    assert desk.cli("check") == 1
    assert (f"{STORY}:1:1: error[no-front-matter]: an article must start with YAML front matter between `---` lines"
            in capsys.readouterr().out.splitlines())


def test_empty_front_matter_is_reported_on_its_own_line(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    # The closing `---` right after the opening one: the block is empty, not missing.
    desk = desk_factory(GOOD)
    _write(desk, {STORY: "---\n---\nAda Lovelace spoke.\n"})
    assert desk.cli("check") == 1
    assert (f"{STORY}:2:1: error[empty-file]: the article file has no fields"
            in capsys.readouterr().out.splitlines())


def test_files_are_read_one_at_a_time_as_they_are_checked(desk_factory) -> None:
    # So that each file's YAML tree is checked and freed before the next file is read, and a desk's
    # trees are never all in memory at once, loading reads a file only when it is asked for.
    desk = desk_factory(GOOD)
    _write(desk, {"content/topics/unclosed.yml": "name: [Unclosed\n"})
    diagnostics: list[Diagnostic] = []
    files = load_content(desk.root / "content", desk.root, diagnostics)
    assert next(files).source.path == STORY
    assert diagnostics == []  # the topic, listed last, is not read yet
    assert [f.source.path for f in files] == [ADA, "content/topics/unclosed.yml"]
    assert [d.code for d in diagnostics] == ["yaml-syntax"]
