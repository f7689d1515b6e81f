"""Site search with Pagefind: an index built from the rendered pages, split into chunks.

Browsers download only the chunks a query needs, so the search stays fast on a 10,000-article desk,
where a single lunr index (Material's built-in search) grows to about 20 MB and takes ~10 s to load.
Templates mark what is indexed (`data-pagefind-body` on articles and profiles), what is not
(`data-pagefind-ignore` on sections about other pages) and what weighs more (names and aliases).

Pagefind reads only what `data-pagefind-body` marks, which is all briefgen's own HTML; so instead of
waiting for MkDocs to write the finished pages, the index is built from the rendered page content,
in a Pagefind process that runs while MkDocs wraps the pages in the theme.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path


class SearchIndexError(RuntimeError):
    """Pagefind failed or is not installed."""


class SearchIndexJob:
    """A Pagefind run in the background, indexing pages into `<site_dir>/pagefind/`."""

    def __init__(self, pages: Iterable[tuple[str, str, str]], site_dir: Path, language: str) -> None:
        """Start indexing `pages`: (path under the site, title, the HTML inside the page's content area)."""
        # Inside the (staging) site folder: whatever stops the build, removing that folder removes this too.
        site_dir.mkdir(parents=True, exist_ok=True)
        self._staging = Path(tempfile.mkdtemp(prefix=".briefgen-search-", dir=site_dir))
        lang = html.escape(language, quote=True)
        for rel, title, content in pages:
            path = self._staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            # The same language and content as the finished page: what Pagefind would have read there.
            path.write_text(f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
                            f"<title>{html.escape(title)}</title></head><body>{content}</body></html>\n",
                            encoding="utf-8")
        self._command = [sys.executable, "-m", "pagefind", "--site", str(self._staging),
                         "--output-path", str(site_dir / "pagefind"), "--silent"]
        try:
            self._process: subprocess.Popen[str] | None = subprocess.Popen(
                self._command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                cwd=self._staging)
        except OSError as exc:  # pragma: no cover - the interpreter itself is missing
            self.cancel()
            raise SearchIndexError(f"cannot run Pagefind: {exc}") from exc

    def wait(self) -> None:
        """Wait for the index; raises `SearchIndexError` if Pagefind failed."""
        assert self._process is not None
        output, _ = self._process.communicate()
        code = self._process.returncode
        self._process = None
        self.cancel()
        if code != 0:
            detail = (output or "").strip()[-2000:]
            raise SearchIndexError(f"Pagefind failed ({' '.join(self._command)}): {detail or 'no output'}; "
                                   "install it with `pip install 'pagefind[bin]'`")

    def cancel(self) -> None:
        """Stop Pagefind if it still runs, and remove the pages written for it."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None
        shutil.rmtree(self._staging, ignore_errors=True)
