"""`briefgen demo-desk`: a 200-article desk that passes `check` and holds every feature of a briefing.

The site itself is built from a demo desk by test_parallel.py; here the files are read and counted.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from briefgen.authoring.demo import write_demo_desk
from briefgen.desk.check import check
from briefgen.desk.diagnostics import Severity
from briefgen.desk.project import project_at
from briefgen.desk.yamlsource import split_front_matter

ARTICLES = 200


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo") / "desk"
    write_demo_desk(root, ARTICLES)
    return root


def _entries(root: Path, folder: str) -> dict[str, dict[str, Any]]:
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in sorted((root / "content" / folder).glob("*.yml"))}


def _articles(root: Path) -> dict[str, dict[str, Any]]:
    fronts = {}
    for path in sorted((root / "content/articles").rglob("*.md")):
        parts = split_front_matter(path.read_text(encoding="utf-8"))
        assert parts is not None
        fronts[path.stem] = yaml.safe_load(parts[0])
    return fronts


def _day(value: str) -> dt.date:
    return dt.date.fromisoformat(value[:10])


def test_the_demo_desk_passes_check(demo: Path) -> None:
    found = check(project_at(demo, "content", "templates")).diagnostics
    assert [d for d in found if d.severity is Severity.ERROR] == []
    # Only a person the generator happens never to pick: no warning comes from the editorial fields.
    assert {d.code for d in found} <= {"unused-entry"}
    assert len(found) <= 2


def test_sources_are_named_in_each_form(demo: Path) -> None:
    sources = _entries(demo, "sources")
    assert len(sources) >= 5
    assert {s["kind"] for s in sources.values()} >= {"agency", "newspaper", "broadcaster", "state-media", "ministry"}
    articles = _articles(demo)
    by_slug = [a for a in articles.values() if isinstance(a["source"], str)]
    by_outlet = [a for a in articles.values() if isinstance(a["source"], dict) and "outlet" in a["source"]]
    inline = [a for a in articles.values() if isinstance(a["source"], dict) and "name" in a["source"]]
    assert min(len(by_slug), len(by_outlet), len(inline)) >= ARTICLES // 5
    assert all(a["source"] in sources for a in by_slug)
    assert {a["source"]["outlet"] for a in by_outlet} == set(sources), "every source is drawn from"
    assert not any(a["source"]["name"] in {s["name"] for s in sources.values()} for a in inline)
    points = [p for a in articles.values() for p in a["key_points"] if isinstance(p, dict)]
    assert len(points) >= ARTICLES // 5
    assert all(p["source"] in sources and p["url"].startswith("https://") for p in points)


def test_articles_carry_the_briefing_fields(demo: Path) -> None:
    articles = list(_articles(demo).values())
    about = [a for a in articles if a.get("about")]
    assert ARTICLES // 2 <= len(about) < ARTICLES, "many articles mark their subject, not all"
    assert any(len(a["about"]) > 1 for a in about)
    assert all(slug in a["people"] + a["events"] for a in about for slug in a["about"])
    assert len([a for a in articles if a.get("why_it_matters")]) >= ARTICLES // 2
    assert len([a for a in articles if a.get("whats_next")]) >= ARTICLES // 2
    updated = [a for a in articles if a.get("updated")]
    corrected = [a for a in articles if a.get("corrections")]
    assert 3 <= len(corrected) < len(updated) <= ARTICLES // 10, "a few updated, fewer corrected"
    assert all(_day(a["updated"]) > _day(a["date"]) for a in updated)
    assert all(_day(c["date"]) > _day(a["date"]) and c["text"] for a in corrected for c in a["corrections"])


def test_people_change_role_between_their_articles(demo: Path) -> None:
    people = _entries(demo, "people")
    articles = list(_articles(demo).values())
    first, last = min(_day(a["date"]) for a in articles), max(_day(a["date"]) for a in articles)
    changed = {}
    for slug, person in people.items():
        roles = person["roles"]
        if len(roles) == 2:
            old, new = roles
            assert old["org"] == new["org"] and old["title"] != new["title"]
            assert _day(old["to"]) < _day(new["from"]), "no overlap"
            assert first < _day(new["from"]) <= last
            changed[slug] = _day(new["from"])
    assert len(changed) >= 3
    both_sides = [slug for slug, day in changed.items()
                  if {_day(a["date"]) < day for a in articles if slug in a["people"]} == {True, False}]
    assert both_sides, "someone is covered in both roles"


def test_events_form_chains_and_some_are_ongoing_or_ahead(demo: Path) -> None:
    events = _entries(demo, "events")
    articles = list(_articles(demo).values())
    named = {slug for a in articles for slug in a["events"]}
    chains = [slug for slug, e in events.items() if "parent" in e and "parent" in events[e["parent"]]]
    assert len(chains) >= 3, "a conflict holds a summit that holds a bilateral meeting"
    assert set(chains) <= named
    ongoing = [e for e in events.values() if e.get("ongoing")]
    assert len(ongoing) >= 2 and all("end" not in e for e in ongoing)
    assert all(any(e.get("parent") == slug for e in events.values())
               for slug, conflict in events.items() if conflict.get("ongoing"))
    last = max(_day(a["date"]) for a in articles)
    ahead = [slug for slug, e in events.items() if _day(e["start"]) > last and "ahead" in e.get("summary", "")]
    assert len(ahead) >= 2 and set(ahead) <= named, "upcoming events, each named by a recent article"


def test_briefing_notes_and_sections(demo: Path) -> None:
    notes = sorted((demo / "content/briefings").glob("*.md"))
    days = {_day(a["date"]) for a in _articles(demo).values()}
    assert len(notes) >= ARTICLES // 25
    assert {dt.date.fromisoformat(p.stem) for p in notes} <= days
    assert max(dt.date.fromisoformat(p.stem) for p in notes) == max(days), "the home page's briefing has one"
    texts = [p.read_text(encoding="utf-8") for p in notes]
    assert any(t.startswith("---\ntitle: ") for t in texts) and any(not t.startswith("---") for t in texts)
    config = yaml.safe_load((demo / "mkdocs.yml").read_text(encoding="utf-8"))
    sections = config["plugins"][0]["briefgen"]["briefing_sections"]
    assert [s["title"] for s in sections] == ["Diplomacy", "Conflict", "Economy", "Domestic"]
    topics = {p.stem for p in (demo / "content/topics").glob("*.yml")}
    assert {t for s in sections for t in s["topics"]} == topics


def test_the_same_seed_writes_the_same_files(demo: Path, tmp_path: Path) -> None:
    again, other = tmp_path / "again", tmp_path / "other"
    counts = write_demo_desk(again, ARTICLES)
    write_demo_desk(other, ARTICLES, seed=7)

    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    assert files(again) == files(demo)
    assert files(other) != files(demo)
    assert counts["article"] == ARTICLES
    assert counts["source"] == len(list((demo / "content/sources").glob("*.yml")))
    assert counts["briefing"] == len(list((demo / "content/briefings").glob("*.md")))
