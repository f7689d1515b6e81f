"""Preview rebuilds render only the pages an edit changes, and the result is exactly a fresh build.

A running preview (`briefgen serve`) is driven in-process with real MkDocs: after each edit
it rebuilds in part; a new preview session then builds the same content from nothing. Every
page, feed and API document of the two must be byte-identical, so a dependency the rebuild
rules miss shows up here as a stale page.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import shutil
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from briefgen.authoring.demo import write_demo_desk
from briefgen.cli import main
from briefgen.desk.check import check
from briefgen.desk.diagnostics import Diagnostic
from briefgen.desk.pipeline import run
from briefgen.desk.project import project_at
from briefgen.mkdocs_plugin import BriefgenPlugin
from briefgen.pages import urls
from briefgen.preview.filecache import FileCache
from briefgen.preview.incremental import IncrementalRun
from briefgen.preview.recheck import PreviewChecks
from briefgen.preview.rules import KNOWN_LISTINGS
from briefgen.preview.server import DocsListing, IdleCollector, reused_listings

SERVE_URL = "http://127.0.0.1:8000/"
#: Not refreshed by partial rebuilds on purpose: the search index (rebuilt when the preview
#: restarts) and the sitemap (it lists only the pages MkDocs saw in the rebuild).
NOT_COMPARED = ("pagefind/", "sitemap.xml", "sitemap.xml.gz")


class PreviewSession:
    """A preview of the desk at `root`, as `briefgen serve` runs it: dirty MkDocs builds."""

    def __init__(self, root: Path, site: Path) -> None:
        self.root, self.site = root, site
        config = self._config(site)
        config.plugins.on_startup(command="serve", dirty=True)
        self.plugin: BriefgenPlugin = config.plugins["briefgen"]  # type: ignore[assignment]
        build(config, serve_url=SERVE_URL, dirty=True)

    def _config(self, site: Path) -> Any:
        config = load_config(config_file=str(self.root / "mkdocs.yml"), site_dir=str(site))
        config.site_url = SERVE_URL
        return config

    def rebuild(self) -> int:
        """Rebuild after an edit; returns how many pages were rendered."""
        build(self._config(self.site), serve_url=SERVE_URL, dirty=True)
        site = self.plugin.site
        assert site is not None
        if site.rebuild is None:
            return len(site.specs)
        # The browser reloads without waiting for the feeds and API documents; the next rebuild waits.
        assert site.after_reload is not None
        self.plugin.wait_after_reload()
        return len(site.rebuild)

    @property
    def specs(self) -> dict[str, Any]:
        """The pages of the last build."""
        assert self.plugin.site is not None
        return self.plugin.site.specs

    def fresh_build(self, site: Path) -> None:
        """What a new preview session would serve for the current content (this session carries on)."""
        kept = self.plugin.preview
        try:
            PreviewSession(self.root, site)
        finally:
            self.plugin.preview = kept


def unknown_pages(session: PreviewSession) -> set[str]:
    """The pages of listings the preview has no rule for: every rebuild renders them."""
    return {uri for uri, spec in session.specs.items() if spec.owner is None and spec.listing not in KNOWN_LISTINGS}


def site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and not p.relative_to(site).as_posix().startswith(NOT_COMPARED)}


def assert_same_site(partial: Path, fresh: Path, step: str) -> None:
    a, b = site_files(partial), site_files(fresh)
    assert sorted(a.keys() - b.keys()) == [], f"{step}: stale files left in the preview"
    assert sorted(b.keys() - a.keys()) == [], f"{step}: files missing from the preview"
    stale = [name for name in sorted(a) if a[name] != b[name]]
    assert stale == [], f"{step}: pages the rebuild did not refresh: {stale[:10]}"


def front(path: Path, change: Callable[[dict[str, Any]], None], body: Callable[[str], str] = lambda b: b) -> None:
    """Edit an article's front matter (and body) the way an editor would: rewrite the file."""
    _, head, text = path.read_text(encoding="utf-8").split("---\n", 2)
    data = yaml.safe_load(head)
    change(data)
    path.write_text(f"---\n{yaml.safe_dump(data, sort_keys=False, allow_unicode=True)}---\n{body(text)}",
                    encoding="utf-8")


def entry(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def configure(root: Path, *, plugins: tuple[str, ...] = (), **options: object) -> None:
    """Set options of the briefgen plugin in the desk's mkdocs.yml, and add `plugins` after it."""

    def change(config: dict[str, Any]) -> None:
        listed = config["plugins"]
        at = next(n for n, p in enumerate(listed) if p == "briefgen" or (isinstance(p, dict) and "briefgen" in p))
        own = listed[at]["briefgen"] if isinstance(listed[at], dict) else None
        listed[at] = {"briefgen": {**(own or {}), **options}}
        listed[at + 1:at + 1] = list(plugins)

    entry(root / "mkdocs.yml", change)


@pytest.fixture
def listing() -> Iterator[DocsListing]:
    """MkDocs lists `docs_dir` as in `briefgen serve` for the whole test."""
    with reused_listings() as kept:
        yield kept


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("preview") / "desk"
    write_demo_desk(root, 30)
    # Three items a page: coverage lists and indexes span several pages, so paging is exercised.
    configure(root, page_size=3)
    return root


@pytest.fixture
def demo(pristine: Path, tmp_path: Path) -> Path:
    """A 30-article demo desk of the test's own, to edit."""
    return Path(shutil.copytree(pristine, tmp_path / "desk"))


def test_each_edit_rebuilds_a_few_pages_and_matches_a_fresh_preview(demo: Path, tmp_path: Path,
                                                                    listing: DocsListing) -> None:
    content = demo / "content"
    story = {p.stem: p for p in (content / "articles").rglob("*.md")}
    session = PreviewSession(demo, tmp_path / "preview")
    total = len(session.specs)

    def add_person(data: dict[str, Any], slug: str) -> None:
        data["people"] = [*data.get("people", []), slug]

    def move(slug: str, date: str) -> None:
        front(story[slug], lambda d: d.update(date=date))
        target = content / "articles" / date[:4] / date[5:7] / f"{slug}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        story[slug] = story[slug].rename(target)

    def retitle(slug: str, title: str) -> None:
        front(story[slug], lambda d: d.update(title=title))

    def new_story() -> None:
        target = content / "articles/2026/01/story-new.md"
        target.parent.mkdir(parents=True)
        shutil.copy(story["story-3"], target)
        front(target, lambda d: d.update(title="A new story", date="2026-01-05"))
        story["story-new"] = target

    def drop_person(data: dict[str, Any], slug: str) -> None:
        data["people"] = [p for p in data["people"] if p != slug]
        data["quotes"] = [q for q in data.get("quotes", []) if q["by"] != slug]

    def add_picture() -> None:
        (content / "images").mkdir()
        (content / "images/map.png").write_bytes(b"\x89PNG\r\n\x1a\n")

    def date_of(slug: str) -> str:
        return str(yaml.safe_load(story[slug].read_text(encoding="utf-8").split("---\n")[1])["date"])[:10]

    def day_after(day: str) -> str:
        """The next day, or the one before at a month's end: the article stays in its month's folder."""
        moved = dt.date.fromisoformat(day) + dt.timedelta(days=1)
        return str(moved if moved.month == int(day[5:7]) else moved - dt.timedelta(days=2))

    notes: dict[str, Path] = {}

    def write_note(name: str, day: str, text: str) -> None:
        notes[name] = content / "briefings" / f"{day}.md"
        assert not notes[name].exists(), "a new note, not the demo desk's"
        notes[name].parent.mkdir(exist_ok=True)
        notes[name].write_text(text, encoding="utf-8")

    def newest_article() -> None:  # on the event alone: its date is the desk's new date, the event's second day
        target = content / "articles/2026/02/story-newest.md"
        target.parent.mkdir(parents=True)
        target.write_text("---\ntitle: The summit opens\ndate: '2026-02-02'\nsource: {name: Wire, url: "
                          "'https://wire.example/n'}\nsummary: It opened.\nkey_points: [Delegations arrived.]\n"
                          "events: [event-0]\n---\nThe delegations arrived.\n", encoding="utf-8")
        story["story-newest"] = target

    def draw_from(data: dict[str, Any], point: int) -> None:
        data["source"] = {"outlet": "preview-wire", "url": "https://preview-wire.example/3"}
        data["key_points"][point] = {"text": "Sourced apart.", "source": "preview-wire"}

    icon = b"\x89PNG\r\n\x1a\n desk's own icon"

    def override_favicon() -> None:  # a docs file of the theme's name wins over the theme's (as in MkDocs)
        (content / "assets/images").mkdir(parents=True)
        (content / "assets/images/favicon.png").write_bytes(icon)

    def add_theme_folder() -> None:
        (demo / "overrides/assets").mkdir(parents=True)
        (demo / "overrides/assets/desk.css").write_text("body { margin: 0 }\n")
        config = demo / "mkdocs.yml"
        theme = "  name: material\n"
        config.write_text(config.read_text().replace(theme, theme + "  custom_dir: overrides\n"))

    # A name in bodies reaches many pages of a 30-article desk; other edits stay under half the site.
    reaches_far = {"rename a person", "give a topic an alias used in bodies",
                   "give a person an alias another person has"}
    # These add, move or remove files: MkDocs must list `docs_dir` again (a picture must be copied).
    new_names = {"move an article to another month", "add an article in a new month", "delete an article",
                 "add a picture", "override the theme's icon", "fill a day past one page",
                 "take a brief off the day: one page again"}
    # These change the theme's folders: MkDocs must list the theme's files again.
    new_theme = {"give the theme a folder of overrides", "add a file to the theme's folder"}
    # Files only MkDocs copies: no page changes.
    copied_only = {"add a picture", "override the theme's icon", "add a file to the theme's folder"}
    edits: list[tuple[str, Callable[[], None]]] = [
        ("retitle an article", lambda: front(story["story-3"], lambda d: d.update(title="Talks stall"))),
        ("rewrite a body", lambda: front(story["story-3"], lambda d: None, lambda b: b.replace("talks", "meetings"))),
        ("reword a quote", lambda: front(story["story-3"], lambda d: d["quotes"][0].update(text="We meet again."))),
        ("annotate one more person", lambda: front(story["story-3"], lambda d: add_person(d, "maryo-febelca"))),
        ("drop a person", lambda: front(story["story-3"], lambda d: drop_person(d, "caque-loostor"))),
        ("move an article to another month", lambda: move("story-5", "2024-09-30")),
        ("add an article in a new month", new_story),
        ("delete an article", lambda: story.pop("story-8").unlink()),
        ("add a picture", add_picture),
        ("rename a person", lambda: entry(content / "people/venlin-elishabri.yml",
                                          lambda d: d.update(name="Venlin Elishabri-Marr"))),
        ("give a topic an alias used in bodies", lambda: entry(content / "topics/topic-1.yml",
                                                               lambda d: d.update(aliases=["Critics"]))),
        # A shared alias: each article's mention of it now means the one of the two it annotates, or none.
        ("give a person an alias another person has",
         lambda: entry(content / "people/maryo-febelca.yml", lambda d: d.update(aliases=["Febelca", "Elishabri"]))),
        ("change a person's role", lambda: entry(content / "people/caque-loostor.yml",
                                                 lambda d: d["roles"][0].update(title="Prime Minister"))),
        ("regroup an event", lambda: entry(content / "events/event-0.yml", lambda d: d.update(
            parent="event-1", place="place-2", participants=["maryo-febelca", "venmi-linostca"]))),
        ("make an article a draft", lambda: front(story["story-4"], lambda d: d.update(status="draft"))),
        ("delete an event's only article reference", lambda: front(story["story-new"], lambda d: d.pop("events"))),
        # The daily briefings: a day's page, the days around it and the archive.
        ("write an editor's note", lambda: write_note("day", date_of("story-12"), "Talks on the day.\n")),
        ("edit the editor's note", lambda: notes["day"].write_text("Venlin Elishabri and Caque Loostor met.\n")),
        ("retitle the editor's note", lambda: notes["day"].write_text(
            "---\ntitle: What to watch\n---\nVenlin Elishabri and Caque Loostor met.\n")),
        ("write a note for a day without articles", lambda: write_note("quiet", "2023-06-01", "A quiet day.\n")),
        ("delete the editor's note", lambda: notes.pop("day").unlink()),
        ("delete the note of a day without articles", lambda: notes.pop("quiet").unlink()),
        ("move an article to another day", lambda: front(story["story-12"], lambda d: d.update(
            date=day_after(date_of("story-12"))))),
        ("move an article onto another article's day", lambda: move("story-13", date_of("story-12"))),
        # Three briefs a page (page_size 3): the day gets a second page, which changes, then goes.
        ("fill a day past one page", lambda: [move(slug, date_of("story-12")) for slug in ("story-14", "story-15")]),
        ("retitle the briefs of the day", lambda: [retitle(slug, f"Day brief {slug}")
                                                   for slug in ("story-12", "story-13", "story-14", "story-15")]),
        ("take a brief off the day: one page again", lambda: move("story-15", date_of("story-3"))),
        # Salience: related coverage, about-first coverage lists, the main event of a story.
        ("make an article about an entry", lambda: front(story["story-3"], lambda d: d.update(
            about=[d["events"][0]]))),
        ("make it about another entry", lambda: front(story["story-3"], lambda d: d.update(
            about=[d["people"][0]]))),
        ("make it about a second event: another story", lambda: front(story["story-3"], lambda d: d.update(
            events=[*d["events"], *(["event-2"] if "event-2" not in d["events"] else [])], about=["event-2"]))),
        # Roles on the day: the role shown beside her changes on 1 July 2024.
        ("date a person's roles", lambda: entry(content / "people/caque-loostor.yml", lambda d: d.update(roles=[
            {"title": "Defence Minister", "from": "2020-01-01", "to": "2024-06-30"},
            {"title": "Foreign Minister", "from": "2024-07-01"}]))),
        # Event dates: their order on pages and their status, which follows the newest article's date.
        # Every page of an entry's coverage has its summary in its head.
        ("reword an event's summary", lambda: entry(content / "events/event-1.yml", lambda d: d.update(
            summary="A fictional summit, in other words."))),
        ("move an event's dates", lambda: entry(content / "events/event-1.yml", lambda d: d.update(
            start="2024-01-02", end="2024-01-03"))),
        ("schedule an event after the newest article", lambda: entry(content / "events/event-0.yml",
                                                                     lambda d: d.update(start="2026-02-01",
                                                                                        end="2026-02-03"))),
        ("a newer article makes the event ongoing", newest_article),
        ("delete the newest article", lambda: story.pop("story-newest").unlink()),
        # Parent chains: event-0 ⊂ event-1 ⊂ event-2, then event-1 on its own again.
        ("put an event under another", lambda: entry(content / "events/event-1.yml", lambda d: d.update(
            parent="event-2"))),
        ("take the event out again", lambda: entry(content / "events/event-1.yml", lambda d: d.pop("parent"))),
        # Sources: an outlet's entry, articles drawn from it, a key point's own source, a new name.
        ("add a source", lambda: (content / "sources/preview-wire.yml").write_text(
            "name: Preview Wire\nkind: agency\nurl: https://preview-wire.example/\n", encoding="utf-8")),
        ("draw an article from the source", lambda: front(story["story-3"], lambda d: draw_from(d, 1))),
        ("source another article's key point", lambda: front(story["story-12"], lambda d: d["key_points"].__setitem__(
            0, {"text": "Sourced apart.", "source": "preview-wire"}))),
        ("rename the source", lambda: entry(content / "sources/preview-wire.yml", lambda d: d.update(
            name="Preview Wire Service"))),
        ("update and correct an article", lambda: front(story["story-3"], lambda d: d.update(
            updated=day_after(date_of("story-3")), corrections=[{"date": day_after(date_of("story-3")),
                                                                 "text": "An earlier version misdated the talks."}]))),
        ("reword a key point", lambda: front(story["story-3"], lambda d: d["key_points"].__setitem__(
            0, "Talks go on."))),
        ("override the theme's icon", override_favicon),
        ("give the theme a folder of overrides", add_theme_folder),
        ("add a file to the theme's folder", lambda: (demo / "overrides/assets/more.css").write_text("p {}\n")),
    ]
    # The articles whose model object each edit replaces: only their pages are made anew (`SiteRenderer.pages`).
    remade = {"retitle an article": {"story-3"}, "rewrite a body": {"story-3"}, "reword a quote": {"story-3"},
              "annotate one more person": {"story-3"},
              "drop a person": {"story-3"}, "move an article to another month": {"story-5"},
              "add an article in a new month": {"story-new"}, "make an article a draft": {"story-4"},
              "delete an event's only article reference": {"story-new"},
              "move an article to another day": {"story-12"},
              "move an article onto another article's day": {"story-13"},
              "fill a day past one page": {"story-14", "story-15"},
              "retitle the briefs of the day": {"story-12", "story-13", "story-14", "story-15"},
              "take a brief off the day: one page again": {"story-15"},
              "make an article about an entry": {"story-3"}, "make it about another entry": {"story-3"},
              "make it about a second event: another story": {"story-3"},
              "a newer article makes the event ongoing": {"story-newest"},
              "draw an article from the source": {"story-3"}, "source another article's key point": {"story-12"},
              "update and correct an article": {"story-3"}, "reword a key point": {"story-3"}}
    before = session.specs
    for step, edit in edits:
        names = sorted(content.rglob("*"))
        edit()
        relisted = step in new_names or sorted(content.rglob("*")) != names  # (a file added or removed)
        reused, reused_theme = listing.reused, listing.reused_theme
        rendered = session.rebuild()
        made = {spec.owner for uri, spec in session.specs.items() if spec.owner and before.get(uri) is not spec}
        assert {key[1] for key in made if key[0] == "article"} == remade.get(step, set()), f"{step}: article pages"
        made_entities = {key for key in made if key[0] != "article"}
        if step == "retitle an article":  # in every coverage list of the entities the article covers
            assert session.plugin.site is not None
            covered = next(a for a in session.plugin.site.renderer.desk.articles if a.slug == "story-3").covers()
            assert made_entities == set(covered), f"{step}: entity pages"
        if step == "rename a person":
            assert made_entities == {("person", "venlin-elishabri")}, f"{step}: entity pages"
        if step.startswith(("fill a day", "take a brief off")):
            second = f"briefings/{date_of('story-12')}/page/2.md"
            assert (second in session.specs) == step.startswith("fill"), f"{step}: the day's second page"
        if step in copied_only:  # (but for pages of a kind the rules do not know, if any)
            assert session.plugin.site is not None and session.plugin.site.rebuild == unknown_pages(session), \
                f"{step}: no page changes, only MkDocs copies the file"
        elif step == "give the theme a folder of overrides":
            assert rendered == len(session.specs), "mkdocs.yml changed: every page is rendered again"
        else:
            assert 0 < rendered < (total if step in reaches_far else total / 2), f"{step}: {rendered} of {total} pages"
        assert listing.reused == reused + (not relisted), f"{step}: MkDocs' list of files reused?"
        assert listing.reused_theme == reused_theme + (step not in new_theme), f"{step}: list of theme files reused?"
        before = session.specs  # (the fresh build goes through the same plugin)
        session.fresh_build(tmp_path / step)
        assert_same_site(session.site, tmp_path / step, step)
    assert (session.site / "assets/images/favicon.png").read_bytes() == icon
    assert (session.site / "assets/more.css").is_file()


def test_edits_that_move_related_coverage_in_long_lists_match_a_fresh_preview(tmp_path: Path,
                                                                            listing: DocsListing) -> None:
    # Coverage lists longer than the window related coverage looks through (`desk.related.WINDOW`):
    # an article's relations reach only the articles near it, but a list's length weighs every score.
    root = tmp_path / "desk"
    write_demo_desk(root, 150)
    content = root / "content"
    story = {p.stem: p for p in (content / "articles").rglob("*.md")}
    session = PreviewSession(root, tmp_path / "preview")

    def year_back(slug: str) -> None:
        day = str(yaml.safe_load(story[slug].read_text(encoding="utf-8").split("---\n")[1])["date"])[:10]
        earlier = f"{int(day[:4]) - 1}{day[4:]}"
        front(story[slug], lambda d: d.update(date=earlier))
        target = content / "articles" / earlier[:4] / earlier[5:7] / f"{slug}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        story[slug] = story[slug].rename(target)

    def add() -> None:
        target = story["story-70"].with_name("story-extra.md")
        shutil.copy(story["story-70"], target)
        front(target, lambda d: d.update(title="One more"))

    edits: list[tuple[str, Callable[[], None]]] = [
        ("move an article a year back", lambda: year_back("story-120")),
        ("make an article about its first entry", lambda: front(story["story-75"], lambda d: d.update(
            about=[d["people"][0]]))),
        ("add an article beside another", add),
        ("drop an entry from an article", lambda: front(story["story-40"], lambda d: d.update(
            places=d["places"][1:]) if len(d.get("places", [])) > 1 else d.pop("places", None))),
        ("delete an article", lambda: story.pop("story-90").unlink()),
    ]
    for step, edit in edits:
        edit()
        assert session.rebuild() < len(session.specs) / 2, step
        session.fresh_build(tmp_path / step)
        assert_same_site(session.site, tmp_path / step, step)


def _story_desk(root: Path) -> None:
    """Two articles on a summit, and seven on the same three people: closer kin than the summit's."""

    def article(slug: str, day: str, events: str, people: str) -> str:
        return (f"---\ntitle: {slug}\ndate: '{day}'\nsource: {{name: Wire, url: 'https://wire.example/{slug}'}}\n"
                f"summary: S.\nkey_points: [P.]\nevents: [{events}]\npeople: [{people}]\n---\nText.\n")

    files = {f"content/people/p{n}.yml": f"name: Person Number{n}\n" for n in range(1, 4)}
    files["content/events/summit.yml"] = "name: The Summit\nstart: '2024-03-01'\nend: '2024-03-20'\n"
    files["content/articles/2024/03/thread-a.md"] = article("thread-a", "2024-03-01", "summit", "p1, p2, p3")
    files["content/articles/2024/03/thread-b.md"] = article("thread-b", "2024-03-10", "summit", "p1, p2, p3")
    for n in range(7):
        files[f"content/articles/2024/03/kin-{n}.md"] = article(f"kin-{n}", "2024-03-01", "", "p1, p2, p3")
    (root / "content").mkdir(parents=True)
    (root / "mkdocs.yml").write_text("site_name: Stories\nsite_url: https://stories.example/\ndocs_dir: content\n"
                                     "theme:\n  name: material\nplugins:\n  - briefgen\n", encoding="utf-8")
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


def test_an_article_between_two_of_a_story_renders_both_with_their_new_previous_and_next(tmp_path: Path) -> None:
    # The new article is too far from the others to be among their related articles, and they did not
    # show it: only the story's thread says their pages change.
    root = tmp_path / "desk"
    _story_desk(root)
    session = PreviewSession(root, tmp_path / "preview")
    (root / "content/articles/2024/03/thread-x.md").write_text(
        "---\ntitle: thread-x\ndate: '2024-03-05'\nsource: {name: Wire, url: 'https://wire.example/x'}\n"
        "summary: S.\nkey_points: [P.]\nevents: [summit]\n---\nText.\n", encoding="utf-8")
    session.rebuild()
    assert session.plugin.site is not None and session.plugin.site.rebuild is not None
    assert {"articles/thread-a.md", "articles/thread-b.md"} <= session.plugin.site.rebuild
    for slug in ("thread-a", "thread-b"):
        assert "../thread-x/" in (session.site / f"articles/{slug}/index.html").read_text(encoding="utf-8")
    session.fresh_build(tmp_path / "fresh")
    assert_same_site(session.site, tmp_path / "fresh", "an article put between two of a story")


def test_a_key_point_edit_renders_its_article_its_day_and_the_pages_that_showed_it(tmp_path: Path,
                                                                                    listing: DocsListing) -> None:
    # The edit the benchmark times: it moves no relation, so no list around the article moves.
    root = tmp_path / "desk"
    write_demo_desk(root, 120)
    session = PreviewSession(root, tmp_path / "preview")
    assert session.plugin.preview is not None and session.plugin.preview.last is not None
    reads = dict(session.plugin.preview.last.reads)
    path = next((root / "content/articles").rglob("story-60.md"))
    index = session.plugin.site.renderer.index  # type: ignore[union-attr]
    article = next(a for a in index.desk.articles if a.slug == "story-60")
    front(path, lambda d: d["key_points"].__setitem__(0, "A point put another way."))
    rendered = session.rebuild()
    assert session.plugin.site is not None and session.plugin.site.rebuild is not None
    # The pages an entry's feed and document go with: those of the entries it covers (an event's with
    # its parents', which roll its coverage up) and of the sources its key points cite.
    events = [index.desk.entity(key) for key in article.covers() if key[0] == "event"]
    owners = {*article.covers(), *article.cited_sources(), *(a.key for e in events for a in index.ancestors(e))}
    expected = {urls.entity_uri("article", "story-60"), urls.briefing_uri(article.date), urls.HOME,
                *unknown_pages(session)}
    expected |= {urls.entity_uri(*key) for key in owners}
    expected |= {uri for uri, read in reads.items() if article.key in read}  # related, story, lists
    assert session.plugin.site.rebuild == expected
    assert rendered < len(session.specs) / 15, f"{rendered} of {len(session.specs)} pages"
    session.fresh_build(tmp_path / "fresh")
    assert_same_site(session.site, tmp_path / "fresh", "a key point reworded")


class _Cycle:
    pass


def _cyclic_garbage() -> weakref.ref[_Cycle]:
    """An object only the cyclic collector can free: a weak reference tells when it has."""
    cycle = _Cycle()
    cycle.me = cycle  # type: ignore[attr-defined]
    return weakref.ref(cycle)


def test_garbage_is_collected_in_the_pause_after_a_rebuild_and_never_piles_up() -> None:
    collector = IdleCollector(pause=0.2, patience=3)
    try:
        collector.before_build()
        assert not gc.isenabled(), "rebuilds run without the cyclic collector"
        garbage = _cyclic_garbage()
        collector.after_build()
        assert garbage() is not None
        deadline = time.monotonic() + 10
        while (garbage() is not None or not gc.isenabled()) and time.monotonic() < deadline:
            time.sleep(0.05)  # the collection runs in another thread
        assert garbage() is None, "collected in the pause after the rebuild"
        assert gc.isenabled()
    finally:
        collector.stop()
    # Saves always less than a pause apart: at most `patience` rebuilds' garbage waits.
    collector = IdleCollector(pause=3600, patience=3)
    try:
        kept = []
        for _ in range(3):
            collector.before_build()
            kept.append(_cyclic_garbage())
            collector.after_build()
        assert all(ref() is not None for ref in kept)
        collector.before_build()
        assert all(ref() is None for ref in kept), "the fourth rebuild collects first"
        assert not gc.isenabled()
    finally:
        collector.stop()
    assert gc.isenabled()


def test_broken_content_keeps_the_preview_and_the_fix_catches_up(demo: Path, tmp_path: Path) -> None:
    story = next((demo / "content/articles").rglob("story-12.md"))
    session = PreviewSession(demo, tmp_path / "preview")
    before = site_files(session.site)
    people = yaml.safe_load(story.read_text().split("---\n")[1])["people"]
    front(story, lambda d: d.update(title="Half-way edit", people=[*people, "no-such-person"]))
    with pytest.raises(Abort):
        session.rebuild()
    assert site_files(session.site) == before, "a failed rebuild leaves the preview as it was"
    front(story, lambda d: d.update(people=people))
    session.rebuild()
    session.fresh_build(tmp_path / "fresh")
    assert_same_site(session.site, tmp_path / "fresh", "after the fix")
    assert "Half-way edit" in (session.site / "articles/story-12/index.html").read_text()


def test_template_and_config_edits_rebuild_every_page(demo: Path, tmp_path: Path) -> None:
    session = PreviewSession(demo, tmp_path / "preview")
    total = len(session.specs)
    (demo / "templates").mkdir(exist_ok=True)
    (demo / "templates/person.html").write_text("<h1>{{ name }}</h1><p>Desk template</p>\n")
    assert session.rebuild() == total
    assert "Desk template" in (session.site / "people/caque-loostor/index.html").read_text()
    config = demo / "mkdocs.yml"
    config.write_text(config.read_text().replace("page_size: 3", "page_size: 4"))
    assert session.rebuild() == len(session.specs)
    session.fresh_build(tmp_path / "fresh")
    assert_same_site(session.site, tmp_path / "fresh", "after template and config edits")
    assert session.rebuild() == 0, "nothing changed: nothing to render"


def test_with_material_search_every_rebuild_renders_every_page(demo: Path, tmp_path: Path) -> None:
    configure(demo, plugins=("search",), search_engine="material")
    session = PreviewSession(demo, tmp_path / "preview")
    front(next((demo / "content/articles").rglob("story-3.md")), lambda d: d.update(title="Searchable"))
    assert session.rebuild() == len(session.specs), "the theme's search index needs every page"
    assert "Searchable" in (session.site / "search/search_index.json").read_text()


def test_a_rebuild_repeats_errors_but_only_the_edited_files_warnings(demo: Path, tmp_path: Path,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="mkdocs.plugins.briefgen")
    absent = "\nMaryo Febelca was not there.\n"
    unlisted = [p for p in sorted((demo / "content/articles").rglob("*.md")) if "maryo-febelca" not in p.read_text()]
    other, story = unlisted[:2]  # two articles that do not list her
    front(other, lambda d: None, lambda body: body + absent)
    session = PreviewSession(demo, tmp_path / "preview")
    other_rel = other.relative_to(demo).as_posix()
    first = [r.getMessage() for r in caplog.records if "warning[" in r.getMessage()]
    assert any(m.startswith(other_rel + ":") for m in first), "the first build lists every warning"
    caplog.clear()
    front(story, lambda d: None, lambda body: body + absent)
    session.rebuild()
    warnings = [r.getMessage() for r in caplog.records if "warning[" in r.getMessage()]
    assert warnings and all(m.startswith(story.relative_to(demo).as_posix() + ":") for m in warnings), warnings
    assert any("warning[unannotated-mention]" in m and "maryo-febelca" in m for m in warnings)
    assert any("1 more warning(s) in unchanged files" in r.getMessage() for r in caplog.records)


def test_feeds_written_after_the_reload_report_a_failure_and_the_next_rebuild_redoes_everything(
        demo: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    story = next((demo / "content/articles").rglob("story-3.md"))
    session = PreviewSession(demo, tmp_path / "preview")
    shutil.rmtree(session.site / "api")
    (session.site / "api").write_text("a file where the API folder goes\n")  # every API write now fails
    front(story, lambda d: d.update(title="Talks stall"))
    with caplog.at_level(logging.ERROR, logger="mkdocs.plugins.briefgen"):
        assert session.rebuild() < len(session.specs)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert [m.split(": ")[:2] for m in errors] == [["briefgen", "writing feed and API files failed"]]
    (session.site / "api").unlink()
    front(story, lambda d: d.update(title="Talks resume"))
    assert session.rebuild() == len(session.specs), "after a failed write, everything is written again"
    session.fresh_build(tmp_path / "fresh")
    assert_same_site(session.site, tmp_path / "fresh", "after a failed write")


def test_deleting_an_entry_fails_the_rebuild_in_the_unchanged_articles_that_name_it(
        demo: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    session = PreviewSession(demo, tmp_path / "preview")
    naming = sorted(p.relative_to(demo).as_posix() for p in (demo / "content/articles").rglob("*.md")
                    if "- caque-loostor" in p.read_text())
    assert naming, "the demo desk's articles name her"
    (demo / "content/people/caque-loostor.yml").unlink()
    with caplog.at_level(logging.ERROR, logger="mkdocs.plugins.briefgen"), pytest.raises(Abort):
        session.rebuild()
    unknown = sorted({m.split(":")[0] for r in caplog.records if "error[unknown-ref]" in (m := r.getMessage())})
    assert [path for path in unknown if path.startswith("content/articles/")] == naming


def test_a_build_after_a_preview_in_the_same_process_builds_everything_without_drafts(demo: Path,
                                                                                       tmp_path: Path) -> None:
    # MkDocs keeps one briefgen plugin per process: the build must not inherit the preview's state
    # (with the preview's address as its own, the build would otherwise render only the edited pages).
    config = demo / "mkdocs.yml"
    config.write_text(config.read_text().replace("site_url: https://demo.example/", f"site_url: {SERVE_URL}"))
    assert f"site_url: {SERVE_URL}" in config.read_text()
    front(next((demo / "content/articles").rglob("story-4.md")), lambda d: d.update(status="draft"))
    session = PreviewSession(demo, tmp_path / "preview")
    assert (session.site / "articles/story-4/index.html").is_file(), "the preview shows drafts"
    front(next((demo / "content/articles").rglob("story-3.md")), lambda d: d.update(title="Talks stall"))
    assert session.rebuild() < len(session.specs)
    site = tmp_path / "site"
    assert main(["build", "-q", "-f", str(demo / "mkdocs.yml"), "--site-dir", str(site)]) == 0
    assert not (site / "articles/story-4").exists(), "a build leaves drafts out"
    assert "Talks stall" in (site / "articles/story-3/index.html").read_text()
    assert (site / "pagefind/pagefind.js").is_file(), "a build indexes every page for search"
    assert len(list(site.rglob("index.html"))) == len(session.specs), "every page"


def _relations(table: dict[Any, list[Any]]) -> dict[Any, list[Any]]:
    return {key: items for key, items in table.items() if items}


def test_an_edit_that_moves_no_relation_patches_the_last_index_into_what_a_fresh_one_holds(demo: Path) -> None:
    project = project_at(demo, "content", "templates")
    preview = IncrementalRun()
    first = preview.run(project, drafts=True, previous=None).index
    assert first is not None
    story = next((demo / "content/articles").rglob("story-3.md"))
    before = next(a for a in first.desk.articles if a.slug == "story-3")
    assert first.mention_sentence(before, ("person", "venlin-elishabri")) == \
        "Venlin Elishabri spoke about Shalo Summit 2024 on 14 March."  # worked out, and kept by the index
    counted = first.together(("event", "event-1"))  # likewise
    front(story, lambda d: d["quotes"][0].update(text="We will meet again."),
          lambda b: b.replace("spoke about", "talked about"))
    patched = preview.run(project, drafts=True, previous=first).index
    fresh = run(project, drafts=True).index
    assert patched is not None and fresh is not None
    for name in ("coverage", "quotes", "children", "events_of", "people_of", "cited"):
        assert _relations(getattr(patched, name)) == _relations(getattr(fresh, name)), name
    edited = next(a for a in patched.desk.articles if a.slug == "story-3")
    assert edited.quotes[0].text == "We will meet again."
    assert patched.mention_sentence(edited, ("person", "venlin-elishabri")) == \
        "Venlin Elishabri talked about Shalo Summit 2024 on 14 March."
    # The edit covers the same entities: the counts stand, kept rather than counted again.
    assert patched.together_memo[("event", "event-1")][0] is counted == fresh.together(("event", "event-1"))
    # Patched rather than computed again: lists the edit leaves alone are the last index's own.
    alone = [key for key in first.coverage if key not in edited.covers()]
    assert alone and all(patched.coverage[key] is first.coverage[key] for key in alone)
    # Annotating one more entity moves relations: everything is computed afresh.
    front(story, lambda d: d.update(people=[*d["people"], "maryo-febelca"]))
    again = preview.run(project, drafts=True, previous=patched).index
    assert again is not None and not any(again.coverage[key] is patched.coverage[key] for key in alone)
    assert _relations(again.coverage) == _relations(run(project, drafts=True).index.coverage)  # type: ignore[union-attr]


class _AskedCache(FileCache):
    """The preview's cache, noting which files a run asked it about."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, stage: str, path: str, *args: Any, **kwargs: Any) -> Any:
        self.asked.add(path)
        return super().get(stage, path, *args, **kwargs)


def test_the_preview_checks_only_the_edited_articles_again_and_finds_what_a_full_check_finds(demo: Path) -> None:
    project = project_at(demo, "content", "templates")
    cache = _AskedCache()
    checks = PreviewChecks(cache)
    articles = sorted((demo / "content/articles").rglob("*.md"))
    story, other = articles[3], articles[7]
    rel = story.relative_to(demo).as_posix()

    def entries() -> set[Path]:
        """Every file but the articles: entries and editors' notes."""
        return {p for p in (demo / "content").rglob("*") if p.is_file() and p.suffix in (".yml", ".md")} - {
            p for p in (demo / "content/articles").rglob("*")}

    def compare(step: str, only: set[Path] | None) -> list[Diagnostic]:
        """Check with the cache, as the preview does, and afresh; with `only`, the files the cache was asked about."""
        cache.asked = set()
        cache.start_run()
        checked = check(project, checks)
        cache.end_run()
        diagnostics, valid = checked.diagnostics, checked.valid
        fresh = check(project)
        fresh_diagnostics, fresh_valid = fresh.diagnostics, fresh.valid
        assert diagnostics == fresh_diagnostics, step
        assert valid == fresh_valid, step  # the same files, in the same order, with the same values
        if only is not None:  # "": the registry, kept while its entries are the same
            assert cache.asked - {""} == {p.relative_to(demo).as_posix() for p in only}, step
        return diagnostics

    compare("first run", None)
    front(story, lambda d: d.update(title="Talks stall"))
    compare("retitled", {story})
    front(story, lambda d: d.update(people=[*d["people"], "lavrov"]))
    [unknown] = compare("an unknown person", {story})
    assert (unknown.path, unknown.code) == (rel, "unknown-ref")
    front(story, lambda d: d.update(people=d["people"][:-1]))
    assert compare("fixed", {story}) == []
    text = story.read_text(encoding="utf-8")
    story.write_text(text.replace("title:", "title: [", 1), encoding="utf-8")
    [broken] = compare("broken YAML: the article is no longer valid", {story})
    assert (broken.path, broken.code) == (rel, "yaml-syntax")
    story.write_text(text, encoding="utf-8")
    assert compare("valid again, back in its place", {story}) == []
    front(story, lambda d: None, lambda body: body + "\nMaryo Febelca was not there.\n")
    front(other, lambda d: d.update(summary="Two at once."))
    [mention] = compare("two articles at once, one naming someone it does not list", {story, other})
    assert (mention.path, mention.code) == (rel, "unannotated-mention")
    assert compare("nothing changed", set()) == [mention]

    # An editor's note is checked on its own and names nothing: an edit to one is checked like an article's.
    day = str(yaml.safe_load(story.read_text(encoding="utf-8").split("---\n")[1])["date"])[:10]
    note = demo / "content/briefings" / f"{day}.md"
    note_rel = note.relative_to(demo).as_posix()
    note.parent.mkdir(exist_ok=True)
    note.write_text("The talks went on.\n", encoding="utf-8")
    compare("a note written", None)
    note.write_text("---\ntitle: On the talks\n---\nThe talks went on.\n", encoding="utf-8")
    assert compare("the note edited", {note}) == [mention]
    note.write_text("---\ntitle: [\n---\nThe talks went on.\n", encoding="utf-8")
    [kept, broken] = compare("the note's front matter broken", {note})
    assert kept == mention and (broken.path, broken.code) == (note_rel, "yaml-syntax")
    note.write_text("The talks went on.\n", encoding="utf-8")
    front(story, lambda d: d.update(title="Talks go on"))
    assert compare("the note mended, and an article edited with it", {note, story}) == [mention]

    newcomer = demo / "content/people/olga-brask.yml"
    newcomer.write_text("name: Olga Brask\n", encoding="utf-8")
    [kept, unused] = compare("a new entry: every file is checked", set(articles) | entries())
    assert kept == mention and (unused.path, unused.code) == ("content/people/olga-brask.yml", "unused-entry")
    front(other, lambda d: d.update(people=[*d["people"], "olga-brask"]))
    assert compare("the entry now used", {other}) == [mention]
    front(other, lambda d: d.update(people=d["people"][:-1]))
    assert compare("and unused again", {other}) == [mention, unused]

    twin = demo / "content/articles/2030/01" / story.name
    twin.parent.mkdir(parents=True)
    shutil.copy(story, twin)
    assert "duplicate-slug" in [d.code for d in compare("a second file with the slug", None)]
    front(story, lambda d: d.update(title="Which one?"))
    compare("an edit to a file that shares its slug checks every file", set(articles) | {twin} | entries())


def test_after_a_rebuild_that_checked_one_article_the_others_results_are_still_kept(demo: Path) -> None:
    project = project_at(demo, "content", "templates")
    preview = IncrementalRun()
    first = preview.run(project, drafts=True, previous=None).index
    story = next((demo / "content/articles").rglob("story-3.md"))
    front(story, lambda d: d.update(title="Talks stall"))
    second = preview.run(project, drafts=True, previous=first).index
    assert preview.recomputed == {story.relative_to(demo).as_posix()}
    added = story.with_name("story-new.md")
    shutil.copy(story, added)
    preview.run(project, drafts=True, previous=second)  # a file added: every file is looked up again
    assert preview.recomputed == {added.relative_to(demo).as_posix()}


def test_after_an_edit_to_articles_alone_the_model_is_the_last_one_with_those_articles_replaced(demo: Path) -> None:
    project = project_at(demo, "content", "templates")
    preview = IncrementalRun()
    articles = sorted((demo / "content/articles").rglob("*.md"))
    story, other = articles[3], articles[7]
    last = None

    def compare(step: str, *, patched: bool, drafts: bool = True) -> None:
        nonlocal last
        result = preview.run(project, drafts=drafts, previous=None)
        index, fresh = result.index, run(project, drafts=drafts).index
        assert index is not None and fresh is not None, result.diagnostics
        assert index.desk == fresh.desk, step
        # The entities are the last model's own when it was patched rather than built again.
        assert (last is not None and index.desk.entities is last.entities) == patched, step
        last = index.desk

    compare("first run", patched=False)
    front(story, lambda d: d.update(title="Talks stall"))
    compare("retitled", patched=True)
    front(story, lambda d: d.update(date=d["date"][:8] + "28"), lambda body: body + "\nMore.\n")
    front(other, lambda d: d.update(status="draft"))
    compare("two at once: one moves later in its month, one becomes a draft", patched=True)
    compare("without drafts: built again", patched=False, drafts=False)
    front(story, lambda d: d.update(date=d["date"][:8] + "01"))
    front(other, lambda d: d.update(summary="A draft, edited."))
    compare("one moved earlier, the draft edited, still without drafts", patched=True, drafts=False)
    compare("with drafts again", patched=False)
    note = demo / "content/briefings/2031-01-02.md"
    note.parent.mkdir(exist_ok=True)
    note.write_text("A note.\n", encoding="utf-8")
    compare("a note added: built again", patched=False)
    note.write_text("---\ntitle: What to watch\n---\nA note, edited.\n", encoding="utf-8")
    compare("a note edited: the last model with the note replaced", patched=True)
    note.write_text("A note, edited again.\n", encoding="utf-8")
    front(story, lambda d: d.update(title="Talks stall, with a note"))
    compare("a note and an article at once", patched=True)
    assert last is not None and last.notes[dt.date(2031, 1, 2)].body == "A note, edited again.\n"
    entry(demo / "content/people/caque-loostor.yml", lambda d: d.update(summary="Changed."))
    compare("an entry edited: built again", patched=False)
    front(story, lambda d: d.update(title=["not", "a", "title"]))
    assert not preview.run(project, drafts=True, previous=None).ok
    front(story, lambda d: d.update(title="Fixed"))
    compare("fixed after a failed run", patched=False)


def test_the_preview_gives_the_theme_and_other_plugins_the_files_a_build_gives_them(demo: Path, tmp_path: Path,
                                                                                   listing: DocsListing) -> None:
    # A content file of the name of a theme file: the theme's is not used, though the source is dropped.
    shadow = "assets/javascripts/lunr/min/lunr.de.min.js"
    (demo / "content" / shadow).parent.mkdir(parents=True)
    (demo / "content" / shadow).write_text("// the desk's own\n", encoding="utf-8")
    story = next((demo / "content/articles").rglob("story-3.md"))
    session = PreviewSession(demo, tmp_path / "preview")
    assert listing.dropped > 30, "the content files never reach MkDocs' list"
    front(story, lambda d: d.update(title="Talks stall"))
    session.rebuild()
    config = demo / "mkdocs.yml"
    assert main(["build", "-q", "-f", str(config), "--site-dir", str(tmp_path / "site")]) == 0
    for site in (session.site, tmp_path / "site"):
        assert not (site / shadow).exists()
        assert (site / "assets/javascripts/lunr/min/lunr.da.min.js").is_file()

    # A hook that sees the files before briefgen drops the content sources notes how many it saw.
    seen = tmp_path / "seen.txt"
    (demo / "hooks.py").write_text(
        "from mkdocs.plugins import event_priority\n\n"
        "@event_priority(100)\n"
        "def on_files(files, config):\n"
        f"    with open({str(seen)!r}, 'a') as out:\n"
        "        out.write(f\"{sum(f.src_uri.endswith(('.md', '.yml')) for f in files)}\\n\")\n"
        "    return files\n", encoding="utf-8")
    config.write_text(config.read_text() + "hooks:\n  - hooks.py\n", encoding="utf-8")
    session = PreviewSession(demo, tmp_path / "preview-2")
    assert listing.dropped == 0
    front(story, lambda d: d.update(title="Talks stall again"))
    session.rebuild()
    assert main(["build", "-q", "-f", str(config), "--site-dir", str(tmp_path / "site")]) == 0
    counts = seen.read_text().split()
    assert len(counts) == 3 and len(set(counts)) == 1 and int(counts[0]) > 30, counts  # preview, rebuild, build
