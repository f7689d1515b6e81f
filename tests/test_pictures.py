"""The pictures drawn at build time: activity charts, timelines, connections, the people network, sparklines.

Two small desks, each built once with real MkDocs: DESK holds every kind of picture (and names with
markup in them); MANY has enough events for the timeline to be paged by year.
"""

from __future__ import annotations

import datetime as dt
import itertools
import posixpath
import re
from pathlib import Path

import pytest
from conftest import Desk, ExecutableFinder, make_desk

from briefgen.pages import charts, pictures, timeline

EVIL_PERSON = "Eve <script>alert(1)</script> & Co"
EVIL_EVENT = "Talks <script>alert(2)</script> & more"
EVIL_TOPIC = "Energy & <i>power</i>"
CROWD = [f"crowd-{i:02d}" for i in range(30)]


def _article(slug: str, date: str, fields: str) -> dict[str, str]:
    source = "" if "source:" in fields else f"source:\n  name: Example News\n  url: https://news.example.com/{slug}\n"
    front = (f"title: Story {slug}\ndate: {date}\nsummary: About {slug}.\n{source}"
             f"key_points:\n  - A point of {slug}.\n{fields.strip()}\n")
    return {f"content/articles/{date[:4]}/{date[5:7]}/{slug}.md": f"---\n{front}---\nA report.\n"}


DESK = {
    "content/people/ada.yml": "name: Ada Lovelace\nroles:\n  - title: Minister\n",
    "content/people/bob.yml": "name: Bob Byron\n",
    "content/people/cy.yml": "name: Cy Clerk\n",
    "content/people/evil.yml": f'name: "{EVIL_PERSON}"\n',
    **{f"content/people/{slug}.yml": f"name: Crowd Member {slug[-2:]}\n" for slug in CROWD},
    "content/events/war.yml": "name: The long war\nstart: 2022-02-24\nongoing: true\n",
    "content/events/summit.yml": "name: Summit\nstart: 2024-07-03\nend: 2024-07-04\nparent: war\n",
    "content/events/meeting.yml": "name: Side meeting\nstart: 2024-07-04\nparent: summit\n",
    "content/events/old-talks.yml": f'name: "{EVIL_EVENT}"\nstart: 2023-05-01\n',
    "content/events/future.yml": "name: Future talks\nstart: 2025-09-01\n",
    "content/topics/trade.yml": "name: Trade\n",
    "content/topics/energy.yml": f'name: "{EVIL_TOPIC}"\n',
    "content/orgs/council.yml": "name: Council\n",
    "content/places/delhi.yml": "name: Delhi\n",
    "content/sources/wire.yml": "name: The Wire\nkind: agency\n",
    **_article("old-1", "2023-05-01", "people: [ada, bob]\nevents: [old-talks]\ntopics: [trade]\norgs: [council]"),
    **_article("old-2", "2023-05-02", "people: [bob, cy]\ntopics: [energy]\nplaces: [delhi]"),
    **_article("j-1", "2024-06-15", "people: [ada, evil]\nevents: [war]\ntopics: [trade]\nsource: wire"),
    **_article("s-1", "2024-07-03", "people: [ada, bob]\nevents: [summit]\nabout: [summit]"),
    **_article("m-1", "2024-07-04", "people: [cy]\nevents: [meeting]"),
    **_article("crowd", "2024-07-05", f"people: [ada, {', '.join(CROWD)}]\ntopics: [energy]"),
    # The newest article: the desk's date is 10 July 2024.
    **_article("latest", "2024-07-10", "people: [ada, bob, evil]\nevents: [war]\ntopics: [trade]\nsource: wire"),
}

SVG_RE = re.compile(r'<svg[^>]*class="bg-(?:pic|spark)[^"]*"[^>]*>.*?</svg>', re.S)


def _build(root: Path, files: dict[str, str]) -> Desk:
    built = make_desk(root, files)
    with pytest.MonkeyPatch.context() as patch:  # no check cache in ~/.cache from a module-scoped build
        patch.setenv("XDG_CACHE_HOME", str(root / "cache"))
        assert built.build() == 0
    return built


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    return _build(tmp_path_factory.mktemp("pictures"), DESK)


#: More events than the timeline's one page holds: 160 in 2024 (two pages of it), four in 2023, and one
#: ongoing since 2023, on both years' pages.
MANY = {
    "content/people/ada.yml": "name: Ada Lovelace\n",
    **{f"content/events/e-{i:03d}.yml": (
        f"name: Event {i:03d}\nstart: {dt.date(2024, 1, 1) + dt.timedelta(days=2 * i)}\n")
       for i in range(160)},
    **{f"content/events/old-{i}.yml": f"name: Old event {i}\nstart: 2023-0{i + 1}-10\n" for i in range(4)},
    "content/events/long.yml": "name: Long conflict\nstart: 2023-06-01\nongoing: true\n",
    # Starts and ends in years with no other event: the year between has a page for it too.
    "content/events/decade.yml": "name: Long treaty talks\nstart: 2020-03-01\nend: 2022-02-01\n",
    **_article("only", "2024-12-31", "people: [ada]\nevents: [e-001]"),
}


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    return _build(tmp_path_factory.mktemp("many-events"), MANY)


def _pages(desk: Desk) -> dict[str, str]:
    """Site-relative URL of each page's folder → its HTML."""
    return {p.parent.relative_to(desk.site).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(desk.site.rglob("index.html"))}


def _figure(page: str, figure_id: str) -> str:
    start = page.index(f'id="{figure_id}"')
    return page[start : page.index("</figure>", start)]


def _resolves(desk: Desk, folder: str, href: str) -> bool:
    target = posixpath.normpath(posixpath.join(folder, href)) if folder != "." else posixpath.normpath(href)
    return (desk.site / target / "index.html").is_file()


def test_every_picture_has_a_title_a_text_alternative_and_scales(desk: Desk) -> None:
    found: dict[str, int] = {}
    for folder, page in _pages(desk).items():
        for svg in SVG_RE.findall(page):
            found[folder] = found.get(folder, 0) + 1
            head = svg[: svg.index(">")]
            assert 'viewBox="0 0 ' in head and " width=" not in head and " height=" not in head, (folder, head)
            assert "style=" not in svg, folder  # classes only: the theme's colours, and a strict CSP
            labelled = re.search(r'aria-labelledby="([^"]+)"', head)
            assert labelled, (folder, head)
            title = re.search(rf'<title id="{re.escape(labelled.group(1))}">([^<]+)</title>', svg)
            assert title and title.group(1).strip(), (folder, head)
            if 'class="bg-spark"' in head:
                assert 'role="img"' in head and re.search(r"\d+(, \d+){11}$", title.group(1)), title.group(1)
                continue
            described = re.search(r'aria-describedby="([^"]+)"', head)
            assert described, (folder, head)
            caption = re.search(rf'<figcaption id="{re.escape(described.group(1))}">([^<]+)</figcaption>', page)
            assert caption and re.search(r"\d", caption.group(1)), (folder, described.group(1))
            assert ('role="img"' in head) == ("<a " not in svg), head  # links inside stay reachable
    for folder in ("people/ada", "events/summit", "events/war", "orgs/council", "places/delhi", "topics/trade",
                   "sources/wire", "people", "timeline", "."):
        assert found.get(folder), folder
    assert 'assets/pictures.css"' in desk.page("people/ada")


def test_every_link_in_a_picture_leads_to_a_page_of_the_site(desk: Desk) -> None:
    links = 0
    for folder, page in _pages(desk).items():
        for svg in SVG_RE.findall(page):
            for href in re.findall(r'<a href="([^"]+)"', svg):
                links += 1
                assert _resolves(desk, folder, href), (folder, href)
    assert links > 50


def test_names_stay_text_inside_pictures(desk: Desk) -> None:
    ada = desk.page("people/ada")
    graph = _figure(ada, "bg-connections")
    assert "Eve &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in graph
    timeline_page = desk.page("timeline")
    assert "Talks &lt;script&gt;alert(2)&lt;/script&gt; &amp; more" in _figure(timeline_page, "bg-timeline")
    people = desk.page("people")
    assert "Energy &amp; &lt;i&gt;power&lt;/i&gt;" in _figure(people, "bg-network-topic-energy")
    for page in (ada, timeline_page, people, desk.page("")):
        assert "<script>alert" not in page and "<i>power" not in page
        finder = ExecutableFinder()
        finder.feed(page)
        assert finder.found == []


def test_two_builds_draw_the_same_bytes(desk: Desk, tmp_path: Path) -> None:
    again = _build(tmp_path / "again", DESK)
    first, second = _pages(desk), _pages(again)
    assert first.keys() == second.keys()
    for folder in first:
        assert SVG_RE.findall(first[folder]) == SVG_RE.findall(second[folder]), folder


def test_an_activity_chart_draws_a_bounded_number_of_bars_whatever_the_span() -> None:
    start = dt.date(2001, 1, 1)
    for span_days, step in ((0, 1), (20, 1), (100, 3), (1000, 2), (3000, 5), (20000, 7), (40000, 11)):
        dates = [start + dt.timedelta(days=d) for d in range(0, span_days + 1, step)]
        unit, bins, earlier = pictures.activity_bins(dates)
        assert pictures.MIN_BARS <= len(bins) <= pictures.MAX_BARS or unit != "week", (span_days, unit)
        assert 1 <= len(bins) <= pictures.MAX_BARS, (span_days, len(bins))
        assert sum(b.count for b in bins) + earlier == len(dates)
        assert all(b.start <= b.end for b in bins) and all(a.end < b.start for a, b in itertools.pairwise(bins))
        svg = pictures.bar_chart(bins, chart_id="c", title="t", caption=pictures.activity_caption(unit, bins, earlier))
        assert svg.count('class="bg-pic-bar"') <= pictures.MAX_BARS
    assert pictures.activity_bins([start])[0] == "week"
    assert pictures.activity_bins([start, dt.date(2002, 6, 1)])[0] == "month"
    assert pictures.activity_bins([start, dt.date(2005, 6, 1)])[0] == "quarter"
    unit, bins, earlier = pictures.activity_bins([dt.date(1900, 1, 1), dt.date(2000, 1, 1)])
    assert (unit, len(bins), earlier) == ("year", pictures.MAX_BARS, 1)


def test_the_activity_chart_states_its_figures(desk: Desk) -> None:
    ada = _figure(desk.page("people/ada"), "bg-activity")
    # Ada: 5 articles, 1 May 2023 to 10 July 2024: 15 months, too many to list each.
    caption = re.search(r"<figcaption[^>]*>([^<]+)<", ada).group(1)  # type: ignore[union-attr]
    assert caption == ("5 articles, May 2023 to July 2024. The busiest months: July 2024: 3; May 2023: 1; "
                       "June 2024: 1.")
    assert ada.count('class="bg-pic-bar"') == 3  # May 2023, June 2024, July 2024
    assert "<title>July 2024: 3 articles</title>" in ada
    summit = _figure(desk.page("events/summit"), "bg-activity")
    # Its own article and its sub-event's, in one week: drawn over the six weeks to it.
    assert "Coverage of Summit, by week" in summit and summit.count("<title>The week of") == 1
    assert "2 articles, 27 May – 7 July 2024. By week: the week of 27 May 2024: 0; " in summit


def test_the_timeline_lists_every_event_with_its_dates(desk: Desk) -> None:
    page = desk.page("timeline")
    svg = _figure(page, "bg-timeline")
    listing = page[page.index('class="bg-timeline-list"') :]
    for slug, start in (("war", "2022-02-24"), ("summit", "2024-07-03"), ("meeting", "2024-07-04"),
                        ("old-talks", "2023-05-01"), ("future", "2025-09-01")):
        assert f'<a href="../events/{slug}/">' in svg, slug
        assert re.search(rf'<time datetime="{start}">[^<]+</time>[^<]*(?:<time[^>]*>[^<]*</time>)?: '
                         rf'<a href="../events/{slug}/">', listing), slug
    assert '<time datetime="2024-07-03">3 July 2024</time> – <time datetime="2024-07-04">4 July 2024</time>' in listing
    assert "24 February 2022</time> – ongoing" in listing
    assert "Timeline" in desk.page("") and 'href="../timeline/"' in desk.page("events")


def test_the_timeline_is_paged_by_year_when_there_are_many_events(many: Desk) -> None:
    pages = {folder: page for folder, page in _pages(many).items() if folder.startswith("timeline")}
    assert sorted(pages) == ["timeline", "timeline/2020", "timeline/2021", "timeline/2022", "timeline/2023",
                             "timeline/page/2"]
    listed: dict[str, list[str]] = {}
    for folder, page in pages.items():
        items = re.findall(r'<li class="bg-tl-item"><time datetime="[-\d]+">.*?'
                           r'<a href="\.\./(?:\.\./)*events/([^/]+)/">', page)
        start = page.index('class="bg-picture bg-timeline"')
        svg_links = re.findall(r'<a href="(?:\.\./)+events/([^/]+)/">', page[start : page.index("</figure>", start)])
        assert items == svg_links and len(items) <= timeline.YEAR_PAGE_SIZE, folder
        for slug in items:
            listed.setdefault(slug, []).append(folder)
    assert set(listed) == {p[len("content/events/") : -len(".yml")] for p in MANY if p.startswith("content/events/")}
    assert sorted(listed["long"]) == ["timeline", "timeline/2023"]  # ongoing since 2023: on both years
    assert sorted(listed["decade"]) == ["timeline/2020", "timeline/2021", "timeline/2022"]
    assert len(re.findall(r'class="bg-tl-item"', pages["timeline"])) == timeline.YEAR_PAGE_SIZE
    assert 'href="2023/"' in pages["timeline"] and 'href="page/2/"' in pages["timeline"]
    assert '<strong aria-current="page">2024</strong>' in pages["timeline/page/2"]


def test_an_event_page_sets_the_event_among_its_parents_sub_events_and_coverage(desk: Desk) -> None:
    svg = _figure(desk.page("events/summit"), "bg-event-timeline")
    rows = re.findall(r'<g class="bg-tl-row([^"]*)">(<a href="([^"]+)">)?<title>([^<,]+)', svg)
    assert [(css.strip(), href, name) for css, _, href, name in rows] == [
        ("bg-tl-ongoing", "../war/", "The long war"),
        ("bg-tl-concluded bg-tl-current", "", "Summit"),
        ("bg-tl-concluded", "../meeting/", "Side meeting"),
    ]
    assert svg.count('class="bg-pic-bar"') == 2  # 3 and 4 July: the summit's article and its sub-event's
    assert "part of The long war; 1 sub-event." in svg


def test_a_person_page_draws_at_most_25_people_covered_with_them(desk: Desk) -> None:
    graph = _figure(desk.page("people/ada"), "bg-connections")
    nodes = re.findall(r'<a href="([^"]+)"><title>', graph)
    assert len(nodes) == charts.CONNECTIONS_CAP and len(set(nodes)) == len(nodes)
    # The strongest first: Bob (3 articles together), then Eve (2).
    assert nodes[:2] == ["../bob/", "../evil/"]
    assert re.search(r'<line class="bg-net-edge bg-net-edge-centre"[^>]*stroke-width="6\.0"', graph)
    assert "Bob Byron (3)" in graph and "Bob Byron: 3 articles with Ada Lovelace" in graph
    # Bob and Eve share an article: a curve between them.
    assert graph.count('<path class="bg-net-edge"') >= 1


def test_the_people_index_shows_the_network_by_year_and_by_topic(desk: Desk) -> None:
    people = desk.page("people")
    for variant in ("network-all", "network-2023", "network-2024", "network-topic-trade", "network-topic-energy"):
        assert f'<a href="#{variant}">' in people, variant
        assert '<div class="bg-variant' in people and f'id="{variant}">' in people, variant
        assert f'id="bg-{variant}"' in people, variant
    # The whole desk's comes last and is the one shown without a target.
    assert people.index('class="bg-variant bg-variant-default" id="network-all"') > people.index('id="network-2024"')
    nodes = re.findall(r'<a href="([^"]+)"><title>', _figure(people, "bg-network-all"))
    assert len(nodes) == 34 and nodes[0] == "ada/"  # everyone: fewer than NETWORK_PEOPLE
    css = (desk.site / "assets" / "pictures.css").read_text(encoding="utf-8")
    assert ".bg-variant:target ~ .bg-variant-default { display: none; }" in css
    assert "<script" not in people[people.index('id="network"') : people.index("</section>")]


def test_the_people_in_the_news_have_a_sparkline_of_their_weeks(desk: Desk) -> None:
    home = desk.page("")
    news = home[home.index('id="people-of-the-week"') : home.index('id="the-desk"')]
    assert "People in the news" in news
    sparks = re.findall(r'<svg[^>]*class="bg-spark"[^>]*>.*?</svg>', news, re.S)
    assert len(sparks) == news.count('<li class="bg-card bg-person">') > 3
    ada = next(s for s in sparks if 'id="bg-spark-ada"' in s)
    # The 12 weeks to 10 July 2024: 5 and 10 July in the last, 3 July in the one before, 15 June in the fourth.
    assert ("Ada Lovelace: articles a week, the 12 weeks to 10 July 2024, oldest first: "
            "0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 2") in ada
    assert ada.count("<rect") == 3


def test_weekly_counts_look_only_at_the_weeks_shown() -> None:
    class Dated:
        def __init__(self, day: dt.date) -> None:
            self.date = day

    end = dt.date(2024, 7, 10)
    coverage = [Dated(end - dt.timedelta(days=d)) for d in (0, 6, 7, 83, 84, 400)]
    assert charts.weekly_counts(coverage, end) == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2]  # type: ignore[arg-type]


def test_a_timeline_axis_marks_a_few_dates_inside_it_whatever_its_span() -> None:
    start = dt.date(2024, 7, 3)
    for days in (0, 1, 5, 13, 40, 70, 200, 365, 800, 1400, 1500, 5000, 40000):
        end = start + dt.timedelta(days=days)
        marks = pictures.ticks(start, end)
        assert 1 <= len(marks) <= 9, (days, marks)
        assert all(start <= day <= end for day, _ in marks) and marks == sorted(marks), days
    assert [label for _, label in pictures.ticks(dt.date(2023, 12, 27), dt.date(2026, 1, 5))] == [
        "Jan 2024", "Jul", "Jan 2025", "Jul", "Jan 2026"]
