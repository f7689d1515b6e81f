"""An XSS corpus in every kind of field: no page runs it, checked by parsing and in headless Chromium."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
import yaml
from conftest import CHROMIUM, ExecutableFinder, chromium_dom, static_server

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)>",
    '"><script>alert(4)</script>',
    "<iframe src=\"javascript:alert(5)\"></iframe>",
    "<a href=\"jav&#x09;ascript:alert(6)\">x</a>",
    "<details open ontoggle=alert(7)>",
    "&lt;script&gt;alert(8)&lt;/script&gt;",
    "<style>body{background:url(javascript:alert(9))}</style>",
    "<form action=javascript:alert(10)><button>go</button></form>",
    "{{ 7 * 7 }}<img src=x onerror=alert(11)>",
]
HOSTILE = " ".join(PAYLOADS)

# Marks the page when anything calls a dialog; injected by the test server before any page script.
HOOK = (b"<script>(function(){var f=function(){document.documentElement.setAttribute('data-xss','fired')};"
        b"window.alert=f;window.confirm=f;window.prompt=f;})();</script>")


def _desk_files() -> dict[str, str]:
    def dump(data: dict[str, object]) -> str:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)

    front = {
        "title": f"Title {HOSTILE}", "date": "2024-07-03",
        "source": {"name": f"Source {HOSTILE}", "url": "https://news.example.com/a?q=<script>alert(12)</script>"},
        "summary": f"Summary {HOSTILE}", "key_points": [f"Point {p}" for p in PAYLOADS],
        "people": ["eve"], "events": ["summit"], "orgs": ["org"], "places": ["place"], "topics": ["topic"],
        "quotes": [{"by": "eve", "text": f"Quote {HOSTILE}", "context": f"Context {HOSTILE}"}],
    }
    body = f"Eve Hacker spoke.\n\n{HOSTILE}\n\n[link](javascript:alert(13)) ![img](javascript:alert(14))\n"

    def named(who: str) -> dict[str, object]:
        return {"aliases": [f"{who} {PAYLOADS[1]}"], "summary": f"About {HOSTILE}",
                "links": [{"title": f"Link {HOSTILE}", "url": "https://example.org/\"onmouseover=alert(15)"}]}

    return {
        "content/articles/2024/07/a.md": f"---\n{dump(front)}---\n{body}",
        "content/people/eve.yml": dump({"name": "Eve Hacker", "roles": [{"title": f"Role {HOSTILE}"}],
                                        **named("Eve")}),
        "content/events/summit.yml": dump({"name": f"Summit {PAYLOADS[0]}", "start": "2024-07-03",
                                           "participants": ["eve"], **named("Summit")}),
        "content/orgs/org.yml": dump({"name": f"Org {PAYLOADS[2]}", **named("Org")}),
        "content/places/place.yml": dump({"name": f"Place {PAYLOADS[3]}", **named("Place")}),
        "content/topics/topic.yml": dump({"name": f"Topic {PAYLOADS[6]}", **named("Topic")}),
    }


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory):
    from conftest import make_desk

    desk = make_desk(tmp_path_factory.mktemp("xss"), _desk_files())
    assert desk.build() == 0
    return desk


def test_no_page_carries_executable_content(hostile_site) -> None:
    pages = sorted(hostile_site.site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        finder = ExecutableFinder()
        finder.feed(page.read_text(encoding="utf-8"))
        assert finder.found == [], page.relative_to(hostile_site.site)


def test_no_feed_carries_executable_content(hostile_site) -> None:
    """Feed readers render item descriptions as HTML: what they would render must be inert too."""
    feeds = sorted(hostile_site.site.rglob("feed.xml")) + sorted(hostile_site.site.rglob("atom.xml"))
    assert len(feeds) == 14  # the site's, each entry's, and the daily briefings'
    for path in feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, path
        # Titles are plain text by the specs (readers show `<script>` as those characters); descriptions and
        # content are HTML, which readers render, so those must hold nothing executable.
        assert parsed.feed.title_detail.type == "text/plain"
        html_parts = []
        for entry in parsed.entries:
            assert entry.title_detail.type == "text/plain"
            details = [entry.summary_detail] if "summary_detail" in entry else []
            details += entry.get("content", [])
            assert details and all(d.type == "text/html" for d in details), path
            html_parts += [d.value for d in details]
        assert html_parts, path
        for text in html_parts:
            finder = ExecutableFinder()
            finder.feed(text)
            assert finder.found == [], (path, text[:200])
            assert "<script" not in text.lower(), (path, text[:200])


def test_check_warns_about_what_bodies_lose(hostile_site, capsys: pytest.CaptureFixture[str]) -> None:
    assert hostile_site.cli("check") == 0
    out = capsys.readouterr().out
    assert "warning[unsafe-html]: the `<script>` element is removed from the page" in out
    assert "warning[unsafe-html]: the `javascript:` link address is removed from the page" in out


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is installed by `make test`")
def test_no_dialog_opens_in_chromium(hostile_site, tmp_path: Path) -> None:
    control = hostile_site.site / "control"
    control.mkdir()
    (control / "index.html").write_text("<html><head></head><body><img src=x onerror=alert(1)></body></html>")
    urls = ["", "articles/a/", "people/eve/", "events/summit/", "orgs/org/", "places/place/", "topics/topic/",
            "people/", "articles/2024/07/"]
    with static_server(hostile_site.site, HOOK) as base:
        assert 'data-xss="fired"' in chromium_dom(base + "control/", tmp_path / "c"), "the hook must see a dialog"
        for url in urls:
            dom = chromium_dom(base + url, tmp_path / url.replace("/", "_"))
            assert "Eve Hacker" in dom or url == "articles/2024/07/", url
            assert 'data-xss="fired"' not in dom, url
