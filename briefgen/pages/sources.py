"""Which files of MkDocs' `docs_dir` are content sources, which the site never publishes as they are."""

from __future__ import annotations

import os
from pathlib import Path

#: Files under content/ that may be copied into the site as they are: images only, never HTML or scripts.
STATIC_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif"})


def is_content_source(src_uri: str, prefix: str) -> bool:
    """Whether the `docs_dir` file at `src_uri` is a content source (not a picture) under `prefix` (`content_prefix`).

    Decided on names, not resolved paths: resolving every file of a large desk took a second.
    """
    return src_uri.startswith(prefix) and os.path.splitext(src_uri)[1].lower() not in STATIC_SUFFIXES


def content_prefix(content_dir: Path, docs_dir: str) -> str | None:
    """How the source URIs of MkDocs files from `docs_dir` start when they lie in the content folder.

    "" when every file of `docs_dir` does (`docs_dir: content`), None when none can.
    """
    content, docs = content_dir.resolve(), Path(docs_dir).resolve()
    if docs.is_relative_to(content):
        return ""
    if content.is_relative_to(docs):
        return content.relative_to(docs).as_posix() + "/"
    return None
