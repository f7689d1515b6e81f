"""Shared fixtures: scratch desks in tmp_path, built with the real CLI and real MkDocs."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import io
import itertools
import os
import shutil
import subprocess
import textwrap
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from briefgen.cli import main

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

MKDOCS_YML = """\
site_name: Test desk
site_url: https://desk.example.org/
docs_dir: content
theme:
  name: material
plugins:
  - briefgen:
      page_size: {page_size}
"""


@pytest.fixture(autouse=True)
def _own_check_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's `briefgen check` keeps its cache in a folder of its own, never in ~/.cache."""
    cache_home = tmp_path_factory.mktemp("cache-home")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    monkeypatch.delenv("CI", raising=False)  # which turns the cache off, and CI services set
    return cache_home / "briefgen"


_saves = itertools.count(1)


def date_back(*paths: Path) -> None:
    """Date the files at or under `paths` an hour back, as if saved a while ago, each at a time of its
    own: `briefgen check` never keeps what it found in a file saved in the last seconds."""
    for top in paths:
        for path in [top] if top.is_file() else top.rglob("*"):
            if path.is_file():
                when = time.time_ns() - 3600 * 10**9 + next(_saves) * 10**6
                os.utime(path, ns=(when, when))


@dataclass
class Desk:
    """A scratch project: mkdocs.yml, content/ and templates/ under `root`."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "mkdocs.yml"

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def cli(self, *args: str, capsys: pytest.CaptureFixture[str] | None = None) -> int:
        return main([args[0], "-f", str(self.config), *args[1:]])

    def build(self, *args: str) -> int:
        return self.cli("build", "-q", "--site-dir", str(self.site), *args)

    @property
    def site(self) -> Path:
        return self.root / "site"

    def page(self, url: str) -> str:
        return (self.site / url / "index.html").read_text(encoding="utf-8")


def make_desk(root: Path, files: dict[str, str] | None = None, *, sample: bool = False, page_size: int = 50) -> Desk:
    """A project in `root` with the given files, optionally starting from the sample desk."""
    root.mkdir(parents=True, exist_ok=True)
    desk = Desk(root)
    desk.write("mkdocs.yml", MKDOCS_YML.format(page_size=page_size))
    (root / "content").mkdir(exist_ok=True)
    if sample:
        shutil.copytree(REPO / "content", root / "content", dirs_exist_ok=True)
    for rel, text in (files or {}).items():
        desk.write(rel, text)
    return desk


@pytest.fixture
def desk_factory(tmp_path: Path) -> Callable[..., Desk]:
    counter = iter(range(1000))

    def factory(files: dict[str, str] | None = None, **kwargs: object) -> Desk:
        return make_desk(tmp_path / f"desk{next(counter)}", files, **kwargs)  # type: ignore[arg-type]

    return factory


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    """The repository's own sample desk, built once with the repository's mkdocs.yml."""
    desk = copy_of_sample(tmp_path_factory.mktemp("sample"))
    assert desk.build() == 0
    return desk


def copy_of_sample(root: Path) -> Desk:
    """The repository's sample desk as it is (content, templates and mkdocs.yml), copied into `root`."""
    for name in ("content", "templates"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    return Desk(root)


def tree_digest(folder: Path) -> dict[str, str]:
    """Relative path → SHA-256 of every file under `folder`."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


PERSON = """\
name: {name}
aliases: [{alias}]
roles:
  - title: Minister
"""

ARTICLE = """\
---
title: {title}
date: {date}
source:
  name: Example News
  url: https://news.example.com/{slug}
summary: A summary.
key_points:
  - A point.
people: [{people}]
---
{body}
"""


def article(slug: str = "a-story", *, date: str = "2024-07-03", people: str = "ada-lovelace",
            body: str = "Ada Lovelace spoke.", title: str = "A story") -> dict[str, str]:
    """Files for one article in the right month folder."""
    year, month = date[:4], date[5:7]
    return {f"content/articles/{year}/{month}/{slug}.md": ARTICLE.format(title=title, date=date, slug=slug,
                                                                         people=people, body=body)}


def person(slug: str = "ada-lovelace", name: str = "Ada Lovelace", alias: str = "Lovelace") -> dict[str, str]:
    """Files for one person."""
    return {f"content/people/{slug}.yml": PERSON.format(name=name, alias=alias)}


class ExecutableFinder(HTMLParser):
    """Collects what could run script in a page: handlers, frames, js: URLs, and our payloads in scripts.

    The theme's own inline scripts are expected; a script holding `alert(` can only come from content.
    A JSON-LD data block is never run, and holds content's text (escaped so that it cannot end the
    element): its payloads are data. Had one ended its element early, the rest would be a script of
    no such type, and found.
    """

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.data_block = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.data_block = dict(attrs).get("type") == "application/ld+json"
        if tag in ("iframe", "object", "embed", "frame"):
            self.found.append(tag)
        for name, value in attrs:
            compact = "".join(c for c in (value or "") if c > " ").lower()  # as browsers read a scheme
            if name.startswith("on") or compact.startswith(("javascript:", "data:", "vbscript:")):
                self.found.append(f"{tag} {name}={value}")

    def handle_data(self, data: str) -> None:
        if "alert(" in data and self.lasttag == "script" and not self.data_block:
            self.found.append(f"script {data[:40]}")


def chromium_dom(url: str, profile: Path) -> str:
    """The DOM of `url` after Chromium has run its scripts (headless, no network beyond loopback)."""
    assert CHROMIUM
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom", url],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@contextlib.contextmanager
def static_server(folder: Path, head_script: bytes = b"", *, requests: list[str] | None = None,
                  rewrite: Callable[[str, bytes], bytes | None] | None = None,
                  headers: Callable[[str, bytes], Mapping[str, str]] | None = None) -> Iterator[str]:
    """Serve `folder` on a free loopback port; `head_script` is put first in every page's <head>.

    `requests` collects every path asked for; `rewrite(path, html)` may return a page's bytes changed
    (None: as they are); `headers(path, html)` gives a page's extra response headers (a
    Content-Security-Policy made for the page, say).
    """

    class Handler(http.server.SimpleHTTPRequestHandler):
        def send_head(self):  # type: ignore[no-untyped-def]
            if requests is not None:
                requests.append(self.path)
            path = Path(self.translate_path(self.path))
            page = path / "index.html" if path.is_dir() else path
            if page.suffix != ".html" or not page.is_file() or not (head_script or rewrite or headers):
                return super().send_head()
            data = page.read_bytes().replace(b"<head>", b"<head>" + head_script, 1)
            changed = rewrite(self.path, data) if rewrite else None
            data = changed if changed is not None else data
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers(self.path, data) if headers else {}).items():
                self.send_header(name, value)
            self.end_headers()
            return io.BytesIO(data)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


CHROMEDRIVER = shutil.which("chromedriver")


@contextlib.contextmanager
def chromium_driver(profile: Path, *, width: int = 1280, height: int = 900) -> Iterator[Any]:
    """One headless Chromium driven by Debian's chromedriver (Selenium), kept for many pages and quit in any
    case; the browser's console is kept for `driver.get_log("browser")`. No network beyond loopback is used
    by the tests' pages; the flags keep Chromium's own services from calling out."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert CHROMIUM and CHROMEDRIVER
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
