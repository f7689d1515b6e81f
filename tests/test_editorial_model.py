"""The editorial model of a desk: salience, roles on the day, event status and threads, sources, related coverage.

These read the model and index that every page is made from (`pipeline.run` on a real desk in a temp
folder); the pages themselves are tested in test_editorial_pages.py and test_briefings.py.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from briefgen.desk.index import DeskIndex
from briefgen.desk.model import Event, Outlet, Person
from briefgen.desk.pipeline import run
from briefgen.desk.project import project_at
from briefgen.desk.related import WINDOW


def _article(slug: str, date: str, *, people: str = "", events: str = "", topics: str = "", about: str = "",
             source: str = "  name: Example News\n  url: https://news.example.com/x\n",
             extra: str = "") -> tuple[str, str]:
    fields = {"people": people, "events": events, "topics": topics, "about": about}
    lists = "".join(f"{name}: [{value}]\n" for name, value in fields.items() if value)
    text = (f"---\ntitle: Story {slug}\ndate: {date}\nsource:\n{source}summary: A summary.\n"
            f"key_points:\n  - A point.\n{lists}{extra}---\nA body.\n")
    return f"content/articles/{date[:4]}/{date[5:7]}/{slug}.md", text


def _index(root: Path, files: dict[str, str]) -> DeskIndex:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    result = run(project_at(root, root / "content", root / "templates"))
    assert result.ok, [str(d) for d in result.diagnostics]
    assert result.index is not None
    return result.index


PEOPLE = {
    "content/people/ada.yml": """\
        name: Ada Minister
        roles:
          - title: Deputy Minister
            org: ministry
            from: 2020-01-01
            to: 2024-03-31
          - title: Minister
            org: ministry
            from: 2024-04-01
        """,
    "content/people/bo.yml": "name: Bo Envoy\n",
    "content/orgs/ministry.yml": "name: The Ministry\n",
}


def test_a_person_who_changes_role_holds_each_on_its_own_dates(tmp_path: Path) -> None:
    index = _index(tmp_path, {**PEOPLE, **dict([_article("before", "2024-02-01", people="ada, bo")])})
    ada = index.desk.entity(("person", "ada"))
    assert isinstance(ada, Person)
    assert ada.role_on(dt.date(2024, 2, 1)).title == "Deputy Minister"  # type: ignore[union-attr]
    assert ada.role_on(dt.date(2024, 3, 31)).title == "Deputy Minister"  # type: ignore[union-attr]
    assert ada.role_on(dt.date(2024, 4, 1)).title == "Minister"  # type: ignore[union-attr]
    assert ada.role_on(dt.date(2019, 12, 31)) is None
    bo = index.desk.entity(("person", "bo"))
    assert isinstance(bo, Person) and bo.role_on(dt.date(2024, 2, 1)) is None


EVENTS = {
    "content/events/war.yml": "name: The War\nstart: 2022-02-24\nongoing: true\n",
    "content/events/summit.yml": "name: The Summit\nstart: 2024-07-03\nend: 2024-07-04\nparent: war\n"
                                 "participants: [ada]\n",
    "content/events/meeting.yml": "name: The Meeting\nstart: 2024-07-03\nparent: summit\nparticipants: [bo]\n",
    "content/events/visit.yml": "name: The Visit\nstart: 2024-07-08\nend: 2024-07-09\n",
    "content/events/talks.yml": "name: Old Talks\nstart: 2024-05-01\n",
    "content/events/called-off.yml": "name: Called-off Forum\nstart: 2024-08-01\nstatus: concluded\n",
}


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> DeskIndex:
    files = {**PEOPLE, **EVENTS}
    for slug, date, events, about in (("war-story", "2024-06-01", "war", "war"),
                                      ("summit-story", "2024-07-03", "summit, visit", "summit"),
                                      ("meeting-story", "2024-07-04", "meeting, talks, called-off", "")):
        rel, text = _article(slug, date, people="ada, bo", events=events, about=about)
        files[rel] = text
    return _index(tmp_path_factory.mktemp("chain"), files)


def test_an_event_chain_three_deep_rolls_up_coverage_and_participants(chain: DeskIndex) -> None:
    war = ("event", "war")
    assert chain.descendants(war) == [("event", "summit"), ("event", "meeting")]
    assert [a.slug for a in chain.coverage_of(war)] == ["meeting-story", "summit-story", "war-story"]
    assert [a.slug for a in chain.coverage[war]] == ["war-story"]  # its own coverage stays its own
    event = chain.desk.entity(war)
    assert isinstance(event, Event)
    assert chain.participants_of(event) == [("ada", ("event", "summit")), ("bo", ("event", "meeting"))]
    meeting = chain.desk.entity(("event", "meeting"))
    assert isinstance(meeting, Event)
    assert [e.slug for e in chain.ancestors(meeting)] == ["summit", "war"]


def test_entity_pages_list_what_is_about_them_first(chain: DeskIndex) -> None:
    # The war's own article is about it, the summit's is about a sub-event: both before the mere mention.
    assert [a.slug for a in chain.page_coverage(("event", "war"))] == ["summit-story", "war-story", "meeting-story"]
    assert [a.slug for a in chain.page_coverage(("person", "ada"))] == ["meeting-story", "summit-story", "war-story"]


def test_event_status_follows_the_desk_date_unless_given(chain: DeskIndex) -> None:
    today = chain.desk.date
    assert today == dt.date(2024, 7, 4)
    status = {slug: event.status_on(today) for slug, event in chain.desk.entities["event"].items()
              if isinstance(event, Event)}
    assert status == {"called-off": "concluded", "meeting": "concluded", "summit": "ongoing", "talks": "concluded",
                      "visit": "scheduled", "war": "ongoing"}


def test_previous_and_next_in_the_story_follow_the_main_event(chain: DeskIndex) -> None:
    by_slug = {a.slug: a for a in chain.desk.articles}
    assert chain.main_event(by_slug["summit-story"]) == ("event", "summit")  # what it is about
    assert chain.main_event(by_slug["meeting-story"]) == ("event", "meeting")  # the first it lists
    assert chain.story_neighbours(by_slug["war-story"]) == (None, None)


def test_salience_weighs_co_coverage(tmp_path: Path) -> None:
    # Bo is in more of Ada's articles; Cy is in fewer, but both are what those articles are about.
    files = {**PEOPLE, "content/people/cy.yml": "name: Cy Aide\n"}
    for number in range(3):
        rel, text = _article(f"bo-{number}", f"2024-07-0{number + 1}", people="ada, bo")
        files[rel] = text
    for number in range(2):
        rel, text = _article(f"cy-{number}", f"2024-06-0{number + 1}", people="ada, cy", about="ada, cy")
        files[rel] = text
    index = _index(tmp_path, files)
    assert index.ranked_together(("person", "ada"), "person") == [(("person", "cy"), 2), (("person", "bo"), 3)]


def test_related_coverage_is_capped_ranked_and_ties_break_by_date_then_slug(tmp_path: Path) -> None:
    files = dict(PEOPLE)
    files["content/events/summit.yml"] = "name: The Summit\nstart: 2024-07-01\n"
    rel, text = _article("main", "2024-07-10", people="ada", events="summit", about="summit")
    files[rel] = text
    # Eight articles as close as each other: the same entries, the same distance in days two by two.
    for slug, day in (("b", "05"), ("a", "05"), ("d", "15"), ("c", "15"), ("e", "08"), ("f", "12"),
                      ("g", "01"), ("h", "19")):
        rel, text = _article(slug, f"2024-07-{day}", people="ada", events="summit")
        files[rel] = text
    rel, text = _article("unrelated", "2024-07-10", people="bo")
    files[rel] = text
    index = _index(tmp_path, files)
    main = next(a for a in index.desk.articles if a.slug == "main")
    related = [a.slug for a in index.related_articles(main)]
    # Nearest in time first (8th and 12th), then the 5th and 15th: equal distance, the newer first,
    # then by slug within a day.
    assert related == ["f", "e", "c", "d", "a"]
    assert [a.slug for a in index.related_articles(main, limit=20)][-2:] == ["h", "g"]
    assert "unrelated" not in [a.slug for a in index.related_articles(main, limit=20)]


def test_related_coverage_looks_at_a_bounded_window(tmp_path: Path) -> None:
    # An entry shared by many articles: only the nearest WINDOW on each side are candidates.
    files = dict(PEOPLE)
    start = dt.date(2024, 1, 1)
    for number in range(3 * WINDOW):
        day = start + dt.timedelta(days=number)
        rel, text = _article(f"s{number:03d}", day.isoformat(), people="ada")
        files[rel] = text
    index = _index(tmp_path, files)
    middle = next(a for a in index.desk.articles if a.slug == f"s{WINDOW + 5:03d}")
    candidates = index.related_articles(middle, limit=10 * WINDOW)
    assert len(candidates) == 2 * WINDOW
    assert max(abs((a.date - middle.date).days) for a in candidates) == WINDOW


def test_related_events_look_at_a_bounded_window_of_each_participants_events(tmp_path: Path) -> None:
    # A minister at one summit a week: only the nearest WINDOW summits on each side of one are candidates,
    # the nearest first, and none shares more than the one participant.
    files = dict(PEOPLE)
    start = dt.date(2024, 1, 1)
    for number in range(4 * WINDOW):
        day = (start + dt.timedelta(weeks=number)).isoformat()
        files[f"content/events/e{number:03d}.yml"] = f"name: Summit {number}\nstart: {day}\nparticipants: [ada]\n"
    index = _index(tmp_path, files)
    middle = index.desk.entities["event"][f"e{WINDOW + 5:03d}"]
    assert isinstance(middle, Event)
    near = index.events_near(("person", "ada"), middle)
    assert [key[1] for key in near] == [f"e{n:03d}" for n in range(2 * WINDOW + 5, 4, -1)]
    related = index.related_events(middle, limit=10 * WINDOW)
    assert len(related) == 2 * WINDOW and {n for _, n in related} == {1}
    assert [key[1] for key, _ in related[:3]] == [f"e{WINDOW + 6:03d}", f"e{WINDOW + 4:03d}", f"e{WINDOW + 7:03d}"]
    few = index.desk.entities["event"]["e000"]
    assert isinstance(few, Event) and len(index.events_near(("person", "ada"), few)) == WINDOW + 1


def test_a_source_entry_gathers_what_was_drawn_from_it(tmp_path: Path) -> None:
    files = {**PEOPLE, "content/sources/wire.yml": "name: The Wire\nkind: agency\nurl: https://wire.example/\n"}
    for slug, source in (("by-slug", "wire\n"), ("by-outlet", "\n  outlet: wire\n  url: https://wire.example/1\n"),
                         ("inline", "\n  name: Other Paper\n  url: https://other.example/1\n")):
        rel, text = _article(slug, "2024-07-01", people="ada", source="")
        files[rel] = text.replace("source:\n", f"source: {source}" if not source.startswith("\n") else
                                  f"source:{source}")
    index = _index(tmp_path, files)
    wire = index.desk.entity(("source", "wire"))
    assert isinstance(wire, Outlet) and wire.outlet_kind == "agency"
    assert [a.slug for a in index.coverage[("source", "wire")]] == ["by-outlet", "by-slug"]
    names = {a.slug: index.desk.source_name(a.source) for a in index.desk.articles}
    assert names == {"by-slug": "The Wire", "by-outlet": "The Wire", "inline": "Other Paper"}
    urls = {a.slug: a.source.url for a in index.desk.articles}
    assert urls == {"by-slug": None, "by-outlet": "https://wire.example/1", "inline": "https://other.example/1"}


def test_briefing_fields_and_notes_reach_the_model(tmp_path: Path) -> None:
    rel, text = _article("story", "2024-07-03", people="ada", extra=(
        "why_it_matters: It sets the tone.\nwhats_next: A vote on Friday.\nupdated: 2024-07-05\n"
        "corrections:\n  - date: 2024-07-04\n    text: A name was misspelt.\n"))
    files = {**PEOPLE, rel: text.replace("  - A point.\n", "  - A point.\n  - text: Elsewhere.\n    source: wire\n"
                                                         "    url: https://wire.example/2\n"),
             "content/sources/wire.yml": "name: The Wire\n",
             "content/briefings/2024-07-03.md": "---\ntitle: A busy day\n---\nMuch happened.\n",
             "content/briefings/2024-07-02.md": "Little happened.\n"}
    index = _index(tmp_path, files)
    story = index.desk.articles[0]
    assert (story.why_it_matters, story.whats_next, story.updated) == ("It sets the tone.", "A vote on Friday.",
                                                                      dt.date(2024, 7, 5))
    assert story.last_changed == dt.date(2024, 7, 5)
    assert [(c.date, c.text) for c in story.corrections] == [(dt.date(2024, 7, 4), "A name was misspelt.")]
    assert story.key_points == ("A point.", "Elsewhere.")
    assert dict(story.point_sources) == {1: type(story.source)(slug="wire", url="https://wire.example/2")}
    # The source page lists what a key point was drawn from too (its own coverage is what was drawn from it whole).
    assert [a.slug for a in index.coverage_of(("source", "wire"))] == ["story"]
    assert index.coverage.get(("source", "wire"), []) == []
    notes = index.desk.notes
    assert list(notes) == [dt.date(2024, 7, 2), dt.date(2024, 7, 3)]
    quiet, busy = notes[dt.date(2024, 7, 2)], notes[dt.date(2024, 7, 3)]
    assert (quiet.title, quiet.body) == ("Editor's note", "Little happened.\n")
    assert (busy.title, busy.body) == ("A busy day", "Much happened.\n")


def test_a_note_dated_after_the_newest_article_is_the_desks_today(tmp_path: Path) -> None:
    rel, text = _article("story", "2024-07-03", people="ada")
    files = {**PEOPLE, **EVENTS, rel: text, "content/briefings/2024-07-09.md": "The visit begins.\n"}
    index = _index(tmp_path, files)
    assert index.desk.date == dt.date(2024, 7, 9)
    visit = index.desk.entity(("event", "visit"))
    assert isinstance(visit, Event) and visit.status_on(index.desk.date) == "ongoing"
