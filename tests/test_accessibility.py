"""Pages as readers meet them: served on localhost, opened in Debian's headless Chromium at a desktop
(1280 px) and a phone (390 px) width, in the light and the dark scheme, and checked with axe-core.

Two desks: the repository's sample desk (built with the repository's mkdocs.yml) and `briefgen demo-desk
--articles 200` (whose mkdocs.yml names the theme only: what briefgen makes of it by default). On each
page: no serious or critical axe-core violation; nothing in the browser's console (every page is served
under a strict Content-Security-Policy, so an inline script or style of briefgen's would be refused there
and show); no request to any other host (fonts included); the reader's colour scheme followed; nothing
wider than a phone's screen; every picture (inline SVG) titled, with a text alternative, its links
reachable by keyboard; the skip link and the search box's label working.

Artifacts go to tests/artifacts/accessibility/ (git-ignored): a screenshot of every page at both widths and
in both schemes (`<desk>/<page>-<width>-<scheme>.png`) and axe-core's moderate and minor findings
(`<desk>-findings.json`, not failures). With `BRIEFGEN_UPDATE_SCREENSHOTS=1` (`make screenshots`) the demo
desk's desktop screenshots are also written, at half size, into docs/screenshots/ for the README.

axe-core is vendored for the tests only: tests/vendor/axe.min.js (axe-core 4.14.1 from the npm registry,
MPL-2.0, licence beside it in tests/vendor/).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import CHROMEDRIVER, CHROMIUM, REPO, Desk, article, chromium_driver, person, static_server

from briefgen.cli import main

needs_browser = pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                                   reason="Debian's chromium and chromium-driver are installed by `make test`")

AXE = REPO / "tests/vendor/axe.min.js"
ARTIFACTS = REPO / "tests/artifacts/accessibility"
README_SCREENSHOTS = REPO / "docs/screenshots"
PAGES = ("home", "article", "person", "event", "timeline", "people", "search")
WIDTHS = ((1280, 900), (390, 844))
SCHEMES = {"light": "default", "dark": "slate"}  # prefers-color-scheme → the theme's scheme it must show
FAILING_IMPACTS = ("serious", "critical")
#: Strict: scripts and styles from the site's own files only. Pagefind's search runs WebAssembly
#: ('wasm-unsafe-eval'); the theme's own inline scripts are let in by their hashes, page by page.
POLICY = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {hashes}; style-src 'self'; "
          "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
          "form-action 'self'; frame-ancestors 'none'")
_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S)
_DATA_TYPES = ('type="application/ld+json"', 'type="application/json"')


def _theme_scripts() -> tuple[str, ...]:
    """How each inline script of Material's templates begins (up to its first template expression)."""
    import material

    folder = Path(material.__file__).parent / "templates/partials/javascripts"
    starts = []
    for partial in sorted(folder.glob("*.html")):
        for found in _SCRIPT.finditer(partial.read_text(encoding="utf-8")):
            start = re.split(r"\{[{%]", found.group("body"))[0][:40]
            if len(start) >= 12:  # a script that opens with a template expression can't be told by its start
                starts.append(start)
    assert starts, f"no inline script found in {folder}: Material's templates have moved"
    return tuple(starts)


THEME_SCRIPTS = _theme_scripts()


def inline_scripts(html: str) -> list[str]:
    """The bodies of a page's inline scripts (data blocks such as JSON-LD are not scripts)."""
    return [found.group("body") for found in _SCRIPT.finditer(html)
            if "src=" not in found.group("attrs") and not any(t in found.group("attrs") for t in _DATA_TYPES)]


def _policy(path: str, page: bytes) -> dict[str, str]:
    """The page's Content-Security-Policy: the theme's inline scripts allowed by hash, nothing else inline."""
    hashes = sorted({"'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
                     for body in inline_scripts(page.decode("utf-8")) if body.startswith(THEME_SCRIPTS)})
    return {"Content-Security-Policy": POLICY.format(hashes=" ".join(hashes))}


@dataclass
class Served:
    """A built desk on a loopback port, a browser open on it, and what is found along the way."""

    name: str
    site: Path
    base: str
    driver: Any
    urls: dict[str, str | None]
    query: str
    """A name the search must find."""
    findings: list[dict[str, Any]] = field(default_factory=list)
    """axe-core's moderate and minor findings: reported, not failures."""


def _pages_of(site: Path) -> tuple[dict[str, str | None], str]:
    """The pages to open (the most covered person and event, the newest article) and a name to search for,
    read from the site's JSON API."""
    index = json.loads((site / "api/index.json").read_text(encoding="utf-8"))

    def most_covered(kind: str) -> dict[str, Any]:
        entries = [e for e in index["entities"] if e["kind"] == kind]
        return min(entries, key=lambda e: (-e["counts"]["articles"], e["slug"]))

    person = most_covered("person")
    urls: dict[str, str | None] = {
        "home": "", "article": index["articles"][0]["url"], "person": person["url"],
        "event": most_covered("event")["url"], "people": "people/", "search": "search/",
        "timeline": "timeline/" if (site / "timeline/index.html").is_file() else None,
    }
    return urls, person["name"].split()[-1]


def _demo_desk(root: Path) -> Desk:
    assert main(["demo-desk", "-q", "--articles", "200", "--out", str(root)]) == 0
    desk = Desk(root)
    assert desk.build() == 0
    return desk


@pytest.fixture(scope="module", params=["sample", "demo"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Desk]:
    """Each desk, built once: the sample desk (the session's build) and a 200-article demo desk."""
    if request.param == "sample":
        return "sample", request.getfixturevalue("sample_site")
    return "demo", _demo_desk(tmp_path_factory.mktemp("demo") / "desk")


@pytest.fixture(scope="module")
def served(built: tuple[str, Desk], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One browser for all the pages of a desk, served under the strict policy."""
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip("Debian's chromium and chromium-driver are installed by `make test`")
    name, desk = built
    urls, query = _pages_of(desk.site)
    with static_server(desk.site, headers=_policy) as base, \
            chromium_driver(tmp_path_factory.mktemp("profile")) as driver:
        served = Served(name, desk.site, base, driver, urls, query)
        yield served
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = ARTIFACTS / f"{served.name}-findings.json"
    report.write_text(json.dumps(served.findings, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _html_pages(site: Path) -> Iterator[tuple[str, str]]:
    for path in sorted(site.rglob("*.html")):
        yield path.relative_to(site).as_posix(), path.read_text(encoding="utf-8")


def test_no_page_loads_fonts_from_google_and_every_page_follows_the_reader_s_scheme(built: tuple[str, Desk]) -> None:
    """The theme's Google Fonts (a request to Google from every page a reader opens) are off, and the palette
    follows `prefers-color-scheme`: set in the repository's mkdocs.yml, and by briefgen where mkdocs.yml
    names the theme alone (the demo desk's)."""
    site = built[1].site
    pages = dict(_html_pages(site))
    assert len(pages) > 40
    assert [rel for rel, html in pages.items() if "fonts.googleapis" in html or "fonts.gstatic" in html] == []
    assert [rel for rel, html in pages.items() if 'data-md-color-media="(prefers-color-scheme)"' not in html] == []


def test_a_project_s_own_fonts_and_colours_are_kept(desk_factory: Callable[..., Desk]) -> None:
    """briefgen's defaults only fill what mkdocs.yml leaves out."""
    desk = desk_factory({**article(), **person()})
    config = desk.config.read_text(encoding="utf-8")
    desk.config.write_text(config.replace("  name: material\n", "  name: material\n  font: { text: Inter }\n"
                                          "  palette: { scheme: slate, primary: teal }\n"), encoding="utf-8")
    assert desk.build() == 0
    page = desk.page("people/ada-lovelace")
    assert "https://fonts.googleapis.com/css?family=Inter:" in page
    assert 'data-md-color-scheme="slate" data-md-color-primary="teal"' in page
    assert "prefers-color-scheme" not in page


def test_every_inline_script_is_the_theme_s(built: tuple[str, Desk]) -> None:
    """briefgen's own script is a file of the site (assets/briefgen.js), so a strict CSP needs no
    'unsafe-inline' for it; what stays inline is the theme's (allowed by hash in these tests)."""
    site = built[1].site
    theirs = {}
    for rel, html in _html_pages(site):
        for body in inline_scripts(html):
            if not body.startswith(THEME_SCRIPTS):
                theirs[rel] = body[:80]
    assert theirs == {}
    assert '<script src="../assets/briefgen.js"></script>' in (site / "people/index.html").read_text()


_AXE_RUN = """
var done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(function (r) {
  done(r.violations.map(function (v) {
    return {id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(function (n) { return n.target.join(' ') + ' :: ' +
              (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 300); }),
            count: v.nodes.length};
  }));
}, function (e) { done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: [], count: 1}]); });
"""

_PICTURES = """
var problems = [], count = 0;
document.querySelectorAll('#bg-content svg').forEach(function (svg, i) {
  if (svg.closest('[aria-hidden="true"]')) { return; }
  count += 1;
  var where = 'svg.' + (svg.getAttribute('class') || '').replace(/ /g, '.') + ' #' + i;
  var title = svg.querySelector(':scope > title');
  if (!title || !title.textContent.trim()) { problems.push(where + ': no <title>'); }
  var text = function (ids) {
    return ids.split(/\\s+/).filter(Boolean).map(function (id) {
      var el = document.getElementById(id); return el ? el.textContent.trim() : '';
    });
  };
  var name = text(svg.getAttribute('aria-labelledby') || '').join(' ').trim() ||
             (svg.getAttribute('aria-label') || '').trim();
  if (!name) { problems.push(where + ': no accessible name'); }
  var role = svg.getAttribute('role') || '';
  var described = text(svg.getAttribute('aria-describedby') || '');
  if (described.some(function (t) { return !t; })) { problems.push(where + ': aria-describedby names no text'); }
  if (role !== 'img' && described.length === 0) {
    problems.push(where + ': role "' + role + '" and no text alternative (aria-describedby)');
  }
  if (svg.getClientRects().length === 0) { return; }  // not shown now (a filter's other choice): nobody reaches it
  svg.querySelectorAll('a').forEach(function (a) {
    var href = a.getAttribute('href') || a.getAttributeNS('http://www.w3.org/1999/xlink', 'href');
    if (!href) { problems.push(where + ': a link without href'); return; }
    a.focus();
    if (document.activeElement !== a || a.tabIndex < 0) {
      problems.push(where + ': ' + href + ' not reachable by keyboard');
    }
  });
});
if (document.activeElement) { document.activeElement.blur(); }
return [count, problems];
"""


def _open(served: Served, url: str, width: int, height: int, scheme: str) -> list[str]:
    """Open `url` at that size and scheme; what went wrong on the way (the console, other hosts, the scheme)."""
    driver = served.driver
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                           {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
    driver.get_log("browser")  # what earlier pages left
    driver.get(served.base + url)
    problems = []
    shown = driver.execute_script("return document.body.getAttribute('data-md-color-scheme')")
    if shown != SCHEMES[scheme]:
        problems.append(f"prefers-color-scheme: {scheme} shows the scheme {shown!r}")
    return problems


def _search(served: Served) -> list[str]:
    """Type a name into the search box; its label, and results to check in both schemes."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = served.driver
    label = driver.execute_script(
        "var i = document.querySelector('#bg-search input');"
        "return i && i.labels && i.labels.length ? i.labels[0].textContent.trim() : null")
    problems = [] if label else ["the search input has no <label>"]
    driver.find_element(By.CSS_SELECTOR, "#bg-search input").send_keys(served.query)
    WebDriverWait(driver, 15).until(
        lambda d: d.execute_script("return document.querySelectorAll('.pagefind-ui__result').length") > 0)
    return problems


def _skip_link(served: Served) -> list[str]:
    """The first Tab reaches "Skip to content"; following it, the next Tab is inside the page's content."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    driver = served.driver
    ActionChains(driver).send_keys(Keys.TAB).perform()
    first = driver.execute_script(
        "var a = document.activeElement; return [a.classList.contains('md-skip'), a.getAttribute('href')]")
    if first != [True, "#bg-content"]:
        return [f"the first Tab reaches {first}, not the skip link"]
    ActionChains(driver).send_keys(Keys.ENTER).send_keys(Keys.TAB).perform()
    inside = driver.execute_script(
        "var c = document.getElementById('bg-content'); return !!c && c.contains(document.activeElement)")
    return [] if inside else ["after the skip link, Tab does not go into the content"]


def _screenshot(served: Served, name: str, width: int, height: int, scheme: str) -> None:
    folder = ARTIFACTS / served.name
    folder.mkdir(parents=True, exist_ok=True)
    served.driver.execute_script("if (document.activeElement) { document.activeElement.blur(); }")
    shot = served.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    (folder / f"{name}-{width}-{scheme}.png").write_bytes(base64.b64decode(shot["data"]))
    if served.name == "demo" and width > 600 and os.environ.get("BRIEFGEN_UPDATE_SCREENSHOTS"):
        README_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 0.5}
        small = served.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "clip": clip})
        (README_SCREENSHOTS / f"{name}-{scheme}.png").write_bytes(base64.b64decode(small["data"]))


@needs_browser
@pytest.mark.parametrize("name", PAGES)
def test_page_in_chromium(served: Served, name: str) -> None:
    """axe-core finds no serious or critical violation on the page, in either scheme, at either width; nothing
    in the console (under the strict CSP); no other host asked; no sideways scrolling on a phone; pictures
    titled, described and reachable by keyboard; the skip link and the search label work."""
    url = served.urls[name]
    if url is None:
        pytest.skip(f"the {served.name} desk's site has no {name}/ page")
    driver = served.driver
    axe = AXE.read_text(encoding="utf-8")
    problems: list[str] = []
    for scheme in SCHEMES:
        for width, height in WIDTHS:
            where = f"{served.name} {name} ({url or 'home'}) {width}px {scheme}"
            found = _open(served, url, width, height, scheme)
            if name == "search":
                found += _search(served)
            elsewhere = driver.execute_script(
                "var base = arguments[0]; return performance.getEntriesByType('resource')"
                ".map(function (e) { return e.name; }).filter(function (n) { return n.indexOf(base) !== 0; })",
                served.base)
            found += [f"asked another host: {u}" for u in elsewhere]
            if width < 600:
                sizes = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
                if sizes[0] > sizes[1]:
                    found.append(f"{sizes[0]} px wide on a {sizes[1]} px screen")
            _screenshot(served, name, width, height, scheme)
            driver.execute_script(axe)
            for v in driver.execute_async_script(_AXE_RUN):
                if v["impact"] in FAILING_IMPACTS:
                    found.append(f"axe {v['impact']} {v['id']} ({v['count']}×): {v['help']}\n      "
                                 + "\n      ".join(v["nodes"]))
                else:
                    served.findings.append({"page": name, "url": url, "width": width, "scheme": scheme, **v})
            # Last: these move the focus and scroll (and the theme's tabs animate back in when scrolled to the top).
            if (width, scheme) == (1280, "light"):
                if name != "search":  # (its search box takes the focus)
                    found += _skip_link(served)
                found += driver.execute_script(_PICTURES)[1]
            found += [f"console {entry['level']}: {entry['message'][:300]}"
                      for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
            problems += [f"{where}: {p}" for p in found]
    assert not problems, "\n".join(problems)
