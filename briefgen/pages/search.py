"""Site search with Pagefind: an index built from the rendered pages, split into chunks.

Browsers download only the chunks a query needs, so the search stays fast on a large desk, where a
single lunr index (Material's built-in search) grows with the desk and takes seconds to load.
Templates mark what is indexed (`data-pagefind-body` on articles and profiles), what is not
(`data-pagefind-ignore` on sections about other pages) and what weighs more (names and aliases).

Pagefind reads only what `data-pagefind-body` marks, which is all briefgen's own HTML; so instead of
waiting for MkDocs to write the finished pages, the index is built from the rendered page content while
MkDocs wraps the pages in the theme. The pages reach Pagefind through its service mode (the protocol of
its official Node and Python APIs: base64 JSON messages over stdin and stdout) rather than as files:
writing, reading and deleting a file and a folder per page cost more than indexing them on some file
systems, and the service indexes one page at a time, leaving the other cores to the build.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import posixpath
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

INSTALL_HINT = "install it with `pip install 'pagefind[bin]'`"

_IGNORE = "data-pagefind-ignore"
_START_TAG = re.compile(r"<([a-zA-Z][\w-]*)\s[^>]*>")
#: One attribute of a start tag: its name, then perhaps `=` and a value (quoted or not).
_ATTRIBUTE = re.compile(r"""\s+([^\s"'>/=]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
#: Markers that still count inside an ignored element (`data-pagefind-ignore="index"`, Pagefind's default).
_STILL_READ = re.compile(r"data-pagefind-(?!ignore|weight)")
#: Comments and elements whose text is not markup: a tag inside them would be miscounted.
_NOT_MARKUP = re.compile(r"<(?:!--|!\[CDATA\[|script|style|textarea|template|xmp|plaintext"
                         # A `<title>` holding plain text alone (an SVG picture's) reads the same as markup
                         # or as text; any other could hide a tag inside text.
                         r"|title\b(?![^>]*>[^<]*</title>))", re.IGNORECASE)


class SearchIndexError(RuntimeError):
    """Pagefind failed or is not installed."""


def _executable() -> str:
    try:
        from pagefind.service import get_executable
    except ImportError:
        binary = None
    else:
        binary = get_executable()
    if binary is None:
        raise SearchIndexError(f"Pagefind is not installed; {INSTALL_HINT}")
    return str(binary)


class SearchIndexJob:
    """A Pagefind service indexing pages in the background into `<site_dir>/pagefind/`."""

    WINDOW = 256
    """Pages sent ahead of Pagefind's answers: enough to keep it busy, too few to queue the site in its memory."""

    def __init__(self, pages: Iterable[tuple[str, str, str]], site_dir: Path, language: str) -> None:
        """Start indexing `pages`: (path under the site, title, the HTML inside the page's content area)."""
        self._output = site_dir / "pagefind"
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 - kept for the error message until wait()
        self._partial: list[bytes] = []  # the pieces of an answer still arriving
        self._answers: list[bytes] = []
        self._last_id = 0
        self._files_id = 0
        self._failed: SearchIndexError | None = None
        self._feeder: threading.Thread | None = None
        try:
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [_executable(), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=self._errors)
        except OSError as exc:
            self._errors.close()
            raise SearchIndexError(f"cannot run Pagefind: {exc}; {INSTALL_HINT}") from exc
        assert self._process.stdin is not None and self._process.stdout is not None
        # Kept past `cancel` (which unsets `_process`) until the feeding thread has stopped using them.
        self._popen, self._stdin, self._stdout = self._process, self._process.stdin, self._process.stdout
        try:
            index = self._response(self._send({"type": "NewIndex", "config": None}))["index_id"]
        except BaseException:
            self.cancel()
            raise
        # The caller goes on (MkDocs writes pages) while a thread hands the pages over.
        self._feeder = threading.Thread(target=self._feed, args=(pages, index, language), name="pagefind-feed",
                                        daemon=True)
        self._feeder.start()

    def _feed(self, pages: Iterable[tuple[str, str, str]], index: int, language: str) -> None:
        lang = html.escape(language, quote=True)
        try:
            answered = self._last_id
            for rel, title, content in pages:
                # The same language and content as the finished page: what Pagefind would have read there.
                sent = self._send({"type": "AddFile", "index_id": index, "url": _url(rel), "file_path": None,
                                   "file_contents": f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
                                                    f"<title>{html.escape(title)}</title></head>"
                                                    f"<body>{without_ignored(content)}</body>"
                                                    "</html>\n"})
                if sent - answered > self.WINDOW:
                    answered = sent - self.WINDOW // 2
                    self._response(answered)  # messages are answered in order: all before it are done too
            # Answered once every page before it is indexed. The index comes back as files to write here:
            # Pagefind 1.5's own writes can still be in flight when it answers WriteFiles, and stopping it
            # then leaves files truncated (pagefind#1271, fixed upstream after 1.5.2).
            self._files_id = self._send({"type": "GetFiles", "index_id": index})
        except SearchIndexError as exc:
            self._failed = exc
        except Exception as exc:  # a broken page source, or pipes closed by `cancel`: wait() must not hang
            self._failed = SearchIndexError(f"handing pages to Pagefind failed: {exc!r}")

    def wait(self) -> None:
        """Wait for the index; raises `SearchIndexError` if Pagefind failed."""
        try:
            assert self._feeder is not None
            self._feeder.join()
            if self._failed is not None:
                raise self._failed
            if not self._files_id:
                raise SearchIndexError("Pagefind was never asked for the index")  # the feeding thread died
            files = self._response(self._files_id)["files"]
            folders: set[str] = set()
            for file in files:
                rel = posixpath.normpath(file["path"])
                if rel.startswith(("/", "../")) or rel in ("..", "."):
                    raise SearchIndexError(f"Pagefind named a file outside its folder: {file['path']}")
                folder = posixpath.dirname(rel)
                if folder not in folders:  # a mkdir per folder, not per file: 10k fragments share one
                    (self._output / folder).mkdir(parents=True, exist_ok=True)
                    folders.add(folder)
                (self._output / rel).write_bytes(base64.b64decode(file["content"]))
        finally:
            self.cancel()

    def cancel(self) -> None:
        """Stop Pagefind if it still runs."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()
            if self._feeder is not None and self._feeder is not threading.current_thread():
                self._feeder.join()  # it stops at the closed pipe; its files are closed after it
            for pipe in (self._stdin, self._stdout):
                with contextlib.suppress(OSError):  # the unsent rest of a message to a killed process
                    pipe.close()
        self._errors.close()

    def _send(self, payload: dict[str, Any]) -> int:
        self._last_id += 1
        message = json.dumps({"message_id": self._last_id, "payload": payload}).encode()
        try:
            self._stdin.write(base64.b64encode(message) + b",")
            self._stdin.flush()
        except OSError as exc:  # Pagefind exited; what it printed says why
            raise self._exited() from exc
        return self._last_id

    def _response(self, message_id: int) -> dict[str, Any]:
        """Read Pagefind's answers up to the one to `message_id`; the first error among them fails the job."""
        while True:
            if not self._answers:
                chunk = self._stdout.read1(1 << 16)  # type: ignore[attr-defined]
                if not chunk:
                    raise self._exited()
                # Joined only once complete: the index comes back as one large answer,
                # and joining at each 64 KB read would copy it thousands of times over.
                first, *rest = chunk.split(b",")
                self._partial.append(first)
                if rest:
                    *done, tail = rest
                    self._answers = [*reversed(done), b"".join(self._partial)]  # taken from the end, oldest first
                    self._partial = [tail]
                continue
            answer = json.loads(base64.b64decode(self._answers.pop()))
            payload = answer.get("payload") or {}
            if payload.get("type") == "Error":
                raise self._failure(str(payload.get("message")))
            if answer.get("message_id") == message_id:
                return payload

    def _exited(self) -> SearchIndexError:
        """Pagefind stopped before its work was done (a closed pipe, whichever end noticed first)."""
        try:
            code = self._popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            return self._failure("it stopped answering")
        return self._failure(f"it exited early with code {code}")

    def _failure(self, detail: str) -> SearchIndexError:
        self._errors.seek(0)
        printed = self._errors.read().decode(errors="replace").strip()[-2000:]
        return SearchIndexError(f"Pagefind failed: {detail}" + (f": {printed}" if printed else ""))


def without_ignored(content: str) -> str:
    """`content` without the elements marked `data-pagefind-ignore`, which Pagefind would skip anyway.

    Sections listing other pages are two thirds of a profile's HTML: not sending them saves
    encoding, decoding and parsing them. What cannot be cut safely is left for Pagefind to skip:
    an element holding filters or metadata, one whose end tag is missing, and all of a page with
    comments, scripts or other text that is not markup.
    """
    if _NOT_MARKUP.search(content):
        return content
    kept: list[str] = []
    done = 0
    for start in _ignored_start_tags(content):
        if start.start() < done or start[0].endswith("/>"):
            continue  # inside an element already cut, or empty
        tags = re.compile(rf"<(/?){re.escape(start[1])}(?=[\s/>])[^>]*>", re.IGNORECASE)
        depth = 1
        for tag in tags.finditer(content, start.end()):
            depth += -1 if tag[1] else 1
            if depth == 0:
                break
        else:
            continue
        if _STILL_READ.search(content, start.end(), tag.start()):
            continue
        kept.append(content[done : start.start()])
        done = tag.end()
    kept.append(content[done:])
    return "".join(kept)


def _ignored_start_tags(content: str) -> Iterator[re.Match[str]]:
    """The start tags with a `data-pagefind-ignore` attribute, in order.

    Found from the attribute's name back to its tag: a pattern trying every tag of the page for the
    attribute took about a second on a large desk.
    """
    at = content.find(_IGNORE)
    while at != -1:
        end = at + len(_IGNORE)
        opened = content.rfind("<", 0, at)
        if opened > content.rfind(">", 0, at):  # inside a tag, not in text
            tag = _START_TAG.match(content, opened)
            if tag is not None and tag.end() > end and _has_ignore_attribute(tag):
                yield tag
                end = tag.end()
        at = content.find(_IGNORE, end)


def _has_ignore_attribute(tag: re.Match[str]) -> bool:
    """Whether the start tag has the attribute itself, not just the words in a value."""
    text, at = tag[0], len(tag[1]) + 1
    while (attribute := _ATTRIBUTE.match(text, at)) is not None:
        if attribute[1] == _IGNORE:
            return True
        at = attribute.end()
    return False


def _url(rel: str) -> str:
    """The page's address as Pagefind reports it: `a/b/index.html` is `/a/b/`."""
    return "/" + (rel[: -len("index.html")] if rel == "index.html" or rel.endswith("/index.html") else rel)
