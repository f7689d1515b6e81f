"""What each page lists: every list says what it holds, and an entry appears once on a page."""

from __future__ import annotations

import re

from conftest import article, person

EVENTS = {
    "content/events/war.yml": "name: The long war\nstart: 2022-02-24\nongoing: true\nparticipants: [ada-lovelace]\n",
    "content/events/summit.yml": ("name: Summit\nstart: 2024-07-03\nend: 2024-07-04\nparent: war\n"
                                  "participants: [ada-lovelace]\n"),
    "content/events/old-talks.yml": "name: Old talks\nstart: 2023-01-10\nparticipants: [ada-lovelace]\n",
}


def _section(page: str, heading_id: str) -> str:
    """The HTML from the heading with `heading_id` to the next h2."""
    start = page.index(f'id="{heading_id}"')
    end = page.find("<h2", start + 1)
    return page[start : end if end != -1 else len(page)]


def _desk_naming(desk_factory, events: str):  # type: ignore[no-untyped-def]
    """A desk of the three events and one article of 3 July 2024 that names `events`."""
    files = {**person(), **EVENTS, **article(body="Ada Lovelace spoke.")}
    story = "content/articles/2024/07/a-story.md"
    files[story] = files[story].replace("people: [ada-lovelace]", f"people: [ada-lovelace]\nevents: [{events}]")
    desk = desk_factory(files)
    assert desk.build() == 0
    return desk


def test_the_home_pages_events_are_those_on_now_not_those_named_this_week(desk_factory) -> None:
    desk = _desk_naming(desk_factory, "old-talks, summit")
    home = desk.page("")
    ongoing = _section(home, "ongoing")
    assert "Summit" in ongoing and "The long war" in ongoing, "on at the desk's date (the war has no end)"
    assert "Old talks" not in home, "named by an article of the week, but held in 2023"
    assert 'id="events-of-the-week"' not in home, "every event of the week is in the Ongoing box already"


def test_an_event_page_lists_each_related_event_once(desk_factory) -> None:
    desk = _desk_naming(desk_factory, "war, summit, old-talks")
    war = desk.page("events/war")
    # The summit is a sub-event of the war: listed there, not again as related or as often covered with (the
    # page's timeline, a picture of the same, links it too).
    lists = re.sub(r'<figure class="bg-picture.*?</figure>', "", war, flags=re.S)
    assert len(re.findall(r'href="(?:\.\./)+(?:events/)?summit/"', lists)) == 1, war
    assert "Summit" in _section(war, "sub-events")
    assert "Old talks" in _section(war, "related-events"), "shares a participant and is not family"
    assert 'id="connections"' not in war or "Old talks" not in _section(war, "connections")
    summit = desk.page("events/summit")
    summit = re.sub(r'<figure class="bg-picture.*?</figure>', "", summit, flags=re.S)
    assert len(re.findall(r'href="(?:\.\./)+(?:events/)?war/"', summit)) == 1, "the parent, once"
