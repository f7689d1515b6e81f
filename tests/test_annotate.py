"""`briefgen annotate`: references, new names and quotes proposed from an article, and merged with `--write`."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import Desk, copy_of_sample

from briefgen.authoring.annotate import Annotator, annotate_file, fold, load_registry
from briefgen.build import load_mkdocs_config, project_of
from briefgen.desk.load import SourceDoc
from briefgen.desk.project import Project
from briefgen.desk.schema import FOLDERS
from briefgen.desk.validate import Registry, ValidDoc, build_registry, normal_quote

FIXTURES = Path(__file__).parent / "fixtures" / "scraped"
SEED = Path(__file__).resolve().parents[2] / "shared/seeds/000_c526a3261d03e795.txt"  # beside the clone, in CI too
#: Set to rewrite the golden files after a change whose every difference has been read.
REGOLD = os.environ.get("BRIEFGEN_REGOLD") == "1"
TEXTS = sorted(p.name for p in FIXTURES.glob("0*") if not p.name.endswith(".json"))


def _project(desk: Desk) -> Project:
    return project_of(load_mkdocs_config(desk.config))


def _fictional_desk(desk_factory: Callable[..., Desk]) -> Desk:
    """A desk whose registry is the fictional world of the fixtures (tests/fixtures/scraped/registry.json)."""
    files = {}
    for kind, entries in json.loads((FIXTURES / "registry.json").read_text(encoding="utf-8")).items():
        for slug, values in entries.items():
            files[f"content/{FOLDERS[kind]}/{slug}.yml"] = "".join(
                f"{key}: {json.dumps(value, ensure_ascii=False)}\n" for key, value in values.items())
    return desk_factory(files)


def _import(desk: Desk, source: Path, *args: str) -> Path:
    before = set((desk.root / "content").rglob("*.md"))
    assert desk.cli("import", str(source), "-q", *args) == 0
    (path,) = set((desk.root / "content").rglob("*.md")) - before
    return path


def _annotate(desk: Desk, path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    capsys.readouterr()
    assert desk.cli("annotate", str(path), "--format", "json", *args) == 0
    return json.loads(capsys.readouterr().out)


def _golden(name: str, found: dict) -> None:
    golden = FIXTURES / f"{name}.annotate.json"
    text = json.dumps(found, ensure_ascii=False, indent=2) + "\n"
    if REGOLD or not golden.exists():
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


# --- the seed ---------------------------------------------------------------------------------------------------------


@pytest.mark.skipif(not SEED.exists(), reason="the shared seed is not on this machine")
def test_the_seed_finds_every_entry_and_gives_both_quotes_to_jaishankar(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    desk = copy_of_sample(tmp_path / "sample")
    path = _import(desk, SEED, "--date", "2024-07-03")
    found = _annotate(desk, path, capsys)
    people = {r["slug"] for r in found["people"]}
    assert {"s-jaishankar", "sergey-lavrov", "narendra-modi", "vladimir-putin", "murat-nurtleu",
            "antonio-guterres"} <= people
    assert {"shanghai-cooperation-organisation"} <= {r["slug"] for r in found["orgs"]}
    assert {"astana", "kazakhstan"} <= {r["slug"] for r in found["places"]}
    lavrov = next(r for r in found["people"] if r["slug"] == "sergey-lavrov")
    assert lavrov["count"] == 3  # "Sergei Lavrov" and "Lavrov" in the body, "Sergey Lavrov" in the caption
    speeches = [q for q in found["quotes"] if len(q["text"].split()) > 5]
    assert [q["by"] for q in speeches] == ["s-jaishankar", "s-jaishankar"]
    assert [q["text"][:20] for q in speeches] == ["We have expressed ou", "We noted the progres"]
    assert all(q["by"] is None and q["why"] for q in found["quotes"] if q not in speeches)  # “verified halt”
    _golden("seed", found)


# --- the fictional texts: hand-made expectations and golden output ----------------------------------------------------


@pytest.mark.parametrize("name", TEXTS)
def test_each_fictional_text_is_annotated_as_expected(name: str, desk_factory: Callable[..., Desk],
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    stem = name.rsplit(".", 1)[0]
    expected = json.loads((FIXTURES / f"{stem}.expected.json").read_text(encoding="utf-8"))
    desk = _fictional_desk(desk_factory)
    found = _annotate(desk, _import(desk, FIXTURES / name, "--date", "2025-04-21"), capsys)
    for field in ("people", "orgs", "places"):
        assert sorted(r["slug"] for r in found[field]) == sorted(expected[field]), field
    quotes = {normal_quote(q["text"]): q["by"] for q in found["quotes"]}
    assert {normal_quote(q["text"]): q["by"] for q in expected["quotes"]} == quotes
    assert all(q["why"] for q in found["quotes"])
    _golden(stem, found)


def test_precision_and_recall_over_the_fictional_texts_reach_the_quality_bar(
        desk_factory: Callable[..., Desk], capsys: pytest.CaptureFixture[str]) -> None:
    desk = _fictional_desk(desk_factory)
    counts = {field: [0, 0, 0] for field in ("people", "orgs", "places", "quotes")}  # true, false positives, missed
    for name in TEXTS:
        expected = json.loads((FIXTURES / f"{name.rsplit('.', 1)[0]}.expected.json").read_text(encoding="utf-8"))
        found = _annotate(desk, _import(desk, FIXTURES / name, "--date", "2025-04-21"), capsys)
        for field in ("people", "orgs", "places"):
            got, want = {r["slug"] for r in found[field]}, set(expected[field])
            counts[field][0] += len(got & want)
            counts[field][1] += len(got - want)
            counts[field][2] += len(want - got)
        got_quotes = {normal_quote(q["text"]): q["by"] for q in found["quotes"] if q["by"]}
        for quote in expected["quotes"]:
            if quote["by"]:
                said = got_quotes.get(normal_quote(quote["text"]))
                counts["quotes"][0 if said == quote["by"] else 2] += 1
        wrong = {normal_quote(q["text"]) for q in expected["quotes"] if not q["by"]} & set(got_quotes)
        counts["quotes"][1] += len(wrong)
    for field, (true, false, missed) in counts.items():
        assert true / (true + false) >= 0.95, field
        assert true / (true + missed) >= 0.9, field


# --- names ------------------------------------------------------------------------------------------------------------


def _registry(**people: list[str]) -> Registry:
    docs = [ValidDoc(SourceDoc("person", slug, f"content/people/{slug}.yml"), {"name": names[0], "aliases": names[1:]})
            for slug, names in people.items()]
    docs.append(ValidDoc(SourceDoc("org", "civic-union", "content/orgs/civic-union.yml"), {"name": "Civic Union"}))
    return build_registry(docs, [])


@pytest.mark.parametrize(("text", "slug"), [
    ("Reyes’s party won.", "ana-reyes"),
    ("Reyes's party won.", "ana-reyes"),
    ("S. Jaishankar arrived.", "s-jaishankar"),
    ("S Jaishankar arrived.", "s-jaishankar"),
    ("Ms Wu arrived.", "mei-wu"),
    ("President Marchetti arrived.", "elena-marchetti"),
    ("Kovac arrived.", "tomas-kovac"),
    ("Tomas Kovač arrived.", "tomas-kovac"),
    ("Modi’s visit ended.", "narendra-modi"),
    ("Liam O'Rourke wrote.", "liam-orourke"),
])
def test_names_are_found_through_possessives_initials_honorifics_diacritics_and_apostrophes(text: str,
                                                                                             slug: str) -> None:
    annotator = Annotator(_registry(**{
        "ana-reyes": ["Ana Reyes", "Reyes"], "s-jaishankar": ["S Jaishankar"], "mei-wu": ["Mei Wu"],
        "elena-marchetti": ["Elena Marchetti"], "tomas-kovac": ["Tomas Kovač"], "narendra-modi": ["Narendra Modi"],
        "liam-orourke": ["Liam O’Rourke"]}))
    found = annotator.annotate("", text)
    assert [r.slug for r in found.references["person"]] == [slug]


def test_a_case_or_a_word_inside_another_is_not_a_name() -> None:
    annotator = Annotator(_registry(**{"mark-reyes": ["Mark Reyes"]}))
    found = annotator.annotate("", "Mark the date: the reyes and Reyesville are not him.")
    assert found.references["person"] == []


def test_a_last_name_two_people_share_is_ambiguous_unless_one_was_just_named() -> None:
    annotator = Annotator(_registry(**{"jonas-berg": ["Jonas Berg"], "ingrid-berg": ["Ingrid Berg"]}))
    found = annotator.annotate("", "Berg said nothing.")
    assert [(a.text, a.candidates) for a in found.ambiguous] == [("Berg", ["jonas-berg", "ingrid-berg"])]
    found = annotator.annotate("", "Jonas Berg came. “Wait for what?” Berg says.")
    assert found.ambiguous == [] and [(r.slug, r.count) for r in found.references["person"]] == [("jonas-berg", 2)]
    assert [q.by for q in found.quotes] == ["jonas-berg"]


def test_unknown_names_become_candidates_with_a_stub() -> None:
    found = Annotator(_registry()).annotate("", "The councillor, Tove Aske, met the Saltmere Port Authority in Orsk "
                                                "and envoys of the NMC.")
    assert {(n.name, n.kind) for n in found.new} == {("Tove Aske", "person"), ("Saltmere Port Authority", "org"),
                                                    ("Orsk", "place"), ("NMC", "org")}
    stub = next(n.stub for n in found.new if n.name == "Tove Aske")
    assert yaml.safe_load(stub)["name"] == "Tove Aske"


def test_quotes_are_attributed_or_left_with_a_reason() -> None:
    annotator = Annotator(_registry(**{"ana-reyes": ["Ana Reyes", "Reyes"], "daniel-osei": ["Daniel Osei"]}))
    found = annotator.annotate("", (
        "Daniel Osei spoke first. “Rates will rise,” he said. \"Prices too,\" said Reyes. "
        "Osei said: “We are ready.” A spokesman said the plan was \"a serious step forward for all\". "
        "“Nobody knows,” a trader said."))
    assert [(q.text, q.by) for q in found.quotes] == [
        ("Rates will rise", "daniel-osei"), ("Prices too", "ana-reyes"), ("We are ready.", "daniel-osei"),
        ("a serious step forward for all", None), ("Nobody knows", None)]
    assert all(q.why for q in found.quotes)


def test_fold_keeps_positions() -> None:
    assert fold("Kovač, Dušek, Łódź") == "Kovac, Dusek, Lodz"
    assert len(fold("Kovač’s")) == len("Kovač’s")


def test_annotating_one_article_against_ten_thousand_entries_takes_a_fraction_of_a_second() -> None:
    people = {f"person-{i}": [f"Given{i % 97} Family{i}", f"Family{i}"] for i in range(10_000)}
    annotator = Annotator(_registry(**people))
    body = "\n\n".join(f"Family{i * 37} said on Monday that “things are moving”, and Given{(5000 + i * 41) % 97} "
                       f"Family{5000 + i * 41} agreed with the Civic Union." for i in range(40))
    started = time.perf_counter()
    found = annotator.annotate("A title", body)
    assert time.perf_counter() - started < 0.3
    assert len(found.references["person"]) == 80 and len(found.quotes) == 40


# --- --write ---------------------------------------------------------------------------------------------------------


def test_write_adds_references_and_quotes_keeping_comments_order_and_the_editors_work(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    desk = copy_of_sample(tmp_path / "sample")
    path = _import(desk, SEED if SEED.exists() else FIXTURES / "03_newspaper.txt", "--date", "2024-07-03")
    original = path.read_text(encoding="utf-8")
    # An editor's own work: a reference the body does not name, and a comment of their own.
    edited = original.replace("people: []", "# checked by the desk\npeople:\n  - narendra-modi\n  - vladimir-putin")
    edited = edited.replace("topics: []", "topics:\n  - india-central-asia-relations  # the editor's")
    path.write_text(edited, encoding="utf-8")
    found = _annotate(desk, path, capsys, "--write")
    written = path.read_text(encoding="utf-8")
    front, body = written.split("\n---\n", 1)
    assert body == edited.split("\n---\n", 1)[1]  # the body, byte for byte
    # Every comment line is still there, in the same order, and the keys keep their order.
    comments = [line for line in edited.split("\n---\n", 1)[0].splitlines() if line.lstrip().startswith("#")]
    assert [line for line in front.splitlines() if line.lstrip().startswith("#")] == comments
    data = yaml.safe_load(front.removeprefix("---\n"))
    original_keys = list(yaml.safe_load(edited.split("\n---\n", 1)[0].removeprefix("---\n")))
    assert list(data)[: len(original_keys)] == original_keys
    assert data["people"][:2] == ["narendra-modi", "vladimir-putin"]  # nothing removed or reordered
    assert set(data["people"]) >= {r["slug"] for r in found["people"]}
    assert "india-central-asia-relations" in data["topics"] and "# the editor's" in front
    assert all(q["by"] in data["people"] for q in data.get("quotes", []))
    if SEED.exists():
        assert [q["by"] for q in data["quotes"]] == ["s-jaishankar", "s-jaishankar"]
    # A second run adds nothing and leaves the file exactly as it is.
    assert desk.cli("annotate", str(path), "--write", "-q") == 0
    assert path.read_text(encoding="utf-8") == written
    capsys.readouterr()
    assert desk.cli("check", "--no-cache") == 0
    assert "error[" not in capsys.readouterr().out


def test_annotating_what_is_not_an_article_is_one_clear_error(tmp_path: Path, desk_factory: Callable[..., Desk],
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory()
    for name, data in (("none.md", None), ("plain.md", b"no front matter\n"), ("binary.md", b"\xff\xfe\0\0")):
        path = tmp_path / name
        if data is not None:
            path.write_bytes(data)
        capsys.readouterr()
        assert desk.cli("annotate", str(path), "--write") == 2
        err = capsys.readouterr().err
        assert err.startswith("briefgen: error: ") and err.count("\n") == 1


def test_the_registry_of_the_sample_desk_loads(tmp_path: Path) -> None:
    desk = copy_of_sample(tmp_path / "sample")
    registry = load_registry(_project(desk))
    assert "s-jaishankar" in registry.docs["person"]
    article = next((desk.root / "content" / "articles").rglob("*.md"))
    found = annotate_file(_project(desk), article)
    assert {"s-jaishankar", "sergey-lavrov"} <= {r.slug for r in found.references["person"]}
