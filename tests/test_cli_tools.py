"""The contributor commands: `new`, `schema`, `demo-desk` and `check --changed-since`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import article, person

from briefgen.cli import main


def test_new_person_then_check_then_build(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory({**person(), **article()})
    assert desk.cli("new", "person", "Grace Hopper") == 0
    assert capsys.readouterr().out.strip() == "content/people/grace-hopper.yml"
    text = (desk.root / "content/people/grace-hopper.yml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../../schemas/person.schema.json\n")
    assert (desk.root / "schemas/person.schema.json").is_file(), "the modeline's target exists"
    assert desk.cli("check") == 0
    assert desk.build() == 0
    assert "<h1>Grace Hopper</h1>" in desk.page("people/grace-hopper")


def test_new_refuses_to_overwrite_or_reuse_a_slug(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory({**person(), **article()})
    before = (desk.root / "content/articles/2024/07/a-story.md").read_text()
    assert desk.cli("new", "article", "A story", "--date", "2024-08-01") == 2
    assert "content/articles/2024/07/a-story.md" in capsys.readouterr().err
    assert (desk.root / "content/articles/2024/07/a-story.md").read_text() == before
    assert not (desk.root / "content/articles/2024/08").exists()
    assert desk.cli("new", "article", "Undated") == 2


def test_new_event_takes_its_dates(desk_factory) -> None:
    desk = desk_factory({**person(), **article()})
    assert desk.cli("new", "event", "Astana summit", "--start", "2024-07-03", "--end", "2024-07-04") == 0
    text = (desk.root / "content/events/astana-summit.yml").read_text()
    assert "start: 2024-07-03" in text and "end: 2024-07-04" in text
    assert desk.cli("check") == 0


def test_schema_command_writes_and_checks(tmp_path: Path, desk_factory) -> None:
    desk = desk_factory({**person(), **article()})
    out = tmp_path / "schemas"
    assert desk.cli("schema", "--out", str(out)) == 0
    schema = json.loads((out / "article.schema.json").read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert desk.cli("schema", "--out", str(out), "--check") == 0
    (out / "person.schema.json").write_text("{}\n")
    assert desk.cli("schema", "--out", str(out), "--check") == 1
    assert desk.cli("schema", "--out", str(out)) == 2, "a changed file is not replaced without --force"
    assert desk.cli("schema", "--out", str(out), "--force") == 0


def test_demo_desk_is_deterministic_and_valid(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert main(["demo-desk", "-q", "--articles", "120", "--out", str(one)]) == 0
    assert main(["demo-desk", "-q", "--articles", "120", "--out", str(two)]) == 0
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert len([f for f in files if f.suffix == ".md" and f.parts[1] == "articles"]) == 120
    assert all((one / f).read_bytes() == (two / f).read_bytes() for f in files)
    assert main(["check", "-q", "-f", str(one / "mkdocs.yml")]) == 0
    assert main(["demo-desk", "--articles", "5", "--out", str(one)]) == 2, "never writes into a used folder"


def test_demo_desk_spreads_its_articles_over_the_days_asked(tmp_path: Path, capsys) -> None:
    """`--days` packs the same articles into fewer days (a benchmark keeps the number a day steady so)."""
    out = tmp_path / "dense"
    assert main(["demo-desk", "-q", "--articles", "60", "--days", "6", "--out", str(out)]) == 0
    days = {line.split(": ", 1)[1] for path in (out / "content/articles").rglob("*.md")
            for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("date: ")}
    assert days == {f"'2024-01-0{d}'" for d in range(1, 7)}
    assert main(["check", "-q", "-f", str(out / "mkdocs.yml")]) == 0
    for bad in ("0", "-3", "two"):
        with pytest.raises(SystemExit) as stop:
            main(["demo-desk", "--articles", "5", "--days", bad, "--out", str(tmp_path / f"bad{bad}")])
        assert stop.value.code == 2
        assert "--days" in capsys.readouterr().err
        assert not (tmp_path / f"bad{bad}").exists()


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def test_changed_since_reports_the_change_and_what_it_breaks(desk_factory, capsys) -> None:
    old = {**person(), **person("grace-hopper", "Grace Hopper", "Hopper"),
           **article(people="ada-lovelace, grace-hopper", body="Ada Lovelace and Grace Hopper.")}
    desk = desk_factory(old)
    desk.write("content/topics/backlog.yml", "name: Backlog\nrols: []\n")  # an old problem nobody touches
    _git(desk.root, "init", "-q", "-b", "main")
    _git(desk.root, "-c", "user.name=t", "-c", "user.email=t@example.org", "add", "-A")
    _git(desk.root, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "base")
    (desk.root / "content/people/grace-hopper.yml").unlink()  # still referenced by the old article
    desk.write("content/people/new-person.yml", "name: New Person\nwikidata: 12\n")
    assert desk.cli("check", "--changed-since", "HEAD") == 1
    out = capsys.readouterr().out
    assert "content/people/new-person.yml:2:11: error[bad-value]" in out
    assert "content/articles/2024/07/a-story.md:10:24: error[unknown-ref]: unknown person `grace-hopper`" in out
    assert "backlog.yml" not in out
    assert desk.cli("check") == 1
    assert "content/topics/backlog.yml:2:1: error[unknown-key]" in capsys.readouterr().out
    assert desk.cli("check", "--changed-since", "no-such-ref") == 2


def test_edit_links_open_the_source_file(desk_factory) -> None:
    desk = desk_factory({**person(), **article()})
    desk.write("mkdocs.yml", desk.config.read_text().replace(
        "theme:\n  name: material", "repo_url: https://github.com/desk/briefing\nedit_uri: edit/main/content/\n"
        "theme:\n  name: material\n  features: [content.action.edit]"))
    assert desk.build() == 0
    base = "https://github.com/desk/briefing/edit/main/content/"
    assert f'href="{base}people/ada-lovelace.yml"' in desk.page("people/ada-lovelace")
    assert f'href="{base}articles/2024/07/a-story.md"' in desk.page("articles/a-story")
    assert base not in desk.page("people"), "an index page has no single source file"
