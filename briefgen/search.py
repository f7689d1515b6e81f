"""Site search with Pagefind: an index built from the finished HTML, split into chunks.

Browsers download only the chunks a query needs, so the search stays fast on a 10,000-article desk,
where a single lunr index (Material's built-in search) grows to about 20 MB and takes ~10 s to load.
Templates mark what is indexed (`data-pagefind-body` on articles and profiles), what is not
(`data-pagefind-ignore` on sections about other pages) and what weighs more (names and aliases).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


class SearchIndexError(RuntimeError):
    """Pagefind failed or is not installed."""


def build_search_index(site_dir: Path) -> None:
    """Run Pagefind over a built site; it writes `pagefind/` inside `site_dir`."""
    command = [sys.executable, "-m", "pagefind", "--site", str(site_dir), "--silent"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as exc:  # pragma: no cover - the interpreter itself is missing
        raise SearchIndexError(f"cannot run Pagefind: {exc}") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()[-2000:]
        raise SearchIndexError(f"Pagefind failed ({' '.join(command)}): {detail or 'no output'}; "
                               "install it with `pip install 'pagefind[bin]'`")
