"""The live preview server, and the built pages in a real headless Chromium."""

from __future__ import annotations

import contextlib
import functools
import http.server
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CHROMIUM, Desk, article, chromium_dom, person


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


@contextlib.contextmanager
def _static_server(folder: Path) -> Iterator[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is installed by `make test`")
def test_pages_render_and_run_their_scripts_in_chromium(sample_site: Desk, tmp_path: Path) -> None:
    with _static_server(sample_site.site) as base:
        dom = chromium_dom(base + "articles/india-presses-russia-on-nationals-in-ukraine-war/", tmp_path / "p")
    # The theme's script ran (it swaps `no-js` for `js`), and the content survived it.
    assert 'class="js-focus-visible js"' in dom or ' js"' in dom.split("<head", 1)[0]
    assert 'class="bg-mention"' in dom and "Sergei Lavrov</a>" in dom
    assert "India presses Russia" in dom
