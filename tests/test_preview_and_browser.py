"""The live preview server, and the built pages in a real headless Chromium."""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import CHROMIUM, Desk, article, chromium_dom, person, static_server
from watchdog.events import FileSystemEvent, FileSystemEventHandler

from briefgen.preview.server import _change_observer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except OSError:
        return ""


def _wait_for(url: str, needle: str, timeout: float = 30) -> float:
    """Seconds until the page at `url` contains `needle`; fails the test after `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if needle in _get(url):
            return time.monotonic() - start
        time.sleep(0.1)
    raise AssertionError(f"{url} never showed {needle!r}")


@contextlib.contextmanager
def _serving(desk: Desk) -> Iterator[str]:
    port = _free_port()
    exe = Path(sys.executable).parent / "briefgen"
    proc = subprocess.Popen([str(exe), "serve", "-a", f"127.0.0.1:{port}"], cwd=desk.root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_serve_reloads_on_article_registry_and_template_changes(desk_factory) -> None:
    draft = article("in-the-works", title="Work in progress")
    path, text = next(iter(draft.items()))
    desk = desk_factory({**person(), **article(), path: text.replace("people:", "status: draft\npeople:")})
    (desk.root / "templates").mkdir()
    with _serving(desk) as base:
        page = base + "people/ada-lovelace/"
        _wait_for(page, "Ada Lovelace")
        assert "Work in progress" in _get(page), "the preview shows drafts"

        desk.write("content/people/ada-lovelace.yml", "name: Augusta Ada King\naliases: [Ada Lovelace]\n")
        _wait_for(page, "<h1>Augusta Ada King</h1>")

        story = desk.root / "content/articles/2024/07/a-story.md"
        story.write_text(story.read_text().replace("title: A story", "title: A rewritten story"))
        _wait_for(base + "articles/a-story/", "A rewritten story")

        desk.write("templates/person.html", "<h1>{{ name }}</h1><p>Profile from the desk's template</p>\n")
        _wait_for(page, "Profile from the desk")
    assert not desk.site.exists(), "serve never writes site/"


def test_the_preview_hears_each_kind_of_change_but_not_reads(tmp_path: Path) -> None:
    """A build reads every content file: reads heard as changes would start a new build after each build."""
    heard: queue.Queue[FileSystemEvent] = queue.Queue()

    class Heard(FileSystemEventHandler):
        def dispatch(self, event: FileSystemEvent) -> None:
            heard.put(event)

    story = tmp_path / "articles/story.md"
    story.parent.mkdir()
    story.write_text("---\ntitle: A story\n---\n")
    observer = _change_observer()
    observer.schedule(Heard(), str(tmp_path), recursive=True)
    observer.start()
    moved = story.with_name("moved.md")
    try:
        story.read_text()
        sorted(os.walk(tmp_path))  # as a build lists the folders
        # Events come in order: any about the reads would come before those of the first change.
        changes: list[tuple[str, Callable[[], Any], str, Path]] = [
            ("save", lambda: story.write_text("---\ntitle: Changed\n---\n"), "modified", story),
            ("create", lambda: story.with_name("new.md").write_text("---\n"), "created", story.with_name("new.md")),
            ("rename", lambda: story.rename(moved), "moved", story),
            ("delete", moved.unlink, "deleted", moved),
        ]
        for step, change, kind, path in changes:
            change()
            while True:
                event = heard.get(timeout=10)
                assert event.event_type in {"modified", "closed", "created", "moved", "deleted"}, f"{step}: {event}"
                if event.event_type == kind and Path(os.fsdecode(event.src_path)) == path:
                    break
    finally:
        observer.stop()
        observer.join()


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is installed by `make test`")
def test_pages_render_and_run_their_scripts_in_chromium(sample_site: Desk, tmp_path: Path) -> None:
    with static_server(sample_site.site) as base:
        dom = chromium_dom(base + "articles/india-presses-russia-on-nationals-in-ukraine-war/", tmp_path / "p")
    # The theme's script ran (it swaps `no-js` for `js`), and the content survived it.
    assert 'class="js-focus-visible js"' in dom or ' js"' in dom.split("<head", 1)[0]
    assert 'class="bg-mention"' in dom and "Sergei Lavrov</a>" in dom
    assert "India presses Russia" in dom


def pagefind_results(site: Path, profile: Path, query: str) -> tuple[str, list[str]]:
    """Type `query` into the search page in headless Chromium: Pagefind's message and result links."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    try:
        with static_server(site) as base:
            driver.get(base + "search/")
            box = WebDriverWait(driver, 20).until(
                lambda d: d.find_element(By.CSS_SELECTOR, "input.pagefind-ui__search-input"))
            box.send_keys(query)

            def settled(d: webdriver.Chrome) -> tuple[str, list[str]] | None:
                # Results update while typing; wait until the message names the whole query.
                message = d.find_elements(By.CSS_SELECTOR, ".pagefind-ui__message")
                if not (message and query.lower() in message[0].text.lower()):
                    return None
                links = d.find_elements(By.CSS_SELECTOR, "a.pagefind-ui__result-link")
                return message[0].text, [str(link.get_attribute("href")) for link in links]

            return WebDriverWait(driver, 20).until(settled)
    finally:
        driver.quit()


needs_chromedriver = pytest.mark.skipif(CHROMIUM is None or shutil.which("chromedriver") is None,
                                        reason="Debian's chromium and chromium-driver are installed by `make test`")


@needs_chromedriver
@pytest.mark.parametrize("query", ["Lavrov", "Sergei"])
def test_site_search_finds_people_by_name_and_alias(sample_site: Desk, tmp_path: Path, query: str) -> None:
    _, links = pagefind_results(sample_site.site, tmp_path / "profile", query)
    # Result links live under site_url's path (/briefgen/ in the sample), where the site is published.
    assert links and urlsplit(links[0]).path == "/briefgen/people/sergey-lavrov/", links


@needs_chromedriver
def test_site_search_skips_the_note_every_article_ends_with(sample_site: Desk, tmp_path: Path) -> None:
    # "This brief summarises the original article …; quotes are verbatim": on every article, so noise.
    message, links = pagefind_results(sample_site.site, tmp_path / "profile", "verbatim")
    assert not links and message.lower().startswith("no results"), (message, links)


# --- Build errors in the browser, and a preview that never hangs -----------------------------------------------

PREVIEW_YML = """\
site_name: Test desk
site_url: https://desk.example.org/briefgen/
repo_url: https://git.example.org/desk/
edit_uri: edit/main/content/
docs_dir: content
theme:
  name: material
plugins:
  - briefgen
"""
EDIT_BASE = "https://git.example.org/desk/edit/main/content/"
OVERLAY = "#briefgen-build-errors"


@contextlib.contextmanager
def _preview(desk: Desk, log: Path, *, wait: str | None = "") -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`briefgen serve` on a free port, its output in `log` (never a pipe nobody reads, which fills and blocks it).

    Yields the preview's URL, from the line it printed, once it answers (and has served a page holding
    `wait`, if given), and the process; ends it with Ctrl-C, as a user does, in any case.
    """
    import signal

    port = _free_port()
    exe = Path(sys.executable).parent / "briefgen"
    with log.open("w") as out:
        proc = subprocess.Popen([str(exe), "serve", "-a", f"127.0.0.1:{port}"], cwd=desk.root,
                                stdout=out, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        url = ""
        while not url:
            assert proc.poll() is None, f"serve exited with {proc.returncode}:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"serve never printed its URL:\n{log.read_text()}"
            found = [line for line in log.read_text().splitlines() if "Serving on http" in line]
            url = found[0].split("Serving on ", 1)[1].split()[0] if found else ""
            time.sleep(0.1)
        if wait is not None:
            _wait_for(url, wait, timeout=max(deadline - time.monotonic(), 1))
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _fetch(url: str, timeout: float = 2) -> tuple[int, str, float]:
    """Status, text and seconds taken of a GET of `url` (an HTTP error's status and page too)."""
    import urllib.error

    start = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    return status, body.decode("utf-8", "replace"), time.monotonic() - start


def _expected(desk: Desk, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """The errors `briefgen check` reports for the desk, as JSON: what the preview must show."""
    import json

    capsys.readouterr()
    desk.cli("check", "--format", "json", "--no-cache")
    found = [d for d in json.loads(capsys.readouterr().out) if d["severity"] == "error"]
    assert found
    return found


def _where(d: dict[str, Any]) -> str:
    return f"{d['path']}:{d['line']}:{d['col']}: error[{d['code']}]"


@contextlib.contextmanager
def _chromium(profile: Path) -> Iterator[Any]:
    """A headless Chromium driven by chromedriver, quit in any case."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _overlay_text(driver: Any) -> str | None:
    """The overlay's text in the page now, or None without one."""
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, OVERLAY)
    return str(found[0].text) if found else None


def _heading(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, "article h1, .md-content h1")
    return str(found[0].text) if found else ""


def _until(driver: Any, what: Callable[[Any], Any], timeout: float = 30) -> Any:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # The live-reload script may reload the page between finding an element and reading it.
    return WebDriverWait(driver, timeout, poll_frequency=0.1,
                         ignored_exceptions=(StaleElementReferenceException,)).until(what)


@needs_chromedriver
def test_broken_yaml_shows_in_the_browser_over_the_last_good_page_and_goes_away_when_fixed(
        desk_factory, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from selenium.webdriver.common.by import By

    desk = desk_factory({**person(), **article(), "mkdocs.yml": PREVIEW_YML})
    registry = desk.root / "content/people/ada-lovelace.yml"
    good = registry.read_text()
    with _preview(desk, tmp_path / "serve.log", wait="Ada Lovelace") as (base, _), \
            _chromium(tmp_path / "profile") as driver:
        port = urlsplit(base).port
        assert base == f"http://127.0.0.1:{port}/briefgen/", "the printed URL is where the site is"
        page = base + "people/ada-lovelace/"
        driver.get(page)
        assert _heading(driver) == "Ada Lovelace" and _overlay_text(driver) is None

        registry.write_text(good.replace("aliases: [Lovelace]", "aliases: [Lovelace\n"))
        expected = _expected(desk, capsys)
        # The open page reloads by itself (the live-reload script) and shows the errors over its content.
        shown = _until(driver, _overlay_text)
        for d in expected:
            assert f"{_where(d)}: {d['message']}" in shown, shown
            if d["hint"]:
                assert f"hint: {d['hint']}" in shown
        assert _where(expected[0]).startswith("content/people/ada-lovelace.yml:")
        assert _heading(driver) == "Ada Lovelace", "the last good page is still there"
        links = driver.find_elements(By.CSS_SELECTOR, f"{OVERLAY} a")
        assert links and links[0].get_attribute("href") == EDIT_BASE + "people/ada-lovelace.yml"

        # While the content is broken, nothing waits for a good build: pages, assets, missing pages.
        urls = [page, base, base + "articles/a-story/", base + "assets/briefgen.css", base + "sitemap.xml",
                base + "no/such/page/"]
        for url in urls:
            status, text, took = _fetch(url)
            assert took < 2 and status == (404 if "no/such" in url else 200), (url, status, took)
            assert (OVERLAY[1:] in text) == (not url.endswith((".css", ".xml"))), url

        registry.write_text(good)
        _until(driver, lambda d: _overlay_text(d) is None and _heading(d) == "Ada Lovelace")
        assert OVERLAY[1:] not in _fetch(page)[1]


@needs_chromedriver
def test_an_unknown_slug_named_with_markup_shows_escaped_and_goes_away_when_fixed(
        desk_factory, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from conftest import ExecutableFinder
    from selenium.common.exceptions import NoAlertPresentException

    desk = desk_factory({**person(), **article(), "mkdocs.yml": PREVIEW_YML})
    story = desk.root / "content/articles/2024/07/a-story.md"
    good = story.read_text()
    with _preview(desk, tmp_path / "serve.log", wait="A story") as (base, _), \
            _chromium(tmp_path / "profile") as driver:
        page = base + "articles/a-story/"
        driver.get(page)
        _until(driver, lambda d: _heading(d) == "A story")

        payload = "<script>alert(1)</script><img src=x onerror=alert(2)>"
        story.write_text(good.replace("people: [ada-lovelace]", f'people: [ada-lovelace, "{payload}"]'))
        expected = _expected(desk, capsys)
        assert any(payload in d["message"] for d in expected), expected
        shown = _until(driver, _overlay_text)
        assert all(f"{_where(d)}: {d['message']}" in shown for d in expected), shown
        assert payload in shown, "the markup is shown as text"
        with pytest.raises(NoAlertPresentException):
            driver.switch_to.alert  # noqa: B018 (reading it is the check)
        served = _fetch(page)[1]
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in served and payload not in served
        finder = ExecutableFinder()
        finder.feed(served.split('id="briefgen-build-errors"', 1)[1])
        assert finder.found == []

        story.write_text(good)
        _until(driver, lambda d: _overlay_text(d) is None and _heading(d) == "A story")


def test_serve_started_on_broken_content_serves_the_error_page_until_fixed(
        desk_factory, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every URL answers, with status 500 and the errors, while no build has succeeded; Ctrl-C ends it with 0."""
    import html
    import re
    import signal

    desk = desk_factory({**person(), **article(), "mkdocs.yml": PREVIEW_YML})
    registry = desk.root / "content/people/ada-lovelace.yml"
    good = registry.read_text()
    registry.write_text("name: [Ada\n")
    expected = _expected(desk, capsys)
    log = tmp_path / "serve.log"
    with _preview(desk, log, wait=None) as (base, proc):
        origin = base.removesuffix("briefgen/")
        for url in [base, base + "people/ada-lovelace/", base + "assets/briefgen.css", base + "no/such/",
                    origin, origin + "elsewhere"]:
            status, text, took = _fetch(url)
            if url == origin + "elsewhere":
                assert status == 404 and took < 2, (status, took)  # outside the site: MkDocs' 404
                continue
            assert (status, took < 2) == (500, True), (url, status, took)
            shown = html.unescape(re.sub(r"<[^>]+>", "", text))
            assert all(f"{_where(d)}: {d['message']}" in shown for d in expected), shown
            assert "/livereload/" in text, "the error page reloads when a build succeeds"
            assert EDIT_BASE + "people/ada-lovelace.yml" in text

        printed = log.read_text()
        assert all(_where(d) in printed for d in expected), printed
        assert f"Serving on {base}" in printed

        registry.write_text(good)
        _wait_for(base + "people/ada-lovelace/", "<h1>Ada Lovelace</h1>")
        status, text, _ = _fetch(base + "people/ada-lovelace/")
        assert status == 200 and OVERLAY[1:] not in text
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0, log.read_text()


def _load(urls: list[str], timeout: float = 60) -> tuple[list[float], list[str]]:
    """GET every URL at once, each from a thread of its own: the seconds each took, and the failures."""
    import threading

    start = threading.Barrier(len(urls) + 1)
    took: list[float] = []
    failed: list[str] = []
    lock = threading.Lock()

    def get(url: str) -> None:
        start.wait(timeout=30)
        began = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                ok = response.status == 200 and len(response.read()) > 0
        except OSError as exc:
            ok = False
            with lock:
                failed.append(f"{url}: {exc}")
        with lock:
            took.append(time.monotonic() - began)
            if not ok:
                failed.append(url)

    threads = [threading.Thread(target=get, args=(url,), daemon=True) for url in urls]
    for thread in threads:
        thread.start()
    start.wait(timeout=30)
    for thread in threads:
        thread.join(timeout=timeout + 30)
    assert not any(thread.is_alive() for thread in threads)
    return sorted(took), failed


def test_two_hundred_requests_at_once_are_all_answered_promptly(tmp_path: Path) -> None:
    from conftest import copy_of_sample

    desk = copy_of_sample(tmp_path / "desk")
    with _preview(desk, tmp_path / "serve.log", wait="India") as (base, _):
        text = _fetch(base, timeout=10)[1]
        assets = sorted({link.split('"', 1)[0] for link in text.split('href="')[1:] + text.split('src="')[1:]
                         if link.startswith(("assets/", "../assets/", "/briefgen/assets/"))})
        assert assets
        pages = [base, base + "people/", base + "people/sergey-lavrov/",
                 base + "articles/india-presses-russia-on-nationals-in-ukraine-war/"]
        targets = [*pages, *(base + a.removeprefix("/briefgen/") for a in assets)]
        urls = [targets[i % len(targets)] for i in range(200)]
        took, failed = _load(urls)
    assert not failed, failed[:5]
    p95, worst = took[int(len(took) * 0.95) - 1], took[-1]
    print(f"200 concurrent requests: p95 {p95:.3f} s, max {worst:.3f} s")
    assert worst < 10, (p95, worst)
