"""`briefgen new`: scaffolded files pass `check`, build, and never replace or duplicate content."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from conftest import Desk, article, person
from jsonschema import Draft202012Validator
from test_schemas import Yaml12Loader

from briefgen.authoring.scaffold import (
    PLACEHOLDER_URL,
    TODO,
    ScaffoldError,
    default_schema_dir,
    parse_date,
    render,
    scaffold,
    slug_for,
)
from briefgen.authoring.schemas_export import json_schema, write_schemas
from briefgen.build import load_mkdocs_config, project_of
from briefgen.desk.project import Project
from briefgen.desk.schema import KINDS, SCHEMAS
from briefgen.desk.yamlsource import split_front_matter

GOOD = {**person(), **article()}
JULY_3 = dt.date(2024, 7, 3)


def _project(desk: Desk) -> Project:
    return project_of(load_mkdocs_config(desk.config))


def _front(path: Path) -> dict[str, object]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        parts = split_front_matter(text)
        assert parts is not None
        text = parts[0]
    data = yaml.load(text, Loader=Yaml12Loader)
    assert isinstance(data, dict)
    return data


def _check_passes(desk: Desk, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    status = desk.cli("check")
    out = capsys.readouterr().out
    assert status == 0, out
    assert "error[" not in out
    return out


# --- new files pass check and show up in the build --------------------------------------------------------------

REGISTRY = [
    ("person", "Charles Babbage", {}, "people/charles-babbage"),
    ("org", "Analytical Society", {}, "orgs/analytical-society"),
    ("place", "Marylebone", {}, "places/marylebone"),
    ("topic", "Computing history", {}, "topics/computing-history"),
    ("event", "Difference Engine demonstration", {"start": dt.date(1833, 6, 5)},
     "events/difference-engine-demonstration"),
    ("event", "Babbage lecture series", {"start": dt.date(1840, 8, 1), "end": dt.date(1840, 8, 20)},
     "events/babbage-lecture-series"),
    ("event", "Turin meeting", {"date": dt.date(1840, 9, 1)}, "events/turin-meeting"),
    ("source", "Hindustan Times", {}, "sources/hindustan-times"),
]


@pytest.mark.parametrize(("kind", "name", "dates", "url"), REGISTRY, ids=[f"{r[0]}-{r[3]}" for r in REGISTRY])
def test_new_registry_entry_passes_check_and_gets_a_page(kind: str, name: str, dates: dict[str, dt.date], url: str,
                                                          desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory(GOOD)
    path = scaffold(_project(desk), kind, name, **dates)
    assert path == desk.root / "content" / f"{url}.yml"
    out = _check_passes(desk, capsys)
    assert f"unused-entry]: no article or entry refers to {kind}" in out  # only the warning a new entry deserves
    assert desk.build() == 0
    assert name in desk.page(url)


def test_new_article_passes_check_and_is_built_only_as_a_draft(desk_factory,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory(GOOD)
    path = scaffold(_project(desk), "article", "India: talks in Astana", date=JULY_3)
    assert path == desk.root / "content/articles/2024/07/india-talks-in-astana.md"
    _check_passes(desk, capsys)
    values = _front(path)
    assert values["title"] == "India: talks in Astana"
    assert values["date"] == "2024-07-03"
    assert values["status"] == "draft"
    assert values["source"] == {"name": f"{TODO}Publication, e.g. `Hindustan Times` (not needed with `outlet`).",
                                "url": PLACEHOLDER_URL, "outlet": None}
    assert str(values["summary"]).startswith(TODO)
    assert desk.build() == 0
    assert not (desk.site / "articles/india-talks-in-astana").exists(), "placeholders are never published"
    assert desk.build("--drafts") == 0
    assert "India: talks in Astana" in desk.page("articles/india-talks-in-astana")


def test_new_article_in_an_empty_desk(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory()
    path = scaffold(_project(desk), "article", "First brief", date=dt.date(2025, 1, 31))
    assert path.relative_to(desk.root).as_posix() == "content/articles/2025/01/first-brief.md"
    _check_passes(desk, capsys)


def test_new_article_shows_the_briefing_fields_and_each_form_of_source_and_key_point(desk_factory) -> None:
    desk = desk_factory(GOOD)
    text = scaffold(_project(desk), "article", "A story told twice", date=JULY_3).read_text(encoding="utf-8")
    for line in ("why_it_matters:", "whats_next:", "about: []", "updated:", "corrections: []", "  outlet:",
                 "#   source: Slug of the source it comes from. [required, source slug]",
                 "#   date: Day the correction was made. [required, date YYYY-MM-DD]"):
        assert f"\n{line}\n" in text, line
    assert "`{outlet, url}` with the slug of an entry in `content/sources/`, or that slug alone." in text
    assert "[required, list of at least 1; each item text, or a mapping:]" in text


def test_new_briefing_note_is_named_after_its_day(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory(GOOD)
    project = _project(desk)
    path = scaffold(project, "briefing", "2024-07-03")
    assert path == desk.root / "content/briefings/2024-07-03.md"
    assert _front(path) == {"title": None}
    assert split_front_matter(path.read_text(encoding="utf-8"))[1] == "", (  # type: ignore[index]
        "the note is the editor's to write: no placeholder that could be published")
    titled = scaffold(project, "briefing", "A quiet Thursday", date=dt.date(2024, 7, 4))
    assert titled == desk.root / "content/briefings/2024-07-04.md"
    assert _front(titled) == {"title": "A quiet Thursday"}
    _check_passes(desk, capsys)
    with titled.open("a", encoding="utf-8") as note:
        note.write("Little happened.\n")
    assert desk.build() == 0
    page = desk.page("briefings/2024-07-04")
    assert "A quiet Thursday" in page and "Little happened." in page


def test_new_source_and_briefing_from_the_command_line(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory(GOOD)
    assert desk.cli("new", "source", "Hindustan Times") == 0
    assert capsys.readouterr().out.strip() == "content/sources/hindustan-times.yml"
    text = (desk.root / "content/sources/hindustan-times.yml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schemas/source.schema.json\n")
    assert all(f"\n{key}:\n" in text for key in ("summary", "kind", "country", "url", "notes"))
    assert desk.cli("new", "briefing", "2024-07-03") == 0
    assert capsys.readouterr().out.strip() == "content/briefings/2024-07-03.md"
    assert desk.cli("new", "briefing", "2024-07-03") == 2
    assert "content/briefings/2024-07-03.md already exists" in capsys.readouterr().err
    assert desk.cli("new", "briefing", "3 July") == 2
    assert "`3 July` is not a date" in capsys.readouterr().err
    assert desk.cli("new", "briefing", "A title", "--date", "2024-7-3") == 2
    assert "write YYYY-MM-DD" in capsys.readouterr().err
    assert sorted(p.name for p in (desk.root / "content/briefings").iterdir()) == ["2024-07-03.md"]
    assert desk.cli("check") == 0


# --- every field, documented ------------------------------------------------------------------------------------


KNOWN = {
    "article": {"title": "A story", "date": JULY_3, "status": "draft",
                "source": {"name": "TODO: the publication", "url": PLACEHOLDER_URL}},
    "event": {"name": "A summit", "start": JULY_3},
    "briefing": {"title": None},
}


@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_scaffold_lists_every_field_with_its_doc(kind: str) -> None:
    text = render(kind, KNOWN.get(kind, {"name": "Someone"}), modeline=f"../../schemas/{kind}.schema.json")
    yaml_text = split_front_matter(text)[0] if KINDS[kind].markdown else text  # type: ignore[index]
    data = yaml.load(yaml_text, Loader=Yaml12Loader)
    editors = [f for f in SCHEMAS[kind].fields if f.name != "source_fingerprint"]  # written by `briefgen import`
    assert list(data) == [f.name for f in editors]
    for spec in editors:
        assert f"# {spec.doc} [{'required, ' if spec.required else ''}" in text
    assert not [line for line in text.splitlines() if line != line.rstrip()], "no trailing spaces"
    validator = Draft202012Validator(json_schema(kind), format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert [e.message for e in validator.iter_errors(data)] == []
    if KINDS[kind].markdown:  # front matter, which language servers do not read
        assert "yaml-language-server" not in text
    else:
        assert text.startswith(f"# yaml-language-server: $schema=../../schemas/{kind}.schema.json\n")


@pytest.mark.parametrize("title", ["NO", "2024", "null", "Summit #1", "India: a view", "'Quoted'", "- dash",
                                   "Ünïcödé “quotes”", "a\ttab   and  spaces"])
def test_titles_are_written_so_they_read_back_exactly(title: str, desk_factory,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory()
    path = scaffold(_project(desk), "article", title, date=JULY_3, slug="story")
    _check_passes(desk, capsys)
    node = yaml.compose(split_front_matter(path.read_text(encoding="utf-8"))[0])  # type: ignore[index]
    written = next(v for k, v in node.value if k.value == "title")
    assert written.value == " ".join(title.split())


def test_modeline_points_to_the_project_schemas(desk_factory) -> None:
    desk = desk_factory()
    project = _project(desk)
    write_schemas(default_schema_dir(project))
    path = scaffold(project, "person", "Charles Babbage")
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/person.schema.json"
    assert (path.parent / first.split("=", 1)[1]).resolve() == default_schema_dir(project) / "person.schema.json"
    other = scaffold(project, "topic", "Engines", schema_base="https://example.org/briefgen/schemas/")
    assert other.read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=https://example.org/briefgen/schemas/topic.schema.json\n")


# --- refusals -----------------------------------------------------------------------------------------------------


def _files(desk: Desk) -> set[str]:
    return {p.relative_to(desk.root).as_posix() for p in (desk.root / "content").rglob("*") if p.is_file()}


def test_refuses_to_overwrite(desk_factory) -> None:
    desk = desk_factory(GOOD)
    story = desk.root / "content/articles/2024/07/a-story.md"
    before = story.read_bytes()
    with pytest.raises(ScaffoldError, match=r"content/articles/2024/07/a-story\.md already exists"):
        scaffold(_project(desk), "article", "A story", date=JULY_3)
    assert story.read_bytes() == before
    ada = desk.root / "content/people/ada-lovelace.yml"
    with pytest.raises(ScaffoldError, match=r"content/people/ada-lovelace\.yml already exists"):
        scaffold(_project(desk), "person", "Ada Lovelace")
    assert ada.read_text() == GOOD["content/people/ada-lovelace.yml"]


def test_refuses_to_overwrite_a_briefing_note(desk_factory) -> None:
    desk = desk_factory({**GOOD, "content/briefings/2024-07-03.md": "A note.\n"})
    with pytest.raises(ScaffoldError, match=r"content/briefings/2024-07-03\.md already exists"):
        scaffold(_project(desk), "briefing", "A title", date=JULY_3)
    assert (desk.root / "content/briefings/2024-07-03.md").read_text() == "A note.\n"


def test_refuses_a_slug_taken_in_another_month(desk_factory) -> None:
    desk = desk_factory(GOOD)
    before = _files(desk)
    with pytest.raises(ScaffoldError, match=r"an article with the slug `a-story` already exists: "
                                            r"content/articles/2024/07/a-story\.md"):
        scaffold(_project(desk), "article", "A story", date=dt.date(2023, 12, 1))
    assert _files(desk) == before
    assert not (desk.root / "content/articles/2023").exists()


def test_refuses_a_slug_taken_by_a_yaml_file(desk_factory) -> None:
    desk = desk_factory({"content/topics/engines.yaml": "name: Engines\n"})
    with pytest.raises(ScaffoldError, match=r"a topic with the slug `engines` already exists: "
                                            r"content/topics/engines\.yaml"):
        scaffold(_project(desk), "topic", "Engines")


def test_refuses_a_name_another_entry_of_the_kind_has(desk_factory) -> None:
    desk = desk_factory(GOOD)
    with pytest.raises(ScaffoldError, match=r"the name `Ada Lovelace` is already used by person `ada-lovelace` "
                                            r"\(content/people/ada-lovelace\.yml\); tell them apart"):
        scaffold(_project(desk), "person", "Ada Lovelace", slug="countess")
    assert not (desk.root / "content/people/countess.yml").exists()


def test_a_shared_alias_or_a_name_of_another_kind_is_allowed(desk_factory) -> None:
    desk = desk_factory(GOOD)  # Ada Lovelace, alias Lovelace
    assert scaffold(_project(desk), "person", "Lovelace", slug="lord-lovelace").exists()
    assert scaffold(_project(desk), "topic", "Ada Lovelace", slug="ada").exists()


@pytest.mark.parametrize(("kind", "name", "kwargs", "message"), [
    ("article", "A story", {}, "an article needs its date"),
    ("article", "A story", {"date": JULY_3, "start": JULY_3}, "an article takes --date, not --start"),
    ("event", "A summit", {}, "an event needs its first day"),
    ("event", "A summit", {"start": JULY_3, "end": dt.date(2024, 7, 2)}, r"cannot end \(2024-07-02\) before"),
    ("event", "A summit", {"start": JULY_3, "date": JULY_3}, "either --date"),
    ("person", "Someone", {"date": JULY_3}, "a person takes no dates"),
    ("people", "Someone", {}, "unknown kind `people`; choose one of: article, person"),
    ("person", "  ", {}, "the person needs a name"),
    ("person", "!!!", {}, "cannot make a slug from `!!!`"),
    ("person", "Someone", {"slug": "Some_One"}, "`Some_One` is not a valid slug"),
    ("source", "Wire", {"date": JULY_3}, "a source takes no dates"),
    ("briefing", "yesterday", {}, "a briefing note is named after its day, and `yesterday` is not a date"),
    ("briefing", "2024-02-30", {}, "`2024-02-30` is not a date"),
    ("briefing", "2024-07-03", {"start": JULY_3}, "not --start or --end"),
    ("briefing", "2024-07-03", {"slug": "monday"}, "takes no --slug"),
])
def test_refuses_bad_arguments(kind: str, name: str, kwargs: dict[str, object], message: str, desk_factory) -> None:
    desk = desk_factory(GOOD)
    before = _files(desk)
    with pytest.raises(ScaffoldError, match=message):
        scaffold(_project(desk), kind, name, **kwargs)  # type: ignore[arg-type]
    assert _files(desk) == before


def test_slugs_and_dates_from_the_command_line() -> None:
    assert slug_for("S. Jaishankar") == "s-jaishankar"
    assert slug_for("Сергей Лавров") == "sergei-lavrov"
    long = slug_for("word " * 30)
    assert len(long) <= 60 and long.endswith("word")
    assert parse_date("2024-07-03") == JULY_3
    for bad in ("2024-7-3", "20240703", "2024-02-30", "yesterday"):
        with pytest.raises(ScaffoldError, match="YYYY-MM-DD"):
            parse_date(bad)
