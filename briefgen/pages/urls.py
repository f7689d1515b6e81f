"""Where each page lives: source URIs (as MkDocs sees them) and the URLs they become.

All addresses come from the format strings below, so a page's address is
decided in one place. A slug has already been checked against `SLUG_RE`, so it
can never climb out of its folder.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

from ..desk.schema import FOLDERS, SLUG_RE

HOME = "index.md"
SEARCH = "search.md"


def entity_uri(kind: str, slug: str, page: int = 1) -> str:
    """Source URI of an article's or entity's page, e.g. `people/sergey-lavrov.md`."""
    if not SLUG_RE.fullmatch(slug):
        raise ValueError(f"unsafe slug {slug!r}")  # validation makes this unreachable for content
    base = f"{FOLDERS[kind]}/{slug}"
    return f"{base}.md" if page == 1 else f"{base}/page/{page}.md"


def index_uri(kind: str, page: int = 1) -> str:
    """Source URI of the index page of a kind, e.g. `people/index.md`."""
    return f"{FOLDERS[kind]}/index.md" if page == 1 else f"{FOLDERS[kind]}/page/{page}.md"


def month_uri(year: int, month: int) -> str:
    """Source URI of the archive of one month, e.g. `articles/2024/07/index.md`."""
    return f"articles/{year:04d}/{month:02d}/index.md"


def briefing_uri(day: dt.date, page: int = 1) -> str:
    """Source URI of a page of a day's briefing, e.g. `briefings/2024-07-03.md`, `briefings/2024-07-03/page/2.md`."""
    base = f"{FOLDERS['briefing']}/{day.isoformat()}"
    return f"{base}.md" if page == 1 else f"{base}/page/{page}.md"


_BRIEFING_URI = re.compile(rf"{FOLDERS['briefing']}/(\d{{4}}-\d{{2}}-\d{{2}})(?:\.md|/page/[0-9]+\.md)")


def briefing_day(uri: str) -> dt.date | None:
    """The day of any page of a day's briefing from its source URI (`briefing_uri`); None for another URI."""
    match = _BRIEFING_URI.fullmatch(uri)
    if match is None:
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        return None


def briefings_uri(page: int = 1) -> str:
    """Source URI of a page of the briefing archive, e.g. `briefings/index.md`, `briefings/page/2.md`."""
    return f"{FOLDERS['briefing']}/index.md" if page == 1 else f"{FOLDERS['briefing']}/page/{page}.md"


def timeline_uri(year: int | None = None, page: int = 1) -> str:
    """Source URI of a page of the timeline of events: `timeline/index.md` (the whole timeline, or its
    latest year when it is paged by year), `timeline/2024.md`, `timeline/2024/page/2.md`."""
    base = "timeline/index" if year is None else f"timeline/{year:04d}"
    return f"{base}.md" if page == 1 else f"{base[: -len('/index')] if year is None else base}/page/{page}.md"


#: Folder of the feed of briefings (`briefings/feed.xml`, `briefings/atom.xml`), whatever `use_directory_urls` says.
BRIEFINGS_FEED_FOLDER = f"{FOLDERS['briefing']}/"


def page_url(src_uri: str, directory_urls: bool = True) -> str:
    """The URL MkDocs gives a Markdown source URI (relative to the site root)."""
    stem = src_uri[: -len(".md")]
    if not directory_urls:
        return f"{stem}.html"
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return f"{stem}/"


def relative_url(from_url: str, to_url: str) -> str:
    """A link from the page at `from_url` to `to_url`, both relative to the site root.

    Computed on path segments rather than with `posixpath.relpath`: pages call this tens of thousands
    of times, and site URLs are already normalised.
    """
    base = from_url if not from_url or from_url.endswith("/") else from_url[: from_url.rfind("/") + 1]
    here = base.split("/")[:-1]
    there = to_url.split("/")
    common = 0
    while common < len(here) and common < len(there) - 1 and here[common] == there[common]:
        common += 1
    return "../" * (len(here) - common) + "/".join(there[common:]) or "./"


@dataclass(frozen=True)
class EditLinks:
    """Where the files of the project are edited on the repository host (`repo_url` and `edit_uri` of mkdocs.yml).

    `edit_uri` points at `docs_dir` in the repository, and the file may live elsewhere (`content_dir`):
    its path is taken relative to `docs_dir`. Pages link "edit this page" with it, and the preview
    links with it each file a failed build's errors are in.
    """

    root: Path
    """The project's root (diagnostic paths are relative to it)."""
    docs_dir: Path
    repo_url: str | None
    edit_uri: str | None

    def __call__(self, path: str) -> str | None:
        """The edit URL of the file at `path` (relative to the root, forward slashes), or None."""
        if not (path and self.repo_url and self.edit_uri):
            return None
        rel = Path(os.path.relpath(self.root / path, self.docs_dir.resolve())).as_posix()
        base = urljoin(self.repo_url.rstrip("/") + "/", self.edit_uri.rstrip("/") + "/")
        # File names come from the desk: quoted, so a `?`, `#` or space in one cannot change the URL.
        url = urljoin(base, quote(rel, safe="/"))
        # Only a web address is linked: mkdocs.yml's values never turn the link into script.
        return url if urlsplit(url).scheme in ("http", "https") else None
