"""The editorial pages: roles on the day, salience, story threads, sources, event roll-ups and briefing fields.

One small purpose-built desk, built once with real MkDocs, holds every case (see DESK).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import Desk, ExecutableFinder, make_desk

from briefgen.pages.render import LIST_CAP

PEOPLE = {
    # Foreign Minister until the end of June 2024, Prime Minister from July.
    "content/people/ada.yml": """\
        name: Ada Lovelace
        roles:
          - title: Foreign Minister
            from: 2024-01-01
            to: 2024-06-30
          - title: Prime Minister
            from: 2024-07-01
        """,
    "content/people/bob.yml": "name: Bob Byron\nroles:\n  - title: Envoy\n",
    "content/people/cy.yml": "name: Cy Clerk\n",
}

EVENTS = {
    # A war ⊃ a summit ⊃ a meeting: each takes part in the one above.
    "content/events/war.yml": "name: The long war\nstart: 2022-02-24\nongoing: true\nparticipants: [ada]\n",
    "content/events/summit.yml": ("name: Summit\nstart: 2024-07-03\nend: 2024-07-04\nparent: war\n"
                                  "participants: [bob, ada]\n"),
    "content/events/meeting.yml": "name: Side meeting\nstart: 2024-07-04\nparent: summit\nparticipants: [cy]\n",
    "content/events/june-talks.yml": "name: June talks\nstart: 2024-06-20\nparticipants: [ada]\n",
    "content/events/future-talks.yml": "name: Future talks\nstart: 2024-09-01\n",
    "content/events/held-vote.yml": "name: Held vote\nstart: 2024-06-01\nstatus: scheduled\n",
}

OTHERS = {
    "content/places/india.yml": "name: India\n",
    "content/topics/trade.yml": "name: Trade\n",
    "content/sources/hindustan-times.yml": """\
        name: Hindustan Times
        kind: newspaper
        country: india
        url: https://www.hindustantimes.com/
        notes: A Delhi daily.
        summary: An English-language newspaper.
        """,
    "content/sources/reuters.yml": "name: Reuters\nkind: agency\nurl: https://www.reuters.com/\n",
}

SCRIPT = "<script>alert(1)</script>"


def _article(slug: str, date: str, fields: str, body: str = "A report.") -> dict[str, str]:
    """An article file of `slug` on `date` with front matter `fields` (YAML lines) besides the required
    ones; `fields` may give its own `source` and `key_points`."""
    lines = [f"title: Story {slug}", f"date: {date}", f"summary: About {slug}."]
    if not re.search(r"^source:", fields, re.M):
        lines.append(f"source:\n  name: Example News\n  url: https://news.example.com/{slug}")
    if not re.search(r"^key_points:", fields, re.M):
        lines.append(f"key_points:\n  - A point of {slug}.")
    front = "\n".join([*lines, fields.strip()])
    return {f"content/articles/{date[:4]}/{date[5:7]}/{slug}.md": f"---\n{front}\n---\n{body}\n"}


ARTICLES = {
    **_article("a-june", "2024-06-15", "source: hindustan-times\npeople: [ada]\nevents: [war]\nabout: [ada]\n"
               "quotes:\n  - by: ada\n    text: We stand firm.",
               'Ada Lovelace spoke of the long war. "We stand firm."'),
    **_article("a-july", "2024-07-05", (
        "source:\n  outlet: hindustan-times\n  url: https://www.hindustantimes.com/a-july\n"
        "key_points:\n  - A point of a-july.\n  - text: Talks resume in August.\n    source: reuters\n"
        "    url: https://www.reuters.com/talks\n"
        "people: [ada, bob]\nevents: [summit]\nabout: [summit]\n"
        f"why_it_matters: 'The summit sets the tone. {SCRIPT}'\nwhats_next: Talks resume in August.\n"
        "updated: 2024-07-06\n"
        f"corrections:\n  - date: 2024-07-06\n    text: 'The summit was in July, not June. {SCRIPT}'\n"
        "quotes:\n  - by: ada\n    text: We will talk."),
        'Ada Lovelace and Bob Byron met at the summit. "We will talk."'),
    **_article("a-meeting", "2024-07-04", "people: [cy]\nevents: [meeting]\nabout: [meeting]",
               "Cy Clerk met at the side meeting."),
    **_article("a-summit-prev", "2024-07-03", "events: [summit]", "The summit opened."),
    **_article("a-summit-next", "2024-07-08", "events: [summit]", "The summit was reviewed."),
    # The newest article: the desk's date is 10 July 2024.
    **_article("a-mention", "2024-07-10", "people: [ada]\nevents: [war]\n"
               "quotes:\n  - by: ada\n    text: Peace is near.", 'Ada Lovelace said: "Peace is near."'),
    # Related coverage: all share the topic alone. Same day as the hub (the closest), five days either
    # side (equal scores: the newer first), and far away (equal scores: by slug).
    **_article("hub", "2024-05-10", "topics: [trade]"),
    **_article("tie-b", "2024-05-10", "topics: [trade]"),
    **_article("tie-a", "2024-05-10", "topics: [trade]"),
    **_article("t-before", "2024-05-05", "topics: [trade]"),
    **_article("t-after", "2024-05-15", "topics: [trade]"),
    **_article("far-c", "2024-04-01", "topics: [trade]"),
    **_article("far-b", "2024-04-01", "topics: [trade]"),
    **_article("far-a", "2024-04-01", "topics: [trade]"),
}


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    """The desk, built once for the module (two articles to a page, so coverage is paged)."""
    built = make_desk(tmp_path_factory.mktemp("editorial"), {**PEOPLE, **EVENTS, **OTHERS, **ARTICLES}, page_size=2)
    with pytest.MonkeyPatch.context() as patch:  # no check cache in ~/.cache from a module-scoped build
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        assert built.build() == 0
    return built


def _content(html: str) -> str:
    """The page's main content, without the theme's header, navigation and footer."""
    start = html.index('<article class="md-content__inner md-typeset">')
    return html[start : html.index("</article>", start + 1)]


def _text(html: str) -> str:
    """What a reader reads: the HTML without tags, spaces collapsed."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
    for spaced, tight in ((" ,", ","), (" .", "."), (" :", ":"), ("( ", "("), (" )", ")")):
        text = text.replace(spaced, tight)
    return text


def _section(page: str, heading_id: str) -> str:
    """The HTML from the heading with `heading_id` to the next h2."""
    start = page.index(f'id="{heading_id}"')
    end = page.find("<h2", start + 1)
    return page[start : end if end != -1 else len(page)]


def _titles(html: str) -> list[str]:
    """The article titles ("Story <slug>") a piece of a page links, in order."""
    return re.findall(r">Story ([a-z-]+)<", html)


def test_a_person_who_changes_role_is_named_with_the_role_of_each_articles_date(desk: Desk) -> None:
    june = _content(desk.page("articles/a-june"))
    july = _content(desk.page("articles/a-july"))
    # The article's people and its quotes.
    assert "Ada Lovelace Foreign Minister" in _text(_section(june, "covers"))
    assert "Ada Lovelace, Foreign Minister" in _text(_section(june, "quotes"))
    assert "Prime Minister" not in june
    assert "Ada Lovelace Prime Minister" in _text(_section(july, "covers"))
    assert "Ada Lovelace, Prime Minister" in _text(_section(july, "quotes"))
    assert "Foreign Minister" not in july
    # The war's quote list: each quote with the role held when the quoting article was published.
    quotes = _text(_section(_content(desk.page("events/war")), "quotes"))
    assert "We stand firm.” — Ada Lovelace, Foreign Minister" in quotes
    assert "Peace is near.” — Ada Lovelace, Prime Minister" in quotes
    # Participants: the role on the event's first day; the profile keeps the whole history.
    assert "Ada Lovelace Foreign Minister" in _text(_section(_content(desk.page("events/june-talks")), "participants"))
    assert "Ada Lovelace Prime Minister" in _text(_section(_content(desk.page("events/summit")), "participants"))
    roles = _text(_section(_content(desk.page("people/ada")), "roles"))
    assert "Prime Minister 1 July 2024 – present" in roles
    assert "Foreign Minister 1 January 2024 – 30 June 2024" in roles


def test_an_event_chain_three_deep_rolls_up_on_the_top_event(desk: Desk) -> None:
    war = _content(desk.page("events/war"))
    tree = _section(war, "sub-events")
    # The meeting is listed inside the summit's entry, not beside it.
    assert re.search(r'href="../summit/">Summit</a>.*?<ul class="bg-tree">.*?href="../meeting/">Side meeting<',
                     tree, re.S), tree
    participants = _text(_section(war, "participants"))
    assert "Ada Lovelace" in participants and "Ada Lovelace at" not in participants, "took part in the war itself"
    assert "Bob Byron Envoy at Summit" in participants
    assert "Cy Clerk at Side meeting" in participants
    # Coverage: the war's own articles and its sub-events', over three pages of two.
    assert "Coverage 6" in _text(_section(war, "coverage"))
    listed = _titles(_section(war, "coverage"))
    for number in (2, 3):
        listed += _titles(_section(_content(desk.page(f"events/war/page/{number}")), "coverage"))
    assert sorted(listed) == ["a-july", "a-june", "a-meeting", "a-mention", "a-summit-next", "a-summit-prev"]
    # The deepest event names its whole chain, outermost first.
    meeting = _content(desk.page("events/meeting"))
    crumbs = re.search(r'<nav class="bg-breadcrumb"[^>]*>(.*?)</nav>', meeting, re.S)
    assert crumbs and _text(crumbs.group(1)) == "Part of The long war › Summit"
    assert 'href="../war/"' in crumbs.group(1) and 'href="../summit/"' in crumbs.group(1)


def test_entity_pages_list_the_articles_about_it_first_on_every_page(desk: Desk) -> None:
    ada = _content(desk.page("people/ada"))
    about = _section(ada, "coverage")
    # a-june is about her; a-mention (newer) and a-july only mention her.
    assert _titles(about) == ["a-june", "a-mention"]
    assert about.index("About Ada Lovelace") < about.index("a-june") < about.index("Also mentioned in")
    assert about.index("Also mentioned in") < about.index("a-mention")
    second = _content(desk.page("people/ada/page/2"))
    assert _titles(second) == ["a-july"] and "Also mentioned in" in second and "About Ada" not in second
    # An event: the articles about its sub-events count as about it.
    war = _section(_content(desk.page("events/war")), "coverage")
    assert _titles(war) == ["a-july", "a-meeting"] and "About The long war" in war
    assert "Also mentioned in" not in war
    assert _titles(_content(desk.page("events/war/page/2"))) == ["a-mention", "a-summit-next"]
    # Nothing is about the topic: one list, no headings.
    trade = _section(_content(desk.page("topics/trade")), "coverage")
    assert "About Trade" not in trade and "Also mentioned in" not in trade


def test_the_article_page_shows_its_main_subjects_first_and_its_source_as_the_source_line(desk: Desk) -> None:
    july = _content(desk.page("articles/a-july"))
    covers = _section(july, "covers")
    assert covers.index("Main subjects") < covers.index("Summit") < covers.index("People")
    assert "Summit" not in covers[covers.index("People"):], "each entry once"
    assert "Sources" not in covers and "Hindustan Times" not in covers
    meta = _text(july[: july.index('class="bg-lead"')])
    assert "5 July 2024 · Updated 6 July 2024 · Source: Hindustan Times (original)" in meta
    assert 'class="bg-outlet" href="../../sources/hindustan-times/">Hindustan Times</a>' in july
    assert 'href="https://www.hindustantimes.com/a-july" rel="external nofollow"' in july
    # A source given as a slug alone: the outlet's page, no original address.
    june = _content(desk.page("articles/a-june"))
    assert 'href="../../sources/hindustan-times/">Hindustan Times</a>' in june
    assert "reporting by Hindustan Times" in _text(june)


def test_related_coverage_is_capped_at_five_with_ties_broken_by_date_then_slug(desk: Desk) -> None:
    hub = _content(desk.page("articles/hub"))
    related = _section(hub, "related")
    assert _titles(related) == ["tie-a", "tie-b", "t-after", "t-before", "far-a"]
    assert "10 May 2024" in related and "15 May 2024" in related, "each with its date"


def test_previous_and_next_in_the_story_of_the_main_event(desk: Desk) -> None:
    page = _content(desk.page("articles/a-july"))
    story = _section(page, "story")
    assert "In this story: Summit" in _text(story) and 'href="../../events/summit/"' in story
    assert re.search(r'Previous: <a rel="prev" href="../a-summit-prev/">Story a-summit-prev</a>', story)
    assert re.search(r'<a rel="next" href="../a-summit-next/">Story a-summit-next</a>', story)
    assert _titles(_section(page, "related")) == ["a-june", "a-mention"], "the story's own are not repeated"
    first = _section(_content(desk.page("articles/a-summit-prev")), "story")
    assert "Previous" not in first and "a-july" in first, "the oldest has a next only"
    assert 'id="story"' not in _content(desk.page("articles/hub")), "no event, no story"


def test_briefing_fields_and_a_key_points_own_source_are_shown(desk: Desk) -> None:
    page = _content(desk.page("articles/a-july"))
    text = _text(page)
    assert "Why it matters The summit sets the tone." in text
    assert "What's next Talks resume in August." in text
    assert "Updated 6 July 2024" in text
    assert "Corrections 6 July 2024: The summit was in July, not June." in text
    point = re.search(r"<li>Talks resume in August\. (.*?)</li>", page, re.S)
    assert point, page
    assert 'href="../../sources/reuters/">Reuters</a>' in point.group(1)
    assert 'href="https://www.reuters.com/talks" rel="external nofollow"' in point.group(1)


def test_content_in_the_briefing_fields_is_escaped(desk: Desk) -> None:
    html = desk.page("articles/a-july")
    assert SCRIPT not in html
    assert _content(html).count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2, "why it matters and the correction"
    finder = ExecutableFinder()
    finder.feed(html)
    assert finder.found == []


def test_a_source_page_lists_what_was_drawn_from_it(desk: Desk) -> None:
    page = _content(desk.page("sources/hindustan-times"))
    text = _text(page)
    assert "<h1>Hindustan Times</h1>" in page
    assert "Newspaper · India · Home page" in text and 'href="../../places/india/"' in page
    assert 'href="https://www.hindustantimes.com/" rel="external nofollow"' in page
    assert "A Delhi daily." in text and "An English-language newspaper." in text
    assert "2 briefs drawn from it, from 15 June 2024 to 5 July 2024." in text
    assert "Drawn from Hindustan Times 2" in text
    assert _titles(_section(page, "coverage")) == ["a-july", "a-june"]
    index = _text(_content(desk.page("sources")))
    assert "Hindustan Times Newspaper 2" in index and "Reuters News agency 0" in index


def test_event_status_follows_the_desk_date_unless_given(desk: Desk) -> None:
    def status(slug: str) -> str:
        found = re.search(r'<span class="bg-status bg-status-(\w+)">', _content(desk.page(f"events/{slug}")))
        assert found, slug
        return found.group(1)

    # The newest article is of 10 July 2024.
    assert status("future-talks") == "scheduled"
    assert status("war") == "ongoing"
    assert status("june-talks") == "concluded"
    assert status("held-vote") == "scheduled", "as the file says, though its day has passed"
    # On event cards too: the person's events, the events index.
    events = _section(_content(desk.page("people/ada")), "events")
    assert re.search(r'href="../../events/war/">The long war</a>.*?bg-status-ongoing', events, re.S)
    index = _content(desk.page("events"))
    assert re.search(r">Future talks</a>.*?bg-status-scheduled", index, re.S)


def test_the_pages_are_those_of_a_site_without_stale_links(desk: Desk) -> None:
    # Every relative link of the new sections leads to a page that exists.
    for url in ("articles/a-july", "events/war", "events/meeting", "sources/hindustan-times", "articles/hub"):
        page = _content(desk.page(url))
        for link in re.findall(r'href="(\.\./[^"]*)"', page):
            target = (Path(desk.site) / url / link).resolve()
            assert (target / "index.html").is_file() or target.is_file(), f"{url} → {link}"


def test_a_profile_lists_at_most_a_hundred_of_each_relation_and_says_how_many_more(desk_factory) -> None:
    """The most travelled minister's events, and a capital's events and people, would grow a page with
    the desk: each list stops at `LIST_CAP` (the latest events first) and says how many it leaves out."""
    files = {"content/places/capital.yml": "name: The Capital\n",
             "content/people/ada.yml": "name: Ada Minister\ncountry: capital\n"}
    for number in range(LIST_CAP + 2):  # summit-000 the oldest of hers; summit-101 without her
        start = "2023-01-01" if number == 0 else f"2024-{1 + number % 12:02d}-{1 + number % 28:02d}"
        files[f"content/events/summit-{number:03d}.yml"] = (
            f"name: Summit {number}\nstart: {start}\nplace: capital\n"
            + ("participants: [ada]\n" if number <= LIST_CAP else ""))
    for number in range(LIST_CAP + 3):
        files[f"content/people/p{number:03d}.yml"] = f"name: Person {number}\ncountry: capital\n"
    desk = desk_factory(files)
    assert desk.build() == 0
    person, place = desk.page("people/ada"), desk.page("places/capital")
    listed = re.findall(r'href="\.\./\.\./events/(summit-[0-9]+)/"', person.split('id="events"')[1])
    assert len(listed) == LIST_CAP and "summit-000" not in listed, "the latest hundred, not the oldest"
    assert '<p class="bg-more">1 more not listed.</p>' in person
    events = place.split('id="events"')[1].split('id="people"')[0]
    assert len(re.findall(r'href="\.\./\.\./events/summit-', events)) == LIST_CAP
    assert '<p class="bg-more">2 more not listed.</p>' in events
    people = place.split('id="people"')[1].split("</ul>")[0]
    assert len(re.findall(r'href="\.\./\.\./people/', people)) == LIST_CAP
    assert '<p class="bg-more">4 more not listed.</p>' in place
