"""The exported JSON Schemas agree with `briefgen check` on every file it judges on its own.

Each file goes through both briefgen's validator and the `jsonschema` library,
the YAML loaded for the latter the way a YAML 1.2 language server sees it.
Only problems one file shows by itself count; checks across fields or files
(`end` before `start`, unknown slugs) are beyond a JSON Schema.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO
from jsonschema import Draft202012Validator
from test_diagnostics import CASES, GOOD

from briefgen.authoring.schemas_export import (
    SHIPPED_DIR,
    SchemaFileConflict,
    json_schema,
    render,
    stale_schemas,
    write_schemas,
)
from briefgen.desk.diagnostics import Diagnostic, Severity
from briefgen.desk.load import ParsedFile, load_content
from briefgen.desk.schema import FOLDERS, KINDS, SCHEMAS
from briefgen.desk.validate import validate_file
from briefgen.desk.yamlsource import split_front_matter

#: Codes for problems a file has on its own, which its JSON Schema must catch too.
PER_FILE_CODES = frozenset({
    "unknown-key", "missing-field", "wrong-type", "bad-date", "date-out-of-range", "bad-url", "bad-value", "bad-ref",
    "duplicate-item", "too-few-items", "empty-file", "source-without-name",
})
#: CASES whose files the comparison cannot use: not YAML a language server would load (syntax, encoding, tags,
#: aliases), a problem YAML loaders hide (a duplicate key keeps the last value), no content file at all, a
#: check no pattern can make (whether a bracketed host is a valid IP address), or one of a file's name.
UNCOMPARABLE = frozenset({
    "yaml-syntax", "encoding", "yaml-tag", "yaml-alias", "yaml-too-complex", "file-too-large", "duplicate-key",
    "no-front-matter", "no-front-matter-note", "bad-slug", "unexpected-file", "bad-url-bad-ipv6-host",
    "bad-slug-reserved",
    "bad-slug-too-long", "encoding-control-character", "encoding-line-separator", "encoding-carriage-returns",
    "hidden-file", "unexpected-folder", "unexpected-file-outside-the-kinds",
    "date-out-of-range-note",
})
REGENERATE = ("python -m briefgen.authoring.schemas_export briefgen/authoring/schemas --force"
              " (or: briefgen schema --out briefgen/authoring/schemas --force)")


class Yaml12Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars, as YAML language servers parse them.

    Dates stay strings, only true/false (True, TRUE, …) are booleans, `NO`, `on` and `12:30` stay text, and
    numbers follow the 1.2 core schema (no `1_000`, no sexagesimal, `0o17` octal).
    """


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag.endswith((":null", ":str"))]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                   list("tTfF"))
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
                                   list("-+0123456789"))
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."),
)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    return int(text, 0) if text.startswith(("0o", "0x")) else int(text)  # 1.2: `017` is seventeen


Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def test_yaml12_loader_reads_scalars_like_a_language_server() -> None:
    data = yaml.load("a: 2024-07-03\nb: NO\nc: TRUE\nd: 017\ne: 12:30\nf: 1_000\ng: 1e5\nh: ~\ni: on\n",
                     Loader=Yaml12Loader)
    assert data == {"a": "2024-07-03", "b": "NO", "c": True, "d": 17, "e": "12:30", "f": "1_000", "g": 100000.0,
                    "h": None, "i": "on"}


# --- running both validators on one file ------------------------------------------------------------------------


def _schema_errors(kind: str, text: str) -> list[str]:
    """What the JSON Schema for `kind` says about a registry file or a Markdown file's front matter."""
    if KINDS[kind].markdown:
        parts = split_front_matter(text)
        assert parts is not None or kind == "briefing", "articles here always have front matter"
        text = parts[0] if parts is not None else "{}"  # a briefing note may be Markdown alone: no fields
    instance: Any = yaml.load(text, Loader=Yaml12Loader)
    validator = Draft202012Validator(json_schema(kind), format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


def _briefgen_errors(doc: ParsedFile, diagnostics: list[Diagnostic]) -> list[str]:
    """The per-file schema errors `briefgen check` reports for one loaded file."""
    found = list(diagnostics)
    validate_file(doc, found)
    return [f"{d.code}: {d.message}" for d in found
            if d.path == doc.source.path and d.severity is Severity.ERROR and d.code in PER_FILE_CODES]


def _load_tree(root: Path, files: dict[str, str]) -> tuple[dict[str, ParsedFile], list[Diagnostic]]:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    diagnostics: list[Diagnostic] = []
    docs = load_content(root / "content", root, diagnostics)
    return {doc.source.path: doc for doc in docs}, diagnostics


def _both(tmp_path: Path, rel: str, text: str) -> tuple[list[str], list[str]]:
    """(briefgen's per-file errors, JSON Schema errors) for one file at `rel`."""
    docs, diagnostics = _load_tree(tmp_path, {rel: text})
    doc = docs[rel]
    return _briefgen_errors(doc, diagnostics), _schema_errors(doc.source.kind, text)


# --- the sample desk --------------------------------------------------------------------------------------------


def _sample_docs() -> list[ParsedFile]:
    diagnostics: list[Diagnostic] = []
    docs = list(load_content(REPO / "content", REPO, diagnostics))
    assert not [d for d in diagnostics if d.severity is Severity.ERROR]
    return docs


SAMPLE = _sample_docs()


def test_the_sample_covers_every_kind() -> None:
    assert {doc.source.kind for doc in SAMPLE} == set(SCHEMAS)


@pytest.mark.parametrize("doc", SAMPLE, ids=[doc.source.path for doc in SAMPLE])
def test_sample_files_are_valid_for_both(doc: ParsedFile) -> None:
    assert _briefgen_errors(doc, []) == []
    assert _schema_errors(doc.source.kind, (REPO / doc.source.path).read_text(encoding="utf-8")) == []


# --- the invalid fixtures of test_diagnostics -------------------------------------------------------------------


def _case_files(code: str) -> list[tuple[str, str]]:
    files, _, _ = CASES[code]
    return [(rel, text) for rel, text in files.items() if isinstance(text, str)]


COMPARED = sorted(code for code in CASES if code not in UNCOMPARABLE)


def test_every_per_file_code_has_a_fixture() -> None:
    assert set(COMPARED) >= PER_FILE_CODES


@pytest.mark.parametrize("code", COMPARED)
def test_fixtures_get_the_same_verdict_from_both(code: str, tmp_path: Path) -> None:
    """A fixture of a per-file code is invalid for both; a fixture of any other problem is valid for both."""
    files = dict(_case_files(code))
    docs, diagnostics = _load_tree(tmp_path, {**GOOD, **files})
    code = re.search(r"(?:error|warning)\[([a-z-]+)\]", CASES[code][1]).group(1)  # a case's name may add a detail
    for rel, text in files.items():
        doc = docs[rel]
        ours, theirs = _briefgen_errors(doc, diagnostics), _schema_errors(doc.source.kind, text)
        if code in PER_FILE_CODES:
            assert any(e.startswith(code) for e in ours), ours
            assert theirs, f"the JSON Schema accepts the `{code}` fixture {rel}"
        else:
            assert ours == [], ours
            assert theirs == [], theirs


# --- further cases, each given to both --------------------------------------------------------------------------

EVENT = "content/events/summit.yml"
PERSON = "content/people/someone.yml"
PLACE = "content/places/somewhere.yml"
STORY = "content/articles/2024/07/a-story.md"
OUTLET = "content/sources/wire.yml"
NOTE = "content/briefings/2024-07-03.md"
URL = "https://news.example.com/a"
FRONT = """\
---
title: A story
date: 2024-07-03
source:
  name: Example News
  url: {url}
summary: A summary.
key_points: {points}
{extra}
---
Body.
"""


def _case(name: str, rel: str, text: str, valid: bool) -> Any:
    return pytest.param(rel, text, valid, id=name)


def _story(url: str = "https://news.example.com/a", points: str = "[A point.]", extra: str = "") -> str:
    return FRONT.format(url=url, points=points, extra=extra)


def _sourced(source: str) -> str:
    """A story whose `source:` is written as `source` (a slug, or a mapping in block style)."""
    return _story().replace("source:\n  name: Example News\n  url: https://news.example.com/a", source)


EXTRA = [
    _case("ongoing true", EVENT, "name: Summit\nstart: 2024-07-03\nongoing: true\n", True),
    _case("ongoing True", EVENT, "name: Summit\nstart: 2024-07-03\nongoing: True\n", True),
    _case("ongoing yes", EVENT, "name: Summit\nstart: 2024-07-03\nongoing: yes\n", False),
    _case("ongoing empty", EVENT, "name: Summit\nstart: 2024-07-03\nongoing:\n", True),
    _case("leap day", EVENT, "name: Summit\nstart: 2024-02-29\n", True),
    _case("no leap day", EVENT, "name: Summit\nstart: 2023-02-29\n", False),
    _case("30 February", EVENT, "name: Summit\nstart: 2024-02-30\n", False),
    _case("date without dashes", EVENT, "name: Summit\nstart: 20240703\n", False),
    _case("date with one-digit month", EVENT, "name: Summit\nstart: 2024-7-03\n", False),
    _case("quoted date", EVENT, "name: Summit\nstart: '2024-07-03'\n", True),
    _case("empty required date", EVENT, "name: Summit\nstart:\n", False),
    _case("unique participants", EVENT, "name: Summit\nstart: 2024-07-03\nparticipants: [a, b]\n", True),
    _case("name NO", PERSON, "name: NO\n", True),
    _case("name is a number", PERSON, "name: 2024\n", True),
    _case("name is a boolean", PERSON, "name: true\n", True),
    _case("name is a date", PERSON, "name: 2024-07-03\n", True),
    _case("name on", PERSON, "name: on\n", True),
    _case("name empty", PERSON, "name:\n", False),
    _case("name null", PERSON, "name: null\n", False),
    _case("name tilde", PERSON, "name: ~\n", False),
    _case("name 'null' in quotes", PERSON, "name: 'null'\n", True),
    _case("name null tagged as text", PERSON, "name: !!str null\n", True),
    _case("name tagged null", PERSON, "name: !!null\n", False),
    _case("name 'null' in a block", PERSON, "name: |\n  null\n", True),
    _case("name blank in quotes", PERSON, "name: '  '\n", False),
    _case("name a list", PERSON, "name: [Ada]\n", False),
    _case("optional fields empty", PERSON, "name: Ada\naliases:\nsummary:\nwikidata:\nroles:\ncountry:\nlinks:\n",
          True),
    _case("empty lists", PERSON, "name: Ada\naliases: []\nroles: []\nlinks: []\n", True),
    _case("aliases of any scalar", PERSON, "name: Ada\naliases: [Lovelace, 1815, NO]\n", True),
    _case("empty alias item", PERSON, "name: Ada\naliases:\n  -\n", False),
    _case("aliases a mapping", PERSON, "name: Ada\naliases: {a: b}\n", False),
    _case("wikidata id", PERSON, "name: Ada\nwikidata: Q7259\n", True),
    _case("wikidata zero", PERSON, "name: Ada\nwikidata: Q0\n", False),
    _case("role with dates", PERSON, "name: Ada\nroles:\n  - title: Countess\n    from: 1835-07-08\n", True),
    _case("role without title", PERSON, "name: Ada\nroles:\n  - from: 1835-07-08\n", False),
    _case("role with a bad date", PERSON, "name: Ada\nroles:\n  - title: Countess\n    to: 1852-11-31\n", False),
    _case("role with an unknown key", PERSON, "name: Ada\nroles:\n  - title: Countess\n    until: 1852-11-27\n", False),
    _case("link", PERSON, "name: Ada\nlinks:\n  - title: Home\n    url: https://example.org/a?b=c#d\n", True),
    _case("link in capitals", PERSON, "name: Ada\nlinks:\n  - title: Home\n    url: HTTPS://EXAMPLE.ORG/\n", True),
    _case("ftp link", PERSON, "name: Ada\nlinks:\n  - title: Home\n    url: ftp://example.org/\n", False),
    _case("link without host", PERSON, "name: Ada\nlinks:\n  - title: Home\n    url: https:///path\n", False),
    _case("link with a space", PERSON, "name: Ada\nlinks:\n  - title: Home\n    url: https://example.org/a b\n", False),
    _case("link without url", PERSON, "name: Ada\nlinks:\n  - title: Home\n", False),
    _case("country slug", PERSON, "name: Ada\ncountry: united-kingdom\n", True),
    _case("numeric slug", PLACE, "name: Somewhere\ncountry: 2024\n", True),
    _case("slug with capitals", PLACE, "name: Somewhere\ncountry: India\n", False),
    _case("slug with a double hyphen", PLACE, "name: Somewhere\ncountry: new--delhi\n", False),
    _case("top-level list", PERSON, "- name: Ada\n", False),
    _case("top-level text", PERSON, "Ada Lovelace\n", False),
    _case("article", STORY, _story(), True),
    _case("draft", STORY, _story(extra="status: draft"), True),
    _case("status Draft", STORY, _story(extra="status: Draft"), False),
    _case("http source", STORY, _story(url="http://news.example.com/a"), True),
    _case("relative source", STORY, _story(url="/news/a"), False),
    _case("source as text", STORY, _story().replace("source:\n  name: Example News\n  url: https://news.example.com/a",
                                                    "source: Example News"), False),
    _case("no key points", STORY, _story(points="[]"), False),
    _case("key points as text", STORY, _story(points="A point."), False),
    _case("quote", STORY, _story(extra="people: [ada]\nquotes:\n  - by: ada\n    text: Hello"), True),
    _case("quote without text", STORY, _story(extra="people: [ada]\nquotes:\n  - by: ada"), False),
    _case("people twice", STORY, _story(extra="people: [ada, ada]"), False),
    _case("unknown field", STORY, _story(extra="tags: [x]"), False),
    _case("source slug alone", STORY, _sourced("source: example-news"), True),
    _case("source outlet and url", STORY, _sourced(f"source:\n  outlet: example-news\n  url: {URL}"), True),
    _case("source outlet, name and url", STORY,
          _sourced(f"source:\n  name: Example News\n  outlet: example-news\n  url: {URL}"), True),
    _case("source url alone", STORY, _sourced(f"source:\n  url: {URL}"), False),
    _case("source name empty", STORY, _sourced(f"source:\n  name:\n  url: {URL}"), False),
    _case("source outlet without url", STORY, _sourced("source:\n  outlet: example-news"), False),
    _case("source slug with capitals", STORY, _sourced("source: Example-News"), False),
    _case("source a list", STORY, _sourced("source: [example-news]"), False),
    _case("key point with its source", STORY,
          _story(points=f"\n  - A point.\n  - text: Another point.\n    source: wire\n    url: {URL}"), True),
    _case("key point without its source", STORY, _story(points="\n  - text: Another point."), False),
    _case("key point with an unknown key", STORY,
          _story(points="\n  - text: Another point.\n    source: wire\n    by: ada"), False),
    _case("key point a list", STORY, _story(points="[[a, b]]"), False),
    _case("about", STORY, _story(extra="people: [ada]\nabout: [ada]"), True),
    _case("about with a bad slug", STORY, _story(extra="people: [ada]\nabout: [Ada]"), False),
    _case("why it matters and what next", STORY, _story(extra="why_it_matters: It matters.\nwhats_next: A vote."),
          True),
    _case("updated and corrections", STORY,
          _story(extra="updated: 2024-07-04\ncorrections:\n  - date: 2024-07-04\n    text: A name was misspelt."),
          True),
    _case("correction without text", STORY, _story(extra="corrections:\n  - date: 2024-07-04"), False),
    _case("updated not a date", STORY, _story(extra="updated: soon"), False),
    _case("source entry", OUTLET, "name: Wire\nkind: agency\ncountry: india\nurl: https://wire.example/\n", True),
    _case("source entry of an unknown kind", OUTLET, "name: Wire\nkind: blog\n", False),
    _case("source entry with a relative url", OUTLET, "name: Wire\nurl: /wire\n", False),
    _case("event status", EVENT, "name: Summit\nstart: 2024-07-03\nstatus: scheduled\n", True),
    _case("event status unknown", EVENT, "name: Summit\nstart: 2024-07-03\nstatus: cancelled\n", False),
    _case("briefing note", NOTE, "---\ntitle: A quiet day\n---\nLittle happened.\n", True),
    _case("briefing note without front matter", NOTE, "Little happened.\n", True),
    _case("briefing note with an unknown key", NOTE, "---\ntitle: A quiet day\ndate: 2024-07-03\n---\nText.\n",
          False),
]


@pytest.mark.parametrize(("rel", "text", "valid"), EXTRA)
def test_further_cases_get_the_same_verdict_from_both(rel: str, text: str, valid: bool, tmp_path: Path) -> None:
    ours, theirs = _both(tmp_path, rel, text)
    assert (ours == [], theirs == []) == (valid, valid), (ours, theirs)


@pytest.mark.parametrize(("rel", "text"), [
    (PLACE, "name: Somewhere\ncountry: true\n"),  # `true` is a valid slug, but a boolean to the editor
    (EVENT, "name: Summit\nstart: 2024-07-03\nongoing: 'true'\n"),  # briefgen ignores quotes; JSON cannot
    (EVENT, "name: Summit\nstart: 2024-07-03\nongoing: tRuE\n"),  # a string in YAML 1.2
])
def test_known_divergences_where_the_editor_is_stricter(rel: str, text: str, tmp_path: Path) -> None:
    ours, theirs = _both(tmp_path, rel, text)
    assert ours == []
    assert theirs != []


# --- the documents themselves -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(SCHEMAS))
def test_schema_documents_are_valid_draft_2020_12(kind: str) -> None:
    schema = json_schema(kind)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(f"/{kind}.schema.json")
    assert list(schema["properties"]) == [f.name for f in SCHEMAS[kind].fields]
    assert schema["additionalProperties"] is False
    assert schema.get("required", []) == [f.name for f in SCHEMAS[kind].fields if f.required]
    assert all(prop.get("description") for prop in schema["properties"].values())
    assert FOLDERS[kind] in schema["description"]


def test_required_fields_refuse_null_and_optional_fields_accept_it() -> None:
    props = json_schema("event")["properties"]
    assert "null" not in props["start"]["type"]
    assert "null" in props["end"]["type"]
    status = json_schema("article")["properties"]["status"]
    assert status["enum"] == ["published", "draft", None]


def test_shipped_schemas_are_up_to_date() -> None:
    stale = stale_schemas(SHIPPED_DIR)
    assert stale == [], f"out of date: {', '.join(map(str, stale))}; regenerate with {REGENERATE}"
    assert sorted(p.name for p in SHIPPED_DIR.iterdir()) == sorted(f"{kind}.schema.json" for kind in SCHEMAS), (
        f"unexpected files in {SHIPPED_DIR}")


def test_write_schemas_is_deterministic_and_refuses_to_clobber(tmp_path: Path) -> None:
    out = tmp_path / "schemas"
    paths = write_schemas(out)
    assert [p.name for p in paths] == [f"{kind}.schema.json" for kind in SCHEMAS]
    first = {p: p.read_bytes() for p in paths}
    assert all(data.endswith(b"}\n") and b"\r" not in data for data in first.values())
    assert write_schemas(out) == paths  # same content: nothing to refuse
    assert {p: p.read_bytes() for p in paths} == first
    edited = out / "person.schema.json"
    edited.write_text("{}\n")
    (out / "topic.schema.json").unlink()
    with pytest.raises(SchemaFileConflict, match=re.escape(str(edited))):
        write_schemas(out)
    assert edited.read_text() == "{}\n"
    assert not (out / "topic.schema.json").exists(), "nothing is written when anything conflicts"
    write_schemas(out, force=True)
    assert edited.read_text(encoding="utf-8") == render("person")
    assert stale_schemas(out) == []
