"""What the preview shows in the browser when a rebuild fails: an overlay on the last good page, or an error page.

A failed rebuild leaves the last good site where it was (content errors stop the build before
anything is written), and the preview keeps serving it. Each HTML page it serves then carries an
overlay listing the diagnostics as `path:line:col: error[code]: message`, each with its hint and,
where `repo_url` and `edit_uri` are configured, a link to edit the file. When there is no good site
yet (the preview started on broken content), every page is a standalone error page instead. The
live-reload script stays on both, so the next good build reloads the page without the overlay.

Everything shown comes from the content (file names, slugs, field names, YAML text quoted in
messages) and is escaped: the overlay must never run what a content file holds. The HTML is made
here without MkDocs; `server.py` puts it into the responses.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..desk.diagnostics import Diagnostic, Severity

OVERLAY_ID = "briefgen-build-errors"
"""The `id` of the overlay's element (tests and user styles find it by this)."""

MAX_SHOWN = 200
"""At most this many diagnostics in the overlay: a desk broken everywhere must not make every page huge."""

EditUrl = Callable[[str], str | None]
"""The edit URL of a file, from its path relative to the project root; None where there is none."""


@dataclass(frozen=True)
class BuildFailure:
    """Why the last preview rebuild failed: the content's diagnostics, or another error's message."""

    diagnostics: tuple[Diagnostic, ...]
    """The errors the check found (empty when the build failed for another reason)."""
    message: str
    """One line on the failure (the content error count, or the error a template or the config raised)."""


def no_edit_links(path: str) -> str | None:
    """No file has an edit URL (`repo_url` or `edit_uri` not configured)."""
    return None


def failure_of(diagnostics: Sequence[Diagnostic] | None, message: str) -> BuildFailure:
    """The `BuildFailure` of a rebuild that raised `message`; its errors are `diagnostics`, if the check found any."""
    errors = sorted({d for d in diagnostics or () if d.severity is Severity.ERROR})
    return BuildFailure(tuple(errors), " ".join(message.split()) or "the build failed")


_STYLE = f"""
#{OVERLAY_ID} {{ all: initial; display: block; position: fixed; z-index: 2147483647; top: 0; left: 0; right: 0;
  max-height: 60vh; overflow: auto; box-sizing: border-box; padding: 12px 16px;
  background: #1e1e1e; color: #f0f0f0; border-bottom: 4px solid #e5484d;
  font: 14px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }}
#{OVERLAY_ID} * {{ box-sizing: border-box; font: inherit; color: inherit; }}
#{OVERLAY_ID} h1 {{ margin: 0 0 8px; font-weight: bold; color: #ff8589; }}
#{OVERLAY_ID} summary {{ cursor: pointer; font-weight: bold; color: #ff8589; }}
#{OVERLAY_ID} ol {{ margin: 8px 0 0; padding: 0 0 0 1.5em; }}
#{OVERLAY_ID} li {{ margin: 0 0 8px; }}
#{OVERLAY_ID} .bg-where {{ color: #9cdcfe; }}
#{OVERLAY_ID} .bg-code {{ color: #ff8589; }}
#{OVERLAY_ID} .bg-hint {{ display: block; color: #c8c8c8; padding-left: 2ch; }}
#{OVERLAY_ID} a {{ color: #7fb8ff; text-decoration: underline; margin-left: 1ch; }}
#{OVERLAY_ID} p {{ margin: 6px 0 0; color: #c8c8c8; }}
"""


def _item(diagnostic: Diagnostic, edit_url: EditUrl) -> str:
    """One diagnostic as a list item: `path:line:col: error[code]: message`, the hint, the edit link."""
    where = html.escape(f"{diagnostic.path}:{diagnostic.line}:{diagnostic.col}")
    head = (f'<span class="bg-where">{where}</span>: '
            f'<span class="bg-code">{html.escape(diagnostic.severity.value)}[{html.escape(diagnostic.code)}]</span>: '
            f"{html.escape(diagnostic.message)}")
    url = edit_url(diagnostic.path)
    if url is not None:
        head += f' <a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener">edit</a>'
    hint = f'<span class="bg-hint">hint: {html.escape(diagnostic.hint)}</span>' if diagnostic.hint else ""
    return f"<li>{head}{hint}</li>"


def _listing(failure: BuildFailure, edit_url: EditUrl) -> str:
    """The list of diagnostics (or the failure's message), as HTML."""
    if not failure.diagnostics:
        return (f"<p>{html.escape(failure.message)}</p>"
                "<p>The terminal running <code>briefgen serve</code> has the details.</p>")
    shown = failure.diagnostics[:MAX_SHOWN]
    items = "".join(_item(d, edit_url) for d in shown)
    more = len(failure.diagnostics) - len(shown)
    rest = f"<p>… and {more:,} more; <code>briefgen check</code> lists them all.</p>" if more > 0 else ""
    return f"<ol>{items}</ol>{rest}"


def _title(failure: BuildFailure) -> str:
    count = len(failure.diagnostics)
    return f"{count} error{'s' if count != 1 else ''} in the content" if count else "The build failed"


def overlay_html(failure: BuildFailure, edit_url: EditUrl = no_edit_links) -> str:
    """The overlay put on the last good site's pages: the diagnostics over the page, which stays below.

    A `<details>` element, so it folds away without any script of its own.
    """
    title = html.escape(_title(failure))
    return (f'<style>{_STYLE}</style>'
            f'<div id="{OVERLAY_ID}" role="alert"><details open>'
            f"<summary>briefgen preview: {title}; showing the last good build</summary>"
            f"{_listing(failure, edit_url)}"
            "<p>Fix the files and save: this page reloads when the build succeeds.</p>"
            "</details></div>")


def error_page_html(failure: BuildFailure, edit_url: EditUrl = no_edit_links) -> str:
    """The page served for every URL while no build has succeeded: the diagnostics alone."""
    title = html.escape(_title(failure))
    return ("<!doctype html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title} · briefgen preview</title>"
            f"<style>{_STYLE} #{OVERLAY_ID} {{ position: static; max-height: none; min-height: 100vh; }}</style>"
            f'</head><body style="margin: 0"><main id="{OVERLAY_ID}" role="alert">'
            f"<h1>briefgen preview: {title}</h1>"
            "<p>Nothing could be built yet.</p>"
            f"{_listing(failure, edit_url)}"
            "<p>Fix the files and save: this page reloads when the build succeeds.</p>"
            "</main></body></html>\n")


def insert_before_body_end(page: bytes, fragment: str) -> bytes:
    """`page` with `fragment` put before its last `</body>` (at the end if it has none)."""
    at = page.rfind(b"</body>")
    if at < 0:
        at = len(page)
    return page[:at] + fragment.encode("utf-8") + page[at:]
