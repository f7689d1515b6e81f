"""Daily briefings, their archive and feed, and the home page that opens on the latest one: real MkDocs
builds of a small desk, built once for the module."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import Desk, ExecutableFinder, make_desk

SECTIONS = """\
      briefing_sections:
        - title: Diplomacy
          topics: [india-russia-relations, india-central-asia-relations]
        - title: Conflict
          topics: [indians-in-russian-military]
"""

MKDOCS_YML = """\
site_name: Test desk
site_url: https://desk.example.org/
docs_dir: content
theme:
  name: material
plugins:
  - briefgen:
      page_size: 2
{sections}"""

ARTICLE = """\
---
title: {title}
date: {date}
source:
  name: Example News
  url: https://news.example.com/{slug}
summary: A summary of {slug}.
key_points:
  - Key point of {slug}.
{extra}---
Ada Lovelace spoke.
"""


def _article(slug: str, date: str, extra: str = "", title: str = "") -> dict[str, str]:
    return {f"content/articles/{date[:4]}/{date[5:7]}/{slug}.md":
            ARTICLE.format(title=title or f"Story {slug}", date=date, slug=slug, extra=extra)}


def _topic(slug: str, name: str) -> dict[str, str]:
    return {f"content/topics/{slug}.yml": f"name: {name}\n"}


def _event(slug: str, name: str, start: str, end: str) -> dict[str, str]:
    return {f"content/events/{slug}.yml": f"name: {name}\nstart: {start}\nend: {end}\n"}


FILES = {
    "content/people/ada-lovelace.yml": "name: Ada Lovelace\n",
    **_topic("india-russia-relations", "India–Russia relations"),
    **_topic("india-central-asia-relations", "India–Central Asia relations"),
    **_topic("indians-in-russian-military", "Indians in the Russian military"),
    # 3 July 2024, the desk's date (its newest article): one article per way of being filed.
    **_article("summit-talks", "2024-07-03", "topics: [india-russia-relations]\n"
               "why_it_matters: Trade hangs on it.\nwhats_next: A visit in August.\n"),
    # Lists a Conflict topic first, but Diplomacy is the first section holding one of its topics.
    **_article("two-topics", "2024-07-03", "topics: [indians-in-russian-military, india-russia-relations]\n"),
    # Lists a Diplomacy topic, but is about the Conflict one: what it is about decides.
    **_article("about-conflict", "2024-07-03", "topics: [india-russia-relations, indians-in-russian-military]\n"
               "about: [indians-in-russian-military]\n"),
    **_article("weather", "2024-07-03"),
    **_article("older-story", "2024-07-01", "topics: [india-central-asia-relations]\n"),
    **_article("oldest-story", "2024-06-28", "topics: [india-russia-relations]\n"),
    "content/briefings/2024-07-03.md": """\
---
title: The day in <b>brief</b>
---
A **busy** day at the summit.

<script>alert("note")</script>
<img src="x" onerror="alert(1)">
""",
    # A day with a note and no article.
    "content/briefings/2024-07-02.md": "Nothing published today; the summit opens tomorrow.\n",
    **_event("summit", "The summit", "2024-07-02", "2024-07-05"),
    **_event("next-visit", "The next visit", "2024-08-10", "2024-08-11"),
    **_event("old-talks", "The old talks", "2024-05-01", "2024-05-02"),
}

DAYS = ["2024-07-03", "2024-07-02", "2024-07-01", "2024-06-28"]


def _desk(root: Path, sections: str = SECTIONS, more: dict[str, str] | None = None) -> Desk:
    desk = make_desk(root, {**FILES, **(more or {})})
    desk.write("mkdocs.yml", MKDOCS_YML.format(sections=sections))
    return desk


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    desk = _desk(tmp_path_factory.mktemp("briefings"))
    assert desk.build() == 0
    return desk


def content_of(html: str) -> str:
    """The page's main content, without the theme's header, navigation and footer."""
    start = html.index('<article class="md-content__inner md-typeset">')
    return html[start : html.index("</article>", start)]


def _sections(page: str) -> dict[str, list[str]]:
    """Section heading → the slugs of the articles under it, in order."""
    found: dict[str, list[str]] = {}
    for block in page.split('<section class="bg-briefing-section"')[1:]:
        heading = re.search(r'<h[23] id="[^"]*">([^<]*) <span', block)
        assert heading
        found[heading.group(1)] = re.findall(r'class="bg-article-title" href="[./]*articles/([a-z0-9-]+)/"', block)
    return found


def test_a_briefing_day_groups_its_articles_by_section_in_pages(site: Desk) -> None:
    page = content_of(site.page("briefings/2024-07-03"))
    second = content_of(site.page("briefings/2024-07-03/page/2"))
    assert "<h1>Briefing of 3 July 2024</h1>" in page and "<h1>Briefing of 3 July 2024 (page 2)</h1>" in second
    # page_size 2: the day's four briefs, filed by section, two a page.
    assert _sections(page) == {"Diplomacy": ["summit-talks", "two-topics"]}
    assert _sections(second) == {"Conflict": ["about-conflict"], "Other news": ["weather"]}
    assert "· 4 briefs" in page and "· 4 briefs" in second
    assert 'rel="next" href="page/2/">Next page →</a>' in page and "Page 1 of 2" in page
    assert 'rel="prev" href="../../">← Previous page</a>' in second and "Page 2 of 2" in second
    assert 'id="note"' in page and 'id="note"' not in second, "the editor's note opens the day, once"
    assert not (site.site / "briefings/2024-07-03/page/3").exists()
    assert "page/2" not in content_of(site.page("briefings/2024-07-01")), "a day that fits one page has one"
    assert "Key point of summit-talks." in page
    assert "Why it matters:</strong> Trade hangs on it." in page
    assert "What's next:</strong> A visit in August." in page
    assert 'href="../../articles/summit-talks/"' in page and "Example News" in page
    # Newer and older days, by publication or note.
    assert 'rel="next" href="../2024-07-02/"' in page and 'rel="prev" href="../' not in page
    assert 'rel="next" href="../../../2024-07-02/"' in second, "every page of a day links the days around it"
    older = content_of(site.page("briefings/2024-07-01"))
    assert 'rel="prev" href="../2024-07-02/"' in older and 'rel="next" href="../2024-06-28/"' in older
    # "Other news" appears only when it has articles.
    assert "Other news" not in older and _sections(older) == {"Diplomacy": ["older-story"]}


def test_the_editors_note_is_on_top_and_sanitised(site: Desk) -> None:
    page = content_of(site.page("briefings/2024-07-03"))
    note = page.index('id="note"')
    assert note < page.index('<section class="bg-briefing-section"')
    assert '<h2 id="note">The day in &lt;b&gt;brief&lt;/b&gt;</h2>' in page
    assert "A <strong>busy</strong> day at the summit." in page
    assert "<script>alert" not in page and "onerror" not in page and 'alert("note")' not in page


def test_a_day_with_only_a_note_has_a_page(site: Desk) -> None:
    page = content_of(site.page("briefings/2024-07-02"))
    assert "<h1>Briefing of 2 July 2024</h1>" in page
    assert '<h2 id="note">Editor&#39;s note</h2>' in page
    assert "Nothing published today; the summit opens tomorrow." in page
    assert "bg-briefing-section" not in page


def test_the_archive_lists_days_newest_first_in_pages(site: Desk) -> None:
    first = content_of(site.page("briefings"))
    second = content_of(site.page("briefings/page/2"))
    shown = re.findall(r'<time datetime="([0-9-]+)">', first) + re.findall(r'<time datetime="([0-9-]+)">', second)
    assert shown == DAYS  # page_size 2: two days a page
    assert 'href="../2024-07-03/"' not in first and 'href="2024-07-03/"' in first
    assert "The day in &lt;b&gt;brief&lt;/b&gt;" in first, "a day's note title is shown"
    assert "and 1 more" in first, "three headlines a day, then a link to the rest"
    assert 'href="feed.xml"' in first, "the archive links the feed of briefings"


def test_the_feed_of_briefings_is_valid_with_stable_guids(site: Desk, tmp_path: Path) -> None:
    rss = ET.fromstring((site.site / "briefings/feed.xml").read_bytes())
    atom = ET.fromstring((site.site / "briefings/atom.xml").read_bytes())
    guids = [g.text for g in rss.iter("guid")]
    assert guids == [f"https://desk.example.org/briefings/{day}/" for day in DAYS]
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert [e.findtext("a:id", namespaces=ns) for e in atom.findall("a:entry", ns)] == guids
    first = rss.find("channel/item")
    assert first is not None and first.findtext("title") == "Briefing of 3 July 2024"
    description = first.findtext("description") or ""
    assert "<h3>Diplomacy</h3>" in description and "Key point of summit-talks." in description
    # The item holds what the day's first page holds (page_size 2), and links the day for the rest.
    assert "two-topics" in description and "about-conflict" not in description and "weather" not in description
    assert '<a href="https://desk.example.org/briefings/2024-07-03/">All 4 briefs of the day</a>' in description
    assert "briefs of the day" not in (rss.findall("channel/item")[2].findtext("description") or "")
    assert "The day in &lt;b&gt;brief&lt;/b&gt;" in description and "A <strong>busy</strong> day" in description
    finder = ExecutableFinder()  # feed readers render the HTML: the note's script and handler are gone
    finder.feed(description)
    assert finder.found == [] and "<script>" not in description and "onerror" not in description
    # Linked from a day's head; an edit to a title keeps every GUID.
    head = site.page("briefings/2024-07-03")
    assert 'type="application/rss+xml"' in head and 'href="../feed.xml"' in head
    copy = _desk(tmp_path / "edited")
    path = copy.root / "content/articles/2024/07/summit-talks.md"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Story summit-talks", "title: Renamed"),
                    encoding="utf-8")
    assert copy.build() == 0
    again = ET.fromstring((copy.site / "briefings/feed.xml").read_bytes())
    assert [g.text for g in again.iter("guid")] == guids
    assert "Renamed" in (again.find("channel/item/description").text or "")  # type: ignore[union-attr]


def test_home_opens_on_the_latest_briefing_beside_ongoing_and_upcoming(site: Desk) -> None:
    html = site.page("")
    page = content_of(html)
    briefing = page.index('id="briefing"')
    assert '<a href="briefings/2024-07-03/">' in page
    # The briefing (its note and key points with links) comes first in the HTML: first on a phone.
    points = page.index("Key point of summit-talks.")
    assert briefing < points < page.index('id="ongoing"') < page.index('id="upcoming"')
    assert "A <strong>busy</strong> day at the summit." in page
    assert _sections(page)["Diplomacy"] == ["summit-talks", "two-topics"]
    ongoing = page[page.index('id="ongoing"') : page.index('id="upcoming"')]
    upcoming = page[page.index('id="upcoming"') : page.index('id="people-of-the-week"')]
    assert 'href="events/summit/"' in ongoing and "next-visit" not in ongoing
    assert 'href="events/next-visit/"' in upcoming and "events/summit/" not in upcoming
    assert "old-talks" not in ongoing + upcoming, "a concluded event is in neither box"
    # The briefings before the latest, a note-only day among them.
    days = page[page.index('id="earlier-briefings"') : page.index('id="people-of-the-week"')]
    assert re.findall(r'href="(briefings/[0-9-]+/)"', days) == [
        "briefings/2024-07-02/", "briefings/2024-07-01/", "briefings/2024-06-28/"]
    # Then the articles before the briefing's day.
    earlier = page[page.index('id="latest"') :]
    assert 'href="articles/older-story/"' in earlier and "summit-talks" not in earlier
    # The navigation has a Briefings tab.
    assert re.search(r'<a href="briefings/"[^>]*>\s*(<span[^>]*>\s*)?Briefings\s*<', html)


def test_without_sections_a_day_is_one_list(tmp_path: Path) -> None:
    desk = _desk(tmp_path / "plain", sections="")
    assert desk.build() == 0
    first, second = content_of(desk.page("briefings/2024-07-03")), content_of(desk.page("briefings/2024-07-03/page/2"))
    assert _sections(first) == {"Today&#39;s briefs": ["about-conflict", "summit-talks"]}
    assert _sections(second) == {"Today&#39;s briefs (continued)": ["two-topics", "weather"]}
    assert '<span class="bg-count">4</span>' in first, "a section counts its briefs of the whole day"


def test_an_unknown_topic_in_the_sections_is_reported_without_a_traceback(tmp_path: Path, capsys) -> None:
    sections = SECTIONS.replace("[indians-in-russian-military]", "[indians-in-russian-militar]")
    desk = _desk(tmp_path / "typo", sections=sections)
    # `briefgen build` builds strictly: the warning stops it, and says what to fix.
    assert desk.build() == 1
    err = capsys.readouterr().err
    assert ("WARNING -  briefgen: mkdocs.yml: `briefing_sections` section 2 ('Conflict') names the topic "
            "'indians-in-russian-militar', which is not in content/topics/: no article is filed under it. "
            "Fix the slug, or add the topic to content/topics/") in err
    assert "Traceback" not in err
    # Without `strict` (`mkdocs build`, the preview) the site is built, and the slug files nothing.
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-f", str(desk.config), "-d",
                           str(tmp_path / "lenient")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "indians-in-russian-militar" in done.stderr and "Traceback" not in done.stderr
    pages = [content_of((tmp_path / "lenient/briefings/2024-07-03" / page / "index.html").read_text(encoding="utf-8"))
             for page in (".", "page/2")]
    assert _sections(pages[0]) == {"Diplomacy": ["about-conflict", "summit-talks"]}
    assert _sections(pages[1]) == {"Diplomacy (continued)": ["two-topics"], "Other news": ["weather"]}


@pytest.mark.parametrize(("sections", "message"), [
    pytest.param("      briefing_sections:\n        - title: Diplomacy\n          topics: india-russia-relations\n",
                 "Section 1 ('Diplomacy') needs `topics`, a list of topic slugs, but has: 'india-russia-relations'",
                 id="topics-not-a-list"),
    pytest.param("      briefing_sections:\n        - topics: [india-russia-relations]\n",
                 "Section 1 needs a `title` (text), but has: None", id="no-title"),
    pytest.param("      briefing_sections: Diplomacy\n",
                 "Expected a list of sections, each with a `title` and a list of `topics`", id="not-a-list"),
])
def test_a_malformed_sections_option_is_a_configuration_error(tmp_path: Path, capsys, sections: str,
                                                              message: str) -> None:
    desk = _desk(tmp_path / "bad", sections=sections)
    assert desk.build() == 2
    err = capsys.readouterr().err
    assert "briefing_sections" in err and message in err and "Traceback" not in err


def test_the_home_page_lists_ten_events_of_the_week_those_begun_in_it_first(tmp_path: Path) -> None:
    """Every long war meets every week: past the Ongoing box's eight, the home page would list them all,
    and a page would grow with the desk. Ten, the week's own events first."""
    wars = {f"content/events/war-{n:02d}.yml": f"name: War {n}\nstart: {2000 + n}-03-01\nongoing: true\n"
            for n in range(20)}
    press = _event("press-day", "Press day", "2024-07-01", "2024-07-01")  # over by the desk's date, 3 July
    desk = _desk(tmp_path / "wars", more={**wars, **press})
    assert desk.build() == 0
    page = content_of(desk.page(""))
    ongoing = page[page.index('id="ongoing"') : page.index('id="upcoming"')]
    week = page[page.index('id="events-of-the-week"') : page.index('id="the-desk"')]
    # The summit (2 to 5 July) and the seven latest wars fill the Ongoing box.
    listed = r'href="events/([a-z0-9-]+)/"'
    assert re.findall(listed, ongoing) == ["summit"] + [f"war-{n}" for n in range(19, 12, -1)]
    assert re.findall(listed, week) == ["press-day"] + [f"war-{n:02d}" for n in range(12, 3, -1)]
