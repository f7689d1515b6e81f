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
