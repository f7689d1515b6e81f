"""`briefgen check`'s cache between runs: an unchanged article is not read again, and what is
reported is always what a run without the cache reports."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest
from conftest import date_back

from briefgen.authoring.demo import write_demo_desk
from briefgen.cli import main
from briefgen.desk.check import check
from briefgen.desk.diagnostics import Diagnostic
from briefgen.desk.project import Project, project_at
from briefgen.speed import checkcache
from briefgen.speed.parallel_check import diagnose


def _desk(root: Path, articles: int = 12) -> Project:
    write_demo_desk(root, articles)
    date_back(root / "content")
    return project_at(root, "content", "templates")


def _uncached(project: Project) -> list[Diagnostic]:
    return check(project).diagnostics


def _only_file(cache_dir: Path) -> Path:
    [file] = cache_dir.glob("check-*.pickle")
    return file


def _load(cache_file: Path) -> tuple[int, str, str, dict[str, tuple], dict[str, tuple]]:
    """The cache file's format, keys, and the entries' and articles' records."""
    version, code_key, registry_key, entries, chunks = pickle.loads(cache_file.read_bytes())
    articles = {rel: record for chunk in chunks for rel, record in pickle.loads(chunk).items()}
    return version, code_key, registry_key, pickle.loads(entries), articles


def _store(cache_file: Path, version: int, code_key: str, registry_key: str,
           entries: dict[str, tuple], articles: dict[str, tuple]) -> None:
    chunks = [pickle.dumps(articles)]
    cache_file.write_bytes(pickle.dumps((version, code_key, registry_key, pickle.dumps(entries), chunks)))


def _plant(cache_file: Path, folder: str) -> str:
    """Add a diagnostic to the record of the first file in `folder`: only a run that reuses it reports it."""
    version, code_key, registry_key, entries, articles = _load(cache_file)
    records = articles if folder == "articles" else entries
    rel = next(rel for rel in sorted(records) if rel.startswith(f"content/{folder}/"))
    stamp, found, rest = records[rel]
    records[rel] = (stamp, (*found, (rel, 3, 1, "warning", "planted", "only the cache knows this", "")), rest)
    _store(cache_file, version, code_key, registry_key, entries, articles)
    return rel


@pytest.mark.parametrize("folder", ["articles", "people"])
def test_an_unchanged_file_is_reported_from_the_cache_until_it_changes(tmp_path: Path, folder: str) -> None:
    project = _desk(tmp_path)
    cache_dir = tmp_path / "cache"
    assert diagnose(project, 1, cache_dir) == _uncached(project)
    rel = _plant(_only_file(cache_dir), folder)
    assert "planted" in {d.code for d in diagnose(project, 1, cache_dir)}
    assert "planted" in {d.code for d in diagnose(project, 2, cache_dir)}, "workers read it too"
    date_back(tmp_path / rel)  # saved again: a new stamp
    assert diagnose(project, 1, cache_dir) == _uncached(project)


def test_an_edited_editors_note_leaves_the_articles_results_kept_but_an_edited_entry_does_not(tmp_path: Path) -> None:
    project = _desk(tmp_path)
    content = tmp_path / "content"
    note = content / "briefings/2030-01-02.md"
    note.parent.mkdir(exist_ok=True)
    note.write_text("A note.\n")
    date_back(note)
    cache_dir = tmp_path / "cache"
    assert diagnose(project, 1, cache_dir) == _uncached(project)
    _plant(_only_file(cache_dir), "articles")
    # Articles are checked against the entities alone: nothing they find depends on a note.
    note.write_text("---\ntitle: Edited\n---\nAn edited note.\n")
    date_back(note)
    for jobs in (1, 2):
        found = diagnose(project, jobs, cache_dir)
        assert "planted" in {d.code for d in found}, "the articles' results are kept"
        assert [d for d in found if d.code != "planted"] == _uncached(project)
    (content / "briefings/2030-01-03.md").write_text("Another note.\n")
    date_back(content / "briefings")
    assert "planted" in {d.code for d in diagnose(project, 1, cache_dir)}, "a note added: still kept"
    person = sorted((content / "people").glob("*.yml"))[0]
    person.write_text(person.read_text() + "# edited\n")
    date_back(person)
    assert diagnose(project, 1, cache_dir) == _uncached(project), "an entry edited: every article read again"


def test_another_version_of_briefgen_reads_every_file_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _desk(tmp_path)
    cache_dir = tmp_path / "cache"
    diagnose(project, 1, cache_dir)
    _plant(_only_file(cache_dir), "articles")
    _plant(_only_file(cache_dir), "people")
    monkeypatch.setattr(checkcache, "__version__", "0.0.0-other")
    assert diagnose(project, 1, cache_dir) == _uncached(project)


def test_every_run_reports_what_a_run_without_the_cache_reports(tmp_path: Path) -> None:
    project = _desk(tmp_path)
    content = tmp_path / "content"
    cache_dir = tmp_path / "cache"
    articles = sorted((content / "articles").rglob("*.md"))
    person = sorted((content / "people").glob("*.yml"))[0]
    name = person.read_text().split("name: ", 1)[1].split("\n", 1)[0]

    def edit(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        date_back(path)

    def rename_note() -> None:
        edit(content / "briefings/2030-01-02.md", "Text.\n")
        (content / "briefings/2030-01-02.md").rename(content / "briefings/next-week.md")

    steps = {
        "first run": lambda: None,
        "an article's title changes":
            lambda: edit(articles[0], articles[0].read_text().replace("title: ", "title: New ", 1)),
        "an article names an event that does not exist":
            lambda: edit(articles[1], articles[1].read_text().replace("events:\n- ", "events:\n- no-such-event\n- ")),
        "an article's YAML breaks":
            lambda: edit(articles[2], articles[2].read_text().replace("title: ", "title: [", 1)),
        "and is mended": lambda: edit(articles[2], articles[2].read_text().replace("title: [", "title: ", 1)),
        # An unchanged article's result depends on the registry: every article's body says "Later, …".
        "a registry entry takes an alias the unchanged articles mention":
            lambda: edit(person, person.read_text().replace("aliases:\n", "aliases:\n- Later\n", 1)),
        "a registry entry names a place that does not exist":
            lambda: edit(person, person.read_text().replace("country: ", "country: nowhere-", 1)),
        "a second entry takes its name": lambda: edit(person.with_name("zz-twin.yml"), f"name: {name}\n"),
        "a registry entry's YAML breaks": lambda: edit(person, person.read_text() + "bio: [\n"),
        "a second file takes an article's slug":
            lambda: edit(content / "articles/2031/01" / articles[3].name, articles[3].read_text()),
        "the first of them is deleted": lambda: articles[3].unlink(),
        "an article is deleted": lambda: articles[4].unlink(),
        "a new article mentions a person it does not list":
            lambda: edit(articles[5].with_name("fresh-story.md"), articles[5].read_text() + f"\n{name} spoke.\n"),
        "an editor's note is written": lambda: edit(content / "briefings/2030-01-02.md", f"{name} spoke.\n"),
        "its front matter breaks": lambda: edit(content / "briefings/2030-01-02.md", "---\ntitle: [\n---\nText.\n"),
        "a note is named after no day": rename_note,
    }
    seen_codes: set[str] = set()
    for step, change in steps.items():
        change()
        for jobs in (1, 2):
            cached = diagnose(project, jobs, cache_dir)
            assert cached == _uncached(project), f"{step}, {jobs} process(es)"
            seen_codes |= {d.code for d in cached}
    expected = {"unknown-ref", "yaml-syntax", "duplicate-slug", "unannotated-mention", "duplicate-alias",
                "bad-briefing-date"}
    assert expected <= seen_codes


def test_a_damaged_or_doctored_cache_is_ignored_and_runs_no_code(tmp_path: Path) -> None:
    project = _desk(tmp_path, 4)
    cache_dir = tmp_path / "cache"
    diagnose(project, 1, cache_dir)
    cache_file = _only_file(cache_dir)
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self) -> tuple[object, ...]:
            return (os.system, (f"touch {marker}",))

    good = pickle.loads(cache_file.read_bytes())
    for doctored in (b"not a pickle", cache_file.read_bytes()[:40], pickle.dumps(Payload()),
                     pickle.dumps((*good[:3], pickle.dumps(Payload()), good[4])),
                     pickle.dumps((*good[:4], [pickle.dumps(Payload())])),
                     pickle.dumps((*good[:4], [pickle.dumps(["not", "a", "dict"])])),
                     pickle.dumps(good[:4]), pickle.dumps((good[0], "another code", *good[2:]))):
        cache_file.write_bytes(doctored)
        assert diagnose(project, 1, cache_dir) == _uncached(project)
        assert not marker.exists()


def test_a_record_of_another_shape_is_read_again(tmp_path: Path) -> None:
    project = _desk(tmp_path, 4)
    cache_dir = tmp_path / "cache"
    diagnose(project, 1, cache_dir)
    cache_file = _only_file(cache_dir)
    version, code_key, registry_key, entries, articles = _load(cache_file)
    for records in (entries, articles):
        for rel, (stamp, _, rest) in records.items():
            records[rel] = (stamp, [("too", "short")], rest)
    _store(cache_file, version, code_key, registry_key, entries, articles)
    assert diagnose(project, 1, cache_dir) == _uncached(project)
    for records in (entries, articles):
        for rel, (stamp, found, _) in records.items():
            records[rel] = (stamp, found, ("not", "a", "record"))
    _store(cache_file, version, code_key, registry_key, entries, articles)
    assert diagnose(project, 1, cache_dir) == _uncached(project)


def test_files_saved_just_now_are_not_kept(tmp_path: Path) -> None:
    write_demo_desk(tmp_path, 4)  # every file saved this second
    project = project_at(tmp_path, "content", "templates")
    cache_dir = tmp_path / "cache"
    diagnose(project, 1, cache_dir)
    assert not cache_dir.exists(), "nothing to keep, so nothing written"
    date_back(tmp_path / "content")
    diagnose(project, 1, cache_dir)
    _, _, _, entries, articles = _load(_only_file(cache_dir))
    written = (tmp_path / "content/articles").rglob("*.md")
    assert sorted(articles) == sorted(str(path.relative_to(tmp_path)) for path in written)
    assert len(entries) == sum(1 for p in (tmp_path / "content").rglob("*.yml"))


def test_check_keeps_its_cache_in_the_user_cache_folder_unless_told_not_to(
        tmp_path: Path, _own_check_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _desk(tmp_path, 4)
    config = str(project.root / "mkdocs.yml")
    assert main(["check", "--no-cache", "-f", config]) == 0
    assert not _own_check_cache.exists()
    uncached = capsys.readouterr()
    assert "unused-entry" in uncached.out
    assert main(["check", "-f", config]) == 0
    assert _only_file(_own_check_cache).stat().st_size > 0
    assert main(["check", "-f", config]) == 0
    assert capsys.readouterr() == (uncached.out * 2, uncached.err * 2), "the same report, without and from the cache"


def test_check_in_ci_keeps_no_cache(tmp_path: Path, _own_check_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _desk(tmp_path, 4)
    monkeypatch.setenv("CI", "true")
    assert main(["check", "-q", "-f", str(project.root / "mkdocs.yml")]) == 0
    assert not _own_check_cache.exists()


def test_a_cache_folder_that_cannot_be_written_is_skipped(tmp_path: Path) -> None:
    project = _desk(tmp_path, 4)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert diagnose(project, 1, blocked / "cache") == _uncached(project)


def test_a_cache_that_cannot_replace_the_last_leaves_no_partial_file(tmp_path: Path) -> None:
    project = _desk(tmp_path, 4)
    cache_dir = tmp_path / "cache"
    diagnose(project, 1, cache_dir)
    cache_file = _only_file(cache_dir)
    cache_file.unlink()
    (cache_file / "in-the-way").mkdir(parents=True)  # a folder where the file goes: the rename fails
    assert diagnose(project, 1, cache_dir) == _uncached(project)
    assert [p.name for p in cache_dir.iterdir()] == [cache_file.name]
